package policies_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hogaudit/hogaudit/internal/synthsnap"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// syntheticSnapshot collects a synthetic organization of the given size from
// the simulator (setup, not measured).
func syntheticSnapshot(tb testing.TB, members, projects int) (*snapshot.Snapshot, *posthogsim.Org) {
	tb.Helper()
	s, org, err := synthsnap.Collect(context.Background(), members, projects)
	if err != nil {
		tb.Fatal(err)
	}
	return s, org
}

// syntheticMatrix is synthsnap.MatrixYAML parsed: a matrix the synthetic
// organization mostly follows, so the benchmark measures evaluation rather
// than reporting.
func syntheticMatrix(tb testing.TB, org *posthogsim.Org) *matrix.Matrix {
	tb.Helper()
	m, err := matrix.Parse("synthetic.yaml", synthsnap.MatrixYAML(org))
	if err != nil {
		tb.Fatalf("synthetic matrix: %v", err)
	}
	return m
}

// BenchmarkCheck evaluates every built-in rule on synthetic organizations of
// 1,000 and 10,000 members with 100 projects each (input conversion
// included). Scaling is the ratio of the two ns/op for ten times the data.
func BenchmarkCheck(b *testing.B) {
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, members := range []int{1000, 10000} {
		s, org := syntheticSnapshot(b, members, 100)
		m := syntheticMatrix(b, org)
		rows := 0
		access := s.AccessRows()
		for i := range s.Projects {
			us, err := access.Of(&s.Projects[i])
			if err != nil {
				b.Fatal(err)
			}
			rows += len(us)
		}
		b.Run(fmt.Sprintf("members=%d/projects=100", members), func(b *testing.B) {
			var findings int
			for b.Loop() {
				rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m})
				if err != nil {
					b.Fatal(err)
				}
				findings = len(rep.Findings)
			}
			b.ReportMetric(float64(findings), "findings")
			b.ReportMetric(float64(rows), "access-rows")
		})
	}
}
