package posthog_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// queryRecorder records the query of every request to path.
type queryRecorder struct {
	mu      sync.Mutex
	path    string
	queries []string
	next    http.Handler
}

func (q *queryRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == q.path {
		q.mu.Lock()
		q.queries = append(q.queries, r.URL.RawQuery)
		q.mu.Unlock()
	}
	q.next.ServeHTTP(w, r)
}

const orgActivityPath = "/api/organizations/" + posthogsim.AcmeOrgID + "/advanced_activity_logs/"

func TestOrganizationActivityLog(t *testing.T) {
	ctx := context.Background()
	sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithPageSize(3))
	rec := &queryRecorder{path: orgActivityPath, next: sim}
	c := loopback(t, rec, token)

	since := now.AddDate(0, 0, -30)
	got, err := c.OrganizationActivityLog(ctx, posthogsim.AcmeOrgID, since)
	if err != nil {
		t.Fatal(err)
	}
	// 12 entries in Acme, one of them 45 days old.
	if len(got) != 11 {
		t.Errorf("got %d entries, want 11", len(got))
	}
	orgRows := 0
	for i, e := range got {
		if !e.HasTeamID {
			t.Errorf("entry %s: no team_id field", e.ID)
		}
		if e.TeamID == nil {
			orgRows++
		}
		if e.CreatedAt.Before(since) {
			t.Errorf("entry %s is older than since", e.ID)
		}
		if i > 0 && e.CreatedAt.After(got[i-1].CreatedAt) {
			t.Errorf("entries are not newest first at %d", i)
		}
	}
	if orgRows != 4 {
		t.Errorf("%d organization-level rows, want 4", orgRows)
	}
	// The lookback start is sent, so PostHog filters server side, and
	// numbered pages of 1000, the most PostHog serves.
	if len(rec.queries) == 0 || rec.queries[0] != "page=1&page_size=1000&start_date=2026-10-28T12%3A00%3A00Z" {
		t.Errorf("first request query = %q, want page=1&page_size=1000&start_date=2026-10-28T12:00:00Z", rec.queries)
	}

	all, err := c.OrganizationActivityLog(ctx, posthogsim.AcmeOrgID, time.Time{})
	if err != nil || len(all) != 12 {
		t.Errorf("without since: %d entries, %v; want all 12", len(all), err)
	}
}

func TestOrganizationActivityLogErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("payment required", func(t *testing.T) {
		o := posthogsim.Acme(now)
		o.Features = slices.DeleteFunc(o.Features, func(f string) bool { return f == "audit_logs" })
		c := loopback(t, posthogsim.New(o), token)
		for name, call := range map[string]func() error{
			"organization": func() error { _, err := c.OrganizationActivityLog(ctx, posthogsim.AcmeOrgID, now); return err },
			"project":      func() error { _, err := c.ActivityLog(ctx, posthogsim.AcmeProductionID, now); return err },
		} {
			err := call()
			var apiErr *posthog.APIError
			if !errors.As(err, &apiErr) || !errors.Is(err, posthog.ErrPaymentRequired) {
				t.Fatalf("%s: err = %v, want a 402 APIError", name, err)
			}
			if errors.Is(err, posthog.ErrForbidden) || apiErr.Scope != "" {
				t.Errorf("%s: a 402 is not a refusal for a scope: %+v", name, apiErr)
			}
			if apiErr.Feature != "audit_logs" || apiErr.Code != "payment_required" {
				t.Errorf("%s: feature %q code %q, want audit_logs payment_required", name, apiErr.Feature, apiErr.Code)
			}
		}
	})
	t.Run("member", func(t *testing.T) {
		o := posthogsim.Acme(now)
		o.Keys = append(o.Keys, posthogsim.APIKey{ID: "dan", Token: "phx_dan", UserID: o.Members[3].User.ID, CreatedAt: now})
		_, err := loopback(t, posthogsim.New(o), "phx_dan").OrganizationActivityLog(ctx, posthogsim.AcmeOrgID, now)
		var apiErr *posthog.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, posthog.ErrForbidden) || apiErr.Scope != "" || apiErr.Feature != "" ||
			apiErr.Detail != "Only organization admins and owners can view organization-wide activity logs." {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("older deployment", func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithDeployment(posthogsim.Deployment2025))
		_, err := loopback(t, sim, token).OrganizationActivityLog(ctx, posthogsim.AcmeOrgID, now)
		if !errors.Is(err, posthog.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("empty organization id", func(t *testing.T) {
		if _, err := loopback(t, posthogsim.New(posthogsim.Acme(now)), token).OrganizationActivityLog(ctx, "", now); err == nil {
			t.Error("want an error for an empty organization id")
		}
	})
}

func TestPaymentRequiredNamesTheFeature(t *testing.T) {
	for detail, want := range map[string]string{
		"Audit logs requires a paid PostHog plan. Please upgrade to access this feature.":                   "audit_logs",
		"Role based access is part of the premium PostHog offering. To use it, subscribe to PostHog Cloud.": "role_based_access",
		"This feature requires a paid PostHog plan. Please upgrade to access this feature.":                 "",
		"Payment required.": "",
	} {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusPaymentRequired)
			_, _ = w.Write([]byte(`{"type":"server_error","code":"payment_required","detail":"` + detail + `","attr":null}`))
		})
		_, err := loopback(t, h, token).Members(context.Background(), "x")
		var apiErr *posthog.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, posthog.ErrPaymentRequired) {
			t.Fatalf("%q: err = %v", detail, err)
		}
		if apiErr.Feature != want {
			t.Errorf("%q: Feature = %q, want %q", detail, apiErr.Feature, want)
		}
	}
	// A 403 naming a feature is not a 402.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"type":"authentication_error","code":"permission_denied","detail":"Audit logs requires a paid PostHog plan.","attr":null}`))
	})
	_, err := loopback(t, h, token).Members(context.Background(), "x")
	var apiErr *posthog.APIError
	if !errors.As(err, &apiErr) || errors.Is(err, posthog.ErrPaymentRequired) || apiErr.Feature != "" {
		t.Errorf("403: err = %v, feature %q", err, apiErr.Feature)
	}
}
