package main

import (
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// --limit and --all shape only the text report: with another format they
// are warned about, not silently ignored; with text they are not.
func TestTextLimitWithOtherFormatWarns(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		args []string
		warn string // "" none
	}{
		{[]string{"-f", "json", "--limit", "3"}, "hogaudit: warning: --limit 3 applies only to the text report; the json report (-f json) is written in full"},
		{[]string{"-f", "sarif", "--all", "-o", "r.sarif"}, "hogaudit: warning: --all applies only to the text report; the sarif report (-f sarif) is written in full"},
		{[]string{"-f", "markdown", "--limit", "2", "-o", "r.md"}, "hogaudit: hint: --markdown-max-per-rule N"},
		{[]string{"-f", "html", "--all", "-o", "r.html"}, "--all applies only to the text report"},
		// Near misses: the text report, on stdout or in a file, and
		// another format without --limit.
		{[]string{"--limit", "3"}, ""},
		{[]string{"--all", "-o", "r.txt"}, ""},
		{[]string{"-f", "json"}, ""},
	} {
		res := h.run(append([]string{"demo"}, c.args...)...)
		if res.code > 1 {
			t.Fatalf("demo %v: exit %d\n%s", c.args, res.code, res.stderr)
		}
		got := strings.Contains(res.stderr, "applies only to the text report")
		if c.warn == "" && got || c.warn != "" && !strings.Contains(res.stderr, c.warn) {
			t.Errorf("demo %v: want %q, stderr:\n%s", c.args, c.warn, res.stderr)
		}
	}
}

// A plan over the hourly limit says this run waits for the hourly window;
// one over half of it, that a second run would be throttled.
func TestHourlyWarningForThisRun(t *testing.T) {
	for _, c := range []struct {
		total   int
		timeout bool
		want    []string
		not     string
	}{
		{4801, false, []string{"hogaudit: warning: this run will wait for the hourly window: it sends ~4,801 requests, more than the 4,800 an hour allows (--rate 480)", "hogaudit: hint: the derived --timeout includes the wait"}, "a second run within the hour would be throttled: this one"},
		{6000, true, []string{"this run will wait for the hourly window", "hogaudit: hint: --timeout 30m0s must leave time for the wait"}, "derived"},
		{4800, false, []string{"hogaudit: warning: a second run within the hour would be throttled"}, "this run will wait"},
	} {
		e, buf := fakeEnv(false)
		g := &globals{}
		b := posthog.NewBudget(8, 480)
		s := &session{budget: b, progress: newProgress(g, e, b)}
		f := &connFlags{Rate: 480}
		if c.timeout {
			d := 30 * time.Minute
			f.Timeout = &d
		}
		s.onPlan(g, e, f, snapshot.Plan{Remaining: c.total})
		out := buf.String()
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("total %d: lacks %q:\n%s", c.total, w, out)
			}
		}
		if strings.Contains(out, c.not) {
			t.Errorf("total %d: says %q:\n%s", c.total, c.not, out)
		}
	}
}

// The help says what the flags do: --rate bounds hogaudit's own requests
// (PostHog counts other tools' too), and a .gz snapshot name compresses.
func TestHelpRateAndCompressedSnapshots(t *testing.T) {
	h := newHarness(t, nil)
	for cmd, wants := range map[string][]string{
		"snapshot": {"never counts more of hogaudit's own requests in a window", "PostHog counts every request a key makes, other tools' too", "a name ending in .gz (snap.json.gz) writes it gzip-compressed"},
		"scan":     {"other tools' too", "--snapshot-out=FILE Also keep the snapshot (for 'hogaudit check' later, or the next scan's --previous); a name ending in .gz (snap.json.gz) writes it gzip-compressed"},
	} {
		res := h.run(cmd, "--help")
		help := strings.Join(strings.Fields(res.stdout), " ")
		for _, w := range wants {
			if !strings.Contains(help, w) {
				t.Errorf("%s --help lacks %q:\n%s", cmd, w, help)
			}
		}
		if strings.Contains(help, "so PostHog never counts more. ") {
			t.Errorf("%s --help still claims PostHog never counts more", cmd)
		}
	}
}
