package posthogsim_test

import (
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// TestThrottleWindows: two windows, as PostHog's BurstRateThrottle and
// SustainedRateThrottle (here 2 a minute and 3 an hour). Each keeps its own
// history; a request the burst window refuses still counts against the
// sustained window that accepted it (DRF asks every throttle), and the 429
// asks for the longest wait of the refusing windows.
func TestThrottleWindows(t *testing.T) {
	clock := now
	sim := newAcme(posthogsim.WithThrottleWindows(
		posthogsim.ThrottleWindow{Requests: 2, Per: time.Minute},
		posthogsim.ThrottleWindow{Requests: 3, Per: time.Hour},
		posthogsim.ThrottleWindow{}, // ignored
	), posthogsim.WithClock(func() time.Time { return clock }))
	path := "/api/personal_api_keys/@current/"
	status := func(at time.Duration) int {
		t.Helper()
		clock = now.Add(at)
		return get(t, sim, scanner, path).status
	}
	for _, step := range []struct {
		at   time.Duration
		want int
	}{
		{0, 200}, {time.Second, 200},
		// the burst window is full; the hourly one records it (3 of 3)
		{2 * time.Second, 429},
		// the burst window has room again, the hourly one is full
		{61 * time.Second, 429},
		// near miss: once the first request leaves the hour, one more
		// fits; and at 1h+1s the one of 1s has left too
		{time.Hour, 200},
		{time.Hour + time.Second, 200},
	} {
		if got := status(step.at); got != step.want {
			t.Errorf("request at %v: status %d, want %d", step.at, got, step.want)
		}
	}
	// Both windows are full at 1h+1.5s: the hourly one frees a place in
	// 0.5s (its oldest entry is the refused request of 2s), the burst one
	// in 58.5s; the 429 asks for the longer.
	clock = now.Add(time.Hour + 1500*time.Millisecond)
	wantError(t, get(t, sim, scanner, path), 429, "throttled_error", "throttled", "Request was throttled. Expected available in 59 seconds.")
	st := sim.Stats()
	if st.Throttled != 3 || st.Requests != 7 {
		t.Errorf("Stats: %d requests, %d throttled; want 7 and 3", st.Requests, st.Throttled)
	}
	// Accepted: 0s, 1s, 1h, 1h+1s. In any minute at most 2; in any hour
	// 2, since (t-1h, t] never holds three of them; a period a nanosecond
	// longer holds 1s, 1h and 1h+1s.
	if got := sim.MaxInWindow(time.Minute); got != 2 {
		t.Errorf("MaxInWindow(1m) = %d, want 2", got)
	}
	if got := sim.MaxInWindow(time.Hour); got != 2 {
		t.Errorf("MaxInWindow(1h) = %d, want 2", got)
	}
	if got := sim.MaxInWindow(time.Hour + time.Nanosecond); got != 3 {
		t.Errorf("MaxInWindow(1h+1ns) = %d, want 3", got)
	}
	sim.ResetStats()
	if got, st := sim.MaxInWindow(time.Hour), sim.Stats(); got != 0 || st.Throttled != 0 {
		t.Errorf("after ResetStats: MaxInWindow %d, Throttled %d; want 0, 0", got, st.Throttled)
	}
}

// TestMaxInWindowWithoutThrottle: with no throttle every authorized request
// is logged, so a test can measure what a client would have sent PostHog.
func TestMaxInWindowWithoutThrottle(t *testing.T) {
	clock := now
	sim := newAcme(posthogsim.WithClock(func() time.Time { return clock }))
	path := "/api/personal_api_keys/@current/"
	for _, at := range []time.Duration{0, 10 * time.Second, 59 * time.Second, 60 * time.Second, 61 * time.Second} {
		clock = now.Add(at)
		if r := get(t, sim, scanner, path); r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
	}
	// (1s, 61s] holds 10s, 59s, 60s, 61s; (0s, 60s] holds 10, 59, 60.
	if got := sim.MaxInWindow(time.Minute); got != 4 {
		t.Errorf("MaxInWindow(1m) = %d, want 4", got)
	}
	if got := sim.MaxInWindow(time.Second); got != 1 {
		t.Errorf("MaxInWindow(1s) = %d, want 1", got)
	}
	if st := sim.Stats(); st.Throttled != 0 {
		t.Errorf("Throttled = %d without a throttle", st.Throttled)
	}
}
