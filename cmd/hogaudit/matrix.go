package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hogaudit/hogaudit/matrix"
)

// matrixCmd groups the matrix subcommands.
type matrixCmd struct {
	Validate matrixValidateCmd `cmd:"" help:"Parse and validate an access matrix; errors carry file:line:col."`
	Init     matrixInitCmd     `cmd:"" help:"Draft an access matrix the organization satisfies today, commented where a person should decide."`
}

type matrixValidateCmd struct {
	File string `arg:"" placeholder:"FILE" help:"The access matrix to validate."`
}

func (c *matrixValidateCmd) Run(g *globals, e *env) error {
	m, err := readMatrix(e, c.File)
	if err != nil {
		var errs matrix.Errors
		if errors.As(err, &errs) {
			return fail(err, fmt.Sprintf("%d problem(s); the format is described in docs/matrix.md of hogaudit's repository", len(errs)))
		}
		return fail(err)
	}
	for _, w := range m.UnknownScopes() {
		hint := "no personal API key can hold it"
		switch {
		case w.Problem == matrix.ProblemInternal:
			hint = "PostHog keeps this object for its own services"
		case strings.HasPrefix(w.Scope, "event:") && w.Suggestion == "query:read":
			hint = "events are read with query:read"
		case w.Suggestion != "":
			hint = "did you mean " + w.Suggestion + "?"
		}
		g.infof(e, "warning: %s:%d:%d: unknown scope %q will be reported as PH307 (%s; %s)", c.File, w.Line, w.Col, w.Scope, w.Problem, hint)
	}
	g.infof(e, "%s is a valid access matrix", c.File)
	return nil
}
