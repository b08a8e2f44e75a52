package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/access"
)

// htmlFixture is a small report with a hostile member name, a hostile
// project name, findings, a missing section and an access map.
func htmlFixture() *Report {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r := &Report{
		Tool: Tool{Name: "hogaudit", Version: "1.2.3", InformationURI: "https://github.com/hogaudit/hogaudit"},
		Snapshot: SnapshotInfo{Org: Org{ID: "o1", Name: `Acme <b>&</b>`}, Host: "https://eu.posthog.com", CollectedAt: at, Complete: false,
			Missing: []Missing{{Section: "activity_log", Endpoint: "/api/projects/1/activity_log/", Status: 403, Scope: "activity_log:read", Detail: "<i>denied</i>"}}},
		GeneratedAt: at,
		Summary:     Summary{BySeverity: map[string]int{"high": 1}, FailOn: "high", Failing: 1, Total: 1},
		Findings: []Finding{{Rule: "PH204", Name: "project-access-exceeds-matrix", Severity: SeverityHigh,
			Message: `Member <script>alert(1)</script> has admin`, Subject: "member:x@acme.example", Remediation: "Lower it <now>"}},
		Rules:        []Rule{{ID: "PH204", Name: "project-access-exceeds-matrix", HelpURI: "https://github.com/hogaudit/hogaudit/blob/main/docs/rules.md#ph204"}},
		NotEvaluated: []NotEvaluated{{Rule: "PH401", Name: "flag-deleted-against-matrix", Sections: []string{"activity_log"}, Reason: "activity_log missing"}},
	}
	r.Access = &AccessMap{
		Members: []AccessMember{
			{ID: "m1", Email: "x@acme.example", Name: "<script>alert(1)</script>", OrgLevel: "member", Roles: []string{`Fin"ance`}, Groups: []string{"eng"}},
			{ID: "m2", Email: "y@acme.example", OrgLevel: "admin", Roles: []string{}, Groups: []string{}},
			{ID: "m3", Email: "z@acme.example", OrgLevel: "member", Roles: []string{}, Groups: []string{"eng"}},
		},
		Projects: []AccessProject{{ID: 1, Name: `Prod"><img src=x onerror=alert(2)>`, Key: "production", Protected: true, Known: true}, {ID: 2, Name: "Staging", Known: false}},
		Cells: [][]AccessCell{
			{{Level: access.LevelAdmin, Path: &access.Path{Via: access.ViaRoleRule, Roles: []string{"r1"}, RoleNames: []string{`Fin"ance<x>`}}, Verdict: VerdictExcess}, {Verdict: VerdictUnknown}},
			{{Level: access.LevelAdmin, Path: &access.Path{Via: access.ViaOrgAdmin, OrgLevel: "admin"}, Verdict: VerdictWithin}, {Verdict: VerdictUnknown}},
			{{Level: access.LevelNone, Verdict: VerdictNotInMatrix}, {Verdict: VerdictUnknown}},
		},
	}
	return r
}

func renderHTML(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r, FormatHTML, Options{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestHTMLEscapesUntrustedStrings(t *testing.T) {
	out := renderHTML(t, htmlFixture())
	for _, raw := range []string{"<script>alert(1)", "<img src=x", "<b>&</b>", "<i>denied</i>", "<now>", `Fin"ance`, "<x>"} {
		if strings.Contains(out, raw) {
			t.Errorf("the HTML holds %q unescaped", raw)
		}
	}
	for _, esc := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "Acme &lt;b&gt;&amp;&lt;/b&gt;", "&lt;i&gt;denied&lt;/i&gt;", "Lower it &lt;now&gt;", "Fin&#34;ance"} {
		if !strings.Contains(out, esc) {
			t.Errorf("the HTML lacks the escaped %q", esc)
		}
	}
	// One <script> element: the report's own.
	if n := strings.Count(out, "<script"); n != 1 {
		t.Errorf("%d <script> elements, want 1", n)
	}
}

var (
	cspMeta   = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`)
	scriptEl  = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	srcOrHref = regexp.MustCompile(`(?i)<(\w+)[^>]*\s(src|href)="([^"]*)"`)
)

func TestHTMLContentSecurityPolicy(t *testing.T) {
	out := renderHTML(t, htmlFixture())
	m := cspMeta.FindStringSubmatch(out)
	if m == nil {
		t.Fatal("no Content-Security-Policy meta")
	}
	csp := html.UnescapeString(m[1])
	for _, want := range []string{"default-src 'none'", "style-src 'unsafe-inline'", "img-src data:"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	s := scriptEl.FindStringSubmatch(out)
	if s == nil {
		t.Fatal("no inline script")
	}
	sum := sha256.Sum256([]byte(s[1]))
	hash := "script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if !strings.Contains(csp, hash) {
		t.Errorf("CSP %q does not allow the script by its hash (%s): the browser would block it", csp, hash)
	}
	if regexp.MustCompile(`script-src[^;]*'unsafe-inline'`).MatchString(csp) {
		t.Errorf("CSP %q allows any inline script", csp)
	}
}

func TestHTMLLoadsNothing(t *testing.T) {
	out := renderHTML(t, htmlFixture())
	for _, m := range srcOrHref.FindAllStringSubmatch(out, -1) {
		tag, attr, url := strings.ToLower(m[1]), strings.ToLower(m[2]), m[3]
		if attr == "href" && tag == "a" {
			continue // a link the reader follows, not a fetch
		}
		t.Errorf("<%s %s=%q>: the report must load nothing", tag, attr, url)
	}
	for _, bad := range []string{"@import", "url(http", "@font-face", "<link", "<iframe", "<object"} {
		if strings.Contains(out, bad) {
			t.Errorf("the HTML holds %q", bad)
		}
	}
	if !strings.Contains(out, `<a href="https://github.com/hogaudit/hogaudit/blob/main/docs/rules.md#ph204">`) {
		t.Errorf("the finding does not link its rule's documentation")
	}
}

func TestHTMLHeatMap(t *testing.T) {
	out := renderHTML(t, htmlFixture())
	body := regexp.MustCompile(`(?s)<table id="hm".*?<tbody>(.*?)</tbody>`).FindStringSubmatch(out)
	if body == nil {
		t.Fatal("no heat map")
	}
	if n := strings.Count(body[1], "<td "); n != 3*2 {
		t.Errorf("%d cells, want 3 members × 2 projects = 6", n)
	}
	if n := strings.Count(body[1], "<tr "); n != 3 {
		t.Errorf("%d rows, want 3", n)
	}
	for _, want := range []string{
		`<td class="e2" title="admin · role rule (Fin&#34;ance&lt;x&gt;) · excess" tabindex="0">A</td>`,
		`<td class="w2" title="admin · organization admin · within">A</td>`,
		`<td class="n0" title="none · no access path · not in matrix">–</td>`,
		`<td class="u" title="access cannot be told: unknown">?</td>`,
		`data-cells="6"`,
		`<option value="0">Fin&#34;ance</option>`, `<option value="0">eng</option>`,
		`data-g="0" data-r="0" data-s="2" data-o="1"`, // m1: group eng, role Finance, one admin cell, org member
		`data-g="" data-r="" data-s="2" data-o="2"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the heat map lacks %s", want)
		}
	}
	// Only the first cell is in the tab order (the script moves it):
	// 200,000 tab stops would make the page unusable by keyboard.
	if n := strings.Count(out, `tabindex="0"`); n != 1 {
		t.Errorf("%d cells in the tab order, want 1", n)
	}
}

func TestHTMLHeader(t *testing.T) {
	out := renderHTML(t, htmlFixture())
	for _, want := range []string{"https://eu.posthog.com", "2026-12-01 09:00 UTC", "incomplete: 1 section missing",
		"<code>activity_log</code>: GET /api/projects/1/activity_log/ returned HTTP 403", "grant the scanning key the activity_log:read scope",
		`id="not-evaluated"`, "PH401", `<span class="badge sev-high">high</span> 1 finding`} {
		if !strings.Contains(out, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	r := htmlFixture()
	r.Snapshot.Complete, r.Snapshot.Missing = true, nil
	if out := renderHTML(t, r); !strings.Contains(out, `<span class="ok">complete</span>`) || strings.Contains(out, "incomplete") {
		t.Errorf("complete evidence is not shown as complete")
	}
}

func TestHTMLDarkModeAndPrint(t *testing.T) {
	out := renderHTML(t, htmlFixture())
	for _, want := range []string{"@media (prefers-color-scheme:dark)", "@media print", `<meta name="color-scheme" content="light dark">`} {
		if !strings.Contains(out, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
}

func TestHTMLWithoutAccessMapOrAfterFailure(t *testing.T) {
	r := htmlFixture()
	r.Access = nil
	out := renderHTML(t, r)
	if strings.Contains(out, `<table id="hm"`) || !strings.Contains(out, "carries no access map") {
		t.Errorf("a report without an access map must say so, not draw an empty one")
	}
	f := NotCompleted(&Report{Tool: r.Tool, GeneratedAt: r.GeneratedAt}, Rule{}, "GET /api/x returned HTTP 500", []string{"retry <later>"}, "high")
	f.Access = htmlFixture().Access
	out = renderHTML(t, f)
	if !strings.Contains(out, "The check did not complete") || !strings.Contains(out, "retry &lt;later&gt;") {
		t.Errorf("a failed check's HTML does not say it did not complete")
	}
	if strings.Contains(out, `<table id="hm"`) || strings.Contains(out, `<span class="ok">complete</span>`) {
		t.Errorf("a failed check's HTML shows a verdict")
	}
}

// TestHTMLEscapesFixtures renders every golden fixture as HTML: the
// unusual one's script, markup and control characters stay text.
func TestHTMLEscapesFixtures(t *testing.T) {
	for _, fx := range fixtures {
		out := renderHTML(t, fx.r())
		if n := strings.Count(out, "<script"); n != 1 {
			t.Errorf("%s: %d <script> elements, want 1", fx.name, n)
		}
		if strings.Contains(out, "<b>") || strings.Contains(out, "`Org` <b") {
			t.Errorf("%s: the organization name's markup is not escaped", fx.name)
		}
	}
	if out := renderHTML(t, unusualReport()); !strings.Contains(out, "Intern 李小龍 &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the unusual fixture's hostile message is not shown as text")
	}
}
