package main

import (
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// Waits for the local budget cost no request: the total stays the plan's;
// PostHog's 429s and retries each add one.
func TestProgressTotalCountsOnlyResent(t *testing.T) {
	e, buf := fakeEnv(true)
	p := newProgress(&globals{}, e, posthog.NewBudget(8, 480))
	p.start("https://us.posthog.com")
	p.setPlan(snapshot.Plan{Remaining: 100})
	for range 50 {
		p.observe(posthog.Event{Kind: posthog.EventRateWait, Method: "GET", Path: "/api/x/"})
		p.observe(posthog.Event{Kind: posthog.EventResponse, Method: "GET", Path: "/api/x/", Status: 200})
	}
	p.mu.Lock()
	got := p.summary(true)
	p.mu.Unlock()
	if !strings.HasPrefix(got, "50/100 requests") || !strings.Contains(got, "throttled 50×") {
		t.Errorf("after 50 rate waits and 50 responses: %q, want 50/100 requests, throttled 50×", got)
	}
	// Near miss: a 429 and a retry are requests the plan did not count.
	p.observe(posthog.Event{Kind: posthog.EventThrottled, Method: "GET", Path: "/api/x/"})
	p.observe(posthog.Event{Kind: posthog.EventRetry, Method: "GET", Path: "/api/x/"})
	p.mu.Lock()
	got = p.summary(true)
	p.mu.Unlock()
	p.finish()
	if !strings.HasPrefix(got, "50/102 requests") {
		t.Errorf("after a 429 and a retry: %q, want 50/102 requests", got)
	}
	_ = buf
}

// liveLines are the progress lines as the terminal shows them between
// redraws: what follows a "\r\033[K" without a newline (a line ending in
// one is printed for good and may wrap).
func liveLines(out string) []string {
	var lines []string
	for _, seg := range strings.Split(out, "\r\033[K")[1:] {
		if seg != "" && !strings.Contains(seg, "\n") {
			lines = append(lines, seg)
		}
	}
	return lines
}

const longHost = "https://posthog-production-eu-west-1.internal.corp.example.com:8443/posthog"

func drawSome(t *testing.T, cols int, vars map[string]string, verbose bool) string {
	t.Helper()
	e, buf := fakeEnv(true)
	e.errCols = func() int { return cols }
	e.lookupEnv = lookupIn(vars)
	p := newProgress(&globals{verbose: verbose}, e, posthog.NewBudget(8, 480))
	p.start(longHost)
	p.setPlan(snapshot.Plan{Remaining: 4730})
	for i := range 30 {
		p.observe(posthog.Event{Kind: posthog.EventRetry, Method: "GET", Path: "/api/projects/1/"})
		p.observe(posthog.Event{Kind: posthog.EventThrottled, Method: "GET", Path: "/api/projects/1/"})
		p.observe(posthog.Event{Kind: posthog.EventResponse, Method: "GET", Path: "/api/projects/1/", Status: 200 + i%2})
		p.mu.Lock()
		p.draw(true)
		p.mu.Unlock()
	}
	p.finish()
	return buf.String()
}

// The progress line never wraps (each redraw erases only the cursor's
// row): it is cut to the terminal's width, the host first.
func TestProgressLineFitsTerminal(t *testing.T) {
	for _, c := range []struct {
		cols int
		vars map[string]string
		want int // the widest a redrawn line may be
	}{
		{80, nil, 79},
		{40, nil, 39},
		{0, map[string]string{"COLUMNS": "60"}, 59}, // stderr's size unknown: $COLUMNS
		{0, nil, 79}, // else 80
		{80, map[string]string{"COLUMNS": "300"}, 79}, // the terminal's own width wins
	} {
		for _, verbose := range []bool{false, true} {
			out := drawSome(t, c.cols, c.vars, verbose)
			final := strings.LastIndex(out, "\r\033[Khogaudit: collected from")
			lines := liveLines(out[:final])
			if len(lines) < 30 {
				t.Fatalf("%d columns: %d redraws, want at least 30", c.cols, len(lines))
			}
			for _, l := range lines {
				if report.Cells(l) > c.want {
					t.Fatalf("%d columns %v: a %d-cell line %q", c.cols, c.vars, report.Cells(l), l)
				}
			}
			if first := lines[0]; c.want >= 59 && (!strings.HasPrefix(first, "hogaudit: collecting from https://posthog-prod") || !strings.HasSuffix(first, "…: 0 requests")) {
				t.Errorf("%d columns: the host is not cut first: %q", c.cols, first)
			}
			if verbose {
				// Each -v line starts on an erased row.
				for _, l := range strings.Split(out, "\n") {
					if i := strings.Index(l, "hogaudit: GET "); i >= 0 && !strings.HasSuffix(l[:i], "\r\033[K") {
						t.Fatalf("a -v line after leftovers: %q", l)
					}
				}
			}
		}
	}
	// Near miss: a wide terminal shows the whole host and the figures.
	out := drawSome(t, 200, nil, false)
	if !strings.Contains(out, "hogaudit: collecting from "+longHost+": 30/4,790 requests") {
		t.Errorf("200 columns: the whole line is not shown:\n%q", out)
	}
}

func TestFitLine(t *testing.T) {
	head, host, tail := "hogaudit: collecting", " from https://a-long-host.example.com", ": 1/10 requests, ~3 s left"
	for _, c := range []struct {
		width int
		want  string
	}{
		{200, head + host + tail},
		{len(head+host+tail) + 1, head + host + tail},
		{len(head+host+tail) + 0, head + " from https://a-long-host.example.c…" + tail},
		{60, head + " from https:…" + tail},
		{50, "hogaudit: collecting: 1/10 requests, ~3 s left"},
		{30, "hogaudit: collecting: 1/10 r…"},
	} {
		if got := fitLine(c.width, head, host, tail); got != c.want || report.Cells(got) >= c.width {
			t.Errorf("fitLine(%d) = %q (%d cells), want %q", c.width, got, report.Cells(got), c.want)
		}
	}
}
