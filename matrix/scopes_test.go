package matrix

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

func TestScopeObjects(t *testing.T) {
	objs := ScopeObjects()
	if len(objs) < 90 {
		t.Fatalf("ScopeObjects has %d objects; the embedded scopes.json did not load", len(objs))
	}
	if !slices.IsSorted(objs) || len(slices.Compact(slices.Clone(objs))) != len(objs) {
		t.Errorf("ScopeObjects is not sorted and unique")
	}
	for _, want := range []string{
		"query", "insight", "feature_flag", "persisted_folder", "llm_gateway", // newest or mid-2025
		"signal_scout", "vision_action", "engineering_analytics", // newest only (2026)
		"wizard_session", "query_performance", // OAuth-hidden: still personal API key scopes
		"scheduled_change", "desktop_recording", "signal_agent", // other stored versions only
	} {
		if !slices.Contains(objs, want) {
			t.Errorf("ScopeObjects lacks %q", want)
		}
	}
	internal := InternalScopeObjects()
	for _, o := range []string{"clickhouse_test_cluster_perf", "signal_scout_internal", "signal_scout_report", "signal_agent_internal"} {
		if slices.Contains(objs, o) {
			t.Errorf("ScopeObjects holds the INTERNAL object %q", o)
		}
		if !slices.Contains(internal, o) {
			t.Errorf("InternalScopeObjects lacks %q", o)
		}
	}
	objs[0] = "mutated"
	if ScopeObjects()[0] == "mutated" {
		t.Errorf("ScopeObjects shares its slice")
	}
}

func TestKnownScope(t *testing.T) {
	for scope, want := range map[string]bool{
		"*":                                 true,
		"query:read":                        true,
		"feature_flag:write":                true,
		"persisted_folder:read":             true,
		"event:read":                        false,
		"query:delete":                      false,
		"query":                             false,
		"query:read:extra":                  false,
		"":                                  false,
		"Query:read":                        false,
		"*:read":                            false,
		"organization_member:write":         true,
		"signal_scout:read":                 true,
		"signal_scout_internal:write":       false,
		"clickhouse_test_cluster_perf:read": false,
		"wizard_session:write":              true,
		"scheduled_change:read":             true,
	} {
		if got := KnownScope(scope); got != want {
			t.Errorf("KnownScope(%q) = %v, want %v", scope, got, want)
		}
	}
}

func TestScopeProblem(t *testing.T) {
	for scope, want := range map[string]string{
		"*":                          "",
		"query:read":                 "",
		"query":                      ProblemMalformed,
		"a:b:c":                      ProblemMalformed,
		"query:delete":               ProblemUnknownAction,
		"signal_scout_report:write":  ProblemInternal,
		"event:read":                 ProblemUnknownObject,
		"signal_scout_internal:read": ProblemInternal,
	} {
		if got := ScopeProblem(scope); got != want {
			t.Errorf("ScopeProblem(%q) = %q, want %q", scope, got, want)
		}
	}
}

// TestScopesCopy keeps the embedded catalogue in step with the shared
// reference when it is there to compare with: every list of the shared file
// is in the embedded one unchanged (the embedded file adds the other stored
// versions and the INTERNAL objects of every version).
func TestScopesCopy(t *testing.T) {
	shared, err := os.ReadFile("../../shared/posthog-api/scopes.json")
	if err != nil {
		t.Skipf("shared scopes.json not available: %v", err)
	}
	var a, b map[string]any
	if err := json.Unmarshal(shared, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(scopesJSON, &b); err != nil {
		t.Fatal(err)
	}
	for k, v := range a {
		if !slices.Equal(mustJSON(t, v), mustJSON(t, b[k])) {
			t.Errorf("matrix/scopes.json %s differs from shared/posthog-api/scopes.json; copy it again", k)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestResources(t *testing.T) {
	// knownResource searches the list by bisection.
	if !slices.IsSorted(resources) {
		t.Errorf("resources is not sorted")
	}
	for _, r := range []string{"feature_flag", "session_recording", "insight", "dashboard", "toolbar", "llm_playground"} {
		if !knownResource(r) {
			t.Errorf("%q is not a known resource", r)
		}
	}
	for _, r := range []string{"project", "organization", "feature_flags", ""} {
		if knownResource(r) {
			t.Errorf("%q is a known resource", r)
		}
	}
}
