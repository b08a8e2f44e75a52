package posthogsim_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// bruteUsersWithAccess is users_with_access computed the slow way, from the
// Server's public resolution of every member in turn: membership id and
// level of each member not resolved to none, highest level first, then by
// user uuid descending.
func bruteUsersWithAccess(t *testing.T, s *posthogsim.Server, p int64) []string {
	t.Helper()
	type row struct {
		uuid, mid, level string
	}
	var rows []row
	for _, m := range s.Org().Members {
		r, ok := s.ResolveProject(m.ID, p)
		if !ok {
			t.Fatalf("member %s or project %d unknown", m.ID, p)
		}
		if r.Level != "none" {
			rows = append(rows, row{m.User.UUID, m.ID, r.Level})
		}
	}
	rank := map[string]int{"member": 1, "admin": 2}
	slices.SortStableFunc(rows, func(a, b row) int {
		if rank[a.level] != rank[b.level] {
			return rank[b.level] - rank[a.level]
		}
		return strings.Compare(b.uuid, a.uuid)
	})
	var out []string
	for _, r := range rows {
		out = append(out, r.mid+"="+r.level)
	}
	return out
}

// servedUsersWithAccess is what GET users_with_access answers, in the form
// of bruteUsersWithAccess.
func servedUsersWithAccess(t *testing.T, s *posthogsim.Server, p int64) []string {
	t.Helper()
	body := get(t, s, posthogsim.SyntheticScannerToken, fmt.Sprintf("/api/projects/%d/users_with_access/", p)).obj(t)
	users, _ := body["users"].([]any)
	if n, _ := body["total_count"].(float64); int(n) != len(users) {
		t.Errorf("project %d: total_count %v, %d users", p, body["total_count"], len(users))
	}
	var out []string
	for _, u := range users {
		u := u.(map[string]any)
		out = append(out, fmt.Sprint(u["organization_membership_id"], "=", u["access_level"]))
	}
	return out
}

// TestUsersWithAccessMatchesResolution checks that users_with_access, which
// resolves only the members a project's rows name when an unnamed member
// would get none, lists exactly the members the per-member resolution
// gives access, in PostHog's order, across the shapes that decide which
// members must be resolved: restricted projects (the shortcut), projects
// whose everyone row or default admits everyone (every member resolved),
// most-specific resolution, no role-based access (role rows ignored), and
// a member rule of none overriding a role. (The legacy explicit members of
// PostHog 2024 have no users_with_access: Deployment2025 does not serve it.)
func TestUsersWithAccessMatchesResolution(t *testing.T) {
	synth := func() *posthogsim.Org {
		return posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 300, Projects: 6, Seed: 5, Now: now})
	}
	yes := true
	for _, c := range []struct {
		name  string
		org   func() *posthogsim.Org
		opts  []posthogsim.Option
		check func(t *testing.T, o *posthogsim.Org, got map[int64][]string)
	}{
		{name: "restricted", org: synth},
		{name: "open projects", org: func() *posthogsim.Org {
			o := synth()
			o.Projects[0].AccessControls = o.Projects[0].AccessControls[1:] // no everyone row: default admin
			o.Projects[1].AccessControls[0].Level = "member"                // everyone a member
			return o
		}, check: func(t *testing.T, o *posthogsim.Org, got map[int64][]string) {
			if n := len(got[o.Projects[0].ID]); n != len(o.Members) {
				t.Errorf("project without an everyone row lists %d of %d members", n, len(o.Members))
			}
		}},
		{name: "most specific", org: func() *posthogsim.Org {
			o := synth()
			o.UsesMostSpecificAccessResolution = &yes
			return o
		}},
		{name: "no role-based access", org: func() *posthogsim.Org {
			o := synth()
			o.Features = slices.DeleteFunc(o.Features, func(f string) bool { return f == "role_based_access" })
			return o
		}},
		{name: "member rule of none", org: func() *posthogsim.Org {
			o := synth()
			for i := range o.Projects {
				p := &o.Projects[i]
				role := p.AccessControls[1].RoleID
				for _, r := range o.Roles {
					if r.ID == role {
						p.AccessControls = append(p.AccessControls, posthogsim.AccessRule{MemberID: r.Members[0].MemberID, Level: "none", CreatedAt: now})
					}
				}
			}
			return o
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := c.org()
			s := posthogsim.New(o, c.opts...)
			got := map[int64][]string{}
			for _, p := range o.Projects {
				want := bruteUsersWithAccess(t, s, p.ID)
				got[p.ID] = servedUsersWithAccess(t, s, p.ID)
				if len(want) == 0 {
					t.Fatalf("project %d: nobody has access; the case proves nothing", p.ID)
				}
				if diff := cmp.Diff(want, got[p.ID]); diff != "" {
					t.Errorf("project %d: users_with_access differs from the resolution (-resolved +served):\n%s", p.ID, diff)
				}
			}
			if c.check != nil {
				c.check(t, o, got)
			}
		})
	}
}

// TestUsersWithAccessFollowsChanges checks that the resolution indexes a
// Server builds are dropped by a change: a member given access by a rule
// after users_with_access was served is listed in the next answer, and
// removed again by the rule's deletion.
func TestUsersWithAccessFollowsChanges(t *testing.T) {
	o := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 200, Projects: 2, Seed: 5, Now: now})
	s := posthogsim.New(o)
	p := o.Projects[0].ID
	before := servedUsersWithAccess(t, s, p)
	var outsider, outsiderEmail string
	for _, m := range o.Members {
		if !slices.ContainsFunc(before, func(r string) bool { return strings.HasPrefix(r, m.ID+"=") }) {
			outsider, outsiderEmail = m.ID, m.User.Email
			break
		}
	}
	if outsider == "" {
		t.Fatal("everyone has access already")
	}
	owner := o.Members[0].User.Email
	if err := s.SetAccessRule(owner, p, "", posthogsim.RuleSubject{Member: outsiderEmail}, "admin", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	after := servedUsersWithAccess(t, s, p)
	if !slices.Contains(after, outsider+"=admin") {
		t.Errorf("after the rule, %s is not listed as admin: %v", outsider, after)
	}
	if diff := cmp.Diff(bruteUsersWithAccess(t, s, p), after); diff != "" {
		t.Errorf("after the change (-resolved +served):\n%s", diff)
	}
	if err := s.SetAccessRule(owner, p, "", posthogsim.RuleSubject{Member: outsiderEmail}, "", now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, servedUsersWithAccess(t, s, p)); diff != "" {
		t.Errorf("after deleting the rule (-before +now):\n%s", diff)
	}
}
