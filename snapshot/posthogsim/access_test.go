package posthogsim_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// access is one user's resolved project access.
type access struct{ level, source string }

// usersWithAccess returns users_with_access of a project by member email.
func usersWithAccess(t *testing.T, sim *posthogsim.Server, projectID int64) map[string]access {
	t.Helper()
	r := get(t, sim, scanner, fmt.Sprintf("/api/projects/%d/users_with_access/", projectID))
	if r.status != 200 {
		t.Fatalf("users_with_access: status %d %s", r.status, r.raw)
	}
	body := r.obj(t)
	users := body["users"].([]any)
	if body["total_count"] != float64(len(users)) {
		t.Errorf("total_count = %v for %d users", body["total_count"], len(users))
	}
	byUUID := map[string]string{}
	for _, m := range sim.Org().Members {
		byUUID[m.User.UUID] = m.User.Email
	}
	out := map[string]access{}
	for _, u := range users {
		u := u.(map[string]any)
		email := byUUID[u["user_id"].(string)]
		if email == "" {
			t.Fatalf("unknown user %v", u)
		}
		out[email] = access{u["access_level"].(string), u["access_source"].(string)}
	}
	return out
}

func TestUsersWithAccessAcme(t *testing.T) {
	sim := newAcme()
	owner := access{"admin", "organization_admin"}
	role := access{"member", "explicit_role"}
	member := access{"member", "explicit_member"}
	want := map[string]access{
		"alice@acme.example": owner, "bob@acme.example": owner, "carol@acme.example": owner,
		// dan's admin rule beats his role's member.
		"dan@acme.example":  {"admin", "explicit_member"},
		"erin@acme.example": role, "judy@acme.example": role,
		"frank@acme.example": role, "grace@acme.example": role, "heidi@contractor.example": role,
		// Equal levels: the member rule is reported.
		"bi-bot@acme.example": member, "flags-bot@acme.example": member,
	}
	if diff := cmp.Diff(want, usersWithAccess(t, sim, posthogsim.AcmeProductionID), cmp.AllowUnexported(access{})); diff != "" {
		t.Errorf("Production (-want +got):\n%s", diff)
	}
	staging := map[string]access{
		"alice@acme.example": owner, "bob@acme.example": owner, "carol@acme.example": owner,
		"dan@acme.example": {"admin", "explicit_role"}, "erin@acme.example": {"admin", "explicit_role"}, "judy@acme.example": {"admin", "explicit_role"},
		"frank@acme.example": role, "grace@acme.example": role, "heidi@contractor.example": role,
		// The bots have no rule in Staging and everyone is none: omitted.
	}
	if diff := cmp.Diff(staging, usersWithAccess(t, sim, posthogsim.AcmeStagingID), cmp.AllowUnexported(access{})); diff != "" {
		t.Errorf("Staging (-want +got):\n%s", diff)
	}
	r := get(t, sim, scanner, "/api/projects/12345/users_with_access/")
	var u map[string]any
	for _, x := range r.obj(t)["users"].([]any) {
		if x.(map[string]any)["user_id"] == sim.Org().Members[0].User.UUID {
			u = x.(map[string]any)
		}
	}
	if got := keysOf(u); cmp.Diff(sorted("user_id", "access_level", "access_source", "organization_membership_id", "organization_membership_level"), got) != "" {
		t.Errorf("user fields = %v", got)
	}
	if u["organization_membership_level"] != "owner" {
		t.Errorf("alice's membership level = %v, want owner", u["organization_membership_level"])
	}
}

func TestUsersWithAccessResolution(t *testing.T) {
	// One org admin, and three plain members in one role; the cases vary
	// the project's rules and the org's features.
	base := func() *posthogsim.Org {
		o := posthogsim.Acme(now)
		o.Members = o.Members[:1] // alice, the owner with the scanning key
		add := func(id int64, name string, level int) {
			o.Members = append(o.Members, posthogsim.Member{
				ID:    fmt.Sprintf("m-%s", name),
				User:  posthogsim.User{ID: id, UUID: "u-" + name, Email: name + "@x.example"},
				Level: level, JoinedAt: now,
			})
		}
		add(201, "admin", posthogsim.LevelAdmin)
		add(202, "ann", posthogsim.LevelMember)
		add(203, "ben", posthogsim.LevelMember)
		add(204, "cat", posthogsim.LevelMember)
		o.Roles = []posthogsim.Role{{ID: "r-team", Name: "Team", CreatedAt: now, Members: []posthogsim.RoleMember{
			{ID: "rm1", MemberID: "m-ann", JoinedAt: now}, {ID: "rm2", MemberID: "m-ben", JoinedAt: now},
		}}}
		o.Projects = o.Projects[:1]
		o.Projects[0].AccessControls = nil
		return o
	}
	rule := func(member, role, level string) posthogsim.AccessRule {
		return posthogsim.AccessRule{MemberID: member, RoleID: role, Level: level, CreatedAt: now}
	}
	owner := access{"admin", "organization_admin"}
	def := access{"admin", "default"}
	tests := []struct {
		name     string
		rules    []posthogsim.AccessRule
		features []string
		want     map[string]access
	}{
		{
			name: "no rules: the project default, admin",
			want: map[string]access{"alice": owner, "admin": owner, "ann": def, "ben": def, "cat": def},
		},
		{
			name:  "everyone none, role member, member admin",
			rules: []posthogsim.AccessRule{rule("", "", "none"), rule("", "r-team", "member"), rule("m-ben", "", "admin")},
			want: map[string]access{
				"alice": owner, "admin": owner,
				"ann": {"member", "explicit_role"}, "ben": {"admin", "explicit_member"},
			},
		},
		{
			name:  "everyone member",
			rules: []posthogsim.AccessRule{rule("", "", "member")},
			want: map[string]access{
				"alice": owner, "admin": owner,
				"ann": {"member", "default"}, "ben": {"member", "default"}, "cat": {"member", "default"},
			},
		},
		{
			name:  "a rule for someone else only: the default applies",
			rules: []posthogsim.AccessRule{rule("m-ann", "", "none")},
			want:  map[string]access{"alice": owner, "admin": owner, "ben": def, "cat": def},
		},
		{
			// The member's and its roles' rules decide together, the highest
			// winning; a member rule makes the source explicit_member.
			name:  "the highest explicit level wins over a lower member rule",
			rules: []posthogsim.AccessRule{rule("", "", "none"), rule("", "r-team", "admin"), rule("m-ann", "", "member")},
			want: map[string]access{
				"alice": owner, "admin": owner,
				"ann": {"admin", "explicit_member"}, "ben": {"admin", "explicit_role"},
			},
		},
		{
			name:  "an explicit none denies under an everyone member",
			rules: []posthogsim.AccessRule{rule("", "", "member"), rule("m-ann", "", "none")},
			want: map[string]access{
				"alice": owner, "admin": owner,
				"ben": {"member", "default"}, "cat": {"member", "default"},
			},
		},
		{
			name:  "a role none denies its members under an everyone admin",
			rules: []posthogsim.AccessRule{rule("", "", "admin"), rule("", "r-team", "none")},
			want:  map[string]access{"alice": owner, "admin": owner, "cat": def},
		},
		{
			name:  "a rule naming both a member and a role applies to no one",
			rules: []posthogsim.AccessRule{rule("", "", "none"), rule("m-cat", "r-team", "admin")},
			want:  map[string]access{"alice": owner, "admin": owner},
		},
		{
			// the newest PostHog checks access_control alone
			name:     "advanced_permissions alone enforces nothing on the newest PostHog",
			rules:    []posthogsim.AccessRule{rule("", "", "none"), rule("m-cat", "", "member")},
			features: []string{"advanced_permissions", "project_based_permissioning", "audit_logs"},
			want:     map[string]access{"alice": owner, "admin": owner, "ann": def, "ben": def, "cat": def},
		},
		{
			name:     "access_control beside advanced_permissions enforces the rules",
			rules:    []posthogsim.AccessRule{rule("", "", "none"), rule("m-cat", "", "member")},
			features: []string{"advanced_permissions", "access_control", "audit_logs"},
			want:     map[string]access{"alice": owner, "admin": owner, "cat": {"member", "explicit_member"}},
		},
		{
			name:     "without access_control the rules are not consulted",
			rules:    []posthogsim.AccessRule{rule("", "", "none")},
			features: []string{"role_based_access", "audit_logs"},
			want:     map[string]access{"alice": owner, "admin": owner, "ann": def, "ben": def, "cat": def},
		},
		{
			name:     "without role_based_access role rules do not apply",
			rules:    []posthogsim.AccessRule{rule("", "", "none"), rule("", "r-team", "member")},
			features: []string{"access_control", "audit_logs"},
			want:     map[string]access{"alice": owner, "admin": owner},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base()
			o.Projects[0].AccessControls = tt.rules
			if tt.features != nil {
				o.Features = tt.features
			}
			got := map[string]access{}
			for email, a := range usersWithAccess(t, posthogsim.New(o), posthogsim.AcmeProductionID) {
				name, _, _ := strings.Cut(email, "@")
				got[name] = a
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(access{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
