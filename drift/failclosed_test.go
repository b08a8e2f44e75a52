package drift

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// The comparison fails closed: a Missing record no comparison accounts
// for, the new snapshot's activity log, and a project whose two tables
// resolve access differently are gaps, never silence.
func TestFailClosed(t *testing.T) {
	rec := func(section string, project *int64) snapshot.Missing {
		return snapshot.Missing{Section: section, ProjectID: project, Endpoint: "/x/", Status: 500, Reason: "server error 500"}
	}
	// withUWA gives every project of s PostHog's own resolution.
	withUWA := func(s *snapshot.Snapshot) {
		for i := range s.Projects {
			s.Projects[i].UsersWithAccess = []posthog.UserAccess{}
		}
	}
	cases := []struct {
		name    string
		edit    func(o, n *snapshot.Snapshot)
		gaps    []string
		reason  string // a substring of the first gap's reason
		changes []string
	}{
		{name: "organization activity log missing in new", edit: func(o, n *snapshot.Snapshot) {
			member(n, "m-bob").Level = posthog.LevelAdmin
			n.OrganizationActivity = nil
			n.Missing = append(n.Missing, snapshot.Missing{Section: snapshot.SectionOrganizationActivityLog, Status: 402, Feature: "audit_logs", Reason: "plan feature audit_logs"})
		}, gaps: []string{"activity_log new"}, reason: "actors cannot be told", changes: []string{
			"member_level member:bob@acme.example level member→admin",
			"project_access member:bob@acme.example p1 member→admin",
			"project_access member:bob@acme.example p2 member→admin",
			"resource_access member:bob@acme.example p1 feature_flag viewer→manager",
			"resource_access member:bob@acme.example p2 feature_flag editor→manager",
		}},
		{name: "near miss: the old snapshot's activity log missing is no gap (it is never read)", edit: func(o, n *snapshot.Snapshot) {
			o.ActivityLog, o.ActivityLogSource, o.OrganizationActivity = nil, nil, nil
			o.Missing = append(o.Missing, rec(snapshot.SectionActivityLog, nil))
		}},
		{name: "the new snapshot's log does not reach back to the old one", edit: func(o, n *snapshot.Snapshot) {
			n.LookbackDays = 30
			o.CollectedAt = n.CollectedAt.AddDate(0, 0, -40)
		}, gaps: []string{"activity_log new"}, reason: "--lookback-days 40"},
		{name: "near miss: a log that reaches back past the old snapshot", edit: func(o, n *snapshot.Snapshot) {
			n.LookbackDays = 30
			o.CollectedAt = n.CollectedAt.AddDate(0, 0, -29)
		}},
		{name: "one project's activity log missing in new", edit: func(o, n *snapshot.Snapshot) {
			n.Missing = append(n.Missing, rec(snapshot.SectionActivityLog, ptr(int64(2))))
		}, gaps: []string{"activity_log p2 new"}, reason: "this project's changes"},
		{name: "users_with_access missing in new, collected in old", edit: func(o, n *snapshot.Snapshot) {
			withUWA(o)
			withUWA(n)
			project(n, 2).SetUsersWithAccess(nil)
			n.Missing = append(n.Missing, rec(snapshot.SectionUsersWithAccess, ptr(int64(2))))
		}, gaps: []string{"project_access p2 new"}, reason: "cannot be compared"},
		{name: "users_with_access partial in old, whole in new", edit: func(o, n *snapshot.Snapshot) {
			withUWA(o)
			withUWA(n)
			o.Missing = append(o.Missing, snapshot.Missing{Section: snapshot.SectionUsersWithAccess, Cause: "partial", Reason: "leaves out an admin"})
		}, gaps: []string{"project_access p1 old", "project_access p2 old"}, reason: "not collected whole (leaves out an admin)"},
		{name: "users_with_access not served by the old deployment, collected by the new", edit: func(o, n *snapshot.Snapshot) {
			withUWA(n)
			o.Missing = append(o.Missing, snapshot.Missing{Section: snapshot.SectionUsersWithAccess, Status: 404, NotApplicable: true, Reason: "not applicable"})
		}, gaps: []string{"project_access p1 old", "project_access p2 old"}, reason: "not served"},
		{name: "near miss: users_with_access missing on both sides compares the rules' levels", edit: func(o, n *snapshot.Snapshot) {
			o.Missing = append(o.Missing, rec(snapshot.SectionUsersWithAccess, nil))
			n.Missing = append(n.Missing, rec(snapshot.SectionUsersWithAccess, nil))
			member(n, "m-bob").Level = posthog.LevelAdmin
		}, changes: []string{
			"member_level member:bob@acme.example level member→admin",
			"project_access member:bob@acme.example p1 member→admin",
			"project_access member:bob@acme.example p2 member→admin",
			"resource_access member:bob@acme.example p1 feature_flag viewer→manager",
			"resource_access member:bob@acme.example p2 feature_flag editor→manager",
		}},
		{name: "near miss: users_with_access whole on both sides", edit: func(o, n *snapshot.Snapshot) {
			withUWA(o)
			withUWA(n)
		}},
		{name: "a section no comparison covers: identity_provider_configs", edit: func(o, n *snapshot.Snapshot) {
			n.Missing = append(n.Missing, rec(snapshot.SectionIdentityProviderConfigs, nil))
		}, gaps: []string{"identity_provider_configs new"}, reason: "server error 500"},
		{name: "a section no comparison covers: current_user and instance", edit: func(o, n *snapshot.Snapshot) {
			o.Missing = append(o.Missing, rec(snapshot.SectionCurrentUser, nil))
			n.Missing = append(n.Missing, rec(snapshot.SectionInstance, nil))
		}, gaps: []string{"current_user old", "instance new"}},
		{name: "near miss: a not-applicable identity_provider_configs", edit: func(o, n *snapshot.Snapshot) {
			n.Missing = append(n.Missing, snapshot.Missing{Section: snapshot.SectionIdentityProviderConfigs, Status: 404, NotApplicable: true, Reason: "not applicable"})
		}},
		{name: "one project's detail missing", edit: func(o, n *snapshot.Snapshot) {
			n.Missing = append(n.Missing, rec(snapshot.SectionProjects, ptr(int64(1))))
		}, gaps: []string{"projects p1 new"}},
		{name: "explicit members the table ignored", edit: func(o, n *snapshot.Snapshot) {
			project(o, 1).AccessControl = true
			o.Missing = append(o.Missing, rec(snapshot.SectionExplicitMembers, ptr(int64(1))))
		}, gaps: []string{"explicit_members p1 old"}},
		{name: "a project added with its rules missing: project_added, and its access a gap", edit: func(o, n *snapshot.Snapshot) {
			n.Projects = append(n.Projects, snapshot.Project{ID: 3, Name: "Sandbox"})
			n.Missing = append(n.Missing, rec(snapshot.SectionAccessControls, ptr(int64(3))), rec(snapshot.SectionResourceAccessControls, ptr(int64(3))))
		}, gaps: []string{"project_access p3 new"}, reason: "new project's access", changes: []string{"project_added project:Sandbox p3 →Sandbox"}},
		{name: "near miss: a members record is the members gap alone", edit: func(o, n *snapshot.Snapshot) {
			n.Members = nil
			n.Missing = append(n.Missing, rec(snapshot.SectionMembers, nil))
		}, gaps: []string{"members new", "project_access new"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := compareEdited(t, tc.edit)
			wantGaps(t, r, tc.gaps)
			if tc.changes != nil {
				if diff := cmp.Diff(tc.changes, showAll(r.Changes)); diff != "" {
					t.Errorf("changes (-want +got):\n%s", diff)
				}
			}
			if tc.reason != "" && len(r.Gaps) > 0 && !strings.Contains(r.Gaps[0].Reason, tc.reason) {
				t.Errorf("gap reason %q does not say %q", r.Gaps[0].Reason, tc.reason)
			}
		})
	}
}

// A table that already says a project's access is unknown accounts for
// its explicit members' record: no second gap.
func TestFailClosedExplicitMembersUnknownProject(t *testing.T) {
	o := baseSnapshot()
	n := later(t, o, t1)
	project(o, 1).AccessControl = true
	o.Missing = append(o.Missing, snapshot.Missing{Section: snapshot.SectionExplicitMembers, ProjectID: ptr(int64(1)), Status: 500, Reason: "x"})
	ot := simpleTable(o)
	ot.Projects[1] = &access.Project{ID: 1}
	r, err := Compare(o, n, ot, simpleTable(n), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"project_access p1 old"}, showGaps(r.Gaps)); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
}
