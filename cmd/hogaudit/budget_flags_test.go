package main

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// Off PostHog Cloud, --rate may go above PostHog's limit, or be 0 for no
// budget, each with a warning; on Cloud both are refused
// (collect_defaults_test.go).
func TestRateOffCloudWarns(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		rate string
		want []string
	}{
		{"1000", []string{"hogaudit: warning: --rate 1000 is above posthog cloud's limit of 480 a minute; allowed because " + h.url + " is not posthog cloud", "hogaudit: hint: "}},
		{"0", []string{"hogaudit: warning: --rate 0: no request budget", "hogaudit: hint: a self-hosted posthog throttles only with its RATE_LIMIT_ENABLED"}},
	} {
		res := h.run("snapshot", "-o", h.path("r"+c.rate+".json"), "--rate", c.rate)
		if res.code != 0 {
			t.Fatalf("--rate %s: exit %d\n%s", c.rate, res.code, res.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(res.stderr, w) {
				t.Errorf("--rate %s: stderr lacks %q:\n%s", c.rate, w, res.stderr)
			}
		}
	}
	// Near miss: PostHog's limit itself needs no warning.
	if res := h.run("snapshot", "-o", h.path("r480.json"), "--rate", "480"); res.code != 0 || strings.Contains(res.stderr, "warning") {
		t.Errorf("--rate 480: exit %d, want 0 without a warning:\n%s", res.code, res.stderr)
	}
	// On Cloud hosts (the *.i.posthog.com ones too) both stay refused.
	for _, host := range []string{"https://us.i.posthog.com", "https://app.posthog.com"} {
		for _, rate := range []string{"0", "481"} {
			if res := h.run("snapshot", "--host", host, "--rate", rate); res.code != 2 || strings.Contains(res.stderr, "warning") {
				t.Errorf("--host %s --rate %s: exit %d, want 2 (refused):\n%s", host, rate, res.code, res.stderr)
			}
		}
	}
}

func TestTimeoutFlagHasNoFixedDefault(t *testing.T) {
	h := newHarness(t, nil)
	res := h.run("snapshot", "--help")
	help := strings.Join(strings.Fields(res.stdout), " ")
	if regexp.MustCompile(`--timeout=\d`).MatchString(help) {
		t.Errorf("--timeout shows a fixed default:\n%s", res.stdout)
	}
	for _, want := range []string{"derived from the request plan", "the larger of 10m and the time until the plan plus twice the ETA of its remaining requests plus 1m", "taken for 10% more requests and 20 retries", "--rate=480 "} {
		if !strings.Contains(help, want) {
			t.Errorf("snapshot --help lacks %q:\n%s", want, res.stdout)
		}
	}
	// An explicit --timeout is still checked.
	if res := h.run("snapshot", "--timeout", "0s"); res.code != 2 || !strings.Contains(res.stderr, "--timeout 0s must be positive") {
		t.Errorf("--timeout 0s: exit %d\n%s", res.code, res.stderr)
	}
}

func TestTimeoutFor(t *testing.T) {
	for _, c := range []struct {
		elapsed, eta, want time.Duration
	}{
		{5 * time.Second, 2 * time.Minute, planningTimeout}, // small org: today's 10m
		{0, 270 * time.Second, planningTimeout},             // 2×4.5m+1m = 10m exactly
		{time.Second, 5 * time.Minute, 11*time.Minute + time.Second},
		{time.Minute, time.Hour, 2*time.Hour + 2*time.Minute},
	} {
		if got := timeoutFor(c.elapsed, c.eta); got != c.want {
			t.Errorf("timeoutFor(%v, %v) = %v, want %v", c.elapsed, c.eta, got, c.want)
		}
	}
	// A busy organization that must cross the hourly window: 5,000
	// requests at PostHog's limits cannot finish within the hour, and the
	// derived deadline leaves it the time; 10 minutes would have cut it.
	s := &session{budget: posthog.NewBudget(snapshot.DefaultConcurrency, snapshot.DefaultRate)}
	eta := s.eta(5000)
	if eta < time.Hour {
		t.Fatalf("eta(5000) = %v, want over an hour (4,800 an hour)", eta)
	}
	if d := timeoutFor(10*time.Second, eta); d < eta+time.Hour {
		t.Errorf("derived timeout %v for an ETA of %v leaves too little room", d, eta)
	}
	// Near miss: 480 requests fit in the first minute's window.
	if eta := s.eta(480); eta != 0 {
		t.Errorf("eta(480) = %v, want 0 at zero latency", eta)
	}
}

// lockedBuffer is a strings.Builder safe for the progress ticker.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func fakeEnv(tty bool) (*env, *lockedBuffer) {
	buf := &lockedBuffer{}
	return &env{stderr: buf, errTTY: tty}, buf
}

func TestPlanLineAndHourlyWarning(t *testing.T) {
	for _, c := range []struct {
		total int
		warn  bool
	}{
		{2400, false}, // two runs of 2,400 fit in 4,800 an hour
		{2401, true},
	} {
		e, buf := fakeEnv(false)
		g := &globals{}
		b := posthog.NewBudget(8, 480)
		s := &session{budget: b, progress: newProgress(g, e, b)}
		f := &connFlags{Rate: 480}
		s.onPlan(g, e, f, snapshot.Plan{Sent: 20, Remaining: c.total - 20})
		s.onPlan(g, e, f, snapshot.Plan{Sent: 40, Remaining: c.total}) // grown: not printed again
		out := buf.String()
		plan := fmt.Sprintf("hogaudit: plan: ~%s requests, ", report.Thousands(c.total))
		if strings.Count(out, "hogaudit: plan: ") != 1 || !strings.Contains(out, plan) || !strings.Contains(out, " at 480/min\n") {
			t.Errorf("total %d: want one plan line %q… at 480/min, got:\n%s", c.total, plan, out)
		}
		if got := strings.Contains(out, "hogaudit: warning: a second run within the hour would be throttled"); got != c.warn {
			t.Errorf("total %d: hourly warning %v, want %v:\n%s", c.total, got, c.warn, out)
		}
		if c.warn && !strings.Contains(out, "hogaudit: hint: ") {
			t.Errorf("the warning has no hint:\n%s", out)
		}
	}
	// -q: no plan line.
	e, buf := fakeEnv(false)
	g := &globals{quiet: true}
	b := posthog.NewBudget(8, 480)
	s := &session{budget: b, progress: newProgress(g, e, b)}
	s.onPlan(g, e, &connFlags{Rate: 480}, snapshot.Plan{Remaining: 9000})
	if buf.String() != "" {
		t.Errorf("-q printed %q", buf.String())
	}
}

func TestPlanLineETA(t *testing.T) {
	// 1,230 requests at 480/min, no latency: the window lets 480 go at
	// once, then 480 a minute (and 0.3 s): 2 minutes.
	e, buf := fakeEnv(false)
	g := &globals{}
	b := posthog.NewBudget(8, 480)
	s := &session{budget: b, progress: newProgress(g, e, b)}
	s.onPlan(g, e, &connFlags{Rate: 480}, snapshot.Plan{Remaining: 1230})
	if want := "hogaudit: plan: ~1,230 requests, ~2.0 min at 480/min\n"; buf.String() != want {
		t.Errorf("plan line %q, want %q", buf.String(), want)
	}
	e, buf = fakeEnv(false)
	b = posthog.NewBudget(4, 0)
	s = &session{budget: b, progress: newProgress(g, e, b)}
	s.onPlan(g, e, &connFlags{Rate: 0}, snapshot.Plan{Remaining: 10})
	if want := "hogaudit: plan: ~10 requests, under a second with no rate limit, 4 at a time\n"; buf.String() != want {
		t.Errorf("plan line %q, want %q", buf.String(), want)
	}
}

// On a terminal the line is redrawn while nothing happens (the ETA and the
// throttled time move on), the ticker stops at finish (synctest fails the
// test if its goroutine outlives it), and shows done/total.
func TestProgressRedrawsWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, buf := fakeEnv(true)
		g := &globals{}
		b := posthog.NewBudget(8, 480)
		p := newProgress(g, e, b)
		p.start("https://us.posthog.com")
		p.setPlan(snapshot.Plan{Sent: 0, Remaining: 10})
		p.observe(posthog.Event{Kind: posthog.EventResponse, Method: "GET", Path: "/api/x/", Status: 200})
		before := strings.Count(buf.String(), "\r\033[K")
		time.Sleep(5 * time.Second)
		after := strings.Count(buf.String(), "\r\033[K")
		if after-before < 9 {
			t.Errorf("%d redraws in 5s of waiting, want about 10", after-before)
		}
		if !strings.Contains(buf.String(), "collecting from https://us.posthog.com: 1/10 requests") {
			t.Errorf("no done/total in %q", buf.String())
		}
		p.finish()
		n := len(buf.String())
		time.Sleep(5 * time.Second)
		if len(buf.String()) != n {
			t.Error("the line was redrawn after finish")
		}
		if !strings.HasSuffix(buf.String(), "\r\033[Khogaudit: collected from https://us.posthog.com: 1 requests\n") {
			t.Errorf("summary: %q", buf.String())
		}
	})
}

// -v prints each request on a terminal too, above the progress line.
func TestVerboseOnATerminal(t *testing.T) {
	for _, tty := range []bool{true, false} {
		e, buf := fakeEnv(tty)
		p := newProgress(&globals{verbose: true}, e, posthog.NewBudget(8, 480))
		p.start("h")
		p.observe(posthog.Event{Kind: posthog.EventResponse, Method: "GET", Path: "/api/users/@me/", Status: 200})
		p.observe(posthog.Event{Kind: posthog.EventRateWait, Method: "GET", Path: "/api/roles/", Wait: 0})
		p.finish()
		out := buf.String()
		if !strings.Contains(out, "hogaudit: GET /api/users/@me/ → 200\n") {
			t.Errorf("tty %v: the request is not printed:\n%q", tty, out)
		}
		if !strings.Contains(out, "hogaudit: waiting until a request in flight completes before GET /api/roles/ (keeping under --rate)\n") {
			t.Errorf("tty %v: the wait is not printed:\n%q", tty, out)
		}
		if tty && !regexp.MustCompile(`\r\033\[Khogaudit: GET /api/users/@me/`).MatchString(out) {
			t.Errorf("on a terminal the request line clears the progress line first:\n%q", out)
		}
	}
	// Near miss: without -v, no request lines.
	e, buf := fakeEnv(true)
	p := newProgress(&globals{}, e, posthog.NewBudget(8, 480))
	p.start("h")
	p.observe(posthog.Event{Kind: posthog.EventResponse, Method: "GET", Path: "/api/users/@me/", Status: 200})
	p.finish()
	if strings.Contains(buf.String(), "→ 200") {
		t.Errorf("without -v a request line: %q", buf.String())
	}
}

// The summary's throttled time is the budget's wall time with a request
// held back, not the sum of the waits the events report.
func TestProgressThrottledIsWallTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, buf := fakeEnv(true)
		b := posthog.NewBudgetWindows(4, posthog.Window{Requests: 1, Per: time.Minute})
		p := newProgress(&globals{}, e, b)
		// Events whose waits sum to 6 minutes while the budget held
		// nothing back (its own accounting is tested in snapshot/posthog):
		// the summary shows the budget's wall time.
		p.start("h")
		for _, w := range []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute} {
			p.observe(posthog.Event{Kind: posthog.EventRateWait, Wait: w})
		}
		p.finish()
		if !strings.Contains(buf.String(), "throttled 3× (0s)") {
			t.Errorf("summary %q, want the budget's wall time (0s), not the events' 6m", buf.String())
		}
	})
}
