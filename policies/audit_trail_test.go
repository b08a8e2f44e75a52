package policies_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
)

// checkMissing checks a snapshot that lacks only the given records' sections
// and returns the report's not-evaluated entries by rule.
func checkMissing(t *testing.T, ms ...snapshot.Missing) map[string]string {
	t.Helper()
	eng := policies.SharedBuiltinEngine(t)
	m, err := matrix.Parse(examples.MatrixPath, examples.Matrix)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion, Org: snapshot.OrgRef{ID: "o"}, CollectedAt: now, LookbackDays: 30,
		ActivityLog: []snapshot.ActivityEntry{}, Missing: ms,
	}
	rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m, GeneratedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, ne := range rep.NotEvaluated {
		if strings.HasPrefix(ne.Rule, "PH4") {
			out[ne.Rule] = ne.Reason
			if ne.Rule != "PH401" && (len(ne.Sections) != 1 || ne.Sections[0] != snapshot.SectionOrganizationActivityLog) {
				t.Errorf("%s: sections %v", ne.Rule, ne.Sections)
			}
			for _, sc := range ne.Scopes {
				if len(ms) > 0 && ms[0].Scope == "" {
					t.Errorf("%s: blames the scope %s", ne.Rule, sc)
				}
			}
		}
	}
	return out
}

func TestOrganizationActivityMissingStopsPH402AndPH403(t *testing.T) {
	t.Parallel()
	paid := checkMissing(t, snapshot.Missing{
		Section: snapshot.SectionOrganizationActivityLog, Status: 402, Feature: "audit_logs",
		Reason: "the organization's PostHog plan lacks the feature audit_logs",
	})
	want := "the snapshot lacks organization_activity_log; the organization's PostHog plan needs audit_logs"
	for _, rule := range []string{"PH402", "PH403"} {
		if paid[rule] != want {
			t.Errorf("%s: reason %q, want %q", rule, paid[rule], want)
		}
	}
	// Project rows are still there: PH401 runs.
	if _, ok := paid["PH401"]; ok {
		t.Error("PH401 must still be evaluated from the projects' logs")
	}

	server := checkMissing(t, snapshot.Missing{
		Section: snapshot.SectionOrganizationActivityLog, Status: 500, Reason: "server error 500 after retries",
	})
	if r := server["PH402"]; r != "the snapshot lacks organization_activity_log (organization_activity_log: server error 500 after retries)" {
		t.Errorf("PH402 after a 500: %q", r)
	}

	// The near miss: nothing missing, everything evaluated.
	if got := checkMissing(t); len(got) != 0 {
		t.Errorf("not evaluated without missing evidence: %v", got)
	}
}
