package posthogsim_test

import (
	"fmt"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// resolveOrg is a small organization for the resolution tests: alice (the
// owner), ann and ben (plain members, ann in role r-team) and one project.
func resolveOrg(features ...string) *posthogsim.Org {
	o := posthogsim.Acme(now)
	o.Members = o.Members[:1]
	for i, name := range []string{"ann", "ben"} {
		o.Members = append(o.Members, posthogsim.Member{
			ID:    "m-" + name,
			User:  posthogsim.User{ID: int64(301 + i), UUID: "u-" + name, Email: name + "@x.example"},
			Level: posthogsim.LevelMember, JoinedAt: now,
		})
	}
	o.Roles = []posthogsim.Role{{ID: "r-team", Name: "Team", CreatedAt: now, Members: []posthogsim.RoleMember{{ID: "rm1", MemberID: "m-ann", JoinedAt: now}}}}
	o.Projects = o.Projects[:1]
	o.Projects[0].AccessControls = nil
	o.Projects[0].ResourceAccessControls = nil
	o.Features = features
	return o
}

func rule(member, role, level string) posthogsim.AccessRule {
	return posthogsim.AccessRule{MemberID: member, RoleID: role, Level: level, CreatedAt: now}
}

func resourceRule(resource, member, role, level string) posthogsim.AccessRule {
	r := rule(member, role, level)
	r.Resource = resource
	return r
}

func projectLevel(t *testing.T, s *posthogsim.Server, mid string) posthogsim.Resolution {
	t.Helper()
	r, ok := s.ResolveProject(mid, posthogsim.AcmeProductionID)
	if !ok {
		t.Fatalf("ResolveProject(%s): unknown", mid)
	}
	return r
}

func TestResolveProjectMostSpecific(t *testing.T) {
	yes := true
	o := resolveOrg("access_control", "role_based_access")
	// ann: her own none, her role admin, everyone member
	o.Projects[0].AccessControls = []posthogsim.AccessRule{rule("", "", "member"), rule("m-ann", "", "none"), rule("", "r-team", "admin")}

	legacy := posthogsim.New(o)
	if got := projectLevel(t, legacy, "m-ann"); got != (posthogsim.Resolution{Level: "admin", Source: posthogsim.ResolvedObject}) {
		t.Errorf("legacy resolution: ann = %+v, want admin (the highest explicit rule)", got)
	}
	o.UsesMostSpecificAccessResolution = &yes
	ms := posthogsim.New(o)
	if got := projectLevel(t, ms, "m-ann"); got.Level != "none" {
		t.Errorf("most-specific resolution: ann = %+v, want none (her own rule)", got)
	}
	if got := projectLevel(t, ms, "m-ben"); got.Level != "member" {
		t.Errorf("most-specific resolution: ben = %+v, want the everyone member", got)
	}
	if body := get(t, ms, scanner, "/api/organizations/"+o.ID+"/").obj(t); body["uses_most_specific_access_resolution"] != true {
		t.Errorf("the organization should serve uses_most_specific_access_resolution: %v", body["uses_most_specific_access_resolution"])
	}
	// The 2025 deployment has no such setting: legacy resolution, field absent.
	old := posthogsim.New(o, posthogsim.WithDeployment(posthogsim.Deployment2025))
	if got := projectLevel(t, old, "m-ann"); got.Level != "admin" {
		t.Errorf("2025: ann = %+v, want admin", got)
	}
	if _, ok := get(t, old, scanner, "/api/organizations/"+o.ID+"/").obj(t)["uses_most_specific_access_resolution"]; ok {
		t.Error("the 2025 deployment must not serve uses_most_specific_access_resolution")
	}
	// users_with_access leaves the denied member out.
	if _, ok := usersWithAccess(t, ms, posthogsim.AcmeProductionID)["ann@x.example"]; ok {
		t.Error("users_with_access must omit a member resolved to none")
	}
}

func TestResolveResource(t *testing.T) {
	yes := true
	o := resolveOrg("access_control", "role_based_access")
	o.Projects[0].ResourceAccessControls = []posthogsim.AccessRule{
		resourceRule("session_recording", "", "", "editor"),
		resourceRule("session_recording", "m-ann", "", "none"),
		resourceRule("session_recording", "", "r-team", "viewer"),
		// a child's own resource-wide rule is ignored: it follows its parent
		resourceRule("session_recording_playlist", "", "", "none"),
	}
	level := func(s *posthogsim.Server, mid, resource string) string {
		r, ok := s.ResolveResource(mid, posthogsim.AcmeProductionID, resource)
		if !ok {
			t.Fatalf("ResolveResource(%s, %s): unknown", mid, resource)
		}
		return r.Level
	}
	legacy := posthogsim.New(o)
	for _, c := range []struct{ mid, resource, want string }{
		{"m-ann", "session_recording", "editor"}, // the highest of editor, none, viewer
		{"m-ann", "session_recording_playlist", "editor"},
		{"m-ben", "session_recording", "editor"},
		{"m-ben", "feature_flag", "editor"}, // no rule: the default
		{"m-ben", "activity_log", "viewer"}, // its default is viewer
		{o.Members[0].ID, "activity_log", "viewer"},
		{o.Members[0].ID, "feature_flag", "manager"},
	} {
		if got := level(legacy, c.mid, c.resource); got != c.want {
			t.Errorf("legacy: %s on %s = %s, want %s", c.mid, c.resource, got, c.want)
		}
	}
	o.UsesMostSpecificAccessResolution = &yes
	ms := posthogsim.New(o)
	if got := level(ms, "m-ann", "session_recording_playlist"); got != "none" {
		t.Errorf("most specific: ann's own none should decide, got %s", got)
	}
	if got := level(ms, "m-ben", "session_recording"); got != "editor" {
		t.Errorf("most specific: ben has only the everyone rule, got %s", got)
	}
	o.Projects[0].ResourceAccessControls = o.Projects[0].ResourceAccessControls[2:]
	if got := level(posthogsim.New(o), "m-ann", "session_recording"); got != "viewer" {
		t.Errorf("most specific without a member rule: the role's viewer decides, got %s", got)
	}
	if _, ok := ms.ResolveResource("m-nobody", posthogsim.AcmeProductionID, "insight"); ok {
		t.Error("an unknown member must not resolve")
	}
}

func TestResolveProjectLegacyExplicitMembers(t *testing.T) {
	o := resolveOrg("project_based_permissioning", "role_based_access")
	p := &o.Projects[0]
	p.AccessControl = true
	p.AccessControls = []posthogsim.AccessRule{rule("", "", "admin")}
	p.ExplicitMembers = []posthogsim.ExplicitMember{{ID: "e1", MemberID: "m-ann", Level: posthogsim.LevelAdmin, JoinedAt: now}}
	s := posthogsim.New(o, posthogsim.WithDeployment(posthogsim.Deployment2025))
	for mid, want := range map[string]posthogsim.Resolution{
		"m-ann":         {Level: "admin", Source: posthogsim.ResolvedExplicitMembers},
		"m-ben":         {Level: "none", Source: posthogsim.ResolvedExplicitMembers},
		o.Members[0].ID: {Level: "admin", Source: posthogsim.ResolvedOrgAdmin},
	} {
		if got := projectLevel(t, s, mid); got != want {
			t.Errorf("%s = %+v, want %+v", mid, got, want)
		}
	}
	// The flag is inert once the organization has 2025's key.
	o.Features = append(o.Features, "advanced_permissions")
	if got := projectLevel(t, posthogsim.New(o, posthogsim.WithDeployment(posthogsim.Deployment2025)), "m-ben"); got != (posthogsim.Resolution{Level: "admin", Source: posthogsim.ResolvedObject}) {
		t.Errorf("with advanced_permissions the rules decide: ben = %+v", got)
	}
	// access_control is no newer key on an older deployment: the flag holds.
	o.Features = []string{"project_based_permissioning", "access_control"}
	if got := projectLevel(t, posthogsim.New(o, posthogsim.WithDeployment(posthogsim.Deployment2025)), "m-ben"); got.Source != posthogsim.ResolvedExplicitMembers {
		t.Errorf("with project_based_permissioning and access_control on 2025: ben = %+v", got)
	}
	// The newest PostHog ignores the flag (and project_based_permissioning).
	o.Features = []string{"project_based_permissioning", "role_based_access"}
	if got := projectLevel(t, posthogsim.New(o), "m-ben"); got != (posthogsim.Resolution{Level: "admin", Source: posthogsim.ResolvedSystemDefault}) {
		t.Errorf("newest: ben = %+v", got)
	}
	// Without any access-control feature: every member gets the default.
	o.Features = []string{"role_based_access"}
	if got := projectLevel(t, posthogsim.New(o), "m-ben"); got != (posthogsim.Resolution{Level: "admin", Source: posthogsim.ResolvedSystemDefault}) {
		t.Errorf("no entitlement: ben = %+v", got)
	}
}

func TestUsersWithAccessOrder(t *testing.T) {
	o := resolveOrg("access_control", "role_based_access")
	o.Projects[0].AccessControls = []posthogsim.AccessRule{rule("", "", "member"), rule("m-ben", "", "admin")}
	r := get(t, posthogsim.New(o), scanner, fmt.Sprintf("/api/projects/%d/users_with_access/", posthogsim.AcmeProductionID))
	var got []string
	for _, u := range r.obj(t)["users"].([]any) {
		u := u.(map[string]any)
		got = append(got, fmt.Sprint(u["user_id"], ":", u["access_level"]))
	}
	// highest level first, then by user uuid descending, as PostHog sorts
	want := []string{"u-ben:admin", o.Members[0].User.UUID + ":admin", "u-ann:member"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}
