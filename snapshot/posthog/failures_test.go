package posthog_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The failure modes of item 5: each is named by its true cause, and none
// costs more than its own bound.

// stalledOnce checks that a response stalled once (kind) costs exactly one
// request timeout, then a retry, and ends in the answer.
func stalledOnce(t *testing.T, kind posthogsim.FaultKind, timeout time.Duration, opts ...posthog.Option) {
	t.Helper()
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: kind}, opts, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			if err != nil {
				t.Fatalf("err = %v, want the answer of the retry", err)
			}
			retries := ev.kinds(posthog.EventRetry)
			var rt *posthog.RequestTimeoutError
			if len(retries) != 1 || !errors.As(retries[0].Err, &rt) || rt.Timeout != timeout || retries[0].Status != 0 {
				t.Fatalf("retry events = %+v, want one request timeout of %v", retries, timeout)
			}
			if want := timeout + retries[0].Wait; took != want {
				t.Errorf("took %v, want the request timeout plus the backoff, %v", took, want)
			}
			if n := sim.Stats().Requests; n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
}

func TestStalledHeadersCostOneRequestTimeout(t *testing.T) {
	stalledOnce(t, posthogsim.FaultStallHeaders, 10*time.Second, posthog.WithRequestTimeout(10*time.Second))
}

func TestStalledBodyCostsOneRequestTimeout(t *testing.T) {
	stalledOnce(t, posthogsim.FaultStallBody, 10*time.Second, posthog.WithRequestTimeout(10*time.Second))
}

func TestDefaultRequestTimeoutIsAMinute(t *testing.T) {
	stalledOnce(t, posthogsim.FaultStallBody, time.Minute)
}

func TestASlowAnswerWithinTheRequestTimeoutIsKept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()), posthogsim.WithLatency(9*time.Second))
		ev := &events{}
		c := inMemory(t, sim, token, posthog.WithRequestTimeout(10*time.Second), posthog.WithObserver(ev.observe))
		start := time.Now()
		if err := currentUser(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != 9*time.Second || len(ev.kinds(posthog.EventRetry)) != 0 {
			t.Errorf("took %v with %d retries, want 9s and none", took, len(ev.kinds(posthog.EventRetry)))
		}
	})
}

func TestAlwaysStalledGivesUpAfterTheAttempts(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.FaultStallHeaders, Times: 10},
		[]posthog.Option{posthog.WithRequestTimeout(5 * time.Second), posthog.WithRetry(3, time.Minute)}, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			var re *posthog.RetryError
			if !errors.As(err, &re) || re.Attempts != 3 || !errors.Is(err, posthog.ErrRequestTimeout) {
				t.Fatalf("err = %v, want a request timeout after 3 attempts", err)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v matches context.DeadlineExceeded: a stalled request would pass for the run's deadline", err)
			}
			want := "giving up after 3 attempts: GET /api/users/@me/: no complete response within the request timeout of 5s"
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err, want)
			}
			var waits time.Duration
			for _, r := range ev.kinds(posthog.EventRetry) {
				waits += r.Wait
			}
			if want := 3*5*time.Second + waits; took != want {
				t.Errorf("took %v, want 3 request timeouts plus the backoff, %v", took, want)
			}
		})
}

func TestRequestTimeoutExcludesTheBudgetWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := posthog.NewBudgetWindows(1, posthog.Window{Requests: 1, Per: time.Minute})
		sim := posthogsim.New(posthogsim.Acme(time.Now()), posthogsim.WithLatency(4*time.Second))
		c := inMemory(t, sim, token, posthog.WithBudget(b), posthog.WithRequestTimeout(5*time.Second))
		for range 2 {
			// The second waits a minute for the budget, then 4s for its
			// answer: within its 5s.
			if err := currentUser(t.Context(), c); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestThrottleAskingForADayGivesUpAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := posthog.NewBudget(4, 0)
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		sim.Inject(posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault429, Seconds: 86400, Times: 100})
		ev := &events{}
		c := inMemory(t, sim, token, posthog.WithBudget(b), posthog.WithObserver(ev.observe))
		start := time.Now()
		err := currentUser(t.Context(), c)
		var re *posthog.RetryError
		var apiErr *posthog.APIError
		if !errors.As(err, &re) || !re.Told || re.ByDeadline || re.Wait != 24*time.Hour || re.Limit != posthog.DefaultMaxWait ||
			!errors.As(err, &apiErr) || apiErr.Status != 429 {
			t.Fatalf("err = %v (%+v), want a 429 given up on, naming the 24h wait", err, re)
		}
		for _, part := range []string{"posthog asked to wait 24h0m0s", "2m0s", mePath} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("error %q does not say %q", err, part)
			}
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("waited %v, want no wait", took)
		}
		if n := len(ev.kinds(posthog.EventThrottled)); n != 0 {
			t.Errorf("%d throttled events for a wait never waited", n)
		}
		// The budget was not paused for a day: another request goes out
		// at once.
		if _, err := c.CurrentPersonalAPIKey(t.Context()); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("the next request waited %v for a throttle given up on", took)
		}
	})
}

func TestThrottleBeyondTheDeadlineGivesUpAtOnce(t *testing.T) {
	for _, tt := range []struct {
		name    string
		seconds int
		wantErr bool
	}{
		{"longer than the time left", 60, true},
		{"within the time left", 20, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim := posthogsim.New(posthogsim.Acme(time.Now()))
				sim.Inject(posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault429, Seconds: tt.seconds})
				c := inMemory(t, sim, token)
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				defer cancel()
				start := time.Now()
				err := currentUser(ctx, c)
				took := time.Since(start)
				if !tt.wantErr {
					if err != nil || took != time.Duration(tt.seconds)*time.Second {
						t.Errorf("err = %v after %v, want the answer after %ds", err, took, tt.seconds)
					}
					return
				}
				var re *posthog.RetryError
				if !errors.As(err, &re) || !re.ByDeadline || !re.Told || re.Wait != time.Minute || re.Limit != 30*time.Second {
					t.Fatalf("err = %v (%+v), want a 429 given up on before the deadline", err, re)
				}
				if errors.Is(err, context.DeadlineExceeded) || took != 0 {
					t.Errorf("err = %v after %v, want PostHog's throttle at once, not the deadline", err, took)
				}
				if !strings.Contains(err.Error(), "more than the 30s left before the deadline") {
					t.Errorf("Error() = %q", err)
				}
			})
		})
	}
}

func TestServerErrorsStopBeforeTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		sim.Inject(posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault500, Times: 100})
		c := inMemory(t, sim, token)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		err := currentUser(ctx, c)
		var re *posthog.RetryError
		var apiErr *posthog.APIError
		if !errors.As(err, &re) || !re.ByDeadline || re.Told || !errors.As(err, &apiErr) || apiErr.Status != 500 {
			t.Fatalf("err = %v, want the 500, given up on before the deadline", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v: the server error must be the cause, not the deadline", err)
		}
		if took := time.Since(start); took >= 5*time.Second {
			t.Errorf("took %v, past the 5s deadline", took)
		}
		if !strings.HasPrefix(err.Error(), "giving up after ") || !strings.Contains(err.Error(), "the next retry would come after the deadline: GET /api/users/@me/: 500") {
			t.Errorf("Error() = %q", err)
		}
	})
}

func TestProxyHTMLIsNotAPostHogResponse(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.FaultHTML, Times: 10},
		[]posthog.Option{posthog.WithRetry(2, time.Minute)}, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			var apiErr *posthog.APIError
			if !errors.As(err, &apiErr) || !apiErr.NotPostHog || apiErr.Status != 502 || apiErr.ContentType != "text/html" ||
				!errors.Is(err, posthog.ErrNotPostHog) {
				t.Fatalf("err = %v, want a 502 that is not PostHog's", err)
			}
			want := "giving up after 2 attempts: GET /api/users/@me/: not a PostHog response (HTTP 502, text/html)"
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err, want)
			}
			if strings.Contains(err.Error(), "decode") || strings.Contains(err.Error(), "nginx") {
				t.Errorf("Error() = %q reads like a decode error or copies the page", err)
			}
			if n := sim.Stats().Requests; n != 2 {
				t.Errorf("%d requests, want 2: a proxy's 502 is retried", n)
			}
		})
	t.Run("once is retried", func(t *testing.T) {
		retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.FaultHTML}, nil, currentUser,
			func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
				if err != nil {
					t.Errorf("err = %v, want the retry's answer", err)
				}
			})
	})
	t.Run("a 404 page is not a PostHog 404", func(t *testing.T) {
		retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.FaultHTML, Status: 404}, nil, currentUser,
			func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
				var apiErr *posthog.APIError
				if !errors.As(err, &apiErr) || apiErr.Status != 404 || !apiErr.NotPostHog || !errors.Is(err, posthog.ErrNotPostHog) {
					t.Errorf("err = %v, want a 404 page that is not PostHog's", err)
				}
			})
	})
}

func TestOnlyPostHogsJSONNamesAScope(t *testing.T) {
	for _, tt := range []struct {
		name, contentType, body string
		scope                   string
	}{
		{"json", "application/json", `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope 'organization_member:read'","attr":null}`, "organization_member:read"},
		{"plain text", "text/plain", "API key missing required scope 'organization_member:read'", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := loopback(t, h, token).Members(context.Background(), "x")
			var apiErr *posthog.APIError
			if !errors.As(err, &apiErr) || apiErr.Scope != tt.scope || apiErr.NotPostHog != (tt.scope == "") {
				t.Errorf("err = %v (%+v), want scope %q", err, apiErr, tt.scope)
			}
		})
	}
}

func TestProjectScopedKeyIsNamed(t *testing.T) {
	sim := posthogsim.New(posthogsim.Acme(now))
	c := loopback(t, sim, posthogsim.AcmeLegacyKeyToken)
	_, err := c.Members(context.Background(), posthogsim.AcmeOrgID)
	if !errors.Is(err, posthog.ErrKeyScopedToProjects) || !errors.Is(err, posthog.ErrForbidden) {
		t.Errorf("members: err = %v, want ErrKeyScopedToProjects", err)
	}
	// Near miss: the same key on a project it is not scoped to is refused
	// for that project, not for being scoped to projects.
	_, err = c.AccessControls(context.Background(), posthogsim.AcmeStagingID)
	if !errors.Is(err, posthog.ErrForbidden) || errors.Is(err, posthog.ErrKeyScopedToProjects) {
		t.Errorf("another project: err = %v, want a 403 that is not ErrKeyScopedToProjects", err)
	}
}

// otherHost is a second listener that must never receive a request: the
// token would have left the configured host.
func otherHost(t *testing.T) (url string, hits *atomic.Int64) {
	t.Helper()
	hits = &atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		t.Errorf("the other host got %s %s (Authorization present: %v)", r.Method, r.URL.Path, r.Header.Get("Authorization") != "")
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

func TestRedirectAndNextToAnotherHostNeverCarryTheKey(t *testing.T) {
	other, hits := otherHost(t)
	for _, f := range []posthogsim.Fault{
		{Path: "/members/", Kind: posthogsim.FaultRedirect, Target: other},
		{Path: "/members/", Kind: posthogsim.FaultForeignNext, Target: other},
	} {
		sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithPageSize(2))
		sim.Inject(f)
		_, err := loopback(t, sim, token).Members(context.Background(), posthogsim.AcmeOrgID)
		if !errors.Is(err, posthog.ErrForeignURL) || !strings.Contains(err.Error(), strings.TrimPrefix(other, "http://")) {
			t.Errorf("fault %d: err = %v, want ErrForeignURL naming the other host", f.Kind, err)
		}
		if f.Kind == posthogsim.FaultRedirect && !strings.Contains(err.Error(), "redirected") {
			t.Errorf("err = %v does not say it was a redirect", err)
		}
		assertNoSecret(t, err.Error(), token)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

func TestCurrentUserListsTheOrganizations(t *testing.T) {
	c := loopback(t, posthogsim.New(posthogsim.Acme(now)), token)
	me, err := c.CurrentUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(me.Organizations) != 1 || me.Organizations[0].ID != posthogsim.AcmeOrgID || me.Organizations[0].Name != "Acme Analytics" {
		t.Errorf("organizations = %+v", me.Organizations)
	}
	t.Run("a malformed list is left out", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"id": 1, "uuid": "u", "email": "a@b.example", "organization": {"id": "o"}, "organizations": "nope"}`))
		})
		me, err := loopback(t, h, token).CurrentUser(context.Background())
		if err != nil || me.Organizations != nil || me.OrganizationID != "o" {
			t.Errorf("me = %+v, %v", me, err)
		}
	})
}
