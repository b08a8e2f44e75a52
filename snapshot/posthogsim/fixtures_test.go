package posthogsim_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var personalKeyRE = regexp.MustCompile(`^phx_[A-Za-z0-9]{40}$`)

func TestAcmeSecrets(t *testing.T) {
	o := posthogsim.Acme(now)
	secrets := o.Secrets()
	if len(secrets) < 12 {
		t.Fatalf("Secrets() = %d values, want every key, project secret, live-events token, challenge and SCIM token", len(secrets))
	}
	seen := map[string]bool{}
	for _, s := range secrets {
		if seen[s] {
			t.Errorf("secret %q appears twice", s)
		}
		seen[s] = true
	}
	for _, k := range o.Keys {
		if !personalKeyRE.MatchString(k.Token) {
			t.Errorf("key %s token %q is not phx_ and 40 base62 characters", k.Label, k.Token)
		}
		if !seen[k.Token] {
			t.Errorf("key %s token is not in Secrets()", k.Label)
		}
	}
	audit := map[string]string{}
	for env, tok := range posthogsim.AcmeAuditKeys {
		audit[tok] = env
	}
	labels := map[string]string{}
	for _, k := range o.Keys {
		labels[k.Token] = k.Label
	}
	want := map[string]string{"ACME_BI_KEY": "bi-dashboard-readonly", "ACME_FLAG_KEY": "flag-service", "ACME_LEGACY_KEY": "bi-legacy"}
	for env, label := range want {
		if got := labels[posthogsim.AcmeAuditKeys[env]]; got != label {
			t.Errorf("%s is key %q, want %q", env, got, label)
		}
	}
	if labels[posthogsim.AcmeScannerToken] != "access-snapshot" {
		t.Errorf("the scanner token is key %q", labels[posthogsim.AcmeScannerToken])
	}
}

// secretLike finds strings served that look like secrets.
var secretLike = regexp.MustCompile(`phx_[A-Za-z0-9]+|phs_[A-Za-z0-9]+|phscim_[A-Za-z0-9]+|eyJ[A-Za-z0-9_.-]+`)

// TestAcmeSecretsCoverWhatIsServed crawls every endpoint of both
// deployments and checks that every secret-looking value served is listed
// by Secrets(), and that each kind of secret is served somewhere (so that
// downstream redaction is tested).
func TestAcmeSecretsCoverWhatIsServed(t *testing.T) {
	o := posthogsim.Acme(now)
	secrets := map[string]bool{}
	for _, s := range o.Secrets() {
		secrets[s] = true
	}
	served := map[string]bool{}
	paths := []string{
		"/api/organizations/", orgPath, orgPath + "members/", orgPath + "invites/", orgPath + "domains/",
		orgPath + "identity_provider_configs/", orgPath + "roles/", orgPath + "projects/", "/api/projects/",
		"/api/users/@me/", "/api/personal_api_keys/@current/",
	}
	for _, p := range o.Projects {
		for _, rest := range []string{"", "access_controls/", "resource_access_controls/", "users_with_access/", "explicit_members/", "activity_log/"} {
			paths = append(paths, fmt.Sprintf("/api/projects/%d/%s", p.ID, rest))
		}
	}
	for _, d := range []posthogsim.Deployment{posthogsim.Newest, posthogsim.Deployment2025} {
		sim := posthogsim.New(o, posthogsim.WithDeployment(d))
		for _, p := range paths {
			r := get(t, sim, scanner, p)
			if r.status != 200 && r.status != 404 {
				t.Errorf("%v %s: status %d", d, p, r.status)
			}
			body := string(r.raw)
			for _, m := range secretLike.FindAllString(body, -1) {
				if !secrets[m] {
					t.Errorf("%v %s serves %q, which Secrets() does not list", d, p, m)
				}
				served[m] = true
			}
			for s := range secrets {
				if strings.Contains(body, s) {
					served[s] = true
				}
			}
		}
	}
	for s := range secrets {
		if !served[s] && !strings.HasPrefix(s, "phx_") {
			t.Errorf("secret %q is never served", s)
		}
	}
}

func TestAcmeIsRelativeToNow(t *testing.T) {
	a, b := posthogsim.Acme(now), posthogsim.Acme(now)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("Acme is not deterministic:\n%s", diff)
	}
	later := posthogsim.Acme(now.Add(400 * 24 * time.Hour))
	shift := 400 * 24 * time.Hour
	for i := range a.Members {
		if later.Members[i].JoinedAt.Sub(a.Members[i].JoinedAt) != shift {
			t.Errorf("member %s's join time does not follow now", a.Members[i].User.Email)
		}
	}
	for i := range a.Keys {
		if later.Keys[i].CreatedAt.Sub(a.Keys[i].CreatedAt) != shift {
			t.Errorf("key %s's creation does not follow now", a.Keys[i].Label)
		}
	}
}

func TestAcmeFixture(t *testing.T) {
	o := posthogsim.Acme(now)
	days := func(t time.Time) int { return int(now.Sub(t).Hours() / 24) }
	byEmail := map[string]posthogsim.Member{}
	levels := map[int]int{}
	for _, m := range o.Members {
		byEmail[m.User.Email] = m
		levels[m.Level]++
	}
	if levels[posthogsim.LevelOwner] != 3 || levels[posthogsim.LevelAdmin] != 0 || len(o.Members) != 11 {
		t.Errorf("levels = %v of %d members, want 3 owners", levels, len(o.Members))
	}
	for email, m := range byEmail {
		if !strings.HasSuffix(email, "@acme.example") && email != "heidi@contractor.example" {
			t.Errorf("unexpected external member %s", email)
		}
		if m.User.ID < 101 || m.User.ID > 111 {
			t.Errorf("%s has user id %d", email, m.User.ID)
		}
		switch email {
		case "judy@acme.example":
			if m.LastLogin != nil || days(m.JoinedAt) != 10 {
				t.Errorf("judy = %+v", m)
			}
		case "grace@acme.example":
			if days(*m.LastLogin) != 200 {
				t.Errorf("grace last logged in %d days ago", days(*m.LastLogin))
			}
		case "frank@acme.example":
			if m.Is2FAEnabled || !m.HasSocialAuth {
				t.Errorf("frank = %+v", m)
			}
		default:
			if !m.Is2FAEnabled || m.LastLogin == nil || days(*m.LastLogin) > 3 || days(m.JoinedAt) < 365 || days(m.JoinedAt) > 3*365 {
				t.Errorf("%s = %+v", email, m)
			}
		}
	}
	if got := []string{o.Roles[0].Name, o.Roles[1].Name}; !slices.Equal(got, []string{"Engineering", "Product"}) {
		t.Errorf("roles = %v", got)
	}
	if o.Projects[0].SecretAPIToken == o.Projects[1].SecretAPIToken || o.Projects[0].AccessControl || !o.Projects[1].ReceiveOrgLevelActivityLogs {
		t.Errorf("projects = %+v", o.Projects)
	}
	keys := map[string]posthogsim.APIKey{}
	for _, k := range o.Keys {
		keys[k.Label] = k
	}
	if k := keys["access-snapshot"]; !slices.Equal(k.Scopes, posthogsim.MinimalScopes()) || days(k.CreatedAt) != 30 || k.UserID != 101 {
		t.Errorf("scanner key = %+v", k)
	}
	if k := keys["flag-service"]; days(k.CreatedAt) != 200 || days(*k.LastUsedAt) != 60 || k.LastRolledAt != nil {
		t.Errorf("flag-service = %+v", k)
	}
	if k := keys["bi-legacy"]; !slices.Equal(k.Scopes, []string{"*"}) || !slices.Equal(k.ScopedTeams, []int64{12345}) {
		t.Errorf("bi-legacy = %+v", k)
	}
	// The flag deletions: one in Production within 30 days, one outside,
	// one in Staging.
	var deletions []string
	for _, p := range o.Projects {
		for _, e := range p.Activity {
			if e.Scope == "FeatureFlag" && e.Activity == "deleted" {
				deletions = append(deletions, fmt.Sprintf("%s/%s/%d", p.Name, e.Detail.Name, days(e.CreatedAt)))
			}
		}
	}
	if want := []string{"Production/new-checkout/5", "Production/legacy-banner/45", "Staging/staging-experiment/4"}; !slices.Equal(deletions, want) {
		t.Errorf("flag deletions = %v, want %v", deletions, want)
	}
	if n := len(o.Activity); n < 3 {
		t.Errorf("%d org-level entries", n)
	}
}

func TestSynthetic(t *testing.T) {
	cfg := posthogsim.SyntheticConfig{Members: 500, Projects: 20, Seed: 42, Now: now}
	o := posthogsim.Synthetic(cfg)
	if diff := cmp.Diff(o, posthogsim.Synthetic(cfg)); diff != "" {
		t.Fatalf("Synthetic is not deterministic:\n%s", diff)
	}
	if other := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 500, Projects: 20, Seed: 43, Now: now}); cmp.Equal(o.Members, other.Members) {
		t.Error("another seed gives the same members")
	}
	if len(o.Members) != 500 || len(o.Projects) != 20 {
		t.Fatalf("%d members, %d projects", len(o.Members), len(o.Projects))
	}
	levels := map[int]int{}
	for _, m := range o.Members {
		levels[m.Level]++
	}
	if levels[posthogsim.LevelOwner] != 2 || levels[posthogsim.LevelAdmin] != 10 {
		t.Errorf("levels = %v, want 2 owners and 10 admins", levels)
	}
	roleOf := map[string]int{}
	for _, r := range o.Roles {
		if !strings.HasPrefix(r.Name, "Team ") || len(r.Members) > 25 {
			t.Errorf("role %s has %d members", r.Name, len(r.Members))
		}
		for _, rm := range r.Members {
			roleOf[rm.MemberID]++
		}
	}
	for _, m := range o.Members {
		want := 0
		if m.Level == posthogsim.LevelMember {
			want = 1
		}
		if roleOf[m.ID] != want {
			t.Errorf("%s (level %d) is in %d roles, want %d", m.User.Email, m.Level, roleOf[m.ID], want)
		}
	}
	entries := 0
	for _, p := range o.Projects {
		rules := p.AccessControls
		if rules[0].MemberID != "" || rules[0].RoleID != "" || rules[0].Level != "none" {
			t.Errorf("project %s is not restricted: %+v", p.Name, rules[0])
		}
		var roleLevels []string
		for _, r := range rules {
			if r.RoleID != "" {
				roleLevels = append(roleLevels, r.Level)
			}
		}
		if !slices.Equal(roleLevels, []string{"member", "admin"}) || len(p.ResourceAccessControls) == 0 {
			t.Errorf("project %s rules = %+v", p.Name, rules)
		}
		entries += len(p.Activity)
	}
	if entries < 8*20 || entries > 12*20 {
		t.Errorf("%d activity entries for 20 projects", entries)
	}
	if len(o.Invites) == 0 || len(o.Domains) != 2 || len(o.Keys) != 1 || o.Keys[0].Token != posthogsim.SyntheticScannerToken {
		t.Errorf("invites %d, domains %d, keys %+v", len(o.Invites), len(o.Domains), o.Keys)
	}

	sim := posthogsim.New(o)
	r := get(t, sim, posthogsim.SyntheticScannerToken, "/api/organizations/@current/members/?limit=1000")
	if n := len(r.results(t)); n != 500 {
		t.Errorf("served %d members", n)
	}
	if n := len(get(t, sim, posthogsim.SyntheticScannerToken, "/api/organizations/@current/projects/").results(t)); n != 20 {
		t.Errorf("the owner sees %d projects, want 20", n)
	}
	users := get(t, sim, posthogsim.SyntheticScannerToken, fmt.Sprintf("/api/projects/%d/users_with_access/", o.Projects[0].ID)).obj(t)["users"].([]any)
	if len(users) < 12 || len(users) >= 500 {
		t.Errorf("%d users with access to a restricted project", len(users))
	}
}
