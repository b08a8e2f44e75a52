package report

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yuin/goldmark/ast"
)

// Item 5 of issue 10: a job summary that scales — counts per rule first, at
// most N findings per rule inside <details>, links to the matrix lines, and
// under 100 KB for any organization.

// scaleReport is the report of an organization of members × projects with
// many violations of many rules, built directly: each access rule is broken
// by every member in some projects, the rest by a share of members.
func scaleReport(members, projects int) *Report {
	r := baseReport()
	extra := []Rule{}
	for i := range 30 {
		extra = append(extra, Rule{ID: fmt.Sprintf("ACME%03d", i), Name: fmt.Sprintf("custom-rule-%d", i), Title: fmt.Sprintf("Custom rule %d", i),
			Severity: Severities[i%4], Area: "custom", Custom: true, Remediation: "Fix it as the team's runbook says."})
	}
	r.Rules = append(r.Rules, extra...)
	add := func(rule, name, sev string, n int, msg func(i int) string) {
		for i := range n {
			r.Findings = append(r.Findings, Finding{Rule: rule, Name: name, Severity: sev, Message: msg(i),
				Subject: fmt.Sprintf("member:user%05d@acme.io", i%members), Project: fmt.Sprintf("project-%03d", i%projects), Line: 100 + i%projects})
		}
	}
	add("PH204", "project-access-exceeds-matrix", SeverityCritical, members*4, func(i int) string {
		return fmt.Sprintf("user%05d@acme.io has admin access to project-%03d; the matrix allows viewer, because the member's groups grant no more than that.", i%members, i%projects)
	})
	add("PH209", "external-member", SeverityMedium, members/2, func(i int) string {
		return fmt.Sprintf("user%05d@acme.io is a member from an outside domain, which the matrix does not allow.", i)
	})
	add("PH208", "dormant-member", SeverityLow, members, func(i int) string {
		return fmt.Sprintf("user%05d@acme.io has not logged in for 120 days (limit 90).", i)
	})
	for i, rule := range extra {
		add(rule.ID, rule.Name, rule.Severity, 50+i*20, func(j int) string {
			return fmt.Sprintf("Custom rule %d is broken by user%05d@acme.io in project-%03d, with a message long enough to make rows count for the size budget.", i, j, j%projects)
		})
	}
	sortFindings(r.Findings)
	return finalize(r, SeverityHigh)
}

// sortFindings orders findings as the engine does: severity, then rule.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(SeverityRank(b.Severity), SeverityRank(a.Severity)), cmp.Compare(a.Rule, b.Rule))
	})
}

// ruleCounts reads the "Findings by rule" table: rule id → total.
func ruleCounts(t *testing.T, tables []mdTableInfo) map[string]int {
	t.Helper()
	if len(tables) < 2 || tables[1].columns != 6 {
		t.Fatalf("no counts table after the summary: %v", tables)
	}
	out := map[string]int{}
	for _, row := range tables[1].rows {
		n, err := strconv.Atoi(row[5])
		if err != nil {
			t.Fatalf("counts row %q: %v", row, err)
		}
		out[strings.Fields(row[0])[0]] = n
	}
	return out
}

// detailsBalanced checks that every <details> block opens and closes in
// order, as raw HTML blocks of their own (so GitHub renders the Markdown
// inside them).
func detailsBalanced(t *testing.T, rawHTML []string) int {
	t.Helper()
	open, n := false, 0
	for _, h := range rawHTML {
		switch {
		case strings.HasPrefix(h, "<details>\n<summary>") && strings.HasSuffix(h, "</summary>"):
			if open {
				t.Errorf("<details> inside <details>")
			}
			open = true
			n++
		case h == "</details>":
			if !open {
				t.Errorf("</details> without <details>")
			}
			open = false
		default:
			t.Errorf("raw HTML %q", h)
		}
	}
	if open {
		t.Error("a <details> block is not closed")
	}
	return n
}

func TestMarkdownScalesToLargeOrganizations(t *testing.T) {
	r := scaleReport(5000, 300)
	out := render(t, r, FormatMarkdown, Options{})
	if len(out) >= 100_000 || len(out) > DefaultMaxBytes {
		t.Fatalf("%d bytes for %d findings, want under 100 KB", len(out), len(r.Findings))
	}
	tables, rawHTML, _ := parseMarkdown(t, out)
	counts := ruleCounts(t, tables)
	want := map[string]int{}
	for _, f := range r.Findings {
		want[f.Rule]++
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("counts per rule %v, want every rule with findings %v", counts, want)
	}
	// Every details block holds at most the default 20 rows, in a
	// 4-column table; the blocks are balanced.
	blocks := detailsBalanced(t, rawHTML)
	if blocks == 0 {
		t.Fatal("no details blocks")
	}
	for i, tb := range tables[2:] {
		if tb.columns == 4 && len(tb.rows) > DefaultMaxPerRule {
			t.Errorf("findings table %d has %d rows, over %d", i, len(tb.rows), DefaultMaxPerRule)
		}
	}
	s := string(out)
	// The budget cut the least severe rules, not the most severe one, and
	// says so.
	if !strings.Contains(s, "<summary>20 of 20000 findings</summary>") {
		t.Error("the most severe rule lost its findings")
	}
	m := regexp.MustCompile(`> (\d+) of (\d+) findings are not listed below: at most 20 per rule are listed \(--markdown-max-per-rule\); to keep this summary within its size limit, the findings of (\d+) rules are left out, the least severe first\.`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no note on what was left out:\n%.3000s", s)
	}
	t.Logf("%d bytes for %d findings of %d rules: %s", len(out), len(r.Findings), len(want), m[0])
	if m[2] != strconv.Itoa(len(r.Findings)) {
		t.Errorf("note counts %s findings, want %d", m[2], len(r.Findings))
	}
	if strings.Contains(s, "SARIF") {
		t.Error("the summary makes a claim about SARIF")
	}
	low := regexp.MustCompile(`#### PH208 .*\n\n.*\n\n5000 findings not shown, to keep this summary within its size limit`)
	if !low.MatchString(s) {
		t.Error("the least severe built-in rule kept its details although the budget was exceeded")
	}

	// Near miss: with room to spare, nothing is cut for size.
	out = render(t, r, FormatMarkdown, Options{MaxBytes: 1 << 20})
	if strings.Contains(string(out), "size limit") {
		t.Error("cut for size with 1 MiB allowed")
	}
	if tables, rawHTML, _ := parseMarkdown(t, out); detailsBalanced(t, rawHTML) != len(want) {
		t.Errorf("%d details blocks, want one per rule (%d)", detailsBalanced(t, rawHTML), len(want))
	} else if n := countRows(tables, 4) - 0; n != len(want)*DefaultMaxPerRule {
		t.Errorf("%d finding rows, want %d per rule", n, DefaultMaxPerRule)
	}
}

func TestMarkdownMaxPerRule(t *testing.T) {
	r := manyFindings(50, 0) // PH208: 51 findings
	out := string(render(t, r, FormatMarkdown, Options{MaxPerRule: 3}))
	for _, want := range []string{
		"<summary>3 of 51 findings</summary>",
		"48 of 51 findings not shown: the JSON report lists every finding.",
		"> 48 of 57 findings are not listed below: at most 3 per rule are listed (--markdown-max-per-rule).",
		"| PH208 `dormant-member` | 0 | 0 | 0 | 51 | 51 |",
		"<summary>2 findings</summary>", // PH204's two, under the cap
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "user00003@") || !strings.Contains(out, "user00001@") {
		t.Error("the cap did not keep the first findings of the rule")
	}
	// Near miss: a cap the rule fits in cuts nothing.
	out = string(render(t, r, FormatMarkdown, Options{MaxPerRule: 51}))
	if strings.Contains(out, "not listed") || strings.Contains(out, "not shown") || !strings.Contains(out, "<summary>51 findings</summary>") {
		t.Error("a cap of 51 cut a rule of 51 findings")
	}
}

// links returns the destinations of the links in a Markdown document.
func links(t *testing.T, src []byte) []string {
	t.Helper()
	_, _, doc := parseMarkdown(t, src)
	var out []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if l, ok := n.(*ast.Link); ok && entering {
			out = append(out, string(l.Destination))
		}
		return ast.WalkContinue, nil
	})
	return out
}

var gh = LineLinks{ServerURL: "https://github.com", Repository: "acme/security", SHA: "0123456789abcdef0123456789abcdef01234567"}

func TestMarkdownLinksToMatrixLines(t *testing.T) {
	out := render(t, fullReport(), FormatMarkdown, Options{Links: gh})
	got := links(t, out)
	base := "https://github.com/acme/security/blob/0123456789abcdef0123456789abcdef01234567/security/access-matrix.yaml#L"
	want := []string{base + "41", base + "24", base + "5", base + "60", base + "24", base + "24", base + "88"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("links\n%q\nwant\n%q", got, want)
	}
	if !strings.Contains(string(out), "| `member:bob@acme.io` | `payments` | [line 41]("+base+"41) |") {
		t.Error("the matrix cell is not a link named by its line")
	}
	// A path with spaces, parentheses and a pipe stays one link in one cell.
	r := fullReport()
	r.Matrix.RepoPath = "config/access matrix (eu)|v2.yaml"
	out = render(t, r, FormatMarkdown, Options{Links: gh})
	if got := links(t, out); len(got) != 7 || !strings.HasSuffix(got[0], "/blob/0123456789abcdef0123456789abcdef01234567/config/access%20matrix%20%28eu%29%7Cv2.yaml#L41") {
		t.Errorf("escaped links %q", got)
	}
	tables, _, _ := parseMarkdown(t, out)
	if row := tables[2].rows[0]; len(row) != 4 || row[2] != "line 41" {
		t.Errorf("row %q", row)
	}

	// Near misses: no links without all three variables, without the
	// matrix's repository path, or with a server URL that is not http(s).
	for name, c := range map[string]struct {
		links LineLinks
		path  string
	}{
		"no server":      {LineLinks{Repository: gh.Repository, SHA: gh.SHA}, "security/access-matrix.yaml"},
		"no repository":  {LineLinks{ServerURL: gh.ServerURL, SHA: gh.SHA}, "security/access-matrix.yaml"},
		"no sha":         {LineLinks{ServerURL: gh.ServerURL, Repository: gh.Repository}, "security/access-matrix.yaml"},
		"no repo path":   {gh, ""},
		"javascript URL": {LineLinks{ServerURL: "javascript:alert(1)//", Repository: gh.Repository, SHA: gh.SHA}, "security/access-matrix.yaml"},
		"path escapes":   {gh, "../outside.yaml"},
	} {
		r := fullReport()
		r.Matrix.RepoPath = c.path
		out := render(t, r, FormatMarkdown, Options{Links: c.links})
		if got := links(t, out); len(got) != 0 {
			t.Errorf("%s: links %q", name, got)
		}
		if !strings.Contains(string(out), "| line 41 |") {
			t.Errorf("%s: the plain line number is gone", name)
		}
	}
}
