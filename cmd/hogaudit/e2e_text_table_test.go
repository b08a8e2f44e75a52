package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/report"
)

// textRun runs hogaudit with stdout a terminal of cols columns (tty) or a
// pipe, and the given variables.
func textRun(h *harness, tty bool, cols int, vars map[string]string, args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	e := h.env(&out, &errb, vars)
	e.stdoutTTY, e.cols = tty, cols
	code := run(context.Background(), args, e)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// widest is the widest line of s in terminal cells, escape codes left out.
func widest(s string) int {
	sgr := regexp.MustCompile("\x1b\\[[0-9;]*m")
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, len([]rune(sgr.ReplaceAllString(l, ""))))
	}
	return n
}

// TestTextLayout: on a terminal the text report's width is COLUMNS when
// it is a positive integer, else the terminal's own; junk in COLUMNS is
// ignored (near misses: "abc", "0", "-3", "80x"); off a terminal nothing
// is fitted, whatever COLUMNS says.
func TestTextLayout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		columns   string // "" unsets COLUMNS
		tty       bool
		cols      int // the terminal's width
		want      int
		wantFixed bool
	}{
		{"COLUMNS over the terminal", "60", true, 120, 60, true},
		{"COLUMNS with spaces", " 72 ", true, 0, 72, true},
		{"the terminal's width", "", true, 90, 90, true},
		{"junk COLUMNS", "abc", true, 70, 70, true},
		{"zero COLUMNS", "0", true, 70, 70, true},
		{"negative COLUMNS", "-3", true, 70, 70, true},
		{"trailing junk", "80x", true, 70, 70, true},
		{"nothing known: the default", "", true, 0, 0, true},
		{"a pipe", "40", false, 0, 40, false},
		{"a pipe without COLUMNS", "", false, 0, 0, false},
	} {
		e := &env{lookupEnv: lookupIn(map[string]string{"COLUMNS": tc.columns}), stdoutTTY: tc.tty, cols: tc.cols}
		if w, term := textLayout(e); w != tc.want || term != tc.wantFixed {
			t.Errorf("%s: textLayout = %d, %v; want %d, %v", tc.name, w, term, tc.want, tc.wantFixed)
		}
	}
}

// TestTextWidthFromTerminal: a scan's text report on a terminal fits
// COLUMNS over the terminal's width, the terminal's width when COLUMNS is
// junk, and 40 columns at least.
func TestTextWidthFromTerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	args := scanArgs("-q", "--matrix", h.path("access-matrix.yaml"))
	for _, tc := range []struct {
		columns string
		cols    int
		want    int
	}{{"60", 120, 60}, {"abc", 70, 70}, {"10", 0, report.TextMinWidth}} {
		res := textRun(h, true, tc.cols, map[string]string{"COLUMNS": tc.columns}, args...)
		if res.code != 1 || !strings.Contains(res.stdout, "PH212") {
			t.Fatalf("scan exit %d:\n%s%s", res.code, res.stdout, res.stderr)
		}
		// The width is used, not merely respected: wrapped lines reach
		// near it.
		if got := widest(res.stdout); got > tc.want || got < tc.want-12 {
			t.Errorf("COLUMNS %q on %d columns: widest line %d cells, want at most and about %d:\n%s", tc.columns, tc.cols, got, tc.want, res.stdout)
		}
	}
}

// TestTextPipeCutsNothing: in a pipe (and in a file, -o), with or without
// COLUMNS, the text report cuts no subject and wraps no finding: each
// finding of the JSON report has a line holding its whole subject and
// message. Near miss: the same run on a 40-column terminal cuts.
func TestTextPipeCutsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	args := scanArgs("-q", "--matrix", h.path("access-matrix.yaml"), "--all")
	// Each run's JSON report is its truth: a scan changes the keys'
	// last_used_at, and so the next scan's messages.
	pipe := textRun(h, false, 0, map[string]string{"COLUMNS": "40"}, append(args, "--json", h.path("pipe.json"))...)
	textRun(h, false, 0, map[string]string{"COLUMNS": "40"}, append(args, "-o", h.path("report.txt"), "--json", h.path("file.json"))...)
	written, err := os.ReadFile(h.path("report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"pipe": pipe.stdout, "file": string(written)} {
		raw, err := os.ReadFile(h.path(name + ".json"))
		if err != nil {
			t.Fatal(err)
		}
		rep := decodeReport(t, raw)
		if len(rep.Findings) < 5 {
			t.Fatalf("%s: only %d findings", name, len(rep.Findings))
		}
		if strings.Contains(out, "…") || strings.Contains(out, "\x1b") {
			t.Errorf("%s: cut or coloured:\n%s", name, out)
		}
		lines := strings.Split(out, "\n")
		for _, f := range rep.Findings {
			if f.Suppressed != nil {
				continue
			}
			found := false
			for _, l := range lines {
				found = found || strings.Contains(l, " "+f.Subject+" ") && strings.HasSuffix(l, f.Message)
			}
			if !found {
				t.Errorf("%s: no line with %s %s and %q:\n%s", name, f.Rule, f.Subject, f.Message, out)
			}
		}
	}
	term := textRun(h, true, 0, map[string]string{"COLUMNS": "40"}, args...)
	if !strings.Contains(term.stdout, "…") || widest(term.stdout) > 40 {
		t.Errorf("a 40-column terminal neither cuts nor fits:\n%s", term.stdout)
	}
}

// TestTextLimitFlags: thousands of findings (a synthetic organization
// that breaks the matrix some thousands of times) give the counts per rule
// first, then --limit N findings per rule with how many more; --all
// lists every one. Near misses: --limit 0, a negative --limit and --limit
// with --all are usage errors (exit 2, nothing on stdout), and --limit
// does not change the JSON report.
func TestTextLimitFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	org, snap := syntheticOrgSnapshot(t, dir, 300, 20)
	h := newHarness(t, nil)
	mx := h.writeMatrix(strictLargeMatrix(org))
	check := func(extra ...string) result {
		t.Helper()
		return textRun(h, false, 0, nil, append([]string{"check", "-q", "--matrix", mx, "--snapshot", snap}, extra...)...)
	}
	js := check("--format", "json")
	rep := decodeReport(t, []byte(js.stdout))
	perRule := map[string]int{}
	unsuppressed := 0
	for _, f := range rep.Findings {
		if f.Suppressed == nil {
			perRule[f.Rule]++
			unsuppressed++
		}
	}
	if unsuppressed < 1000 {
		t.Fatalf("only %d findings", unsuppressed)
	}
	rows := func(out string) int { // finding rows of the table
		return len(regexp.MustCompile(`(?m)^(critical|high|medium|low) +PH\d{3} `).FindAllString(out, -1))
	}
	for _, tc := range []struct {
		args  []string
		limit int // -1: all
	}{{nil, report.DefaultTextLimit}, {[]string{"--limit", "5"}, 5}, {[]string{"--all"}, -1}} {
		res := check(tc.args...)
		if res.code != 1 {
			t.Fatalf("%v: exit %d\n%s", tc.args, res.code, res.stderr)
		}
		out := res.stdout
		head := strings.Index(out, fmt.Sprintf("Findings by rule (%d rules, ", len(perRule)))
		if head < 0 || head > strings.Index(out, "SEVERITY  RULE   SUBJECT") {
			t.Fatalf("%v: no counts per rule before the table:\n%.3000s", tc.args, out)
		}
		want := 0
		for rule, n := range perRule {
			shown := n
			if tc.limit > 0 {
				shown = min(n, tc.limit)
			}
			want += shown
			countRow := regexp.MustCompile(`(?m)^  ` + rule + ` +\S+ +\S+ +` + regexp.QuoteMeta(report.Thousands(n)) + `$`)
			if !countRow.MatchString(out) {
				t.Errorf("%v: no count row %s … %s", tc.args, rule, report.Thousands(n))
			}
			more := fmt.Sprintf("… %s more %s finding", report.Thousands(n-shown), rule)
			if n > shown && !strings.Contains(out, more) {
				t.Errorf("%v: no %q", tc.args, more)
			}
			if n == shown && strings.Contains(out, " more "+rule+" finding") {
				t.Errorf("%v: %s has all its %d findings yet says more", tc.args, rule, n)
			}
		}
		if got := rows(out); got != want {
			t.Errorf("%v: %d rows, want %d", tc.args, got, want)
		}
	}
	for _, bad := range [][]string{{"--limit", "0"}, {"--limit", "-2"}, {"--limit", "3", "--all"}} {
		res := check(bad...)
		if res.code != 2 || res.stdout != "" || !strings.Contains(res.stderr, "hogaudit: --limit") {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q; want a usage error", bad, res.code, len(res.stdout), res.stderr)
		}
	}
	if limited := check("--format", "json", "--limit", "1"); limited.stdout != js.stdout {
		t.Error("--limit changed the JSON report")
	}
}

// TestTextLimitOnDemo: demo takes --limit and --all too, and refuses
// them together.
func TestTextLimitOnDemo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for _, ok := range [][]string{{"--limit", "1"}, {"--all"}} {
		if res := textRun(h, false, 0, nil, append([]string{"demo"}, ok...)...); res.code == 2 || !strings.Contains(res.stdout, "SEVERITY  RULE") {
			t.Errorf("demo %v: exit %d:\n%s%s", ok, res.code, res.stdout, res.stderr)
		}
	}
	if res := textRun(h, false, 0, nil, "demo", "--limit", "2", "--all"); res.code != 2 || !strings.Contains(res.stderr, "hogaudit: --limit 2 and --all") {
		t.Errorf("demo --limit 2 --all: exit %d, %q", res.code, res.stderr)
	}
}
