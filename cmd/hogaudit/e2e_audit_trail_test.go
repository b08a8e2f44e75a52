package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The organization-level audit trail, end to end: which source shows the
// organization-level activity (the organization-wide log, the projects' logs
// on an older deployment or with receive_org_level_activity_logs), and what
// becomes of PH402/PH403 when none does.

const danScannerToken = "phx_danScansWithAMemberKey00000000000000000"

// raiseDan makes erin (engineering, not allowed to grant) raise dan to
// organization admin two days ago.
func raiseDan(by string) func(o *posthogsim.Org) {
	return func(o *posthogsim.Org) {
		orgActivity(o, "0193b4c5-9999-7000-8000-0000000000e1", by, "OrganizationMembership", "updated", member(o, "dan@acme.example").ID, 2, posthogsim.ActivityDetail{
			Name:    "Dan Okafor (dan@acme.example) membership updated in Acme Analytics",
			Changes: []posthogsim.ActivityChange{{Type: "OrganizationMembership", Action: "changed", Field: "level", Before: 1, After: 8}},
			Context: map[string]any{"user_email": "dan@acme.example", "level": "administrator"},
		})
	}
}

// receiveNoOrgRows turns receive_org_level_activity_logs off everywhere: on
// newest PostHog no project's log then shows organization-level rows.
func receiveNoOrgRows(o *posthogsim.Org) {
	for i := range o.Projects {
		o.Projects[i].ReceiveOrgLevelActivityLogs = false
	}
}

func noAuditLogs(o *posthogsim.Org) {
	o.Features = slices.DeleteFunc(o.Features, func(f string) bool { return f == "audit_logs" })
}

// danScans gives dan (a plain member) a key with hogaudit's scopes.
func danScans(o *posthogsim.Org) {
	o.Keys = append(o.Keys, posthogsim.APIKey{
		ID: "0190a1b2-8888-7000-8000-0000000000d1", Label: "dan-scan", Token: danScannerToken,
		UserID: member(o, "dan@acme.example").User.ID, Scopes: posthogsim.MinimalScopes(), CreatedAt: refNow,
	})
}

func all(changes ...func(*posthogsim.Org)) func(*posthogsim.Org) {
	return func(o *posthogsim.Org) {
		for _, c := range changes {
			c(o)
		}
	}
}

// auditReport is what these tests read of the JSON report.
type auditReport struct {
	jsonReport
	Missing      []auditMissing
	NotEvaluated map[string]auditNotEvaluated
}

type auditMissing struct {
	Section  string `json:"section"`
	Endpoint string `json:"endpoint"`
	Status   int    `json:"status"`
	Scope    string `json:"scope"`
	Feature  string `json:"feature"`
	Reason   string `json:"reason"`
}

type auditNotEvaluated struct {
	Rule     string   `json:"rule"`
	Sections []string `json:"sections"`
	Scopes   []string `json:"scopes"`
	Reason   string   `json:"reason"`
}

func (h *harness) auditScan(t *testing.T) (auditReport, result) {
	t.Helper()
	rep, res := h.scanJSON()
	var raw struct {
		Snapshot struct {
			Missing []auditMissing `json:"missing"`
		} `json:"snapshot"`
		NotEvaluated []auditNotEvaluated `json:"not_evaluated"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	out := auditReport{jsonReport: rep, Missing: raw.Snapshot.Missing, NotEvaluated: map[string]auditNotEvaluated{}}
	for _, n := range raw.NotEvaluated {
		out.NotEvaluated[n.Rule] = n
	}
	return out, res
}

func (r auditReport) missing(section string) []auditMissing {
	var out []auditMissing
	for _, m := range r.Missing {
		if m.Section == section {
			out = append(out, m)
		}
	}
	return out
}

// requireNotEvaluated checks that PH402 and PH403 were not evaluated for
// lack of the organization-level activity.
func (r auditReport) requireNotEvaluated(t *testing.T, res result) {
	t.Helper()
	if res.code != 2 {
		t.Errorf("exit %d, want 2 (evidence missing):\n%s", res.code, res.stderr)
	}
	for _, rule := range []string{"PH402", "PH403"} {
		n, ok := r.NotEvaluated[rule]
		if !ok || !slices.Contains(n.Sections, "organization_activity_log") {
			t.Errorf("%s: not evaluated = %+v, want it for organization_activity_log", rule, n)
		}
		if len(r.byRule(rule)) != 0 {
			t.Errorf("%s reported findings without its evidence", rule)
		}
	}
}

func TestAuditTrailFromTheOrganizationEndpoint(t *testing.T) {
	t.Parallel()
	// No project receives org-level rows: only the organization-wide log
	// shows erin's grant.
	h := newHarness(t, all(receiveNoOrgRows, raiseDan("erin@acme.example")))
	rep, _ := h.auditScan(t)
	if !rep.has("PH403", "member:dan@acme.example/activity/0193b4c5-9999-7000-8000-0000000000e1", "") {
		t.Fatalf("no PH403 for erin's grant; findings:\n%s", listFindings(rep.jsonReport))
	}
	if !rep.Snapshot.Complete || len(rep.NotEvaluated) != 0 {
		t.Errorf("complete %v, not evaluated %v", rep.Snapshot.Complete, rep.NotEvaluated)
	}
	// The organization-wide log held every project's rows too.
	for path := range h.sim.Stats().ByPath {
		if strings.HasSuffix(path, "/activity_log/") {
			t.Errorf("requested %s; the organization-wide log should have sufficed", path)
		}
	}
	if !rep.has("PH401", "member:erin@acme.example/flag/4711", "production_project") {
		t.Errorf("PH401 from the organization-wide log's project rows is missing")
	}

	// Near miss: alice (org_level owner) makes the same grant.
	miss, _ := newHarness(t, all(receiveNoOrgRows, raiseDan("alice@acme.example"))).auditScan(t)
	if len(miss.byRule("PH403")) != 0 || len(miss.NotEvaluated) != 0 {
		t.Errorf("an allowed grant: PH403 %v, not evaluated %v", miss.byRule("PH403"), miss.NotEvaluated)
	}
}

func TestAuditTrailWithoutThePlanFeature(t *testing.T) {
	t.Parallel()
	h := newHarness(t, all(noAuditLogs, raiseDan("erin@acme.example")))
	rep, res := h.auditScan(t)
	rep.requireNotEvaluated(t, res)
	// PostHog Cloud refuses the projects' logs as well: PH401 cannot run.
	if _, ok := rep.NotEvaluated["PH401"]; !ok {
		t.Error("PH401 should not be evaluated without any activity log")
	}
	got := rep.missing("organization_activity_log")
	if len(got) != 1 || got[0].Status != 402 || got[0].Feature != "audit_logs" || got[0].Scope != "" ||
		!strings.Contains(got[0].Reason, "plan lacks the feature audit_logs") {
		t.Errorf("missing = %+v, want a 402 naming audit_logs and no scope", got)
	}
	for _, rule := range []string{"PH402", "PH403"} {
		n := rep.NotEvaluated[rule]
		if len(n.Scopes) != 0 || !strings.Contains(n.Reason, "plan needs audit_logs") || strings.Contains(n.Reason, "activity_log:read") {
			t.Errorf("%s: %+v, want the plan feature named, not a scope", rule, n)
		}
	}
	f, ok := rep.find(want{"PH901", "section:organization_activity_log", ""})
	if !ok || f.Message != "The organization_activity_log section could not be collected (HTTP 402 payment required); the organization's plan needs the audit_logs feature." {
		t.Errorf("PH901 = %+v", f)
	}
	if strings.Contains(res.stderr, "lacks the scope") {
		t.Errorf("stderr blames a scope:\n%s", res.stderr)
	}
	if !strings.Contains(res.stderr, "plan feature audit_logs") {
		t.Errorf("stderr does not name the plan feature:\n%s", res.stderr)
	}
}

func TestAuditTrailOnAnOlderDeployment(t *testing.T) {
	t.Parallel()
	// 2025 PostHog: no organization-wide log (404); the projects' logs carry
	// org-level rows with include_organization_scoped=1, whatever the flag.
	h := newHarness(t, all(receiveNoOrgRows, raiseDan("erin@acme.example")), posthogsim.WithDeployment(posthogsim.Deployment2025))
	rep, _ := h.auditScan(t)
	if !rep.has("PH403", "member:dan@acme.example/activity/0193b4c5-9999-7000-8000-0000000000e1", "") {
		t.Fatalf("no PH403 from the 2025 projects' logs; findings:\n%s", listFindings(rep.jsonReport))
	}
	if len(rep.NotEvaluated) != 0 || len(rep.missing("organization_activity_log")) != 0 {
		t.Errorf("not evaluated %v, missing %v", rep.NotEvaluated, rep.Missing)
	}
	if n := h.sim.Stats().ByPath["/api/organizations/"+posthogsim.AcmeOrgID+"/advanced_activity_logs/"]; n != 1 {
		t.Errorf("the organization-wide log was asked for %d times, want once (then 404)", n)
	}
}

func TestAuditTrailWhenNoSourceShowsOrgRows(t *testing.T) {
	t.Parallel()
	// A member's key: the organization-wide log is refused (admins only),
	// and no project receives organization-level rows.
	h := newHarness(t, all(danScans, receiveNoOrgRows, raiseDan("erin@acme.example")))
	h.vars["POSTHOG_PERSONAL_API_KEY"] = danScannerToken
	rep, res := h.auditScan(t)
	rep.requireNotEvaluated(t, res)
	got := rep.missing("organization_activity_log")
	if len(got) != 1 || got[0].Status != 403 || got[0].Scope != "" ||
		!strings.Contains(got[0].Reason, "only organization admins and owners") ||
		!strings.Contains(got[0].Reason, "receive_org_level_activity_logs") {
		t.Errorf("missing = %+v, want the admin requirement and the projects' flag named, no scope", got)
	}
	// The projects' own rows were read, but a member's key sees only the
	// projects it can reach: PH401 waits for the whole project list (PH904),
	// not for the organization-level rows.
	if ne, ok := rep.NotEvaluated["PH401"]; !ok || slices.Contains(ne.Sections, "organization_activity_log") || len(rep.missing("activity_log")) != 0 {
		t.Errorf("PH401 should be held back by the partial project list only: not evaluated %v, missing %v", rep.NotEvaluated, rep.Missing)
	}

	// Near miss: one project receives organization-level rows.
	h = newHarness(t, all(danScans, receiveNoOrgRows, raiseDan("erin@acme.example"), func(o *posthogsim.Org) {
		project(o, "Staging").ReceiveOrgLevelActivityLogs = true
	}))
	h.vars["POSTHOG_PERSONAL_API_KEY"] = danScannerToken
	miss, _ := h.auditScan(t)
	if _, ok := miss.NotEvaluated["PH403"]; ok || !miss.has("PH403", "member:dan@acme.example/activity/0193b4c5-9999-7000-8000-0000000000e1", "") {
		t.Errorf("with Staging receiving org-level rows PH403 should run and fire; not evaluated %v, findings:\n%s", miss.NotEvaluated, listFindings(miss.jsonReport))
	}
	if len(miss.missing("organization_activity_log")) != 0 {
		t.Errorf("missing %v", miss.missing("organization_activity_log"))
	}
}

// failOrgActivity answers 500 to the organization-wide activity log, with
// Retry-After: 0 so that the client's retries do not wait.
func failOrgActivity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/advanced_activity_logs/") {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func TestAuditTrailServerErrorIsNotAScope(t *testing.T) {
	t.Parallel()
	h := newHarness(t, all(receiveNoOrgRows, raiseDan("erin@acme.example")))
	srv := httptest.NewServer(failOrgActivity(h.sim))
	t.Cleanup(srv.Close)
	h.vars["POSTHOG_HOST"] = srv.URL
	rep, res := h.auditScan(t)
	rep.requireNotEvaluated(t, res)
	got := rep.missing("organization_activity_log")
	if len(got) != 1 || got[0].Status != 500 || got[0].Scope != "" || got[0].Feature != "" ||
		!strings.HasPrefix(got[0].Reason, "server error (HTTP 500) after 5 attempts") {
		t.Errorf("missing = %+v, want the server error, no scope", got)
	}
	for _, rule := range []string{"PH402", "PH403"} {
		if n := rep.NotEvaluated[rule]; len(n.Scopes) != 0 || !strings.Contains(n.Reason, "server error (HTTP 500)") {
			t.Errorf("%s: %+v, want the server error named", rule, n)
		}
	}
	if strings.Contains(res.stderr, "lacks the scope") {
		t.Errorf("stderr blames a scope:\n%s", res.stderr)
	}

	// Near miss: the projects receive organization-level rows and stand in.
	h = newHarness(t, raiseDan("erin@acme.example"))
	srv = httptest.NewServer(failOrgActivity(h.sim))
	t.Cleanup(srv.Close)
	h.vars["POSTHOG_HOST"] = srv.URL
	miss, _ := h.auditScan(t)
	if len(miss.NotEvaluated) != 0 || !miss.has("PH403", "member:dan@acme.example/activity/0193b4c5-9999-7000-8000-0000000000e1", "") {
		t.Errorf("the projects' logs should stand in: not evaluated %v, findings:\n%s", miss.NotEvaluated, listFindings(miss.jsonReport))
	}
}
