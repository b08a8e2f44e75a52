package posthog

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// An attempt abandoned without a response stays inside the windows until
// Per + Margin after its abandonment plus the bound the caller gives: the
// server may count it later than the client gave up on it. The near miss:
// an attempt whose response arrived counts from its completion.
func TestBudgetCountsAnAbandonedAttemptLate(t *testing.T) {
	for _, tc := range []struct {
		name string
		late time.Duration
	}{{"answered", 0}, {"abandoned", 30 * time.Second}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := NewBudgetWindows(4, Window{Requests: 1, Per: time.Minute})
				start := time.Now()
				release, err := b.acquire(context.Background(), nil)
				if err != nil {
					t.Fatal(err)
				}
				release(tc.late)
				release, err = b.acquire(context.Background(), nil)
				if err != nil {
					t.Fatal(err)
				}
				release(0)
				if got, want := time.Since(start), time.Minute+tc.late; got != want {
					t.Fatalf("the next request was sent %v after the first, want %v", got, want)
				}
			})
		})
	}
}

// A request timeout abandons the attempt: the next request waits the
// window from the abandonment plus the request timeout.
func TestClientCountsATimedOutAttemptLate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/api/stall/" {
				<-r.Context().Done()
				return nil, r.Context().Err()
			}
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader("{}")), ContentLength: 2, Request: r}, nil
		})
		b := NewBudgetWindows(2, Window{Requests: 1, Per: time.Minute})
		c, err := New("https://posthog.example", "phx_test", WithBudget(b), WithRequestTimeout(10*time.Second),
			WithRetry(1, time.Second), WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := c.fetch(context.Background(), "/api/stall/"); err == nil {
			t.Fatal("the stalled request succeeded")
		}
		abandoned := time.Since(start)
		if _, err := c.fetch(context.Background(), "/api/ok/"); err != nil {
			t.Fatal(err)
		}
		if got, want := time.Since(start), abandoned+10*time.Second+time.Minute; got != want {
			t.Fatalf("the next request went %v after the first, want %v (abandoned at %v)", got, want, abandoned)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A redirect on the configured host is not followed: one attempt, one
// request the Budget admitted, answered by a 3xx error that is not
// retried. (A redirect to another host is refused before anything is sent
// there: TestRedirectToAnotherHostIsRefused.)
func TestSameHostRedirectIsNotFollowed(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/api/hop/"+strconv.FormatInt(hits.Load(), 10)+"/", http.StatusFound)
	}))
	defer srv.Close()
	c, err := New(srv.URL, "phx_test", WithInsecureHTTP(), WithRetry(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.fetch(context.Background(), "/api/users/@me/")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusFound {
		t.Fatalf("err = %v, want the 302 answer", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the server saw %d requests, want 1 (no hop followed, no retry)", n)
	}
}
