package snapshot_test

import (
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The rate of TestServerWindowNeverOverRate: a --rate of rateTestPerMinute
// requests a minute (and ten times that an hour, as NewBudget derives it),
// with time running rateTestScale times as fast on both sides, so that a
// simulated minute lasts a second and the 150 ms latency 2.5 ms.
const (
	rateTestPerMinute = 40
	rateTestScale     = 60
)

// rateTestBudget is the client budget of a --rate of perMinute, k times
// faster: the windows posthog.NewBudget(8, perMinute) has (posthog.Windows,
// margins included), scaled.
func rateTestBudget(perMinute int, k float64) *posthog.Budget {
	return posthog.NewBudgetWindows(8, scaledBudgetWindows(perMinute, k)...)
}

// TestServerWindowNeverOverRate (issue 13): a collection through the real
// client and snapshot.Collect that spans several minutes on the simulated
// server's own clock never puts more than --rate requests in any 60-second
// window of that clock, and so is never throttled by a server that enforces
// exactly that rate. Time is scaled (rateTestScale) on both sides so that
// it runs in seconds.
func TestServerWindowNeverOverRate(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of real time")
	}
	t.Parallel()
	// Each run gets its own organization: the simulator writes the key's
	// last_used_at into it.
	newOrg := func() *posthogsim.Org {
		return posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 300, Projects: 50, Seed: 5, Now: refNow})
	}
	lat := time.Duration(float64(benchLatency) / rateTestScale)

	t.Run("unthrottled server", func(t *testing.T) {
		t.Parallel()
		// The server only counts: every request the client sends is in its
		// log, on its own clock.
		clk := newScaledClock(rateTestScale)
		run := collectThrough(t, newOrg(), rateTestBudget(rateTestPerMinute, rateTestScale),
			posthogsim.WithLatency(lat), posthogsim.WithClock(clk.now))
		if run.requests < 3*rateTestPerMinute+1 {
			t.Fatalf("the run made %d requests, fewer than the %d that span three windows of %d", run.requests, 3*rateTestPerMinute+1, rateTestPerMinute)
		}
		if run.span < 3*time.Minute {
			t.Fatalf("the run spanned %v of the server's clock, not three windows", run.span)
		}
		if run.maxMinute > rateTestPerMinute {
			t.Errorf("the server saw %d requests in one 60-second window of its clock, over the --rate of %d (%d requests in all)",
				run.maxMinute, rateTestPerMinute, run.requests)
		}
		// The run must use the rate, not crawl under it: the busiest minute
		// holds at least 90% of it.
		if run.maxMinute < rateTestPerMinute*9/10 {
			t.Errorf("the busiest 60-second window held %d requests, under 90%% of the --rate of %d", run.maxMinute, rateTestPerMinute)
		}
	})

	t.Run("server throttling at the rate", func(t *testing.T) {
		t.Parallel()
		clk := newScaledClock(rateTestScale)
		run := collectThrough(t, newOrg(), rateTestBudget(rateTestPerMinute, rateTestScale),
			posthogsim.WithLatency(lat), posthogsim.WithClock(clk.now),
			posthogsim.WithThrottleWindows(
				posthogsim.ThrottleWindow{Requests: rateTestPerMinute, Per: time.Minute},
				posthogsim.ThrottleWindow{Requests: 10 * rateTestPerMinute, Per: time.Hour}))
		if run.throttled > 0 {
			t.Errorf("%d of %d requests were throttled (429) by a server enforcing the --rate of %d", run.throttled, run.requests, rateTestPerMinute)
		}
	})

	// Near miss: the same collection without a client rate limit does put
	// more than the rate in a server minute, so the statistic can fail.
	t.Run("no client limit", func(t *testing.T) {
		t.Parallel()
		clk := newScaledClock(rateTestScale)
		run := collectThrough(t, newOrg(), posthog.NewBudget(8, 0), posthogsim.WithLatency(lat), posthogsim.WithClock(clk.now))
		if run.maxMinute <= rateTestPerMinute {
			t.Errorf("without a client limit the busiest 60-second window held only %d requests, not over %d: the test cannot tell", run.maxMinute, rateTestPerMinute)
		}
	})
}
