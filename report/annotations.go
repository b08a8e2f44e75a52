package report

import (
	"cmp"
	"fmt"
	"io"
	"strings"
)

// WriteAnnotations writes GitHub Actions workflow commands that annotate
// the matrix: one line per rule with unsuppressed findings (not one per
// finding: GitHub shows only the first few annotations of a step), in the
// order the rules first appear in r.Findings, most severe first.
//
// A rule with a finding that fails at r.Summary.FailOn (see
// Finding.Failing) gets "::error", any other (below the threshold,
// advisory, --fail-on none) "::warning". The properties are
// file=<the matrix's repository path> and line=<the matrix line of that
// first failing finding, else of the rule's first finding> (left out when
// the report has no repository path) and title=<rule id> <rule title>; the
// message is that finding's sentence and how many more the rule has. Data
// and properties are escaped as GitHub's toolkit does: %, CR and LF
// everywhere, and ":" and "," in properties; other control characters
// become visible escapes, so no value ends the command or reaches the
// terminal.
func WriteAnnotations(w io.Writer, r *Report) error {
	rules := ruleIndex(r)
	type group struct {
		first, failing *Finding
		n              int
	}
	var order []string
	groups := map[string]*group{}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Suppressed != nil {
			continue
		}
		g, ok := groups[f.Rule]
		if !ok {
			g = &group{first: f}
			groups[f.Rule] = g
			order = append(order, f.Rule)
		}
		g.n++
		if g.failing == nil && f.Failing(r.Summary.FailOn) {
			g.failing = f
		}
	}
	var b strings.Builder
	for _, id := range order {
		g := groups[id]
		rule := rules[id]
		cmd, f := "warning", g.first
		if g.failing != nil {
			cmd, f = "error", g.failing
		}
		var props []string
		if p := r.Matrix.RepoPath; p != "" {
			props = append(props, "file="+WorkflowProperty(p), fmt.Sprintf("line=%d", findingLine(*f, rule.Area, r.Matrix)))
		}
		title := id
		if t := cmp.Or(rule.Title, rule.Name, f.Name); t != "" {
			title += " " + t
		}
		props = append(props, "title="+WorkflowProperty(title))
		msg := findingMessage(*f)
		if g.n > 1 {
			msg += fmt.Sprintf(" (and %s of %s)", plural(g.n-1, "more finding", "more findings"), id)
		}
		fmt.Fprintf(&b, "::%s %s::%s\n", cmd, strings.Join(props, ","), WorkflowData(msg))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// commandText keeps s's line breaks (as LF) and makes every other control
// character visible, as oneLine does.
func commandText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = oneLine(l)
	}
	return strings.Join(lines, "\n")
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// WorkflowData escapes a GitHub workflow command's message (as
// actions/toolkit's escapeData does, control characters made visible).
func WorkflowData(s string) string { return dataEscaper.Replace(commandText(s)) }

// WorkflowProperty escapes a GitHub workflow command's property value
// (actions/toolkit's escapeProperty).
func WorkflowProperty(s string) string { return propertyEscaper.Replace(commandText(s)) }
