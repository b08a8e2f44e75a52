package posthog

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Window is one sliding rate window as the server keeps it: at most
// Requests requests may arrive in any period of length Per.
//
// The client cannot see when a request arrives, only that it arrived after
// it was sent and before its response completed. A Budget therefore counts a
// request as inside the server's window from the moment it is sent until
// Per + Margin after its response completed: a new request may be sent only
// while fewer than Requests requests are inside by that count. Margin covers
// the difference between the client's and the server's clocks.
type Window struct {
	Requests int
	Per      time.Duration
	// Margin is added to Per after a request completed (0: none).
	Margin time.Duration
}

// MarginFor is the safety margin NewBudget adds to a window of length per:
// 0.5% of it, 300 ms on a minute and 18 s on an hour.
//
// PostHog counts a request by the clock of the web server that handled it
// (DRF's SimpleRateThrottle, time.time() at arrival) and shares the history
// between servers through its cache, so a window the client paces exactly
// can look up to the clocks' offset and drift longer to PostHog. Quartz
// clocks drift by at most about 100 ppm and NTP keeps servers within a few
// milliseconds of each other; 0.5% covers a rate difference of 5,000 ppm,
// or an offset of 300 ms between two of PostHog's servers, and costs 0.5% of
// the throughput of a run that fills the window. It is proportional, so a
// time-scaled simulation keeps the same margin.
func MarginFor(per time.Duration) time.Duration { return per / 200 }

// Budget is the request budget of one run, shared by every goroutine and
// every Client that uses it (the scanning key's and the audit keys'). PostHog
// keys its throttle by personal API key (posthog/rate_limit.py), but its
// documentation says the limits apply to the whole team, so the run spends
// one budget across its keys.
//
// It bounds the number of requests in flight (a semaphore), and the rate at
// which requests are sent: for every window, a request may be sent only
// while fewer than Requests requests are in flight or completed less than
// Per + Margin ago. This holds whenever the server counts a request, at any
// point between sending and completion, so no window of the server ever sees
// more than its limit, whatever the latency. A run of fewer requests than a
// window allows is never slowed. Every attempt counts, retries included:
// PostHog records a request rejected by one window in the others. When
// PostHog answers 429, the Budget holds every new request back until PostHog
// said it would accept requests again.
//
// A Budget is safe for concurrent use. Create it where it is used: inside a
// testing/synctest bubble when the test runs in one.
type Budget struct {
	sem     chan struct{}
	windows []Window
	maxReq  int
	maxSpan time.Duration // the longest Per + Margin

	mu       sync.Mutex
	inFlight int         // requests sent and not completed
	done     []time.Time // completion times, ascending, as long as a window sees them
	paused   time.Time   // no request is sent before this
	changed  chan struct{}

	// Latency statistics: the sum and number of completed attempts.
	latencySum time.Duration
	latencyN   int

	// Held-back wall time: while held > 0, heldSince is when it became so.
	held      int
	heldSince time.Time
	heldTotal time.Duration
}

// The request budget's defaults and PostHog's limit.
const (
	// DefaultConcurrency is the number of requests a run lets be in flight
	// at once by default.
	DefaultConcurrency = 8
	// DefaultPerMinute is the number of requests a run lets be sent in any
	// minute by default: PostHog's own limit. The Budget's margin (MarginFor)
	// keeps it under PostHog's count.
	DefaultPerMinute = LimitPerMinute
	// LimitPerMinute is PostHog's own limit on a personal API key's
	// requests: 480 a minute (BurstRateThrottle) and ten times that an hour
	// (SustainedRateThrottle), posthog/rate_limit.py.
	LimitPerMinute = 480
)

// Windows returns the windows NewBudget obeys for perMinute: perMinute per
// minute and 10*perMinute per hour (the ratio of PostHog's own limits,
// 480/min and 4800/h), each with MarginFor its length. perMinute <= 0: none.
func Windows(perMinute int) []Window {
	if perMinute <= 0 {
		return nil
	}
	return []Window{
		{Requests: perMinute, Per: time.Minute, Margin: MarginFor(time.Minute)},
		{Requests: 10 * perMinute, Per: time.Hour, Margin: MarginFor(time.Hour)},
	}
}

// NewBudget returns a Budget allowing concurrency requests in flight and
// obeying Windows(perMinute). perMinute <= 0 means no rate limit;
// concurrency < 1 means 1.
func NewBudget(concurrency, perMinute int) *Budget {
	return NewBudgetWindows(concurrency, Windows(perMinute)...)
}

// NewBudgetWindows returns a Budget allowing concurrency requests in flight
// (at least 1) and obeying every window as given (no margin is added);
// windows with no requests or no period are ignored.
func NewBudgetWindows(concurrency int, windows ...Window) *Budget {
	concurrency = max(concurrency, 1)
	b := &Budget{sem: make(chan struct{}, concurrency), changed: make(chan struct{})}
	for _, w := range windows {
		if w.Requests > 0 && w.Per > 0 {
			w.Margin = max(w.Margin, 0)
			b.windows = append(b.windows, w)
			b.maxReq = max(b.maxReq, w.Requests)
			b.maxSpan = max(b.maxSpan, w.Per+w.Margin)
		}
	}
	return b
}

// Concurrency returns the number of requests the Budget lets run at once.
func (b *Budget) Concurrency() int { return cap(b.sem) }

// Windows returns the rate windows the Budget obeys (nil: no rate limit).
func (b *Budget) Windows() []Window { return append([]Window(nil), b.windows...) }

// acquire waits for a free slot, then for the rate windows and any pause,
// and returns the function to call when the attempt completed: its
// response arrived, or it was abandoned. onWait is called once, before the
// first rate wait, with the wait as then known (0 when the wait lasts until
// a request in flight completes). The caller must send its request as soon
// as acquire returns: from then on it counts as in flight.
//
// release(late) frees the slot; late is how long after now the server may
// still count the attempt: 0 for one whose response arrived (the server
// has counted it), a bound for one abandoned without a response (a request
// timeout, a transport error), which may still be on its way to the server
// or queued in front of it. The attempt then stays inside every window
// until Per + Margin after now + late.
func (b *Budget) acquire(ctx context.Context, onWait func(time.Duration)) (release func(late time.Duration), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	waited := false
	defer func() {
		if waited {
			b.unhold()
		}
	}()
	for {
		b.mu.Lock()
		now := time.Now()
		at, known := b.earliest(now)
		if known && !at.After(now) {
			b.inFlight++
			b.mu.Unlock()
			sent := now
			return func(late time.Duration) { b.complete(sent, late) }, nil
		}
		changed := b.changed
		if !waited {
			waited = true
			b.holdLocked(now)
		}
		b.mu.Unlock()
		if onWait != nil {
			var d time.Duration
			if known {
				d = at.Sub(now)
			}
			onWait(d)
			onWait = nil
		}
		if err := b.waitChange(ctx, changed, at, known, now); err != nil {
			<-b.sem
			return nil, err
		}
	}
}

// waitChange waits until at (when known), until changed is closed (a
// request completed or a pause began), or until ctx is done.
func (b *Budget) waitChange(ctx context.Context, changed <-chan struct{}, at time.Time, known bool, now time.Time) error {
	var timer <-chan time.Time
	if known {
		t := time.NewTimer(at.Sub(now))
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
	case <-changed:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// earliest returns the earliest time a request may be sent, given the
// requests in flight and completed; known is false when that time depends on
// a request in flight completing. b.mu must be held.
func (b *Budget) earliest(now time.Time) (at time.Time, known bool) {
	b.trim(now)
	at = now
	if b.paused.After(at) {
		at = b.paused
	}
	for _, w := range b.windows {
		// The request would be the w.Requests-th inside the window with the
		// requests in flight and the w.Requests-1-inFlight latest completed.
		room := w.Requests - 1 - b.inFlight
		if room < 0 {
			return at, false
		}
		if len(b.done) > room {
			if t := b.done[len(b.done)-1-room].Add(w.Per + w.Margin); t.After(at) {
				at = t
			}
		}
	}
	return at, true
}

// trim forgets completions that no window can still see. b.mu must be held.
func (b *Budget) trim(now time.Time) {
	i := 0
	for i < len(b.done) && (len(b.done)-i > b.maxReq || !b.done[i].Add(b.maxSpan).After(now)) {
		i++
	}
	if i > 0 {
		b.done = append(b.done[:0], b.done[i:]...)
	}
}

// complete records that an attempt sent at sent completed now, to be
// counted by the windows as if it had completed at now + late (late > 0:
// abandoned, see acquire), frees its slot and wakes the requests waiting
// for the windows.
func (b *Budget) complete(sent time.Time, late time.Duration) {
	b.mu.Lock()
	now := time.Now()
	b.inFlight--
	if len(b.windows) > 0 {
		// done stays ascending: a late completion goes where it belongs.
		at := now.Add(max(late, 0))
		i, _ := slices.BinarySearchFunc(b.done, at, func(t, at time.Time) int { return t.Compare(at) })
		for i < len(b.done) && !b.done[i].After(at) {
			i++
		}
		b.done = slices.Insert(b.done, i, at)
	}
	if late <= 0 {
		b.latencySum += now.Sub(sent)
		b.latencyN++
	}
	b.wakeLocked()
	b.mu.Unlock()
	<-b.sem
}

// wakeLocked wakes every waiter so that it looks at the windows again.
// b.mu must be held.
func (b *Budget) wakeLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// pause holds every request back until t.
func (b *Budget) pause(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.After(b.paused) {
		b.paused = t
		b.wakeLocked()
	}
}

// hold sleeps for d (or until ctx is done) as a wait PostHog asked for: it
// counts as held-back time (Held).
func (b *Budget) hold(ctx context.Context, d time.Duration) error {
	b.mu.Lock()
	b.holdLocked(time.Now())
	b.mu.Unlock()
	defer b.unhold()
	return sleep(ctx, d)
}

func (b *Budget) holdLocked(now time.Time) {
	if b.held == 0 {
		b.heldSince = now
	}
	b.held++
}

func (b *Budget) unhold() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held--
	if b.held == 0 {
		b.heldTotal += time.Since(b.heldSince)
	}
}

// Held returns the wall time during which at least one request was held
// back, by the rate windows or by a wait PostHog asked for (429): time, not
// a sum over the waiting requests.
func (b *Budget) Held() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.heldTotal
	if b.held > 0 {
		d += time.Since(b.heldSince)
	}
	return d
}

// Latency returns the mean time from sending an attempt to its completion,
// over the attempts completed so far (0 before the first).
func (b *Budget) Latency() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.latencyN == 0 {
		return 0
	}
	return b.latencySum / time.Duration(b.latencyN)
}

// Schedule returns how long n more requests take at the earliest, from now,
// if each takes latency from sending to completion: the schedule that sends
// each request as soon as the concurrency, the windows (with the requests
// in flight and completed so far) and any pause allow. Requests in flight
// are assumed to complete latency from now. It is the ETA of a run that
// meets no retries and no other tool spending the same budget.
func (b *Budget) Schedule(n int, latency time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	latency = max(latency, 0)
	b.mu.Lock()
	now := time.Now()
	b.trim(now)
	paused := b.paused
	// Completion times, ascending: the real ones, then those of the
	// requests in flight, then the planned ones.
	done := make([]time.Time, 0, len(b.done)+b.inFlight+min(n, 2*b.maxReq+1))
	done = append(done, b.done...)
	slots := make([]time.Time, cap(b.sem)) // when each slot is free, ascending
	for i := range slots {
		slots[i] = now
	}
	for i := range b.inFlight {
		done = append(done, now.Add(latency))
		if i < len(slots) {
			slots[len(slots)-1-i] = now.Add(latency)
		}
	}
	b.mu.Unlock()
	sortTimes(slots)

	var last time.Time
	for range n {
		at := slots[0]
		if at.Before(now) {
			at = now
		}
		if paused.After(at) {
			at = paused
		}
		for _, w := range b.windows {
			if k := len(done) - w.Requests; k >= 0 {
				if t := done[k].Add(w.Per + w.Margin); t.After(at) {
					at = t
				}
			}
		}
		last = at.Add(latency)
		if len(done) >= 2*max(b.maxReq, 1) {
			// Only the latest maxReq completions matter: keep the slice short.
			done = append(done[:0], done[len(done)-b.maxReq:]...)
		}
		done = append(done, last)
		// Every start is at least the previous one and latency is
		// constant, so the freed slot goes last and slots stay sorted.
		copy(slots, slots[1:])
		slots[len(slots)-1] = last
	}
	return last.Sub(now)
}

// sortTimes sorts a few times ascending (insertion sort).
func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
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
