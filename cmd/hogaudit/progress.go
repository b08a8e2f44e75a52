package main

import (
	"cmp"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// progress shows what a collection is doing: on a terminal a line redrawn
// as requests complete and, while they wait, every tick; event lines with
// --verbose (on a terminal above the progress line); nothing else unless
// the plan calls for it.
type progress struct {
	mu       sync.Mutex
	e        *env
	budget   *posthog.Budget
	tty      bool
	verbose  bool
	active   bool
	host     string
	requests int // responses, every attempt
	retries  int
	throttle int // waits for the budget or for PostHog
	// rejected counts PostHog's 429 answers (EventThrottled): each costs
	// a request the plan does not count, like a retry; a wait for the
	// local budget (EventRateWait) costs none.
	rejected int
	lastDraw time.Time

	// The plan, once Collect reported it (OnPlan).
	planned bool
	plan    snapshot.Plan
	// extraAtPlan is retries+rejected when the plan arrived: the plan
	// counts no retries, so later ones are added to its total.
	extraAtPlan int

	// The ticker that redraws the line while nothing completes.
	stop    chan struct{}
	stopped chan struct{}
}

// progressTick is how often the terminal line is redrawn while requests
// wait; drawInterval is the least time between two redraws on responses.
const (
	progressTick = 500 * time.Millisecond
	drawInterval = 100 * time.Millisecond
)

func newProgress(g *globals, e *env, b *posthog.Budget) *progress {
	return &progress{e: e, budget: b, tty: e.errTTY && !g.quiet, verbose: g.verbose && !g.quiet}
}

// start shows the progress line and, on a terminal, starts the ticker that
// redraws it; finish stops the ticker.
func (p *progress) start(host string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = true
	p.host = host
	if p.verbose {
		p.clear()
		fmt.Fprintf(p.e.stderr, "hogaudit: collecting from %s\n", host)
	}
	p.draw(true)
	if p.tty {
		p.stop, p.stopped = make(chan struct{}), make(chan struct{})
		go p.tick(p.stop, p.stopped)
	}
}

func (p *progress) tick(stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	t := time.NewTicker(progressTick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.draw(true)
			p.mu.Unlock()
		}
	}
}

func (p *progress) observe(ev posthog.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := ""
	switch ev.Kind {
	case posthog.EventResponse:
		p.requests++
		line = fmt.Sprintf("%s %s → %d", ev.Method, ev.Path, ev.Status)
	case posthog.EventRetry:
		p.retries++
		line = fmt.Sprintf("retrying %s %s in %s (attempt %d)", ev.Method, ev.Path, ev.Wait.Round(time.Millisecond), ev.Attempt+1)
	case posthog.EventThrottled, posthog.EventRateWait:
		p.throttle++
		if ev.Kind == posthog.EventThrottled {
			p.rejected++
		}
		why, wait := "posthog asked to slow down", ev.Wait.Round(time.Millisecond).String()
		if ev.Kind == posthog.EventRateWait {
			why = "keeping under --rate"
			if ev.Wait == 0 {
				wait = "until a request in flight completes"
			}
		}
		line = fmt.Sprintf("waiting %s before %s %s (%s)", wait, ev.Method, ev.Path, why)
	}
	if p.verbose && line != "" {
		p.clear()
		fmt.Fprintf(p.e.stderr, "hogaudit: %s\n", line)
		p.draw(true)
		return
	}
	p.draw(false)
}

// setPlan records the collection's plan and reports whether it is the
// first one.
func (p *progress) setPlan(plan snapshot.Plan) (first bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	first = !p.planned
	if first {
		p.extraAtPlan = p.retries + p.rejected
	}
	p.planned, p.plan = true, plan
	p.draw(true)
	return first
}

// above runs print, which writes whole lines to stderr, with the terminal
// line cleared first and redrawn after.
func (p *progress) above(print func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	print()
	p.draw(true)
}

// clear erases the terminal line. p.mu must be held.
func (p *progress) clear() {
	if p.tty && p.active {
		fmt.Fprint(p.e.stderr, "\r\033[K")
	}
}

// draw redraws the terminal line, at most every drawInterval unless
// forced. p.mu must be held.
func (p *progress) draw(force bool) {
	if !p.tty || !p.active {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.lastDraw) < drawInterval {
		return
	}
	p.lastDraw = now
	fmt.Fprintf(p.e.stderr, "\r\033[K%s", fitLine(p.width(), "hogaudit: collecting", " from "+p.host, ": "+p.summary(true)))
}

// width is the columns the terminal line may take: stderr's terminal's
// own width (asked at each draw: the window may be resized), else a
// positive $COLUMNS, else 80.
func (p *progress) width() int {
	if p.e.errCols != nil {
		if n := p.e.errCols(); n > 0 {
			return n
		}
	}
	if n := envColumns(p.e); n > 0 {
		return n
	}
	return 80
}

func lookup(e *env, name string) (string, bool) {
	if e.lookupEnv == nil {
		return "", false
	}
	return e.lookupEnv(name)
}

// fitLine joins head, host and tail into one line of fewer than width
// cells, so that it never wraps: "\r\033[K" erases only the row the cursor
// is on, and a wrapped line would leave a row behind at every redraw. The
// host is cut first (with "…"), then left out, then the tail is cut.
func fitLine(width int, head, host, tail string) string {
	room := width - 1 // the last column would put the cursor in wrap-pending state
	line := head + host + tail
	if report.Cells(line) <= room {
		return line
	}
	const minHost = 12 // " from " and a few characters of the host
	if left := room - report.Cells(head) - report.Cells(tail); left >= minHost {
		return head + cutCells(host, left) + tail
	}
	return cutCells(head+tail, room)
}

// cutCells cuts s to at most n cells, ending it with "…" when cut.
func cutCells(s string, n int) string {
	if report.Cells(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		c := report.Cells(string(r))
		if used+c > n-1 {
			break
		}
		b.WriteRune(r)
		used += c
	}
	return b.String() + "…"
}

// summary is the progress line's figures: requests done (of the plan's
// total, with its ETA, while running), retries, and throttling: how often
// and for how much wall time at least one request was held back.
func (p *progress) summary(running bool) string {
	s := fmt.Sprintf("%s requests", report.Thousands(p.requests))
	if running && p.planned {
		total := max(p.plan.Total()+p.retries+p.rejected-p.extraAtPlan, p.requests)
		s = fmt.Sprintf("%s/%s requests", report.Thousands(p.requests), report.Thousands(total))
		if left := total - p.requests; left > 0 && p.budget != nil {
			s += ", ~" + duration(p.budget.Schedule(left, p.budget.Latency())) + " left"
		}
	}
	if p.retries > 0 {
		s += fmt.Sprintf(", %d retries", p.retries)
	}
	if p.throttle > 0 {
		held := time.Duration(0)
		if p.budget != nil {
			held = p.budget.Held()
		}
		s += fmt.Sprintf(", throttled %d× (%s)", p.throttle, held.Round(time.Second))
	}
	return s
}

func (p *progress) finish() {
	p.mu.Lock()
	stop, stopped := p.stop, p.stopped
	p.stop, p.stopped = nil, nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-stopped // the ticker draws under p.mu: wait for it outside
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return
	}
	switch {
	case p.tty:
		fmt.Fprintf(p.e.stderr, "\r\033[Khogaudit: collected from %s: %s\n", p.host, p.summary(false))
	case p.verbose:
		fmt.Fprintf(p.e.stderr, "hogaudit: collected: %s\n", p.summary(false))
	}
	p.active = false
}

// onPlan is the collection's OnPlan: it updates the progress total and, the
// first time, prints the plan with its ETA and warns when the run must wait
// for PostHog's hourly window, or a second run of the same size within the
// hour would be throttled.
func (s *session) onPlan(g *globals, e *env, f *connFlags, plan snapshot.Plan) {
	if !s.progress.setPlan(plan) {
		return
	}
	eta := s.eta(plan.Remaining)
	hour := hourLimit(s.budget)
	s.progress.above(func() {
		g.infof(e, "plan: ~%s requests, %s %s", report.Thousands(plan.Total()), etaPhrase(eta), rateLabel(s.budget))
		switch {
		case hour > 0 && plan.Total() > hour:
			g.warnf(e, "this run will wait for the hourly window: it sends ~%s requests, more than the %s an hour allows (--rate %d), and a second run within the hour would wait longer", report.Thousands(plan.Total()), report.Thousands(hour), f.Rate)
			if f.Timeout != nil {
				g.hintf(e, "--timeout %s must leave time for the wait (~%s in all); space runs of this organization more than an hour apart", *f.Timeout, duration(eta))
			} else {
				g.hintf(e, "the derived --timeout includes the wait; space runs of this organization more than an hour apart")
			}
		case hour > 0 && 2*plan.Total() > hour:
			g.warnf(e, "a second run within the hour would be throttled: this one sends ~%s requests of the %s an hour allows (--rate %d)", report.Thousands(plan.Total()), report.Thousands(hour), f.Rate)
			g.hintf(e, "space runs of this organization an hour apart, or lower --rate to leave room for them")
		}
	})
}

// eta is the earliest time n more requests take under the run's budget,
// at the latency observed so far.
func (s *session) eta(n int) time.Duration {
	return s.budget.Schedule(n, s.budget.Latency())
}

// setDerivedTimeout records the deadline TimeoutFor derived; derivedTimeout
// returns it (0 before the plan); deadline is the deadline in force
// without --timeout.
func (s *session) setDerivedTimeout(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.derived = d
}

func (s *session) derivedTimeout() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.derived
}

func (s *session) deadline() time.Duration {
	if d := s.derivedTimeout(); d > 0 {
		return d
	}
	return s.planningTimeout()
}

// planningTimeout is the deadline in force until the plan is known.
func (s *session) planningTimeout() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cmp.Or(s.planning, planningTimeout)
}

// hourLimit is the budget's hourly window, 0 when it has none.
func hourLimit(b *posthog.Budget) int {
	for _, w := range b.Windows() {
		if w.Per == time.Hour {
			return w.Requests
		}
	}
	return 0
}

// rateLabel names the budget's pace for the plan line.
func rateLabel(b *posthog.Budget) string {
	for _, w := range b.Windows() {
		if w.Per == time.Minute {
			return fmt.Sprintf("at %s/min", report.Thousands(w.Requests))
		}
	}
	return fmt.Sprintf("with no rate limit, %d at a time", b.Concurrency())
}

// duration formats an ETA roughly: 40 s, 2.6 min, 1.3 h.
// etaPhrase is an estimate of d for the plan line: "~2.6 min", or "under a
// second".
func etaPhrase(d time.Duration) string {
	if d < time.Second {
		return "under a second"
	}
	return "~" + duration(d)
}

func duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%.1f min", d.Minutes())
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}
