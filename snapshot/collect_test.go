package snapshot_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xeipuuv/gojsonschema"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// refNow is the fixed "now" of the simulated organizations in these tests.
var refNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

type fixture struct {
	sim    *posthogsim.Server
	srv    *httptest.Server
	org    *posthogsim.Org
	budget *posthog.Budget
}

func startAcme(t testing.TB, opts ...posthogsim.Option) *fixture {
	t.Helper()
	org := posthogsim.Acme(refNow)
	sim := posthogsim.New(org, opts...)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, srv: srv, org: org, budget: posthog.NewBudget(8, 0)}
}

func (f *fixture) client(t testing.TB, token string) *posthog.Client {
	t.Helper()
	c, err := posthog.New(f.srv.URL, token, posthog.WithBudget(f.budget))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) collect(t testing.TB, now time.Time) *snapshot.Snapshot {
	t.Helper()
	var audit []snapshot.AuditKey
	for _, env := range sortedKeys(posthogsim.AcmeAuditKeys) {
		audit = append(audit, snapshot.AuditKey{Env: env, Client: f.client(t, posthogsim.AcmeAuditKeys[env])})
	}
	s, err := snapshot.Collect(context.Background(), f.client(t, posthogsim.AcmeScannerToken), snapshot.Options{
		AuditKeys: audit,
		Now:       func() time.Time { return now },
	})
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func marshal(t testing.TB, s *snapshot.Snapshot) []byte {
	t.Helper()
	b, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCollectIsDeterministic(t *testing.T) {
	t.Parallel()
	// Two organizations in the same state: a collection changes the state
	// it reads, since PostHog refreshes the keys' last_used_at as it
	// authenticates them.
	at := func(t time.Time) posthogsim.Option { return posthogsim.WithClock(func() time.Time { return t }) }
	a := startAcme(t, posthogsim.WithPageSize(2), at(refNow)).collect(t, refNow)
	later := refNow.Add(90 * time.Second)
	b := startAcme(t, posthogsim.WithPageSize(2), at(later)).collect(t, later)
	if a.CollectedAt.Equal(b.CollectedAt) {
		t.Fatalf("collected_at should differ between the runs")
	}
	b.CollectedAt, b.Host = a.CollectedAt, a.Host
	for i := range b.APIKeys {
		if !b.APIKeys[i].IntrospectedAt.Equal(refNow.Add(90 * time.Second)) {
			t.Errorf("key %s: introspected_at %v, want the collector's clock", b.APIKeys[i].Label, b.APIKeys[i].IntrospectedAt)
		}
		b.APIKeys[i].IntrospectedAt = a.APIKeys[i].IntrospectedAt
	}
	ja, jb := marshal(t, a), marshal(t, b)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("two collections differ beyond collected_at:\n%s", cmp.Diff(string(ja), string(jb)))
	}
}

func TestCollectAcmeIsComplete(t *testing.T) {
	t.Parallel()
	f := startAcme(t, posthogsim.WithPageSize(3))
	s := f.collect(t, refNow)
	if !s.Complete() {
		t.Fatalf("the Acme snapshot should be complete, missing: %+v", s.Missing)
	}
	if s.Org.Name != "Acme Analytics" || s.Org.ID == "" {
		t.Errorf("org = %+v", s.Org)
	}
	if got := len(s.Members); got != 11 {
		t.Errorf("members = %d, want 11 (every page of a 3-per-page listing)", got)
	}
	if got := len(s.Projects); got != 2 {
		t.Fatalf("projects = %d, want 2", got)
	}
	for _, p := range s.Projects {
		if p.AccessControls == nil || p.ResourceAccessControls == nil || p.UsersWithAccess == nil {
			t.Errorf("project %s lacks a per-project section: %+v", p.Name, p)
		}
	}
	if got := len(s.APIKeys); got != 1+len(posthogsim.AcmeAuditKeys) {
		t.Errorf("api keys = %d, want the scanner plus every audit key", got)
	}
	if s.APIKeys[0].Source != snapshot.KeySourceScanner {
		t.Errorf("the scanner key should sort first, got %+v", s.APIKeys[0])
	}
	// The activity log is read back 30 days: the deletion 45 days ago is
	// outside, the one 5 days ago inside; org-level rows appear once.
	var flagDeletes, orgRows int
	seen := map[string]bool{}
	for _, a := range s.ActivityLog {
		if seen[a.ID] {
			t.Errorf("activity entry %s appears twice", a.ID)
		}
		seen[a.ID] = true
		if a.CreatedAt.Before(refNow.AddDate(0, 0, -30)) {
			t.Errorf("entry %s from %s is outside the 30-day lookback", a.ID, a.CreatedAt)
		}
		if a.Scope == "FeatureFlag" && a.Activity == "deleted" {
			flagDeletes++
		}
		if a.ProjectID == nil {
			orgRows++
		}
	}
	if flagDeletes != 2 || orgRows == 0 {
		t.Errorf("flag deletions = %d (want 2), org-level rows = %d (want > 0)", flagDeletes, orgRows)
	}
}

func TestCollectMatchesSchema(t *testing.T) {
	t.Parallel()
	schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(snapshot.Schema))
	if err != nil {
		t.Fatalf("the shipped schema does not compile: %v", err)
	}
	for _, dep := range []posthogsim.Deployment{posthogsim.Newest, posthogsim.Deployment2025} {
		f := startAcme(t, posthogsim.WithDeployment(dep))
		f.sim.DenyScope(posthogsim.AcmeScannerToken, "activity_log:read")
		res, err := schema.Validate(gojsonschema.NewBytesLoader(marshal(t, f.collect(t, refNow))))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Errors() {
			t.Errorf("deployment %v: %s", dep, e)
		}
	}
}

func TestCollectRedactsEverySecret(t *testing.T) {
	t.Parallel()
	for _, dep := range []posthogsim.Deployment{posthogsim.Newest, posthogsim.Deployment2025} {
		f := startAcme(t, posthogsim.WithDeployment(dep))
		b := marshal(t, f.collect(t, refNow))
		secrets := f.org.Secrets()
		if len(secrets) < 8 {
			t.Fatalf("the simulator should serve secrets to test redaction, got %d", len(secrets))
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("deployment %v: the snapshot contains the secret %.8s…", dep, s)
			}
		}
	}
}

func TestCollectRecordsMissingScope(t *testing.T) {
	t.Parallel()
	f := startAcme(t)
	f.sim.DenyScope(posthogsim.AcmeScannerToken, "activity_log:read")
	s := f.collect(t, refNow)
	if s.Complete() {
		t.Fatal("a snapshot without the activity log must not be complete")
	}
	want := []snapshot.Missing{{
		Section:  snapshot.SectionActivityLog,
		Endpoint: "/api/projects/{project_id}/activity_log/",
		Status:   403,
		Detail:   "API key missing required scope 'activity_log:read'",
		Scope:    "activity_log:read",
		Reason:   "missing scope activity_log:read",
	}, {
		// The organization-wide log needs the same scope.
		Section:  snapshot.SectionOrganizationActivityLog,
		Endpoint: "/api/organizations/" + posthogsim.AcmeOrgID + "/advanced_activity_logs/",
		Status:   403,
		Detail:   "API key missing required scope 'activity_log:read'",
		Scope:    "activity_log:read",
		Reason:   "missing scope activity_log:read; no project's activity log could be read either",
	}}
	if diff := cmp.Diff(want, s.Missing); diff != "" {
		t.Errorf("missing records (-want +got):\n%s", diff)
	}
	if s.ActivityLog != nil || s.OrganizationActivity != nil {
		t.Errorf("the activity log should be null when it could not be read")
	}
	if got := s.MissingSections(); !cmp.Equal(got, []string{snapshot.SectionActivityLog, snapshot.SectionOrganizationActivityLog}) {
		t.Errorf("missing sections = %v", got)
	}
	// Every other section is complete.
	if s.Organization == nil || s.CurrentUser == nil || len(s.Members) == 0 || s.Invites == nil ||
		len(s.Domains) == 0 || s.IdentityProviderConfigs == nil || len(s.Roles) == 0 || len(s.Projects) == 0 || len(s.APIKeys) == 0 {
		t.Errorf("a section other than the activity log is missing: %+v", s)
	}
}

func TestCollectOlderDeploymentIsComplete(t *testing.T) {
	t.Parallel()
	f := startAcme(t, posthogsim.WithDeployment(posthogsim.Deployment2025))
	s := f.collect(t, refNow)
	if !s.Complete() {
		t.Fatalf("endpoints an older deployment lacks are not applicable, not missing: %+v", s.Missing)
	}
	na := map[string]bool{}
	for _, m := range s.Missing {
		if !m.NotApplicable || m.Reason != "not applicable on this deployment" || m.Status != 404 {
			t.Errorf("unexpected record %+v", m)
		}
		na[m.Section] = true
	}
	for _, sec := range []string{snapshot.SectionIdentityProviderConfigs, snapshot.SectionUsersWithAccess} {
		if !na[sec] {
			t.Errorf("want a not-applicable record for %s, got %+v", sec, s.Missing)
		}
	}
	for _, d := range s.Domains {
		if d.Domain == "acme.example" && !d.HasSAML {
			t.Errorf("the 2025 domain shape carries has_saml: %+v", d)
		}
	}
}

func TestCollectStopsOnInvalidKey(t *testing.T) {
	t.Parallel()
	f := startAcme(t)
	_, err := snapshot.Collect(context.Background(), f.client(t, "phx_notAKeyTheSimulatorKnows0000000000000000"), snapshot.Options{})
	var fe *snapshot.FatalError
	if !errors.As(err, &fe) || !errors.Is(err, posthog.ErrUnauthorized) {
		t.Fatalf("err = %v, want a fatal 401", err)
	}
}

func TestCollectInvalidAuditKeyIsRecorded(t *testing.T) {
	t.Parallel()
	f := startAcme(t)
	bad := f.client(t, "phx_revokedServiceAccountKey0000000000000000")
	s, err := snapshot.Collect(context.Background(), f.client(t, posthogsim.AcmeScannerToken), snapshot.Options{
		AuditKeys: []snapshot.AuditKey{{Env: "BI_KEY", Client: bad}},
		Now:       func() time.Time { return refNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Missing) != 1 || s.Missing[0].AuditKeyEnv != "BI_KEY" || s.Missing[0].Status != 401 {
		t.Fatalf("missing = %+v, want one 401 record for $BI_KEY", s.Missing)
	}
}

func TestCollectRespectsConcurrency(t *testing.T) {
	t.Parallel()
	f := startAcme(t, posthogsim.WithLatency(5*time.Millisecond), posthogsim.WithPageSize(2))
	for _, n := range []int{1, 3} {
		f.sim.ResetStats()
		f.budget = posthog.NewBudget(n, 0)
		c := f.client(t, posthogsim.AcmeScannerToken)
		if _, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }}); err != nil {
			t.Fatal(err)
		}
		if got := f.sim.Stats().MaxInFlight; got > n {
			t.Errorf("concurrency %d: the simulator saw %d requests at once", n, got)
		}
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	t.Parallel()
	f := startAcme(t)
	s := f.collect(t, refNow)
	path := filepath.Join(t.TempDir(), "snap.json")
	if err := snapshot.Write(path, s); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != snapshot.FileMode {
		t.Errorf("mode = %v, want %v", info.Mode().Perm(), os.FileMode(snapshot.FileMode))
	}
	got, err := snapshot.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := marshal(t, s), marshal(t, got); !bytes.Equal(a, b) {
		t.Fatalf("round trip changed the snapshot:\n%s", cmp.Diff(string(a), string(b)))
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("the atomic write left files behind: %v", entries)
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name, content, want string
	}{
		{"syntax", "{\n  \"schema_version\": 1,\n  \"org\": {\"id\": \"x\"},,\n}", "invalid JSON at line 3, column"},
		{"newer", `{"schema_version": 3, "org": {"id": "x"}}`, "unsupported snapshot schema version: written by a newer hogaudit (schema_version 3; this one reads up to 2)"},
		{"not a snapshot", `{"results": []}`, "not a hogaudit snapshot: no schema_version field"},
		{"no org", `{"schema_version": 1}`, "not a hogaudit snapshot: no org.id"},
		{"wrong type", "{\"schema_version\": 1, \"org\": {\"id\": \"x\"},\n\"members\": 3, \"collected_at\": \"2026-01-01T00:00:00Z\"}", "invalid snapshot at line 2"},
		{"empty", "", "invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := snapshot.Load(path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := snapshot.Load(filepath.Join(dir, "absent.json")); err == nil {
		t.Error("loading an absent file should fail")
	}
}

func TestLoadRefusesAbsentSections(t *testing.T) {
	t.Parallel()
	// A null section or project part without a record of why is refused,
	// naming it: it can never pass for an empty one (issue 8).
	f := startAcme(t)
	for _, c := range []struct {
		name string
		edit func(s *snapshot.Snapshot)
		want string
	}{
		{"activity log", func(s *snapshot.Snapshot) { s.ActivityLog, s.ActivityLogSource = nil, nil }, "activity_log is null, and no missing record of activity_log says why"},
		{"users with access", func(s *snapshot.Snapshot) { s.Projects[0].UsersWithAccess = nil }, "project 12345's users_with_access is null, and no missing record of users_with_access says why"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := f.collect(t, refNow)
			c.edit(s)
			path := filepath.Join(t.TempDir(), "edited.json")
			if err := snapshot.Write(path, s); err != nil {
				t.Fatal(err)
			}
			_, err := snapshot.Load(path)
			if !errors.Is(err, snapshot.ErrInconsistent) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want %q naming the file", err, c.want)
			}
		})
	}
}
