package posthogsim_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// memberToken is a read-scoped key of bi-bot, an organization member (level
// 1) whom a rule lets into Production and nothing lets into Staging.
const memberToken = "phx_visibilityMemberKey0000000000000000000000"

// acmeWithMemberKey returns Acme with memberToken added, changed by mutate.
func acmeWithMemberKey(t *testing.T, mutate func(o *posthogsim.Org), opts ...posthogsim.Option) *posthogsim.Server {
	t.Helper()
	o := posthogsim.Acme(now)
	var botID int64
	for _, m := range o.Members {
		if m.User.Email == "bi-bot@acme.example" {
			botID = m.User.ID
		}
	}
	o.Keys = append(o.Keys, posthogsim.APIKey{
		ID: "0190a1b2-8888-7000-8000-0000000000ff", Label: "bi-bot-reader", Token: memberToken, UserID: botID,
		Scopes: posthogsim.MinimalScopes(), CreatedAt: now.AddDate(0, 0, -1),
	})
	if mutate != nil {
		mutate(o)
	}
	return posthogsim.New(o, opts...)
}

// emails returns the member emails of a members page.
func emails(t *testing.T, r reply) []string {
	t.Helper()
	var out []string
	for _, it := range r.results(t) {
		out = append(out, it.(map[string]any)["user"].(map[string]any)["email"].(string))
	}
	return sorted(out...)
}

func allEmails(o *posthogsim.Org) []string {
	var out []string
	for _, m := range o.Members {
		out = append(out, m.User.Email)
	}
	return sorted(out...)
}

func hide(o *posthogsim.Org) {
	no := false
	o.MembersCanSeeOrgMembers = &no
}

func TestMemberKeySeesOnlyTheProjectsItReaches(t *testing.T) {
	sim := acmeWithMemberKey(t, nil)
	org := get(t, sim, memberToken, orgPath).obj(t)
	if org["membership_level"] != float64(posthogsim.LevelMember) {
		t.Errorf("membership_level = %v, want the caller's level 1", org["membership_level"])
	}
	if org["members_can_see_org_members"] != true {
		t.Errorf("members_can_see_org_members = %v, want PostHog's default true", org["members_can_see_org_members"])
	}
	var ids []float64
	for _, p := range get(t, sim, memberToken, orgPath+"projects/").results(t) {
		ids = append(ids, p.(map[string]any)["id"].(float64))
	}
	if diff := cmp.Diff([]float64{float64(posthogsim.AcmeProductionID)}, ids); diff != "" {
		t.Errorf("a member's project list (-want +got):\n%s", diff)
	}
	// Near miss: the owner's key lists both.
	if n := len(get(t, sim, scanner, orgPath+"projects/").results(t)); n != 2 {
		t.Errorf("the owner sees %d projects, want 2", n)
	}
	if got := get(t, sim, scanner, orgPath).obj(t)["membership_level"]; got != float64(posthogsim.LevelOwner) {
		t.Errorf("owner's membership_level = %v", got)
	}
}

func TestMembersCanSeeOrgMembersOffHidesNonProjectMembers(t *testing.T) {
	sim := acmeWithMemberKey(t, hide)
	if got := get(t, sim, memberToken, orgPath).obj(t)["members_can_see_org_members"]; got != false {
		t.Fatalf("members_can_see_org_members = %v, want false", got)
	}
	// bi-bot reaches Production; so do the Engineering and Product roles and
	// flags-bot by rule. The owners reach it only as organization admins,
	// which does not count: they are hidden.
	want := sorted("bi-bot@acme.example", "dan@acme.example", "erin@acme.example", "judy@acme.example",
		"frank@acme.example", "grace@acme.example", "heidi@contractor.example", "flags-bot@acme.example")
	if diff := cmp.Diff(want, emails(t, get(t, sim, memberToken, orgPath+"members/"))); diff != "" {
		t.Errorf("members a restricted member sees (-want +got):\n%s", diff)
	}
	// The same holds in the roles' memberships, and a hidden creator is
	// left out.
	for _, r := range get(t, sim, memberToken, orgPath+"roles/").results(t) {
		role := r.(map[string]any)
		if role["created_by"] != nil {
			t.Errorf("role %v: created_by %v is an owner hidden from the caller", role["name"], role["created_by"])
		}
	}
	// Near misses: an owner sees everyone, whatever the setting.
	if diff := cmp.Diff(allEmails(sim.Org()), emails(t, get(t, sim, scanner, orgPath+"members/"))); diff != "" {
		t.Errorf("the owner's member list (-want +got):\n%s", diff)
	}
}

func TestRestrictedRoleMembershipsHideOtherMembers(t *testing.T) {
	sim := acmeWithMemberKey(t, func(o *posthogsim.Org) {
		hide(o)
		// Staging only for Engineering: bi-bot shares no project with
		// Engineering once Production admits only bi-bot.
		o.Projects[0].AccessControls = []posthogsim.AccessRule{
			{Level: "none"}, {MemberID: memberOf(o, "bi-bot@acme.example"), Level: "member"},
		}
	})
	const engineering = "0190a1b2-2222-7000-8000-000000000001"
	if n := len(get(t, sim, memberToken, orgPath+"roles/"+engineering+"/role_memberships/").results(t)); n != 0 {
		t.Errorf("role memberships of Engineering seen by bi-bot = %d, want 0", n)
	}
	if diff := cmp.Diff([]string{"bi-bot@acme.example"}, emails(t, get(t, sim, memberToken, orgPath+"members/"))); diff != "" {
		t.Errorf("bi-bot alone in its project sees (-want +got):\n%s", diff)
	}
	if n := len(get(t, sim, scanner, orgPath+"roles/"+engineering+"/role_memberships/").results(t)); n != 3 {
		t.Errorf("the owner sees %d Engineering memberships, want 3", n)
	}
}

func TestMemberListUnrestrictedWhereThePolicyDoesNotApply(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(o *posthogsim.Org)
		opts   []posthogsim.Option
		served any
	}{
		// PostHog's default.
		{"setting on", nil, nil, true},
		// Without access_control no rule is in force: everyone is visible.
		{"no access_control feature", func(o *posthogsim.Org) {
			hide(o)
			o.Features = []string{"sso_enforcement", "saml"}
		}, nil, false},
		// 2025 PostHog had no such setting.
		{"2025 deployment", hide, []posthogsim.Option{posthogsim.WithDeployment(posthogsim.Deployment2025)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := acmeWithMemberKey(t, c.mutate, c.opts...)
			org := get(t, sim, memberToken, orgPath).obj(t)
			if got, ok := org["members_can_see_org_members"]; got != c.served || (c.served == nil && ok) {
				t.Errorf("members_can_see_org_members = %v (present %v), want %v", got, ok, c.served)
			}
			if diff := cmp.Diff(allEmails(sim.Org()), emails(t, get(t, sim, memberToken, orgPath+"members/"))); diff != "" {
				t.Errorf("member list (-want +got):\n%s", diff)
			}
		})
	}
}

func memberOf(o *posthogsim.Org, email string) string {
	for _, m := range o.Members {
		if m.User.Email == email {
			return m.ID
		}
	}
	panic("no member " + email)
}
