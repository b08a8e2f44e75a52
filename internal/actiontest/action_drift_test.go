package actiontest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// TestActionShowsDriftSinceTheLastRun: a scheduled run restores the
// previous run's snapshot from the cache and scans with --previous, so the
// job summary and the JSON report carry the drift since then. Here the
// second run follows a change in the simulated organization. Near miss: the
// first run, with no snapshot to restore, has no drift section.
func TestActionShowsDriftSinceTheLastRun(t *testing.T) {
	t.Parallel()
	dir := release(t)
	requireSplitFlags(t, dir)
	url := serveRelease(t, dir)
	sim, host, env := simulated(t)
	inputs := map[string]string{"version": testVersion, "release-url": url, "host": host, "audit-key-envs": auditKeyEnvs()}

	first := newActionRun(t, inputs, env, true)
	first.run()
	kept := filepath.Join(first.temp, "hogaudit-state", "snapshot.json")
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("the first run kept no snapshot for the next: %v\n%s", err, first.stdout["scan"])
	}
	if s := readFile(t, first.summary); strings.Contains(s, "Drift since") {
		t.Errorf("the first run, with nothing to compare, shows drift:\n%.400s", s)
	}

	// The cache restores the kept snapshot into the next run's state.
	time.Sleep(1100 * time.Millisecond) // snapshots are timed to the second
	if err := sim.SetMemberLevel(posthogsim.AcmeChangeActor, posthogsim.AcmePromoted, posthogsim.LevelAdmin, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	second := newActionRun(t, inputs, env, true)
	state := filepath.Join(second.temp, "hogaudit-state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "snapshot.json"), []byte(readFile(t, kept)), 0o600); err != nil {
		t.Fatal(err)
	}
	second.run()
	if second.codes["scan"] != 0 {
		t.Fatalf("scan step exit %d:\n%s", second.codes["scan"], second.stdout["scan"])
	}
	summary := readFile(t, second.summary)
	if !strings.Contains(summary, "Drift since") || !strings.Contains(summary, posthogsim.AcmePromoted) {
		t.Errorf("the job summary has no drift naming %s:\n%s", posthogsim.AcmePromoted, summary)
	}
	var rep struct {
		Drift *struct {
			Changes []struct {
				Kind    string `json:"kind"`
				Subject string `json:"subject"`
			} `json:"changes"`
		} `json:"drift"`
	}
	if err := json.Unmarshal([]byte(readFile(t, second.outputs["scan"]["json-file"])), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Drift == nil {
		t.Fatal("the JSON report has no drift")
	}
	found := false
	for _, c := range rep.Drift.Changes {
		found = found || (c.Kind == "member_level" && c.Subject == "member:"+posthogsim.AcmePromoted)
	}
	if !found {
		t.Errorf("the JSON report's drift lacks %s's promotion: %+v", posthogsim.AcmePromoted, rep.Drift)
	}
}
