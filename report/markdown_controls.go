package report

import (
	"fmt"
	"strings"

	"github.com/hogaudit/hogaudit/policies/frameworks"
)

// mdMaxControlRules bounds the rules a row of the Markdown controls table
// names; the rest are counted.
const mdMaxControlRules = 10

// mdControls is the Markdown report's compact "Controls" table (Controls):
// one row per framework control with its status and its rules, a rule
// with findings followed by their count and one that did not judge by why.
// At most maxListItems rows and mdMaxControlRules rules a row, so that a
// large custom catalog cannot crowd out the findings; "" when no rule maps
// to a control.
func mdControls(r *Report) string {
	cs := Controls(r)
	if len(cs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Controls\n\n")
	b.WriteString("A control fails when one of its rules has an unsuppressed finding of any severity; it is not evaluated when a rule " +
		"could not run for missing evidence, or none ran.\n\n")
	b.WriteString("| control | status | rules |\n|---|---|---|\n")
	for _, c := range cs[:min(len(cs), maxListItems)] {
		control := mdText(frameworkShort(c.Framework) + " " + c.Control)
		if c.Title != "" {
			control += " — " + mdCell(c.Title)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", control, controlStatusLabel(c.Status), mdControlRules(c.Rules))
	}
	b.WriteString("\n")
	if n := len(cs); n > maxListItems {
		fmt.Fprintf(&b, "%d more controls not shown: the JSON report lists every one.\n\n", n-maxListItems)
	}
	return b.String()
}

func mdControlRules(rules []ControlRule) string {
	parts := make([]string, 0, min(len(rules), mdMaxControlRules)+1)
	for i, cr := range rules {
		if i == mdMaxControlRules {
			parts = append(parts, fmt.Sprintf("and %d more", len(rules)-i))
			break
		}
		var notes []string
		switch cr.Status {
		case ControlFail:
			notes = append(notes, plural(cr.Findings, "finding", "findings"))
		case ControlNotEvaluated:
			notes = append(notes, "not evaluated")
		case RuleNotRun:
			notes = append(notes, "not run: no previous snapshot")
		}
		if cr.Suppressed > 0 {
			notes = append(notes, fmt.Sprintf("%d suppressed", cr.Suppressed))
		}
		s := mdText(cr.Rule)
		if len(notes) > 0 {
			s += " (" + strings.Join(notes, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// controlStatusLabel is a control status for people.
func controlStatusLabel(s string) string {
	switch s {
	case ControlPass:
		return "✅ pass"
	case ControlFail:
		return "❌ fail"
	case ControlNotEvaluated:
		return "⚠️ not evaluated"
	}
	return mdText(s)
}

// frameworkShort is a framework key's short name ("SOC 2"), or the key.
func frameworkShort(key string) string {
	if f, ok := frameworks.Lookup(key); ok {
		return f.Short
	}
	return key
}
