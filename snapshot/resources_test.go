package snapshot

import (
	"slices"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// TestRuledResources: project-wide resource rules count, once; rules on a
// single object or on the project, and a list not collected, do not.
func TestRuledResources(t *testing.T) {
	obj := "42"
	empty := ""
	p := Project{ID: 1, ResourceAccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{
		{Resource: "feature_flag", AccessLevel: "viewer"},
		{Resource: "feature_flag", AccessLevel: "editor", Role: &obj},
		{Resource: "insight", ResourceID: &empty, AccessLevel: "none"},
		{Resource: "dashboard", ResourceID: &obj, AccessLevel: "none"}, // one dashboard
		{Resource: "project", AccessLevel: "member"},
	}}}
	if got := p.RuledResources(); !slices.Equal(got, []string{"feature_flag", "insight"}) {
		t.Errorf("project: %v", got)
	}
	q := Project{ID: 2} // its resource rules were not collected
	if got := RuledResources(&Snapshot{Projects: []Project{p, q}}, &Snapshot{Projects: []Project{{ID: 3, ResourceAccessControls: &posthog.AccessControlList{
		AccessControls: []posthog.AccessControl{{Resource: "session_recording", AccessLevel: "none"}},
	}}}}); !slices.Equal(got, []string{"feature_flag", "insight", "session_recording"}) {
		t.Errorf("snapshots: %v", got)
	}
}
