package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/hogaudit/hogaudit/policies"
)

// policiesCmd groups the policy subcommands.
type policiesCmd struct {
	List policiesListCmd `cmd:"" help:"List the rule catalog: id, name, severity, title."`
	Test policiesTestCmd `cmd:"" help:"Run the Rego unit tests of the built-in rules and of the given directories, like 'opa test'."`
}

type policiesListCmd struct {
	PolicyDir []string `placeholder:"DIR" help:"Also list the custom rules in DIR (repeatable)."`
	Format    string   `short:"f" enum:"text,json,markdown" default:"text" help:"text, json, or markdown (the document docs/rules.md is)."`
	ByControl bool     `name:"by-control" help:"Group the catalog by compliance framework control (SOC 2, ISO 27001:2022): control, title, rules."`
}

func (c *policiesListCmd) Run(ctx context.Context, e *env) error {
	eng, err := policies.New(ctx, policies.Options{PolicyDirs: e.paths(c.PolicyDir)})
	if err != nil {
		return fail(e.asGiven(err, c.PolicyDir...))
	}
	rules := eng.Rules()
	if c.ByControl {
		return listByControl(e, rules, c.Format)
	}
	if c.Format == "markdown" {
		_, err := e.stdout.Write(policies.CatalogMarkdown(rules))
		return err
	}
	if c.Format == "json" {
		out := make([]any, 0, len(rules))
		for _, r := range rules {
			out = append(out, r.Report())
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSEVERITY\tTITLE")
	for _, r := range rules {
		title := r.Title
		if r.Custom {
			title += " (custom)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Name, r.Severity, title)
	}
	return tw.Flush()
}

// listByControl prints the catalog grouped by framework control
// (policies.ByControl) in format: a table of framework, control, title and
// rules; the JSON list; or the Markdown index docs/rules.md ends with.
func listByControl(e *env, rules []policies.Rule, format string) error {
	groups := policies.ByControl(rules)
	switch format {
	case "markdown":
		_, err := io.WriteString(e.stdout, "# hogaudit's rules by control\n\n"+policies.ControlsMarkdown(rules, 2, true))
		return err
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(append([]policies.ControlRules{}, groups...))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FRAMEWORK\tCONTROL\tTITLE\tRULES")
	for _, g := range groups {
		ids := make([]string, len(g.Rules))
		for i, r := range g.Rules {
			ids[i] = r.ID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Framework, g.Control, g.Title, strings.Join(ids, ","))
	}
	return tw.Flush()
}

type policiesTestCmd struct {
	Dirs   []string `arg:"" optional:"" placeholder:"DIR" help:"Directories of custom rules and their _test.rego files."`
	Filter string   `name:"run" placeholder:"REGEX" help:"Run only the tests whose package or name matches REGEX."`
}

func (c *policiesTestCmd) Run(ctx context.Context, g *globals, e *env) error {
	results, err := policies.RunTests(ctx, e.paths(c.Dirs), c.Filter)
	if err != nil {
		return fail(e.asGiven(err, c.Dirs...))
	}
	passed, failed, skipped := 0, 0, 0
	for _, r := range results {
		switch {
		case r.Skipped:
			skipped++
		case r.Passed:
			passed++
			if g.verbose {
				fmt.Fprintf(e.stdout, "PASS %s.%s\n", r.Package, r.Name)
			}
		default:
			failed++
			if r.Err != nil {
				fmt.Fprintf(e.stdout, "ERROR %s.%s (%s): %v\n", r.Package, r.Name, e.shown(r.Location, c.Dirs...), e.asGiven(r.Err, c.Dirs...))
			} else {
				fmt.Fprintf(e.stdout, "FAIL %s.%s (%s)\n", r.Package, r.Name, e.shown(r.Location, c.Dirs...))
			}
		}
	}
	fmt.Fprintf(e.stdout, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if len(results) == 0 {
		return fail(errors.New("no tests ran"), "tests are rules named test_* in _test.rego files")
	}
	if failed > 0 {
		return exitCode(1)
	}
	return nil
}
