package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

var writeRegoFixture = flag.Bool("write-rego-fixture", false, "rewrite "+regoFixturePath+" from the Go fixture (TestRegoFixtureUpToDate)")

// The Rego unit tests' fixture (data.hogaudit.lib.testdata): a small,
// compliant organization, Acme, defined here as a snapshot and a matrix.
// BuildInput's document for them is written to regoFixturePath as
// testdata.input_doc, so the rule tests read exactly what the engine would
// give them; the helpers that derive deviations from it
// (builtin/testdata/testdata_test.rego) are held to BuildInput by
// TestRegoFixtureHelpersAgreeWithGo.

// regoFixturePath is the generated Rego fixture; being a _test.rego file, it
// is compiled with the tests only, never into a check.
const regoFixturePath = "builtin/testdata/fixture_test.rego"

// fixtureNow is the fixture's collected_at: input.now of every rule test.
var fixtureNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// fixtureMatrix is the fixture's access matrix. Rule tests name its lines
// (PH207's org_level is line 41, PH307's scopes line 61, …): keep them.
const fixtureMatrix = `version: 1

organization:
  enforce_sso: saml
  sso_domains: [acme.com]
  jit_provisioning: false
  require_2fa: true
  max_owners: 2
  max_admins: 2
  members_can_invite: false
  members_can_use_personal_api_keys: true
  allowed_email_domains: [acme.com, product.acme.com]
  dormant_after_days: 90

api_keys:
  max_age_days: 90
  max_unused_days: 30
  allow_wildcard: false
  require_project_scoping: true

audit:
  lookback_days: 30

projects:
  production_project:
    name: Production
    protected: true
  staging_project:
    name: Staging

groups:
  engineering:
    role: Engineering
  product:
    members: ["*@product.acme.com", pm@acme.com]
  bi_service_account:
    members: [bi-bot@acme.com]
    keys: [bi-dashboard]
  admins:
    members: [alice@acme.com, bob@acme.com]
    org_level: owner

# What each group may do in each project.

access_matrix:
  engineering:
    staging_project:
      role: admin
      can_delete_flags: true
    production_project:
      role: member
      can_delete_flags: false
  product:
    staging_project:
      role: member
    production_project:
      role: member
      can_create_flags: false
  bi_service_account:
    production_project:
      api_key_scopes: [insight:read, dashboard:read, query:read]
  admins:
    production_project: {role: admin}
    staging_project: {role: admin}

# Accepted deviations.
#
#
#
exceptions:
  - rule: PH204
    subject: "member:carol@acme.com"
    project: production_project
    expires: 2027-03-07
    reason: incident commander rotation
`

// daysAgo is fixtureNow minus days.
func daysAgo(days int) time.Time { return fixtureNow.AddDate(0, 0, -days) }

func ptr[T any](v T) *T { return &v }

// fixtureMember is a member who joined 400 days ago, logged in 2 days ago,
// with 2FA and without social sign-in (testdata.member_index's defaults).
func fixtureMember(mid string, uid int64, uuid, email string, level int) posthog.Member {
	return posthog.Member{
		ID: mid, User: posthog.UserBasic{ID: uid, UUID: uuid, Email: email}, Level: level,
		JoinedAt: daysAgo(400), LastLogin: ptr(daysAgo(2)), Is2FAEnabled: true,
	}
}

// fixtureRule is an access-control row (testdata.rule): level on resource
// for a member (membership id), a role (role id), or everyone (both nil);
// on the project itself when pid is not "".
func fixtureRule(level, resource, pid string, member, role *string) posthog.AccessControl {
	r := posthog.AccessControl{AccessLevel: level, Resource: resource, OrganizationMember: member, Role: role}
	if pid != "" {
		r.ResourceID = ptr(pid)
	}
	return r
}

// fixtureProject is a project with its rules (testdata.project): not
// private, receiving organization-level activity, users_with_access not
// collected.
func fixtureProject(id int64, name string, project, resource []posthog.AccessControl) snapshot.Project {
	return snapshot.Project{
		ID: id, UUID: "0190-" + strconv.FormatInt(id, 10), Name: name, ReceiveOrgLevelActivityLogs: ptr(true),
		AccessControls:         &posthog.AccessControlList{AccessControls: project, DefaultAccessLevel: "admin"},
		ResourceAccessControls: &posthog.AccessControlList{AccessControls: resource, DefaultAccessLevel: "editor"},
	}
}

// fixtureSnapshot is Acme: alice (owner) and bob (admin) in admins, eve in
// the Engineering role, pat in product by its domain, the bi-bot service
// account with its audited key; Production private (engineering's role and
// pat member), Staging private (engineering's role admin, pat member).
func fixtureSnapshot() *snapshot.Snapshot {
	eng, pat := ptr("r-eng"), ptr("m-pat")
	return &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		Tool:          snapshot.Tool{Name: "hogaudit", Version: "0.0.0-test"},
		Host:          "https://posthog.acme.test",
		Org:           snapshot.OrgRef{ID: "org-1", Name: "Acme"},
		CollectedAt:   fixtureNow,
		LookbackDays:  30,
		Organization: &posthog.Organization{
			ID: "org-1", Name: "Acme", Slug: "acme", MembershipLevel: ptr(15), MembersCanSeeOrgMembers: ptr(true),
			Enforce2FA: ptr(true), MembersCanInvite: ptr(false), MembersCanUsePersonalAPIKeys: ptr(true), MemberCount: 5,
			AvailableProductFeatures: []string{
				"access_control", "audit_logs", "organization_invite_settings", "organization_security_settings",
				"role_based_access", "saml", "sso_enforcement",
			},
			Projects: []posthog.ProjectRef{{ID: 1, Name: "Production"}, {ID: 2, Name: "Staging"}},
		},
		CurrentUser: &posthog.CurrentUser{ID: 101, UUID: "u-alice", Email: "alice@acme.com", Is2FAEnabled: true, OrganizationID: "org-1"},
		Members: []posthog.Member{
			fixtureMember("m-alice", 101, "u-alice", "alice@acme.com", posthog.LevelOwner),
			fixtureMember("m-bi", 105, "u-bi", "bi-bot@acme.com", posthog.LevelMember),
			fixtureMember("m-bob", 102, "u-bob", "bob@acme.com", posthog.LevelAdmin),
			fixtureMember("m-eve", 103, "u-eve", "eve@acme.com", posthog.LevelMember),
			fixtureMember("m-pat", 104, "u-pat", "pat@product.acme.com", posthog.LevelMember),
		},
		Invites: []posthog.Invite{
			{ID: "inv-1", TargetEmail: "new@acme.com", Level: posthog.LevelMember, CreatedAt: daysAgo(1)},
			{ID: "inv-2", TargetEmail: "old@elsewhere.io", Level: posthog.LevelOwner, IsExpired: true, CreatedAt: daysAgo(10)},
		},
		Domains: []posthog.Domain{{
			ID: "d-1", Domain: "acme.com", IsVerified: true, VerifiedAt: ptr(daysAgo(500)),
			SSOEnforcement: "saml", HasSAML: true,
		}},
		IdentityProviderConfigs: []posthog.IdentityProviderConfig{},
		Roles: []snapshot.Role{
			{ID: "r-eng", Name: "Engineering", Members: []snapshot.RoleMember{
				{ID: "rm-1", MembershipID: "m-eve", UserUUID: "u-eve", Email: "eve@acme.com", JoinedAt: daysAgo(300)},
			}},
			{ID: "r-prod", Name: "Product", Members: []snapshot.RoleMember{}},
		},
		Projects: []snapshot.Project{
			fixtureProject(1, "Production",
				[]posthog.AccessControl{
					fixtureRule("none", "project", "1", nil, nil),
					fixtureRule("member", "project", "1", nil, eng),
					fixtureRule("member", "project", "1", pat, nil),
				},
				[]posthog.AccessControl{
					fixtureRule("viewer", "feature_flag", "", nil, nil),
					fixtureRule("editor", "feature_flag", "", nil, eng),
				}),
			fixtureProject(2, "Staging",
				[]posthog.AccessControl{
					fixtureRule("none", "project", "2", nil, nil),
					fixtureRule("admin", "project", "2", nil, eng),
					fixtureRule("member", "project", "2", pat, nil),
				},
				[]posthog.AccessControl{}),
		},
		ActivityLog: []snapshot.ActivityEntry{{
			ID: "a-1", CreatedAt: daysAgo(3), Scope: "FeatureFlag", Activity: "updated", ItemID: ptr("42"),
			ProjectID: ptr(int64(1)), User: &snapshot.ActivityUser{UUID: "u-eve", Email: "eve@acme.com"},
			Detail: &posthog.ActivityDetail{Name: ptr("new-checkout"), Changes: []posthog.ActivityChange{{
				Type: "FeatureFlag", Action: "changed", Field: ptr("active"),
				Before: json.RawMessage("false"), After: json.RawMessage("true"),
			}}},
		}},
		OrganizationActivity: &snapshot.ActivitySource{Source: snapshot.ActivitySourceOrganization, Endpoint: "/api/organizations/org-1/advanced_activity_logs/"},
		ActivityLogSource:    &snapshot.ActivitySource{Source: snapshot.ActivitySourceOrganization, Endpoint: "/api/organizations/org-1/advanced_activity_logs/"},
		APIKeys: []snapshot.APIKey{
			{Source: snapshot.KeySourceScanner, PersonalAPIKey: posthog.PersonalAPIKey{
				ID: "k-scan", Label: "hogaudit", CreatedAt: daysAgo(10), LastUsedAt: ptr(daysAgo(0)), UserID: 101,
				Scopes:              append([]string(nil), snapshot.RequiredScopes...),
				ScopedOrganizations: []string{"org-1"},
			}},
			{Source: snapshot.KeySourceAudit, Env: "BI_KEY", PersonalAPIKey: posthog.PersonalAPIKey{
				ID: "k-bi", Label: "bi-dashboard", CreatedAt: daysAgo(20), LastUsedAt: ptr(daysAgo(1)), UserID: 105,
				Scopes: []string{"insight:read", "query:read"}, ScopedTeams: []int64{1},
			}},
		},
		AuditKeyEnvs: []string{"BI_KEY"},
		Instance: &posthog.Preflight{
			Cloud: false, Realm: "hosted-clickhouse",
			AvailableSocialAuthProviders: map[string]bool{"github": true, "gitlab": false, "google-oauth2": false},
		},
		Missing: []snapshot.Missing{{
			Section: snapshot.SectionExplicitMembers, Endpoint: "/api/projects/1/explicit_members/", Status: 404,
			Detail: "Not found.", NotApplicable: true, Reason: "not applicable on this deployment",
		}},
	}
}

// fixtureInput is the input document Check would give the rules for s
// checked against the fixture matrix at fixtureNow.
func fixtureInput(t *testing.T, s *snapshot.Snapshot) *Input {
	t.Helper()
	m, err := matrix.Parse("access-matrix.yaml", []byte(fixtureMatrix))
	if err != nil {
		t.Fatal(err)
	}
	s = s.WithKeyUses(nil)
	in, err := BuildInput(s, m.Bind(Inventory(s), fixtureNow), fixtureNow)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// regoFixture renders the fixture's input document as the Rego module of
// regoFixturePath, formatted.
func regoFixture(t *testing.T) []byte {
	t.Helper()
	v, err := toValue(fixtureInput(t, fixtureSnapshot()))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(`# Code generated by TestRegoFixtureUpToDate (policies/fixture_test.go) from the
# fixture snapshot and matrix defined there; DO NOT EDIT. Rewrite it with
#   go test ./policies -run TestRegoFixtureUpToDate -write-rego-fixture
#
# input_doc is BuildInput's document for the fixture: what the engine gives
# the rules. The helpers beside it (testdata_test.rego) derive deviations.
package hogaudit.lib.testdata

input_doc := `)
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "\t")
	enc.SetEscapeHTML(false)
	js, err := ast.JSON(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode(js); err != nil {
		t.Fatal(err)
	}
	out, err := format.Source(regoFixturePath, buf.Bytes())
	if err != nil {
		t.Fatalf("format the Rego fixture: %v", err)
	}
	return out
}

// TestRegoFixtureUpToDate holds the Rego fixture equal to BuildInput's
// document for the Go fixture: change the snapshot, the matrix or the input
// and the fixture must be rewritten (-write-rego-fixture).
func TestRegoFixtureUpToDate(t *testing.T) {
	want := regoFixture(t)
	if *writeRegoFixture {
		if err := os.WriteFile(regoFixturePath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(regoFixturePath)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is stale; run go test ./policies -run TestRegoFixtureUpToDate -write-rego-fixture (-generated +file):\n%s", regoFixturePath, diff)
	}
}

// evalFixture evaluates query against the built-in modules with their
// tests (the fixture among them) and returns its value as JSON values.
func evalFixture(t *testing.T, c *ast.Compiler, query string) any {
	t.Helper()
	rs, err := rego.New(rego.Compiler(c), rego.Query(query)).Eval(context.Background())
	if err != nil || len(rs) != 1 || len(rs[0].Expressions) != 1 {
		t.Fatalf("%s: %v (%d results)", query, err, len(rs))
	}
	return jsonValue(t, rs[0].Expressions[0].Value)
}

// testCompiler compiles the built-in modules with their tests, as
// `policies test` does.
func testCompiler(t *testing.T) *ast.Compiler {
	t.Helper()
	src, err := loadSources(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := compile(src)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRegoFixtureHelpersAgreeWithGo is the parity test between the Go-built
// index and the Rego fixtures: the helpers rule tests derive deviations
// with (with_members, with_projects, member_index, snapshot_member,
// project, rule) build what BuildInput builds from the same snapshot.
func TestRegoFixtureHelpersAgreeWithGo(t *testing.T) {
	c := testCompiler(t)
	base := jsonValue(t, fixtureInput(t, fixtureSnapshot())).(map[string]any)
	compare := func(name string, want, got any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: the Rego helpers and BuildInput disagree (-go +rego):\n%s", name, diff)
		}
	}

	// Rebuilt from the fixture's own members and projects, nothing changes.
	compare("with_members({})", base, evalFixture(t, c, `data.hogaudit.lib.testdata.with_members({})`))
	compare("with_projects(fixture projects)", base, evalFixture(t, c, `data.hogaudit.lib.testdata.with_projects(data.hogaudit.lib.testdata.snapshot.projects)`))
	compare("project(...)", evalFixture(t, c, `data.hogaudit.lib.testdata.production`),
		evalFixture(t, c, `data.hogaudit.lib.testdata.project(1, "Production", [
				data.hogaudit.lib.testdata.project_rule(1, "none", null, null),
				data.hogaudit.lib.testdata.project_rule(1, "member", null, "r-eng"),
				data.hogaudit.lib.testdata.project_rule(1, "member", "m-pat", null),
			], [
				data.hogaudit.lib.testdata.rule("viewer", "feature_flag", null, null),
				data.hogaudit.lib.testdata.rule("editor", "feature_flag", null, "r-eng"),
			])`))

	// A member added: an admin in the Product role, in product by its
	// domain, its email written in mixed case.
	s := fixtureSnapshot()
	x := fixtureMember("m-x", 106, "u-x", "X@Product.acme.com", posthog.LevelAdmin)
	s.Members = append(s.Members, x)
	s.Roles[1].Members = append(s.Roles[1].Members, snapshot.RoleMember{ID: "rm-2", MembershipID: "m-x", UserUUID: "u-x", Email: x.User.Email})
	in := jsonValue(t, fixtureInput(t, s)).(map[string]any)
	got := evalFixture(t, c, `data.hogaudit.lib.testdata.with_members({"m-x": object.union(
		data.hogaudit.lib.testdata.member_index("m-x", "u-x", "X@Product.acme.com", 8, ["product"], ["r-prod"]),
		{"user_id": 106},
	)})`).(map[string]any)
	compare("with_members(m-x).index", in["index"], got["index"])
	// snapshot_member writes the email as the index has it, in lower case.
	s.Members[len(s.Members)-1].User.Email = "x@product.acme.com"
	in = jsonValue(t, fixtureInput(t, s)).(map[string]any)
	compare("with_members(m-x).snapshot.members", in["snapshot"].(map[string]any)["members"], got["snapshot"].(map[string]any)["members"])

	// PostHog's own resolution collected for Production: a row naming its
	// membership, one naming only its user (2025 PostHog), one of no
	// member any more.
	s = fixtureSnapshot()
	s.Projects[0].UsersWithAccess = []posthog.UserAccess{
		{UserID: "u-alice", AccessLevel: "admin", AccessSource: "organization_admin", OrganizationMembershipID: "m-alice"},
		{UserID: "u-eve", AccessLevel: "member", AccessSource: "explicit_role"},
		{UserID: "u-gone", AccessLevel: "member", AccessSource: "default"},
		{UserID: "u-pat", AccessLevel: "member", AccessSource: "explicit_member", OrganizationMembershipID: "m-pat"},
	}
	in = jsonValue(t, fixtureInput(t, s)).(map[string]any)
	got = evalFixture(t, c, `data.hogaudit.lib.testdata.with_projects([
		object.union(data.hogaudit.lib.testdata.production, {"users_with_access": [
			{"user_id": "u-alice", "access_level": "admin", "access_source": "organization_admin", "organization_membership_id": "m-alice"},
			{"user_id": "u-eve", "access_level": "member", "access_source": "explicit_role", "organization_membership_id": null},
			{"user_id": "u-gone", "access_level": "member", "access_source": "default", "organization_membership_id": null},
			{"user_id": "u-pat", "access_level": "member", "access_source": "explicit_member", "organization_membership_id": "m-pat"},
		]}),
		data.hogaudit.lib.testdata.staging,
	])`).(map[string]any)
	compare("with_projects(rows).index", in["index"], got["index"])
}

// TestProductionHasNoTestFixtures: the engine's compiler holds no test
// fixture, so no check can read one; the test compiler (policies test)
// does.
func TestProductionHasNoTestFixtures(t *testing.T) {
	e, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fixture := ast.MustParseRef("data.hogaudit.lib.testdata")
	has := func(c *ast.Compiler) bool {
		for _, m := range c.Modules {
			if m.Package.Path.HasPrefix(fixture) {
				return true
			}
		}
		return len(c.GetRulesWithPrefix(fixture)) > 0
	}
	if has(e.compiler) {
		t.Error("the production compiler holds data.hogaudit.lib.testdata")
	}
	for name := range e.compiler.Modules {
		if strings.HasSuffix(name, "_test.rego") {
			t.Errorf("the production compiler holds the test file %s", name)
		}
	}
	if !has(testCompiler(t)) {
		t.Error("the test compiler lacks data.hogaudit.lib.testdata: the check above proves nothing")
	}
}
