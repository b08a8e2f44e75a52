package matrix

import (
	_ "embed"
	"encoding/json"
	"slices"
	"strings"
	"sync"
)

// scopesJSON is a copy of PostHog's personal API key scope lists
// (shared/posthog-api/scopes.json).
//
//go:embed scopes.json
var scopesJSON []byte

var scopeObjects = sync.OnceValue(func() []string {
	var data struct {
		Newest  []string `json:"objects_newest"`
		Mid2025 []string `json:"objects_mid_2025"`
	}
	if err := json.Unmarshal(scopesJSON, &data); err != nil {
		// The embedded file is fixed at build time and tested; an
		// unreadable copy yields no known objects rather than a crash.
		return nil
	}
	objs := append(slices.Clone(data.Newest), data.Mid2025...)
	slices.Sort(objs)
	return slices.Compact(objs)
})

// ScopeObjects returns the personal API key scope objects PostHog knows: the
// union of the newest and the mid-2025 lists, sorted, without duplicates. The
// caller owns the returned slice.
func ScopeObjects() []string {
	return slices.Clone(scopeObjects())
}

// KnownScope reports whether scope is one PostHog knows: "*", or
// "<object>:read" or "<object>:write" for an object of ScopeObjects.
// "event:read", for example, is not known (events are read with
// "query:read").
func KnownScope(scope string) bool {
	if scope == "*" {
		return true
	}
	obj, action, ok := strings.Cut(scope, ":")
	if !ok || (action != "read" && action != "write") {
		return false
	}
	_, found := slices.BinarySearch(scopeObjects(), obj)
	return found
}

// resources are PostHog's ACCESS_CONTROL_RESOURCES, the resources that take
// access-control rules (newest list, a superset of the 2025 one), sorted.
var resources = []string{
	"action", "activity_log", "ai_observability_clusters", "customer_analytics",
	"dashboard", "early_access_feature", "endpoint", "error_tracking",
	"evaluation", "experiment", "export", "external_data_source",
	"feature_flag", "heatmap", "hog_flow", "insight", "llm_analytics",
	"llm_playground", "llm_skill", "logs", "mcp_analytics", "metrics",
	"notebook", "replay_scanner", "revenue_analytics", "session_recording",
	"sharing_configuration", "survey", "tagger", "ticket", "toolbar",
	"tracing", "warehouse_objects", "web_analytics",
}

// Resources returns the PostHog resources a matrix entry's resources: may
// name (PostHog's ACCESS_CONTROL_RESOURCES), sorted. The caller owns the
// returned slice.
func Resources() []string {
	return slices.Clone(resources)
}

func knownResource(r string) bool {
	_, found := slices.BinarySearch(resources, r)
	return found
}

// ScopeUse is a scope written in the matrix.
type ScopeUse struct {
	Scope     string
	Line, Col int
}

// UnknownScopes returns every api_key_scopes entry PostHog does not know, in
// file order. They are not errors (PostHog adds scopes often) but rule PH307
// reports them.
func (m *Matrix) UnknownScopes() []ScopeUse {
	var out []ScopeUse
	for _, g := range sortedKeys(m.Access) {
		ga := m.Access[g]
		for _, p := range sortedKeys(ga.Projects) {
			e := ga.Projects[p]
			if e.APIKeyScopes == nil {
				continue
			}
			for _, it := range e.APIKeyScopes.Items {
				if !KnownScope(it.Value) {
					out = append(out, ScopeUse{Scope: it.Value, Line: it.Line, Col: it.Col})
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b ScopeUse) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return out
}
