package report

import (
	"fmt"
	"strings"
	"testing"
)

// manyReport is baseReport with n PH204 findings, 3 PH208 and one PH101:
// thousands of findings of one rule beside a few of others.
func manyReport(n int) *Report {
	r := baseReport()
	r.Findings = nil
	add := func(rule, name, sev, subject, project, msg string) {
		r.Findings = append(r.Findings, Finding{Rule: rule, Name: name, Severity: sev, Subject: subject, Project: project, Message: msg})
	}
	for i := range n {
		add("PH204", "project-access-exceeds-matrix", SeverityCritical, fmt.Sprintf("member:user%04d@acme.io", i), "payments",
			fmt.Sprintf("user%04d@acme.io has admin access to payments; the matrix allows viewer.", i))
	}
	add("PH101", "sso-not-enforced", SeverityHigh, "domain:acme.io", "", "Domain acme.io is verified but SSO is not enforced.")
	for i := range 3 {
		add("PH208", "dormant-member", SeverityLow, fmt.Sprintf("member:idle%d@acme.io", i), "", "Not logged in for 120 days.")
	}
	r.Summary.Total = len(r.Findings)
	return r
}

func TestTextGoldenTerminal(t *testing.T) {
	t.Parallel()
	// A narrow terminal with hostile strings, and the summarised table.
	golden(t, "unusual.term-40.txt", render(t, unusualReport(), FormatText, Options{Width: 40, Terminal: true}))
	golden(t, "many.term-80.txt", render(t, manyReport(5000), FormatText, Options{Width: 80, Terminal: true, Limit: 3}))
	golden(t, "many.txt", render(t, manyReport(5000), FormatText, Options{Limit: 3}))
}

// TestTextPipeNoCut: written to a file or a pipe, no subject, project or
// message is cut or wrapped, whatever the width, and each finding is one
// line; its near miss, the terminal, cuts the same subject.
func TestTextPipeNoCut(t *testing.T) {
	t.Parallel()
	r := unusualReport()
	long := "key:long-key-label-long-key-label-long-key-label-long-key-label-long-key-label-long-key-label-"
	for _, width := range []int{0, 40, 300} {
		out := string(render(t, r, FormatText, Options{Width: width}))
		if strings.Contains(out, "…") {
			t.Errorf("width %d: a cell cut in a pipe:\n%s", width, out)
		}
		for _, f := range r.Findings {
			msg := oneLine(findingMessage(f))
			var line string
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, oneLine(f.Subject)) && strings.HasSuffix(l, msg) {
					line = l
				}
			}
			if line == "" {
				t.Errorf("width %d: no line with the whole subject %q and message %q:\n%s", width, f.Subject, msg, out)
			}
		}
	}
	term := string(render(t, r, FormatText, Options{Width: 100, Terminal: true}))
	if strings.Contains(term, long) || !strings.Contains(term, "…") {
		t.Errorf("a terminal shows the over-long subject whole:\n%s", term)
	}
}

// TestTextLimit: 5,000 findings of a rule give the counts per rule first,
// the first N of each rule, and how many more; --all (NoLimit) lists all.
func TestTextLimit(t *testing.T) {
	t.Parallel()
	r := manyReport(5000)
	for _, terminal := range []bool{false, true} {
		out := string(render(t, r, FormatText, Options{Terminal: terminal, Width: 80}))
		counts := strings.Index(out, "Findings by rule (3 rules, 5,004 findings):")
		table := strings.Index(out, "SEVERITY  RULE")
		if counts < 0 || table < 0 || counts > table {
			t.Fatalf("terminal %v: no counts per rule before the table:\n%.2000s", terminal, out)
		}
		for _, want := range []string{
			"PH204  project-access-exceeds-matrix  critical     5,000",
			"PH101  sso-not-enforced               high             1",
			"PH208  dormant-member                 low              3",
			"  … 4,980 more PH204 findings: --all or --format json lists every one\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("terminal %v: no %q in:\n%.3000s", terminal, want, out)
			}
		}
		if got := strings.Count(out, "member:user"); got != DefaultTextLimit {
			t.Errorf("terminal %v: %d PH204 rows, want %d", terminal, got, DefaultTextLimit)
		}
		// Rules under the limit are whole and say nothing more.
		if strings.Contains(out, "more PH208") || strings.Count(out, "member:idle") != 3 {
			t.Errorf("terminal %v: PH208 cut:\n%.3000s", terminal, out)
		}
	}
	// Near miss: the limit exactly reached cuts nothing.
	exact := string(render(t, manyReport(7), FormatText, Options{Limit: 7}))
	if strings.Contains(exact, "more PH204") || strings.Count(exact, "has admin access to payments") != 7 {
		t.Errorf("limit 7 of 7 cut something:\n%s", exact)
	}
	if strings.Contains(exact, "Findings by rule") {
		t.Errorf("11 findings, none cut, yet counts per rule:\n%s", exact)
	}
	all := string(render(t, r, FormatText, Options{Limit: NoLimit}))
	if got := strings.Count(all, "has admin access to payments"); got != 5000 {
		t.Errorf("NoLimit: %d PH204 rows, want 5000", got)
	}
	if strings.Contains(all, "more PH204") || !strings.Contains(all, "Findings by rule (3 rules, 5,004 findings):") {
		t.Errorf("NoLimit: a more line or no counts:\n%.2000s", all)
	}
	one := string(render(t, r, FormatText, Options{Limit: 1}))
	if !strings.Contains(one, "… 4,999 more PH204 findings") || !strings.Contains(one, "… 2 more PH208 findings") || strings.Contains(one, "more PH101") {
		t.Errorf("limit 1:\n%s", one)
	}
}

// TestTextHostileCells: escape codes, newlines, wide and zero-width
// characters in a subject neither reach the output raw nor shift the
// message column on a terminal.
func TestTextHostileCells(t *testing.T) {
	t.Parallel()
	r := baseReport()
	r.Findings = nil
	for _, subj := range []string{"member:plain@acme.io", "member:\x1b]0;pwned\x07x\nnext@acme.io", "member:李小龍李小龍李小龍李小龍@例え.jp", "member:e\u0301\u200b😀😀😀😀😀😀😀😀😀😀@x.io", "member:\u202eevil@acme.io"} {
		r.Findings = append(r.Findings, Finding{Rule: "PH204", Severity: SeverityHigh, Subject: subj, Project: "web", Message: "MSG"})
	}
	for _, width := range []int{40, 80} {
		out := string(render(t, r, FormatText, Options{Width: width, Terminal: true}))
		if strings.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("width %d: a control character reached the output: %q", width, out)
		}
		col := -1
		for _, l := range strings.Split(out, "\n") {
			if i := strings.Index(l, "MSG"); i >= 0 {
				c := cells(l[:i])
				if col >= 0 && c != col {
					t.Errorf("width %d: message at cell %d, not %d: %q", width, c, col, l)
				}
				col = c
			}
		}
		if col < 0 && width == 80 {
			t.Errorf("no message column at width 80:\n%s", out)
		}
	}
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 4812: "4,812", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
