package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/policies/frameworks"
	"github.com/hogaudit/hogaudit/snapshot"
)

// explainCmd is `hogaudit explain RULE` and `hogaudit explain
// member:EMAIL` (explain_member.go): the argument decides.
type explainCmd struct {
	Rule      string   `arg:"" placeholder:"RULE|member:EMAIL" help:"Rule id (PH204) or name (project-access-exceeds-matrix); or member:EMAIL for who can do what and why, from a snapshot."`
	PolicyDir []string `placeholder:"DIR" help:"Also look among the custom rules in DIR."`
	// The flags of explain member:EMAIL.
	Snapshot string `placeholder:"FILE" help:"With member:EMAIL: the snapshot to read (required)."`
	Matrix   string `placeholder:"FILE" help:"With member:EMAIL: the access matrix, for the member's groups and project keys (default: access-matrix.yaml here, when it exists)."`
	Project  string `placeholder:"KEY" help:"With member:EMAIL: only this project, by matrix key, id or name."`
	Format   string `short:"f" enum:"text,json" default:"text" help:"With member:EMAIL: text, or json for scripts."`
}

func (c *explainCmd) Run(ctx context.Context, e *env) error {
	if strings.HasPrefix(c.Rule, memberPrefix) {
		return c.runMember(ctx, e)
	}
	if c.Snapshot != "" || c.Matrix != "" || c.Project != "" || c.Format != "text" {
		return fail(errors.New("--snapshot, --matrix, --project and --format are for 'explain member:EMAIL'"), "'hogaudit explain RULE' takes only --policy-dir")
	}
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
	if controls := ruleControls(r); controls != "" {
		fmt.Fprintf(w, "Controls it evidences:\n%s\n\n", controls)
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

// ruleControls lists the framework controls r evidences, one framework a
// line ("  SOC 2           CC6.1 Logical access security …"), "" for none.
func ruleControls(r policies.Rule) string {
	var lines []string
	for _, f := range frameworks.All() {
		for _, id := range r.Frameworks[f.Key] {
			c, _ := f.Control(id)
			lines = append(lines, fmt.Sprintf("  %-15s %-7s %s", f.Short, id, c.Title))
		}
	}
	return strings.Join(lines, "\n")
}
