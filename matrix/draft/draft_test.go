package draft

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// fixture is a small organization and its access table, built by hand:
//
//   - alice (owner), bob (Engineering), carol (no role, a member rule on
//     Production), heidi@contractor.example (Product, a member rule giving
//     her editor on feature_flag in Production), dave (Engineering, never
//     signed in for 200 days).
//   - Production: everyone none, role Engineering member, role Product
//     member; feature_flag rules. Sandbox: no rule (default admin).
//   - keys: scanner (minimal), bi (bob, Production, insight:read), old
//     (carol, legacy, unscoped).
//   - a pending invite for ivan as admin with admin on Production.
type fixture struct {
	snap  *snapshot.Snapshot
	table *access.Table
}

const (
	prodID    = int64(101)
	sandboxID = int64(102)
	engID     = "role-eng"
	prodRole  = "role-product"
)

func newFixture() *fixture {
	day := 24 * time.Hour
	member := func(id, email string, level int, lastLogin *time.Time) posthog.Member {
		return posthog.Member{ID: id, User: posthog.UserBasic{ID: int64(len(id)*1000 + int(id[len(id)-1])), UUID: "u-" + id, Email: email},
			Level: level, JoinedAt: testNow.Add(-300 * day), LastLogin: lastLogin}
	}
	recent := ptr(testNow.Add(-2 * day))
	members := []posthog.Member{
		member("m-alice", "alice@acme.example", posthog.LevelOwner, recent),
		member("m-bob", "bob@acme.example", posthog.LevelMember, recent),
		member("m-carol", "carol@acme.example", posthog.LevelMember, recent),
		member("m-dave", "dave@acme.example", posthog.LevelMember, ptr(testNow.Add(-200*day-time.Hour))),
		member("m-heidi", "heidi@contractor.example", posthog.LevelMember, recent),
	}
	uid := map[string]int64{}
	for _, m := range members {
		uid[m.ID] = m.User.ID
	}
	rm := func(mid string) snapshot.RoleMember {
		return snapshot.RoleMember{ID: "rm-" + mid, MembershipID: mid, UserUUID: "u-" + mid}
	}
	everyone := posthog.AccessControl{Resource: "project", AccessLevel: "none"}
	snap := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		Host:          "https://us.posthog.com",
		Org:           snapshot.OrgRef{ID: "org-1", Name: "Acme"},
		CollectedAt:   testNow,
		LookbackDays:  30,
		Organization: &posthog.Organization{ID: "org-1", Name: "Acme", Enforce2FA: ptr(true),
			MembersCanInvite: ptr(false), MembersCanUsePersonalAPIKeys: ptr(true)},
		Members: members,
		Invites: []posthog.Invite{
			{ID: "inv-1", TargetEmail: "ivan@acme.example", Level: posthog.LevelAdmin, CreatedAt: testNow.Add(-day),
				PrivateProjectAccess: []posthog.ProjectAccess{{ID: prodID, Level: "admin"}}},
			{ID: "inv-2", TargetEmail: "old@elsewhere.example", Level: posthog.LevelAdmin, IsExpired: true, CreatedAt: testNow.Add(-20 * day)},
		},
		Domains: []posthog.Domain{{ID: "d1", Domain: "acme.example", IsVerified: true, SSOEnforcement: "saml", HasSAML: true}},
		Roles: []snapshot.Role{
			{ID: engID, Name: "Engineering", Members: []snapshot.RoleMember{rm("m-bob"), rm("m-dave")}},
			{ID: prodRole, Name: "Product", Members: []snapshot.RoleMember{rm("m-heidi")}},
		},
		Projects: []snapshot.Project{
			{ID: prodID, Name: "Production",
				AccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{everyone,
					{Resource: "project", Role: ptr(engID), AccessLevel: "member"},
					{Resource: "project", Role: ptr(prodRole), AccessLevel: "member"},
					{Resource: "project", OrganizationMember: ptr("m-carol"), AccessLevel: "admin"},
				}},
				ResourceAccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{
					{Resource: "feature_flag", AccessLevel: "viewer"},
					{Resource: "feature_flag", OrganizationMember: ptr("m-heidi"), AccessLevel: "editor"},
				}}},
			{ID: sandboxID, Name: "Sandbox",
				AccessControls:         &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}},
				ResourceAccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}}},
		},
		APIKeys: []snapshot.APIKey{
			{Source: snapshot.KeySourceAudit, Env: "BI", PersonalAPIKey: posthog.PersonalAPIKey{ID: "k-bi", Label: "bi", CreatedAt: testNow.Add(-10 * day),
				LastUsedAt: ptr(testNow.Add(-3 * day)), UserID: uid["m-bob"], Scopes: []string{"insight:read"}, ScopedTeams: []int64{prodID}}},
			{Source: snapshot.KeySourceAudit, Env: "OLD", PersonalAPIKey: posthog.PersonalAPIKey{ID: "k-old", Label: "old", CreatedAt: testNow.Add(-400 * day),
				UserID: uid["m-carol"]}},
			{Source: snapshot.KeySourceScanner, PersonalAPIKey: posthog.PersonalAPIKey{ID: "k-scan", Label: "scanner", CreatedAt: testNow.Add(-day),
				UserID: uid["m-alice"], Scopes: slices.Clone(snapshot.RequiredScopes)}},
		},
		AuditKeyEnvs: []string{"BI", "OLD"},
		Missing:      []snapshot.Missing{},
	}
	g := func(level, via string, roles ...string) access.Grant {
		return access.Grant{Level: level, Path: access.Path{Via: via, Roles: roles}}
	}
	admin := access.Grant{Level: "admin", Path: access.Path{Via: access.ViaOrgAdmin, OrgLevel: "owner"}}
	adminRes := access.Grant{Level: "manager", Path: access.Path{Via: access.ViaOrgAdmin, OrgLevel: "owner"}}
	table := &access.Table{Projects: map[int64]*access.Project{
		prodID: {ID: prodID, Known: true, ResourcesKnown: true,
			Members: map[string]access.Grant{
				"m-alice": admin,
				"m-bob":   g("member", access.ViaRoleRule, engID),
				"m-carol": g("admin", access.ViaMemberRule),
				"m-dave":  g("member", access.ViaRoleRule, engID),
				"m-heidi": g("member", access.ViaRoleRule, prodRole),
			},
			Resources: map[string]map[string]access.Grant{"feature_flag": {
				"m-alice": adminRes,
				"m-bob":   g("viewer", access.ViaEveryoneRule),
				"m-carol": g("viewer", access.ViaEveryoneRule),
				"m-dave":  g("viewer", access.ViaEveryoneRule),
				"m-heidi": g("editor", access.ViaMemberRule),
			}}},
		sandboxID: {ID: sandboxID, Known: true, ResourcesKnown: true,
			Members: map[string]access.Grant{
				"m-alice": admin,
				"m-bob":   g("admin", access.ViaDefault),
				"m-carol": g("admin", access.ViaDefault),
				"m-dave":  g("admin", access.ViaDefault),
				"m-heidi": g("admin", access.ViaDefault),
			},
			Resources: map[string]map[string]access.Grant{}},
	}}
	return &fixture{snap: snap, table: table}
}

func (f *fixture) draft(t *testing.T) ([]byte, *matrix.Matrix) {
	t.Helper()
	out, err := Draft(f.snap, f.table, Options{Source: "snapshot.json"})
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	m, err := matrix.Parse("access-matrix.yaml", out)
	if err != nil {
		t.Fatalf("the draft does not parse: %v\n%s", err, out)
	}
	return out, m
}

func TestResourcesAreThoseWithProjectWideRules(t *testing.T) {
	f := newFixture()
	f.snap.Projects[1].ResourceAccessControls.AccessControls = []posthog.AccessControl{
		{Resource: "insight", ResourceID: ptr("42"), AccessLevel: "none"}, // one object's rule: not project-wide
		{Resource: "dashboard", AccessLevel: ""},                          // null level: no rule
	}
	if got, want := Resources(f.snap), []string{"feature_flag"}; !slices.Equal(got, want) {
		t.Fatalf("Resources = %v, want %v", got, want)
	}
}

func TestDraftBindsEveryProjectByIDAndProtectsOnlyClosedOnes(t *testing.T) {
	_, m := newFixture().draft(t)
	prod, sandbox := m.Projects["production"], m.Projects["sandbox"]
	if prod == nil || sandbox == nil {
		t.Fatalf("projects = %v, want production and sandbox", m.ProjectKeys())
	}
	if prod.ID == nil || int64(prod.ID.Value) != prodID || sandbox.ID == nil || int64(sandbox.ID.Value) != sandboxID {
		t.Fatalf("projects not bound by id: %+v %+v", prod.ID, sandbox.ID)
	}
	if prod.Protected == nil || !prod.Protected.Value {
		t.Error("Production (everyone → none) is not protected")
	}
	if sandbox.Protected != nil {
		t.Error("Sandbox (no rule: every member admin) is protected")
	}
}

func TestDraftProtectsNoProjectWhoseDefaultIsOpen(t *testing.T) {
	f := newFixture()
	f.snap.Projects[0].AccessControls.AccessControls[0].AccessLevel = "member" // everyone → member
	_, m := f.draft(t)
	if p := m.Projects["production"]; p.Protected != nil {
		t.Error("Production with everyone → member is protected")
	}
	// Without access control in the plan, rules are not consulted: no project is closed.
	f = newFixture()
	for _, tp := range f.table.Projects {
		for mid, g := range tp.Members {
			if g.Path.Via != access.ViaOrgAdmin {
				tp.Members[mid] = access.Grant{Level: "admin", Path: access.Path{Via: access.ViaNoAccessControl}}
			}
		}
	}
	out, m := f.draft(t)
	if p := m.Projects["production"]; p.Protected != nil {
		t.Error("Production is protected although PostHog consults no rule")
	}
	if !bytes.Contains(out, []byte("DECIDE: project Production is open to every member: the organization's plan has no access control")) {
		t.Errorf("no comment on the plan without access control:\n%s", out)
	}
}

func TestDraftRoleGroupsAndUnexplainedMembers(t *testing.T) {
	out, m := newFixture().draft(t)
	eng := m.Groups["engineering"]
	if eng == nil || eng.Role == nil || eng.Role.Value != "Engineering" {
		t.Fatalf("no engineering group bound to role Engineering: %v", m.GroupKeys())
	}
	e := m.Access["engineering"].Projects
	if e["production"].RoleOrDefault() != "member" || e["sandbox"].RoleOrDefault() != "admin" {
		t.Errorf("engineering levels: production %s, sandbox %s; want member, admin", e["production"].RoleOrDefault(), e["sandbox"].RoleOrDefault())
	}
	if r := e["production"].Resources["feature_flag"]; r == nil || r.Value != "viewer" {
		t.Errorf("engineering feature_flag on production = %v, want viewer", r)
	}
	// carol has no role: a group of her own, marked.
	carol := m.Groups["carol_acme_example"]
	if carol == nil || !slices.Equal(carol.Members.Values(), []string{"carol@acme.example"}) {
		t.Fatalf("no group of carol's own: %v", m.GroupKeys())
	}
	if got := m.Access["carol_acme_example"].Projects["production"].RoleOrDefault(); got != "admin" {
		t.Errorf("carol on production = %s, want admin", got)
	}
	// heidi's role explains her project level but not her member rule on feature_flag.
	heidi := m.Access["heidi_contractor_example"]
	if heidi == nil || heidi.Projects["production"] == nil || heidi.Projects["production"].Resources["feature_flag"].Value != "editor" {
		t.Errorf("heidi's own group does not allow her editor on feature_flag: %+v", heidi)
	}
	// Near miss: bob and dave are fully explained by Engineering.
	for _, k := range []string{"bob_acme_example", "dave_acme_example"} {
		if m.Groups[k] != nil {
			t.Errorf("group %s exists although role Engineering explains the member", k)
		}
	}
	if n := strings.Count(string(out), "DECIDE: no role explains this member's access"); n != 2 {
		t.Errorf("%d members marked unexplained, want 2 (carol, heidi):\n%s", n, out)
	}
	owners := m.Groups["organization_owners"]
	if owners == nil || owners.OrgLevelOrDefault() != "owner" || !slices.Equal(owners.Members.Values(), []string{"alice@acme.example"}) {
		t.Errorf("organization_owners = %+v", owners)
	}
	if m.Access["organization_owners"].Projects["sandbox"].RoleOrDefault() != "admin" {
		t.Error("owners are not allowed admin on every project")
	}
}

func TestDraftServiceAccounts(t *testing.T) {
	out, m := newFixture().draft(t)
	bi := m.Groups["key_bi"]
	// Bound by its label alone: bob as a member would lend key bi's scopes
	// to every other key of bob's.
	if bi == nil || !slices.Equal(bi.Keys.Values(), []string{"bi"}) || bi.Members != nil {
		t.Fatalf("key_bi = %+v", bi)
	}
	pe := m.Access["key_bi"].Projects
	if got := pe["production"].APIKeyScopes.Values(); !slices.Equal(got, []string{"insight:read"}) {
		t.Errorf("key_bi scopes on production = %v", got)
	}
	if pe["sandbox"] != nil {
		t.Error("a key scoped to Production is granted scopes on Sandbox")
	}
	// The entry mirrors its owner: bob is a member of Production, viewer on feature_flag.
	if pe["production"].RoleOrDefault() != "member" || pe["production"].Resources["feature_flag"].Value != "viewer" {
		t.Errorf("key_bi's entry does not mirror its owner: %+v", pe["production"])
	}
	// The legacy key holds everything, on every project.
	old := m.Access["key_old"].Projects
	for _, p := range []string{"production", "sandbox"} {
		if old[p] == nil || !slices.Equal(old[p].APIKeyScopes.Values(), []string{"*"}) {
			t.Errorf("legacy key on %s: %+v", p, old[p])
		}
	}
	for _, want := range []string{"DECIDE: key key:old holds * (all scopes)", "DECIDE: key key:old is not limited to projects"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("missing comment %q", want)
		}
	}
	k := m.APIKeys
	if k.AllowWildcard == nil || !k.AllowWildcard.Value || k.RequireProjectScoping == nil || k.RequireProjectScoping.Value {
		t.Errorf("api_keys with a wildcard unscoped key: allow_wildcard %v, require_project_scoping %v", k.AllowWildcard, k.RequireProjectScoping)
	}
	if k.MaxAgeDays.Value != 400 || k.MaxUnusedDays.Value != 400 {
		t.Errorf("max_age_days %d, max_unused_days %d; want 400 and 400 (the legacy key's age, never used)", k.MaxAgeDays.Value, k.MaxUnusedDays.Value)
	}
}

func TestDraftKeyLimitsWithoutRiskyKeysStayStrict(t *testing.T) {
	f := newFixture()
	f.snap.APIKeys = slices.DeleteFunc(f.snap.APIKeys, func(k snapshot.APIKey) bool { return k.ID == "k-old" })
	_, m := f.draft(t)
	k := m.APIKeys
	if k.AllowWildcard.Value || !k.RequireProjectScoping.Value || k.MaxAgeDays.Value != DefaultKeyMaxAgeDays || k.MaxUnusedDays.Value != DefaultKeyMaxUnusedDays {
		t.Errorf("api_keys = wildcard %v, scoping %v, age %d, unused %d; want the strict defaults",
			k.AllowWildcard.Value, k.RequireProjectScoping.Value, k.MaxAgeDays.Value, k.MaxUnusedDays.Value)
	}
	if m.Groups["key_old"] != nil {
		t.Error("a group for a key that was not audited")
	}
}

func TestDraftOrganizationSettingsAsTheyAre(t *testing.T) {
	out, m := newFixture().draft(t)
	o := m.Organization
	if o.EnforceSSO == nil || o.EnforceSSO.Value != "saml" || !slices.Equal(o.SSODomains.Values(), []string{"acme.example"}) {
		t.Errorf("sso: %+v %+v", o.EnforceSSO, o.SSODomains)
	}
	if o.MaxOwners.Value != 1 || o.MaxAdmins.Value != 0 || !o.Require2FA.Value || o.MembersCanInvite.Value || !o.MembersCanUsePersonalAPIKeys.Value {
		t.Errorf("organization: %+v", o)
	}
	// Members' and pending invitees' domains; not the expired invite's.
	if got, want := o.AllowedEmailDomains.Values(), []string{"acme.example", "contractor.example"}; !slices.Equal(got, want) {
		t.Errorf("allowed_email_domains = %v, want %v", got, want)
	}
	if o.DormantAfterDays.Value != 201 {
		t.Errorf("dormant_after_days = %d, want 201 (dave, 200 days and an hour)", o.DormantAfterDays.Value)
	}
	for _, want := range []string{
		"DECIDE: 1 owner today: is that what you want?",
		"DECIDE: member heidi@contractor.example is outside acme.example",
		"DECIDE: project Sandbox is open to every member",
		"DECIDE: dave@acme.example has not signed in for 201 days",
		"DECIDE: every member can create personal API keys today",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("missing comment %q", want)
		}
	}
	// Near miss: members inside the domain get no such comment.
	if bytes.Contains(out, []byte("member bob@acme.example is outside")) {
		t.Error("bob is said to be outside his own domain")
	}
}

func TestDraftInvites(t *testing.T) {
	out, m := newFixture().draft(t)
	inv := m.Groups["invite_ivan_acme_example"]
	if inv == nil || m.Access["invite_ivan_acme_example"].Projects["production"].RoleOrDefault() != "admin" {
		t.Fatalf("no group allowing ivan's invite admin on production: %v", m.GroupKeys())
	}
	if len(m.Exceptions) != 1 || m.Exceptions[0].Rule != "PH210" || m.Exceptions[0].Subject != "invite:ivan@acme.example" ||
		m.Exceptions[0].Expires.Format(time.DateOnly) != "2026-12-27" {
		t.Fatalf("exceptions = %+v, want one for PH210 invite:ivan@acme.example until 2026-12-27", m.Exceptions)
	}
	if !bytes.Contains(out, []byte("DECIDE: the pending invite for ivan@acme.example would make them an organization admin")) {
		t.Error("no comment on the admin invite")
	}
	// Near miss: the expired invite gets nothing.
	if bytes.Contains(out, []byte("old@elsewhere.example")) {
		t.Error("the expired invite appears in the draft")
	}
}

func TestDraftScannerKeyOverprivilegedIsExcepted(t *testing.T) {
	f := newFixture()
	f.snap.APIKeys[2].Scopes = append(f.snap.APIKeys[2].Scopes, "feature_flag:write")
	_, m := f.draft(t)
	var found bool
	for _, x := range m.Exceptions {
		found = found || (x.Rule == "PH306" && x.Subject == "key:scanner")
	}
	if !found {
		t.Errorf("no PH306 exception for the scanning key: %+v", m.Exceptions)
	}
	// Near miss: the minimal scanning key of the fixture has none.
	_, m = newFixture().draft(t)
	for _, x := range m.Exceptions {
		if x.Rule == "PH306" {
			t.Errorf("PH306 exception for a minimal scanning key")
		}
	}
}

func TestDraftIsDeterministic(t *testing.T) {
	first, _ := newFixture().draft(t)
	for range 10 {
		again, _ := newFixture().draft(t)
		if !bytes.Equal(first, again) {
			t.Fatalf("two drafts of the same snapshot differ:\n%s\n----\n%s", first, again)
		}
	}
	if bytes.Contains(first, []byte(time.Now().UTC().Format("2006-01-02T15"))) && !strings.HasPrefix(time.Now().UTC().Format(time.DateOnly), "2026-11-27") {
		t.Error("the draft holds the current time")
	}
}

func TestDraftRefusesIncompleteEvidence(t *testing.T) {
	cases := map[string]struct {
		mutate  func(*fixture)
		section string
	}{
		"access rules of a project missing": {func(f *fixture) {
			f.snap.Missing = append(f.snap.Missing, snapshot.Missing{Section: snapshot.SectionAccessControls, ProjectID: ptr(prodID), Status: 403, Reason: "missing scope access_control:read"})
		}, snapshot.SectionAccessControls},
		"project access unknown in the table": {func(f *fixture) {
			f.table.Projects[sandboxID] = &access.Project{ID: sandboxID}
		}, snapshot.SectionAccessControls},
		"project absent from the table": {func(f *fixture) { delete(f.table.Projects, sandboxID) }, snapshot.SectionAccessControls},
		"resources unknown":             {func(f *fixture) { f.table.Projects[prodID].ResourcesKnown = false }, snapshot.SectionResourceAccessControls},
		"resource not in the table":     {func(f *fixture) { delete(f.table.Projects[prodID].Resources, "feature_flag") }, snapshot.SectionResourceAccessControls},
		"member not in the table":       {func(f *fixture) { delete(f.table.Projects[prodID].Members, "m-bob") }, snapshot.SectionAccessControls},
		"roles not collected":           {func(f *fixture) { f.snap.Roles = nil }, snapshot.SectionRoles},
		"invites not collected":         {func(f *fixture) { f.snap.Invites = nil }, snapshot.SectionInvites},
		"an audit key missing": {func(f *fixture) {
			f.snap.Missing = append(f.snap.Missing, snapshot.Missing{Section: snapshot.SectionAPIKeys, AuditKeyEnv: "FLAG", Status: 401, Reason: "the key was rejected"})
		}, snapshot.SectionAPIKeys},
		"member list partial": {func(f *fixture) {
			f.snap.Missing = append(f.snap.Missing, snapshot.Missing{Section: snapshot.SectionMembers, Cause: snapshot.CauseScannerNotAdmin, Reason: "the scanning key's user is not an admin"})
		}, snapshot.SectionMembers},
		"no table": {func(f *fixture) { f.table = nil }, snapshot.SectionAccessControls},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture()
			c.mutate(f)
			out, err := Draft(f.snap, f.table, Options{})
			var ie *IncompleteError
			if !errors.As(err, &ie) || !errors.Is(err, ErrIncomplete) {
				t.Fatalf("Draft = %d bytes, %v; want an IncompleteError", len(out), err)
			}
			if !slices.Contains(ie.Sections, c.section) || !strings.Contains(err.Error(), "section "+c.section) {
				t.Errorf("error %q names sections %v, want %s", err, ie.Sections, c.section)
			}
		})
	}
	// Near miss: a section the deployment does not have is no gap, and
	// neither is one the draft does not read.
	f := newFixture()
	f.snap.Missing = append(f.snap.Missing,
		snapshot.Missing{Section: snapshot.SectionUsersWithAccess, ProjectID: ptr(prodID), Status: 404, NotApplicable: true, Reason: "not applicable on this deployment"},
		snapshot.Missing{Section: snapshot.SectionActivityLog, Status: 402, Feature: "audit_logs", Reason: "plan lacks audit_logs"})
	if _, err := Draft(f.snap, f.table, Options{}); err != nil {
		t.Fatalf("Draft with a not-applicable section and no activity log: %v", err)
	}
}

func TestDraftRoleNamesSharedByTwoRolesBindByMembers(t *testing.T) {
	f := newFixture()
	f.snap.Roles = append(f.snap.Roles, snapshot.Role{ID: "role-eng-2", Name: "engineering"})
	_, m := f.draft(t)
	g := m.Groups["engineering"]
	if g == nil || g.Role != nil || !slices.Equal(g.Members.Values(), []string{"bob@acme.example", "dave@acme.example"}) {
		t.Fatalf("engineering = %+v; want it bound by its members", g)
	}
	// Near miss: the unique name binds by role.
	_, m = newFixture().draft(t)
	if m.Groups["engineering"].Role == nil {
		t.Error("a unique role name is not bound by role:")
	}
}

func TestDraftNamesAreValidKeysAndUnique(t *testing.T) {
	f := newFixture()
	f.snap.Projects[1].Name = "Production" // two projects of one name
	f.snap.Roles[1].Name = "Ünïcode & *"
	out, m := f.draft(t)
	if m.Projects["production"] == nil || m.Projects["production_2"] == nil {
		t.Errorf("projects = %v, want production and production_2", m.ProjectKeys())
	}
	for _, k := range append(m.ProjectKeys(), m.GroupKeys()...) {
		if !matrix.ValidKey(k) {
			t.Errorf("invalid key %q", k)
		}
	}
	if !bytes.Contains(out, []byte(`role: "Ünïcode & *"`)) {
		t.Errorf("role name not quoted as is:\n%s", out)
	}
}
