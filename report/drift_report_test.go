package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/drift"
)

// withDrift is the full report with the drift d (scan --previous).
func withDrift(d *drift.Report) *Report {
	r := fullReport()
	r.Drift = d
	return r
}

func TestReportMarkdownDriftSection(t *testing.T) {
	t.Parallel()
	md := string(render(t, withDrift(gapsDriftReport()), FormatMarkdown, Options{}))
	golden(t, "drift/report-gaps.md.golden", []byte(md))
	sec := strings.Index(md, "### Drift since 2026-11-20 12:00 UTC\n")
	gap := strings.Index(md, "not compared: `access_controls` (project 2)")
	change := strings.Index(md, "| `project_access` | `member:alice@acme.com` |")
	if sec < 0 || gap < sec || change < gap {
		t.Errorf("section %d, gap %d, change %d:\n%s", sec, gap, change, md)
	}
	// Near miss: no drift, no section.
	if plain := string(render(t, fullReport(), FormatMarkdown, Options{})); strings.Contains(plain, "Drift since") {
		t.Error("drift section without Report.Drift")
	}
	// A drift without changes says so.
	if md := string(render(t, withDrift(emptyDriftReport()), FormatMarkdown, Options{})); !strings.Contains(md, "### Drift since 2026-11-20 12:00 UTC\n\nNo changes.\n") {
		t.Errorf("empty drift:\n%s", md)
	}
}

// hugeDrift has n access changes with long names.
func hugeDrift(n int) *drift.Report {
	d := everyKindReport()
	d.Changes = nil
	for i := range n {
		d.Changes = append(d.Changes, driftChange(drift.KindProjectAccess, fmt.Sprintf("member:%s%d@acme.com", strings.Repeat("x", 300), i), "member", "admin",
			inProject(int64(i), strings.Repeat("P", 200)), func(c *drift.Change) { c.Detail = strings.Repeat("d", 400) }))
	}
	d.Counts = map[string]int{drift.GroupAccess: n}
	return d
}

// TestReportMarkdownDriftBudget: the drift section keeps the summary within
// its size limit, lists at most the per-rule cap per group, says what it
// left out, and keeps its counts complete.
func TestReportMarkdownDriftBudget(t *testing.T) {
	t.Parallel()
	md := string(render(t, withDrift(hugeDrift(5000)), FormatMarkdown, Options{}))
	if len(md) > DefaultMaxBytes {
		t.Errorf("Markdown is %d bytes, over %d", len(md), DefaultMaxBytes)
	}
	if !strings.Contains(md, "| access | 5000 |") || !strings.Contains(md, "| **total** | **5000** |") {
		t.Error("drift counts not complete")
	}
	if !strings.Contains(md, fmt.Sprintf("of 5000 changes are not listed below: at most %d per group are listed", DefaultMaxPerRule)) {
		t.Errorf("no note of the left-out changes:\n%s", md[:min(len(md), 4000)])
	}
	if n := strings.Count(md, "| `project_access` |"); n != DefaultMaxPerRule {
		t.Errorf("%d rows, want the per-group cap %d", n, DefaultMaxPerRule)
	}
	// The findings are still there: the drift takes at most a quarter.
	if !strings.Contains(md, "### Findings") || !strings.Contains(md, "#### PH") {
		t.Error("findings crowded out")
	}
	// With a small limit the rows are cut by size, and the note says so.
	small := string(render(t, withDrift(hugeDrift(50)), FormatMarkdown, Options{MaxBytes: 20_000, MaxPerRule: 50}))
	if len(small) > 20_000 {
		t.Errorf("%d bytes over 20000", len(small))
	}
	if !strings.Contains(small, "the rest are left out to keep this summary within its size limit") {
		t.Errorf("no size note:\n%s", small)
	}
	rows := strings.Count(small, "| `project_access` |")
	if rows == 0 || rows >= 50 {
		t.Errorf("%d rows listed under a 5000-byte drift budget", rows)
	}
}

func TestReportJSONDrift(t *testing.T) {
	t.Parallel()
	var doc struct {
		Drift *drift.Report `json:"drift"`
	}
	d := gapsDriftReport()
	d.Counts = nil
	out := render(t, withDrift(d), FormatJSON, Options{})
	if err := json.Unmarshal(out, &doc); err != nil || doc.Drift == nil {
		t.Fatalf("no drift (%v):\n%s", err, out)
	}
	if len(doc.Drift.Changes) != 1 || len(doc.Drift.Gaps) != 2 || doc.Drift.Counts[drift.GroupAccess] != 1 || len(doc.Drift.Counts) != len(drift.Groups) {
		t.Errorf("drift %+v", doc.Drift)
	}
	if d.Counts != nil {
		t.Error("Write modified the report's drift")
	}
	// Near miss: no drift, no key.
	if out := render(t, fullReport(), FormatJSON, Options{}); strings.Contains(string(out), `"drift"`) {
		t.Error(`"drift" without Report.Drift`)
	}
}
