package report

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// gfm renders the reports as GitHub would. It is one goldmark.Markdown,
// which does not promise use from many goroutines: this file's tests are
// not parallel.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM))

// mdTableInfo is a table as goldmark's GFM parser sees it.
type mdTableInfo struct {
	columns int
	rows    [][]string // body rows, cells as rendered plain text
}

// parseMarkdown parses src as GFM and returns its tables and the raw HTML it
// holds (blocks and inline).
func parseMarkdown(t *testing.T, src []byte) (tables []mdTableInfo, rawHTML []string, doc ast.Node) {
	t.Helper()
	doc = gfm.Parser().Parse(text.NewReader(src))
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *east.Table:
			var info mdTableInfo
			for row := n.FirstChild(); row != nil; row = row.NextSibling() {
				var cells []string
				for c := row.FirstChild(); c != nil; c = c.NextSibling() {
					cells = append(cells, cellText(t, src, c))
				}
				if _, ok := row.(*east.TableHeader); ok {
					info.columns = len(cells)
				} else {
					info.rows = append(info.rows, cells)
				}
			}
			tables = append(tables, info)
			return ast.WalkSkipChildren, nil
		case *ast.HTMLBlock:
			var b strings.Builder
			for i := range n.Lines().Len() {
				seg := n.Lines().At(i)
				b.Write(seg.Value(src))
			}
			if n.HasClosure() {
				b.Write(n.ClosureLine.Value(src))
			}
			rawHTML = append(rawHTML, strings.TrimSpace(b.String()))
		case *ast.RawHTML:
			rawHTML = append(rawHTML, string(n.Segments.Value(src)))
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tables, rawHTML, doc
}

var tags = regexp.MustCompile(`<[^>]*>`)

// cellText renders a table cell to HTML and returns its text.
func cellText(t *testing.T, src []byte, cell ast.Node) string {
	t.Helper()
	var buf bytes.Buffer
	if err := gfm.Renderer().Render(&buf, src, cell); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(html.UnescapeString(tags.ReplaceAllString(buf.String(), "")))
}

// inlineKinds counts the kinds of the nodes inside table cells, except in
// the summary table (the first), whose total is bold on purpose.
func inlineKinds(doc ast.Node) map[string]int {
	kinds := map[string]int{}
	tables := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if _, ok := n.(*east.Table); ok {
			if tables++; tables == 1 {
				return ast.WalkSkipChildren, nil
			}
		}
		for p := n.Parent(); p != nil; p = p.Parent() {
			if _, ok := p.(*east.TableCell); ok {
				kinds[n.Kind().String()]++
				break
			}
		}
		return ast.WalkContinue, nil
	})
	return kinds
}

func TestMarkdownTables(t *testing.T) {
	tables, rawHTML, _ := parseMarkdown(t, render(t, fullReport(), FormatMarkdown, Options{}))
	type shape struct{ columns, rows int }
	want := []shape{
		{2, 7},  // summary: four severities, total, suppressed, not evaluated
		{6, 6},  // findings by rule: rule, four severities, total
		{4, 2},  // PH204
		{4, 1},  // PH101
		{4, 1},  // PH301
		{4, 1},  // PH201
		{4, 1},  // PH208
		{4, 1},  // PH902
		{3, 18}, // controls: 8 SOC 2 and 10 ISO 27001 controls of the catalog
		{4, 1},  // not evaluated
		{6, 1},  // expiring exceptions
		{6, 2},  // suppressed
	}
	if len(tables) != len(want) {
		t.Fatalf("%d tables, want %d", len(tables), len(want))
	}
	for i, tb := range tables {
		if tb.columns != want[i].columns || len(tb.rows) != want[i].rows {
			t.Errorf("table %d: %d columns × %d rows, want %d × %d", i, tb.columns, len(tb.rows), want[i].columns, want[i].rows)
		}
		for j, row := range tb.rows {
			if len(row) != tb.columns {
				t.Errorf("table %d row %d: %d cells, want %d", i, j, len(row), tb.columns)
			}
		}
	}
	summary := tables[0].rows
	for i, w := range [][]string{{"critical", "1"}, {"high", "3"}, {"medium", "1"}, {"low", "2"}, {"total", "7"}, {"suppressed", "2"}, {"not evaluated (rules)", "1"}} {
		if summary[i][0] != w[0] || summary[i][1] != w[1] {
			t.Errorf("summary row %d = %q, want %q", i, summary[i], w)
		}
	}
	if got := tables[1].rows[0]; fmt.Sprint(got) != fmt.Sprint([]string{"PH204 project-access-exceeds-matrix", "1", "1", "0", "0", "2"}) {
		t.Errorf("first rule count row %q", got)
	}
	if got := tables[2].rows[0]; got[0] != "member:bob@acme.io" || got[1] != "payments" || got[2] != "line 41" {
		t.Errorf("first finding row %q", got)
	}
	if got := tables[2].rows[1][2]; got != "line 24" {
		t.Errorf("a finding without a line is at %q, want the groups: line 24 as in SARIF", got)
	}
	if got := tables[8].rows[2][2]; got != "PH101 (1 finding), PH105, PH204 (2 findings)" || tables[8].rows[2][0] != "SOC 2 CC6.1 — Logical access security over protected information assets" || tables[8].rows[2][1] != "❌ fail" {
		t.Errorf("controls row %q, want CC6.1 failing by PH101 and PH204", tables[8].rows[2])
	}
	if got := tables[11].rows[0][5]; got != "Data migration contract (SEC-142) (until 2026-12-01)" {
		t.Errorf("suppressed exception cell %q", got)
	}
	var wantHTML []string
	for _, n := range []string{"2 findings", "1 finding", "1 finding", "1 finding", "1 finding", "1 finding", "2 findings covered by matrix exceptions"} {
		wantHTML = append(wantHTML, "<details>\n<summary>"+n+"</summary>", "</details>")
	}
	if fmt.Sprint(rawHTML) != fmt.Sprint(wantHTML) {
		t.Errorf("raw HTML %q, want only the details blocks %q", rawHTML, wantHTML)
	}
}

func TestMarkdownSections(t *testing.T) {
	full := string(render(t, fullReport(), FormatMarkdown, Options{}))
	order := []string{
		"## hogaudit: Acme Analytics", "**Evidence:** ⚠️ incomplete: 3 sections missing", "**Keys:** ⚠️ 2 of 3 declared keys audited", "### Summary", "### Findings",
		"#### PH204 `project-access-exceeds-matrix` · critical", "**Remediation:**", "### Not evaluated",
		"### Missing evidence", "### Exceptions expiring within 14 days", "### Suppressed findings", "<details>",
	}
	at := 0
	for _, s := range order {
		i := strings.Index(full[at:], s)
		if i < 0 {
			t.Fatalf("%q missing or out of order in:\n%s", s, full)
		}
		at += i
	}
	if n := strings.Count(full, "**Remediation:**"); n != 6 {
		t.Errorf("%d remediations, want one per rule (6)", n)
	}
	clean := string(render(t, cleanReport(), FormatMarkdown, Options{}))
	for _, s := range []string{"**Evidence:** ✅ complete", "No findings."} {
		if !strings.Contains(clean, s) {
			t.Errorf("clean report has no %q", s)
		}
	}
	for _, s := range []string{"### Not evaluated", "### Missing evidence", "### Exceptions", "<details>"} {
		if strings.Contains(clean, s) {
			t.Errorf("clean report has an empty %q section", s)
		}
	}
}

// TestMarkdownEscaping: pipes, backticks, brackets, HTML and line breaks in
// the data stay literal text in their cell.
func TestMarkdownEscaping(t *testing.T) {
	out := render(t, unusualReport(), FormatMarkdown, Options{})
	tables, rawHTML, doc := parseMarkdown(t, out)
	for _, h := range rawHTML {
		if h != "</details>" && !regexp.MustCompile(`^<details>\n<summary>[0-9]+ findings?</summary>$`).MatchString(h) {
			t.Errorf("raw HTML in the output: %q", h)
		}
	}
	// Only plain text and code spans in cells. (A bare URL in the data
	// still becomes a link by GFM's autolink extension: it shows as what it
	// is, so it is allowed.)
	for kind, n := range inlineKinds(doc) {
		switch kind {
		case "Text", "String", "CodeSpan", "AutoLink":
		default:
			t.Errorf("%d %s nodes in table cells: data turned into markup", n, kind)
		}
	}
	ph204, acme := tables[2].rows[0], tables[3].rows[0]
	want := [][2]string{
		{tables[1].rows[1][0], "ACME001 no-interns-in-prod"},
		{ph204[0], "member:zoë|o'brien@exämple.com"},
		{ph204[1], "prod|eu"},
		{ph204[3], "zoë|o'brien@exämple.com has `admin` on prod|eu; the matrix allows *viewer* — see [docs](https://evil.example)."},
		{acme[0], "member:``weird`` name@例え.jp"},
		{acme[3], `Intern 李小龍 <script>alert(1)</script> can reach prod with \x1b[31mred\x1b[0m text and a tab here.`},
	}
	for _, w := range want {
		if w[0] != w[1] {
			t.Errorf("cell %q, want %q", w[0], w[1])
		}
	}
	for i, tb := range tables {
		for j, row := range tb.rows {
			if len(row) != tb.columns {
				t.Errorf("table %d row %d: %d cells, want %d", i, j, len(row), tb.columns)
			}
		}
	}
	for i, line := range strings.Split(string(out), "\n") {
		if len(line) > 2048 {
			t.Errorf("line %d is %d bytes long", i+1, len(line))
		}
	}
}

func TestCodeSpan(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "`plain`"},
		{"a`b", "``a`b``"},
		{"``x``", "``` ``x`` ```"},
		{"`x", "`` `x ``"},
		{" both ", "`  both  `"},
		{"a\nb", "`a b`"},
	}
	for _, tt := range tests {
		if got := codeSpan(tt.in); got != tt.want {
			t.Errorf("codeSpan(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := cellCode("a|b"); got != "`a\\|b`" {
		t.Errorf("cellCode(a|b) = %q", got)
	}
}

// manyFindings returns the full report with n extra low findings, which sort
// after the existing ones.
func manyFindings(n, suppressed int) *Report {
	r := fullReport()
	for i := range n {
		r.Findings = append(r.Findings, Finding{Rule: "PH208", Name: "dormant-member", Severity: SeverityLow,
			Message: fmt.Sprintf("user%05d@acme.io has not logged in for 120 days (limit 90).", i), Subject: fmt.Sprintf("member:user%05d@acme.io", i)})
	}
	for i := range suppressed {
		r.Findings = append(r.Findings, Finding{Rule: "PH209", Name: "external-member", Severity: SeverityMedium,
			Message: "A member from elsewhere.", Subject: fmt.Sprintf("member:guest%05d@partner.dev", i),
			Suppressed: &Suppression{Reason: "Partner programme", Expires: "2027-01-01"}})
	}
	return finalize(r, SeverityHigh)
}

func countRows(tables []mdTableInfo, columns int) int {
	n := 0
	for _, tb := range tables {
		if tb.columns == columns {
			n += len(tb.rows)
		}
	}
	return n
}

func TestMarkdownSizeCap(t *testing.T) {
	const limit = 20000
	r := manyFindings(2000, 0)
	// No per-rule cap to speak of: the byte budget alone cuts.
	out := render(t, r, FormatMarkdown, Options{MaxBytes: limit, MaxPerRule: 5000})
	if len(out) > limit {
		t.Fatalf("%d bytes, over the %d limit", len(out), limit)
	}
	s := string(out)
	for _, want := range []string{"### Summary", "| **total** | **2007** |", "### Findings by rule", "| PH208 `dormant-member` | 0 | 0 | 0 | 2001 | 2001 |",
		"### Not evaluated", "### Missing evidence", "### Exceptions expiring within 14 days", "### Suppressed findings"} {
		if !strings.Contains(s, want) {
			t.Errorf("capped report lost %q", want)
		}
	}
	m := regexp.MustCompile(`(\d+) of 2007 findings are not listed below: to keep this summary within its size limit, the findings of 2 rules are left out, the least severe first\.`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no note about omitted findings in:\n%s", s)
	}
	tables, _, _ := parseMarkdown(t, out)
	shown := countRows(tables, 4) - 1 // the not-evaluated table has 4 columns too
	var omitted int
	fmt.Sscan(m[1], &omitted)
	if shown+omitted != 2007 || shown < 7 {
		t.Errorf("%d findings shown + %d omitted, want 2007 with the 6 most severe shown", shown, omitted)
	}
	if !strings.Contains(s, "member:bob@acme.io") || strings.Contains(s, "user01999") {
		t.Error("the cut did not keep the first (most severe) findings")
	}
	if len(out) < limit-2000 {
		t.Errorf("%d bytes: the cut wasted more than 2000 of the %d allowed", len(out), limit)
	}
	// The last rule lost its details, the one before it kept what fits.
	if !strings.Contains(s, "1 finding not shown, to keep this summary within its size limit") ||
		!regexp.MustCompile(`<summary>\d+ of 2001 findings</summary>`).MatchString(s) {
		t.Error("the least severe rules were not cut last first")
	}
	// Suppressed findings go before any finding.
	if !strings.Contains(s, "The 2 findings covered by matrix exceptions are not listed") || strings.Contains(s, "covered by matrix exceptions</summary>") {
		t.Error("suppressed findings kept room the findings needed")
	}

	// Many suppressed findings: at most MaxPerRule of each rule, and the
	// findings keep theirs.
	out = render(t, manyFindings(100, 3000), FormatMarkdown, Options{MaxBytes: limit})
	if len(out) > limit || !bytes.Contains(out, []byte("<summary>21 of 3002 findings covered by matrix exceptions</summary>")) ||
		!bytes.Contains(out, []byte("21 of 3002 findings covered by matrix exceptions are listed.")) {
		t.Errorf("%d bytes, suppressed cap missing:\n%s", len(out), out)
	}
	// 6-column tables: the counts (6 rules), the expiring exceptions (1)
	// and the suppressed findings; 4-column ones: the findings and the
	// rule not evaluated.
	if tables, _, _ := parseMarkdown(t, out); countRows(tables, 6) != 6+1+21 || countRows(tables, 4) != 6+20+1 {
		t.Errorf("%d 6-column rows, %d 4-column rows; want 6+1+21 and 6+20+1", countRows(tables, 6), countRows(tables, 4))
	}

	// Absurdly small limits still hold, and the details blocks are closed.
	for _, tiny := range []int{200, 900, 1500, 2500, 4000} {
		out := render(t, fullReport(), FormatMarkdown, Options{MaxBytes: tiny})
		if len(out) > tiny {
			t.Errorf("MaxBytes %d: %d bytes", tiny, len(out))
		}
		if bytes.Count(out, []byte("<details>")) != bytes.Count(out, []byte("</details>")) {
			t.Errorf("MaxBytes %d: unbalanced details block:\n%s", tiny, out)
		}
	}

	// The default limit applies when MaxBytes is 0.
	big := manyFindings(12000, 0)
	out = render(t, big, FormatMarkdown, Options{})
	if len(out) > DefaultMaxBytes || !bytes.Contains(out, []byte("findings are not listed below")) {
		t.Errorf("default limit: %d bytes (limit %d)", len(out), DefaultMaxBytes)
	}
	// Under the limit nothing is cut.
	if out := render(t, fullReport(), FormatMarkdown, Options{}); bytes.Contains(out, []byte("not shown")) || bytes.Contains(out, []byte("not listed")) {
		t.Error("small report was cut")
	}
}
