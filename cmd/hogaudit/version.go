package main

import (
	"fmt"
	"runtime"

	opaversion "github.com/open-policy-agent/opa/v1/version"

	"github.com/hogaudit/hogaudit/internal/version"
)

// versionCmd is `hogaudit version`: hogaudit's version, the commit it was
// built from ("unknown" when the build recorded none; "(modified)" when the
// work tree differed from it), the policy engine's version and Go's.
type versionCmd struct{}

func (versionCmd) Run(e *env) error {
	fmt.Fprintf(e.stdout, "hogaudit %s\n", version.String())
	c := version.Commit()
	switch {
	case c == "":
		c = "unknown"
	case version.CommitModified():
		c += " (modified)"
	}
	fmt.Fprintf(e.stdout, "commit   %s\n", c)
	fmt.Fprintf(e.stdout, "opa      %s\n", version.OPA(opaversion.Version))
	fmt.Fprintf(e.stdout, "go       %s\n", runtime.Version())
	return nil
}
