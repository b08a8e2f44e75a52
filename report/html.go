package report

import (
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/hogaudit/hogaudit/access"
)

// The HTML report is one self-contained file: its style and script are
// inline, it loads nothing (its Content-Security-Policy forbids every
// fetch, and allows only the one script by its hash), and every string of
// the report — all of them untrusted, since PostHog names come from the
// organization's members — goes through html/template's contextual
// escaping.

//go:embed html.tmpl
var htmlSource string

//go:embed html.css
var htmlCSS string

//go:embed html.js
var htmlJS string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"controlStatus": htmlControlStatus,
	"framework":     frameworkShort,
	"join":          strings.Join,
	"plural":        plural,
}).Parse(htmlSource))

// HTMLScriptHash is the CSP source of the report's script:
// 'sha256-<base64 of the SHA-256 of its text>'.
var HTMLScriptHash = func() string {
	sum := sha256.Sum256([]byte(htmlJS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// htmlCSP is the report's Content-Security-Policy: nothing may be fetched;
// inline style, the one script (by hash) and data: images only.
var htmlCSP = "default-src 'none'; style-src 'unsafe-inline'; script-src " + HTMLScriptHash +
	"; img-src data:; base-uri 'none'; form-action 'none'"

type htmlPage struct {
	CSP    string
	CSS    template.CSS
	Script template.JS

	R           *Report
	Org         string
	CollectedAt string
	GeneratedAt string
	Missing     []htmlMissing
	KeyCoverage string
	Severities  []htmlSeverity
	Suppressed  []Finding
	Controls    []ControlStatus
	Map         *htmlMap
}

type htmlMissing struct{ Label, Status, Fix string }

type htmlSeverity struct {
	Name     string
	Count    int
	Findings []htmlFinding
}

type htmlFinding struct {
	Finding
	HelpURI string
}

// htmlMap is the access heat map as the template draws it.
type htmlMap struct {
	Projects []AccessProject
	Rows     []htmlRow
	Groups   []string
	Roles    []string
	// Cells is len(Rows) × len(Projects), the number of heat-map cells.
	Cells int
	// Counts are the cells per verdict, in htmlVerdicts order.
	Counts []htmlCount
}

type htmlCount struct {
	Class, Label string
	N            int
}

type htmlRow struct {
	M AccessMember
	// G and R are the indices of the member's groups and roles in
	// htmlMap.Groups and htmlMap.Roles, space-separated, for the filters.
	G, R string
	// Score is the sum of the member's levels (member 1, admin 2), for
	// sorting by level; Org its organization level's rank.
	Score, Org int
	Cells      []htmlCell
}

type htmlCell struct {
	// Class is the verdict's letter and the level's digit (w2: within,
	// admin), or "u" for unknown access.
	Class, Text, Title string
}

// htmlVerdicts are the verdicts' classes and legends.
var htmlVerdicts = []struct{ verdict, class, label string }{
	{VerdictExcess, "e", "excess: above what the matrix allows"},
	{VerdictExempted, "x", "exempted: excess covered by a matrix exception"},
	{VerdictWithin, "w", "within the matrix"},
	{VerdictNotInMatrix, "n", "not in the matrix (member or project)"},
	{VerdictUnknown, "u", "unknown: cannot be told"},
}

// writeHTML renders r as the HTML report: a header with the organization,
// host, times and evidence completeness; the counts by severity; the
// findings by severity with their remediation; the rules not evaluated;
// the controls; the exceptions expiring soon; the suppressed findings; and
// the access heat map of r.Access (members × projects, each cell the
// effective level shaded by its verdict), or a note that the report has
// none.
func writeHTML(w io.Writer, r *Report) error {
	p := htmlPage{
		CSP: htmlCSP, CSS: template.CSS(htmlCSS), Script: template.JS(htmlJS),
		R: r, Org: orgLabel(r.Snapshot.Org),
		CollectedAt: timeOrUnknown(r.Snapshot.CollectedAt.IsZero(), r.Snapshot.CollectedAt.UTC().Format(timeLabel)),
		GeneratedAt: timeOrUnknown(r.GeneratedAt.IsZero(), r.GeneratedAt.UTC().Format(timeLabel)),
	}
	if r.Coverage.Keys.Declared > 0 {
		p.KeyCoverage = keyCoverageLabel(r.Coverage.Keys)
	}
	for _, m := range r.Snapshot.Missing {
		p.Missing = append(p.Missing, htmlMissing{Label: sectionLabel(m, plain), Status: missingStatus(m, plain, plain), Fix: missingFix(m, plain)})
	}
	rules := ruleIndex(r)
	for _, sev := range Severities {
		s := htmlSeverity{Name: sev}
		for _, f := range r.Findings {
			if f.Severity != sev || f.Suppressed != nil {
				continue
			}
			s.Findings = append(s.Findings, htmlFinding{Finding: f, HelpURI: rules[f.Rule].HelpURI})
		}
		s.Count = len(s.Findings)
		p.Severities = append(p.Severities, s)
	}
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			p.Suppressed = append(p.Suppressed, f)
		}
	}
	if r.Failure == nil {
		p.Controls = Controls(r)
		if r.Access != nil {
			p.Map = buildHTMLMap(r.Access)
		}
	}
	return htmlTemplate.Execute(w, p)
}

func timeOrUnknown(zero bool, s string) string {
	if zero {
		return "unknown"
	}
	return s
}

// buildHTMLMap lays out m for the template.
func buildHTMLMap(m *AccessMap) *htmlMap {
	hm := &htmlMap{Projects: m.Projects, Cells: len(m.Members) * len(m.Projects)}
	groups, roles := map[string]int{}, map[string]int{}
	for _, mem := range m.Members {
		for _, g := range mem.Groups {
			groups[g] = 0
		}
		for _, r := range mem.Roles {
			roles[r] = 0
		}
	}
	hm.Groups = sortedKeys(groups)
	hm.Roles = sortedKeys(roles)
	for i, g := range hm.Groups {
		groups[g] = i
	}
	for i, r := range hm.Roles {
		roles[r] = i
	}
	counts := map[string]int{}
	for i, mem := range m.Members {
		row := htmlRow{M: mem, Org: orgRank(mem.OrgLevel), G: indexList(mem.Groups, groups), R: indexList(mem.Roles, roles)}
		var cells []AccessCell
		if i < len(m.Cells) {
			cells = m.Cells[i]
		}
		row.Cells = make([]htmlCell, len(m.Projects))
		for j := range m.Projects {
			c := AccessCell{Verdict: VerdictUnknown}
			if j < len(cells) {
				c = cells[j]
			}
			hc := htmlCellOf(c)
			counts[hc.Class[:1]]++
			switch c.Level {
			case access.LevelMember:
				row.Score++
			case access.LevelAdmin:
				row.Score += 2
			}
			row.Cells[j] = hc
		}
		hm.Rows = append(hm.Rows, row)
	}
	for _, v := range htmlVerdicts {
		hm.Counts = append(hm.Counts, htmlCount{Class: v.class, Label: v.label, N: counts[v.class]})
	}
	return hm
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func indexList(names []string, idx map[string]int) string {
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, strconv.Itoa(idx[n]))
	}
	return strings.Join(parts, " ")
}

func orgRank(level string) int {
	switch level {
	case "owner":
		return 3
	case "admin":
		return 2
	case "member":
		return 1
	}
	return 0
}

// htmlCellOf is the class, text and title of a cell: the level as a
// letter (A admin, M member, – none, ? unknown) and, in the title, the
// level, the path that grants it and the verdict.
func htmlCellOf(c AccessCell) htmlCell {
	class := "u"
	for _, v := range htmlVerdicts {
		if v.verdict == c.Verdict {
			class = v.class
		}
	}
	verdict := strings.ReplaceAll(cmp.Or(c.Verdict, VerdictUnknown), "_", " ")
	var text, digit string
	switch c.Level {
	case access.LevelAdmin:
		text, digit = "A", "2"
	case access.LevelMember:
		text, digit = "M", "1"
	case access.LevelNone:
		text, digit = "–", "0"
	default:
		// The project's access cannot be told: whatever the verdict,
		// the cell shows no level.
		return htmlCell{Class: "u", Text: "?", Title: "access cannot be told: " + verdict}
	}
	if class == "u" {
		return htmlCell{Class: "u", Text: text, Title: c.Level + " · " + pathLabel(c.Path) + " · " + verdict}
	}
	return htmlCell{Class: class + digit, Text: text, Title: c.Level + " · " + pathLabel(c.Path) + " · " + verdict}
}

// pathLabel is p's short label (access.Path.Label), "no access path" for
// nil.
func pathLabel(p *access.Path) string {
	if p == nil {
		return "no access path"
	}
	return p.Label()
}

func htmlControlStatus(s string) string {
	switch s {
	case ControlPass:
		return "pass"
	case ControlFail:
		return "fail"
	case ControlNotEvaluated:
		return "not evaluated"
	case RuleNotRun:
		return "not run"
	}
	return s
}
