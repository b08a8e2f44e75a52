package posthog_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

const token = posthogsim.AcmeScannerToken

func TestNewNormalizesAndValidatesHost(t *testing.T) {
	tests := []struct {
		host     string
		opts     []posthog.Option
		want     string
		errParts []string
	}{
		{host: "https://us.posthog.com", want: "https://us.posthog.com"},
		{host: "https://us.posthog.com/", want: "https://us.posthog.com"},
		{host: "https://EU.posthog.com/api/", want: "https://eu.posthog.com"},
		{host: "  us.posthog.com  ", want: "https://us.posthog.com"},
		{host: "https://posthog.internal.example/analytics/", want: "https://posthog.internal.example/analytics"},
		{host: "http://127.0.0.1:8000", want: "http://127.0.0.1:8000"},
		{host: "http://127.8.9.10", want: "http://127.8.9.10"},
		{host: "http://localhost:8010/", want: "http://localhost:8010"},
		{host: "http://[::1]:8000", want: "http://[::1]:8000"},
		{host: "http://posthog.lan", opts: []posthog.Option{posthog.WithInsecureHTTP()}, want: "http://posthog.lan"},
		{host: "http://posthog.lan", errParts: []string{"plain http", "https", "--insecure-http"}},
		{host: "http://10.0.0.1", errParts: []string{"plain http"}},
		{host: "", errParts: []string{"no posthog host", "https://us.posthog.com"}},
		{host: "ftp://us.posthog.com", errParts: []string{"unsupported scheme", "use https"}},
		{host: "https://", errParts: []string{"invalid posthog host"}},
		{host: "https://us.posthog.com/?x=1", errParts: []string{"query"}},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			c, err := posthog.New(tt.host, token, tt.opts...)
			if len(tt.errParts) > 0 {
				if err == nil {
					t.Fatalf("New(%q) = %s, want an error", tt.host, c.Host())
				}
				msg := err.Error()
				for _, p := range tt.errParts {
					if !strings.Contains(msg, p) {
						t.Errorf("error %q does not contain %q", msg, p)
					}
				}
				if msg != strings.ToLower(msg[:1])+msg[1:] {
					t.Errorf("error %q does not start lowercase", msg)
				}
				assertNoSecret(t, msg, token)
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.host, err)
			}
			if got := c.Host(); got != tt.want {
				t.Errorf("Host() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewRejectsCredentialsWithoutEchoingThem(t *testing.T) {
	_, err := posthog.New("https://admin:hunter2@us.posthog.com", token)
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("err = %v, want a credentials error", err)
	}
	assertNoSecret(t, err.Error(), "hunter2")
}

func TestNewValidatesToken(t *testing.T) {
	for _, tok := range []string{"", "   ", "phx_abc def", "phx_abc\ndef"} {
		_, err := posthog.New("https://us.posthog.com", tok)
		if err == nil {
			t.Errorf("New with token %q: no error", tok)
			continue
		}
		if strings.Contains(tok, "phx_") {
			assertNoSecret(t, err.Error(), "phx_abc")
		}
	}
}

func TestRequestHeaders(t *testing.T) {
	type seen struct{ auth, accept, ua string }
	got := make(chan seen, 2)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Header.Get("Authorization"), r.Header.Get("Accept"), r.Header.Get("User-Agent")}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"k","label":"x","created_at":"2026-01-01T00:00:00Z","user_id":1,"scopes":[]}`))
	})
	ctx := context.Background()
	if _, err := loopback(t, h, token).CurrentPersonalAPIKey(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := loopback(t, h, token, posthog.WithUserAgent("hogaudit/1.2.3")).CurrentPersonalAPIKey(ctx); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{"Bearer " + token, "application/json", "hogaudit/dev"},
		{"Bearer " + token, "application/json", "hogaudit/1.2.3"},
	}
	for i, w := range want {
		if s := <-got; s != w {
			t.Errorf("request %d headers = %+v, want %+v", i, s, w)
		}
	}
}

// TestEndpointsNewest reads every endpoint of the newest deployment's Acme.
func TestEndpointsNewest(t *testing.T) {
	sim := posthogsim.New(posthogsim.Acme(now))
	c := loopback(t, sim, token)
	ctx := context.Background()

	org, err := c.Organization(ctx, "@current")
	if err != nil {
		t.Fatal(err)
	}
	if org.ID != posthogsim.AcmeOrgID || org.Name != "Acme Analytics" || org.Slug != "acme-analytics" {
		t.Errorf("organization = %+v", org)
	}
	wantFeatures := []string{"access_control", "advanced_permissions", "audit_logs", "automatic_provisioning", "organization_invite_settings", "organization_security_settings", "role_based_access", "saml", "scim", "sso_enforcement"}
	if diff := cmp.Diff(wantFeatures, org.AvailableProductFeatures); diff != "" {
		t.Errorf("features (-want +got):\n%s", diff)
	}
	if org.Enforce2FA == nil || !*org.Enforce2FA || org.MembersCanInvite == nil || *org.MembersCanInvite {
		t.Errorf("settings: enforce_2fa %v, members_can_invite %v", org.Enforce2FA, org.MembersCanInvite)
	}
	if org.MembershipLevel == nil || *org.MembershipLevel != posthog.LevelOwner {
		t.Errorf("membership level = %v, want owner", org.MembershipLevel)
	}

	pf, err := c.Preflight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantPreflight := &posthog.Preflight{Cloud: true, Realm: "cloud", AvailableSocialAuthProviders: map[string]bool{"github": true, "gitlab": true, "google-oauth2": true}}
	if diff := cmp.Diff(wantPreflight, pf); diff != "" {
		t.Errorf("preflight (-want +got):\n%s", diff)
	}

	me, err := c.CurrentUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.Email != "alice@acme.example" || me.OrganizationID != posthogsim.AcmeOrgID || !me.Is2FAEnabled || !me.HasSSOEnforcement {
		t.Errorf("current user = %+v", me)
	}

	members, err := c.Members(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 11 {
		t.Fatalf("got %d members, want 11", len(members))
	}
	byEmail := map[string]posthog.Member{}
	owners := 0
	for _, m := range members {
		byEmail[m.User.Email] = m
		if m.Level == posthog.LevelOwner {
			owners++
		}
	}
	if owners != 3 {
		t.Errorf("owners = %d, want 3", owners)
	}
	if m := byEmail["judy@acme.example"]; m.LastLogin != nil || now.Sub(m.JoinedAt) != 10*24*time.Hour {
		t.Errorf("judy = %+v, want never logged in, joined 10 days ago", m)
	}
	if m := byEmail["frank@acme.example"]; m.Is2FAEnabled || !m.HasSocialAuth {
		t.Errorf("frank = %+v, want no 2FA but social auth", m)
	}

	invites, err := c.Invites(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	gotInv := map[string]posthog.Invite{}
	for _, inv := range invites {
		gotInv[inv.TargetEmail] = inv
	}
	if inv := gotInv["ivan@acme.example"]; inv.Level != posthog.LevelAdmin || inv.IsExpired ||
		!cmp.Equal(inv.PrivateProjectAccess, []posthog.ProjectAccess{{ID: posthogsim.AcmeProductionID, Level: "admin"}}) {
		t.Errorf("ivan's invite = %+v", inv)
	}
	if inv := gotInv["contractor@external.example"]; !inv.IsExpired || len(inv.PrivateProjectAccess) != 1 || inv.PrivateProjectAccess[0].Level != "admin" {
		t.Errorf("contractor's invite = %+v, want expired with legacy level 8 read as admin", inv)
	}
	if inv := gotInv["kim@acme.example"]; inv.PrivateProjectAccess != nil {
		t.Errorf("kim's invite = %+v, want no private project access", inv)
	}

	domains, err := c.Domains(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(domains) != 2 || domains[0].Domain != "acme-labs.example" || domains[1].Domain != "acme.example" {
		t.Fatalf("domains = %+v", domains)
	}
	acme := domains[1]
	if !acme.IsVerified || acme.SSOEnforcement != "google-oauth2" || acme.JITProvisioningEnabled ||
		acme.IdentityProviderConfig == nil || acme.SAMLEntityID != nil {
		t.Errorf("acme.example = %+v", acme)
	}
	idps, err := c.IdentityProviderConfigs(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(idps) != 1 || idps[0].ID != *acme.IdentityProviderConfig || idps[0].Name != "Okta production" || !idps[0].HasSAML {
		t.Errorf("identity provider configs = %+v", idps)
	}

	roles, err := c.Roles(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 2 || roles[0].Name != "Engineering" || len(roles[0].Members) != 3 || roles[0].Members[0].OrganizationMember == nil {
		t.Fatalf("roles = %+v", roles)
	}
	rms, err := c.RoleMemberships(ctx, org.ID, roles[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, rm := range rms {
		emails = append(emails, rm.User.Email)
	}
	if want := []string{"frank@acme.example", "grace@acme.example", "heidi@contractor.example"}; !slices.Equal(emails, want) {
		t.Errorf("Product members = %v, want %v", emails, want)
	}

	projects, err := c.Projects(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(projects) != 2 || projects[0].ID != posthogsim.AcmeProductionID || projects[1].Name != "Staging" {
		t.Fatalf("projects = %+v", projects)
	}
	prod, err := c.Project(ctx, posthogsim.AcmeProductionID)
	if err != nil {
		t.Fatal(err)
	}
	if prod.Name != "Production" || prod.ReceiveOrgLevelActivityLogs == nil || !*prod.ReceiveOrgLevelActivityLogs {
		t.Errorf("project = %+v", prod)
	}

	acl, err := c.AccessControls(ctx, posthogsim.AcmeProductionID)
	if err != nil {
		t.Fatal(err)
	}
	if len(acl.AccessControls) != 6 || acl.DefaultAccessLevel != "admin" {
		t.Fatalf("access controls = %+v", acl)
	}
	// In PostHog's order (the snapshot sorts them): the everyone rule, the
	// two role rules, the three member rules.
	var everyoneRules, roleRules, memberRules int
	for _, r := range acl.AccessControls {
		switch {
		case r.OrganizationMember == nil && r.Role == nil && r.AccessLevel == "none":
			everyoneRules++
		case r.OrganizationMember == nil && r.Role != nil:
			roleRules++
		case r.OrganizationMember != nil && r.Role == nil:
			memberRules++
		}
	}
	if everyoneRules != 1 || roleRules != 2 || memberRules != 3 {
		t.Errorf("access controls = %+v, want the everyone rule, two role rules and three member rules", acl.AccessControls)
	}
	racl, err := c.ResourceAccessControls(ctx, posthogsim.AcmeProductionID)
	if err != nil {
		t.Fatal(err)
	}
	if len(racl.AccessControls) != 1 || racl.AccessControls[0].Resource != "feature_flag" || racl.AccessControls[0].ResourceID != nil {
		t.Errorf("resource access controls = %+v", racl)
	}

	users, err := c.UsersWithAccess(ctx, posthogsim.AcmeProductionID)
	if err != nil {
		t.Fatal(err)
	}
	dan := byEmail["dan@acme.example"]
	var found bool
	for _, u := range users {
		if u.UserID == dan.User.UUID {
			found = true
			if u.AccessLevel != "admin" || u.AccessSource != "explicit_member" {
				t.Errorf("dan's access = %+v, want admin from explicit_member", u)
			}
		}
	}
	if !found || len(users) != 11 {
		t.Errorf("users with access = %+v, want all 11 members including dan", users)
	}

	if _, err := c.ExplicitMembers(ctx, posthogsim.AcmeProductionID); !errors.Is(err, posthog.ErrNotFound) {
		t.Errorf("explicit members on newest: err = %v, want ErrNotFound", err)
	}

	since := now.Add(-30 * 24 * time.Hour)
	log, err := c.ActivityLog(ctx, posthogsim.AcmeProductionID, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 8 {
		t.Errorf("got %d entries within 30 days, want 8 (4 project + 4 organization)", len(log))
	}
	for i, e := range log {
		if e.CreatedAt.Before(since) {
			t.Errorf("entry %s is older than since", e.ID)
		}
		if i > 0 && e.CreatedAt.After(log[i-1].CreatedAt) {
			t.Errorf("entries are not newest first at %d", i)
		}
		if !e.HasTeamID {
			t.Errorf("entry %s: HasTeamID false on the newest deployment", e.ID)
		}
	}

	key, err := c.CurrentPersonalAPIKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if key.Label != "access-snapshot" || !slices.Equal(key.Scopes, posthogsim.MinimalScopes()) ||
		!slices.Equal(key.ScopedOrganizations, []string{posthogsim.AcmeOrgID}) || key.MaskValue == nil {
		t.Errorf("current key = %+v", key)
	}
}

func TestEndpointsDeployment2025(t *testing.T) {
	sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithDeployment(posthogsim.Deployment2025))
	c := loopback(t, sim, token)
	ctx := context.Background()

	if _, err := c.IdentityProviderConfigs(ctx, posthogsim.AcmeOrgID); !errors.Is(err, posthog.ErrNotFound) {
		t.Errorf("identity provider configs: err = %v, want ErrNotFound", err)
	}
	if _, err := c.UsersWithAccess(ctx, posthogsim.AcmeProductionID); !errors.Is(err, posthog.ErrNotFound) {
		t.Errorf("users with access: err = %v, want ErrNotFound", err)
	}
	members, err := c.ExplicitMembers(ctx, posthogsim.AcmeProductionID)
	if err != nil || members == nil {
		t.Errorf("explicit members = %v, %v; want an empty list", members, err)
	}
	domains, err := c.Domains(ctx, posthogsim.AcmeOrgID)
	if err != nil {
		t.Fatal(err)
	}
	d := domains[1]
	if !d.HasSAML || d.SAMLEntityID == nil || d.SCIMEnabled == nil || !*d.SCIMEnabled || d.IdentityProviderConfig != nil {
		t.Errorf("2025 domain = %+v", d)
	}
	log, err := c.ActivityLog(ctx, posthogsim.AcmeStagingID, now.Add(-30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 7 {
		t.Errorf("got %d staging entries, want 7 (3 project + 4 organization via include_organization_scoped)", len(log))
	}
	for _, e := range log {
		if e.HasTeamID || e.TeamID != nil {
			t.Errorf("entry %s has team_id on the 2025 deployment", e.ID)
		}
	}
}

func TestAPIErrors(t *testing.T) {
	sim := posthogsim.New(posthogsim.Acme(now))
	ctx := context.Background()

	t.Run("unknown key", func(t *testing.T) {
		bad := "phx_" + strings.Repeat("Z", 40)
		_, err := loopback(t, sim, bad).Members(ctx, posthogsim.AcmeOrgID)
		var apiErr *posthog.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, posthog.ErrUnauthorized) {
			t.Fatalf("err = %v, want a 401 APIError", err)
		}
		if apiErr.Code != "authentication_failed" || apiErr.Detail != "Invalid personal API key." || apiErr.Type != "authentication_error" {
			t.Errorf("api error = %+v", apiErr)
		}
		assertNoSecret(t, err.Error(), bad)
	})

	t.Run("missing scope", func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(now))
		sim.DenyScope(token, "activity_log:read")
		_, err := loopback(t, sim, token).ActivityLog(ctx, posthogsim.AcmeProductionID, time.Time{})
		var apiErr *posthog.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, posthog.ErrForbidden) || errors.Is(err, posthog.ErrNotFound) {
			t.Fatalf("err = %v, want a 403 APIError", err)
		}
		if apiErr.Scope != "activity_log:read" {
			t.Errorf("Scope = %q, want activity_log:read", apiErr.Scope)
		}
		want := "GET /api/projects/12345/activity_log/: 403 permission_denied: API key missing required scope 'activity_log:read'"
		if err.Error() != want {
			t.Errorf("Error() = %q, want %q", err.Error(), want)
		}
		assertNoSecret(t, err.Error(), sim.Org().Secrets()...)
	})

	t.Run("project-scoped key on an org endpoint", func(t *testing.T) {
		_, err := loopback(t, sim, posthogsim.AcmeLegacyKeyToken).Members(ctx, posthogsim.AcmeOrgID)
		var apiErr *posthog.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 403 || apiErr.Scope != "" ||
			apiErr.Detail != "API keys with scoped projects are only supported on project-based endpoints." {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("non-json error body", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
		})
		_, err := loopback(t, h, token, posthog.WithRetry(1, 0)).Members(ctx, "x")
		var apiErr *posthog.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Detail != "bad gateway" || apiErr.Code != "" ||
			!apiErr.NotPostHog || apiErr.ContentType != "text/html" || !errors.Is(err, posthog.ErrNotPostHog) {
			t.Fatalf("err = %v (%+v)", err, apiErr)
		}
		if err.Error() != "giving up after 1 attempt: GET /api/organizations/x/members/: not a PostHog response (HTTP 502, text/html)" {
			t.Errorf("Error() = %q", err.Error())
		}
	})

	t.Run("plain text error body", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "upstream said no\nsecond line", http.StatusForbidden)
		})
		_, err := loopback(t, h, token).Members(ctx, "x")
		var apiErr *posthog.APIError
		if !errors.As(err, &apiErr) || apiErr.Detail != "upstream said no" || !errors.Is(err, posthog.ErrForbidden) {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("echoed token is redacted", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"type":"validation_error","code":"invalid_input","detail":"bad header ` + r.Header.Get("Authorization") + `","attr":"x"}`))
		})
		_, err := loopback(t, h, token).Members(ctx, "x")
		var apiErr *posthog.APIError
		if !errors.As(err, &apiErr) || apiErr.Attr != "x" {
			t.Fatalf("err = %v", err)
		}
		assertNoSecret(t, err.Error(), token)
	})

	t.Run("a status that is neither success nor error", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
		_, err := loopback(t, h, token).CurrentUser(ctx)
		var apiErr *posthog.APIError
		if !errors.As(err, &apiErr) || apiErr == nil || apiErr.Status != 304 {
			t.Errorf("err = %v, want a 304 APIError", err)
		}
	})

	t.Run("not json at all", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>login page</html>"))
		})
		_, err := loopback(t, h, token).CurrentUser(ctx)
		if !errors.Is(err, posthog.ErrNotPostHog) || err.Error() != "GET /api/users/@me/: not a PostHog response (HTTP 200, text/html)" {
			t.Errorf("err = %v, want a not-PostHog error", err)
		}
	})
}

func TestUnreachableHost(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var ev events
	c, err := posthog.New("http://"+addr, token, posthog.WithObserver(ev.observe))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CurrentUser(context.Background())
	var te *posthog.TransportError
	if !errors.Is(err, posthog.ErrUnreachable) || !errors.As(err, &te) {
		t.Fatalf("err = %v, want an unreachable TransportError", err)
	}
	if te.Method != "GET" || te.Path != "/api/users/@me/" {
		t.Errorf("transport error = %+v", te)
	}
	if n := len(ev.kinds(posthog.EventRetry)); n != 0 {
		t.Errorf("%d retries of an unreachable host, want none", n)
	}
	assertNoSecret(t, err.Error(), token)
}

func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the other host got a request with Authorization %q", r.Header.Get("Authorization"))
	}))
	defer other.Close()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/api/users/@me/", http.StatusFound)
	})
	_, err := loopback(t, h, token).CurrentUser(context.Background())
	if !errors.Is(err, posthog.ErrForeignURL) {
		t.Errorf("err = %v, want ErrForeignURL", err)
	}
}
