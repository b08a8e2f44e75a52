package access

import "testing"

func TestPathLabel(t *testing.T) {
	for _, c := range []struct {
		p    Path
		want string
	}{
		{Path{Via: ViaOrgAdmin, OrgLevel: "owner"}, "organization owner"},
		{Path{Via: ViaOrgAdmin}, "organization admin"},
		{Path{Via: ViaRoleRule, Roles: []string{"r1", "r2"}, RoleNames: []string{"A", "B"}}, "role rule (A, B)"},
		{Path{Via: ViaRoleRule, Roles: []string{"r1"}}, "role rule (r1)"},
		{Path{Via: ViaRoleRule}, "role rule"},
		{Path{Via: ViaMemberRule}, "member rule"},
		{Path{Via: ViaEveryoneRule}, "everyone rule"},
		{Path{Via: ViaDefault}, "default"},
		{Path{Via: ViaNoAccessControl}, "no access control on the plan"},
		{Path{Via: ViaExplicitMember}, "explicit member (legacy private project)"},
		{Path{Via: ViaNotExplicitMember}, "not an explicit member (legacy private project)"},
		{Path{Via: "new_kind"}, "new_kind"},
		{Path{}, "unknown path"},
	} {
		if got := c.p.Label(); got != c.want {
			t.Errorf("%+v.Label() = %q, want %q", c.p, got, c.want)
		}
	}
}

func TestPathPhrase(t *testing.T) {
	for _, c := range []struct {
		p    Path
		want string
	}{
		{Path{Via: ViaOrgAdmin, OrgLevel: "owner"}, "as an organization owner"},
		{Path{Via: ViaOrgAdmin}, "as an organization admin"},
		{Path{Via: ViaRoleRule, Roles: []string{"r1"}, RoleNames: []string{"Finance"}}, "through role Finance's rule"},
		{Path{Via: ViaRoleRule, Roles: []string{"r1", "r2", "r3"}, RoleNames: []string{"A", "B", "C"}}, "through the rules of roles A, B and C"},
		{Path{Via: ViaRoleRule, Roles: []string{"r1", "r2"}}, "through the rules of roles r1 and r2"},
		{Path{Via: ViaRoleRule}, "through a role's rule"},
		{Path{Via: ViaMemberRule}, "through a rule naming the member"},
		{Path{Via: ViaEveryoneRule}, "through the project's rule for everyone"},
		{Path{Via: ViaDefault}, "by PostHog's default (no rule applies)"},
		{Path{Via: ViaNoAccessControl}, "by PostHog's default (the plan has no access-control feature this deployment checks)"},
		{Path{Via: ViaExplicitMember}, "as an explicit member of the private project"},
		{Path{Via: ViaNotExplicitMember}, "as no explicit member of the private project"},
		{Path{Via: "new_kind"}, "via new_kind"},
	} {
		if got := c.p.Phrase(); got != c.want {
			t.Errorf("%+v.Phrase() = %q, want %q", c.p, got, c.want)
		}
	}
}
