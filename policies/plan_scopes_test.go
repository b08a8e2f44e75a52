package policies_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
)

// TestPH307AgreesWithTheMatrixPackage keeps `hogaudit matrix validate`
// (matrix.UnknownScopes) and rule PH307 consistent: over every scope of the
// catalogue and a set of near misses, PH307 reports exactly the scopes the
// matrix package calls unknown, with the same problem and suggestion.
func TestPH307AgreesWithTheMatrixPackage(t *testing.T) {
	t.Parallel()
	scopes := []string{
		"*", "event:read", "events:read", "feature_flags:write", "Query:read", "query", "query:delete",
		"a:b:c", "*:read", "insight:view", "zzzz:read", "signal_scout_internal:write",
	}
	for _, o := range matrix.ScopeObjects() {
		scopes = append(scopes, o+":read", o+":write")
	}
	for _, o := range matrix.InternalScopeObjects() {
		scopes = append(scopes, o+":read", o+":write")
	}
	var b strings.Builder
	b.WriteString("version: 1\naccess_matrix:\n  bots:\n    prod:\n      api_key_scopes:\n")
	for _, s := range scopes {
		fmt.Fprintf(&b, "        - %q\n", s)
	}
	m, err := matrix.Parse("scopes.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	type verdict struct{ Problem, Suggestion string }
	want := map[string]verdict{}
	for _, u := range m.UnknownScopes() {
		want[u.Scope] = verdict{u.Problem, u.Suggestion}
	}
	if len(want) < 10 || len(want) >= len(scopes)/2 {
		t.Fatalf("%d of %d scopes unknown: the test does not exercise both sides", len(want), len(scopes))
	}

	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	snap := &snapshot.Snapshot{SchemaVersion: snapshot.SchemaVersion, Org: snapshot.OrgRef{ID: "o", Name: "O"}, CollectedAt: now, Missing: []snapshot.Missing{}}
	eng := policies.SharedBuiltinEngine(t)
	rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: snap, Matrix: m, GeneratedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]verdict{}
	for _, f := range rep.Findings {
		if f.Rule != "PH307" {
			continue
		}
		sug, _ := f.Evidence["suggestion"].(string)
		got[f.Evidence["scope"].(string)] = verdict{f.Evidence["problem"].(string), sug}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PH307 and matrix.UnknownScopes disagree (-matrix +PH307):\n%s", diff)
	}
}
