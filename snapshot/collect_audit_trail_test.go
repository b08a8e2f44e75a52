package snapshot_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

const (
	orgActivityEndpoint = "/api/organizations/" + posthogsim.AcmeOrgID + "/advanced_activity_logs/"
	danToken            = "phx_danScansWithAMemberKey00000000000000000"
)

// collectOrg collects org, served with opts, with the key token and a client
// that does not retry (a 500 is final at once).
func collectOrg(t *testing.T, org *posthogsim.Org, token string, opts ...posthogsim.Option) (*snapshot.Snapshot, *posthogsim.Server) {
	t.Helper()
	sim := posthogsim.New(org, opts...)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := posthog.New(srv.URL, token, posthog.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return s, sim
}

// withDanKey gives dan, a plain member, a key with the scopes hogaudit needs.
func withDanKey(o *posthogsim.Org) *posthogsim.Org {
	for _, m := range o.Members {
		if m.User.Email == "dan@acme.example" {
			o.Keys = append(o.Keys, posthogsim.APIKey{
				ID: "dan-key", Label: "dan", Token: danToken, UserID: m.User.ID,
				Scopes: posthogsim.MinimalScopes(), CreatedAt: refNow,
			})
		}
	}
	return o
}

func withoutFeature(o *posthogsim.Org, feature string) *posthogsim.Org {
	o.Features = slices.DeleteFunc(o.Features, func(f string) bool { return f == feature })
	return o
}

func flagsOff(o *posthogsim.Org) *posthogsim.Org {
	for i := range o.Projects {
		o.Projects[i].ReceiveOrgLevelActivityLogs = false
	}
	return o
}

// orgLevel returns the ids of the organization-level entries.
func orgLevel(s *snapshot.Snapshot) []string {
	var out []string
	for _, a := range s.ActivityLog {
		if a.ProjectID == nil {
			out = append(out, a.ID)
		}
	}
	return out
}

func missingOf(s *snapshot.Snapshot, section string) []snapshot.Missing {
	var out []snapshot.Missing
	for _, m := range s.Missing {
		if m.Section == section {
			out = append(out, m)
		}
	}
	return out
}

func TestCollectReadsTheOrganizationWideLog(t *testing.T) {
	t.Parallel()
	// The projects receive no org-level rows: only the org endpoint has them.
	s, sim := collectOrg(t, flagsOff(posthogsim.Acme(refNow)), posthogsim.AcmeScannerToken, posthogsim.WithPageSize(3))
	if !s.Complete() {
		t.Fatalf("missing: %+v", s.Missing)
	}
	want := &snapshot.ActivitySource{Source: snapshot.ActivitySourceOrganization, Endpoint: orgActivityEndpoint}
	if diff := cmp.Diff(want, s.OrganizationActivity); diff != "" {
		t.Errorf("organization activity (-want +got):\n%s", diff)
	}
	if got := len(orgLevel(s)); got != 4 {
		t.Errorf("%d organization-level entries, want Acme's 4", got)
	}
	byProject := map[int64]int{}
	for i, a := range s.ActivityLog {
		if a.ProjectID != nil {
			byProject[*a.ProjectID]++
		}
		if i > 0 && s.ActivityLog[i-1].CreatedAt.After(a.CreatedAt) {
			t.Errorf("entries not sorted at %d", i)
		}
	}
	// Production: 4 within 30 days (one deletion is 45 days old); Staging 3.
	if byProject[posthogsim.AcmeProductionID] != 4 || byProject[posthogsim.AcmeStagingID] != 3 {
		t.Errorf("entries by project = %v", byProject)
	}
	// It held every project's entries: no project's log was requested.
	for path, n := range sim.Stats().ByPath {
		if strings.HasSuffix(path, "/activity_log/") {
			t.Errorf("%s requested %d times, want none", path, n)
		}
	}
}

func TestCollectFallsBackToProjectLogs(t *testing.T) {
	t.Parallel()
	t.Run("a member's key, projects that receive org-level rows", func(t *testing.T) {
		s, _ := collectOrg(t, withDanKey(posthogsim.Acme(refNow)), danToken)
		if got := missingOf(s, snapshot.SectionOrganizationActivityLog); len(got) != 0 {
			t.Errorf("organization activity missing: %+v", got)
		}
		want := &snapshot.ActivitySource{
			Source: snapshot.ActivitySourceProjects, Endpoint: "/api/projects/{project_id}/activity_log/",
			ProjectIDs: []int64{posthogsim.AcmeProductionID, posthogsim.AcmeStagingID},
		}
		if diff := cmp.Diff(want, s.OrganizationActivity); diff != "" {
			t.Errorf("organization activity (-want +got):\n%s", diff)
		}
		ids := orgLevel(s)
		if len(ids) != 4 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 4 {
			t.Errorf("organization-level entries = %v, want Acme's 4, once each", ids)
		}
	})
	t.Run("one project suffices", func(t *testing.T) {
		o := withDanKey(posthogsim.Acme(refNow))
		o.Projects[0].ReceiveOrgLevelActivityLogs = false
		s, _ := collectOrg(t, o, danToken)
		if s.OrganizationActivity == nil || !slices.Equal(s.OrganizationActivity.ProjectIDs, []int64{posthogsim.AcmeStagingID}) {
			t.Errorf("organization activity = %+v, want from Staging", s.OrganizationActivity)
		}
	})
	t.Run("a member's key, no project receives them", func(t *testing.T) {
		s, _ := collectOrg(t, flagsOff(withDanKey(posthogsim.Acme(refNow))), danToken)
		if s.OrganizationActivity != nil {
			t.Errorf("organization activity = %+v, want nil", s.OrganizationActivity)
		}
		want := []snapshot.Missing{{
			Section: snapshot.SectionOrganizationActivityLog, Endpoint: orgActivityEndpoint, Status: 403,
			Detail: "Only organization admins and owners can view organization-wide activity logs.",
			Reason: "only organization admins and owners may read it: scan with an admin's or owner's key; " +
				"no project whose activity log was read has receive_org_level_activity_logs on, so PostHog leaves organization-level entries out of them",
		}}
		if diff := cmp.Diff(want, missingOf(s, snapshot.SectionOrganizationActivityLog)); diff != "" {
			t.Errorf("missing (-want +got):\n%s", diff)
		}
		// The projects' own entries are still there, for PH401.
		if got := missingOf(s, snapshot.SectionActivityLog); len(got) != 0 || len(s.ActivityLog) != 7 {
			t.Errorf("activity log: %d entries, missing %+v; want the 7 project entries", len(s.ActivityLog), got)
		}
		// A member's key also sees only part of the project list (PH904).
		if got := s.MissingSections(); !slices.Equal(got, []string{snapshot.SectionProjects, snapshot.SectionOrganizationActivityLog}) {
			t.Errorf("missing sections = %v", got)
		}
	})
	t.Run("2025 deployment", func(t *testing.T) {
		// 2025 PostHog has the receive_org_level_activity_logs field but
		// filters by include_organization_scoped=1: its entries, without
		// team_id, say which viewset answered.
		s, _ := collectOrg(t, flagsOff(posthogsim.Acme(refNow)), posthogsim.AcmeScannerToken, posthogsim.WithDeployment(posthogsim.Deployment2025))
		if !s.Complete() {
			t.Fatalf("missing: %+v", s.Missing)
		}
		if s.OrganizationActivity == nil || s.OrganizationActivity.Source != snapshot.ActivitySourceProjects ||
			len(s.OrganizationActivity.ProjectIDs) != 2 {
			t.Errorf("organization activity = %+v, want from both projects", s.OrganizationActivity)
		}
		if got := len(orgLevel(s)); got != 4 {
			t.Errorf("%d organization-level entries, want 4 (include_organization_scoped=1)", got)
		}
	})
	t.Run("2025 deployment without the scope", func(t *testing.T) {
		o := posthogsim.Acme(refNow)
		sim := posthogsim.New(o, posthogsim.WithDeployment(posthogsim.Deployment2025))
		sim.DenyScope(posthogsim.AcmeScannerToken, "activity_log:read")
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		c, _ := posthog.New(srv.URL, posthogsim.AcmeScannerToken)
		s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
		if err != nil {
			t.Fatal(err)
		}
		got := missingOf(s, snapshot.SectionOrganizationActivityLog)
		if len(got) != 1 || got[0].Scope != "activity_log:read" || got[0].Status != 403 ||
			got[0].Reason != "the organization-wide activity log does not exist on this deployment, and no project's activity log could be read either: missing scope activity_log:read" {
			t.Errorf("missing = %+v", got)
		}
	})
}

func TestCollectNamesThePlanFeature(t *testing.T) {
	t.Parallel()
	s, _ := collectOrg(t, withoutFeature(posthogsim.Acme(refNow), "audit_logs"), posthogsim.AcmeScannerToken)
	detail := "Audit logs requires a paid PostHog plan. Please upgrade to access this feature."
	want := []snapshot.Missing{{
		Section: snapshot.SectionActivityLog, Endpoint: "/api/projects/{project_id}/activity_log/", Status: 402,
		Detail: detail, Feature: "audit_logs", Reason: "the organization's PostHog plan lacks the feature audit_logs",
	}, {
		Section: snapshot.SectionOrganizationActivityLog, Endpoint: orgActivityEndpoint, Status: 402,
		Detail: detail, Feature: "audit_logs",
		Reason: "the organization's PostHog plan lacks the feature audit_logs; no project's activity log could be read either",
	}}
	if diff := cmp.Diff(want, s.Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if s.ActivityLog != nil || s.OrganizationActivity != nil {
		t.Error("nothing of the activity log could be read")
	}
}

func TestCollectServerErrorIsNotAScope(t *testing.T) {
	t.Parallel()
	fault := posthogsim.Fault{Path: "/advanced_activity_logs/", Kind: posthogsim.Fault500, Times: 100}
	t.Run("no project stands in", func(t *testing.T) {
		sim := posthogsim.New(flagsOff(posthogsim.Acme(refNow)))
		sim.Inject(fault)
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		c, _ := posthog.New(srv.URL, posthogsim.AcmeScannerToken, posthog.WithRetry(1, 0))
		s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
		if err != nil {
			t.Fatal(err)
		}
		got := missingOf(s, snapshot.SectionOrganizationActivityLog)
		if len(got) != 1 || got[0].Status != 500 || got[0].Scope != "" || got[0].Feature != "" ||
			!strings.HasPrefix(got[0].Reason, "server error (HTTP 500) after 1 attempt: a server error occurred; ") {
			t.Errorf("missing = %+v, want a 500 that names no scope", got)
		}
	})
	t.Run("the projects stand in", func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(refNow))
		sim.Inject(fault)
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		c, _ := posthog.New(srv.URL, posthogsim.AcmeScannerToken, posthog.WithRetry(1, 0))
		s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
		if err != nil {
			t.Fatal(err)
		}
		if !s.Complete() || s.OrganizationActivity == nil || s.OrganizationActivity.Source != snapshot.ActivitySourceProjects {
			t.Errorf("organization activity %+v, missing %+v", s.OrganizationActivity, s.Missing)
		}
	})
}

func TestLoadWithoutOrganizationActivityIsRefused(t *testing.T) {
	t.Parallel()
	// A snapshot that does not say where organization-level rows came from
	// (the field removed, or written before it existed) and has no record
	// of why is refused: they are never taken as none.
	f := startAcme(t)
	s := f.collect(t, refNow)
	s.OrganizationActivity = nil
	b := marshal(t, s)
	b = []byte(strings.Replace(string(b), "\"organization_activity_log\": null,\n", "", 1))
	if strings.Contains(string(b), "\"organization_activity_log\"") {
		t.Fatal("the field should be gone")
	}
	if _, err := snapshot.Decode(b); !errors.Is(err, snapshot.ErrInconsistent) || !strings.Contains(err.Error(), "organization_activity_log is null") {
		t.Fatalf("err = %v", err)
	}
	// Near miss: with a record, it loads incomplete.
	s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionOrganizationActivityLog, Endpoint: "/api/organizations/x/advanced_activity_logs/", Status: 403, Reason: "permission denied"})
	got, err := snapshot.Decode(marshal(t, s))
	if err != nil {
		t.Fatal(err)
	}
	if ms := got.MissingSections(); !slices.Equal(ms, []string{snapshot.SectionOrganizationActivityLog}) {
		t.Errorf("missing sections = %v", ms)
	}
}

// stripTeamID serves the organization-wide log without team_id on its
// entries, as no PostHog does: hogaudit could not tell project rows from
// organization rows, so the log must not be used.
func stripTeamID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/advanced_activity_logs/") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var page map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		results, _ := page["results"].([]any)
		for _, e := range results {
			delete(e.(map[string]any), "team_id")
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page)
	})
}

func TestCollectRefusesAnOrganizationLogWithoutTeamIDs(t *testing.T) {
	t.Parallel()
	sim := posthogsim.New(posthogsim.Acme(refNow))
	srv := httptest.NewServer(stripTeamID(sim))
	t.Cleanup(srv.Close)
	c, _ := posthog.New(srv.URL, posthogsim.AcmeScannerToken)
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
	if err != nil {
		t.Fatal(err)
	}
	// The projects' logs (both receive org-level rows) were read instead.
	if s.OrganizationActivity == nil || s.OrganizationActivity.Source != snapshot.ActivitySourceProjects {
		t.Errorf("organization activity = %+v, want from the projects", s.OrganizationActivity)
	}
	if n := sim.Stats().ByPath["/api/projects/12345/activity_log/"]; n == 0 {
		t.Error("the projects' logs were not read")
	}
	for _, a := range s.ActivityLog {
		if a.Scope == "FeatureFlag" && a.ProjectID == nil {
			t.Errorf("flag entry %s has no project", a.ID)
		}
	}
}
