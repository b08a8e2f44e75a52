package posthogsim_test

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

const orgActivityPath = orgPath + "advanced_activity_logs/"

// withMemberKey adds a key "phx_<name>" for the Acme member with that email
// and returns the organization.
func withMemberKey(o *posthogsim.Org, email, token string) *posthogsim.Org {
	for _, m := range o.Members {
		if m.User.Email == email {
			o.Keys = append(o.Keys, posthogsim.APIKey{ID: "key-" + token, Token: token, UserID: m.User.ID, CreatedAt: now})
		}
	}
	return o
}

// teamOf returns the team_id of every served entry by id ("org" for null).
func teamOf(t *testing.T, results []any) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, r := range results {
		e := r.(map[string]any)
		team, ok := e["team_id"]
		if !ok {
			t.Fatalf("entry %v has no team_id field", e["id"])
		}
		if team == nil {
			team = "org"
		}
		out[e["id"].(string)] = team
	}
	return out
}

func TestOrganizationActivityLogServesEveryProjectAndTheOrganization(t *testing.T) {
	o := posthogsim.Acme(now)
	// Neither project receives org-level rows: the org endpoint still has them.
	for i := range o.Projects {
		o.Projects[i].ReceiveOrgLevelActivityLogs = false
	}
	sim := posthogsim.New(o)
	got := teamOf(t, get(t, sim, scanner, orgActivityPath).results(t))
	var prod, staging, org int
	for _, team := range got {
		switch team {
		case float64(posthogsim.AcmeProductionID):
			prod++
		case float64(posthogsim.AcmeStagingID):
			staging++
		case "org":
			org++
		}
	}
	if prod != len(o.Projects[0].Activity) || staging != len(o.Projects[1].Activity) || org != len(o.Activity) {
		t.Errorf("served %d production, %d staging and %d organization rows; want %d, %d, %d",
			prod, staging, org, len(o.Projects[0].Activity), len(o.Projects[1].Activity), len(o.Activity))
	}

	// start_date is inclusive; the 45-day-old deletion falls outside 30 days.
	since := now.AddDate(0, 0, -30)
	recent := get(t, sim, scanner, orgActivityPath+"?start_date="+url.QueryEscape(since.Format(time.RFC3339))).results(t)
	if len(recent) != len(got)-1 {
		t.Errorf("start_date kept %d of %d rows, want all but the 45-day-old one", len(recent), len(got))
	}
	for _, r := range recent {
		if at, _ := time.Parse(time.RFC3339, r.(map[string]any)["created_at"].(string)); at.Before(since) {
			t.Errorf("entry %v is older than start_date", r.(map[string]any)["id"])
		}
	}
	// team_ids narrows to projects and drops organization-level rows.
	only := teamOf(t, get(t, sim, scanner, orgActivityPath+"?team_ids=12346").results(t))
	if len(only) != len(o.Projects[1].Activity) {
		t.Errorf("team_ids=12346 served %v", only)
	}
	bad := get(t, sim, scanner, orgActivityPath+"?start_date=yesterday")
	if b := bad.obj(t); bad.status != 400 || b["type"] != "validation_error" || b["code"] != "invalid_input" || b["attr"] != "start_date" {
		t.Errorf("an invalid start_date: %d %s", bad.status, bad.raw)
	}
}

func TestOrganizationActivityLogPages(t *testing.T) {
	sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithPageSize(5))
	r := get(t, sim, scanner, orgActivityPath)
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("the cursor pages do not end")
		}
		res := r.results(t)
		if len(res) == 0 {
			break
		}
		for _, e := range res {
			id := e.(map[string]any)["id"].(string)
			if seen[id] {
				t.Errorf("entry %s served twice", id)
			}
			seen[id] = true
		}
		next, _ := r.obj(t)["next"].(string)
		if next == "" {
			break
		}
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		r = get(t, sim, scanner, u.RequestURI())
	}
	if len(seen) != 12 {
		t.Errorf("followed the cursor to %d entries, want all 12", len(seen))
	}
	page := get(t, sim, scanner, orgActivityPath+"?page=2&page_size=5").obj(t)
	if page["count"] != float64(12) || len(page["results"].([]any)) != 5 {
		t.Errorf("numbered page 2 = %v", page)
	}
}

func TestOrganizationActivityLogRefusals(t *testing.T) {
	o := withMemberKey(posthogsim.Acme(now), "dan@acme.example", "phx_dan")
	sim := posthogsim.New(o)
	// OrganizationActivityLogPermission: members below admin.
	wantError(t, get(t, sim, "phx_dan", orgActivityPath), 403, "authentication_error", "permission_denied",
		"Only organization admins and owners can view organization-wide activity logs.")

	// The scope is checked first (APIScopePermission).
	denied := posthogsim.New(posthogsim.Acme(now))
	denied.DenyScope(scanner, "activity_log:read")
	wantError(t, get(t, denied, scanner, orgActivityPath), 403, "authentication_error", "permission_denied",
		"API key missing required scope 'activity_log:read'")

	// Without audit_logs PremiumFeaturePermission answers 402, before the
	// admin check: a member gets the 402 too.
	poor := withMemberKey(posthogsim.Acme(now), "dan@acme.example", "phx_dan")
	poor.Features = slices.DeleteFunc(poor.Features, func(f string) bool { return f == "audit_logs" })
	for _, tok := range []string{scanner, "phx_dan"} {
		wantError(t, get(t, posthogsim.New(poor), tok, orgActivityPath), 402, "server_error", "payment_required",
			"Audit logs requires a paid PostHog plan. Please upgrade to access this feature.")
	}

	// The 2025 deployment has no such endpoint.
	old := posthogsim.New(posthogsim.Acme(now), posthogsim.WithDeployment(posthogsim.Deployment2025))
	wantError(t, get(t, old, scanner, orgActivityPath), 404, "invalid_request", "not_found", "Not found.")
}

func TestProjectActivityLogCarriesOrganizationRows(t *testing.T) {
	orgRows := func(t *testing.T, sim *posthogsim.Server, query string) int {
		t.Helper()
		n := 0
		for _, r := range get(t, sim, scanner, "/api/projects/12345/activity_log/"+query).results(t) {
			if r.(map[string]any)["scope"] == "Organization" || r.(map[string]any)["scope"] == "OrganizationMembership" {
				n++
			}
		}
		return n
	}
	off := posthogsim.Acme(now)
	off.Projects[0].ReceiveOrgLevelActivityLogs = false
	// Newest: the project's flag decides; include_organization_scoped is
	// ignored.
	if n := orgRows(t, posthogsim.New(off), "?include_organization_scoped=1"); n != 0 {
		t.Errorf("newest, flag off: %d organization rows, want none", n)
	}
	if n := orgRows(t, posthogsim.New(posthogsim.Acme(now)), ""); n != 2 {
		t.Errorf("newest, flag on: %d organization rows, want 2", n)
	}
	// 2025: only include_organization_scoped=1 adds them.
	old := posthogsim.New(posthogsim.Acme(now), posthogsim.WithDeployment(posthogsim.Deployment2025))
	for query, want := range map[string]int{"": 0, "?include_organization_scoped=true": 0, "?include_organization_scoped=1": 2} {
		if n := orgRows(t, old, query); n != want {
			t.Errorf("2025 %q: %d organization rows, want %d", query, n, want)
		}
	}
}
