package snapshot_test

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/report"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var (
	benchScale        = flag.Float64("bench-scale", 1, "time factor of the throttled collection benchmarks: a simulated minute lasts a minute divided by this (BenchmarkCollectOrgs)")
	benchLatencyScale = flag.Float64("bench-latency-scale", 1, "time factor of BenchmarkCollectOrgs' 150 ms latency runs; 1 runs them in real time (the figures of docs/performance.md), more is for quick iterations")
	benchTable        = flag.String("bench-table", "", "write BenchmarkCollectOrgs' Markdown table to this file (make bench; docs/performance.md)")
	benchOrgs         = flag.String("bench-orgs", "", "comma-separated names of the organizations BenchmarkCollectOrgs collects (default all: 500x40,5000x300,20000x300,busy-5000x300)")
)

// benchLatency is the simulated round trip of the collection benchmarks.
const benchLatency = 150 * time.Millisecond

// benchOrg is one organization of BenchmarkCollectOrgs.
type benchOrg struct {
	name                string
	members, projects   int
	activityPerProject  int // 0: Synthetic's default, about ten
	activityDescription string
}

var benchCollectOrgs = []benchOrg{
	{name: "500x40", members: 500, projects: 40},
	{name: "5000x300", members: 5000, projects: 300},
	{name: "20000x300", members: 20000, projects: 300},
	{name: "busy-5000x300", members: 5000, projects: 300, activityPerProject: 1000, activityDescription: "1,000 activity rows per project"},
}

// scaledClock is a server clock running k times as fast as the real one,
// from base: the simulator's clock of a time-scaled run.
type scaledClock struct {
	start, base time.Time
	k           float64
}

func newScaledClock(k float64) scaledClock {
	return scaledClock{start: time.Now(), base: refNow, k: k}
}

func (c scaledClock) now() time.Time {
	return c.base.Add(time.Duration(float64(time.Since(c.start)) * c.k))
}

// collectRun is what one collection through the simulator measured.
type collectRun struct {
	requests  int           // requests the simulator received, every attempt
	throttled int           // requests the simulator answered 429
	wall      time.Duration // real time of snapshot.Collect
	maxMinute int           // most accepted requests in any simulated minute
	maxHour   int           // most accepted requests in any simulated hour
	span      time.Duration // first to last arrival, on the simulator's clock
}

// collectThrough collects org through a simulator served over loopback
// with the given options and client budget, and fails tb unless the
// snapshot is complete.
func collectThrough(tb testing.TB, org *posthogsim.Org, budget *posthog.Budget, opts ...posthogsim.Option) collectRun {
	tb.Helper()
	sim := posthogsim.New(org, opts...)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := posthog.New(srv.URL, posthogsim.SyntheticScannerToken, posthog.WithBudget(budget))
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
	wall := time.Since(start)
	if err != nil {
		tb.Fatal(err)
	}
	if len(s.Members) != len(org.Members) || len(s.Projects) != len(org.Projects) || !s.Complete() {
		tb.Fatalf("incomplete collection: %d of %d members, %d of %d projects, missing %+v",
			len(s.Members), len(org.Members), len(s.Projects), len(org.Projects), s.Missing)
	}
	st := sim.Stats()
	var span time.Duration
	if n := len(st.Times); n > 0 {
		span = st.Times[n-1].Sub(st.Times[0])
	}
	return collectRun{
		span:     span,
		requests: st.Requests, throttled: st.Throttled, wall: wall,
		maxMinute: sim.MaxInWindow(time.Minute), maxHour: sim.MaxInWindow(time.Hour),
	}
}

// earliestSchedule is the earliest time n requests can all have completed
// when at most concurrency are in flight, each takes latency, and no window
// sees more than its Requests starts in any period of its length (a start
// at t counts in (t-Per, t], as PostHog's throttle counts): the greedy
// schedule that starts every request as soon as all three allow, which is
// optimal because each constraint only depends on earlier starts. It
// ignores that some requests can only be sent after others have answered,
// so it is a lower bound on any client's wall time.
func earliestSchedule(n, concurrency int, latency time.Duration, windows []posthog.Window) time.Duration {
	if n <= 0 {
		return 0
	}
	starts := make([]time.Duration, n)
	for j := range starts {
		var at time.Duration
		if j > 0 {
			at = starts[j-1]
		}
		if j >= concurrency {
			at = max(at, starts[j-concurrency]+latency)
		}
		for _, w := range windows {
			if j >= w.Requests {
				at = max(at, starts[j-w.Requests]+w.Per)
			}
		}
		starts[j] = at
	}
	return starts[n-1] + latency
}

func TestEarliestSchedule(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		n, conc int
		windows []posthog.Window
		want    time.Duration
	}{
		{0, 8, nil, 0},
		{1, 8, nil, 150 * ms},
		{8, 8, nil, 150 * ms},
		{9, 8, nil, 300 * ms},
		{16, 8, nil, 300 * ms},
		// 480 in the first minute (60 rounds of 8, the last starting at
		// 8.85 s), the 481st at 60 s.
		{480, 8, postHogWindows, 9 * time.Second},
		{481, 8, postHogWindows, time.Minute + 150*ms},
		// 4,800 an hour: the 4,801st cannot start before an hour.
		{4801, 8, postHogWindows, time.Hour + 150*ms},
		// a window wider than the concurrency allows is never reached
		{100, 1, []posthog.Window{{Requests: 1000, Per: time.Second}}, 100 * 150 * ms},
	} {
		if got := earliestSchedule(c.n, c.conc, 150*ms, c.windows); got != c.want {
			t.Errorf("earliestSchedule(%d, %d, 150ms, %v) = %v, want %v", c.n, c.conc, c.windows, got, c.want)
		}
	}
}

// postHogWindows are PostHog Cloud's throttles of a personal API key as a
// client budget's windows: BurstRateThrottle and SustainedRateThrottle
// (posthog/rate_limit.py; posthogsim.PostHogThrottles).
var postHogWindows = []posthog.Window{{Requests: 480, Per: time.Minute}, {Requests: 4800, Per: time.Hour}}

// scaled are windows k times shorter, margins included.
func scaled(ws []posthog.Window, k float64) []posthog.Window {
	var out []posthog.Window
	for _, w := range ws {
		out = append(out, posthog.Window{Requests: w.Requests,
			Per: time.Duration(float64(w.Per) / k), Margin: time.Duration(float64(w.Margin) / k)})
	}
	return out
}

// scaledWindows are PostHog's windows, k times shorter.
func scaledWindows(k float64) []posthog.Window { return scaled(postHogWindows, k) }

// scaledBudgetWindows are the windows of the command line's budget at a
// --rate of perMinute (posthog.Windows, margins included), k times
// shorter.
func scaledBudgetWindows(perMinute int, k float64) []posthog.Window {
	return scaled(posthog.Windows(perMinute), k)
}

// BenchmarkCollectOrgs collects simulated organizations of 500 × 40,
// 5,000 × 300, 20,000 × 300 members × projects and a busy 5,000 × 300 one
// (1,000 activity rows per project in the lookback), each twice:
//
//   - at 150 ms latency, concurrency 8 and no client rate limit
//     (posthog.NewBudget(8, 0)), in real time unless -bench-latency-scale;
//   - against PostHog's throttles (480 a minute and 4,800 an hour, per key,
//     on the simulator's clock) with the client's budget at the same
//     windows, concurrency 8 and 150 ms latency, all time-scaled by
//     -bench-scale so that a simulated minute lasts a few seconds.
//
// and once more time-scaled by -bench-scale without any limit. It reports
// the requests against the 3·P floor of issue 13, the wall times (in
// simulated time), the 429s of the throttled run (must be zero) and its
// wall time against the earliest schedule (must be within 5%): the later
// of earliestSchedule's, computed from the request count, the windows,
// the concurrency and the latency, and the unlimited time-scaled run's,
// since the windows cannot make a collection faster than its own
// dependencies do (a small organization never reaches a window). A
// violation fails the benchmark, after its row is written. A 429 makes the
// client wait the whole seconds PostHog's detail names, in real time, so
// a throttled run's wall time is inflated by the time factor when there
// are 429s. With
// -bench-table FILE it writes the rows as a Markdown table
// (docs/performance.md).
func BenchmarkCollectOrgs(b *testing.B) {
	var (
		mu   sync.Mutex
		rows []string
	)
	defer func() {
		if *benchTable == "" {
			return
		}
		header := "| organization | requests | 3·P floor | requests / floor | wall, 150 ms, concurrency 8, no limit | 429s under 480/min + 4,800/h | wall under the throttle | earliest schedule of the windows | same run unlimited | wall / max(earliest, unlimited) |\n" +
			"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
		if err := os.WriteFile(*benchTable, []byte(header+strings.Join(rows, "")), 0o644); err != nil {
			b.Error(err)
		}
	}()
	only := map[string]bool{}
	for _, n := range strings.Split(*benchOrgs, ",") {
		if n != "" {
			only[n] = true
		}
	}
	for _, bo := range benchCollectOrgs {
		if len(only) > 0 && !only[bo.name] {
			continue
		}
		b.Run(bo.name, func(b *testing.B) {
			org := posthogsim.Synthetic(posthogsim.SyntheticConfig{
				Members: bo.members, Projects: bo.projects, Seed: 13, Now: refNow,
				ActivityPerProject: bo.activityPerProject,
			})
			var fast, base, slow collectRun
			var earliest time.Duration
			k, kl := max(*benchScale, 1), max(*benchLatencyScale, 1)
			for b.Loop() {
				// No client rate limit, 150 ms a request (scaled by kl).
				clk := newScaledClock(kl)
				fast = collectThrough(b, org, posthog.NewBudget(8, 0),
					posthogsim.WithLatency(time.Duration(float64(benchLatency)/kl)), posthogsim.WithClock(clk.now))

				// The same at the throttled run's time factor, without
				// limits: what the collection's own dependencies take (the
				// run above when neither is scaled).
				lat := time.Duration(float64(benchLatency) / k)
				base = fast
				if k != kl {
					clk = newScaledClock(k)
					base = collectThrough(b, org, posthog.NewBudget(8, 0),
						posthogsim.WithLatency(lat), posthogsim.WithClock(clk.now))
				}

				// PostHog's throttles on the server's clock, and the
				// command line's budget (posthog.NewBudget(8, 480): PostHog's
				// windows plus hogaudit's margin), all k times faster. The
				// earliest schedule is computed from PostHog's windows
				// themselves, so the margin's cost shows in the ratio.
				clk = newScaledClock(k)
				slow = collectThrough(b, org, posthog.NewBudgetWindows(8, scaledBudgetWindows(posthog.DefaultPerMinute, k)...),
					posthogsim.WithLatency(lat), posthogsim.WithClock(clk.now),
					posthogsim.WithThrottleWindows(posthogsim.PostHogThrottles...))
				earliest = earliestSchedule(slow.requests, 8, lat, scaledWindows(k))
			}
			floor := 3 * bo.projects
			fastWall := time.Duration(float64(fast.wall) * kl)
			slowWall := time.Duration(float64(slow.wall) * k)
			earliestWall := time.Duration(float64(earliest) * k)
			// No schedule is earlier than the windows allow, nor earlier
			// than the same collection without any limit.
			baseWall := time.Duration(float64(base.wall) * k)
			bound := max(earliestWall, baseWall)
			ratio := float64(slowWall) / float64(bound)
			b.ReportMetric(float64(fast.requests), "requests")
			b.ReportMetric(float64(floor), "floor")
			b.ReportMetric(float64(fast.requests)/float64(floor), "requests/floor")
			b.ReportMetric(fastWall.Seconds(), "wall-150ms-s")
			b.ReportMetric(float64(slow.throttled), "429s")
			b.ReportMetric(slowWall.Seconds(), "wall-throttled-s")
			b.ReportMetric(earliestWall.Seconds(), "earliest-s")
			b.ReportMetric(baseWall.Seconds(), "unlimited-s")
			b.ReportMetric(ratio, "wall/bound")
			b.ReportMetric(0, "ns/op") // the wall times above are the measure
			name := fmt.Sprintf("%s × %s", report.Thousands(bo.members), report.Thousands(bo.projects))
			if bo.activityDescription != "" {
				name += ", " + bo.activityDescription
			}
			verdict429, verdictWall := "0 ✓", fmt.Sprintf("%.3f ✓", ratio)
			if slow.throttled > 0 {
				verdict429 = fmt.Sprintf("%d ✗", slow.throttled)
			}
			if ratio > 1.05 {
				verdictWall = fmt.Sprintf("%.3f ✗", ratio)
			}
			row := fmt.Sprintf("| %s | %s | %s | %.2f | %s | %s | %s | %s | %s | %s |\n",
				name, report.Thousands(fast.requests), report.Thousands(floor), float64(fast.requests)/float64(floor),
				minutes(fastWall), verdict429, minutes(slowWall), minutes(earliestWall), minutes(baseWall), verdictWall)
			b.Log(strings.TrimSpace(row))
			b.Logf("throttled run: %d requests (%d accepted in the busiest simulated minute, %d in the busiest hour), time factor %g",
				slow.requests, slow.maxMinute, slow.maxHour, k)
			mu.Lock()
			rows = append(rows, row)
			mu.Unlock()
			if slow.throttled > 0 {
				b.Errorf("%d requests were throttled (429) under PostHog's windows; want none", slow.throttled)
			}
			if ratio > 1.05 {
				b.Errorf("throttled wall time %v is %.1f%% over the earliest schedule %v (the windows' %v, the unlimited run's %v); want at most 5%%",
					slowWall, 100*(ratio-1), bound, earliestWall, baseWall)
			}
		})
	}
}

// minutes formats d as seconds below two minutes, else minutes.
func minutes(d time.Duration) string {
	if d < 2*time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.2f min", d.Minutes())
}
