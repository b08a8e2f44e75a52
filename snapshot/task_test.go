package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The generic fetch task: each failure class becomes its Missing record
// with its true cause, a fatal failure is returned and records nothing, and
// a success stores the value.

// answer serves status with PostHog's error body (drf-exceptions-hog) to
// every request.
func answer(status int, typ, code, detail string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"type": typ, "code": code, "detail": detail, "attr": nil})
	})
}

// acme serves Acme Analytics with faults injected.
func acme(faults ...posthogsim.Fault) http.Handler {
	sim := posthogsim.New(posthogsim.Acme(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)))
	for _, f := range faults {
		sim.Inject(f)
	}
	return sim
}

// dialFails is a transport to a host that refuses connections.
type dialFails struct{}

func (dialFails) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
}

// fetchOnce runs one fetch of Acme's member list, recorded as src, against
// h in a testing/synctest bubble (retry waits cost no time), and returns
// the collector, the members kept (nil when keep was not called) and the
// task's error. keep fails the test when it runs without col.mu held.
func fetchOnce(t *testing.T, h http.Handler, src source, ctxFor func(context.Context) context.Context, copts ...posthog.Option) (*collector, []posthog.Member, error) {
	t.Helper()
	var (
		col  *collector
		err  error
		kept []posthog.Member
	)
	synctest.Test(t, func(t *testing.T) {
		hc, base, closeFn := posthogsim.ServeInMemory(h)
		defer closeFn()
		c, cerr := posthog.New(base, posthogsim.AcmeScannerToken, append([]posthog.Option{posthog.WithHTTPClient(hc), posthog.WithRetry(2, 0)}, copts...)...)
		if cerr != nil {
			t.Fatal(cerr)
		}
		col = &collector{c: c, opts: withDefaults(Options{Timeout: time.Minute}), snap: &Snapshot{Missing: []Missing{}}}
		ctx := t.Context()
		if ctxFor != nil {
			ctx = ctxFor(ctx)
		}
		err = fetch(col, src, bind(c.Members, posthogsim.AcmeOrgID), func(ms []posthog.Member) {
			if col.mu.TryLock() {
				col.mu.Unlock()
				t.Error("keep ran without col.mu held")
			}
			kept = nonNil(ms)
		})(ctx)
	})
	return col, kept, err
}

func TestFetchRecordsEachFailureWithItsCause(t *testing.T) {
	pid := int64(12345)
	for _, c := range []struct {
		name    string
		h       http.Handler
		section string
		ctx     func(context.Context) context.Context
		// want is the record but for Section, ProjectID and Endpoint,
		// which are the source's; a Reason ending in "…" is a prefix.
		want Missing
	}{
		{
			name: "402 names the plan feature", section: SectionActivityLog,
			h: answer(402, "server_error", "payment_required", "Audit logs requires a paid PostHog plan. Please upgrade to access this feature."),
			want: Missing{Status: 402, Feature: "audit_logs", Detail: "Audit logs requires a paid PostHog plan. Please upgrade to access this feature.",
				Reason: "the organization's PostHog plan lacks the feature audit_logs"},
		},
		{
			name: "402 naming no feature: the section's", section: SectionOrganizationActivityLog,
			h: answer(402, "server_error", "payment_required", "This feature requires a paid PostHog plan."),
			want: Missing{Status: 402, Feature: "audit_logs", Detail: "This feature requires a paid PostHog plan.",
				Reason: "the organization's PostHog plan lacks the feature audit_logs"},
		},
		{
			name: "402 naming no feature on an ungated section", section: SectionMembers,
			h: answer(402, "server_error", "payment_required", "This feature requires a paid PostHog plan."),
			want: Missing{Status: 402, Detail: "This feature requires a paid PostHog plan.",
				Reason: "the organization's PostHog plan lacks a paid feature: this feature requires a paid PostHog plan"},
		},
		{
			name: "403 naming a scope", section: SectionMembers,
			h: answer(403, "authentication_error", "permission_denied", "API key missing required scope 'organization_member:read'"),
			want: Missing{Status: 403, Scope: "organization_member:read", Detail: "API key missing required scope 'organization_member:read'",
				Reason: "missing scope organization_member:read"},
		},
		{
			name: "403 for admins only", section: SectionOrganizationActivityLog,
			h: answer(403, "authentication_error", "permission_denied", "Only organization admins and owners can view organization-wide activity logs."),
			want: Missing{Status: 403, Detail: "Only organization admins and owners can view organization-wide activity logs.",
				Reason: "only organization admins and owners may read it: scan with an admin's or owner's key"},
		},
		{
			name: "403 naming no scope blames none", section: SectionMembers,
			h: answer(403, "authentication_error", "permission_denied", "You do not have permission to perform this action."),
			want: Missing{Status: 403, Detail: "You do not have permission to perform this action.",
				Reason: "permission denied: you do not have permission to perform this action"},
		},
		{
			name: "404 of an optional section is not applicable", section: SectionIdentityProviderConfigs,
			h:    answer(404, "invalid_request", "not_found", "Not found."),
			want: Missing{Status: 404, Detail: "Not found.", NotApplicable: true, Reason: "not applicable on this deployment"},
		},
		{
			name: "404 of a required section", section: SectionMembers,
			h:    answer(404, "invalid_request", "not_found", "Not found."),
			want: Missing{Status: 404, Detail: "Not found.", Reason: "endpoint not found on this deployment"},
		},
		{
			name: "an HTML 404 is no evidence the endpoint is absent", section: SectionIdentityProviderConfigs,
			h:    acme(posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultHTML, Status: 404, Times: 10}),
			want: Missing{Status: 404, Detail: "not found", Reason: "not a PostHog response (HTTP 404, text/html)"},
		},
		{
			name: "5xx after the retries", section: SectionMembers,
			h:    acme(posthogsim.Fault{Path: "/members/", Kind: posthogsim.Fault500, Times: 10}),
			want: Missing{Status: 500, Detail: "A server error occurred.", Reason: "server error (HTTP 500) after 2 attempts: a server error occurred"},
		},
		{
			name: "a throttle asking for a day", section: SectionMembers,
			h: acme(posthogsim.Fault{Path: "/members/", Kind: posthogsim.Fault429, Seconds: 86400, Times: 10}),
			want: Missing{Status: 429, Detail: "Request was throttled. Expected available in 86400 seconds.",
				Reason: "throttled (HTTP 429): posthog asked to wait 24h0m0s, longer than the 2m0s hogaudit waits before one retry"},
		},
		{
			name: "a partial list", section: SectionMembers,
			h:    acme(posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultShortPage, Times: 10}),
			want: Missing{Status: 200, Reason: "the list did not add up: …"},
		},
		{
			name: "a malformed answer", section: SectionMembers,
			h:    acme(posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultResultsNull, Times: 10}),
			want: Missing{Status: 200, Reason: "malformed answer…"},
		},
		{
			name: "the collection's deadline", section: SectionMembers, h: acme(),
			ctx: func(ctx context.Context) context.Context {
				ctx, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
				_ = cancel // the bubble's end releases it
				return ctx
			},
			want: Missing{Reason: "not collected: the collection's --timeout of 1m0s passed first",
				Detail: "GET /api/organizations/" + posthogsim.AcmeOrgID + "/members/: waiting for the request budget: context deadline exceeded"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := source{section: c.section, projectID: &pid, endpoint: "/api/organizations/" + posthogsim.AcmeOrgID + "/members/"}
			col, kept, err := fetchOnce(t, c.h, src, c.ctx)
			if err != nil {
				t.Fatalf("err = %v, want the failure recorded", err)
			}
			if kept != nil {
				t.Errorf("keep ran with %d members after a failure", len(kept))
			}
			if len(col.snap.Missing) != 1 {
				t.Fatalf("missing = %+v, want one record", col.snap.Missing)
			}
			got := col.snap.Missing[0]
			want := c.want
			want.Section, want.ProjectID, want.Endpoint = src.section, src.projectID, src.endpoint
			if prefix, ok := strings.CutSuffix(want.Reason, "…"); ok && strings.HasPrefix(got.Reason, prefix) {
				want.Reason, want.Detail = got.Reason, got.Detail
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("record (-want +got):\n%s", d)
			}
			if got.Scope != "" && got.Status != 403 {
				t.Errorf("a %d blamed the scope %s", got.Status, got.Scope)
			}
		})
	}
}

func TestFetchReturnsFatalFailuresAndRecordsNothing(t *testing.T) {
	for _, c := range []struct {
		name  string
		h     http.Handler
		copts []posthog.Option
		ctx   func(context.Context) context.Context
		want  error
	}{
		{name: "a rejected key", want: posthog.ErrUnauthorized,
			h: answer(401, "authentication_error", "authentication_failed", "Invalid personal API key.")},
		{name: "a key scoped to projects", want: posthog.ErrKeyScopedToProjects,
			h: answer(403, "authentication_error", "permission_denied", "API keys with scoped projects are only supported on project-based endpoints.")},
		{name: "an unreachable host", want: posthog.ErrUnreachable,
			h: acme(), copts: []posthog.Option{posthog.WithHTTPClient(&http.Client{Transport: dialFails{}})}},
		{name: "a cancelled collection", want: context.Canceled, h: acme(),
			ctx: func(ctx context.Context) context.Context {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return ctx
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := source{section: SectionMembers, endpoint: "/api/organizations/" + posthogsim.AcmeOrgID + "/members/"}
			col, kept, err := fetchOnce(t, c.h, src, c.ctx, c.copts...)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if kept != nil || len(col.snap.Missing) != 0 {
				t.Errorf("kept %d members, missing %+v: want nothing", len(kept), col.snap.Missing)
			}
		})
	}
}

func TestFetchStoresTheValue(t *testing.T) {
	pid := int64(12345)
	src := source{section: SectionMembers, projectID: &pid, endpoint: "/api/organizations/" + posthogsim.AcmeOrgID + "/members/"}
	col, kept, err := fetchOnce(t, acme(), src, nil)
	if err != nil || len(col.snap.Missing) != 0 {
		t.Fatalf("err = %v, missing %+v", err, col.snap.Missing)
	}
	want := len(posthogsim.Acme(time.Now()).Members)
	if len(kept) != want || kept[0].User.Email == "" {
		t.Errorf("kept %d members (%+v), want Acme's %d", len(kept), kept, want)
	}
	// Near miss: the same list one fault away is recorded, not kept.
	col, kept, err = fetchOnce(t, acme(posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultDropField, Field: "user.email", Times: 10}), src, nil)
	if err != nil || kept != nil || len(col.snap.Missing) != 1 {
		t.Errorf("err = %v, kept %d, missing %+v: want one record and nothing kept", err, len(kept), col.snap.Missing)
	}
}

func TestNotedKeepsPostHogsAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hc, base, closeFn := posthogsim.ServeInMemory(answer(403, "authentication_error", "permission_denied", "API key does not have access to the requested organization."))
		defer closeFn()
		c, err := posthog.New(base, posthogsim.AcmeScannerToken, posthog.WithHTTPClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		col := &collector{c: c, opts: withDefaults(Options{}), snap: &Snapshot{Missing: []Missing{}}}
		src := source{section: SectionOrganization, endpoint: "/api/organizations/other/"}
		var kept *posthog.Organization
		if err := fetch(col, src, noted(col, &col.orgErr, bind(c.Organization, "other")), func(o *posthog.Organization) { kept = o })(t.Context()); err != nil {
			t.Fatal(err)
		}
		var apiErr *posthog.APIError
		if !errors.As(col.orgErr, &apiErr) || apiErr.Status != 403 || kept != nil || len(col.snap.Missing) != 1 {
			t.Errorf("orgErr = %v, kept %v, missing %+v", col.orgErr, kept, col.snap.Missing)
		}
	})
}
