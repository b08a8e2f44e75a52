package policies

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Membership and role ids of pathOrg.
const (
	ptOwner = "0190dd02-0000-7000-8000-000000000000"
	ptAdmin = "0190dd02-0000-7000-8000-000000000001"
	ptAnn   = "0190dd02-0000-7000-8000-000000000002" // a member rule names her
	ptRob   = "0190dd02-0000-7000-8000-000000000003" // roles R1 and R2
	ptEve   = "0190dd02-0000-7000-8000-000000000004" // no role, no rule
	ptDan   = "0190dd02-0000-7000-8000-000000000005" // role R1
	ptR1    = "0190dd04-0000-7000-8000-000000000001"
	ptR2    = "0190dd04-0000-7000-8000-000000000002"
)

// Project ids of pathOrg.
const (
	ptRules int64 = 5000 + iota // everyone none; ann member; R1 member, R2 admin
	ptTie                       // everyone member; R1 admin, R2 admin; dan none
	ptOpen                      // no rules
	ptLower                     // everyone admin; R1 none
)

// pathOrg is an organization on the newest PostHog where every path kind
// shows: an owner and an admin, member rules, role rules (one role and
// several), everyone rules and projects without rules, with resource rules
// on ptRules.
func pathOrg() *posthogsim.Org {
	now := crosscheckNow
	member := func(n int, mid string, level int) posthogsim.Member {
		return posthogsim.Member{
			ID:       mid,
			User:     posthogsim.User{ID: int64(100 + n), UUID: fmt.Sprintf("0190dd03-0000-7000-8000-%012d", n), Email: fmt.Sprintf("m%d@paths.example", n)},
			Level:    level,
			JoinedAt: now.AddDate(0, -6, 0),
		}
	}
	rule := func(mid, role, level string) posthogsim.AccessRule {
		return posthogsim.AccessRule{MemberID: mid, RoleID: role, Level: level}
	}
	res := func(resource, mid, role, level string) posthogsim.AccessRule {
		return posthogsim.AccessRule{Resource: resource, MemberID: mid, RoleID: role, Level: level}
	}
	project := func(id int64, rules ...posthogsim.AccessRule) posthogsim.Project {
		return posthogsim.Project{
			ID: id, UUID: fmt.Sprintf("0190dd06-0000-7000-8000-%012d", id), Name: fmt.Sprintf("Project %d", id),
			CreatedAt: now.AddDate(0, -9, 0), Timezone: "UTC", APIToken: fmt.Sprintf("phc_paths%d", id),
			AccessControls: rules,
		}
	}
	o := &posthogsim.Org{
		ID: "0190dd01-0000-7000-8000-000000000000", Name: "Paths", Slug: "paths",
		CreatedAt: now.AddDate(-1, 0, 0), MembersCanUsePersonalAPIKeys: true,
		Features: []string{"access_control", "role_based_access", "audit_logs"},
		Members: []posthogsim.Member{
			member(0, ptOwner, posthogsim.LevelOwner), member(1, ptAdmin, posthogsim.LevelAdmin),
			member(2, ptAnn, posthogsim.LevelMember), member(3, ptRob, posthogsim.LevelMember),
			member(4, ptEve, posthogsim.LevelMember), member(5, ptDan, posthogsim.LevelMember),
		},
		Roles: []posthogsim.Role{
			{ID: ptR1, Name: "R1", CreatedAt: now.AddDate(0, -3, 0), Members: []posthogsim.RoleMember{
				{ID: "0190dd05-0000-7000-8000-000000000001", MemberID: ptRob, JoinedAt: now.AddDate(0, -3, 0)},
				{ID: "0190dd05-0000-7000-8000-000000000002", MemberID: ptDan, JoinedAt: now.AddDate(0, -3, 0)},
			}},
			{ID: ptR2, Name: "R2", CreatedAt: now.AddDate(0, -3, 0), Members: []posthogsim.RoleMember{
				{ID: "0190dd05-0000-7000-8000-000000000003", MemberID: ptRob, JoinedAt: now.AddDate(0, -3, 0)},
			}},
		},
		Projects: []posthogsim.Project{
			project(ptRules, rule("", "", "none"), rule(ptAnn, "", "member"), rule("", ptR1, "member"), rule("", ptR2, "admin")),
			project(ptTie, rule("", "", "member"), rule("", ptR1, "admin"), rule("", ptR2, "admin"), rule(ptDan, "", "none")),
			project(ptOpen),
			project(ptLower, rule("", "", "admin"), rule("", ptR1, "none")),
		},
	}
	o.Projects[0].ResourceAccessControls = []posthogsim.AccessRule{
		res("feature_flag", "", "", "viewer"), res("feature_flag", "", ptR2, "manager"), res("feature_flag", ptAnn, "", "none"),
	}
	o.Keys = []posthogsim.APIKey{{
		ID: "0190dd08-0000-7000-8000-000000000000", Label: "paths", Token: crosscheckToken, UserID: o.Members[0].User.ID,
		Scopes: posthogsim.MinimalScopes(), CreatedAt: crosscheckNow.AddDate(0, -1, 0),
	}}
	return o
}

// g is a grant; roles are the fixture's role ids, named as the fixture
// names them (ptRoleNames).
func g(level, via string, roles ...string) access.Grant {
	p := access.Path{Via: via}
	if len(roles) > 0 {
		p.Roles = roles
		for _, r := range roles {
			p.RoleNames = append(p.RoleNames, ptRoleNames[r])
		}
	}
	return access.Grant{Level: level, Path: p}
}

// ptRoleNames are the fixture's role names by id.
var ptRoleNames = map[string]string{ptR1: "R1", ptR2: "R2"}

func admin(level, orgLevel string) access.Grant {
	return access.Grant{Level: level, Path: access.Path{Via: access.ViaOrgAdmin, OrgLevel: orgLevel}}
}

// withoutSources is t's grants of project id without PostHogSource.
func withoutSources(p *access.Project) map[string]access.Grant {
	out := map[string]access.Grant{}
	for mid, gr := range p.Members {
		gr.PostHogSource = ""
		out[mid] = gr
	}
	return out
}

func accessOf(t *testing.T, o *posthogsim.Org, dep posthogsim.Deployment, resources ...string) (*access.Table, *snapshot.Snapshot) {
	t.Helper()
	snap := collectInMemory(t, posthogsim.New(o, posthogsim.WithDeployment(dep), posthogsim.WithPageSize(1000)))
	tab, err := SharedBuiltinEngine(t).Access(context.Background(), snap, resources)
	if err != nil {
		t.Fatal(err)
	}
	return tab, snap
}

func TestAccessTablePaths(t *testing.T) {
	t.Parallel()
	tab, _ := accessOf(t, pathOrg(), posthogsim.Newest, "feature_flag", "insight", "activity_log")
	want := map[int64]map[string]access.Grant{
		ptRules: {
			ptOwner: admin("admin", "owner"), ptAdmin: admin("admin", "admin"),
			ptAnn: g("member", access.ViaMemberRule),
			// several roles: the one whose rule gives the level
			ptRob: g("admin", access.ViaRoleRule, ptR2),
			ptDan: g("member", access.ViaRoleRule, ptR1),
			ptEve: g("none", access.ViaEveryoneRule),
		},
		ptTie: {
			ptOwner: admin("admin", "owner"), ptAdmin: admin("admin", "admin"),
			ptAnn: g("member", access.ViaEveryoneRule),
			ptRob: g("admin", access.ViaRoleRule, ptR1, ptR2),
			// explicit-first, legacy: the highest of her own none and R1's admin
			ptDan: g("admin", access.ViaRoleRule, ptR1),
			ptEve: g("member", access.ViaEveryoneRule),
		},
		ptOpen: {
			ptOwner: admin("admin", "owner"), ptAdmin: admin("admin", "admin"),
			ptAnn: g("admin", access.ViaDefault), ptRob: g("admin", access.ViaDefault),
			ptDan: g("admin", access.ViaDefault), ptEve: g("admin", access.ViaDefault),
		},
		ptLower: {
			ptOwner: admin("admin", "owner"), ptAdmin: admin("admin", "admin"),
			ptAnn: g("admin", access.ViaEveryoneRule),
			// near miss of explicit-first: R1's none decides alone, below
			// the everyone rule's admin
			ptRob: g("none", access.ViaRoleRule, ptR1),
			ptDan: g("none", access.ViaRoleRule, ptR1),
			ptEve: g("admin", access.ViaEveryoneRule),
		},
	}
	for id, w := range want {
		p := tab.Projects[id]
		if p == nil || !p.Known || !p.ResourcesKnown {
			t.Fatalf("project %d: %+v, want known", id, p)
		}
		if d := cmp.Diff(w, withoutSources(p)); d != "" {
			t.Errorf("project %d grants (-want +got):\n%s", id, d)
		}
	}
	if len(tab.Projects) != 4 {
		t.Errorf("%d projects, want 4", len(tab.Projects))
	}

	// users_with_access, collected on the newest PostHog: its sources.
	sources := map[string]string{}
	for mid, gr := range tab.Projects[ptRules].Members {
		sources[mid] = gr.PostHogSource
	}
	wantSources := map[string]string{
		ptOwner: "organization_admin", ptAdmin: "organization_admin", ptAnn: "explicit_member",
		ptRob: "explicit_role", ptDan: "explicit_role", ptEve: "", // eve has no row: PostHog lets her in at none
	}
	if d := cmp.Diff(wantSources, sources); d != "" {
		t.Errorf("project %d PostHog sources (-want +got):\n%s", ptRules, d)
	}

	// Resources, legacy resolution: the highest of every subject's rules.
	ff := tab.Projects[ptRules].Resources["feature_flag"]
	wantFF := map[string]access.Grant{
		ptOwner: admin("manager", "owner"), ptAdmin: admin("manager", "admin"),
		ptAnn: g("viewer", access.ViaEveryoneRule), // her own none is lower than everyone's viewer
		ptRob: g("manager", access.ViaRoleRule, ptR2),
		ptDan: g("viewer", access.ViaEveryoneRule),
		ptEve: g("viewer", access.ViaEveryoneRule),
	}
	if d := cmp.Diff(wantFF, ff); d != "" {
		t.Errorf("feature_flag (-want +got):\n%s", d)
	}
	if gr := tab.Projects[ptRules].Resources["insight"][ptEve]; !cmp.Equal(gr, g("editor", access.ViaDefault)) {
		t.Errorf("insight without rules: %+v, want editor by default", gr)
	}
	if gr := tab.Projects[ptRules].Resources["activity_log"][ptAdmin]; !cmp.Equal(gr, admin("viewer", "admin")) {
		t.Errorf("activity_log for an admin: %+v, want viewer (its highest)", gr)
	}
	if gr := tab.Projects[ptOpen].Resources["feature_flag"][ptEve]; !cmp.Equal(gr, g("editor", access.ViaDefault)) {
		t.Errorf("feature_flag in a project without rules: %+v", gr)
	}
}

// Most specific first: a member's own lower rule beats its role's higher
// one, and a role's lower rule the everyone rule's higher one, on projects
// and resources alike.
func TestAccessTableMostSpecific(t *testing.T) {
	t.Parallel()
	o := pathOrg()
	yes := true
	o.UsesMostSpecificAccessResolution = &yes
	tab, _ := accessOf(t, o, posthogsim.Newest, "feature_flag")
	checks := []struct {
		project int64
		mid     string
		want    access.Grant
	}{
		{ptTie, ptDan, g("none", access.ViaMemberRule)}, // legacy: admin via R1
		{ptRules, ptRob, g("admin", access.ViaRoleRule, ptR2)},
		{ptLower, ptDan, g("none", access.ViaRoleRule, ptR1)},
		{ptRules, ptEve, g("none", access.ViaEveryoneRule)},
	}
	for _, c := range checks {
		gr := tab.Projects[c.project].Members[c.mid]
		gr.PostHogSource = ""
		if !cmp.Equal(gr, c.want) {
			t.Errorf("project %d member %s: %+v, want %+v", c.project, c.mid, gr, c.want)
		}
	}
	ff := tab.Projects[ptRules].Resources["feature_flag"]
	if gr := ff[ptAnn]; !cmp.Equal(gr, g("none", access.ViaMemberRule)) {
		t.Errorf("ann's feature_flag, most specific: %+v, want none by her own rule (legacy: viewer)", gr)
	}
	if gr := ff[ptRob]; !cmp.Equal(gr, g("manager", access.ViaRoleRule, ptR2)) {
		t.Errorf("rob's feature_flag: %+v", gr)
	}
}

// Without role_based_access PostHog ignores role rules: the near miss of a
// table that always applies them (and, in pathOrg, of one that ignores them).
func TestAccessTableRolesNeedTheFeature(t *testing.T) {
	t.Parallel()
	o := pathOrg()
	o.Features = []string{"access_control", "audit_logs"}
	tab, _ := accessOf(t, o, posthogsim.Newest)
	if gr := tab.Projects[ptRules].Members[ptRob]; gr.Level != "none" || !cmp.Equal(gr.Path, access.Path{Via: access.ViaEveryoneRule}) {
		t.Errorf("rob without role_based_access: %+v, want none by the everyone rule", gr)
	}
	if gr := tab.Projects[ptLower].Members[ptDan]; gr.Level != "admin" || gr.Path.Via != access.ViaEveryoneRule {
		t.Errorf("dan without role_based_access: %+v, want admin by the everyone rule", gr)
	}
}

// Without the access-control feature rules are not consulted.
func TestAccessTableNoAccessControl(t *testing.T) {
	t.Parallel()
	o := pathOrg()
	o.Features = []string{"role_based_access", "audit_logs"}
	// advanced_permissions is a 2025 key the newest PostHog does not check
	o.Features = append(o.Features, "advanced_permissions")
	tab, _ := accessOf(t, o, posthogsim.Newest, "feature_flag")
	for _, id := range []int64{ptRules, ptLower} {
		p := tab.Projects[id]
		if gr := p.Members[ptEve]; gr.Level != "admin" || gr.Path.Via != access.ViaNoAccessControl {
			t.Errorf("project %d eve: %+v, want admin, no_access_control", id, gr)
		}
		if gr := p.Members[ptOwner]; gr.Path.Via != access.ViaOrgAdmin {
			t.Errorf("project %d owner: %+v", id, gr)
		}
		if gr := p.Resources["feature_flag"][ptAnn]; !cmp.Equal(gr, g("editor", access.ViaNoAccessControl)) {
			t.Errorf("project %d ann's feature_flag: %+v", id, gr)
		}
	}
}

// legacyOrg is pathOrg on PostHog 2025 entitled by 2024's
// project_based_permissioning alone: ptRules is a legacy private project
// with ann (at member) and dan (at admin) as explicit members.
func legacyOrg() *posthogsim.Org {
	o := pathOrg()
	o.Features = []string{"project_based_permissioning", "role_based_access", "audit_logs"}
	o.Projects[0].AccessControl = true
	o.Projects[0].ExplicitMembers = []posthogsim.ExplicitMember{
		{ID: "0190dd07-0000-7000-8000-000000000001", MemberID: ptAnn, Level: posthogsim.LevelMember, JoinedAt: crosscheckNow.AddDate(0, -2, 0)},
		{ID: "0190dd07-0000-7000-8000-000000000002", MemberID: ptDan, Level: posthogsim.LevelAdmin, JoinedAt: crosscheckNow.AddDate(0, -2, 0)},
	}
	return o
}

func TestAccessTableLegacyExplicitMembers(t *testing.T) {
	t.Parallel()
	tab, _ := accessOf(t, legacyOrg(), posthogsim.Deployment2025)
	want := map[string]access.Grant{
		ptOwner: admin("admin", "owner"), ptAdmin: admin("admin", "admin"),
		ptAnn: g("member", access.ViaExplicitMember), ptDan: g("admin", access.ViaExplicitMember),
		ptRob: g("none", access.ViaNotExplicitMember), ptEve: g("none", access.ViaNotExplicitMember),
	}
	p := tab.Projects[ptRules]
	if !p.Known {
		t.Fatal("the legacy private project is unknown")
	}
	if d := cmp.Diff(want, p.Members); d != "" {
		t.Errorf("legacy private project (-want +got):\n%s", d)
	}
	// near miss: the project without the flag is governed by its rules
	if gr := tab.Projects[ptLower].Members[ptDan]; !cmp.Equal(gr, g("none", access.ViaRoleRule, ptR1)) {
		t.Errorf("dan on an unflagged project: %+v", gr)
	}
}

// A project whose access cannot be told is unknown, never a map of none.
func TestAccessTableUnknownProjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := SharedBuiltinEngine(t)

	// The explicit members of a legacy private project fail to load.
	sim := posthogsim.New(legacyOrg(), posthogsim.WithDeployment(posthogsim.Deployment2025), posthogsim.WithPageSize(1000))
	sim.Inject(posthogsim.Fault{Path: "/explicit_members/", Times: 1 << 20, Kind: posthogsim.Fault500})
	tab, err := eng.Access(ctx, collectInMemory(t, sim), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := tab.Projects[ptRules]; p.Known || p.Members != nil {
		t.Errorf("legacy private project without explicit members: %+v, want unknown", p)
	}
	if p := tab.Projects[ptLower]; !p.Known || len(p.Members) != 6 {
		t.Errorf("near miss, an unflagged project: %+v, want known", p)
	}

	// One project's rules fail to load.
	sim = posthogsim.New(pathOrg(), posthogsim.WithPageSize(1000))
	sim.Inject(posthogsim.Fault{Path: fmt.Sprintf("/%d/access_controls", ptTie), Times: 1 << 20, Kind: posthogsim.Fault500})
	sim.Inject(posthogsim.Fault{Path: fmt.Sprintf("/%d/resource_access_controls", ptLower), Times: 1 << 20, Kind: posthogsim.Fault500})
	snap := collectInMemory(t, sim)
	tab, err = eng.Access(ctx, snap, []string{"feature_flag"})
	if err != nil {
		t.Fatal(err)
	}
	if p := tab.Projects[ptTie]; p.Known || p.Members != nil || !p.ResourcesKnown {
		t.Errorf("project without its rules: %+v, want unknown (resources known)", p)
	}
	if p := tab.Projects[ptLower]; !p.Known || p.ResourcesKnown || p.Resources != nil {
		t.Errorf("project without its resource rules: %+v, want known, resources unknown", p)
	}
	if p := tab.Projects[ptRules]; !p.Known || !p.ResourcesKnown {
		t.Errorf("near miss, a project with its rules: %+v", p)
	}

	// The organization-wide facts every project rests on.
	for _, section := range []string{snapshot.SectionOrganization, snapshot.SectionMembers, snapshot.SectionRoles, snapshot.SectionProjects} {
		s := *snap
		s.Missing = append(slices.Clone(snap.Missing), snapshot.Missing{Section: section, Reason: "test"})
		tab, err := eng.Access(ctx, &s, []string{"feature_flag"})
		if err != nil {
			t.Fatal(err)
		}
		for id, p := range tab.Projects {
			if p.Known || p.Members != nil || p.ResourcesKnown || p.Resources != nil {
				t.Errorf("%s missing: project %d is %+v, want unknown", section, id, p)
			}
		}
		if len(tab.Projects) != 4 {
			t.Errorf("%s missing: %d projects, want every project listed", section, len(tab.Projects))
		}
	}
	// near miss: roles do not matter without role_based_access
	o := pathOrg()
	o.Features = []string{"access_control", "audit_logs"}
	s := collectInMemory(t, posthogsim.New(o, posthogsim.WithPageSize(1000)))
	s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionRoles, Reason: "test"})
	if tab, err := eng.Access(ctx, s, nil); err != nil || !tab.Projects[ptRules].Known {
		t.Errorf("roles missing without role_based_access: %v, want known", err)
	}
	// an unknown deployment vintage decides whether rules count
	s = collectInMemory(t, posthogsim.New(pathOrg(), posthogsim.WithPageSize(1000)))
	s.Missing = append(s.Missing,
		snapshot.Missing{Section: snapshot.SectionUsersWithAccess, Reason: "test"},
		snapshot.Missing{Section: snapshot.SectionIdentityProviderConfigs, Reason: "test"})
	if tab, err := eng.Access(ctx, s, nil); err != nil || tab.Projects[ptRules].Known {
		t.Errorf("unknown vintage: %v %+v, want unknown", err, tab.Projects[ptRules])
	}
}

// Where users_with_access was collected whole, the level is PostHog's, its
// source PostHog's, and the path the rules'.
func TestAccessTableUsersWithAccessJoin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := SharedBuiltinEngine(t)
	snap := collectInMemory(t, posthogsim.New(pathOrg(), posthogsim.WithPageSize(1000)))
	var idx int
	for i, p := range snap.Projects {
		if p.ID == ptRules {
			idx = i
		}
	}
	// PostHog says rob is a member (the rules: admin) and leaves ann out.
	s := *snap
	s.Projects = slices.Clone(snap.Projects)
	p := s.Projects[idx]
	p.UsersWithAccess = nil
	for _, u := range snap.Projects[idx].UsersWithAccess {
		switch u.OrganizationMembershipID {
		case ptAnn:
			continue
		case ptRob:
			u.AccessLevel, u.AccessSource = "member", "explicit_member"
		}
		p.UsersWithAccess = append(p.UsersWithAccess, u)
	}
	s.Projects[idx] = p
	tab, err := eng.Access(ctx, &s, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := tab.Projects[ptRules].Members
	if w := (access.Grant{Level: "member", Path: access.Path{Via: access.ViaRoleRule, Roles: []string{ptR2}, RoleNames: []string{"R2"}}, PostHogSource: "explicit_member"}); !cmp.Equal(got[ptRob], w) {
		t.Errorf("rob: %+v, want PostHog's member with the rules' path", got[ptRob])
	}
	if w := (access.Grant{Level: "none", Path: access.Path{Via: access.ViaMemberRule}}); !cmp.Equal(got[ptAnn], w) {
		t.Errorf("ann, whom PostHog does not list: %+v, want none", got[ptAnn])
	}

	// near miss: the rules alone
	rules, err := eng.accessTable(ctx, &s, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if gr := rules.Projects[ptRules].Members[ptRob]; gr.Level != "admin" || gr.PostHogSource != "" {
		t.Errorf("rob by the rules: %+v", gr)
	}

	// A list PostHog did not give whole is not PostHog's resolution.
	s.Missing = append(slices.Clone(s.Missing), snapshot.Missing{Section: snapshot.SectionUsersWithAccess, ProjectID: &p.ID, Reason: "test"})
	tab, err = eng.Access(ctx, &s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gr := tab.Projects[ptRules].Members[ptAnn]; gr.Level != "member" || gr.PostHogSource != "" {
		t.Errorf("ann with a partial list: %+v, want the rules' member", gr)
	}
	if gr := tab.Projects[ptTie].Members[ptAnn]; gr.PostHogSource == "" {
		t.Errorf("near miss, another project's whole list: %+v", gr)
	}

	// A level PostHog does not have is an error, not a guess.
	p.UsersWithAccess = append(slices.Clone(p.UsersWithAccess), p.UsersWithAccess[0])
	p.UsersWithAccess[len(p.UsersWithAccess)-1].AccessLevel = "owner"
	s.Projects[idx] = p
	s.Missing = snap.Missing
	if _, err := eng.Access(ctx, &s, nil); err == nil {
		t.Error("a users_with_access level outside none/member/admin was accepted")
	}
}

// The cross-check of the table: over randomized organizations
// (crosscheck_test.go's generator and collection), every member × project
// and member × project × resource level of the table equals the
// simulator's own resolution, both from the rules alone and joined with
// users_with_access; and each path names what the simulator says decided
// (an organization admin, the default, a rule, the legacy gate).
func TestCrossCheckAccessTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := SharedBuiltinEngine(t)
	rng := rand.New(rand.NewPCG(*crosscheckSeed+11, 13))
	resources := []string{"feature_flag", "session_recording_playlist", "toolbar"}
	vias := map[string]int{}
	orgs := 100
	if testing.Short() {
		orgs = 40
	}
	for i := range orgs {
		gen := generateOrg(rng, i)
		sim := posthogsim.New(gen.org, posthogsim.WithDeployment(gen.deployment), posthogsim.WithPageSize(1000))
		if gen.explicitMembersFail {
			sim.Inject(posthogsim.Fault{Path: "/explicit_members/", Times: 1 << 20, Kind: posthogsim.Fault500})
		}
		snap := collectInMemory(t, sim)
		rules, err := eng.accessTable(ctx, snap, resources, false)
		if err != nil {
			t.Fatalf("org %d: %v", i, err)
		}
		joined, err := eng.Access(ctx, snap, resources)
		if err != nil {
			t.Fatalf("org %d: %v", i, err)
		}
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("org %d: %s\norganization: %s", i, fmt.Sprintf(format, args...), gen.describe())
		}
		for _, p := range gen.org.Projects {
			rp, jp := rules.Projects[p.ID], joined.Projects[p.ID]
			if rp == nil || jp == nil {
				fail("project %d has no entry", p.ID)
			}
			if !rp.Known {
				if !gen.legacyPrivate(p) || !missingEvidence(snap, p.ID) || rp.Members != nil || jp.Known {
					fail("project %d unknown without missing explicit_members evidence: %+v", p.ID, rp)
				}
				continue
			}
			if !rp.ResourcesKnown {
				fail("project %d: resources unknown", p.ID)
			}
			for _, m := range gen.org.Members {
				want, _ := sim.ResolveProject(m.ID, p.ID)
				for name, tp := range map[string]*access.Project{"rules": rp, "joined": jp} {
					gr, ok := tp.Members[m.ID]
					if !ok || gr.Level != want.Level {
						fail("%s: member %s (level %d) on project %d: simulator %s (%s), table %+v", name, m.ID, m.Level, p.ID, want.Level, want.Source, gr)
					}
					if !viaAgrees(gr.Path, want.Source) {
						fail("%s: member %s on project %d: path %+v, simulator's source %s", name, m.ID, p.ID, gr.Path, want.Source)
					}
				}
				vias[rp.Members[m.ID].Path.Via]++
				for _, r := range resources {
					wantR, _ := sim.ResolveResource(m.ID, p.ID, r)
					gr := rp.Resources[r][m.ID]
					if gr.Level != wantR.Level || !viaAgrees(gr.Path, wantR.Source) {
						fail("member %s on %s in project %d: simulator %s (%s), table %+v", m.ID, r, p.ID, wantR.Level, wantR.Source, gr)
					}
				}
			}
		}
	}
	for _, via := range []string{access.ViaOrgAdmin, access.ViaMemberRule, access.ViaRoleRule, access.ViaEveryoneRule,
		access.ViaDefault, access.ViaNoAccessControl, access.ViaExplicitMember, access.ViaNotExplicitMember} {
		if vias[via] == 0 && !testing.Short() {
			t.Errorf("no project grant via %s among %v", via, vias)
		}
	}
}

// viaAgrees is true when a path names what the simulator says decided.
func viaAgrees(p access.Path, source string) bool {
	switch source {
	case posthogsim.ResolvedOrgAdmin:
		return p.Via == access.ViaOrgAdmin && p.OrgLevel != ""
	case posthogsim.ResolvedSystemDefault:
		return p.Via == access.ViaDefault || p.Via == access.ViaNoAccessControl
	case posthogsim.ResolvedObject, posthogsim.ResolvedResource:
		switch p.Via {
		case access.ViaMemberRule, access.ViaEveryoneRule:
			return len(p.Roles) == 0
		case access.ViaRoleRule:
			return len(p.Roles) > 0
		}
	case posthogsim.ResolvedExplicitMembers:
		return p.Via == access.ViaExplicitMember || p.Via == access.ViaNotExplicitMember
	}
	return false
}
