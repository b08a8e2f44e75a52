package posthog

import (
	"context"
	"sync"
	"time"
)

// Window is one sliding rate window: at most Requests requests may start in
// any period of length Per.
type Window struct {
	Requests int
	Per      time.Duration
}

// Budget is the request budget of one run, shared by every goroutine and
// every Client that uses it (the scanning key's and the audit keys'), because
// PostHog's limits apply to the whole organization.
//
// It bounds the number of requests in flight (a semaphore), and the rate at
// which requests start with a sliding-window log: a request may start only
// while fewer than Requests requests started in the last Per, for every
// window. A run of fewer requests than a window allows is therefore never
// slowed, and a longer one paces itself to the limit; unlike a token bucket,
// no window ever sees more than its limit. Every attempt counts, retries
// included. When PostHog answers 429, the Budget holds every new request back
// until PostHog said it would accept requests again.
//
// A Budget is safe for concurrent use. Create it where it is used: inside a
// testing/synctest bubble when the test runs in one.
type Budget struct {
	sem     chan struct{}
	windows []Window
	maxReq  int
	maxPer  time.Duration

	mu     sync.Mutex
	starts []time.Time // start times, past and reserved, ascending
	paused time.Time   // no request starts before this
}

// The request budget's defaults and PostHog's limit.
const (
	// DefaultConcurrency is the number of requests a run lets be in flight
	// at once by default.
	DefaultConcurrency = 8
	// DefaultPerMinute is the number of requests a run lets start in any
	// minute by default: below LimitPerMinute, leaving room for the other
	// tools that use the organization's keys.
	DefaultPerMinute = 400
	// LimitPerMinute is PostHog's own limit on a personal API key's
	// requests: 480 a minute (BurstRateThrottle) and ten times that an hour
	// (SustainedRateThrottle), posthog/rate_limit.py.
	LimitPerMinute = 480
)

// NewBudget returns a Budget allowing concurrency requests in flight and
// perMinute request starts per 60 seconds and 10*perMinute per hour (the
// ratio of PostHog's own limits, 480/min and 4800/h). perMinute <= 0 means no
// rate limit; concurrency < 1 means 1.
func NewBudget(concurrency, perMinute int) *Budget {
	if perMinute <= 0 {
		return NewBudgetWindows(concurrency)
	}
	return NewBudgetWindows(concurrency,
		Window{Requests: perMinute, Per: time.Minute},
		Window{Requests: 10 * perMinute, Per: time.Hour})
}

// NewBudgetWindows returns a Budget allowing concurrency requests in flight
// (at least 1) and obeying every window; windows with no requests or no
// period are ignored.
func NewBudgetWindows(concurrency int, windows ...Window) *Budget {
	concurrency = max(concurrency, 1)
	b := &Budget{sem: make(chan struct{}, concurrency)}
	for _, w := range windows {
		if w.Requests > 0 && w.Per > 0 {
			b.windows = append(b.windows, w)
			b.maxReq = max(b.maxReq, w.Requests)
			b.maxPer = max(b.maxPer, w.Per)
		}
	}
	return b
}

// Concurrency returns the number of requests the Budget lets run at once.
func (b *Budget) Concurrency() int { return cap(b.sem) }

// acquire waits for a free slot, then for the rate windows, and returns the
// function that frees the slot. onWait is called before a rate wait. The
// caller must send its request as soon as acquire returns: the start time is
// recorded as now.
func (b *Budget) acquire(ctx context.Context, onWait func(time.Duration)) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release = func() { <-b.sem }
	at, logged := b.reserve()
	if wait := time.Until(at); wait > 0 {
		if onWait != nil {
			onWait(wait)
		}
		if err := sleep(ctx, wait); err != nil {
			if logged {
				b.cancel(at)
			}
			release()
			return nil, err
		}
	}
	return release, nil
}

// reserve picks the earliest start time that keeps every window within its
// limit, records it, and reports whether it was logged.
func (b *Budget) reserve() (at time.Time, logged bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	at = now
	if b.paused.After(at) {
		at = b.paused
	}
	if len(b.windows) == 0 {
		return at, false
	}
	b.trim(now)
	n := len(b.starts)
	if n > 0 && b.starts[n-1].After(at) {
		at = b.starts[n-1]
	}
	for _, w := range b.windows {
		// The w.Requests-th most recent start must have left the window
		// (t-Per, t] before a new request may start at t.
		if n >= w.Requests {
			if t := b.starts[n-w.Requests].Add(w.Per); t.After(at) {
				at = t
			}
		}
	}
	b.starts = append(b.starts, at)
	return at, true
}

// trim forgets starts that no window can still see.
func (b *Budget) trim(now time.Time) {
	i := 0
	for i < len(b.starts) && (len(b.starts)-i > b.maxReq || !b.starts[i].After(now.Add(-b.maxPer))) {
		i++
	}
	b.starts = b.starts[i:]
}

// cancel forgets a reservation that was not used.
func (b *Budget) cancel(at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.starts) - 1; i >= 0; i-- {
		if b.starts[i].Equal(at) {
			b.starts = append(b.starts[:i], b.starts[i+1:]...)
			return
		}
	}
}

// pause holds every request back until t.
func (b *Budget) pause(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.After(b.paused) {
		b.paused = t
	}
}

// sleep waits for d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
