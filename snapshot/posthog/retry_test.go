package posthog_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

const mePath = "/api/users/@me/"

// retryCase runs call against Acme with fault injected, inside a synctest
// bubble, and returns the error, the fake time it took, the events and the
// simulator.
func retryCase(t *testing.T, fault posthogsim.Fault, opts []posthog.Option, call func(context.Context, *posthog.Client) error, check func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		if fault.Kind != 0 {
			sim.Inject(fault)
		}
		ev := &events{}
		c := inMemory(t, sim, token, append([]posthog.Option{posthog.WithObserver(ev.observe)}, opts...)...)
		start := time.Now()
		err := call(t.Context(), c)
		check(t, err, time.Since(start), ev, sim)
	})
}

func currentUser(ctx context.Context, c *posthog.Client) error {
	_, err := c.CurrentUser(ctx)
	return err
}

func TestThrottleWaitsTheSecondsInDetail(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault429, Seconds: 37}, nil, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			if err != nil {
				t.Fatal(err)
			}
			if took != 37*time.Second {
				t.Errorf("took %v, want exactly 37s", took)
			}
			th := ev.kinds(posthog.EventThrottled)
			if len(th) != 1 || th[0].Wait != 37*time.Second || th[0].Status != 429 || th[0].Attempt != 1 || th[0].Path != mePath {
				t.Errorf("throttled events = %+v", th)
			}
			if n := len(ev.kinds(posthog.EventRetry)); n != 0 {
				t.Errorf("%d retry events for a throttled request, want 0", n)
			}
			if n := len(ev.kinds(posthog.EventResponse)); n != 2 {
				t.Errorf("%d response events, want 2", n)
			}
			if n := sim.Stats().Requests; n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
}

func TestThrottleUsesRetryAfter(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault429RetryAfter, Seconds: 3}, nil, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			if err != nil {
				t.Fatal(err)
			}
			if took != 3*time.Second {
				t.Errorf("took %v, want exactly 3s", took)
			}
			if th := ev.kinds(posthog.EventThrottled); len(th) != 1 || th[0].Wait != 3*time.Second {
				t.Errorf("throttled events = %+v", th)
			}
		})
}

func TestThrottleHoldsBackTheWholeBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := posthog.NewBudget(4, 0)
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		sim.Inject(posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault429, Seconds: 20})
		c := inMemory(t, sim, token, posthog.WithBudget(b))
		other := inMemory(t, posthogsim.New(posthogsim.Acme(time.Now())), posthogsim.AcmeBIKeyToken, posthog.WithBudget(b))

		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- currentUser(t.Context(), c) }()
		synctest.Wait() // c got its 429 and waits
		// A request right after the 429 would be throttled too: it starts
		// when PostHog said it would accept requests again.
		if _, err := other.CurrentPersonalAPIKey(t.Context()); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != 20*time.Second {
			t.Errorf("another client's request took %v after a 429 asking for 20s, want 20s", took)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestServerErrorsBackOffExponentially(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault500, Times: 3}, nil, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			if err != nil {
				t.Fatal(err)
			}
			retries := ev.kinds(posthog.EventRetry)
			if len(retries) != 3 {
				t.Fatalf("retry events = %+v, want 3", retries)
			}
			var total time.Duration
			for i, r := range retries {
				base := time.Second << i
				lo, hi := base*8/10, base*12/10
				if r.Wait < lo || r.Wait >= hi || r.Status != 500 || r.Attempt != i+1 {
					t.Errorf("retry %d = %+v, want a wait in [%v, %v)", i, r, lo, hi)
				}
				var apiErr *posthog.APIError
				if !errors.As(r.Err, &apiErr) || apiErr.Type != "server_error" {
					t.Errorf("retry %d error = %v", i, r.Err)
				}
				total += r.Wait
			}
			if took != total {
				t.Errorf("took %v, want the sum of the waits %v", took, total)
			}
			if n := sim.Stats().Requests; n != 4 {
				t.Errorf("%d requests, want 4", n)
			}
		})
}

func TestTruncatedBodyIsRetried(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.FaultTruncate}, nil, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			if err != nil {
				t.Fatal(err)
			}
			retries := ev.kinds(posthog.EventRetry)
			var te *posthog.TransportError
			if len(retries) != 1 || !errors.As(retries[0].Err, &te) || !errors.Is(retries[0].Err, io.ErrUnexpectedEOF) {
				t.Errorf("retry events = %+v, want one for an unexpected EOF", retries)
			}
			if n := sim.Stats().Requests; n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
}

func TestShortJSONBodyIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls++
			if calls == 1 {
				_, _ = w.Write([]byte(`{"id": 101, "uuid": "u-101", "email": "al`)) // chunked, cut short
				return
			}
			_, _ = w.Write([]byte(`{"id": 101, "uuid": "u-101", "email": "alice@acme.example"}`))
		})
		hc, base, closeFn := posthogsim.ServeInMemory(h)
		defer closeFn()
		ev := &events{}
		c, err := posthog.New(base, token, posthog.WithHTTPClient(hc), posthog.WithObserver(ev.observe))
		if err != nil {
			t.Fatal(err)
		}
		me, err := c.CurrentUser(t.Context())
		if err != nil || me.Email != "alice@acme.example" {
			t.Fatalf("current user = %+v, %v", me, err)
		}
		if r := ev.kinds(posthog.EventRetry); len(r) != 1 || !strings.Contains(r[0].Err.Error(), "truncated") {
			t.Errorf("retry events = %+v", r)
		}
	})
}

func TestResetConnectionIsRetried(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.FaultReset}, nil, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			if err != nil {
				t.Fatal(err)
			}
			if r := ev.kinds(posthog.EventRetry); len(r) != 1 || r[0].Status != 0 {
				t.Errorf("retry events = %+v, want one without a status", r)
			}
			if n := sim.Stats().Requests; n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
}

func TestRetriesGiveUpAfterMaxAttempts(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault500, Times: 10},
		[]posthog.Option{posthog.WithRetry(3, time.Minute)}, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			var apiErr *posthog.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != 500 {
				t.Fatalf("err = %v, want the last 500", err)
			}
			if !strings.HasPrefix(err.Error(), "giving up after 3 attempts: GET /api/users/@me/: 500") {
				t.Errorf("Error() = %q", err)
			}
			if n := sim.Stats().Requests; n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
			if n := len(ev.kinds(posthog.EventRetry)); n != 2 {
				t.Errorf("%d retry events, want 2", n)
			}
		})
}

func TestBackoffIsCappedByMaxWait(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault500, Times: 4},
		[]posthog.Option{posthog.WithRetry(5, 1500*time.Millisecond)}, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range ev.kinds(posthog.EventRetry)[2:] {
				if r.Wait != 1500*time.Millisecond {
					t.Errorf("retry %d waited %v, want the 1.5s cap", r.Attempt, r.Wait)
				}
			}
		})
}

func TestThrottleLongerThanMaxWaitFails(t *testing.T) {
	retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault429, Seconds: 600}, nil, currentUser,
		func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
			var apiErr *posthog.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != 429 {
				t.Fatalf("err = %v, want a 429", err)
			}
			for _, part := range []string{"asked to wait 10m0s", "2m0s"} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not say %q", err, part)
				}
			}
			if took != 0 {
				t.Errorf("waited %v, want no wait", took)
			}
			if n := sim.Stats().Requests; n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
}

func TestCancellationDuringAWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		sim.Inject(posthogsim.Fault{Path: mePath, Kind: posthogsim.Fault429, Seconds: 60})
		c := inMemory(t, sim, token)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(5*time.Second, cancel)
		start := time.Now()
		err := currentUser(ctx, c)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if took := time.Since(start); took != 5*time.Second {
			t.Errorf("returned after %v, want 5s", took)
		}
		if n := sim.Stats().Requests; n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

func TestBodyCap(t *testing.T) {
	t.Run("declared length", func(t *testing.T) {
		retryCase(t, posthogsim.Fault{Path: mePath, Kind: posthogsim.FaultHugeBody, Seconds: 2},
			[]posthog.Option{posthog.WithMaxBodyBytes(1 << 20)}, currentUser,
			func(t *testing.T, err error, took time.Duration, ev *events, sim *posthogsim.Server) {
				if !errors.Is(err, posthog.ErrBodyTooLarge) {
					t.Fatalf("err = %v, want ErrBodyTooLarge", err)
				}
				for _, part := range []string{"1 MiB", mePath} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q does not name %q", err, part)
					}
				}
				if n := sim.Stats().Requests; n != 1 {
					t.Errorf("%d requests, want 1 (no retry)", n)
				}
			})
	})
	t.Run("streamed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"padding":"`))
				chunk := []byte(strings.Repeat("x", 32<<10))
				for range 8 {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
				_, _ = w.Write([]byte(`"}`))
			})
			hc, base, closeFn := posthogsim.ServeInMemory(h)
			defer closeFn()
			c, err := posthog.New(base, token, posthog.WithHTTPClient(hc), posthog.WithMaxBodyBytes(100<<10))
			if err != nil {
				t.Fatal(err)
			}
			err = currentUser(t.Context(), c)
			if !errors.Is(err, posthog.ErrBodyTooLarge) || !strings.Contains(err.Error(), "100 KiB") {
				t.Errorf("err = %v, want ErrBodyTooLarge naming 100 KiB", err)
			}
		})
	})
}
