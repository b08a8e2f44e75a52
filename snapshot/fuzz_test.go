package snapshot_test

import (
	"bytes"
	"context"
	"flag"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/internal/fuzzcorpus"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzDecode from the simulator's Acme (TestWriteFuzzSeeds)")

// FuzzDecode feeds arbitrary bytes to the snapshot loader (Decode, what
// Load reads a file with). It must never panic, and a snapshot it accepts
// must be one hogaudit can write and load again unchanged: Marshal works,
// Decode accepts the result, and a second Marshal gives the same bytes with
// the same completeness.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := snapshot.Decode(data)
		if err != nil {
			if s != nil {
				t.Fatalf("Decode returned a snapshot with the error %v", err)
			}
			return
		}
		b, err := snapshot.Marshal(s)
		if err != nil {
			t.Fatalf("an accepted snapshot cannot be written: %v", err)
		}
		again, err := snapshot.Decode(b)
		if err != nil {
			t.Fatalf("a written snapshot does not load: %v\n%s", err, b)
		}
		b2, err := snapshot.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, b2) {
			t.Fatalf("write, load, write changed the snapshot:\n%s\n---\n%s", b, b2)
		}
		if s.Complete() != again.Complete() {
			t.Fatalf("write and load changed completeness from %v to %v", s.Complete(), again.Complete())
		}
	})
}

// TestWriteFuzzSeeds rewrites FuzzDecode's seed corpus, when run with
// -write-fuzz-seeds, from snapshots of the simulated Acme: complete on the
// newest and the 2025 deployment, and with a section missing.
func TestWriteFuzzSeeds(t *testing.T) {
	t.Parallel()
	if !*writeFuzzSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite testdata/fuzz/FuzzDecode")
	}
	write := func(name string, s *snapshot.Snapshot) {
		t.Helper()
		if err := fuzzcorpus.Write(".", "FuzzDecode", name, marshal(t, s)); err != nil {
			t.Fatal(err)
		}
	}
	write("acme", startAcme(t).collect(t, refNow))
	write("acme-2025", startAcme(t, posthogsim.WithDeployment(posthogsim.Deployment2025)).collect(t, refNow))
	denied := startAcme(t)
	denied.sim.DenyScope(posthogsim.AcmeScannerToken, "access_control:read")
	write("acme-no-access-controls", denied.collect(t, refNow))

	// Small inputs mutate into more shapes than Acme's 40 kB.
	small := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 3, Projects: 1, Seed: 3, Now: refNow})
	srv := httptest.NewServer(posthogsim.New(small))
	defer srv.Close()
	c, err := posthog.New(srv.URL, posthogsim.SyntheticScannerToken)
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
	if err != nil {
		t.Fatal(err)
	}
	write("synthetic-small", s)
	write("sections-null", &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion, Org: snapshot.OrgRef{ID: "org-1", Name: "Acme"},
		CollectedAt: refNow, Missing: []snapshot.Missing{},
	})
}
