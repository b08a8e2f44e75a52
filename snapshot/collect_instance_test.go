package snapshot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

func TestCollectReadsThePreflight(t *testing.T) {
	t.Parallel()
	f := startAcme(t)
	s := f.collect(t, refNow)
	if s.Instance == nil || !s.Instance.Cloud || !s.Instance.AvailableSocialAuthProviders["google-oauth2"] {
		t.Fatalf("instance = %+v, want Acme's PostHog Cloud with Google sign-in", s.Instance)
	}
}

// TestCollectRecordsAFailedPreflight: when the preflight cannot be read the
// instance is unknown, recorded as missing evidence (never as an instance
// without providers).
func TestCollectRecordsAFailedPreflight(t *testing.T) {
	t.Parallel()
	f := startAcme(t)
	f.sim.Inject(posthogsim.Fault{Path: "/_preflight/", Times: 1, Kind: posthogsim.Fault500})
	c, err := posthog.New(f.srv.URL, posthogsim.AcmeScannerToken, posthog.WithRetry(1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Instance != nil {
		t.Errorf("instance = %+v, want nil", s.Instance)
	}
	var found bool
	for _, m := range s.Missing {
		if m.Section == snapshot.SectionInstance {
			found = true
			if m.Endpoint != "/_preflight/" || m.Status != 500 || m.NotApplicable {
				t.Errorf("missing record = %+v", m)
			}
		}
	}
	if !found || s.Complete() {
		t.Errorf("no applicable instance record in %+v", s.Missing)
	}
}

// TestLoadRefusesAnAbsentInstance: a snapshot file without the instance
// section and without a record of why (hand-edited, or written before it
// existed) is refused, never read as an instance without providers.
func TestLoadRefusesAnAbsentInstance(t *testing.T) {
	t.Parallel()
	f := startAcme(t)
	s := f.collect(t, refNow)
	s.Instance = nil
	b, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Decode(b); !errors.Is(err, snapshot.ErrInconsistent) || !strings.Contains(err.Error(), "instance is null") {
		t.Errorf("err = %v, want the null instance named", err)
	}
	// Near miss: with the record a failed preflight leaves, it loads,
	// incomplete.
	s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionInstance, Endpoint: "/_preflight/", Status: 500, Reason: "server error 500 after retries"})
	b, _ = snapshot.Marshal(s)
	back, err := snapshot.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Complete() || !contains(back.MissingSections(), snapshot.SectionInstance) {
		t.Errorf("missing sections = %v, want instance", back.MissingSections())
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
