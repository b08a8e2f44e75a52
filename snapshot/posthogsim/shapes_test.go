package posthogsim_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The field sets below are those of PostHog's serializers for each endpoint
// (snapshot/posthog/types.go reads a subset of them).
func TestShapesMatchTheExamples(t *testing.T) {
	sim := newAcme()
	tests := []struct {
		name, path string
		item       func(reply) map[string]any
		want       []string
	}{
		{"members.json", orgPath + "members/", first, sorted("id", "user", "level", "joined_at", "updated_at", "is_2fa_enabled", "has_social_auth", "last_login")},
		{"UserBasic", orgPath + "members/", func(r reply) map[string]any { return first(r)["user"].(map[string]any) },
			sorted("id", "uuid", "distinct_id", "first_name", "last_name", "email", "is_email_verified", "hedgehog_config", "role_at_organization")},
		{"invites.json", orgPath + "invites/", first, sorted("id", "target_email", "first_name", "emailing_attempt_made", "level", "is_expired", "created_by", "created_at", "updated_at", "message", "private_project_access")},
		{"domains-newest.json", orgPath + "domains/", first, sorted("id", "domain", "is_verified", "verified_at", "verification_challenge", "jit_provisioning_enabled", "sso_enforcement", "has_saml", "has_scim", "scim_base_url", "has_id_jag", "identity_provider_config")},
		{"identity-provider-configs.json", orgPath + "identity_provider_configs/", first, sorted("id", "name", "created_at", "updated_at", "has_saml", "saml_entity_id", "saml_acs_url", "saml_x509_cert", "has_scim", "scim_enabled", "scim_bearer_token", "has_id_jag", "id_jag_issuer_url", "id_jag_jwks_url", "id_jag_allowed_clients")},
		{"roles.json", orgPath + "roles/", first, sorted("id", "name", "created_at", "created_by", "members", "is_default")},
		{"role-memberships.json", orgPath + "roles/0190a1b2-2222-7000-8000-000000000001/role_memberships/", first, sorted("id", "role_id", "organization_member", "user", "joined_at", "updated_at")},
		{"projects-list.json", orgPath + "projects/", first, sorted("id", "uuid", "organization", "api_token", "name", "completed_snippet_onboarding", "has_completed_onboarding_for", "ingested_event", "is_demo", "timezone", "access_control")},
		{"project-access-controls.json", "/api/projects/12345/access_controls/", whole, sorted("access_controls", "available_access_levels", "default_access_level", "minimum_access_level", "maximum_access_level", "user_access_level", "user_can_edit_access_levels", "inherited_access")},
		{"access control", "/api/projects/12345/access_controls/", func(r reply) map[string]any {
			return whole(r)["access_controls"].([]any)[0].(map[string]any)
		}, sorted("access_level", "resource", "resource_id", "organization_member", "role", "created_by", "created_at", "updated_at")},
		{"project-resource-access-controls.json", "/api/projects/12345/resource_access_controls/", whole, sorted("access_controls", "available_access_levels", "default_access_level", "minimum_access_level", "maximum_access_level", "user_access_level", "user_can_edit_access_levels")},
		{"activity-log-cursor.json", "/api/projects/12345/activity_log/", whole, sorted("next", "previous", "results")},
		{"activity entry", "/api/projects/12345/activity_log/", first, sorted("id", "user", "unread", "organization_id", "team_id", "was_impersonated", "is_system", "client", "ip_address", "activity", "item_id", "scope", "detail", "created_at")},
		{"activity detail", "/api/projects/12345/activity_log/", func(r reply) map[string]any { return first(r)["detail"].(map[string]any) }, sorted("name", "short_id", "type", "changes", "trigger", "context")},
		{"activity-log-page.json", "/api/projects/12345/activity_log/?page=1", whole, sorted("count", "next", "previous", "results")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, sim, scanner, tt.path)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
			if diff := cmp.Diff(tt.want, keysOf(tt.item(r))); diff != "" {
				t.Errorf("fields (-example +served):\n%s", diff)
			}
		})
	}

	// Objects with more fields than hogaudit needs: the example's fields are
	// all there.
	for _, tt := range []struct {
		name, path string
		want       []string
	}{
		{"organization.json", orgPath, []string{"id", "name", "slug", "created_at", "membership_level", "teams", "projects", "available_product_features", "enforce_2fa", "members_can_invite", "members_can_use_personal_api_keys", "allow_publicly_shared_resources", "member_count", "default_role_id", "is_active"}},
		{"project-detail.json", "/api/projects/12345/", []string{"id", "project_id", "organization", "name", "uuid", "effective_membership_level", "user_access_level", "access_control", "api_token", "secret_api_token", "secret_api_token_backup", "live_events_token", "receive_org_level_activity_logs", "is_demo"}},
		{"users-me.json", "/api/users/@me/", []string{"uuid", "id", "email", "is_staff", "is_2fa_enabled", "has_social_auth", "has_sso_enforcement", "has_password", "organization", "organizations", "team"}},
	} {
		got := get(t, sim, scanner, tt.path).obj(t)
		for _, k := range tt.want {
			if _, ok := got[k]; !ok {
				t.Errorf("%s: no field %q", tt.name, k)
			}
		}
	}
}

func first(r reply) map[string]any {
	m := r.body.(map[string]any)
	return m["results"].([]any)[0].(map[string]any)
}

func whole(r reply) map[string]any { return r.body.(map[string]any) }

func TestDeploymentDifferences(t *testing.T) {
	newest := newAcme()
	old := newAcme(posthogsim.WithDeployment(posthogsim.Deployment2025))

	for _, p := range []string{orgPath + "identity_provider_configs/", "/api/projects/12345/users_with_access/"} {
		if r := get(t, newest, scanner, p); r.status != 200 {
			t.Errorf("newest %s: status %d", p, r.status)
		}
		wantError(t, get(t, old, scanner, p), 404, "invalid_request", "not_found", "Not found.")
	}
	wantError(t, get(t, newest, scanner, "/api/projects/12345/explicit_members/"), 404, "invalid_request", "not_found", "Not found.")
	if r := get(t, old, scanner, "/api/projects/12345/explicit_members/"); r.status != 200 {
		t.Errorf("2025 explicit_members: status %d", r.status)
	} else if _, ok := r.body.([]any); !ok {
		t.Errorf("2025 explicit_members = %s, want a bare array", r.raw)
	}

	// Domains: the 2025 shape carries SAML and SCIM itself, and the SCIM
	// token just regenerated.
	d := first(get(t, old, scanner, orgPath+"domains/"))
	if d["domain"] != "acme-labs.example" {
		t.Fatalf("domains not ordered by domain: %v", d)
	}
	d = get(t, old, scanner, orgPath+"domains/").results(t)[1].(map[string]any)
	want2025 := sorted("id", "domain", "is_verified", "verified_at", "verification_challenge", "jit_provisioning_enabled", "sso_enforcement", "has_saml", "saml_entity_id", "saml_acs_url", "saml_x509_cert", "has_scim", "scim_enabled", "scim_base_url", "scim_bearer_token")
	if diff := cmp.Diff(want2025, keysOf(d)); diff != "" {
		t.Errorf("2025 domain fields (-example +served):\n%s", diff)
	}
	if d["has_saml"] != true || d["scim_bearer_token"] == nil || d["sso_enforcement"] != "google-oauth2" ||
		!strings.HasPrefix(d["scim_base_url"].(string), "http://posthog.test/scim/v2/") {
		t.Errorf("2025 acme.example = %v", d)
	}
	d = get(t, newest, scanner, orgPath+"domains/").results(t)[1].(map[string]any)
	if d["identity_provider_config"] != "0190a1b2-6666-7000-8000-000000000001" || d["has_saml"] != true {
		t.Errorf("newest acme.example = %v", d)
	}

	// Activity log: team_id only on newest; org-level rows by the project
	// setting (newest) or the include_organization_scoped parameter (2025).
	countOrgRows := func(sim *posthogsim.Server, query string) (rows, orgRows int, teamIDs bool) {
		for _, e := range get(t, sim, scanner, "/api/projects/12345/activity_log/"+query).results(t) {
			e := e.(map[string]any)
			rows++
			tid, has := e["team_id"]
			teamIDs = teamIDs || has
			if has && tid == nil || e["scope"] == "Organization" || e["scope"] == "OrganizationMembership" || e["scope"] == "PersonalAPIKey" || e["scope"] == "OrganizationInvite" {
				orgRows++
			}
		}
		return
	}
	if rows, orgRows, ids := countOrgRows(newest, ""); rows != 9 || orgRows != 4 || !ids {
		t.Errorf("newest: %d rows, %d org rows, team_id %v; want 9, 4, true", rows, orgRows, ids)
	}
	if rows, orgRows, ids := countOrgRows(old, ""); rows != 5 || orgRows != 0 || ids {
		t.Errorf("2025 without the parameter: %d rows, %d org rows, team_id %v; want 5, 0, false", rows, orgRows, ids)
	}
	if rows, orgRows, ids := countOrgRows(old, "?include_organization_scoped=1"); rows != 9 || orgRows != 4 || ids {
		t.Errorf("2025 with the parameter: %d rows, %d org rows, team_id %v; want 9, 4, false", rows, orgRows, ids)
	}
	o := posthogsim.Acme(now)
	o.Projects[0].ReceiveOrgLevelActivityLogs = false
	if rows, orgRows, _ := countOrgRows(posthogsim.New(o), "?include_organization_scoped=1"); rows != 5 || orgRows != 0 {
		t.Errorf("newest, project not receiving org logs: %d rows, %d org rows; want 5, 0", rows, orgRows)
	}

	// Role memberships embed the organization member only on newest.
	rm := first(get(t, old, scanner, orgPath+"roles/0190a1b2-2222-7000-8000-000000000001/role_memberships/"))
	if _, ok := rm["organization_member"]; ok {
		t.Errorf("2025 role membership has organization_member: %v", rm)
	}
}

func TestLimitOffsetPagination(t *testing.T) {
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 1200, Projects: 1, Seed: 3})
	sim := posthogsim.New(org)
	path := "/api/organizations/" + org.ID + "/members/"
	tok := posthogsim.SyntheticScannerToken

	r := get(t, sim, tok, path+"?email=")
	body := r.obj(t)
	if body["count"] != float64(1200) || len(r.results(t)) != 100 || body["previous"] != nil {
		t.Fatalf("first page: count %v, %d results, previous %v", body["count"], len(r.results(t)), body["previous"])
	}
	next, err := url.Parse(body["next"].(string))
	if err != nil || next.Scheme != "http" || next.Host != "posthog.test" || next.Path != path {
		t.Fatalf("next = %v, want an absolute link on the request's host", body["next"])
	}
	if q := next.Query(); q.Get("limit") != "100" || q.Get("offset") != "100" || !q.Has("email") {
		t.Errorf("next query = %v, want limit=100 offset=100 and the other parameters kept", q)
	}

	// LimitOffsetPagination without max_limit: any limit is honoured.
	r = get(t, sim, tok, path+"?limit=5000")
	if n := len(r.results(t)); n != 1200 || r.obj(t)["next"] != nil {
		t.Errorf("limit=5000 gave %d results (next %v), want all 1200 and no next", n, r.obj(t)["next"])
	}
	if n := len(get(t, sim, tok, path+"?limit=1000").results(t)); n != 1000 {
		t.Errorf("limit=1000 gave %d results", n)
	}
	r = get(t, sim, tok, path+"?limit=10&offset=1195")
	body = r.obj(t)
	if n := len(r.results(t)); n != 5 || body["next"] != nil {
		t.Errorf("last page: %d results, next %v", n, body["next"])
	}
	prev, _ := url.Parse(body["previous"].(string))
	if prev.Query().Get("offset") != "1185" {
		t.Errorf("previous = %v", body["previous"])
	}
	r = get(t, sim, tok, path+"?limit=10&offset=5")
	if prev, _ := url.Parse(r.obj(t)["previous"].(string)); prev.Query().Has("offset") {
		t.Errorf("previous of offset 5 = %v, want no offset", prev)
	}

	small := posthogsim.New(org, posthogsim.WithPageSize(7))
	if n := len(get(t, small, tok, path).results(t)); n != 7 {
		t.Errorf("WithPageSize(7) gave %d results", n)
	}
	if n := len(get(t, small, tok, path+"?limit=1000").results(t)); n != 7 {
		t.Errorf("WithPageSize(7) with limit=1000 gave %d results, want its cap of 7", n)
	}
}

func TestActivityLogPagination(t *testing.T) {
	sim := newAcme(posthogsim.WithPageSize(4))
	path := "/api/projects/12345/activity_log/"

	var ids []string
	target := path
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the cursor never ends")
		}
		r := get(t, sim, scanner, target)
		res := r.results(t)
		if len(res) == 0 {
			t.Fatal("an empty cursor page: the descending chain has a real end")
		}
		for _, e := range res {
			ids = append(ids, e.(map[string]any)["id"].(string))
		}
		// Descending, newest PostHog's link ends with the rows.
		if r.obj(t)["next"] == nil {
			break
		}
		next, _ := url.Parse(r.obj(t)["next"].(string))
		target = next.RequestURI()
	}
	if len(ids) != 9 {
		t.Errorf("read %d entries through the cursor, want 9", len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("entry %s served twice", id)
		}
		seen[id] = true
	}

	wantError(t, get(t, sim, scanner, path+"?cursor=!!"), 404, "invalid_request", "not_found", "Invalid cursor")

	r := get(t, sim, scanner, path+"?page=2&page_size=2&scope=FeatureFlag")
	body := r.obj(t)
	if body["count"] != float64(3) || len(r.results(t)) != 1 || body["next"] != nil || body["previous"] == nil {
		t.Errorf("page 2 of FeatureFlag entries = %s", r.raw)
	}
	wantError(t, get(t, sim, scanner, path+"?page=9"), 404, "invalid_request", "not_found", "Invalid page.")

	old := newAcme(posthogsim.WithPageSize(4), posthogsim.WithDeployment(posthogsim.Deployment2025))
	// 2025 PostHog's cursor pages have a fixed size (CursorPagination
	// page_size = 100 without page_size_query_param; here the 4 of
	// WithPageSize): page_size=3 is ignored.
	r = get(t, old, scanner, path+"?page_size=3")
	if n := len(r.results(t)); n != 4 {
		t.Errorf("2025 first cursor page: %d results for page_size=3, want the fixed 4", n)
	}
	next, _ := url.Parse(r.obj(t)["next"].(string))
	r = get(t, old, scanner, next.RequestURI())
	if n := len(r.results(t)); n != 1 || r.obj(t)["next"] != nil {
		t.Errorf("2025 last page: %d results, next %v; want 1 and null", n, r.obj(t)["next"])
	}
	// page_size caps at 1000.
	o := posthogsim.Acme(now)
	for i := range 1100 {
		o.Projects[0].Activity = append(o.Projects[0].Activity, posthogsim.ActivityEntry{
			ID: "bulk-" + strconv.Itoa(i), Scope: "Insight", Activity: "viewed", CreatedAt: now.Add(-time.Duration(i) * time.Second),
		})
	}
	big := posthogsim.New(o)
	if n := len(get(t, big, scanner, path+"?page_size=5000").results(t)); n != 1000 {
		t.Errorf("page_size=5000 gave %d entries, want the 1000 cap", n)
	}
	// The organization-wide endpoint validates its filters
	// (AdvancedActivityLogFiltersSerializer.page_size, max_value=1000):
	// above the cap it refuses the request.
	orgPath := "/api/organizations/" + posthogsim.AcmeOrgID + "/advanced_activity_logs/"
	if r := get(t, big, scanner, orgPath+"?page_size=1001"); r.status != 400 || r.obj(t)["attr"] != "page_size" {
		t.Errorf("org-wide page_size=1001: %d %v, want 400 on page_size", r.status, r.obj(t))
	}
	if r := get(t, big, scanner, orgPath+"?page=1&page_size=1000"); r.status != 200 || len(r.results(t)) != 1000 {
		t.Errorf("org-wide page_size=1000: %d, want 200 with 1000 entries", r.status)
	}
}
