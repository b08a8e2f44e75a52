package posthog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The member list is asked for with include_guests=true, so that a
// deployment hiding some memberships by default cannot make it short; the
// simulated PostHog, like every PostHog version read, ignores it.
func TestMembersAsksForEveryMembership(t *testing.T) {
	path := "/api/organizations/" + posthogsim.AcmeOrgID + "/members/"
	rec := &queryRecorder{path: path, next: posthogsim.New(posthogsim.Acme(now), posthogsim.WithPageSize(4))}
	c := loopback(t, rec, token)
	ms, err := c.Members(context.Background(), posthogsim.AcmeOrgID)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(posthogsim.Acme(now).Members); len(ms) != want {
		t.Errorf("got %d members, want %d", len(ms), want)
	}
	if len(rec.queries) < 2 {
		t.Fatalf("queries %q: want several pages", rec.queries)
	}
	for _, q := range rec.queries {
		if !strings.Contains(q, "include_guests=true") {
			t.Errorf("members request %q lacks include_guests=true", q)
		}
	}
}
