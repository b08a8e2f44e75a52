package snapshot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The pool a phase runs on: it fans out exactly as wide as the request
// budget allows (--concurrency, the one knob), and a fatal failure in one
// task cancels the others at once: the requests in flight are abandoned and
// the tasks not yet started make none.

// revoking serves sim, but answers the first request whose path contains
// path as if the scanning key had been deleted a moment before (the
// simulator's own 401 for an unknown key), and notes when that answer was
// written.
type revoking struct {
	sim  *posthogsim.Server
	path string

	mu         sync.Mutex
	answeredAt time.Time
}

func (h *revoking) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	revoke := h.answeredAt.IsZero() && strings.Contains(r.URL.Path, h.path)
	h.mu.Unlock()
	if !revoke {
		h.sim.ServeHTTP(w, r)
		return
	}
	r.Header.Set("Authorization", "Bearer phx_deletedKeyDeletedKeyDeletedKeyDeletedKey0")
	h.sim.ServeHTTP(w, r)
	h.mu.Lock()
	h.answeredAt = time.Now()
	h.mu.Unlock()
}

// slowSynthetic is a 30-project organization whose every request takes up
// to 400 ms, collected four requests at a time: phase 3 has well over a
// hundred tasks, most of them waiting for the pool when one fails.
func slowSynthetic() *posthogsim.Server {
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 60, Projects: 30, Seed: 5, Now: refNow})
	return posthogsim.New(org, posthogsim.WithRandomFaults(posthogsim.RandomFaults{Seed: 17, MaxLatency: 400 * time.Millisecond}))
}

func collectSlow(ctx context.Context, t *testing.T, h http.Handler) (*snapshot.Snapshot, error) {
	t.Helper()
	hc, base, closeFn := posthogsim.ServeInMemory(h)
	t.Cleanup(closeFn)
	c, err := posthog.New(base, posthogsim.SyntheticScannerToken, posthog.WithHTTPClient(hc), posthog.WithBudget(posthog.NewBudget(4, 0)))
	if err != nil {
		t.Fatal(err)
	}
	return snapshot.Collect(ctx, c, snapshot.Options{Now: func() time.Time { return refNow }})
}

func TestCollectFatalErrorCancelsTheOtherTasks(t *testing.T) {
	var complete int // requests of the whole collection
	synctest.Test(t, func(t *testing.T) {
		sim := slowSynthetic()
		s, err := collectSlow(t.Context(), t, sim)
		if err != nil || !s.Complete() {
			t.Fatalf("near miss: err = %v, missing %+v: want a complete collection", err, s.Missing)
		}
		complete = sim.Stats().Requests
	})

	synctest.Test(t, func(t *testing.T) {
		sim := slowSynthetic()
		victim := sim.Org().Projects[12].ID
		h := &revoking{sim: sim, path: fmt.Sprintf("/api/projects/%d/access_controls/", victim)}
		_, err := collectSlow(t.Context(), t, h)
		returned := time.Now()

		var fe *snapshot.FatalError
		if !errors.As(err, &fe) || !errors.Is(err, posthog.ErrUnauthorized) || !strings.Contains(err.Error(), h.path) {
			t.Fatalf("err = %v, want a FatalError for the 401 of %s", err, h.path)
		}
		if h.answeredAt.IsZero() {
			t.Fatal("the revoked request was never made")
		}
		// Promptly: Collect returned at the instant of the 401, without
		// waiting for any request in flight (each takes up to 400 ms).
		if !returned.Equal(h.answeredAt) {
			t.Errorf("Collect returned %v after the 401", returned.Sub(h.answeredAt))
		}
		st := sim.Stats()
		for _, at := range st.Times {
			if at.After(h.answeredAt) {
				t.Errorf("a request arrived %v after the 401", at.Sub(h.answeredAt))
			}
		}
		if st.Requests >= complete {
			t.Errorf("%d requests, as many as the whole collection's %d", st.Requests, complete)
		}
		t.Logf("%d of the collection's %d requests made before the 401 stopped it", st.Requests, complete)
	})
}

func TestCollectInterruptCancelsEveryTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := slowSynthetic()
		ctx, cancel := context.WithCancel(t.Context())
		var (
			once         sync.Once
			interruptAt  time.Time
			seen         int
			interruptAtN = 40 // in phase 3
		)
		var mu sync.Mutex
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen++
			if seen == interruptAtN {
				once.Do(func() { interruptAt = time.Now(); cancel() })
			}
			mu.Unlock()
			sim.ServeHTTP(w, r)
		})
		_, err := collectSlow(ctx, t, h)
		returned := time.Now()
		var fe *snapshot.FatalError
		if !errors.As(err, &fe) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want a FatalError for the cancellation", err)
		}
		if interruptAt.IsZero() || !returned.Equal(interruptAt) {
			t.Errorf("Collect returned %v after the interrupt at request %d", returned.Sub(interruptAt), interruptAtN)
		}
		for _, at := range sim.Stats().Times {
			if at.After(interruptAt) {
				t.Errorf("a request arrived %v after the interrupt", at.Sub(interruptAt))
			}
		}
	})
}

func TestCollectFansOutAsWideAsTheBudget(t *testing.T) {
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 30, Projects: 20, Seed: 3, Now: refNow})
	for _, n := range []int{1, 3, 12} {
		synctest.Test(t, func(t *testing.T) {
			sim := posthogsim.New(org, posthogsim.WithLatency(100*time.Millisecond))
			hc, base, closeFn := sim.InMemory()
			defer closeFn()
			c, err := posthog.New(base, posthogsim.SyntheticScannerToken, posthog.WithHTTPClient(hc), posthog.WithBudget(posthog.NewBudget(n, 0)))
			if err != nil {
				t.Fatal(err)
			}
			s, err := snapshot.Collect(t.Context(), c, snapshot.Options{Now: func() time.Time { return refNow }})
			if err != nil || !s.Complete() {
				t.Fatalf("concurrency %d: err = %v, missing %+v", n, err, s.Missing)
			}
			// Phase 3 alone has some 80 tasks: the pool fills every place
			// the budget has, and no more.
			if got := sim.Stats().MaxInFlight; got != n {
				t.Errorf("concurrency %d: at most %d requests in flight, want exactly %d", n, got, n)
			}
		})
	}
}
