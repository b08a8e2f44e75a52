package snapshot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Item 5 at the collector: which failures stop a collection and which
// become Missing records, and that each record names its true cause.

// collectFrom collects Acme (or h) over loopback with the scanning key.
func collectFrom(t *testing.T, h http.Handler, opts snapshot.Options, copts ...posthog.Option) (*snapshot.Snapshot, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := posthog.New(srv.URL, posthogsim.AcmeScannerToken, copts...)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return refNow }
	}
	return snapshot.Collect(context.Background(), c, opts)
}

func faulty(faults ...posthogsim.Fault) *posthogsim.Server {
	sim := posthogsim.New(posthogsim.Acme(refNow))
	for _, f := range faults {
		sim.Inject(f)
	}
	return sim
}

// onlyRecord returns the single Missing record of section, failing the test
// when there is not exactly one.
func onlyRecord(t *testing.T, s *snapshot.Snapshot, section string) snapshot.Missing {
	t.Helper()
	got := missingOf(s, section)
	if len(got) != 1 {
		t.Fatalf("%s: missing = %+v, want one record", section, got)
	}
	return got[0]
}

func TestCollectDeadlineKeepsWhatArrived(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := faulty(posthogsim.Fault{Path: "/12346/access_controls/", Kind: posthogsim.FaultStallHeaders})
		hc, base, closeFn := sim.InMemory()
		defer closeFn()
		c, err := posthog.New(base, posthogsim.AcmeScannerToken, posthog.WithHTTPClient(hc), posthog.WithRequestTimeout(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		start := time.Now()
		s, err := snapshot.Collect(ctx, c, snapshot.Options{Now: func() time.Time { return refNow }, Timeout: 2 * time.Minute})
		if err != nil {
			t.Fatalf("collect: %v, want the partial snapshot", err)
		}
		if took := time.Since(start); took != 2*time.Minute {
			t.Errorf("took %v, want the 2m deadline", took)
		}
		if s.Complete() || s.Members == nil || s.Projects == nil || s.Organization == nil || s.Roles == nil {
			t.Fatalf("complete %v; want what arrived kept and the snapshot incomplete", s.Complete())
		}
		m := onlyRecord(t, s, snapshot.SectionAccessControls)
		if m.ProjectID == nil || *m.ProjectID != posthogsim.AcmeStagingID || m.Status != 0 || m.Scope != "" ||
			m.Reason != "not collected: the collection's --timeout of 2m0s passed first" || m.Endpoint != "/api/projects/12346/access_controls/" {
			t.Errorf("record = %+v", m)
		}
		for _, p := range s.Projects {
			if (p.AccessControls == nil) != (p.ID == posthogsim.AcmeStagingID) {
				t.Errorf("project %d: access controls %v", p.ID, p.AccessControls)
			}
		}
		// The partial snapshot is a valid snapshot: written, loaded,
		// still incomplete.
		path := filepath.Join(t.TempDir(), "s.json")
		if err := snapshot.Write(path, s); err != nil {
			t.Fatal(err)
		}
		l, err := snapshot.Load(path)
		if err != nil || l.Complete() {
			t.Errorf("load: %v, complete %v", err, l != nil && l.Complete())
		}
	})
}

func TestCollectPastTheDeadlineRecordsEverySection(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx, stop := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer stop()
	srv := httptest.NewServer(posthogsim.New(posthogsim.Acme(refNow)))
	defer srv.Close()
	c, _ := posthog.New(srv.URL, posthogsim.AcmeScannerToken)

	t.Run("@current cannot be identified", func(t *testing.T) {
		_, err := snapshot.Collect(ctx, c, snapshot.Options{Now: func() time.Time { return refNow }, Timeout: time.Second})
		var fe *snapshot.FatalError
		if !errors.As(err, &fe) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a FatalError for the deadline", err)
		}
		for _, part := range []string{"/api/organizations/@current/", "/api/users/@me/", "--timeout of 1s"} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("error %q does not name %q", err, part)
			}
		}
		if strings.Contains(err.Error(), "scope") {
			t.Errorf("error %q blames a scope", err)
		}
	})
	t.Run("an explicit organization", func(t *testing.T) {
		s, err := snapshot.Collect(ctx, c, snapshot.Options{Org: posthogsim.AcmeOrgID, Now: func() time.Time { return refNow }, Timeout: time.Second})
		if err != nil {
			t.Fatalf("collect: %v, want a snapshot recording every section", err)
		}
		want := slices.DeleteFunc(slices.Clone(snapshot.Sections), func(s string) bool { return s == snapshot.SectionExplicitMembers })
		if got := s.MissingSections(); !slices.Equal(got, want) {
			t.Errorf("missing sections = %v, want %v", got, want)
		}
		for _, m := range s.Missing {
			if m.Scope != "" || (!strings.Contains(m.Reason, "--timeout of 1s") && !strings.Contains(m.Reason, "organization could not be read")) {
				t.Errorf("record %+v: want the deadline named and no scope", m)
			}
		}
	})
}

func TestCollectThrottleAskingForADay(t *testing.T) {
	t.Parallel()
	s, err := collectFrom(t, faulty(posthogsim.Fault{Path: "/members/", Kind: posthogsim.Fault429, Seconds: 86400, Times: 1000}), snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := onlyRecord(t, s, snapshot.SectionMembers)
	want := "throttled (HTTP 429): posthog asked to wait 24h0m0s, longer than the 2m0s hogaudit waits before one retry"
	if m.Status != 429 || m.Reason != want || m.Scope != "" || !strings.Contains(m.Detail, "86400 seconds") {
		t.Errorf("record = %+v, want reason %q", m, want)
	}
}

func TestCollectServerErrorStorm(t *testing.T) {
	t.Parallel()
	s, err := collectFrom(t, faulty(posthogsim.Fault{Path: "/roles/", Kind: posthogsim.Fault500, RetryAfter: "0", Times: 1000}),
		snapshot.Options{}, posthog.WithRetry(3, 0))
	if err != nil {
		t.Fatal(err)
	}
	m := onlyRecord(t, s, snapshot.SectionRoles)
	if m.Status != 500 || m.Reason != "server error (HTTP 500) after 3 attempts: a server error occurred" ||
		m.Detail != "A server error occurred." || m.Scope != "" {
		t.Errorf("record = %+v", m)
	}
}

func TestCollectHTMLIsNeverNotApplicable(t *testing.T) {
	t.Parallel()
	idp := "/identity_provider_configs/"
	s, err := collectFrom(t, faulty(posthogsim.Fault{Path: idp, Kind: posthogsim.FaultHTML, Status: 404}), snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := onlyRecord(t, s, snapshot.SectionIdentityProviderConfigs)
	if m.NotApplicable || m.Status != 404 || m.Reason != "not a PostHog response (HTTP 404, text/html)" || s.Complete() {
		t.Errorf("record = %+v: a proxy's 404 page must not pass for an endpoint this deployment lacks", m)
	}
	// Near miss: PostHog's own 404 on an optional endpoint is "not applicable".
	s, err = collectFrom(t, posthogsim.New(posthogsim.Acme(refNow), posthogsim.WithDeployment(posthogsim.Deployment2025)), snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m := onlyRecord(t, s, snapshot.SectionIdentityProviderConfigs); !m.NotApplicable {
		t.Errorf("2025 deployment: record = %+v, want not applicable", m)
	}
}

func TestCollectUnreadProjectListBlamesOnlyANamedScope(t *testing.T) {
	t.Parallel()
	perProject := []string{snapshot.SectionAccessControls, snapshot.SectionResourceAccessControls, snapshot.SectionUsersWithAccess}
	t.Run("server error", func(t *testing.T) {
		s, err := collectFrom(t, faulty(posthogsim.Fault{Path: "/projects/", Kind: posthogsim.Fault500, Times: 1000}),
			snapshot.Options{}, posthog.WithRetry(1, 0))
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range perProject {
			m := onlyRecord(t, s, sec)
			if m.Scope != "" || m.Status != 500 || !strings.Contains(m.Reason, "project list could not be read (server error (HTTP 500)") {
				t.Errorf("%s: record = %+v, want the server error and no scope", sec, m)
			}
		}
	})
	t.Run("missing scope", func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(refNow))
		sim.DenyScope(posthogsim.AcmeScannerToken, "project:read")
		s, err := collectFrom(t, sim, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range perProject {
			if m := onlyRecord(t, s, sec); m.Scope != "project:read" || m.Status != 403 {
				t.Errorf("%s: record = %+v, want project:read", sec, m)
			}
		}
	})
}

func TestCollectStalledEveryAttempt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sim := faulty(posthogsim.Fault{Path: "/invites/", Kind: posthogsim.FaultStallBody, Times: 1000})
		hc, base, closeFn := sim.InMemory()
		defer closeFn()
		c, _ := posthog.New(base, posthogsim.AcmeScannerToken, posthog.WithHTTPClient(hc), posthog.WithRequestTimeout(10*time.Second))
		s, err := snapshot.Collect(t.Context(), c, snapshot.Options{Now: func() time.Time { return refNow }})
		if err != nil {
			t.Fatal(err)
		}
		m := onlyRecord(t, s, snapshot.SectionInvites)
		if m.Status != 0 || m.Reason != "no complete response within the request timeout of 10s (--request-timeout) after 5 attempts" {
			t.Errorf("record = %+v", m)
		}
		if s.Members == nil || s.Projects == nil {
			t.Error("a stalled section cost the others")
		}
	})
}

func TestCollectHostThatIsNotPostHog(t *testing.T) {
	t.Parallel()
	html404 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<!doctype html><title>Not found</title>"))
	})
	jsonMe404 := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/users/@me/" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(`{"error":"no such route"}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	for _, tt := range []struct {
		name string
		h    http.Handler
		html bool
	}{
		{"an html site", html404, true},
		{"a json 404 on @me", jsonMe404(posthogsim.New(posthogsim.Acme(refNow))), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collectFrom(t, tt.h, snapshot.Options{})
			var fe *snapshot.FatalError
			if !errors.As(err, &fe) || !errors.Is(err, snapshot.ErrHostNotPostHog) || errors.Is(err, posthog.ErrNotPostHog) != tt.html {
				t.Fatalf("err = %v, want ErrHostNotPostHog", err)
			}
			if !strings.Contains(err.Error(), "GET /api/users/@me/") || !strings.Contains(err.Error(), "404") {
				t.Errorf("error %q does not name the endpoint and status", err)
			}
		})
	}
	t.Run("near miss: @me refused for a scope", func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(refNow))
		sim.DenyScope(posthogsim.AcmeScannerToken, "user:read")
		s, err := collectFrom(t, sim, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if m := onlyRecord(t, s, snapshot.SectionCurrentUser); m.Scope != "user:read" {
			t.Errorf("record = %+v", m)
		}
	})
}

func TestCollectRedirectOfMeToAnotherHost(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		t.Errorf("the other host got %s (Authorization present: %v)", r.URL.Path, r.Header.Get("Authorization") != "")
	}))
	defer other.Close()
	_, err := collectFrom(t, faulty(posthogsim.Fault{Path: "/api/users/@me/", Kind: posthogsim.FaultRedirect, Target: other.URL}), snapshot.Options{})
	if !errors.Is(err, snapshot.ErrHostNotPostHog) || !errors.Is(err, posthog.ErrForeignURL) || !strings.Contains(err.Error(), "redirected") {
		t.Errorf("err = %v, want the redirect to another host named", err)
	}
	if hits.Load() != 0 {
		t.Error("the key went to the other host")
	}
}

func TestCollectWrongOrganization(t *testing.T) {
	t.Parallel()
	other := "0190a1b2-ffff-7000-8000-000000000000"
	unscoped := posthogsim.Acme(refNow)
	for i := range unscoped.Keys {
		if unscoped.Keys[i].Token == posthogsim.AcmeScannerToken {
			unscoped.Keys[i].ScopedOrganizations = nil
		}
	}
	for _, tt := range []struct {
		name   string
		org    *posthogsim.Org
		status int
		scoped []string
	}{
		// The scanning key is limited to Acme: PostHog's scope check
		// answers 403 before the organization is looked up.
		{"a key scoped to its organization", posthogsim.Acme(refNow), 403, []string{posthogsim.AcmeOrgID}},
		// An unlimited key: the organization is not among the user's.
		{"an unlimited key", unscoped, 404, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := collectFrom(t, posthogsim.New(tt.org), snapshot.Options{Org: other})
			var oe *snapshot.OrgError
			var apiErr *posthog.APIError
			if !errors.As(err, &oe) || oe.Org != other || !errors.As(err, &apiErr) || apiErr.Status != tt.status {
				t.Fatalf("err = %v, want an OrgError for a %d", err, tt.status)
			}
			if len(oe.Orgs) != 1 || oe.Orgs[0].ID != posthogsim.AcmeOrgID || oe.Orgs[0].Name != "Acme Analytics" {
				t.Errorf("orgs = %+v, want Acme from /api/users/@me/", oe.Orgs)
			}
			if !slices.Equal(oe.ScopedOrganizations, tt.scoped) {
				t.Errorf("scoped organizations = %v, want %v", oe.ScopedOrganizations, tt.scoped)
			}
			if !strings.Contains(err.Error(), other) {
				t.Errorf("Error() = %q", err)
			}
		})
	}
	t.Run("near miss: the key's own organization by id", func(t *testing.T) {
		s, err := collectFrom(t, posthogsim.New(posthogsim.Acme(refNow)), snapshot.Options{Org: posthogsim.AcmeOrgID})
		if err != nil || !s.Complete() {
			t.Errorf("err = %v, missing %+v", err, s.Missing)
		}
	})
}

func TestCollectProjectScopedKeyStops(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(posthogsim.New(posthogsim.Acme(refNow)))
	defer srv.Close()
	c, _ := posthog.New(srv.URL, posthogsim.AcmeLegacyKeyToken)
	_, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
	var fe *snapshot.FatalError
	if !errors.As(err, &fe) || !errors.Is(err, posthog.ErrKeyScopedToProjects) ||
		!strings.Contains(err.Error(), "API keys with scoped projects are only supported on project-based endpoints.") {
		t.Errorf("err = %v, want a FatalError quoting PostHog", err)
	}
}

func TestCollectUnidentifiedOrganizationNamesTheCauses(t *testing.T) {
	t.Parallel()
	sim := faulty(
		posthogsim.Fault{Path: "/api/organizations/@current/", Kind: posthogsim.Fault500, Times: 100},
		posthogsim.Fault{Path: "/api/users/@me/", Kind: posthogsim.Fault500, Times: 100},
	)
	_, err := collectFrom(t, sim, snapshot.Options{}, posthog.WithRetry(1, 0))
	var fe *snapshot.FatalError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a FatalError", err)
	}
	want := "cannot identify the organization: GET /api/organizations/@current/: server error (HTTP 500) after 1 attempt: a server error occurred; " +
		"GET /api/users/@me/: server error (HTTP 500) after 1 attempt: a server error occurred"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}
