package posthog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

const membersPath = "/api/organizations/" + posthogsim.AcmeOrgID + "/members/"

func emailsOf(ms []posthog.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.User.Email)
	}
	return out
}

func TestListLimitOffsetReadsEveryPageInOrder(t *testing.T) {
	ctx := context.Background()
	whole, err := loopback(t, posthogsim.New(posthogsim.Acme(now)), token).Members(ctx, posthogsim.AcmeOrgID)
	if err != nil {
		t.Fatal(err)
	}
	sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithPageSize(2))
	paged, err := loopback(t, sim, token).Members(ctx, posthogsim.AcmeOrgID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(emailsOf(whole), emailsOf(paged)); diff != "" {
		t.Errorf("paged members differ from one page (-one +paged):\n%s", diff)
	}
	if got := sim.Stats().ByPath[membersPath]; got != 6 {
		t.Errorf("%d requests for 11 members in pages of 2, want 6", got)
	}
}

func TestListFetchesRemainingPagesInParallel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 40, Projects: 1, Seed: 7})
		sim := posthogsim.New(org, posthogsim.WithPageSize(5), posthogsim.WithLatency(100*time.Millisecond))
		c := inMemory(t, sim, posthogsim.SyntheticScannerToken, posthog.WithBudget(posthog.NewBudget(4, 0)))

		start := time.Now()
		got, err := c.Members(t.Context(), org.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The first page, then 7 pages four at a time: 100 + 2×100 ms.
		if d := time.Since(start); d != 300*time.Millisecond {
			t.Errorf("took %v, want 300ms", d)
		}
		st := sim.Stats()
		if st.MaxInFlight < 2 || st.MaxInFlight > 4 {
			t.Errorf("MaxInFlight = %d, want 2..4", st.MaxInFlight)
		}
		if st.Requests != 8 {
			t.Errorf("%d requests, want 8", st.Requests)
		}

		// PostHog itself honours any limit: the client's 1000 is one page.
		whole1 := posthogsim.New(org)
		whole, err := inMemory(t, whole1, posthogsim.SyntheticScannerToken).Members(t.Context(), org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if whole1.Stats().Requests != 1 {
			t.Errorf("limit=1000 took %d requests, want 1", whole1.Stats().Requests)
		}
		if diff := cmp.Diff(emailsOf(whole), emailsOf(got)); diff != "" {
			t.Errorf("parallel pages out of order (-want +got):\n%s", diff)
		}
	})
}

func TestListPageNumbersInParallel(t *testing.T) {
	sim := posthogsim.New(posthogsim.Acme(now))
	c := loopback(t, sim, token)
	path := "/api/projects/12345/activity_log/"
	got, err := posthog.List[posthog.ActivityLogEntry](context.Background(), c, path, url.Values{"page": {"1"}, "page_size": {"2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9 {
		t.Errorf("got %d entries, want 9", len(got))
	}
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e.ID] {
			t.Errorf("entry %s read twice", e.ID)
		}
		seen[e.ID] = true
	}
	if n := sim.Stats().ByPath[path]; n != 5 {
		t.Errorf("%d requests for 9 entries in pages of 2, want 5", n)
	}
}

// thing is a list item of the tests' own endpoints.
type thing struct {
	ID string `json:"id" hogaudit:"required"`
}

func (t thing) ListKey() string { return t.ID }

func things(ids ...int) []thing {
	out := make([]thing, len(ids))
	for i, id := range ids {
		out[i] = thing{ID: strconv.Itoa(id)}
	}
	return out
}

// pagesHandler serves items as things in pages of size through next links,
// with the count when withCount (claiming count items), else without.
func pagesHandler(items []int, size int, withCount bool, count int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		end := min(off+size, len(items))
		results := []map[string]string{}
		for _, it := range items[off:end] {
			results = append(results, map[string]string{"id": strconv.Itoa(it)})
		}
		page := map[string]any{"results": results, "previous": nil, "next": nil}
		if end < len(items) {
			page["next"] = fmt.Sprintf("http://%s%s?limit=%d&offset=%d", r.Host, r.URL.Path, size, end)
		}
		if withCount {
			page["count"] = count
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page)
	}
}

func TestListFollowsPagesWithCount(t *testing.T) {
	items := []int{1, 2, 3, 4, 5, 6, 7}
	var mu sync.Mutex
	var offsets []string
	h := pagesHandler(items, 3, true, 7)
	c := loopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		offsets = append(offsets, r.URL.Query().Get("offset"))
		mu.Unlock()
		h(w, r)
	}), token)
	got, err := posthog.List[thing](context.Background(), c, "/api/things/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(things(items...), got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	sort.Strings(offsets)
	if diff := cmp.Diff([]string{"", "3", "6"}, offsets); diff != "" {
		t.Errorf("requested offsets (-want +got):\n%s", diff)
	}
}

// A limit/offset list must say how many items it has: a page without count
// cannot be verified, so it is malformed.
func TestListWithoutCountIsMalformed(t *testing.T) {
	c := loopback(t, pagesHandler([]int{1, 2, 3}, 3, false, 0), token)
	_, err := posthog.List[thing](context.Background(), c, "/api/things/", nil)
	if !errors.Is(err, posthog.ErrMalformed) || !strings.Contains(err.Error(), "GET /api/things/: decode response: count is missing") {
		t.Errorf("err = %v, want a malformed page naming count", err)
	}
}

// A list longer than its count (the count grew while it was read, twice) is
// not returned: the pages beyond the count cannot be verified.
func TestListLongerThanItsCountFails(t *testing.T) {
	items := []int{1, 2, 3, 4, 5, 6}
	c := loopback(t, pagesHandler(items, 2, true, 4), token)
	got, err := posthog.List[thing](context.Background(), c, "/api/things/", nil)
	if !errors.Is(err, posthog.ErrIncompleteList) || got != nil {
		t.Fatalf("got %v, %v; want ErrIncompleteList and nothing", got, err)
	}
	want := "GET /api/things/: incomplete list: the page at offset 2, the last of count 4, links to more after 2 attempts"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to contain %q", err, want)
	}
}

func TestListBareArray(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(` [{"id":"a","level":8,"effective_level":8,"user":{"id":1,"uuid":"u","email":"a@x.example"},"joined_at":"2025-01-01T00:00:00Z"}]`))
	})
	got, err := loopback(t, h, token).ExplicitMembers(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Level != 8 || got[0].User.Email != "a@x.example" {
		t.Errorf("explicit members = %+v", got)
	}
}

func TestListRejectsAnUnexpectedShape(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"users":[]}`))
	})
	_, err := posthog.List[thing](context.Background(), loopback(t, h, token), "/api/things/", nil)
	if err == nil || !strings.Contains(err.Error(), "GET /api/things/: decode response: results is missing") {
		t.Errorf("err = %v, want a decode error naming the endpoint", err)
	}
}

func TestActivityLogPages(t *testing.T) {
	const path = "/api/projects/12345/activity_log/"
	ctx := context.Background()
	t.Run("newest reads the numbered pages the count calls for", func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithPageSize(2))
		got, err := loopback(t, sim, token).ActivityLog(ctx, posthogsim.AcmeProductionID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 9 {
			t.Errorf("got %d entries, want 9", len(got))
		}
		// 9 entries in pages of 2: 5 pages, and no empty page after them.
		if n := sim.Stats().ByPath[path]; n != 5 {
			t.Errorf("%d requests, want 5", n)
		}
	})
	t.Run("2025 reads the numbered pages too", func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithPageSize(2), posthogsim.WithDeployment(posthogsim.Deployment2025))
		got, err := loopback(t, sim, token).ActivityLog(ctx, posthogsim.AcmeProductionID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 9 {
			t.Errorf("got %d entries, want 9", len(got))
		}
		if n := sim.Stats().ByPath[path]; n != 5 {
			t.Errorf("%d requests, want 5", n)
		}
	})
	t.Run("stops at since", func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithPageSize(2))
		since := now.Add(-6 * 24 * time.Hour)
		got, err := loopback(t, sim, token).ActivityLog(ctx, posthogsim.AcmeProductionID, since)
		if err != nil {
			t.Fatal(err)
		}
		// 1, 2, 3 and 5 days old; the third page holds the 7-day-old entry.
		if len(got) != 4 {
			t.Errorf("got %d entries, want 4", len(got))
		}
		for _, e := range got {
			if e.CreatedAt.Before(since) {
				t.Errorf("entry %s is older than since", e.ID)
			}
		}
		if n := sim.Stats().ByPath[path]; n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
}

// hostRecorder records the host of every request that leaves the client.
type hostRecorder struct {
	mu    sync.Mutex
	hosts []string
	next  http.RoundTripper
}

func (h *hostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.hosts = append(h.hosts, r.URL.Host)
	h.mu.Unlock()
	return h.next.RoundTrip(r)
}

func TestForeignNextIsRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		path string
		call func(context.Context, *posthog.Client) error
	}{
		{"limit/offset", "/members/", func(ctx context.Context, c *posthog.Client) error {
			_, err := c.Members(ctx, posthogsim.AcmeOrgID)
			return err
		}},
		{"cursor", "/activity_log/", func(ctx context.Context, c *posthog.Client) error {
			_, err := c.ActivityLog(ctx, posthogsim.AcmeProductionID, time.Time{})
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithPageSize(2))
			sim.Inject(posthogsim.Fault{Path: tt.path, Kind: posthogsim.FaultForeignNext})
			srv := httptest.NewServer(sim)
			defer srv.Close()
			rec := &hostRecorder{next: srv.Client().Transport}
			c, err := posthog.New(srv.URL, token, posthog.WithHTTPClient(&http.Client{Transport: rec}))
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(context.Background(), c)
			if !errors.Is(err, posthog.ErrForeignURL) {
				t.Fatalf("err = %v, want ErrForeignURL", err)
			}
			if !strings.Contains(err.Error(), "evil.example") {
				t.Errorf("error %q does not name the foreign host", err)
			}
			assertNoSecret(t, err.Error(), sim.Org().Secrets()...)
			want := strings.TrimPrefix(srv.URL, "http://")
			for _, h := range rec.hosts {
				if h != want {
					t.Errorf("a request went to %s", h)
				}
			}
			if n := sim.Stats().Requests; n != 1 || len(rec.hosts) != 1 {
				t.Errorf("%d requests reached the server, %d left the client; want 1 and 1", n, len(rec.hosts))
			}
		})
	}
}
