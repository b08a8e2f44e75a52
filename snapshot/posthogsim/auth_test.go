package posthogsim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

func TestAuthentication(t *testing.T) {
	sim := newAcme()
	t.Run("unknown key", func(t *testing.T) {
		r := get(t, sim, "phx_"+strings.Repeat("A", 40), orgPath+"members/")
		// examples/error-401-invalid-key.json
		wantError(t, r, 401, "authentication_error", "authentication_failed", "Invalid personal API key.")
		if wa := r.header.Get("WWW-Authenticate"); !strings.Contains(wa, "resource_metadata=") {
			t.Errorf("WWW-Authenticate = %q", wa)
		}
	})
	t.Run("no key", func(t *testing.T) {
		r := get(t, sim, "", orgPath)
		wantError(t, r, 401, "authentication_error", "not_authenticated", "Authentication credentials were not provided.")
		if r.header.Get("WWW-Authenticate") == "" {
			t.Error("no WWW-Authenticate header")
		}
	})
	t.Run("unknown path answers 404 before authentication", func(t *testing.T) {
		for _, p := range []string{"/api/nothing/", "/api/projects/12345/dashboards/", "/api/projects/abc/", "/", "/api/organizations/x/members/y/z/"} {
			// examples/error-404.json
			wantError(t, get(t, sim, "", p), 404, "invalid_request", "not_found", "Not found.")
		}
	})
	t.Run("write method", func(t *testing.T) {
		r := do(t, sim, http.MethodPost, scanner, orgPath+"members/")
		wantError(t, r, 405, "invalid_request", "method_not_allowed", `Method "POST" not allowed.`)
	})
}

// scopeOrg is Acme with keys of every kind of scope list.
func scopeOrg() *posthogsim.Org {
	o := posthogsim.Acme(now)
	alice := o.Members[0].User.ID
	add := func(token string, scopes ...string) {
		o.Keys = append(o.Keys, posthogsim.APIKey{ID: "key-" + token[4:], Label: "key " + token[4:], Token: token, UserID: alice, Scopes: scopes, CreatedAt: now})
	}
	add("phx_read", "organization:read")
	add("phx_write", "organization_member:write")
	add("phx_star", "*")
	add("phx_legacy")
	add("phx_otherorg", "organization:read")
	o.Keys[len(o.Keys)-1].ScopedOrganizations = []string{"0190a1b2-ffff-7000-8000-000000000000"}
	return o
}

func TestScopes(t *testing.T) {
	sim := posthogsim.New(scopeOrg())
	members := orgPath + "members/"
	tests := []struct {
		token, path string
		status      int
		detail      string
	}{
		{"phx_read", members, 403, "API key missing required scope 'organization_member:read'"},
		{"phx_read", orgPath, 200, ""},
		{"phx_read", "/api/projects/12345/access_controls/", 403, "API key missing required scope 'access_control:read'"},
		{"phx_read", "/api/users/@me/", 403, "API key missing required scope 'user:read'"},
		{"phx_write", members, 200, ""},
		{"phx_star", members, 200, ""},
		{"phx_star", "/api/projects/12345/activity_log/", 200, ""},
		{"phx_legacy", members, 200, ""},
		{"phx_legacy", "/api/projects/12345/", 200, ""},
		{"phx_otherorg", orgPath, 403, "API key does not have access to the requested organization: ID " + posthogsim.AcmeOrgID + "."},
		{"phx_otherorg", "/api/organizations/@current/", 403, "API key does not have access to the requested organization: ID " + posthogsim.AcmeOrgID + "."},
		{"phx_otherorg", "/api/projects/12345/", 403, "API key missing required scope 'project:read'"},
		{scanner, "/api/organizations/0190a1b2-ffff-7000-8000-000000000000/", 403, "API key does not have access to the requested organization: ID 0190a1b2-ffff-7000-8000-000000000000."},
		{"phx_legacy", "/api/organizations/0190a1b2-ffff-7000-8000-000000000000/", 404, "Not found."},
		{"phx_legacy", "/api/projects/99999/", 404, "Not found."},
		// The audit keys: scoped to Production.
		{posthogsim.AcmeLegacyKeyToken, members, 403, "API keys with scoped projects are only supported on project-based endpoints."},
		{posthogsim.AcmeLegacyKeyToken, "/api/projects/12346/", 403, "API key does not have access to the requested project: ID 12346."},
		{posthogsim.AcmeLegacyKeyToken, "/api/projects/12345/", 200, ""},
		{posthogsim.AcmeLegacyKeyToken, "/api/users/@me/", 200, ""},
		{posthogsim.AcmeBIKeyToken, "/api/projects/12345/", 403, "API key missing required scope 'project:read'"},
	}
	for _, tt := range tests {
		r := get(t, sim, tt.token, tt.path)
		if tt.status == 200 {
			if r.status != 200 {
				t.Errorf("%s %s: status %d (%s), want 200", tt.token, tt.path, r.status, r.raw)
			}
			continue
		}
		typ, code := "authentication_error", "permission_denied"
		if tt.status == 404 {
			typ, code = "invalid_request", "not_found"
		}
		t.Run(tt.token+tt.path, func(t *testing.T) { wantError(t, r, tt.status, typ, code, tt.detail) })
	}
}

func TestCurrentKeyNeedsNoScope(t *testing.T) {
	sim := posthogsim.New(scopeOrg())
	for _, tok := range []string{"phx_read", posthogsim.AcmeBIKeyToken, posthogsim.AcmeFlagKeyToken, "phx_legacy"} {
		r := get(t, sim, tok, "/api/personal_api_keys/@current/")
		if r.status != 200 {
			t.Fatalf("%s: status %d", tok, r.status)
		}
		k := r.obj(t)
		if k["value"] != nil || !strings.HasPrefix(k["mask_value"].(string), "phx_...") || strings.Contains(string(r.raw), tok) {
			t.Errorf("%s: key %s leaks or lacks its mask", tok, r.raw)
		}
		if tok == "phx_legacy" {
			if s := k["scopes"].([]any); len(s) != 1 || s[0] != "*" {
				t.Errorf("legacy key scopes = %v, want [*]", s)
			}
		}
	}
	// examples/personal-api-key-current.json
	want := sorted("id", "label", "value", "mask_value", "created_at", "last_used_at", "user_id", "scopes", "scoped_teams", "scoped_organizations", "last_rolled_at")
	got := keysOf(get(t, sim, scanner, "/api/personal_api_keys/@current/").obj(t))
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("key fields = %v, want %v", got, want)
	}
}

func TestDenyScope(t *testing.T) {
	sim := posthogsim.New(scopeOrg())
	sim.DenyScope("phx_star", "organization_member:read")
	sim.DenyScope(scanner, "activity_log:read")
	wantError(t, get(t, sim, "phx_star", orgPath+"members/"), 403, "authentication_error", "permission_denied",
		"API key missing required scope 'organization_member:read'")
	// examples/error-403-missing-scope.json, for the scope it names.
	wantError(t, get(t, sim, scanner, "/api/projects/12345/activity_log/"), 403, "authentication_error", "permission_denied",
		"API key missing required scope 'activity_log:read'")
	if r := get(t, sim, scanner, orgPath+"members/"); r.status != 200 {
		t.Errorf("another scope of the same key: status %d", r.status)
	}
	if r := get(t, sim, scanner, "/api/personal_api_keys/@current/"); r.status != 200 {
		t.Errorf("@current after a denial: status %d", r.status)
	}
}

func TestPersonalAPIKeysDisallowed(t *testing.T) {
	o := posthogsim.Acme(now)
	o.MembersCanUsePersonalAPIKeys = false
	dan := o.Members[3].User.ID
	o.Keys = append(o.Keys, posthogsim.APIKey{ID: "d", Token: "phx_dan", UserID: dan, CreatedAt: now})
	sim := posthogsim.New(o)
	wantError(t, get(t, sim, "phx_dan", orgPath+"members/"), 403, "authentication_error", "permission_denied",
		"Organization 'Acme Analytics' does not allow using personal API keys.")
	if r := get(t, sim, scanner, orgPath+"members/"); r.status != 200 {
		t.Errorf("an owner's key: status %d, want 200", r.status)
	}
}

func TestActivityLogNeedsAuditLogsOnNewest(t *testing.T) {
	o := posthogsim.Acme(now)
	o.Features = []string{"access_control", "role_based_access"}
	// PostHog Cloud's PremiumFeaturePermission raises PaidFeatureException:
	// 402, not 403, and nothing about the key.
	wantError(t, get(t, posthogsim.New(o), scanner, "/api/projects/12345/activity_log/"), 402, "server_error", "payment_required",
		"Audit logs requires a paid PostHog plan. Please upgrade to access this feature.")
	if r := get(t, posthogsim.New(o, posthogsim.WithDeployment(posthogsim.Deployment2025)), scanner, "/api/projects/12345/activity_log/"); r.status != 200 {
		t.Errorf("2025 activity log without audit_logs: status %d, want 200", r.status)
	}
}

func TestNonAdminSeesOnlyItsProjects(t *testing.T) {
	o := posthogsim.Acme(now)
	grace := o.Members[7]
	o.Keys = append(o.Keys, posthogsim.APIKey{ID: "g", Token: "phx_grace", UserID: grace.User.ID, CreatedAt: now})
	// Only Engineering may enter Staging now.
	o.Projects[1].AccessControls = o.Projects[1].AccessControls[:2]
	sim := posthogsim.New(o)
	res := get(t, sim, "phx_grace", orgPath+"projects/").results(t)
	if len(res) != 1 || res[0].(map[string]any)["name"] != "Production" {
		t.Errorf("grace's projects = %v, want Production only", res)
	}
	wantError(t, get(t, sim, "phx_grace", "/api/projects/12346/"), 403, "authentication_error", "permission_denied",
		"You don't have access to the project.")
	if level := get(t, sim, "phx_grace", orgPath).obj(t)["membership_level"]; level != float64(1) {
		t.Errorf("membership_level = %v, want 1", level)
	}
}

func TestThrottle(t *testing.T) {
	clock := now
	sim := newAcme(posthogsim.WithThrottle(2, time.Minute), posthogsim.WithClock(func() time.Time { return clock }))
	path := "/api/personal_api_keys/@current/"
	for range 2 {
		if r := get(t, sim, scanner, path); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	}
	r := get(t, sim, scanner, path)
	// examples/error-429-throttled.json
	wantError(t, r, 429, "throttled_error", "throttled", "Request was throttled. Expected available in 60 seconds.")
	if r.header.Get("Retry-After") != "" {
		t.Errorf("Retry-After = %q, want none (drf-exceptions-hog drops it)", r.header.Get("Retry-After"))
	}
	// Another key has its own window.
	if r := get(t, sim, posthogsim.AcmeBIKeyToken, path); r.status != 200 {
		t.Errorf("another key: status %d", r.status)
	}
	clock = clock.Add(30500 * time.Millisecond)
	wantError(t, get(t, sim, scanner, path), 429, "throttled_error", "throttled", "Request was throttled. Expected available in 30 seconds.")
	clock = now.Add(time.Minute)
	if r := get(t, sim, scanner, path); r.status != 200 {
		t.Errorf("after the window: status %d", r.status)
	}
}
