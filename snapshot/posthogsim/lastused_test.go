package posthogsim_test

import (
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// keyUsedAt reads last_used_at from a GET @current answer.
func keyUsedAt(t *testing.T, sim *posthogsim.Server, token string) any {
	t.Helper()
	r := get(t, sim, token, "/api/personal_api_keys/@current/")
	if r.status != 200 {
		t.Fatalf("@current: status %d: %s", r.status, r.raw)
	}
	return r.obj(t)["last_used_at"]
}

// stamp formats t as PostHog (and the simulator) serialize datetimes.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// PostHog (posthog/auth.py) refreshes last_used_at when it authenticates a
// request and the stored value is unset or more than an hour old. Newest
// PostHog's answer shows the value from before; 2025's the value written.
func TestAuthenticationRefreshesLastUsedAtHourly(t *testing.T) {
	for _, tt := range []struct {
		dep       posthogsim.Deployment
		showsOwn  bool
		deployStr string
	}{
		{posthogsim.Newest, false, "newest"},
		{posthogsim.Deployment2025, true, "2025"},
	} {
		t.Run(tt.deployStr, func(t *testing.T) {
			clock := now
			org := posthogsim.Acme(now)
			before := now.AddDate(0, 0, -1)
			org.Keys[1].LastUsedAt = &before // bi-dashboard-readonly
			sim := posthogsim.New(org, posthogsim.WithDeployment(tt.dep), posthogsim.WithClock(func() time.Time { return clock }))
			bi := posthogsim.AcmeBIKeyToken

			want := stamp(before)
			if tt.showsOwn {
				want = stamp(now)
			}
			if got := keyUsedAt(t, sim, bi); got != want {
				t.Errorf("first answer shows %v, want %v", got, want)
			}
			if got := sim.KeyLastUsedAt(bi); got == nil || !got.Equal(now) {
				t.Errorf("stored last_used_at = %v, want the request's time %v", got, now)
			}

			// Within the hour (and at exactly one hour: PostHog compares
			// with >), nothing is written; every answer shows the stored
			// value.
			clock = now.Add(time.Hour)
			if got := keyUsedAt(t, sim, bi); got != stamp(now) {
				t.Errorf("an hour later the answer shows %v, want %v", got, stamp(now))
			}
			if got := sim.KeyLastUsedAt(bi); !got.Equal(now) {
				t.Errorf("a request within the hour rewrote last_used_at to %v", got)
			}

			// Past the hour, any authenticated request refreshes it, even
			// one PostHog then refuses for a missing scope.
			clock = now.Add(time.Hour + time.Second)
			if r := get(t, sim, bi, orgPath+"members/"); r.status != 403 {
				t.Fatalf("members with a project-scoped key: status %d, want 403", r.status)
			}
			if got := sim.KeyLastUsedAt(bi); got == nil || !got.Equal(clock) {
				t.Errorf("a refused request past the hour left last_used_at at %v, want %v", got, clock)
			}

			// A rejected key and an unknown path authenticate nothing.
			clock = now.AddDate(0, 0, 1)
			get(t, sim, "", "/api/personal_api_keys/@current/")
			get(t, sim, bi, "/api/nothing/")
			if got := sim.KeyLastUsedAt(bi); !got.Equal(now.Add(time.Hour + time.Second)) {
				t.Errorf("an unauthenticated request changed last_used_at to %v", got)
			}
		})
	}
}

func TestNeverUsedKeyIsStampedOnFirstUse(t *testing.T) {
	org := posthogsim.Acme(now)
	org.Keys[1].LastUsedAt = nil
	sim := posthogsim.New(org, posthogsim.WithClock(func() time.Time { return now }))
	if got := keyUsedAt(t, sim, posthogsim.AcmeBIKeyToken); got != nil {
		t.Errorf("first answer of a never-used key shows %v, want null (newest PostHog)", got)
	}
	if got := keyUsedAt(t, sim, posthogsim.AcmeBIKeyToken); got != stamp(now) {
		t.Errorf("second answer shows %v, want the first request's time", got)
	}
}
