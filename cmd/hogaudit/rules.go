package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
)

// matrixCmd groups the matrix subcommands.
type matrixCmd struct {
	Validate matrixValidateCmd `cmd:"" help:"Parse and validate an access matrix; errors carry file:line:col."`
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

// policiesCmd groups the policy subcommands.
type policiesCmd struct {
	List policiesListCmd `cmd:"" help:"List the rule catalog: id, name, severity, title."`
	Test policiesTestCmd `cmd:"" help:"Run the Rego unit tests of the built-in rules and of the given directories, like 'opa test'."`
}

type policiesListCmd struct {
	PolicyDir []string `placeholder:"DIR" help:"Also list the custom rules in DIR (repeatable)."`
	Format    string   `short:"f" enum:"text,json,markdown" default:"text" help:"text, json, or markdown (the document docs/rules.md is)."`
}

func (c *policiesListCmd) Run(ctx context.Context, e *env) error {
	eng, err := policies.New(ctx, policies.Options{PolicyDirs: e.paths(c.PolicyDir)})
	if err != nil {
		return fail(e.asGiven(err, c.PolicyDir...))
	}
	rules := eng.Rules()
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

// explainCmd is `hogaudit explain RULE`.
type explainCmd struct {
	Rule      string   `arg:"" placeholder:"RULE" help:"Rule id (PH204) or name (project-access-exceeds-matrix)."`
	PolicyDir []string `placeholder:"DIR" help:"Also look among the custom rules in DIR."`
}

func (c *explainCmd) Run(ctx context.Context, e *env) error {
	eng, err := policies.New(ctx, policies.Options{PolicyDirs: e.paths(c.PolicyDir)})
	if err != nil {
		return fail(e.asGiven(err, c.PolicyDir...))
	}
	r, ok := eng.Rule(c.Rule)
	if !ok {
		return fail(fmt.Errorf("no rule %q", c.Rule), "'hogaudit policies list' shows the catalog")
	}
	w := e.stdout
	fmt.Fprintf(w, "%s %s — %s\n\n", r.ID, r.Name, r.Title)
	fmt.Fprintf(w, "Severity: %s    Area: %s\n\n", r.Severity, r.Area)
	fmt.Fprintf(w, "%s\n\n", wrap(r.Description, 100))
	fmt.Fprintf(w, "How to fix:\n%s\n\n", indent(wrap(r.Remediation, 96), "  "))
	if len(r.Requires) > 0 {
		fmt.Fprintln(w, "Evidence it reads (snapshot section → API scope):")
		for _, s := range r.Requires {
			scope := snapshot.SectionScopes[s]
			if scope == "" {
				scope = "no scope needed"
			}
			if f := snapshot.SectionFeatures[s]; f != "" {
				scope += " (PostHog Cloud: plan feature " + f + ")"
			}
			fmt.Fprintf(w, "  %-26s %s\n", s, scope)
		}
		fmt.Fprintln(w)
	}
	for _, u := range r.RelatedResources {
		fmt.Fprintf(w, "See: %s\n", u.URL)
	}
	fmt.Fprintf(w, "Defined in: %s\n", e.shown(r.File, c.PolicyDir...))
	return nil
}

// wrap breaks s into lines of at most width runes at spaces, keeping
// existing line breaks.
func wrap(s string, width int) string {
	var out []string
	for _, para := range strings.Split(strings.TrimSpace(s), "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && len([]rune(line))+1+len([]rune(word)) > width {
				out = append(out, line)
				line = word
				continue
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
