package posthog_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// maxInWindow returns the largest number of times within any window
// [t, t+d).
func maxInWindow(times []time.Time, d time.Duration) int {
	most := 0
	for i, t := range times {
		n := 0
		for _, u := range times[i:] {
			if u.Sub(t) < d {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// concurrently runs n calls at once and returns their errors.
func concurrently(n int, call func() error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = call() })
	}
	wg.Wait()
	return errs
}

func TestBudgetRateSlidingWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		ev := &events{}
		c := inMemory(t, sim, token, posthog.WithBudget(posthog.NewBudget(4, 5)), posthog.WithObserver(ev.observe))
		start := time.Now()
		for _, err := range concurrently(12, func() error {
			_, err := c.CurrentPersonalAPIKey(t.Context())
			return err
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		times := sim.Stats().Times
		if len(times) != 12 {
			t.Fatalf("%d requests, want 12", len(times))
		}
		if n := maxInWindow(times, time.Minute); n > 5 {
			t.Errorf("%d requests within a minute, want at most 5: %v", n, times)
		}
		for i, at := range times[:5] {
			if !at.Equal(start) {
				t.Errorf("request %d started after %v, want no delay for the first 5", i, at.Sub(start))
			}
		}
		// NewBudget counts a request MarginFor(a minute) longer than the
		// minute: 300 ms more per minute of waiting.
		if took, want := time.Since(start), 2*(time.Minute+posthog.MarginFor(time.Minute)); took != want {
			t.Errorf("12 requests at 5/min took %v, want %v", took, want)
		}
		// Four requests wait for the second minute while they hold the four
		// slots; the last two of the twelve wait for the third minute. A
		// request is reported once however long it waits, and one that
		// gets a slot as a window opens may go before a waiting one (the
		// budget is not FIFO), so the seven sent after the first minute
		// report 4 (the four that held the slots through the first minute)
		// to 7 waits.
		waits := ev.kinds(posthog.EventRateWait)
		if len(waits) < 4 || len(waits) > 7 {
			t.Errorf("%d rate-wait events, want 4 to 7", len(waits))
		}
		for _, w := range waits {
			if w.Wait <= 0 || w.Wait > 2*time.Minute {
				t.Errorf("rate wait %v out of range", w.Wait)
			}
		}
	})
}

func TestBudgetSmallRunIsNeverSlowed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		c := inMemory(t, sim, token, posthog.WithBudget(posthog.NewBudget(8, 400)))
		start := time.Now()
		for range 399 {
			if _, err := c.CurrentPersonalAPIKey(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("399 requests under a 400/min budget took %v, want no wait", took)
		}
	})
}

func TestBudgetHourWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		b := posthog.NewBudgetWindows(2,
			posthog.Window{Requests: 3, Per: time.Minute},
			posthog.Window{Requests: 5, Per: time.Hour})
		c := inMemory(t, sim, token, posthog.WithBudget(b))
		start := time.Now()
		for range 7 {
			if _, err := c.CurrentPersonalAPIKey(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		want := []time.Duration{0, 0, 0, time.Minute, time.Minute, time.Hour, time.Hour}
		for i, at := range sim.Stats().Times {
			if got := at.Sub(start); got != want[i] {
				t.Errorf("request %d started at +%v, want +%v", i, got, want[i])
			}
		}
	})
}

func TestBudgetCancelledWaitFreesItsSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		c := inMemory(t, sim, token, posthog.WithBudget(posthog.NewBudgetWindows(1, posthog.Window{Requests: 1, Per: time.Minute})))
		start := time.Now()
		if _, err := c.CurrentPersonalAPIKey(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if _, err := c.CurrentPersonalAPIKey(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want DeadlineExceeded", err)
		}
		if took := time.Since(start); took != 10*time.Second {
			t.Errorf("cancelled wait returned after %v, want 10s", took)
		}
		// The cancelled request's reservation is released: the next one
		// starts a minute after the first, not two.
		if _, err := c.CurrentPersonalAPIKey(t.Context()); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != time.Minute {
			t.Errorf("next request started at +%v, want +1m", took)
		}
		if n := sim.Stats().Requests; n != 2 {
			t.Errorf("%d requests reached the server, want 2", n)
		}
	})
}

func TestBudgetConcurrencyCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()), posthogsim.WithLatency(50*time.Millisecond))
		b := posthog.NewBudget(3, 0)
		// Two clients, two keys, one budget.
		c1 := inMemory(t, sim, token, posthog.WithBudget(b))
		c2 := inMemory(t, sim, posthogsim.AcmeBIKeyToken, posthog.WithBudget(b))
		n := 0
		var mu sync.Mutex
		for _, err := range concurrently(20, func() error {
			mu.Lock()
			c := c1
			if n++; n%2 == 0 {
				c = c2
			}
			mu.Unlock()
			_, err := c.CurrentPersonalAPIKey(t.Context())
			return err
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := sim.Stats().MaxInFlight; got != 3 {
			t.Errorf("MaxInFlight = %d, want 3", got)
		}
	})
}

func TestServerThrottleAndClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()), posthogsim.WithThrottle(3, time.Minute))
		ev := &events{}
		c := inMemory(t, sim, token, posthog.WithBudget(posthog.NewBudget(1, 0)), posthog.WithObserver(ev.observe))
		start := time.Now()
		for range 5 {
			if _, err := c.CurrentPersonalAPIKey(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if took := time.Since(start); took != time.Minute {
			t.Errorf("took %v, want 1m", took)
		}
		if th := ev.kinds(posthog.EventThrottled); len(th) != 1 || th[0].Wait != time.Minute {
			t.Errorf("throttled events = %+v", th)
		}
	})
}

func TestNewBudgetDefaults(t *testing.T) {
	if got := posthog.NewBudget(0, 0).Concurrency(); got != 1 {
		t.Errorf("concurrency 0 → %d, want 1", got)
	}
	if got := posthog.NewBudget(8, 400).Concurrency(); got != 8 {
		t.Errorf("concurrency = %d, want 8", got)
	}
	c, err := posthog.New("https://us.posthog.com", token)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Budget().Concurrency(); got != 8 {
		t.Errorf("default budget concurrency = %d, want 8", got)
	}
}
