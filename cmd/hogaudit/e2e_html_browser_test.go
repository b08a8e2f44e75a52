package main

import (
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/internal/browsertest"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// writeScreenshots makes TestHTMLReportInBrowser keep its screenshots as
// docs/html-report-demo.png and docs/html-report-large.png:
//
//	go test ./cmd/hogaudit -run TestHTMLReportInBrowser -write-screenshots
var writeScreenshots = flag.Bool("write-screenshots", false, "keep the HTML report's screenshots under docs/")

// hostileName is a member name that would run as script if the report did
// not escape it.
const hostileName = "<script>alert(1)</script>"

// TestHTMLReportInBrowser loads HTML reports in headless Chromium — the
// demo's, a scan's of an organization with a member named like a script,
// and a synthetic one of 2,000 members × 100 projects — and checks that
// the script ran without a console message (an exception or a CSP
// violation would print one), that the heat map has one cell per member ×
// project, and that the hostile name is text. It takes a screenshot of the
// demo and of the large report.
func TestHTMLReportInBrowser(t *testing.T) {
	chrome := browsertest.Find(t)
	const timeout = 3 * time.Minute
	shots := t.TempDir()
	if *writeScreenshots {
		shots = filepath.Join("..", "..", "docs")
	}

	t.Run("demo", func(t *testing.T) {
		h := newHarness(t, nil)
		if res := h.run("demo", "-q", "--html", "demo.html", "-o", "demo.txt"); res.code != 0 {
			t.Fatalf("demo exit %d, want 0 (the demo ran):\n%s", res.code, res.stderr)
		}
		page := chrome.Load(t, h.path("demo.html"), timeout)
		checkPage(t, page, 11, 2)
		// The demo's PH212: dan is admin on Production through a rule
		// naming him, above his groups' member.
		if !regexp.MustCompile(`<td class="e2" title="admin · member rule · excess"`).MatchString(page.DOM) {
			t.Errorf("the demo's excess cell (dan, admin on Production by a member rule) is not in the heat map")
		}
		chrome.Screenshot(t, h.path("demo.html"), filepath.Join(shots, "html-report-demo.png"), 1280, 900, timeout)
	})

	// The view in the address's fragment: the script filters and sorts the
	// rows as the selects would (a linkable view); near miss: the page
	// without one shows every row in the server's order.
	t.Run("filter and sort", func(t *testing.T) {
		h := newHarness(t, nil)
		if res := h.run("demo", "-q", "--html", "demo.html", "-o", "demo.txt"); res.code != 0 {
			t.Fatalf("demo exit %d:\n%s", res.code, res.stderr)
		}
		plain := heatMapRows(t, chrome.Load(t, h.path("demo.html"), timeout))
		inGroup := 0
		for _, r := range plain {
			if r.hidden {
				t.Errorf("row %s hidden without a filter", r.member)
			}
			if slices.Contains(strings.Fields(r.groups), "0") {
				inGroup++
			}
		}
		if inGroup == 0 || inGroup == len(plain) {
			t.Fatalf("group 0 holds %d of %d members: no filter to test", inGroup, len(plain))
		}
		page := chrome.LoadFragment(t, h.path("demo.html"), "group=0&sort=level", timeout)
		checkPage(t, page, 11, 2)
		rows := heatMapRows(t, page)
		shown, last := 0, math.MaxInt
		for _, r := range rows {
			if r.hidden != !slices.Contains(strings.Fields(r.groups), "0") {
				t.Errorf("row %s (groups %q): hidden=%v with the filter group=0", r.member, r.groups, r.hidden)
			}
			if !r.hidden {
				shown++
			}
			if r.score > last {
				t.Errorf("sort=level: row %s (score %d) after one with %d", r.member, r.score, last)
			}
			last = r.score
		}
		if shown != inGroup || !strings.Contains(page.DOM, fmt.Sprintf("%d of %d members shown", inGroup, len(plain))) {
			t.Errorf("%d rows shown, want %d, and the count to say so", shown, inGroup)
		}
	})

	t.Run("hostile name", func(t *testing.T) {
		h := newHarness(t, func(o *posthogsim.Org) {
			o.Members[0].User.FirstName = hostileName
			o.Members[0].User.LastName = `"><img src=x onerror=alert(2)>`
		})
		res := h.run(scanArgs("-q", "--html", "scan.html", "-o", "scan.txt")...)
		if res.code == 2 {
			t.Fatalf("scan exit 2:\n%s", res.stderr)
		}
		page := chrome.Load(t, h.path("scan.html"), timeout)
		checkPage(t, page, 11, 2)
		if !strings.Contains(page.DOM, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("the member named %s is not in the DOM as text", hostileName)
		}
		for _, raw := range []string{"<script>alert(1)", "<img src=\"x\"", "<img src=x"} {
			if strings.Contains(page.DOM, raw) {
				t.Errorf("the DOM holds %q: a member's name became markup", raw)
			}
		}
	})

	t.Run("2000 x 100", func(t *testing.T) {
		const members, projects = 2000, 100
		file := filepath.Join(t.TempDir(), "large.html")
		if err := report.WriteFile(file, largeReport(members, projects), report.FormatHTML, report.Options{}); err != nil {
			t.Fatal(err)
		}
		page := chrome.Load(t, file, timeout)
		checkPage(t, page, members, projects)
		if !strings.Contains(page.DOM, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(page.DOM, "<script>alert(1)") {
			t.Errorf("the synthetic member named %s is not shown as text", hostileName)
		}
		chrome.Screenshot(t, file, filepath.Join(shots, "html-report-large.png"), 1280, 900, timeout)
	})
}

// heatRow is a heat-map row as the DOM holds it.
type heatRow struct {
	member, groups string
	score          int
	hidden         bool
}

var heatMapRowAttrs = regexp.MustCompile(`<tr ([^>]*)><th scope="row"[^>]*>([^<]*)`)

// heatMapRows reads the heat map's rows, in order, from a loaded page.
func heatMapRows(t *testing.T, p browsertest.Page) []heatRow {
	t.Helper()
	m := heatMapBody.FindStringSubmatch(p.DOM)
	if m == nil {
		t.Fatalf("no heat map in the DOM")
	}
	attr := func(attrs, name string) string {
		if a := regexp.MustCompile(` ?` + name + `="([^"]*)"`).FindStringSubmatch(" " + attrs); a != nil {
			return a[1]
		}
		return ""
	}
	var out []heatRow
	for _, r := range heatMapRowAttrs.FindAllStringSubmatch(m[1], -1) {
		score, _ := strconv.Atoi(attr(r[1], "data-s"))
		out = append(out, heatRow{member: r[2], groups: attr(r[1], "data-g"), score: score,
			hidden: regexp.MustCompile(`(^| )hidden(=""| |$)`).MatchString(r[1])})
	}
	return out
}

var (
	heatMapBody = regexp.MustCompile(`(?s)<table id="hm".*?<tbody>(.*?)</tbody>`)
	heatMapCell = regexp.MustCompile(`<td[ >]`)
	heatMapRow  = regexp.MustCompile(`<tr[ >]`)
)

// checkPage checks that the page's script finished, that nothing reached
// its console, and that its heat map has members rows of projects cells.
func checkPage(t *testing.T, p browsertest.Page, members, projects int) {
	t.Helper()
	if !strings.Contains(p.DOM, `data-ready="ok"`) {
		t.Errorf("the report's script did not finish (no data-ready=\"ok\" on <body>): blocked by its CSP, or it threw")
	}
	if len(p.Console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(p.Console, "\n"))
	}
	m := heatMapBody.FindStringSubmatch(p.DOM)
	if m == nil {
		t.Fatalf("no heat map in the DOM")
	}
	if n := len(heatMapRow.FindAllString(m[1], -1)); n != members {
		t.Errorf("heat map rows = %d, want %d", n, members)
	}
	if n := len(heatMapCell.FindAllString(m[1], -1)); n != members*projects {
		t.Errorf("heat map cells = %d, want %d × %d = %d", n, members, projects, members*projects)
	}
}

// largeReport is a report of members × projects whose access map mixes
// every level, path and verdict; member 7 has the hostile name.
func largeReport(members, projects int) *report.Report {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	rep := &report.Report{
		Tool:        report.Tool{Name: "hogaudit", Version: "test", InformationURI: "https://github.com/hogaudit/hogaudit"},
		Snapshot:    report.SnapshotInfo{Org: report.Org{ID: "org-large", Name: "Synthetic 2,000 × 100 (layout test: verdicts drawn, no findings)"}, Host: "https://eu.posthog.com", CollectedAt: at, Complete: true},
		GeneratedAt: at,
		Summary:     report.Summary{BySeverity: map[string]int{}, FailOn: "high"},
	}
	groups := []string{"engineering", "product", "finance", "support", "contractors"}
	roles := []string{"Engineers", "Product", "Finance", "Support"}
	m := &report.AccessMap{}
	for j := range projects {
		m.Projects = append(m.Projects, report.AccessProject{ID: int64(1000 + j), Name: fmt.Sprintf("Project %03d", j), Key: fmt.Sprintf("p%03d", j), Protected: j%10 == 0, Known: j != 99})
	}
	for i := range members {
		name := fmt.Sprintf("Member %04d", i)
		if i == 7 {
			name = hostileName
		}
		m.Members = append(m.Members, report.AccessMember{
			ID: fmt.Sprintf("m%d", i), Email: fmt.Sprintf("user%04d@large.example", i), Name: name,
			OrgLevel: []string{"member", "member", "member", "admin", "owner"}[i%5*min(1, i%37)],
			Roles:    []string{roles[i%len(roles)]}, Groups: []string{groups[i%len(groups)]},
		})
		row := make([]report.AccessCell, projects)
		for j := range projects {
			c := report.AccessCell{Verdict: report.VerdictWithin}
			switch (i*7 + j*3) % 11 {
			case 0, 1, 2:
				c.Level, c.Path = access.LevelNone, &access.Path{Via: access.ViaDefault}
			case 3, 4, 5:
				c.Level, c.Path = access.LevelMember, &access.Path{Via: access.ViaEveryoneRule}
			case 6:
				c.Level, c.Path = access.LevelAdmin, &access.Path{Via: access.ViaRoleRule, Roles: []string{"r1"}, RoleNames: []string{roles[i%len(roles)]}}
				c.Verdict = report.VerdictExcess
			case 7:
				c.Level, c.Path = access.LevelAdmin, &access.Path{Via: access.ViaMemberRule}
				c.Verdict = report.VerdictExempted
			case 8:
				c.Level, c.Path = access.LevelMember, &access.Path{Via: access.ViaMemberRule}
				c.Verdict = report.VerdictNotInMatrix
			default:
				c.Level, c.Path = access.LevelAdmin, &access.Path{Via: access.ViaOrgAdmin, OrgLevel: "admin"}
			}
			if j == 99 {
				c = report.AccessCell{Verdict: report.VerdictUnknown}
			}
			row[j] = c
		}
		m.Cells = append(m.Cells, row)
	}
	rep.Access = m
	return rep
}
