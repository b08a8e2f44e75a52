package policies

import (
	"fmt"
	"testing"

	"github.com/hogaudit/hogaudit/access"
)

// TestPathPhraseMatchesGo holds the library's path_phrase, which the
// findings' messages use, equal to access.Path.Phrase, which explain
// member, the drift report and the review export use, for every way a
// level is granted: the two must say the same thing about one path.
func TestPathPhraseMatchesGo(t *testing.T) {
	c := testCompiler(t)
	paths := []access.Path{
		{Via: access.ViaOrgAdmin, OrgLevel: "admin"},
		{Via: access.ViaOrgAdmin, OrgLevel: "owner"},
		{Via: access.ViaRoleRule, Roles: []string{"r1"}, RoleNames: []string{"Finance"}},
		{Via: access.ViaRoleRule, Roles: []string{"r1", "r2"}, RoleNames: []string{"Finance", "Sales"}},
		{Via: access.ViaRoleRule, Roles: []string{"r1", "r2", "r3"}, RoleNames: []string{"A", "B", "C"}},
		{Via: access.ViaMemberRule},
		{Via: access.ViaEveryoneRule},
		{Via: access.ViaDefault},
		{Via: access.ViaNoAccessControl},
		{Via: access.ViaExplicitMember},
		{Via: access.ViaNotExplicitMember},
	}
	for _, p := range paths {
		ev := fmt.Sprintf(`{"via": %q}`, p.Via)
		switch p.Via {
		case access.ViaOrgAdmin:
			ev = fmt.Sprintf(`{"via": %q, "org_level": %q}`, p.Via, p.OrgLevel)
		case access.ViaRoleRule:
			ev = fmt.Sprintf(`{"via": %q, "roles": %s, "role_names": %s}`, p.Via, jsonList(p.Roles), jsonList(p.RoleNames))
		}
		got := evalFixture(t, c, "data.hogaudit.lib.access.path_phrase("+ev+")")
		if got != p.Phrase() {
			t.Errorf("%s: Rego says %q, Go says %q", ev, got, p.Phrase())
		}
	}
}

func jsonList(ss []string) string {
	out := "["
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", s)
	}
	return out + "]"
}
