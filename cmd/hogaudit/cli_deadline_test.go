package main

import (
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The derived deadline allows for the plan being a lower bound: a plan
// just under PostHog's hourly limit gets the wait for the hourly window
// (a few more requests than planned cross it), one well under it does not.
func TestDerivedTimeoutNearTheHourlyCliff(t *testing.T) {
	s := &session{budget: posthog.NewBudget(snapshot.DefaultConcurrency, snapshot.DefaultRate)}
	f := s.timeoutFunc(time.Now, timeoutFor)
	if d := f(snapshot.Plan{Sent: 0, Remaining: 4700}); d < time.Hour {
		t.Errorf("a plan of 4,700 requests (4,800 an hour): derived --timeout %v, want the hour's wait in it", d)
	}
	if got := s.derivedTimeout(); got < time.Hour {
		t.Errorf("derivedTimeout %v, want what TimeoutFor returned", got)
	}
	// Near misses: 4,300 requests with their headroom fit in the hour;
	// 1,000 keep the planning deadline.
	if d := f(snapshot.Plan{Remaining: 4300}); d >= 30*time.Minute || d <= planningTimeout {
		t.Errorf("a plan of 4,300 requests: derived --timeout %v, want over 10m and well under an hour", d)
	}
	if d := f(snapshot.Plan{Remaining: 1000}); d != planningTimeout {
		t.Errorf("a plan of 1,000 requests: derived --timeout %v, want %v", d, planningTimeout)
	}
	if got := planHeadroom(4700); got != 4700+470+20 {
		t.Errorf("planHeadroom(4700) = %d", got)
	}
}

// Whether the derived deadline passed is judged from the collection's
// start to its end, as the deadline itself: work after the collection
// (scrubbing the snapshot, here a test seam's pause) does not make an
// incomplete run that finished in time warn of its deadline.
func TestNoDeadlineWarningAfterCollectionEnded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	// An incomplete snapshot for another reason: the domains fail.
	h.sim.Inject(posthogsim.Fault{Path: "/domains/", Kind: posthogsim.Fault500, Times: 100, RetryAfter: "0"})
	res := h.runWith(func(e *env) {
		e.timeoutFor = func(elapsed, eta time.Duration) time.Duration { return 2 * time.Second }
		e.afterCollect = func() { time.Sleep(2200 * time.Millisecond) }
	}, "snapshot", "-o", "snap.json")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2 (the domains are missing)\n%s", res.code, res.stderr)
	}
	if strings.Contains(res.stderr, "did not finish") {
		t.Errorf("a collection that ended before its deadline warned of it:\n%s", res.stderr)
	}
	if !strings.Contains(res.stderr, "could not be collected") {
		t.Errorf("stderr does not say what is missing:\n%s", res.stderr)
	}
}
