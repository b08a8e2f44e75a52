package matrix

import (
	"testing"
)

func TestSuggestScope(t *testing.T) {
	for scope, want := range map[string]string{
		// typing slips in the object, the action kept
		"feature_flags:write": "feature_flag:write",
		"featureflag:read":    "feature_flag:read",
		"feature-flag:write":  "feature_flag:write",
		"dashbaord:read":      "dashboard:read",
		"insights:read":       "insight:read",
		"Query:read":          "query:read",
		"quer:read":           "query:read",
		// the action mended
		"insight:delete": "insight:write",
		"insight:view":   "insight:read",
		"insight:wirte":  "insight:write",
		"insight":        "insight:read",
		// events are read through queries
		"event:read":   "query:read",
		"events:write": "query:read",
		// nothing near enough, or nothing to suggest
		"org:read":                   "",
		"*:read":                     "",
		"zzzzzzzz:read":              "",
		"signal_scout_internal:read": "",
		"query:read":                 "",
		"*":                          "",
	} {
		got := SuggestScope(scope)
		if got != want {
			t.Errorf("SuggestScope(%q) = %q, want %q", scope, got, want)
		}
		if got != "" && !KnownScope(got) {
			t.Errorf("SuggestScope(%q) = %q, not a known scope", scope, got)
		}
	}
}

// TestUnknownScopesCarryTheirHint checks that the problem and the
// suggestion reach matrix validate (UnknownScopes); the rules read the same
// suggestion from their document (policies, TestMatrixDocScopeSuggestions).
func TestUnknownScopesCarryTheirHint(t *testing.T) {
	src := `access_matrix:
  bots:
    prod:
      api_key_scopes: [feature_flags:write, signal_scout:read, clickhouse_test_cluster_perf:read]
`
	m := mustParse(t, src)
	got := m.UnknownScopes()
	if len(got) != 2 {
		t.Fatalf("UnknownScopes = %+v, want the misspelt and the INTERNAL scope", got)
	}
	if got[0].Scope != "feature_flags:write" || got[0].Problem != ProblemUnknownObject || got[0].Suggestion != "feature_flag:write" {
		t.Errorf("UnknownScopes[0] = %+v", got[0])
	}
	if got[1].Scope != "clickhouse_test_cluster_perf:read" || got[1].Problem != ProblemInternal || got[1].Suggestion != "" {
		t.Errorf("UnknownScopes[1] = %+v", got[1])
	}
}
