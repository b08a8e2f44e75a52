package matrix

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type project struct {
	id   int64
	name string
}

type role struct {
	id, name string
}

// snap returns the inventory of a snapshot with the projects and roles
// given: a nil list leaves that section unknown, as a missing section does.
func snap(projects []project, roles []role) *Inventory {
	inv := &Inventory{ProjectsKnown: projects != nil, RolesKnown: roles != nil}
	for _, p := range projects {
		inv.Projects = append(inv.Projects, Target[int64]{ID: p.id, Name: p.name})
	}
	for _, r := range roles {
		inv.Roles = append(inv.Roles, Target[string]{ID: r.id, Name: r.name})
	}
	return inv
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// bindMatrix is the matrix the binding tests (and policies' document
// tests) bind: testdata/bind.yaml.
var bindMatrix = func() string {
	b, err := os.ReadFile("testdata/bind.yaml")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

func TestBind(t *testing.T) {
	m := mustParse(t, bindMatrix)
	s := snap(
		[]project{
			{7, "Production"},
			{8, "web  app"},
			{9, "STAGING"},
			{10, "EU West"},
			{11, "data science"},
			{12, "Declared Plain"},
			{13, "dup"}, {14, "Dup"},
		},
		[]role{{"r1", "platform team"}, {"r2", "Data-Science"}, {"r3", "Ops"}},
	)
	b := m.Bind(s, mustDate(t, "2026-11-27"))

	wantProjects := []ProjectBinding{
		{Key: "by_id", Pos: Pos{2, 3}, Declared: true, By: ByID, DeclaredID: 7, Bound: true, ProjectID: 7, ProjectName: "Production"},
		{Key: "by_name", Pos: Pos{5, 3}, Declared: true, By: ByName, MatchName: "Web  App", Bound: true, ProjectID: 8, ProjectName: "web  app"},
		{Key: "data-science", Pos: Pos{29, 5}, By: ByKey, MatchName: "data-science", Bound: true, ProjectID: 11, ProjectName: "data science"},
		{Key: "declared_plain_project", Pos: Pos{9, 3}, Declared: true, Protected: true, By: ByKey, MatchName: "declared_plain", Bound: true, ProjectID: 12, ProjectName: "Declared Plain"},
		{Key: "dup_project", Pos: Pos{31, 5}, By: ByKey, MatchName: "dup", Ambiguous: []int64{13, 14}, Candidates: []Candidate{{13, "dup"}, {14, "Dup"}}},
		{Key: "eu_west_project", Pos: Pos{28, 5}, By: ByKey, MatchName: "eu_west", Bound: true, ProjectID: 10, ProjectName: "EU West"},
		// nothing matched: the projects nearest the key's name are suggested
		{Key: "gone_project", Pos: Pos{7, 3}, Declared: true, By: ByID, DeclaredID: 99, Candidates: []Candidate{{13, "dup"}, {14, "Dup"}, {9, "STAGING"}}},
		{Key: "renamed", Pos: Pos{11, 3}, Declared: true, By: ByName, MatchName: "Old Name", Candidates: []Candidate{{8, "web  app"}, {10, "EU West"}, {13, "dup"}}},
		{Key: "staging-project", Pos: Pos{27, 5}, By: ByKey, MatchName: "staging", Bound: true, ProjectID: 9, ProjectName: "STAGING"},
	}
	if diff := cmp.Diff(wantProjects, b.Projects()); diff != "" {
		t.Errorf("Projects (-want +got):\n%s", diff)
	}

	wantGroups := []GroupBinding{
		{Key: "bots", Pos: Pos{18, 3}, Declared: true, OrgLevel: "member", By: ByMembers, Bound: true},
		{Key: "contractors", Pos: Pos{16, 3}, Declared: true, OrgLevel: "member", By: ByMembers, Bound: true},
		{Key: "data_science", Pos: Pos{32, 3}, OrgLevel: "member", By: ByKey, MatchName: "data_science", Bound: true, RoleID: "r2", RoleName: "Data-Science"},
		{Key: "ghosts", Pos: Pos{21, 3}, Declared: true, OrgLevel: "member", By: ByRole, MatchName: "Nobody"},
		{Key: "ops", Pos: Pos{20, 3}, Declared: true, OrgLevel: "admin", By: ByKey, MatchName: "ops", Bound: true, RoleID: "r3", RoleName: "Ops"},
		{Key: "platform", Pos: Pos{14, 3}, Declared: true, OrgLevel: "member", By: ByRole, MatchName: "Platform-Team", Bound: true, RoleID: "r1", RoleName: "platform team"},
	}
	if diff := cmp.Diff(wantGroups, b.Groups()); diff != "" {
		t.Errorf("Groups (-want +got):\n%s", diff)
	}

	for id, want := range map[int64]string{7: "by_id", 8: "by_name", 9: "staging-project", 12: "declared_plain_project"} {
		if got, ok := b.ProjectKey(id); !ok || got != want {
			t.Errorf("ProjectKey(%d) = %q, %v; want %q", id, got, ok, want)
		}
	}
	for _, id := range []int64{13, 14, 99, 0} {
		if got, ok := b.ProjectKey(id); ok {
			t.Errorf("ProjectKey(%d) = %q, want unbound", id, got)
		}
	}

	if b.UnknownProjects() || b.UnknownGroups() {
		t.Errorf("bindings unknown (projects %v, groups %v) although both sections are present", b.UnknownProjects(), b.UnknownGroups())
	}
}

func TestBindFallsBackToTheFullKey(t *testing.T) {
	m := mustParse(t, "access_matrix:\n  g:\n    web_project: {}\n    api_project: {}\n")
	b := m.Bind(snap([]project{{1, "Web Project"}, {2, "API"}, {3, "API Project"}}, []role{}), time.Now())
	got := b.Projects()
	if !got[0].Bound || got[0].ProjectID != 2 || got[0].MatchName != "api" {
		t.Errorf("api_project = %+v, want bound to API (the name without _project wins)", got[0])
	}
	if !got[1].Bound || got[1].ProjectID != 1 || got[1].MatchName != "web_project" {
		t.Errorf("web_project = %+v, want bound to Web Project by the full key", got[1])
	}
}

func TestBindAmbiguousRole(t *testing.T) {
	m := mustParse(t, "groups:\n  eng: {role: Engineering}\naccess_matrix:\n  eng: {}\n  ops: {}\n")
	now := time.Date(2026, 11, 27, 23, 0, 0, 0, time.FixedZone("CET", 3600))
	b := m.Bind(snap([]project{}, []role{{"r2", "engineering"}, {"r1", "Engineering"}, {"r3", "ops"}}), now)
	want := []GroupBinding{
		{Key: "eng", Pos: Pos{2, 3}, Declared: true, OrgLevel: "member", By: ByRole, MatchName: "Engineering", Ambiguous: []string{"r1", "r2"}},
		{Key: "ops", Pos: Pos{5, 3}, OrgLevel: "member", By: ByKey, MatchName: "ops", Bound: true, RoleID: "r3", RoleName: "ops"},
	}
	if diff := cmp.Diff(want, b.Groups()); diff != "" {
		t.Errorf("Groups (-want +got):\n%s", diff)
	}
	if got := b.MemberGroups("a@acme.com", []string{"r1", "r2"}); len(got) != 0 {
		t.Errorf("a member of an ambiguous role is in %q", got)
	}
	if b.Matrix() != m || !b.Now().Equal(now) || b.Now().Location() != time.UTC {
		t.Errorf("Matrix() or Now() do not report what was bound: %v", b.Now())
	}
}

func TestBindUnknownSections(t *testing.T) {
	m := mustParse(t, bindMatrix)
	tests := []struct {
		name string
		inv  *Inventory
		want [2]bool // projects unknown, groups unknown
	}{
		{"no projects", snap(nil, []role{{"r1", "Platform Team"}}), [2]bool{true, false}},
		{"no roles", snap([]project{{7, "Production"}}, nil), [2]bool{false, true}},
		{"no inventory", nil, [2]bool{true, true}},
		{"nothing known", &Inventory{}, [2]bool{true, true}},
		// Lists the inventory does not vouch for are not read: a project
		// or role absent from an incomplete list may exist.
		{"lists not known complete", &Inventory{
			Projects: []Target[int64]{{ID: 7, Name: "Production"}, {ID: 8, Name: "web app"}},
			Roles:    []Target[string]{{ID: "r1", Name: "Platform Team"}},
		}, [2]bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := m.Bind(tt.inv, time.Now())
			projectsUnknown, groupsUnknown := tt.want[0], tt.want[1]
			if b.UnknownProjects() != projectsUnknown || b.UnknownGroups() != groupsUnknown {
				t.Errorf("UnknownProjects %v UnknownGroups %v, want %v %v", b.UnknownProjects(), b.UnknownGroups(), projectsUnknown, groupsUnknown)
			}
			for _, pb := range b.Projects() {
				if pb.Unknown != projectsUnknown || (projectsUnknown && (pb.Bound || len(pb.Candidates) > 0)) {
					t.Errorf("project %s: Unknown %v Bound %v Candidates %v", pb.Key, pb.Unknown, pb.Bound, pb.Candidates)
				}
			}
			for _, gb := range b.Groups() {
				needsRole := gb.By != ByMembers
				if gb.Unknown != (groupsUnknown && needsRole) {
					t.Errorf("group %s: Unknown = %v", gb.Key, gb.Unknown)
				}
				if gb.Key == "bots" && !gb.Bound {
					t.Error("a members-only group is bound without roles")
				}
			}
		})
	}
}

// TestBindKnownEmptyInventory is the near miss of TestBindUnknownSections:
// an organization known to have no projects and no roles leaves every key
// that needs one unbound (rule PH903), not unknown.
func TestBindKnownEmptyInventory(t *testing.T) {
	b := mustParse(t, bindMatrix).Bind(&Inventory{ProjectsKnown: true, RolesKnown: true}, time.Now())
	if b.UnknownProjects() || b.UnknownGroups() {
		t.Errorf("UnknownProjects %v UnknownGroups %v, want neither", b.UnknownProjects(), b.UnknownGroups())
	}
	for _, pb := range b.Projects() {
		if pb.Unknown || pb.Bound {
			t.Errorf("project %s: Unknown %v Bound %v, want unbound", pb.Key, pb.Unknown, pb.Bound)
		}
	}
	for _, gb := range b.Groups() {
		if gb.Unknown || gb.Bound != (gb.By == ByMembers) {
			t.Errorf("group %s: Unknown %v Bound %v", gb.Key, gb.Unknown, gb.Bound)
		}
	}
}

func TestMemberGroups(t *testing.T) {
	m := mustParse(t, bindMatrix)
	b := m.Bind(snap([]project{}, []role{{"r1", "Platform Team"}, {"r2", "Data Science"}, {"r3", "Ops"}}), time.Now())
	tests := []struct {
		email string
		roles []string
		want  []string
	}{
		{"alice@acme.example", []string{"r1"}, []string{"platform"}},
		{"alice@acme.example", []string{"r3", "r2", "r1"}, []string{"data_science", "ops", "platform"}},
		{"eve@contractor.example", nil, []string{"contractors"}},
		{"EVE@CONTRACTOR.EXAMPLE", nil, []string{"contractors"}},
		{"dan@ACME.example", []string{"r3"}, []string{"contractors", "ops"}},
		{"eve@contractor.example.evil", nil, []string{}},
		{"nobody@acme.example", nil, []string{}},
		{"nobody@acme.example", []string{"unknown-role"}, []string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, b.MemberGroups(tt.email, tt.roles)); diff != "" {
			t.Errorf("MemberGroups(%q, %q) (-want +got):\n%s", tt.email, tt.roles, diff)
		}
	}
}

func TestKeyGroups(t *testing.T) {
	m := mustParse(t, bindMatrix)
	b := m.Bind(nil, time.Now())
	tests := []struct {
		label string
		owner []string
		want  []string
	}{
		{"ci-deploy", nil, []string{"bots"}},
		{"ci-deploy", []string{"platform", "bots"}, []string{"bots", "platform"}},
		{"CI-Deploy", nil, []string{}},
		{"laptop", []string{"ops", "contractors", "ops"}, []string{"contractors", "ops"}},
		{"", nil, []string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, b.KeyGroups(tt.label, tt.owner)); diff != "" {
			t.Errorf("KeyGroups(%q, %q) (-want +got):\n%s", tt.label, tt.owner, diff)
		}
	}
}
