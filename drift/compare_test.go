package drift

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// driftCase edits a copy of baseSnapshot (old) and a later copy (new) and
// names the changes expected, shown by show, in report order; groups, when
// set, limits the comparison to those groups.
type driftCase struct {
	name   string
	edit   func(o, n *snapshot.Snapshot)
	groups []string
	want   []string
}

func runCases(t *testing.T, cases []driftCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := baseSnapshot()
			n := later(t, o, t1)
			if tc.edit != nil {
				tc.edit(o, n)
			}
			r := compare(t, o, n)
			var got []string
			for _, ch := range r.Changes {
				if len(tc.groups) == 0 || contains(tc.groups, ch.Group) {
					got = append(got, show(ch))
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if len(r.Gaps) != 0 {
				t.Errorf("unexpected gaps: %v", showGaps(r.Gaps))
			}
			for _, ch := range r.Changes {
				if ch.Message == "" || ch.Group != KindGroup[ch.Kind] {
					t.Errorf("change %s: message %q, group %q", show(ch), ch.Message, ch.Group)
				}
			}
		})
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func member(s *snapshot.Snapshot, id string) *posthog.Member {
	for i := range s.Members {
		if s.Members[i].ID == id {
			return &s.Members[i]
		}
	}
	panic("no member " + id)
}

func project(s *snapshot.Snapshot, id int64) *snapshot.Project {
	for i := range s.Projects {
		if s.Projects[i].ID == id {
			return &s.Projects[i]
		}
	}
	panic("no project")
}

func role(s *snapshot.Snapshot, id string) *snapshot.Role {
	for i := range s.Roles {
		if s.Roles[i].ID == id {
			return &s.Roles[i]
		}
	}
	panic("no role " + id)
}

func TestSameStateHasNoDrift(t *testing.T) {
	o := baseSnapshot()
	r := compare(t, o, later(t, o, t1))
	if len(r.Changes) != 0 || len(r.Gaps) != 0 {
		t.Fatalf("changes %v, gaps %v", showAll(r.Changes), showGaps(r.Gaps))
	}
	for _, g := range Groups {
		if n, ok := r.Counts[g]; !ok || n != 0 {
			t.Errorf("counts[%s] = %d, %v", g, n, ok)
		}
	}
}

func TestMembers(t *testing.T) {
	promote := func(o, n *snapshot.Snapshot) { member(n, "m-bob").Level = posthog.LevelAdmin }
	runCases(t, []driftCase{
		{name: "level change attributed with its access", edit: func(o, n *snapshot.Snapshot) {
			promote(o, n)
			n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 8)))
		}, want: []string{
			"member_level member:bob@acme.example level member→admin by alice@acme.example",
			"project_access member:bob@acme.example p1 member→admin by alice@acme.example",
			"project_access member:bob@acme.example p2 member→admin by alice@acme.example",
			"resource_access member:bob@acme.example p1 feature_flag viewer→manager by alice@acme.example",
			"resource_access member:bob@acme.example p2 feature_flag editor→manager by alice@acme.example",
		}},
		{name: "near miss: the entry set another level", groups: []string{GroupMembers}, edit: func(o, n *snapshot.Snapshot) {
			promote(o, n)
			n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 15)))
		}, want: []string{"member_level member:bob@acme.example level member→admin"}},
		{name: "near miss: the entry is before the old snapshot", groups: []string{GroupMembers}, edit: func(o, n *snapshot.Snapshot) {
			promote(o, n)
			n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "OrganizationMembership", "updated", "m-bob", t0.Add(-1), fieldChange("level", 1, 8)))
		}, want: []string{"member_level member:bob@acme.example level member→admin"}},
		{name: "near miss: two actors at once are ambiguous", groups: []string{GroupMembers}, edit: func(o, n *snapshot.Snapshot) {
			promote(o, n)
			n.ActivityLog = append(n.ActivityLog,
				entry("e1", "alice@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 8)),
				entry("e2", "dan@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 8)))
		}, want: []string{"member_level member:bob@acme.example level member→admin"}},
		{name: "the latest write wins", groups: []string{GroupMembers}, edit: func(o, n *snapshot.Snapshot) {
			promote(o, n)
			n.ActivityLog = append(n.ActivityLog,
				entry("e1", "alice@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 8)),
				entry("e2", "dan@acme.example", "OrganizationMembership", "updated", "m-bob", tMid.Add(1), fieldChange("level", 1, 8)))
		}, want: []string{"member_level member:bob@acme.example level member→admin by dan@acme.example"}},
		{name: "near miss: another member's entry", groups: []string{GroupMembers}, edit: func(o, n *snapshot.Snapshot) {
			promote(o, n)
			n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "OrganizationMembership", "updated", "m-carol", tMid, fieldChange("level", 1, 8)))
		}, want: []string{"member_level member:bob@acme.example level member→admin"}},
		{name: "joined, with its invite accepted and its access from none", edit: func(o, n *snapshot.Snapshot) {
			n.Members = append(n.Members, posthog.Member{ID: "m-erin", User: posthog.UserBasic{ID: 5, UUID: "u-erin", Email: "erin@acme.example"}, Level: posthog.LevelMember, JoinedAt: tMid})
			n.Invites = nil
			n.Invites = []posthog.Invite{}
			n.ActivityLog = append(n.ActivityLog, entry("e1", "", "OrganizationMembership", "created", "m-erin", tMid))
		}, want: []string{
			"member_joined member:erin@acme.example →member @2026-11-30",
			"project_access member:erin@acme.example p1 none→member @2026-11-30",
			"resource_access member:erin@acme.example p1 feature_flag none→viewer @2026-11-30",
			"resource_access member:erin@acme.example p2 feature_flag none→editor @2026-11-30",
			"invite_removed invite:erin@acme.example member→",
		}},
		{name: "left", edit: func(o, n *snapshot.Snapshot) {
			n.Members = n.Members[:2] // alice, bob
			n.Members = append(n.Members, *member(o, "m-dan"))
			n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "OrganizationMembership", "deleted", "m-carol", tMid))
		}, want: []string{
			"member_left member:carol@acme.example member→ by alice@acme.example",
			"project_access member:carol@acme.example p1 admin→none by alice@acme.example",
			"resource_access member:carol@acme.example p1 feature_flag viewer→none by alice@acme.example",
			"resource_access member:carol@acme.example p2 feature_flag editor→none by alice@acme.example",
		}},
		{name: "2fa", edit: func(o, n *snapshot.Snapshot) { member(n, "m-bob").Is2FAEnabled = true },
			want: []string{"member_2fa member:bob@acme.example is_2fa_enabled disabled→enabled"}},
		{name: "near miss: other member fields", edit: func(o, n *snapshot.Snapshot) {
			m := member(n, "m-bob")
			m.HasSocialAuth, m.LastLogin, m.User.FirstName = true, ptr(tMid), "Robert"
		}},
	})
}

func TestRoles(t *testing.T) {
	runCases(t, []driftCase{
		{name: "added", edit: func(o, n *snapshot.Snapshot) {
			n.Roles = append(n.Roles, snapshot.Role{ID: "r-ops", Name: "Ops"})
		}, want: []string{"role_added role:Ops →Ops"}},
		{name: "removed with its members", groups: []string{GroupRoles}, edit: func(o, n *snapshot.Snapshot) {
			n.Roles = n.Roles[1:] // Eng gone
		}, want: []string{"role_removed role:Eng Eng→", "role_member_removed role:Eng carol@acme.example Eng→"}},
		{name: "renamed", edit: func(o, n *snapshot.Snapshot) { role(n, "r-eng").Name = "Engineering" },
			want: []string{"role_renamed role:Engineering name Eng→Engineering"}},
		{name: "member added grants access through the role's rule", edit: func(o, n *snapshot.Snapshot) {
			r := role(n, "r-fin")
			r.Members = append(r.Members, snapshot.RoleMember{ID: "rm-carol2", MembershipID: "m-carol", UserUUID: "u-m-carol", Email: "carol@acme.example", JoinedAt: tMid})
		}, want: []string{
			"project_access member:carol@acme.example p2 none→member @2026-11-30",
			"role_member_added role:Finance carol@acme.example →Finance @2026-11-30",
		}},
		{name: "near miss: joined_at before the old snapshot gives no time", groups: []string{GroupRoles}, edit: func(o, n *snapshot.Snapshot) {
			r := role(n, "r-eng")
			r.Members = append(r.Members, snapshot.RoleMember{ID: "rm-dan", MembershipID: "m-dan", UserUUID: "u-m-dan", Email: "dan@acme.example", JoinedAt: t0.Add(-1)})
		}, want: []string{"role_member_added role:Eng dan@acme.example →Eng"}},
		{name: "member removed", edit: func(o, n *snapshot.Snapshot) { role(n, "r-fin").Members = nil }, want: []string{
			"project_access member:bob@acme.example p2 member→none",
			"role_member_removed role:Finance bob@acme.example Finance→",
		}},
		{name: "near miss: a membership made again is no change", edit: func(o, n *snapshot.Snapshot) {
			r := role(n, "r-fin")
			r.Members[0].ID, r.Members[0].JoinedAt = "rm-bob-again", tMid
		}},
	})
}

func TestRules(t *testing.T) {
	runCases(t, []driftCase{
		{name: "added by a member, which explains the access", edit: func(o, n *snapshot.Snapshot) {
			p := project(n, 2)
			p.AccessControls.AccessControls = append(p.AccessControls.AccessControls, posthog.AccessControl{
				Resource: "project", ResourceID: ptr("2"), OrganizationMember: ptr("m-bob"), AccessLevel: "admin",
				CreatedAt: ptr(tMid), UpdatedAt: ptr(tMid), CreatedBy: ptr(int64(4))})
		}, want: []string{
			"project_access member:bob@acme.example p2 member→admin by dan@acme.example",
			"rule_added member:bob@acme.example p2 project →admin by dan@acme.example",
		}},
		{name: "changed in place: no actor, the access joined to it", edit: func(o, n *snapshot.Snapshot) {
			r := &project(n, 2).AccessControls.AccessControls[1]
			r.AccessLevel, r.UpdatedAt = "admin", ptr(tMid)
		}, want: []string{
			"project_access member:bob@acme.example p2 member→admin",
			"rule_changed role:Finance p2 project member→admin",
		}},
		{name: "removed", edit: func(o, n *snapshot.Snapshot) {
			p := project(n, 1)
			p.AccessControls.AccessControls = p.AccessControls.AccessControls[:1]
		}, want: []string{
			"project_access member:carol@acme.example p1 admin→member",
			"rule_removed member:carol@acme.example p1 project admin→",
		}},
		{name: "resource rule for everyone", edit: func(o, n *snapshot.Snapshot) {
			project(n, 1).ResourceAccessControls.AccessControls[0].AccessLevel = "editor"
		}, want: []string{
			"resource_access member:bob@acme.example p1 feature_flag viewer→editor",
			"resource_access member:carol@acme.example p1 feature_flag viewer→editor",
			"rule_changed everyone p1 feature_flag viewer→editor",
		}},
		{name: "creator unknown: a time, no actor", groups: []string{GroupRules}, edit: func(o, n *snapshot.Snapshot) {
			p := project(n, 1)
			p.AccessControls.AccessControls = append(p.AccessControls.AccessControls, posthog.AccessControl{
				Resource: "project", ResourceID: ptr("1"), Role: ptr("r-eng"), AccessLevel: "member", CreatedAt: ptr(tMid), CreatedBy: ptr(int64(99))})
		}, want: []string{"rule_added role:Eng p1 project →member @2026-11-30"}},
		{name: "near miss: order and timestamps alone", edit: func(o, n *snapshot.Snapshot) {
			l := project(n, 2).AccessControls.AccessControls
			l[0], l[1] = l[1], l[0]
			l[0].UpdatedAt = ptr(tMid)
		}},
		{name: "same level by another path", edit: func(o, n *snapshot.Snapshot) {
			p := project(n, 1)
			p.AccessControls.AccessControls = append(p.AccessControls.AccessControls, posthog.AccessControl{
				Resource: "project", ResourceID: ptr("1"), Role: ptr("r-fin"), AccessLevel: "member", CreatedAt: ptr(t0.Add(-1))})
		}, want: []string{
			"project_access member:bob@acme.example p1 member→member",
			"rule_added role:Finance p1 project →member",
		}},
	})
}

func TestKeys(t *testing.T) {
	bi := func(s *snapshot.Snapshot) *snapshot.APIKey { return &s.APIKeys[1] }
	runCases(t, []driftCase{
		{name: "scopes widened, logged as created with the change", edit: func(o, n *snapshot.Snapshot) {
			bi(n).Scopes = []string{"insight:read", "feature_flag:write"}
			n.ActivityLog = append(n.ActivityLog, entry("e1", "bob@acme.example", "PersonalAPIKey", "created", "k-bi", tMid, fieldChange("scopes", []string{"insight:read"}, bi(n).Scopes)))
		}, want: []string{"key_scopes key:bi scopes insight:read→feature_flag:write,insight:read by bob@acme.example"}},
		{name: "project scoping and organizations", edit: func(o, n *snapshot.Snapshot) {
			bi(n).ScopedTeams = nil
			bi(n).ScopedOrganizations = []string{"org-1"}
		}, want: []string{"key_projects key:bi scoped_teams 1→", "key_orgs key:bi scoped_organizations →org-1"}},
		{name: "all scopes", edit: func(o, n *snapshot.Snapshot) { bi(n).Scopes = []string{"*"} },
			want: []string{"key_scopes key:bi scopes insight:read→*"}},
		{name: "near miss: the same scopes reordered and the key used", edit: func(o, n *snapshot.Snapshot) {
			bi(o).Scopes = []string{"b:read", "a:read"}
			bi(n).Scopes = []string{"a:read", "b:read"}
			bi(n).LastUsedAt = ptr(tMid)
		}},
		{name: "the variable holds another key", edit: func(o, n *snapshot.Snapshot) {
			bi(n).ID, bi(n).Label = "k-bi2", "bi-2"
			n.ActivityLog = append(n.ActivityLog, entry("e1", "bob@acme.example", "PersonalAPIKey", "deleted", "k-bi", tMid))
		}, want: []string{"key_added key:bi-2 →insight:read", "key_removed key:bi insight:read→ by bob@acme.example"}},
		// Another scanning key is no change, but a gap: see TestScanningKeyOneSide.
	})
}

func TestSettings(t *testing.T) {
	runCases(t, []driftCase{
		{name: "2fa enforced, logged under its display name", edit: func(o, n *snapshot.Snapshot) {
			n.Organization.Enforce2FA = ptr(true)
			n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "Organization", "updated", "org-1", tMid, fieldChange("two-factor authentication requirement", nil, true)))
		}, want: []string{"org_setting org:Acme enforce_2fa false→true by alice@acme.example"}},
		{name: "near miss: the entry set the other value", edit: func(o, n *snapshot.Snapshot) {
			n.Organization.Enforce2FA = ptr(true)
			n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "Organization", "updated", "org-1", tMid, fieldChange("enforce_2fa", true, false)))
		}, want: []string{"org_setting org:Acme enforce_2fa false→true"}},
		{name: "every organization field", edit: func(o, n *snapshot.Snapshot) {
			g := n.Organization
			g.MembersCanInvite, g.MembersCanUsePersonalAPIKeys, g.AllowPubliclySharedResources = ptr(false), ptr(false), ptr(false)
			g.MembersCanSeeOrgMembers, g.UsesMostSpecificAccessResolution = ptr(false), ptr(false)
			g.AvailableProductFeatures = []string{"audit_logs"}
			g.DefaultRoleID = ptr("r-fin")
			n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "Organization", "updated", "org-1", tMid, fieldChange("personal API key permissions", true, false)))
		}, want: []string{
			"org_setting org:Acme allow_publicly_shared_resources true→false",
			"org_setting org:Acme available_product_features access_control,audit_logs→audit_logs",
			"org_setting org:Acme default_role_id →r-fin",
			"org_setting org:Acme members_can_invite true→false",
			"org_setting org:Acme members_can_see_org_members true→false",
			"org_setting org:Acme members_can_use_personal_api_keys true→false by alice@acme.example",
			"org_setting org:Acme uses_most_specific_access_resolution true→false",
		}, groups: []string{GroupSettings}},
		{name: "domain settings", edit: func(o, n *snapshot.Snapshot) {
			o.Domains[0].SCIMEnabled = ptr(false) // not reported is a gap: see TestUnreportedSetting
			d := &n.Domains[0]
			d.SSOEnforcement, d.HasSAML, d.JITProvisioningEnabled, d.IsVerified, d.SCIMEnabled = "saml", true, true, false, ptr(true)
			n.ActivityLog = append(n.ActivityLog,
				entry("e1", "dan@acme.example", "OrganizationDomain", "updated", "dom-1", tMid, fieldChange("SSO enforcement", "", "saml")),
				entry("e2", "dan@acme.example", "OrganizationDomain", "updated", "dom-1", tMid.Add(1), fieldChange("_saml_entity_id", nil, "https://idp")))
		}, want: []string{
			"domain_setting domain:acme.example has_saml false→true by dan@acme.example",
			"domain_setting domain:acme.example is_verified true→false",
			"domain_setting domain:acme.example jit_provisioning_enabled false→true",
			"domain_setting domain:acme.example scim_enabled false→true",
			"domain_setting domain:acme.example sso_enforcement →saml by dan@acme.example",
		}},
		{name: "sso enforcement cleared, logged as deleted with the before alone", edit: func(o, n *snapshot.Snapshot) {
			o.Domains[0].SSOEnforcement = "google-oauth2"
			n.Domains[0].SSOEnforcement = ""
			cleared := fieldChange("sso_enforcement", "google-oauth2", nil)
			cleared.Action, cleared.After = "deleted", nil
			n.ActivityLog = append(n.ActivityLog, entry("e1", "dan@acme.example", "OrganizationDomain", "updated", "dom-1", tMid, cleared))
		}, want: []string{"domain_setting domain:acme.example sso_enforcement google-oauth2→ by dan@acme.example"}},
		{name: "near miss: a deleted change of the field to another value is no clearing", edit: func(o, n *snapshot.Snapshot) {
			o.Domains[0].SSOEnforcement = "google-oauth2"
			n.Domains[0].SSOEnforcement = "saml"
			cleared := fieldChange("sso_enforcement", "google-oauth2", nil)
			cleared.Action, cleared.After = "deleted", nil
			n.ActivityLog = append(n.ActivityLog, entry("e1", "dan@acme.example", "OrganizationDomain", "updated", "dom-1", tMid, cleared))
		}, want: []string{"domain_setting domain:acme.example sso_enforcement google-oauth2→saml"}},
		{name: "near miss: sso enforcement cleared, the entry for another domain", edit: func(o, n *snapshot.Snapshot) {
			o.Domains[0].SSOEnforcement = "google-oauth2"
			n.Domains[0].SSOEnforcement = ""
			n.ActivityLog = append(n.ActivityLog, entry("e1", "dan@acme.example", "OrganizationDomain", "updated", "dom-2", tMid, fieldChange("sso_enforcement", "google-oauth2", "")))
		}, want: []string{"domain_setting domain:acme.example sso_enforcement google-oauth2→"}},
	})
}

func TestInventory(t *testing.T) {
	runCases(t, []driftCase{
		{name: "projects", edit: func(o, n *snapshot.Snapshot) {
			project(n, 1).Name = "Prod"
			n.Projects = append(n.Projects[:1], snapshot.Project{ID: 3, Name: "Sandbox",
				AccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}}, ResourceAccessControls: &posthog.AccessControlList{}})
			n.ActivityLog = append(n.ActivityLog,
				entry("e1", "alice@acme.example", "Team", "updated", "1", tMid, fieldChange("name", "Production", "Prod")),
				entry("e2", "alice@acme.example", "Project", "created", "3", tMid),
				entry("e3", "dan@acme.example", "Team", "deleted", "2", tMid))
		}, want: []string{
			// A new project's access is drift too (default admin here).
			"project_access member:alice@acme.example p3 none→admin",
			"project_access member:bob@acme.example p3 none→admin",
			"project_access member:carol@acme.example p3 none→admin",
			"project_access member:dan@acme.example p3 none→admin",
			"resource_access member:alice@acme.example p3 feature_flag none→manager",
			"resource_access member:bob@acme.example p3 feature_flag none→editor",
			"resource_access member:carol@acme.example p3 feature_flag none→editor",
			"resource_access member:dan@acme.example p3 feature_flag none→manager",
			"project_added project:Sandbox p3 →Sandbox by alice@acme.example",
			"project_removed project:Payments p2 Payments→ by dan@acme.example",
			"project_renamed project:Prod p1 name Production→Prod by alice@acme.example",
		}},
		{name: "domains", edit: func(o, n *snapshot.Snapshot) {
			n.Domains = []posthog.Domain{{ID: "dom-2", Domain: "acme.dev"}}
			n.ActivityLog = append(n.ActivityLog, entry("e1", "dan@acme.example", "OrganizationDomain", "created", "dom-2", tMid))
		}, want: []string{"domain_added domain:acme.dev →acme.dev by dan@acme.example", "domain_removed domain:acme.example acme.example→"}},
		{name: "invites", edit: func(o, n *snapshot.Snapshot) {
			n.Invites = []posthog.Invite{{ID: "inv-frank", TargetEmail: "frank@acme.example", Level: posthog.LevelAdmin, CreatedAt: tMid}}
			n.ActivityLog = append(n.ActivityLog,
				entry("e1", "alice@acme.example", "OrganizationInvite", "created", "inv-frank", tMid),
				entry("e2", "dan@acme.example", "OrganizationInvite", "deleted", "inv-erin", tMid))
		}, want: []string{"invite_added invite:frank@acme.example →admin by alice@acme.example", "invite_removed invite:erin@acme.example member→ by dan@acme.example"}},
		{name: "near miss: an expired invite gone", edit: func(o, n *snapshot.Snapshot) {
			o.Invites[0].IsExpired = true
			n.Invites = []posthog.Invite{}
		}},
		{name: "an invite expired", edit: func(o, n *snapshot.Snapshot) { n.Invites[0].IsExpired = true },
			want: []string{"invite_removed invite:erin@acme.example member→"}},
	})
}

func TestInviteRemovedDetail(t *testing.T) {
	o := baseSnapshot()
	n := later(t, o, t1)
	n.Invites[0].IsExpired = true
	r := compare(t, o, n)
	if len(r.Changes) != 1 || r.Changes[0].Detail != "expired" {
		t.Fatalf("changes %v", r.Changes)
	}
	n.Invites = []posthog.Invite{}
	if r := compare(t, o, n); r.Changes[0].Detail != "accepted or deleted" {
		t.Errorf("detail %q", r.Changes[0].Detail)
	}
}

// TestAccessCause checks the message and cause of the example of the
// issue: a role granted admin on a project, by a rule dan created.
func TestAccessCause(t *testing.T) {
	o := baseSnapshot()
	n := later(t, o, t1)
	p := project(n, 2)
	p.AccessControls.AccessControls[1].AccessLevel = "admin"
	p.AccessControls.AccessControls[1].CreatedAt = ptr(tMid) // made again
	p.AccessControls.AccessControls[1].CreatedBy = ptr(int64(4))
	r := compare(t, o, n)
	var got *Change
	for i := range r.Changes {
		if r.Changes[i].Kind == KindProjectAccess {
			got = &r.Changes[i]
		}
	}
	if got == nil {
		t.Fatalf("no access change in %v", showAll(r.Changes))
	}
	want := "bob@acme.example: Payments member through role Finance's rule → admin through role Finance's rule, granted by dan@acme.example on 2026-11-30"
	if got.Message != want {
		t.Errorf("message\n got %q\nwant %q", got.Message, want)
	}
	if got.By == nil || got.By.Source != FromRuleCreator || !strings.HasPrefix(got.Detail, "cause: Payments: rule for role Finance") {
		t.Errorf("by %+v, detail %q", got.By, got.Detail)
	}
	if got.BeforePath == nil || got.AfterPath == nil || got.AfterPath.Via != access.ViaRoleRule {
		t.Errorf("paths %+v %+v", got.BeforePath, got.AfterPath)
	}
}

// TestAccessCauseNarrowing: a promotion to organization admin explains an
// access change through organization admin, though a rule of the
// member's role changed too; two rules the paths both name are ambiguous.
func TestAccessCauseNarrowing(t *testing.T) {
	payments := func(r *Report) Change {
		for _, ch := range r.Changes {
			if ch.Kind == KindProjectAccess && ch.Project.ID == 2 {
				return ch
			}
		}
		t.Fatalf("no access change on Payments: %v", showAll(r.Changes))
		return Change{}
	}
	o := baseSnapshot()
	n := later(t, o, t1)
	member(n, "m-bob").Level = posthog.LevelAdmin
	n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 8)))
	project(n, 2).AccessControls.AccessControls[1].AccessLevel = "admin"
	if ch := payments(compare(t, o, n)); ch.By == nil || ch.By.Actor != "alice@acme.example" || !strings.HasPrefix(ch.Detail, "cause: bob@acme.example: organization member → admin") {
		t.Errorf("promotion not the cause: %s, %q", show(ch), ch.Detail)
	}

	n = later(t, o, t1)
	p := project(n, 2)
	p.AccessControls.AccessControls[1].AccessLevel = "admin"
	p.AccessControls.AccessControls = append(p.AccessControls.AccessControls, posthog.AccessControl{
		Resource: "project", ResourceID: ptr("2"), OrganizationMember: ptr("m-bob"), AccessLevel: "admin", CreatedAt: ptr(tMid), CreatedBy: ptr(int64(4))})
	if ch := payments(compare(t, o, n)); ch.By != nil || ch.Detail != "2 changes may explain it; none is attributed" {
		t.Errorf("ambiguous cause attributed: %s, %q", show(ch), ch.Detail)
	}
}

func TestOrgLevelAloneIsNoAccessChange(t *testing.T) {
	o := baseSnapshot()
	n := later(t, o, t1)
	member(n, "m-dan").Level = posthog.LevelOwner
	r := compare(t, o, n)
	if diff := cmp.Diff([]string{"member_level member:dan@acme.example level admin→owner"}, showAll(r.Changes)); diff != "" {
		t.Error(diff)
	}
}

func TestErrors(t *testing.T) {
	o := baseSnapshot()
	other := later(t, o, t1)
	other.Org.ID = "org-2"
	if _, err := Compare(o, other, nil, nil, Options{}); !errors.Is(err, ErrOtherOrg) {
		t.Errorf("other org: %v", err)
	}
	for _, at := range []struct {
		name string
		n    *snapshot.Snapshot
	}{{"same time", later(t, o, t0)}, {"earlier", later(t, o, t0.Add(-1))}} {
		if _, err := Compare(o, at.n, nil, nil, Options{}); !errors.Is(err, ErrNotOlder) {
			t.Errorf("%s: %v", at.name, err)
		}
	}
	// Near miss: one nanosecond later is newer.
	if _, err := Compare(o, later(t, o, t0.Add(1)), simpleTable(o), simpleTable(o), Options{}); err != nil {
		t.Errorf("newer: %v", err)
	}
}

func TestRuleChangedDetail(t *testing.T) {
	for _, tc := range []struct {
		name    string
		updated any
		want    string
	}{
		{"updated between the snapshots", tMid, "rule updated 2026-11-30, not in the activity log"},
		{"near miss: updated_at not moved", nil, "access-rule changes are not in PostHog's activity log"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := baseSnapshot()
			n := later(t, o, t1)
			r := &project(n, 2).AccessControls.AccessControls[1]
			r.AccessLevel = "admin"
			if tc.updated != nil {
				r.UpdatedAt = ptr(tMid)
			}
			for _, ch := range compare(t, o, n).Changes {
				if ch.Kind == KindRuleChanged && ch.Detail != tc.want {
					t.Errorf("detail %q, want %q", ch.Detail, tc.want)
				}
			}
		})
	}
}

// TestJoinExplainsOnlyAccessByBeingAMember: erin joins (her own entry, as
// PostHog logs an accepted invite) and is put in role Finance, whose rule
// gives Payments; that access is the role membership's (joined_at, no
// actor), never the joiner's. Near miss: her access to Production, through
// the rule for everyone, is the join's.
func TestJoinExplainsOnlyAccessByBeingAMember(t *testing.T) {
	o := baseSnapshot()
	n := later(t, o, t1)
	n.Members = append(n.Members, posthog.Member{ID: "m-erin", User: posthog.UserBasic{ID: 5, UUID: "u-erin", Email: "erin@acme.example"}, Level: posthog.LevelMember, JoinedAt: tMid})
	n.Invites = []posthog.Invite{}
	n.ActivityLog = append(n.ActivityLog, entry("e1", "erin@acme.example", "OrganizationMembership", "created", "m-erin", tMid))
	for i := range n.Roles {
		if n.Roles[i].ID == "r-fin" {
			n.Roles[i].Members = append(n.Roles[i].Members, snapshot.RoleMember{ID: "rm-erin", MembershipID: "m-erin", UserUUID: "u-erin", Email: "erin@acme.example", JoinedAt: tMid.Add(time.Minute)})
		}
	}
	r := compare(t, o, n)
	var payments, production *Change
	for i, ch := range r.Changes {
		if ch.Kind == KindProjectAccess && ch.Subject == "member:erin@acme.example" {
			switch ch.Project.ID {
			case 2:
				payments = &r.Changes[i]
			case 1:
				production = &r.Changes[i]
			}
		}
	}
	if payments == nil || production == nil {
		t.Fatalf("erin's access changes missing: %v", showAll(r.Changes))
	}
	if payments.By != nil && payments.By.Actor != "" {
		t.Errorf("Payments through role Finance attributed to %s: %+v", payments.By.Actor, payments)
	}
	if production.By == nil || production.By.Actor != "erin@acme.example" {
		t.Errorf("Production through the rule for everyone: by %+v, want the join's", production.By)
	}
}
