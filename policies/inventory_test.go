package policies_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// inventorySnapshot holds two projects, a role and two keys, every section
// complete.
func inventorySnapshot() *snapshot.Snapshot {
	s := bindingSnapshot(snapshot.Project{ID: 7, Name: "Production"}, snapshot.Project{ID: 8, Name: "Staging"})
	s.Roles = []snapshot.Role{{ID: "r1", Name: "Engineering"}}
	s.APIKeys = []snapshot.APIKey{
		{Source: snapshot.KeySourceScanner, PersonalAPIKey: posthog.PersonalAPIKey{ID: "k1", Label: "scanner"}},
		{Source: snapshot.KeySourceAudit, PersonalAPIKey: posthog.PersonalAPIKey{ID: "k2", Label: "ci-deploy"}},
	}
	return s
}

// scannerNotAdmin is the record that makes the project list partial: the
// scanning key may not see every project.
func scannerNotAdmin(section string) snapshot.Missing {
	level := posthog.LevelMember
	return snapshot.Missing{Section: section, Cause: snapshot.CauseScannerNotAdmin, ScannerLevel: &level, Status: 200}
}

// TestInventory: the conversion from a snapshot never turns missing
// evidence into a list the matrix may take as complete.
func TestInventory(t *testing.T) {
	projects := []matrix.Target[int64]{{ID: 7, Name: "Production"}, {ID: 8, Name: "Staging"}}
	roles := []matrix.Target[string]{{ID: "r1", Name: "Engineering"}}
	labels := []string{"scanner", "ci-deploy"}
	pid := int64(7)
	cases := []struct {
		name   string
		mutate func(*snapshot.Snapshot)
		want   *matrix.Inventory
	}{
		{"complete", nil, &matrix.Inventory{
			Projects: projects, ProjectsKnown: true, Roles: roles, RolesKnown: true, KeyLabels: labels,
		}},
		{"no projects section", func(s *snapshot.Snapshot) { s.Projects = nil }, &matrix.Inventory{
			Roles: roles, RolesKnown: true, KeyLabels: labels,
		}},
		{"partial project list", func(s *snapshot.Snapshot) {
			s.Missing = append(s.Missing, scannerNotAdmin(snapshot.SectionProjects))
		}, &matrix.Inventory{Roles: roles, RolesKnown: true, KeyLabels: labels}},
		{"scanner level unknown", func(s *snapshot.Snapshot) {
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionProjects, Cause: snapshot.CauseScannerLevelUnknown, Status: 200})
		}, &matrix.Inventory{Roles: roles, RolesKnown: true, KeyLabels: labels}},
		// Near miss: a record for one project's own evidence does not make
		// the list of projects partial.
		{"one project's record", func(s *snapshot.Snapshot) {
			m := scannerNotAdmin(snapshot.SectionProjects)
			m.ProjectID = &pid
			s.Missing = append(s.Missing, m)
		}, &matrix.Inventory{Projects: projects, ProjectsKnown: true, Roles: roles, RolesKnown: true, KeyLabels: labels}},
		// Near miss: an organization with no projects is known to have none.
		{"no projects at all", func(s *snapshot.Snapshot) { s.Projects = []snapshot.Project{} }, &matrix.Inventory{
			Projects: []matrix.Target[int64]{}, ProjectsKnown: true, Roles: roles, RolesKnown: true, KeyLabels: labels,
		}},
		{"no roles section", func(s *snapshot.Snapshot) { s.Roles = nil }, &matrix.Inventory{
			Projects: projects, ProjectsKnown: true, KeyLabels: labels,
		}},
		// PostHog's role list is not narrowed for a member who may not see
		// every member (ee/api/rbac/role.py filters the memberships, not
		// the roles): the roles are still known.
		{"roles with partial memberships", func(s *snapshot.Snapshot) {
			s.Missing = append(s.Missing, scannerNotAdmin(snapshot.SectionRoles))
		}, &matrix.Inventory{Projects: projects, ProjectsKnown: true, Roles: roles, RolesKnown: true, KeyLabels: labels}},
		{"no keys", func(s *snapshot.Snapshot) { s.APIKeys = nil }, &matrix.Inventory{
			Projects: projects, ProjectsKnown: true, Roles: roles, RolesKnown: true,
		}},
	}
	for _, c := range cases {
		s := inventorySnapshot()
		if c.mutate != nil {
			c.mutate(s)
		}
		if diff := cmp.Diff(c.want, policies.Inventory(s)); diff != "" {
			t.Errorf("%s: Inventory (-want +got):\n%s", c.name, diff)
		}
	}
	if diff := cmp.Diff(&matrix.Inventory{}, policies.Inventory(nil)); diff != "" {
		t.Errorf("no snapshot knows nothing (-want +got):\n%s", diff)
	}
}

// TestPartialProjectListLeavesBindingsUnknown: through the conversion, a
// project the partial list lacks is not a project that is gone.
func TestPartialProjectListLeavesBindingsUnknown(t *testing.T) {
	m, err := matrix.Parse("m.yaml", []byte("projects:\n  production_project: {id: 7}\n  gone_project: {id: 99}\naccess_matrix: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := inventorySnapshot()
	s.Missing = append(s.Missing, scannerNotAdmin(snapshot.SectionProjects))
	for _, pb := range m.Bind(policies.Inventory(s), at).Projects() {
		if !pb.Unknown || pb.Bound || len(pb.Candidates) > 0 {
			t.Errorf("%s with a partial project list: %+v, want unknown", pb.Key, pb)
		}
	}
	// Near miss: the complete list binds one key and leaves the other unbound.
	s.Missing = nil
	got := map[string]bool{}
	for _, pb := range m.Bind(policies.Inventory(s), at).Projects() {
		if pb.Unknown {
			t.Errorf("%s unknown with a complete project list", pb.Key)
		}
		got[pb.Key] = pb.Bound
	}
	if diff := cmp.Diff(map[string]bool{"production_project": true, "gone_project": false}, got); diff != "" {
		t.Errorf("bound (-want +got):\n%s", diff)
	}
}
