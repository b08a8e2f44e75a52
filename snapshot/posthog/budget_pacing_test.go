package posthog_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// delayed is a transport in front of the simulator that holds the i-th
// request (in the order they are sent) for before(i) on its way to the
// server, records its arrival there, and holds the response for after(i):
// the server counts a request somewhere between when it left and when its
// response completed.
type delayed struct {
	inner         http.RoundTripper
	before, after func(i int) time.Duration

	mu       sync.Mutex
	n        int
	arrivals []time.Time
}

func (d *delayed) RoundTrip(req *http.Request) (*http.Response, error) {
	d.mu.Lock()
	i := d.n
	d.n++
	d.mu.Unlock()
	time.Sleep(d.before(i))
	d.mu.Lock()
	d.arrivals = append(d.arrivals, time.Now())
	d.mu.Unlock()
	resp, err := d.inner.RoundTrip(req)
	time.Sleep(d.after(i))
	return resp, err
}

// delayedClient returns a client whose requests go through d to the
// simulator, within budget b. Call it inside a synctest bubble.
func delayedClient(t *testing.T, d *delayed, b *posthog.Budget) *posthog.Client {
	t.Helper()
	sim := posthogsim.New(posthogsim.Acme(time.Now()))
	hc, base, closeFn := sim.InMemory()
	t.Cleanup(closeFn)
	d.inner = hc.Transport
	c, err := posthog.New(base, token, posthog.WithHTTPClient(&http.Client{Transport: d}), posthog.WithBudget(b))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A request the server counts late (it arrives long after it left) must not
// share the server's window with requests sent a window after it left:
// pacing on completions keeps every window of the server's arrivals within
// the limit, where pacing on planned starts let twice the limit in.
func TestBudgetPacesOnCompletionNotStart(t *testing.T) {
	const n, slow = 5, 10 * time.Second
	before := func(i int) time.Duration {
		if i < n {
			return slow // the first n reach the server 10 s after they left
		}
		return 0
	}
	none := func(int) time.Duration { return 0 }

	// The near miss: the old rule (a request may start when fewer than n
	// started in the last minute) starts requests n..2n-1 at +1m; they
	// arrive at +1m, within a minute of the first n's arrival at +10s.
	var oldStarts, oldArrivals []time.Time
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2 * n {
		at := t0
		if i >= n {
			at = oldStarts[i-n].Add(time.Minute)
		}
		oldStarts = append(oldStarts, at)
		oldArrivals = append(oldArrivals, at.Add(before(i)))
	}
	if got := maxInWindow(oldArrivals, time.Minute); got != 2*n {
		t.Fatalf("the planned-start model puts %d arrivals in a minute, want %d (the scenario lost its edge)", got, 2*n)
	}

	synctest.Test(t, func(t *testing.T) {
		d := &delayed{before: before, after: none}
		c := delayedClient(t, d, posthog.NewBudgetWindows(n, posthog.Window{Requests: n, Per: time.Minute}))
		start := time.Now()
		for _, err := range concurrently(2*n, func() error {
			_, err := c.CurrentPersonalAPIKey(t.Context())
			return err
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := maxInWindow(d.arrivals, time.Minute); got > n {
			t.Errorf("%d arrivals within a minute, want at most %d: %v", got, n, d.arrivals)
		}
		// Not slower than needed either: the second n leave exactly a
		// minute after the first n completed.
		if took, want := time.Since(start), slow+time.Minute; took != want {
			t.Errorf("took %v, want %v", took, want)
		}
	})
}

// A request whose response is slow counts until a window after it
// completed, even when the server counted it at once.
func TestBudgetCountsSlowResponsesUntilTheyComplete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slowAfter := func(i int) time.Duration {
			if i == 0 {
				return 20 * time.Second
			}
			return 0
		}
		d := &delayed{before: func(int) time.Duration { return 0 }, after: slowAfter}
		c := delayedClient(t, d, posthog.NewBudgetWindows(1, posthog.Window{Requests: 1, Per: time.Minute}))
		start := time.Now()
		for range 2 {
			if _, err := c.CurrentPersonalAPIKey(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := d.arrivals[1].Sub(start), 20*time.Second+time.Minute; got != want {
			t.Errorf("second request sent at +%v, want +%v (a minute after the first completed)", got, want)
		}
	})
}

// More requests in flight than a window allows: the next one waits for a
// completion (no timer can say when), then for the window.
func TestBudgetWaitsForCompletionWhenTheWindowIsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()), posthogsim.WithLatency(30*time.Second))
		ev := &events{}
		c := inMemory(t, sim, token, posthog.WithBudget(posthog.NewBudgetWindows(4, posthog.Window{Requests: 2, Per: time.Minute})), posthog.WithObserver(ev.observe))
		start := time.Now()
		for _, err := range concurrently(3, func() error {
			_, err := c.CurrentPersonalAPIKey(t.Context())
			return err
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		times := sim.Stats().Times
		if len(times) != 3 {
			t.Fatalf("%d requests, want 3", len(times))
		}
		// The first two complete at +30s (latency); the third leaves a
		// minute after them.
		if got := times[2].Sub(start); got < 90*time.Second {
			t.Errorf("third request reached the server at +%v, want no earlier than +1m30s (sent at +1m30s)", got)
		}
		if w := ev.kinds(posthog.EventRateWait); len(w) != 1 || w[0].Wait != 0 {
			t.Errorf("rate waits = %+v, want one of unknown length (0)", w)
		}
	})
}

// Retries are attempts: each counts in the window.
func TestBudgetCountsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		sim.Inject(posthogsim.Fault{Path: "/personal_api_keys/", Times: 1, Kind: posthogsim.Fault500})
		c := inMemory(t, sim, token, posthog.WithBudget(posthog.NewBudgetWindows(1, posthog.Window{Requests: 2, Per: time.Minute})))
		start := time.Now()
		for range 2 {
			if _, err := c.CurrentPersonalAPIKey(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		times := sim.Stats().Times
		if len(times) != 3 {
			t.Fatalf("%d attempts reached the server, want 3 (one retried)", len(times))
		}
		// The failed attempt and its retry fill the window: the second
		// request waits a minute from the first attempt.
		if got := times[2].Sub(start); got != time.Minute {
			t.Errorf("second request at +%v, want +1m", got)
		}
	})
}

// Held is wall time with at least one request held back, not the sum of
// the waits of the requests held at once.
func TestBudgetHeldIsWallTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		b := posthog.NewBudgetWindows(4, posthog.Window{Requests: 1, Per: time.Minute})
		c := inMemory(t, sim, token, posthog.WithBudget(b))
		for _, err := range concurrently(4, func() error {
			_, err := c.CurrentPersonalAPIKey(t.Context())
			return err
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		// Three requests wait 1, 2 and 3 minutes (6 summed); something
		// was held back for the 3 minutes of the run.
		if got := b.Held(); got != 3*time.Minute {
			t.Errorf("Held = %v, want 3m", got)
		}
	})
}

// A 429's wait counts as held-back time too, and pauses the budget.
func TestBudgetHeldCountsThrottling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		sim.Inject(posthogsim.Fault{Path: "/personal_api_keys/", Times: 1, Kind: posthogsim.Fault429, Seconds: 7})
		b := posthog.NewBudget(1, 0)
		c := inMemory(t, sim, token, posthog.WithBudget(b))
		if _, err := c.CurrentPersonalAPIKey(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := b.Held(); got != 7*time.Second {
			t.Errorf("Held = %v, want 7s", got)
		}
	})
}

// Schedule is the run's real duration when nothing else interferes.
func TestBudgetScheduleMatchesTheRun(t *testing.T) {
	const latency = time.Second
	for _, c := range []struct {
		name    string
		b       func() *posthog.Budget
		n       int
		want    time.Duration
		already int // requests sent (and completed) before Schedule is asked
	}{
		// 2 at a time, 3 a minute: 0,0 → +1 → +61,+61 → +62 → +122; done +123.
		{"window", func() *posthog.Budget {
			return posthog.NewBudgetWindows(2, posthog.Window{Requests: 3, Per: time.Minute})
		}, 7, 123 * time.Second, 0},
		// No window: 7 at 2 at a time take 4 round trips.
		{"concurrency only", func() *posthog.Budget { return posthog.NewBudget(2, 0) }, 7, 4 * time.Second, 0},
		// Two already sent, completed at +1s and +2s: at +2s the third may
		// go at once, the fourth a minute after the first completed (+61s),
		// done at +62s: 60s from now.
		{"after earlier requests", func() *posthog.Budget {
			return posthog.NewBudgetWindows(2, posthog.Window{Requests: 3, Per: time.Minute})
		}, 2, 60 * time.Second, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim := posthogsim.New(posthogsim.Acme(time.Now()), posthogsim.WithLatency(latency))
				b := c.b()
				cl := inMemory(t, sim, token, posthog.WithBudget(b))
				for range c.already {
					if _, err := cl.CurrentPersonalAPIKey(t.Context()); err != nil {
						t.Fatal(err)
					}
				}
				if c.already > 0 && b.Latency() != latency {
					t.Errorf("Latency = %v, want %v", b.Latency(), latency)
				}
				eta := b.Schedule(c.n, latency)
				if eta != c.want {
					t.Errorf("Schedule(%d) = %v, want %v", c.n, eta, c.want)
				}
				start := time.Now()
				for _, err := range concurrently(c.n, func() error {
					_, err := cl.CurrentPersonalAPIKey(t.Context())
					return err
				}) {
					if err != nil {
						t.Fatal(err)
					}
				}
				if took := time.Since(start); took != eta {
					t.Errorf("the run took %v, Schedule said %v", took, eta)
				}
			})
		})
	}
}

func TestBudgetScheduleHourWindow(t *testing.T) {
	// PostHog's limits without latency: 4,800 requests fit in the first
	// hour's minute windows (10 minutes), the 4,801st waits for the hour.
	b := posthog.NewBudget(8, 480)
	m := posthog.MarginFor(time.Minute)
	if got, want := b.Schedule(480, 0), time.Duration(0); got != want {
		t.Errorf("Schedule(480) = %v, want %v", got, want)
	}
	if got, want := b.Schedule(4800, 0), 9*(time.Minute+m); got != want {
		t.Errorf("Schedule(4800) = %v, want %v", got, want)
	}
	if got, want := b.Schedule(4801, 0), time.Hour+posthog.MarginFor(time.Hour); got != want {
		t.Errorf("Schedule(4801) = %v, want %v", got, want)
	}
}

func TestWindowsArePostHogsLimits(t *testing.T) {
	ws := posthog.NewBudget(8, posthog.DefaultPerMinute).Windows()
	if len(ws) != 2 || ws[0].Requests != 480 || ws[0].Per != time.Minute || ws[1].Requests != 4800 || ws[1].Per != time.Hour {
		t.Fatalf("default windows = %+v, want 480/min and 4800/h", ws)
	}
	if ws[0].Margin != 300*time.Millisecond || ws[1].Margin != 18*time.Second {
		t.Errorf("margins = %v, %v, want 300ms and 18s", ws[0].Margin, ws[1].Margin)
	}
	if ws := posthog.NewBudget(8, 0).Windows(); ws != nil {
		t.Errorf("--rate 0 windows = %+v, want none", ws)
	}
}

func TestIsCloudHost(t *testing.T) {
	for host, want := range map[string]bool{
		"https://us.posthog.com":       true,
		"us.posthog.com":               true,
		"https://eu.posthog.com/api/":  true,
		"https://app.posthog.com":      true,
		"https://us.i.posthog.com":     true,
		"https://EU.I.POSTHOG.COM:443": true,
		"https://posthog.example.com":  false,
		"https://posthog.com.evil.io":  false,
		"http://127.0.0.1:8000":        false,
		"https://myposthog.com":        false,
		"":                             true, // unparsable: the strict limits
	} {
		if got := posthog.IsCloudHost(host); got != want {
			t.Errorf("IsCloudHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// The client keeps as many idle connections as requests run at once: a
// run of rounds of 8 concurrent requests opens 8 connections, not new ones
// every round. The near miss, a transport with Go's default pool of 2 idle
// connections per host, opens new ones every round.
func TestClientPoolIsSizedToConcurrency(t *testing.T) {
	const conc, rounds = 8, 4
	run := func(t *testing.T, opts ...posthog.Option) int64 {
		var opened atomic.Int64
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		gate := make(chan struct{})
		var mu sync.Mutex
		waiting := 0
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Hold each round until all of it arrived, so that the
			// round needs conc connections at once.
			mu.Lock()
			waiting++
			if waiting == conc {
				waiting = 0
				close(gate)
				gate = make(chan struct{})
				mu.Unlock()
			} else {
				g := gate
				mu.Unlock()
				<-g
			}
			sim.ServeHTTP(w, r)
		}))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				opened.Add(1)
			}
		}
		srv.Start()
		defer srv.Close()
		c, err := posthog.New(srv.URL, token, append([]posthog.Option{posthog.WithBudget(posthog.NewBudget(conc, 0))}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		for range rounds {
			for _, err := range concurrently(conc, func() error {
				_, err := c.CurrentPersonalAPIKey(t.Context())
				return err
			}) {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		return opened.Load()
	}
	// A connection goes back to the pool shortly after its body was read
	// (net/http's read loop), so a round may now and then dial before the
	// last one's are idle again: allow up to twice conc. The default pool
	// dials conc-2 new ones every round: 8+3×6 = 26.
	if got := run(t); got < conc || got >= 2*conc {
		t.Errorf("%d connections opened for %d rounds of %d, want %d (less than %d)", got, rounds, conc, conc, 2*conc)
	}
	def := http.DefaultTransport.(*http.Transport).Clone()
	if got := run(t, posthog.WithHTTPClient(&http.Client{Transport: def})); got < 2*conc {
		t.Errorf("near miss: the default pool opened only %d connections, want at least %d", got, 2*conc)
	}
}
