package main

import (
	"fmt"
	"runtime"

	opaversion "github.com/open-policy-agent/opa/v1/version"

	"github.com/hogaudit/hogaudit/internal/version"
)

// versionCmd is `hogaudit version`.
type versionCmd struct{}

func (versionCmd) Run(e *env) error {
	fmt.Fprintf(e.stdout, "hogaudit %s\n", version.String())
	if c := version.Commit(); c != "" {
		fmt.Fprintf(e.stdout, "commit   %s\n", c)
	}
	fmt.Fprintf(e.stdout, "opa      %s\n", opaversion.Version)
	fmt.Fprintf(e.stdout, "go       %s\n", runtime.Version())
	return nil
}
