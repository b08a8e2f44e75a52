package snapshot_test

import (
	"bytes"
	"context"
	"flag"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var largeOrg = flag.Bool("large-org", false, "collect the 5,000-member, 300-project organization five times (make bench)")

// faultyCollection sizes TestCollectUnderRandomFaults.
type faultyCollection struct {
	members, projects, runs int
	// concurrency and rate are --concurrency and --rate.
	concurrency, rate int
}

// TestCollectUnderRandomFaults collects a synthetic organization several
// times from a simulated PostHog that delays every request by up to 400 ms
// and answers 5% of them 500 and 2% of them 429 (asking for a one-second
// wait), each run seeing other faults. Every collection must be complete
// and identical to the first but for collected_at and the scanning key's
// last_used_at (PostHog stamps it with each request), never have more than
// --concurrency requests in flight, and never start more than --rate
// requests in any minute. It runs in a testing/synctest bubble, so the
// latencies, retry waits and rate pacing cost no real time.
//
// `make test` runs a small organization; `make bench` runs the issue's
// 5,000 members and 300 projects five times (-large-org) and logs the
// figures.
func TestCollectUnderRandomFaults(t *testing.T) {
	t.Parallel()
	cfg := faultyCollection{members: 300, projects: 20, runs: 2, concurrency: 8, rate: 60}
	if *largeOrg {
		cfg.members, cfg.projects, cfg.runs, cfg.rate = 5000, 300, 5, 400
	} else if testing.Short() {
		t.Skip("collects an organization twice")
	}
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: cfg.members, Projects: cfg.projects, Seed: 11, Now: refNow})
	faults := posthogsim.RandomFaults{
		Seed: 2026, ServerErrors: 0.05, Throttles: 0.02, ThrottleWait: time.Second, MaxLatency: 400 * time.Millisecond,
	}
	realStart := time.Now()
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(org, posthogsim.WithRandomFaults(faults))
		hc, base, closeFn := sim.InMemory()
		defer closeFn()

		var first []byte
		for run := 1; run <= cfg.runs; run++ {
			sim.ResetStats()
			var (
				mu     sync.Mutex
				counts = map[string]int{}
			)
			observe := func(ev posthog.Event) {
				mu.Lock()
				defer mu.Unlock()
				switch {
				case ev.Kind == posthog.EventRetry:
					counts["retries"]++
				case ev.Kind == posthog.EventThrottled:
					counts["throttled"]++
				case ev.Kind == posthog.EventResponse && ev.Status == 500:
					counts["500"]++
				case ev.Kind == posthog.EventResponse && ev.Status == 429:
					counts["429"]++
				}
			}
			c, err := posthog.New(base, posthogsim.SyntheticScannerToken, posthog.WithHTTPClient(hc),
				posthog.WithBudget(posthog.NewBudget(cfg.concurrency, cfg.rate)), posthog.WithObserver(observe))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
			if err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			took := time.Since(start)
			if !s.Complete() || len(s.Members) != cfg.members || len(s.Projects) != cfg.projects {
				t.Fatalf("run %d: %d members, %d projects, missing %+v", run, len(s.Members), len(s.Projects), s.Missing)
			}

			st := sim.Stats()
			if st.MaxInFlight > cfg.concurrency {
				t.Errorf("run %d: %d requests in flight, --concurrency %d", run, st.MaxInFlight, cfg.concurrency)
			}
			perMinute := maxInWindow(st.Times, time.Minute)
			if perMinute > cfg.rate {
				t.Errorf("run %d: %d requests started within a minute, --rate %d", run, perMinute, cfg.rate)
			}
			if counts["retries"] == 0 || counts["throttled"] == 0 {
				t.Errorf("run %d: %d retries, %d throttled: the faults did not happen", run, counts["retries"], counts["throttled"])
			}

			b := comparable(t, s)
			if first == nil {
				first = b
			} else if !bytes.Equal(first, b) {
				t.Errorf("run %d collected another snapshot than run 1", run)
			}
			t.Logf("run %d: %v of simulated time, %d requests (%d answered 500, %d answered 429; %d retries after 5xx, %d after 429), "+
				"at most %d in flight (--concurrency %d), at most %d in a minute (--rate %d)",
				run, took.Round(time.Second), st.Requests, counts["500"], counts["429"], counts["retries"], counts["throttled"],
				st.MaxInFlight, cfg.concurrency, perMinute, cfg.rate)
		}
	})
	t.Logf("%d collections of %d members and %d projects took %v of real time (%v each)",
		cfg.runs, cfg.members, cfg.projects, time.Since(realStart).Round(time.Millisecond),
		(time.Since(realStart) / time.Duration(cfg.runs)).Round(time.Millisecond))
}

// comparable is s as JSON without what may differ between two collections
// of the same organization: collected_at, and the keys' last_used_at (each
// request stamps the scanning key) and introspected_at.
func comparable(t *testing.T, s *snapshot.Snapshot) []byte {
	t.Helper()
	c := *s
	c.CollectedAt = time.Time{}
	c.APIKeys = slices.Clone(s.APIKeys)
	for i := range c.APIKeys {
		c.APIKeys[i].LastUsedAt = nil
		c.APIKeys[i].IntrospectedAt = nil
	}
	b, err := snapshot.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// maxInWindow is the largest number of times within any period of length
// per: (t-per, t] for some t.
func maxInWindow(times []time.Time, per time.Duration) int {
	ts := slices.Clone(times)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= per {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

func TestMaxInWindow(t *testing.T) {
	t.Parallel()
	at := func(secs ...float64) []time.Time {
		var out []time.Time
		for _, s := range secs {
			out = append(out, refNow.Add(time.Duration(s*float64(time.Second))))
		}
		return out
	}
	for _, tt := range []struct {
		times []time.Time
		want  int
	}{
		{nil, 0},
		{at(0), 1},
		{at(0, 59.9, 60), 2}, // 0 has left the window when 60 starts
		{at(0, 1, 2, 30, 59), 5},
		{at(30, 0, 59, 61, 62), 4},
	} {
		if got := maxInWindow(tt.times, time.Minute); got != tt.want {
			t.Errorf("maxInWindow(%v) = %d, want %d", tt.times, got, tt.want)
		}
	}
}
