package report

import (
	"strings"
	"testing"
)

// TestTextGoldenColor pins the coloured, narrow layout (the plain one is
// in TestGolden).
func TestTextGoldenColor(t *testing.T) {
	t.Parallel()
	golden(t, "full.color-60.txt", render(t, fullReport(), FormatText, Options{Color: true, Width: 60, Terminal: true}))
}

func TestTextColor(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		plain := string(render(t, fx.r(), FormatText, Options{}))
		if strings.Contains(plain, "\x1b") {
			t.Errorf("%s: escape character without Color:\n%s", fx.name, plain)
		}
	}
	colored := string(render(t, fullReport(), FormatText, Options{Color: true}))
	for sev, code := range severityColors {
		if !strings.Contains(colored, code+sev+ansiReset) {
			t.Errorf("no coloured %s in:\n%s", sev, colored)
		}
	}
	// Colour codes do not shift the columns.
	strip := strings.NewReplacer(ansiReset, "", severityColors[SeverityCritical], "", severityColors[SeverityHigh], "",
		severityColors[SeverityMedium], "", severityColors[SeverityLow], "")
	if got, want := strip.Replace(colored), string(render(t, fullReport(), FormatText, Options{})); got != want {
		t.Errorf("coloured output without its codes differs from the plain output:\n%s\n---\n%s", got, want)
	}
}

func TestTextWidth(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		for _, width := range []int{1, 40, 60, 80, 100, 140} {
			out := string(render(t, fx.r(), FormatText, Options{Width: width, Terminal: true}))
			limit := max(width, TextMinWidth)
			for i, line := range strings.Split(out, "\n") {
				if n := cells(line); n > limit {
					t.Errorf("%s at width %d: line %d takes %d cells: %q", fx.name, width, i+1, n, line)
				}
				if strings.TrimRight(line, " ") != line {
					t.Errorf("%s at width %d: line %d has trailing spaces: %q", fx.name, width, i+1, line)
				}
			}
		}
	}
}

func TestTextContent(t *testing.T) {
	t.Parallel()
	// Compare with line breaks and indentation collapsed: wrapping is
	// TestTextWidth's business.
	flat := func(b []byte) string { return strings.Join(strings.Fields(string(b)), " ") }
	out := flat(render(t, fullReport(), FormatText, Options{Terminal: true}))
	for _, want := range []string{
		"Acme Analytics · https://eu.posthog.com · collected 2026-11-27 09:30 UTC evidence incomplete: 3 sections missing · 2 of 3 declared keys audited",
		"SEVERITY  RULE   SUBJECT",
		"(advisory) The exception",
		"Suppressed by matrix exceptions (2):",
		"PH209 member:frank@contractor.dev: Data migration contract (SEC-142); expires 2026-12-01",
		"Not evaluated, evidence missing (1):",
		"scopes that would fix it: activity_log:read",
		"Missing evidence (3):",
		"api_keys (key nightly-export): declared under keys: of group exporters but not audited",
		"to fix it, hand the key to hogaudit with --audit-key-env VAR",
		"access_controls (project 4242): GET /api/projects/4242/access_controls/ returned HTTP 402",
		"Exceptions expiring soon (1):",
		"in 4 days",
		"7 findings: 1 critical, 3 high, 1 medium, 2 low; 2 suppressed; 1 rule not evaluated; exit threshold high (4 failing)",
	} {
		if !strings.Contains(out, flat([]byte(want))) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	// Suppressed findings are not in the table.
	if strings.Contains(out, "low PH208 member:grace") {
		t.Errorf("suppressed finding in the table:\n%s", out)
	}

	clean := string(render(t, cleanReport(), FormatText, Options{Terminal: true}))
	for _, want := range []string{"evidence complete\n", "No findings.\n", "0 findings; exit threshold high\n"} {
		if !strings.Contains(clean, want) {
			t.Errorf("no %q in:\n%s", want, clean)
		}
	}
}

func TestCells(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want int
	}{{"abc", 3}, {"李小龍", 6}, {"e\u0301", 1}, {"zoë", 3}, {"", 0}}
	for _, tt := range tests {
		if got := cells(tt.s); got != tt.want {
			t.Errorf("cells(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
	if got := fitCells("name@例え.jp", 7); got != "name@…" {
		t.Errorf("fitCells = %q, want %q", got, "name@…")
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s           string
		width, frst int
		want        []string
	}{
		{"", 10, 10, []string{""}},
		{"one two three", 7, 7, []string{"one two", "three"}},
		{"one two three", 10, 3, []string{"one", "two three"}},
		{"abcdefghij", 4, 4, []string{"abcd", "efgh", "ij"}},
		{"ab cdefghij", 4, 4, []string{"ab", "cdef", "ghij"}},
		{"李小龍李小龍", 4, 4, []string{"李小", "龍李", "小龍"}}, // two cells each
		{"a 李小龍", 5, 5, []string{"a", "李小", "龍"}},
	}
	for _, tt := range tests {
		got := wrap(tt.s, tt.width, tt.frst)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q, %d, %d) = %q, want %q", tt.s, tt.width, tt.frst, got, tt.want)
		}
	}
}
