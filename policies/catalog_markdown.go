package policies

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// RegenerateRulesDoc is the command that rewrites docs/rules.md from the
// built-in rules' METADATA, run from the repository's root.
const RegenerateRulesDoc = "go run ./cmd/hogaudit policies list --format markdown > docs/rules.md"

// catalogAreas are the areas in the order the catalog document shows them,
// each with its heading.
var catalogAreas = []struct{ area, heading string }{
	{"organization", "Organization and sign-in (1xx)"},
	{"access", "Membership and access (2xx)"},
	{"keys", "API keys (3xx)"},
	{"audit", "Audit trail (4xx)"},
	{"tool", "Tool and evidence (9xx)"},
	{"custom", "Custom rules"},
}

// docWidth is the column at which the document's paragraphs wrap.
const docWidth = 116

// CatalogMarkdown renders rules as the Markdown catalog docs/rules.md is:
// a short frame, then per area a table of the rules and a section per rule
// with its title, severity, description, notes (custom.notes, Markdown,
// verbatim), remediation, the snapshot sections it reads with the API
// scopes and plan features those need, the framework controls it evidences,
// its documentation links and its file; and last the index of the rules by
// control (ControlsMarkdown). Everything about a rule comes from its METADATA and the snapshot's
// section tables; plain-text fields are escaped, so they read literally.
// The output depends only on the rules, not on their order: rules are
// sorted by id within their area, and areas come in catalogAreas order
// (an area outside it after them, by name).
func CatalogMarkdown(rules []Rule) []byte {
	var b strings.Builder
	b.WriteString("# hogaudit's rule catalog\n\n")
	fmt.Fprintf(&b, "<!-- Rendered from the rules' METADATA by `%s`; edit the METADATA (policies/builtin/), not this file. -->\n\n", RegenerateRulesDoc)
	para(&b, "Each rule is one Rego package with a METADATA block and a `_test.rego` beside it; this catalog is "+
		"rendered from the METADATA by `hogaudit policies list --format markdown` (policies/INPUT.md describes the "+
		"fields). Ids are permanent: a renamed rule keeps its id. The API scopes a rule needs follow from the "+
		"snapshot sections it reads. Severities map to SARIF `security-severity`: "+severityScores()+".")
	para(&b, "A rule whose evidence is missing (its snapshot section could not be collected) does not pass and does "+
		"not fail: it is reported as not evaluated, and PH901 names what is missing.")
	para(&b, "Rules judge time — a member's dormancy, a key's use and age, the audit-trail window, an exception's "+
		"expiry — against the snapshot's `collected_at`, never the clock: `hogaudit check` of a snapshot collected "+
		"100 days ago gives exactly the findings it gave then (an exception valid on that day still applies to it), "+
		"and hogaudit warns on stderr when a checked snapshot is more than 7 days old.")

	for _, a := range orderedAreas(rules) {
		var in []Rule
		for _, r := range rules {
			if r.Area == a.area {
				in = append(in, r)
			}
		}
		slices.SortFunc(in, func(x, y Rule) int { return strings.Compare(x.ID, y.ID) })
		fmt.Fprintf(&b, "## %s\n\n", a.heading)
		b.WriteString("| id | name | severity | title |\n|---|---|---|---|\n")
		for _, r := range in {
			title := mdLiteral(r.Title)
			if r.Custom {
				title += " (custom)"
			}
			fmt.Fprintf(&b, "| [%s](#%s) | `%s` | %s | %s |\n", mdLiteral(r.ID), ruleAnchor(r), r.Name, r.Severity, title)
		}
		b.WriteString("\n")
		for _, r := range in {
			writeRuleSection(&b, r)
		}
	}
	if idx := ControlsMarkdown(rules, 3, false); idx != "" {
		b.WriteString("## Controls index\n\n")
		para(&b, "The compliance framework controls the rules evidence (each rule's `custom.frameworks`), by framework and "+
			"control: every SOC 2 Trust Services Criterion and ISO/IEC 27001:2022 Annex A control a rule may name is listed "+
			"in `policies/frameworks/controls.json`. Reports group their findings by these controls (`controls` in the JSON "+
			"report, the Controls table of the Markdown, `soc2/…` and `iso27001/…` tags of the SARIF rules). A rule "+
			"evidences a control; it does not satisfy it alone.")
		b.WriteString(idx)
	}
	return []byte(strings.TrimRight(b.String(), "\n") + "\n")
}

// orderedAreas returns the areas rules use, in catalogAreas order, then any
// other area by name.
func orderedAreas(rules []Rule) []struct{ area, heading string } {
	used := map[string]bool{}
	for _, r := range rules {
		used[r.Area] = true
	}
	var out []struct{ area, heading string }
	for _, a := range catalogAreas {
		if used[a.area] {
			out = append(out, a)
			delete(used, a.area)
		}
	}
	var rest []string
	for a := range used {
		rest = append(rest, a)
	}
	slices.Sort(rest)
	for _, a := range rest {
		out = append(out, struct{ area, heading string }{a, mdLiteral(a)})
	}
	return out
}

func writeRuleSection(b *strings.Builder, r Rule) {
	fmt.Fprintf(b, "### %s %s\n\n", mdLiteral(r.ID), r.Name)
	para(b, "*"+mdLiteral(r.Title)+"* — severity **"+r.Severity+"**")
	para(b, mdLiteral(r.Description))
	if r.Notes != "" {
		b.WriteString(r.Notes + "\n\n")
	}
	para(b, "**How to fix.** "+mdLiteral(r.Remediation))
	para(b, "**Evidence.** "+evidence(r))
	if c := ruleControls(r); c != "" {
		para(b, "**Controls.** "+c+".")
	}
	if len(r.RelatedResources) > 0 {
		links := make([]string, 0, len(r.RelatedResources))
		for _, l := range r.RelatedResources {
			text := l.Description
			if text == "" {
				text = l.URL
			}
			links = append(links, "["+mdLiteral(text)+"]("+linkDestination(l.URL)+")")
		}
		para(b, "**See** "+strings.Join(links, ", ")+".")
	}
	defined := "Defined in `" + r.File + "`"
	if r.Custom {
		defined += " (custom rule)"
	}
	para(b, defined+".")
}

// linkDestination is u as a Markdown link destination: bare, or in angle
// brackets when it holds a space or parenthesis.
func linkDestination(u string) string {
	if strings.ContainsAny(u, " ()<>") {
		return "<" + strings.NewReplacer("<", "%3C", ">", "%3E").Replace(u) + ">"
	}
	return u
}

// evidence describes the sections r reads, with the API scopes and the
// PostHog Cloud plan features they need.
func evidence(r Rule) string {
	if len(r.Requires) == 0 {
		return "No snapshot section; no API scope."
	}
	secs := make([]string, len(r.Requires))
	for i, s := range r.Requires {
		secs[i] = "`" + s + "`"
		if f := snapshot.SectionFeatures[s]; f != "" {
			secs[i] += " (on PostHog Cloud the plan feature `" + f + "`)"
		}
	}
	scopes := "no API scope"
	if len(r.Scopes) > 0 {
		quoted := make([]string, len(r.Scopes))
		for i, s := range r.Scopes {
			quoted[i] = "`" + s + "`"
		}
		scopes = plural(len(quoted), "API scope", "API scopes") + " of the scanning key " + strings.Join(quoted, ", ")
	}
	return plural(len(secs), "Snapshot section ", "Snapshot sections ") + strings.Join(secs, ", ") + "; " + scopes + "."
}

// ruleAnchor is the fragment GitHub gives the heading of r's section
// ("### PH204 project-access-exceeds-matrix" → "ph204-project-access-exceeds-matrix"):
// lowercase, spaces to hyphens, other punctuation dropped.
func ruleAnchor(r Rule) string {
	var b strings.Builder
	for _, c := range strings.ToLower(r.ID + " " + r.Name) {
		switch {
		case c == ' ' || c == '-':
			b.WriteRune('-')
		case c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c):
			b.WriteRune(c)
		}
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func severityScores() string {
	var parts []string
	for _, s := range []string{report.SeverityCritical, report.SeverityHigh, report.SeverityMedium, report.SeverityLow} {
		parts = append(parts, s+" "+report.SecuritySeverity(s))
	}
	return strings.Join(parts, ", ")
}

// mdLiteral renders plain text (a title, description or remediation) as
// Markdown that reads as the text: the characters that could open
// emphasis, code, links, HTML or a table cell are backslash-escaped; an
// underscore only where it could open or close emphasis (inside a word, as
// in max_owners, it cannot).
func mdLiteral(s string) string {
	var b strings.Builder
	for i, c := range s {
		switch c {
		case '\\', '`', '*', '[', ']', '<', '>', '|', '~':
			b.WriteByte('\\')
		case '_':
			if !(wordRune(lastRune(s[:i])) && wordRune(firstRune(s[i+1:]))) {
				b.WriteByte('\\')
			}
		case '\n', '\r', '\t':
			c = ' '
		}
		b.WriteRune(c)
	}
	return b.String()
}

func wordRune(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }

func lastRune(s string) rune {
	c, _ := utf8.DecodeLastRuneInString(s)
	return c
}

func firstRune(s string) rune {
	c, _ := utf8.DecodeRuneInString(s)
	return c
}

// para writes s as a paragraph wrapped at docWidth. A line never starts
// with a word that would turn it into a list item, heading, quote or
// rule: such a word stays on the line before.
func para(b *strings.Builder, s string) {
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > docWidth && !opensBlock(w):
			b.WriteString(line + "\n")
			line = w
		default:
			line += " " + w
		}
	}
	b.WriteString(line + "\n\n")
}

// opensBlock reports whether a line starting with word w would start a
// Markdown block instead of continuing a paragraph.
func opensBlock(w string) bool {
	switch {
	case w == "-" || w == "+" || w == "*" || w == ">" || strings.HasPrefix(w, "#") || strings.HasPrefix(w, ">"):
		return true
	case strings.Trim(w, "-") == "" || strings.Trim(w, "=") == "":
		return true
	}
	rest := strings.TrimLeftFunc(w, unicode.IsDigit)
	return rest != w && (rest == "." || rest == ")")
}
