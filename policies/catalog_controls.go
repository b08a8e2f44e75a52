package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hogaudit/hogaudit/policies/frameworks"
)

// ControlRules is one framework control and the rules of a catalog that
// evidence it.
type ControlRules struct {
	// Framework is the framework's key (soc2, iso27001_2022), Control the
	// control's id, Title its title.
	Framework string `json:"framework"`
	Control   string `json:"control"`
	Title     string `json:"title"`
	// Rules are the control's rules, by id.
	Rules []ControlRule `json:"rules"`
}

// ControlRule names a rule of a control.
type ControlRule struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Title  string `json:"title"`
	Custom bool   `json:"custom,omitempty"`
	// HelpURI is the rule's documentation (Rule.HelpURI), "" for none.
	HelpURI string `json:"help_uri,omitempty"`
	// anchor is the rule's section in the catalog document.
	anchor string
}

// ByControl groups rules by the framework controls they name
// (Rule.Frameworks): one entry per control at least one rule names,
// frameworks in frameworks.All order, controls in their framework's order,
// rules by id. The catalog validated every id, so each has a title.
func ByControl(rules []Rule) []ControlRules {
	var out []ControlRules
	for _, f := range frameworks.All() {
		for _, c := range f.Controls {
			var in []ControlRule
			for _, r := range rules {
				if slices.Contains(r.Frameworks[f.Key], c.ID) {
					in = append(in, ControlRule{ID: r.ID, Name: r.Name, Title: r.Title, Custom: r.Custom, HelpURI: r.HelpURI(), anchor: ruleAnchor(r)})
				}
			}
			if len(in) == 0 {
				continue
			}
			slices.SortFunc(in, func(a, b ControlRule) int { return strings.Compare(a.ID, b.ID) })
			out = append(out, ControlRules{Framework: f.Key, Control: c.ID, Title: c.Title, Rules: in})
		}
	}
	return out
}

// controlAnchor is the fragment GitHub gives the index heading of a
// control ("#### SOC 2 CC6.1" → "soc-2-cc61").
func controlAnchor(framework, id string) string {
	f, _ := frameworks.Lookup(framework)
	var b strings.Builder
	for _, c := range strings.ToLower(f.Short + " " + id) {
		switch {
		case c == ' ' || c == '-':
			b.WriteRune('-')
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_':
			b.WriteRune(c)
		}
	}
	return b.String()
}

// ControlsMarkdown renders the per-control index of rules, the part
// docs/rules.md ends with and `policies list --by-control --format
// markdown` prints: per framework a heading (at level), and per control a
// heading one level below ("SOC 2 CC6.1", the anchor each rule's controls
// link to), its title and its rules. Inside the catalog document each rule
// links to its section (CatalogMarkdown's anchors); standalone, to its
// HelpURI (a rule without one is not linked).
func ControlsMarkdown(rules []Rule, level int, standalone bool) string {
	var b strings.Builder
	byControl := ByControl(rules)
	h := strings.Repeat("#", level)
	for _, f := range frameworks.All() {
		var in []ControlRules
		for _, c := range byControl {
			if c.Framework == f.Key {
				in = append(in, c)
			}
		}
		if len(in) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s %s\n\n", h, mdLiteral(f.Name))
		for _, c := range in {
			links := make([]string, len(c.Rules))
			for i, r := range c.Rules {
				dest := "#" + r.anchor
				if standalone {
					dest = r.HelpURI
				}
				links[i] = mdLiteral(r.ID)
				if dest != "" {
					links[i] = fmt.Sprintf("[%s](%s)", links[i], linkDestination(dest))
				}
				links[i] += " " + mdLiteral(r.Title)
				if r.Custom {
					links[i] += " (custom)"
				}
			}
			fmt.Fprintf(&b, "%s# %s %s\n\n", h, mdLiteral(f.Short), mdLiteral(c.Control))
			para(&b, "*"+mdLiteral(c.Title)+"*")
			for _, l := range links {
				b.WriteString("- " + l + "\n")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// ruleControls is the controls line of a rule's section in the catalog:
// "SOC 2 CC6.1, CC6.3; ISO 27001:2022 A.5.15", each id linked to its row
// of the index; "" for a rule that names none.
func ruleControls(r Rule) string {
	var parts []string
	for _, f := range frameworks.All() {
		ids := r.Frameworks[f.Key]
		if len(ids) == 0 {
			continue
		}
		links := make([]string, len(ids))
		for i, id := range ids {
			links[i] = fmt.Sprintf("[%s](#%s)", mdLiteral(id), controlAnchor(f.Key, id))
		}
		parts = append(parts, mdLiteral(f.Short)+" "+strings.Join(links, ", "))
	}
	return strings.Join(parts, "; ")
}
