package policies_test

import (
	"context"
	"testing"

	"github.com/hogaudit/hogaudit/policies"
)

// BenchmarkAccessTable builds the access table of a synthetic organization
// of 5,000 members and 300 projects, with two resources (input conversion
// and the expansion per member included; collection is setup).
func BenchmarkAccessTable(b *testing.B) {
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	s, _ := syntheticSnapshot(b, 5000, 300)
	resources := []string{"feature_flag", "session_recording"}
	b.ResetTimer()
	var grants int
	for b.Loop() {
		t, err := eng.Access(context.Background(), s, resources)
		if err != nil {
			b.Fatal(err)
		}
		grants = 0
		for _, p := range t.Projects {
			if !p.Known {
				b.Fatalf("project %d unknown", p.ID)
			}
			grants += len(p.Members)
			for _, r := range p.Resources {
				grants += len(r)
			}
		}
	}
	b.ReportMetric(float64(grants), "grants")
}
