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
	for _, want := range []string{"query", "insight", "feature_flag", "persisted_folder", "llm_gateway"} {
		if !slices.Contains(objs, want) {
			t.Errorf("ScopeObjects lacks %q (newest or mid-2025)", want)
		}
	}
	objs[0] = "mutated"
	if ScopeObjects()[0] == "mutated" {
		t.Errorf("ScopeObjects shares its slice")
	}
}

func TestKnownScope(t *testing.T) {
	for scope, want := range map[string]bool{
		"*":                         true,
		"query:read":                true,
		"feature_flag:write":        true,
		"persisted_folder:read":     true,
		"event:read":                false,
		"query:delete":              false,
		"query":                     false,
		"query:read:extra":          false,
		"":                          false,
		"Query:read":                false,
		"*:read":                    false,
		"organization_member:write": true,
	} {
		if got := KnownScope(scope); got != want {
			t.Errorf("KnownScope(%q) = %v, want %v", scope, got, want)
		}
	}
}

// TestScopesCopy keeps the embedded copy in step with the shared file when
// it is there to compare with.
func TestScopesCopy(t *testing.T) {
	shared, err := os.ReadFile("../../shared/posthog-api/scopes.json")
	if err != nil {
		t.Skipf("shared scopes.json not available: %v", err)
	}
	var a, b any
	if err := json.Unmarshal(shared, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(scopesJSON, &b); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mustJSON(t, a), mustJSON(t, b)) {
		t.Errorf("matrix/scopes.json differs from shared/posthog-api/scopes.json; copy it again")
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
	rs := Resources()
	if !slices.IsSorted(rs) {
		t.Errorf("Resources is not sorted")
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
