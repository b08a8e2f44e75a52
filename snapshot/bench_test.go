package snapshot_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// BenchmarkCollect collects a 500-member, 40-project simulated organization
// whose every request takes 30 ms, with one request at a time and with eight.
// The speedup is the ratio of the two ns/op; maxinflight is the largest
// number of concurrent requests the simulator saw, which must not exceed the
// concurrency.
func BenchmarkCollect(b *testing.B) {
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 500, Projects: 40, Seed: 1, Now: refNow})
	sim := posthogsim.New(org, posthogsim.WithLatency(30*time.Millisecond))
	srv := httptest.NewServer(sim)
	defer srv.Close()
	for _, n := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", n), func(b *testing.B) {
			sim.ResetStats()
			var requests int
			for b.Loop() {
				c, err := posthog.New(srv.URL, posthogsim.SyntheticScannerToken, posthog.WithBudget(posthog.NewBudget(n, 0)))
				if err != nil {
					b.Fatal(err)
				}
				s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
				if err != nil {
					b.Fatal(err)
				}
				if len(s.Members) != 500 || len(s.Projects) != 40 || !s.Complete() {
					b.Fatalf("incomplete collection: %d members, %d projects, missing %+v", len(s.Members), len(s.Projects), s.Missing)
				}
			}
			st := sim.Stats()
			requests = st.Requests
			b.ReportMetric(float64(st.MaxInFlight), "maxinflight")
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			if st.MaxInFlight > n {
				b.Fatalf("the simulator saw %d concurrent requests with concurrency %d", st.MaxInFlight, n)
			}
		})
	}
}
