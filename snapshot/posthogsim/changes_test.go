package posthogsim_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// changedAt is when the tests' changes are made: after every Acme entry.
var changedAt = now.Add(-30 * time.Second)

const prodPath = "/api/projects/12345/"

// entriesOf returns the served activity entries of scope with item_id item,
// by id.
func entriesOf(t *testing.T, results []any, scope, item string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range results {
		e := r.(map[string]any)
		if e["scope"] == scope && e["item_id"] == item {
			out = append(out, e)
		}
	}
	return out
}

// one returns the only entry of scope and item, failing otherwise.
func one(t *testing.T, results []any, scope, item string) map[string]any {
	t.Helper()
	es := entriesOf(t, results, scope, item)
	if len(es) != 1 {
		t.Fatalf("%d entries of scope %s, item %s; want 1", len(es), scope, item)
	}
	return es[0]
}

// wantDetail compares an entry's detail name, changes and context.
func wantDetail(t *testing.T, e map[string]any, name string, changes []any, context map[string]any) {
	t.Helper()
	d := e["detail"].(map[string]any)
	if d["name"] != name {
		t.Errorf("detail.name = %v, want %q", d["name"], name)
	}
	if got, want := fmt.Sprint(d["changes"]), fmt.Sprint(changes); got != want {
		t.Errorf("detail.changes = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(d["context"]), fmt.Sprint(context); context != nil && got != want {
		t.Errorf("detail.context = %s, want %s", got, want)
	}
	if context == nil && d["context"] != nil {
		t.Errorf("detail.context = %v, want null", d["context"])
	}
}

func wantActor(t *testing.T, e map[string]any, email string) {
	t.Helper()
	u, _ := e["user"].(map[string]any)
	if u == nil || u["email"] != email {
		t.Errorf("entry user = %v, want %s", e["user"], email)
	}
	if e["created_at"] != changedAt.Format("2006-01-02T15:04:05.000000Z") {
		t.Errorf("created_at = %v, want %v", e["created_at"], changedAt)
	}
}

func memberNamed(t *testing.T, sim *posthogsim.Server, email string) map[string]any {
	t.Helper()
	for _, r := range get(t, sim, scanner, orgPath+"members/").results(t) {
		m := r.(map[string]any)
		if m["user"].(map[string]any)["email"] == email {
			return m
		}
	}
	t.Fatalf("no member %s", email)
	return nil
}

func TestSetMemberLevelServesTheLevelAndLogsItAtTheOrganization(t *testing.T) {
	sim := newAcme()
	if err := sim.SetMemberLevel("carol@acme.example", "erin@acme.example", posthogsim.LevelAdmin, changedAt); err != nil {
		t.Fatal(err)
	}
	erin := memberNamed(t, sim, "erin@acme.example")
	if erin["level"] != float64(8) || erin["updated_at"] != changedAt.Format("2006-01-02T15:04:05.000000Z") {
		t.Errorf("erin = level %v, updated_at %v; want 8 at %v", erin["level"], erin["updated_at"], changedAt)
	}
	mid := erin["id"].(string)
	org := get(t, sim, scanner, orgActivityPath).results(t)
	e := one(t, org, "OrganizationMembership", mid)
	if e["activity"] != "updated" || e["team_id"] != nil {
		t.Errorf("entry activity %v team %v, want updated at the organization", e["activity"], e["team_id"])
	}
	wantActor(t, e, "carol@acme.example")
	wantDetail(t, e, "Erin Kowalski (erin@acme.example) membership updated in Acme Analytics",
		[]any{map[string]any{"type": "OrganizationMembership", "action": "changed", "field": "level", "before": float64(1), "after": float64(8)}},
		map[string]any{
			"organization_id": posthogsim.AcmeOrgID, "organization_name": "Acme Analytics",
			"user_id": "105", "user_email": "erin@acme.example", "user_name": "Erin Kowalski", "level": "administrator",
		})
	// Production receives organization-level rows; a project that does not
	// shows none.
	if got := entriesOf(t, get(t, sim, scanner, prodPath+"activity_log/").results(t), "OrganizationMembership", mid); len(got) != 1 {
		t.Errorf("Production's log has %d rows of the promotion, want 1", len(got))
	}
	o := posthogsim.Acme(now)
	o.Projects[0].ReceiveOrgLevelActivityLogs = false
	quiet := posthogsim.New(o)
	if err := quiet.SetMemberLevel("carol@acme.example", "erin@acme.example", posthogsim.LevelAdmin, changedAt); err != nil {
		t.Fatal(err)
	}
	if got := entriesOf(t, get(t, quiet, scanner, prodPath+"activity_log/").results(t), "OrganizationMembership", mid); len(got) != 0 {
		t.Errorf("a project without receive_org_level_activity_logs shows %d rows of the promotion", len(got))
	}
}

func TestSetMemberLevelRefusesWhatPostHogRefuses(t *testing.T) {
	cases := []struct {
		name, actor, member string
		level, status       int
	}{
		{"a member edits others", "dan@acme.example", "erin@acme.example", posthogsim.LevelAdmin, http.StatusForbidden},
		{"own level", "carol@acme.example", "carol@acme.example", posthogsim.LevelAdmin, http.StatusForbidden},
		{"no such actor", "mallory@evil.example", "erin@acme.example", posthogsim.LevelAdmin, http.StatusForbidden},
		{"no such member", "carol@acme.example", "nobody@acme.example", posthogsim.LevelAdmin, http.StatusNotFound},
		{"invalid level", "carol@acme.example", "erin@acme.example", 3, http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newAcme()
			before := len(get(t, sim, scanner, orgActivityPath).results(t))
			err := sim.SetMemberLevel(c.actor, c.member, c.level, changedAt)
			var ce *posthogsim.ChangeError
			if !errors.As(err, &ce) || ce.Status != c.status {
				t.Fatalf("err = %v, want a %d", err, c.status)
			}
			if after := len(get(t, sim, scanner, orgActivityPath).results(t)); after != before {
				t.Errorf("a refused change logged %d rows", after-before)
			}
		})
	}
	// An admin cannot make owners; an owner can.
	sim := newAcme()
	if err := sim.SetMemberLevel("carol@acme.example", "erin@acme.example", posthogsim.LevelAdmin, changedAt); err != nil {
		t.Fatal(err)
	}
	var ce *posthogsim.ChangeError
	if err := sim.SetMemberLevel("erin@acme.example", "dan@acme.example", posthogsim.LevelOwner, changedAt); !errors.As(err, &ce) || ce.Status != http.StatusForbidden {
		t.Errorf("an admin making an owner: err = %v, want 403", err)
	}
	if err := sim.SetMemberLevel("erin@acme.example", "dan@acme.example", posthogsim.LevelAdmin, changedAt); err != nil {
		t.Errorf("an admin making an admin: %v", err)
	}
}

func TestSetMemberLevelToTheSameLevelLogsNothing(t *testing.T) {
	sim := newAcme()
	before := len(get(t, sim, scanner, orgActivityPath).results(t))
	if err := sim.SetMemberLevel("carol@acme.example", "erin@acme.example", posthogsim.LevelMember, changedAt); err != nil {
		t.Fatal(err)
	}
	if after := len(get(t, sim, scanner, orgActivityPath).results(t)); after != before {
		t.Errorf("an unchanged level logged %d rows", after-before)
	}
}

func TestAddRoleMemberIsServedAndNotLogged(t *testing.T) {
	sim := newAcme()
	before := len(get(t, sim, scanner, orgActivityPath).results(t))
	if err := sim.AddRoleMember("carol@acme.example", "Engineering", "frank@acme.example", changedAt); err != nil {
		t.Fatal(err)
	}
	frank := memberNamed(t, sim, "frank@acme.example")["id"]
	var found bool
	for _, r := range get(t, sim, scanner, orgPath+"roles/").results(t) {
		role := r.(map[string]any)
		if role["name"] != "Engineering" {
			continue
		}
		for _, m := range role["members"].([]any) {
			rm := m.(map[string]any)
			if rm["organization_member"].(map[string]any)["id"] == frank {
				found = true
				if rm["joined_at"] != changedAt.Format("2006-01-02T15:04:05.000000Z") {
					t.Errorf("joined_at = %v, want %v", rm["joined_at"], changedAt)
				}
			}
		}
	}
	if !found {
		t.Error("frank is not served in Engineering")
	}
	if after := len(get(t, sim, scanner, orgActivityPath).results(t)); after != before {
		t.Errorf("a role membership logged %d rows; PostHog logs none", after-before)
	}
	var ce *posthogsim.ChangeError
	if err := sim.AddRoleMember("carol@acme.example", "Engineering", "frank@acme.example", changedAt); !errors.As(err, &ce) || ce.Detail != "User is already part of the role." {
		t.Errorf("a second add: err = %v", err)
	}
	if err := sim.AddRoleMember("dan@acme.example", "Product", "erin@acme.example", changedAt); !errors.As(err, &ce) || ce.Status != http.StatusForbidden {
		t.Errorf("a member adding to a role: err = %v, want 403", err)
	}
}

// ruleOf returns the served rule of a role (by id) on a list, or nil.
func ruleOf(t *testing.T, r reply, role string) map[string]any {
	t.Helper()
	for _, x := range r.obj(t)["access_controls"].([]any) {
		rule := x.(map[string]any)
		if rule["role"] == role {
			return rule
		}
	}
	return nil
}

const productRole = "0190a1b2-2222-7000-8000-000000000002"

func TestSetAccessRuleUpsertsLikePostHogAndIsNotLogged(t *testing.T) {
	sim := newAcme()
	org := sim.Org()
	created := org.Projects[0].AccessControls[2]
	if created.RoleID != productRole {
		t.Fatalf("fixture changed: %+v", created)
	}
	before := len(get(t, sim, scanner, orgActivityPath).results(t))

	// An existing rule: level changed, created_by and created_at kept,
	// updated_at bumped; users_with_access follows.
	if err := sim.SetAccessRule("carol@acme.example", posthogsim.AcmeProductionID, "", posthogsim.RuleSubject{Role: "Product"}, "admin", changedAt); err != nil {
		t.Fatal(err)
	}
	rule := ruleOf(t, get(t, sim, scanner, prodPath+"access_controls/"), productRole)
	want := map[string]any{
		"access_level": "admin", "created_by": float64(created.CreatedBy),
		"created_at": created.CreatedAt.Format("2006-01-02T15:04:05.000000Z"),
		"updated_at": changedAt.Format("2006-01-02T15:04:05.000000Z"),
	}
	for k, v := range want {
		if rule[k] != v {
			t.Errorf("rule %s = %v, want %v", k, rule[k], v)
		}
	}
	frank := memberNamed(t, sim, "frank@acme.example")["id"]
	for _, u := range get(t, sim, scanner, prodPath+"users_with_access/").obj(t)["users"].([]any) {
		ua := u.(map[string]any)
		if ua["organization_membership_id"] == frank && (ua["access_level"] != "admin" || ua["access_source"] != "explicit_role") {
			t.Errorf("frank in users_with_access = %v, want admin via explicit_role", ua)
		}
	}

	// A new rule: created at the time, created_by null.
	if err := sim.SetAccessRule("carol@acme.example", posthogsim.AcmeStagingID, "session_recording", posthogsim.RuleSubject{Member: "heidi@contractor.example"}, "none", changedAt); err != nil {
		t.Fatal(err)
	}
	heidi := memberNamed(t, sim, "heidi@contractor.example")["id"]
	var fresh map[string]any
	for _, x := range get(t, sim, scanner, "/api/projects/12346/resource_access_controls/").obj(t)["access_controls"].([]any) {
		if r := x.(map[string]any); r["organization_member"] == heidi {
			fresh = r
		}
	}
	if fresh == nil || fresh["resource"] != "session_recording" || fresh["access_level"] != "none" || fresh["created_by"] != nil ||
		fresh["created_at"] != changedAt.Format("2006-01-02T15:04:05.000000Z") {
		t.Errorf("new rule = %v, want session_recording none created at %v by null", fresh, changedAt)
	}

	// access_level null deletes.
	if err := sim.SetAccessRule("carol@acme.example", posthogsim.AcmeProductionID, "project", posthogsim.RuleSubject{Role: "Product"}, "", changedAt); err != nil {
		t.Fatal(err)
	}
	if r := ruleOf(t, get(t, sim, scanner, prodPath+"access_controls/"), productRole); r != nil {
		t.Errorf("deleted rule still served: %v", r)
	}

	after := get(t, sim, scanner, orgActivityPath).results(t)
	if len(after) != before {
		t.Errorf("access-rule changes logged %d rows; PostHog logs none", len(after)-before)
	}

	var ce *posthogsim.ChangeError
	// frank is a member of Production (role Product's rule): no admin there.
	if err := sim.SetAccessRule("frank@acme.example", posthogsim.AcmeProductionID, "", posthogsim.RuleSubject{Member: "frank@acme.example"}, "admin", changedAt); !errors.As(err, &ce) || ce.Status != http.StatusForbidden {
		t.Errorf("a project member setting a rule: err = %v, want 403", err)
	}
	// A member who is admin of the project may
	// (check_can_modify_access_levels_for_object): erin is admin on Staging
	// through Engineering's rule; near miss: frank above.
	if err := sim.SetAccessRule("erin@acme.example", posthogsim.AcmeStagingID, "", posthogsim.RuleSubject{Member: "frank@acme.example"}, "member", changedAt); err != nil {
		t.Errorf("a project admin setting a rule on the project: %v", err)
	}
	if err := sim.SetAccessRule("carol@acme.example", posthogsim.AcmeProductionID, "", posthogsim.RuleSubject{Role: "Product"}, "editor", changedAt); !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		t.Errorf("a resource level on the project: err = %v, want 400", err)
	}
}

// keyContext is a PersonalAPIKey row's context for bi-bot's key.
func keyContext(team string) map[string]any {
	return map[string]any{
		"user_id": float64(110), "user_email": "bi-bot@acme.example", "user_name": "BI Bot",
		"organization_name": "Acme Analytics", "team_name": team,
	}
}

const biKeyID = "0190a1b2-8888-7000-8000-000000000002"

func TestSetKeyScopesLogsAnUpdateInEachScopedProject(t *testing.T) {
	sim := newAcme()
	widened := []string{"insight:read", "dashboard:read", "query:read", "feature_flag:write"}
	if err := sim.SetKeyScopes("bi-bot@acme.example", "bi-dashboard-readonly", widened, changedAt); err != nil {
		t.Fatal(err)
	}
	cur := get(t, sim, posthogsim.AcmeBIKeyToken, "/api/personal_api_keys/@current/").obj(t)
	if got := fmt.Sprint(cur["scopes"]); got != fmt.Sprint(widened) {
		t.Errorf("served scopes = %s, want %v", got, widened)
	}
	// The key is scoped to Production: one row there, none at the
	// organization.
	org := get(t, sim, scanner, orgActivityPath).results(t)
	e := one(t, org, "PersonalAPIKey", biKeyID)
	if e["team_id"] != float64(posthogsim.AcmeProductionID) || e["activity"] != "updated" {
		t.Errorf("row team %v activity %v, want updated in Production", e["team_id"], e["activity"])
	}
	wantActor(t, e, "bi-bot@acme.example")
	wantDetail(t, e, "bi-dashboard-readonly", []any{map[string]any{
		"type": "PersonalAPIKey", "action": "changed", "field": "scopes",
		"before": []any{"insight:read", "dashboard:read", "query:read"}, "after": []any{"insight:read", "dashboard:read", "query:read", "feature_flag:write"},
	}}, keyContext("Production"))
	if got := entriesOf(t, get(t, sim, scanner, prodPath+"activity_log/").results(t), "PersonalAPIKey", biKeyID); len(got) != 1 {
		t.Errorf("Production's log has %d rows of the key, want 1", len(got))
	}
	if got := entriesOf(t, get(t, sim, scanner, "/api/projects/12346/activity_log/").results(t), "PersonalAPIKey", biKeyID); len(got) != 0 {
		t.Errorf("Staging's log has %d rows of a key not scoped to it", len(got))
	}

	// Only the owner changes a key.
	var ce *posthogsim.ChangeError
	if err := sim.SetKeyScopes("alice@acme.example", "bi-dashboard-readonly", []string{"*"}, changedAt); !errors.As(err, &ce) || ce.Status != http.StatusNotFound {
		t.Errorf("another user's key: err = %v, want 404", err)
	}
}

func TestSetKeyScopesOfAnOrganizationKeyLogsAtTheOrganization(t *testing.T) {
	sim := newAcme()
	if err := sim.SetKeyScopes("alice@acme.example", "access-snapshot", append(posthogsim.MinimalScopes(), "feature_flag:read"), changedAt); err != nil {
		t.Fatal(err)
	}
	e := one(t, get(t, sim, scanner, orgActivityPath).results(t), "PersonalAPIKey", "0190a1b2-8888-7000-8000-000000000001")
	if e["team_id"] != nil {
		t.Errorf("team_id = %v, want null (the key is scoped to the organization)", e["team_id"])
	}
	if ctx := e["detail"].(map[string]any)["context"].(map[string]any); ctx["team_name"] != "Unknown Project" {
		t.Errorf("team_name = %v, want PostHog's fallback Unknown Project", ctx["team_name"])
	}
}

func TestSetKeyScopedTeamsLogsCreatedAndRevoked(t *testing.T) {
	sim := newAcme()
	both := []int64{posthogsim.AcmeProductionID, posthogsim.AcmeStagingID}
	if err := sim.SetKeyScopedTeams("bi-bot@acme.example", "bi-dashboard-readonly", both, changedAt); err != nil {
		t.Fatal(err)
	}
	cur := get(t, sim, posthogsim.AcmeBIKeyToken, "/api/personal_api_keys/@current/").obj(t)
	if got := fmt.Sprint(cur["scoped_teams"]); got != "[12345 12346]" {
		t.Errorf("scoped_teams = %s", got)
	}
	rows := entriesOf(t, get(t, sim, scanner, orgActivityPath).results(t), "PersonalAPIKey", biKeyID)
	if len(rows) != 1 || rows[0]["activity"] != "created" || rows[0]["team_id"] != float64(posthogsim.AcmeStagingID) {
		t.Fatalf("rows = %v, want one created in Staging", rows)
	}
	wantDetail(t, rows[0], "bi-dashboard-readonly", []any{}, keyContext("Staging"))

	// Losing every project is one revocation at the organization.
	later := changedAt.Add(time.Second)
	if err := sim.SetKeyScopedTeams("bi-bot@acme.example", "bi-dashboard-readonly", nil, later); err != nil {
		t.Fatal(err)
	}
	// Unscoped, the key reaches the organization: gained the organization,
	// lost both projects.
	rows = entriesOf(t, get(t, sim, scanner, orgActivityPath).results(t), "PersonalAPIKey", biKeyID)
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%v@%v", r["activity"], r["team_id"]))
	}
	slices.Sort(got)
	want := []string{"created@12346", "created@<nil>", "revoked@<nil>"}
	if !slices.Equal(got, want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
	if strings.Contains(fmt.Sprint(rows), "updated") {
		t.Error("a scoping change logged an updated row")
	}
	// A scoping change's organization rows name no team
	// (log_personal_api_key_scope_change); near miss: a scope change's
	// organization row says "Unknown Project" (the test above).
	for _, r := range rows {
		if r["team_id"] == nil {
			if ctx := r["detail"].(map[string]any)["context"].(map[string]any); ctx["team_name"] != nil {
				t.Errorf("%v at the organization: team_name = %v, want null", r["activity"], ctx["team_name"])
			}
		}
	}
}

func TestSetSSOEnforcementClearsAndLogs(t *testing.T) {
	sim := newAcme()
	if err := sim.SetSSOEnforcement("carol@acme.example", "acme.example", "", changedAt); err != nil {
		t.Fatal(err)
	}
	var domain map[string]any
	for _, r := range get(t, sim, scanner, orgPath+"domains/").results(t) {
		if d := r.(map[string]any); d["domain"] == "acme.example" {
			domain = d
		}
	}
	if domain["sso_enforcement"] != "" {
		t.Errorf("sso_enforcement = %v, want \"\"", domain["sso_enforcement"])
	}
	e := one(t, get(t, sim, scanner, orgActivityPath).results(t), "OrganizationDomain", "0190a1b2-5555-7000-8000-000000000001")
	if e["activity"] != "updated" || e["team_id"] != nil {
		t.Errorf("activity %v team %v", e["activity"], e["team_id"])
	}
	wantActor(t, e, "carol@acme.example")
	wantDetail(t, e, "Domain acme.example updated in Acme Analytics",
		[]any{map[string]any{"type": "OrganizationDomain", "action": "deleted", "field": "sso_enforcement", "before": "google-oauth2", "after": nil}},
		map[string]any{"organization_id": posthogsim.AcmeOrgID, "organization_name": "Acme Analytics", "domain": "acme.example"})

	// An unverified domain cannot be changed.
	var ce *posthogsim.ChangeError
	if err := sim.SetSSOEnforcement("carol@acme.example", "acme-labs.example", "saml", changedAt); !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		t.Errorf("unverified domain: err = %v, want 400", err)
	}
	// Setting it from empty is a "created" change.
	if err := sim.SetSSOEnforcement("carol@acme.example", "acme.example", "saml", changedAt); err != nil {
		t.Fatal(err)
	}
	rows := entriesOf(t, get(t, sim, scanner, orgActivityPath).results(t), "OrganizationDomain", "0190a1b2-5555-7000-8000-000000000001")
	if len(rows) != 2 || !strings.Contains(fmt.Sprint(rows), "action:created") {
		t.Errorf("rows after re-enforcing = %v, want a created change besides the deletion", rows)
	}
}

func TestSetEnforce2FALogsTheDisplayName(t *testing.T) {
	sim := newAcme()
	before := entriesOf(t, get(t, sim, scanner, orgActivityPath).results(t), "Organization", posthogsim.AcmeOrgID)
	if err := sim.SetEnforce2FA("carol@acme.example", false, changedAt); err != nil {
		t.Fatal(err)
	}
	if got := get(t, sim, scanner, orgPath).obj(t)["enforce_2fa"]; got != false {
		t.Errorf("enforce_2fa = %v, want false", got)
	}
	rows := entriesOf(t, get(t, sim, scanner, orgActivityPath).results(t), "Organization", posthogsim.AcmeOrgID)
	if len(rows) != len(before)+1 {
		t.Fatalf("%d rows, want %d", len(rows), len(before)+1)
	}
	e := rows[0] // newest first
	wantActor(t, e, "carol@acme.example")
	wantDetail(t, e, "Acme Analytics", []any{map[string]any{
		"type": "Organization", "action": "changed", "field": "two-factor authentication requirement", "before": true, "after": false,
	}}, nil)
	if err := sim.SetEnforce2FA("dan@acme.example", true, changedAt); err == nil {
		t.Error("a member changed the organization")
	}
}

func TestChangeAcmeMakesTheDemosChanges(t *testing.T) {
	sim := newAcme()
	before := get(t, sim, scanner, orgActivityPath).results(t)
	if err := posthogsim.ChangeAcme(sim, now.Add(-time.Minute), now); err != nil {
		t.Fatal(err)
	}
	if l := memberNamed(t, sim, posthogsim.AcmePromoted)["level"]; l != float64(8) {
		t.Errorf("erin's level = %v, want 8", l)
	}
	if r := ruleOf(t, get(t, sim, scanner, prodPath+"access_controls/"), productRole); r == nil || r["access_level"] != "admin" {
		t.Errorf("Product's rule on Production = %v, want admin", r)
	}
	cur := get(t, sim, posthogsim.AcmeBIKeyToken, "/api/personal_api_keys/@current/").obj(t)
	if !strings.Contains(fmt.Sprint(cur["scopes"]), posthogsim.AcmeWidenedScope) {
		t.Errorf("scopes = %v", cur["scopes"])
	}
	for _, r := range get(t, sim, scanner, orgPath+"domains/").results(t) {
		if d := r.(map[string]any); d["domain"] == posthogsim.AcmeClearedDomain && d["sso_enforcement"] != "" {
			t.Errorf("sso_enforcement = %v", d["sso_enforcement"])
		}
	}
	after := get(t, sim, scanner, orgActivityPath).results(t)
	var scopes []string
	for _, r := range after[:len(after)-len(before)] {
		e := r.(map[string]any)
		scopes = append(scopes, e["scope"].(string))
		at := e["created_at"].(string)
		if at > now.Format("2006-01-02T15:04:05.000000Z") || at <= now.Add(-time.Minute).Format("2006-01-02T15:04:05.000000Z") {
			t.Errorf("%s at %s, want inside the minute before %v", e["scope"], at, now)
		}
	}
	// Newest first; the access rule left no row.
	if want := []string{"OrganizationDomain", "PersonalAPIKey", "OrganizationMembership"}; !slices.Equal(scopes, want) {
		t.Errorf("new rows %v, want %v", scopes, want)
	}
}

// TestChangesWhileServing changes the organization while requests are being
// answered (run under -race: the changes wait for them).
// TestChangeAcmeFitsATightWindow: a previous snapshot taken a second ago
// still sees every change inside its window (the README's walk-through runs
// its commands seconds apart).
func TestChangeAcmeFitsATightWindow(t *testing.T) {
	for _, span := range []time.Duration{time.Second, 1300 * time.Millisecond, 3 * time.Second, time.Hour} {
		sim := newAcme()
		// The previous snapshot's collected_at is a whole second; now
		// need not be.
		after := now.Truncate(time.Second).Add(-span.Truncate(time.Second))
		now := after.Add(span)
		before := len(get(t, sim, scanner, orgActivityPath).results(t))
		if err := posthogsim.ChangeAcme(sim, after, now); err != nil {
			t.Fatal(err)
		}
		rows := get(t, sim, scanner, orgActivityPath).results(t)
		for _, r := range rows[:len(rows)-before] {
			at, err := time.Parse(time.RFC3339Nano, r.(map[string]any)["created_at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if end := now.Truncate(time.Second); !at.After(after) || at.After(end) {
				t.Errorf("span %v: a change at %v, outside (%v, %v]", span, at, after, end)
			}
		}
	}
}

func TestChangesWhileServing(t *testing.T) {
	sim := newAcme()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			for _, p := range []string{orgPath + "members/", orgPath + "roles/", prodPath + "access_controls/", orgActivityPath, orgPath + "domains/"} {
				req := httptest.NewRequest(http.MethodGet, "http://posthog.test"+p, nil)
				req.Header.Set("Authorization", "Bearer "+scanner)
				sim.ServeHTTP(httptest.NewRecorder(), req)
			}
		}
	}()
	if err := posthogsim.ChangeAcme(sim, now.Add(-time.Minute), now); err != nil {
		t.Fatal(err)
	}
	if err := sim.AddRoleMember("carol@acme.example", "Engineering", "frank@acme.example", changedAt); err != nil {
		t.Fatal(err)
	}
	<-done
}
