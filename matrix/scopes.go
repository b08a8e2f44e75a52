package matrix

import (
	_ "embed"
	"encoding/json"
	"slices"
	"strings"
	"sync"
)

// scopesJSON is PostHog's personal API key scope catalogue (matrix/scopes.json,
// docs/matrix.md "Scopes"): the scope objects of the stored versions of
// PostHog's posthog/scopes.py (its "source" says which) and the INTERNAL
// objects of every version.
//
//go:embed scopes.json
var scopesJSON []byte

// scopeCatalogue is the parsed scopesJSON.
type scopeCatalogue struct {
	// objects are the objects a personal API key may hold in at least one
	// version, sorted; internal are those it may hold in none, sorted.
	objects, internal []string
}

var catalogue = sync.OnceValue(func() scopeCatalogue {
	var data struct {
		Newest         []string `json:"objects_newest"`
		Mid2025        []string `json:"objects_mid_2025"`
		Other          []string `json:"objects_other_versions"`
		InternalNewest []string `json:"internal_objects_newest"`
		Internal       []string `json:"internal_objects"`
	}
	if err := json.Unmarshal(scopesJSON, &data); err != nil {
		// The embedded file is fixed at build time and tested; an
		// unreadable copy yields no known objects (every scope is then
		// reported) rather than a crash.
		return scopeCatalogue{}
	}
	internal := sortedSet(append(slices.Clone(data.InternalNewest), data.Internal...))
	var objs []string
	for _, o := range sortedSet(slices.Concat(data.Newest, data.Mid2025, data.Other)) {
		if _, found := slices.BinarySearch(internal, o); !found {
			objs = append(objs, o)
		}
	}
	return scopeCatalogue{objects: objs, internal: internal}
})

func sortedSet(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// ScopeObjects returns the objects a personal API key may hold a scope on:
// the union of PostHog's newest, mid-2025 and other stored scope lists
// (OAuth-hidden objects included: PostHog hides them from OAuth clients
// only), without the INTERNAL objects, sorted and without duplicates. The
// caller owns the returned slice.
func ScopeObjects() []string {
	return slices.Clone(catalogue().objects)
}

// InternalScopeObjects returns the objects of PostHog's
// INTERNAL_API_SCOPE_OBJECTS: PostHog mints their scopes for its own
// services and rejects them on personal API keys. Sorted; the caller owns
// the returned slice.
func InternalScopeObjects() []string {
	return slices.Clone(catalogue().internal)
}

// KnownScope reports whether scope is one a personal API key can hold: "*",
// or "<object>:read" or "<object>:write" for an object of ScopeObjects.
// "event:read", for example, is not known (events are read with
// "query:read"), nor is a scope on an INTERNAL object.
func KnownScope(scope string) bool {
	return ScopeProblem(scope) == ""
}

// The problems ScopeProblem reports. Rule PH307 reports the same words.
const (
	ProblemMalformed     = "not of the form object:action"
	ProblemUnknownAction = "unknown action"
	ProblemInternal      = "internal object"
	ProblemUnknownObject = "unknown object"
)

// ScopeProblem says why scope is not one a personal API key can hold: one
// of the Problem constants, checked in that order; "" for a known scope.
func ScopeProblem(scope string) string {
	if scope == "*" {
		return ""
	}
	parts := strings.Split(scope, ":")
	switch {
	case len(parts) != 2:
		return ProblemMalformed
	case parts[1] != "read" && parts[1] != "write":
		return ProblemUnknownAction
	}
	c := catalogue()
	if _, found := slices.BinarySearch(c.internal, parts[0]); found {
		return ProblemInternal
	}
	if _, found := slices.BinarySearch(c.objects, parts[0]); !found {
		return ProblemUnknownObject
	}
	return ""
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

func knownResource(r string) bool {
	_, found := slices.BinarySearch(resources, r)
	return found
}

// KnownResource reports whether r is a resource a matrix may name under
// resources: (one of PostHog's access-control resources hogaudit knows).
// Parse rejects any other.
func KnownResource(r string) bool { return knownResource(r) }

// ScopeUse is a scope written in the matrix.
type ScopeUse struct {
	Scope     string
	Line, Col int
	// Problem is ScopeProblem(Scope) and Suggestion SuggestScope(Scope).
	Problem, Suggestion string
}

// UnknownScopes returns every api_key_scopes entry a personal API key
// cannot hold (KnownScope false), in file order, with its problem and the
// nearest known scope. They are not errors (PostHog adds scopes often) but
// rule PH307 reports them.
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
				if p := ScopeProblem(it.Value); p != "" {
					out = append(out, ScopeUse{
						Scope: it.Value, Line: it.Line, Col: it.Col,
						Problem: p, Suggestion: SuggestScope(it.Value),
					})
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
