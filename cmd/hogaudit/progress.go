package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// progress shows what a collection is doing: a redrawn line on a terminal,
// event lines with --verbose, nothing otherwise.
type progress struct {
	mu       sync.Mutex
	e        *env
	tty      bool
	verbose  bool
	active   bool
	host     string
	requests int
	retries  int
	throttle int
	waited   time.Duration
	lastDraw time.Time
}

func newProgress(g *globals, e *env) *progress {
	return &progress{e: e, tty: e.errTTY && !g.quiet, verbose: g.verbose}
}

func (p *progress) start(host string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = true
	p.host = host
	if p.verbose {
		fmt.Fprintf(p.e.stderr, "hogaudit: collecting from %s\n", host)
	}
	p.draw(true)
}

func (p *progress) observe(ev posthog.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Kind {
	case posthog.EventResponse:
		p.requests++
		if p.verbose && !p.tty {
			fmt.Fprintf(p.e.stderr, "hogaudit: %s %s → %d\n", ev.Method, ev.Path, ev.Status)
		}
	case posthog.EventRetry:
		p.retries++
		if p.verbose && !p.tty {
			fmt.Fprintf(p.e.stderr, "hogaudit: retrying %s %s in %s (attempt %d)\n", ev.Method, ev.Path, ev.Wait.Round(time.Millisecond), ev.Attempt+1)
		}
	case posthog.EventThrottled, posthog.EventRateWait:
		p.throttle++
		p.waited += ev.Wait
		if p.verbose && !p.tty {
			why := "posthog asked to slow down"
			if ev.Kind == posthog.EventRateWait {
				why = "keeping under --rate"
			}
			fmt.Fprintf(p.e.stderr, "hogaudit: waiting %s before %s %s (%s)\n", ev.Wait.Round(time.Millisecond), ev.Method, ev.Path, why)
		}
	}
	p.draw(false)
}

// draw redraws the terminal line at most ten times a second.
func (p *progress) draw(force bool) {
	if !p.tty || !p.active {
		return
	}
	now := time.Now()
	if !force && now.Sub(p.lastDraw) < 100*time.Millisecond {
		return
	}
	p.lastDraw = now
	fmt.Fprintf(p.e.stderr, "\r\033[Khogaudit: collecting from %s: %s", p.host, p.summary())
}

func (p *progress) summary() string {
	s := fmt.Sprintf("%d requests", p.requests)
	if p.retries > 0 {
		s += fmt.Sprintf(", %d retries", p.retries)
	}
	if p.throttle > 0 {
		s += fmt.Sprintf(", throttled %d× (%s)", p.throttle, p.waited.Round(time.Second))
	}
	return s
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return
	}
	p.active = false
	switch {
	case p.tty:
		fmt.Fprintf(p.e.stderr, "\r\033[Khogaudit: collected from %s: %s\n", p.host, p.summary())
	case p.verbose:
		fmt.Fprintf(p.e.stderr, "hogaudit: collected: %s\n", p.summary())
	}
}
