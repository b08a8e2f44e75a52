package policies_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// clockRule reports what a rule sees as "now": input.now, input.now_ns and
// OPA's time.now_ns().
const clockRule = `# METADATA
# title: Clock probe
# description: Reports the evaluation time a rule sees.
# custom:
#   id: TIME001
#   name: clock-probe
#   severity: low
#   requires: []
#   remediation: None.
package custom.clock

findings contains {
	"subject": "org:clock",
	"message": "now",
	"evidence": {"now": input.now, "now_ns": input.now_ns, "builtin_ns": time.now_ns()},
}
`

func TestCheckJudgesAtCollectedAtNotTheClock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clock.rego"), []byte(clockRule), 0o644); err != nil {
		t.Fatal(err)
	}
	eng, err := policies.New(context.Background(), policies.Options{PolicyDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	collected := time.Date(2026, 8, 19, 12, 0, 0, 0, time.UTC)
	generated := collected.AddDate(0, 0, 100)
	m, err := matrix.Parse("m.yaml", []byte(`version: 1
api_keys:
  max_unused_days: 30
exceptions:
  - rule: PH304
    subject: "key:bi"
    reason: accepted until the migration
    expires: 2026-08-25
`))
	if err != nil {
		t.Fatal(err)
	}
	used := collected.AddDate(0, 0, -10)
	introspected := collected.Add(time.Second)
	snap := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion, Org: snapshot.OrgRef{ID: "org-1", Name: "Acme"}, CollectedAt: collected,
		APIKeys: []snapshot.APIKey{{
			Source: snapshot.KeySourceAudit, Env: "BI_KEY", IntrospectedAt: &introspected,
			PersonalAPIKey: posthog.PersonalAPIKey{ID: "k1", Label: "bi", CreatedAt: collected.AddDate(0, 0, -400), LastUsedAt: &used},
		}},
		Missing: []snapshot.Missing{},
	}
	rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: snap, Matrix: m, GeneratedAt: generated})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.GeneratedAt.Equal(generated) || !rep.Snapshot.CollectedAt.Equal(collected) {
		t.Errorf("generated_at %v collected_at %v, want both kept apart", rep.GeneratedAt, rep.Snapshot.CollectedAt)
	}
	var probe map[string]any
	for _, f := range rep.Findings {
		switch f.Rule {
		case "TIME001":
			probe = f.Evidence
		case "PH304":
			t.Errorf("PH304 judged at the clock: %s", f.Message)
		}
	}
	if probe == nil {
		t.Fatal("the clock probe did not run")
	}
	if probe["now"] != "2026-08-19T12:00:00Z" {
		t.Errorf("input.now = %v, want collected_at", probe["now"])
	}
	for _, k := range []string{"now_ns", "builtin_ns"} {
		if n, ok := probe[k].(interface{ Int64() (int64, error) }); !ok {
			t.Errorf("%s = %T %v", k, probe[k], probe[k])
		} else if v, _ := n.Int64(); v != collected.UnixNano() {
			t.Errorf("%s = %v, want collected_at %d", k, v, collected.UnixNano())
		}
	}
	// The exception, valid at collection (its last day is 6 days later),
	// is reported as expiring soon, not as expired 94 days ago.
	if len(rep.ExpiringExceptions) != 1 || rep.ExpiringExceptions[0].DaysLeft != 6 {
		t.Errorf("expiring exceptions %+v, want one with 6 days left at collection", rep.ExpiringExceptions)
	}

	// Near miss: the same snapshot collected 100 days later judges the key
	// unused, and the exception expired.
	later := *snap
	later.CollectedAt = generated
	rep, err = eng.Check(context.Background(), policies.CheckInput{Snapshot: &later, Matrix: m, GeneratedAt: generated})
	if err != nil {
		t.Fatal(err)
	}
	var ph304, ph902 bool
	for _, f := range rep.Findings {
		ph304 = ph304 || f.Rule == "PH304" && f.Suppressed == nil
		ph902 = ph902 || f.Rule == "PH902"
	}
	if !ph304 || !ph902 {
		t.Errorf("collected 100 days later: PH304 %v PH902 %v, want both", ph304, ph902)
	}
}

func TestCheckRefusesABadPrevious(t *testing.T) {
	t.Parallel()
	eng := policies.SharedBuiltinEngine(t)
	m, err := matrix.Parse("m.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	cur := &snapshot.Snapshot{Org: snapshot.OrgRef{ID: "org-1"}, CollectedAt: at, Missing: []snapshot.Missing{}}
	newer := &snapshot.Snapshot{Org: snapshot.OrgRef{ID: "org-1"}, CollectedAt: at.Add(time.Hour)}
	if _, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: cur, Previous: newer, Matrix: m}); err == nil {
		t.Error("a previous snapshot newer than the current one was accepted")
	}
	if _, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: &snapshot.Snapshot{Org: snapshot.OrgRef{ID: "org-1"}}, Matrix: m}); err == nil {
		t.Error("a snapshot without collected_at was judged")
	}
}
