package policies_test

import (
	"context"
	"testing"

	"github.com/hogaudit/hogaudit/internal/synthsnap"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// BenchmarkCheckLarge loads and checks the synthetic 50,000-member,
// 300-project snapshot (about 1.8 million users_with_access rows), as
// `hogaudit check` does: Load of the file, then every built-in rule. The
// file is collected once per machine and schema version and cached under
// os.TempDir (synthsnap.CachedFile); that first run takes minutes.
// Profile with -benchtime=1x -cpuprofile/-memprofile.
func BenchmarkCheckLarge(b *testing.B) {
	const members, projects = 50000, 300
	path, err := synthsnap.CachedFile(context.Background(), members, projects, ".json")
	if err != nil {
		b.Fatal(err)
	}
	m, err := matrix.Parse("synthetic.yaml", synthsnap.MatrixYAML(posthogsim.Synthetic(synthsnap.Config(members, projects))))
	if err != nil {
		b.Fatal(err)
	}
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := snapshot.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m}); err != nil {
			b.Fatal(err)
		}
	}
}
