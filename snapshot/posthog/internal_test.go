package posthog

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The client only issues GETs; its request path takes a method so that the
// retry rule (GET only) is enforced in one place and tested here.
func TestOnlyGETIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := posthogsim.New(posthogsim.Acme(time.Now()))
		hc, base, closeFn := sim.InMemory()
		defer closeFn()
		c, err := New(base, posthogsim.AcmeScannerToken, WithHTTPClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		u := c.url("/api/users/@me/", nil)

		sim.Inject(posthogsim.Fault{Kind: posthogsim.Fault500, Times: 2})
		if _, err := c.do(t.Context(), http.MethodPost, u); err == nil {
			t.Fatal("POST against a 500: no error")
		}
		if n := sim.Stats().Requests; n != 1 {
			t.Errorf("POST sent %d times, want 1", n)
		}

		sim.ResetStats()
		sim.Inject(posthogsim.Fault{Kind: posthogsim.FaultReset})
		if _, err := c.do(t.Context(), http.MethodPut, u); err == nil {
			t.Fatal("PUT on a reset connection: no error")
		}
		if n := sim.Stats().Requests; n != 1 {
			t.Errorf("PUT sent %d times, want 1", n)
		}

		// The one 500 left is retried for a GET.
		sim.ResetStats()
		if _, err := c.do(t.Context(), http.MethodGet, u); err != nil {
			t.Fatal(err)
		}
		if n := sim.Stats().Requests; n != 2 {
			t.Errorf("GET sent %d times, want 2", n)
		}
	})
}

func TestBackoffJitter(t *testing.T) {
	c := &Client{backoffBase: time.Second}
	for attempt := 1; attempt <= 6; attempt++ {
		base := time.Second << (attempt - 1)
		lo, hi := base*8/10, base*12/10
		seen := map[time.Duration]bool{}
		for range 200 {
			d := c.backoff(attempt)
			if d < lo || d >= hi {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v)", attempt, d, lo, hi)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff(%d) has little jitter: %d distinct values", attempt, len(seen))
		}
	}
}

func TestThrottleWait(t *testing.T) {
	tests := []struct {
		detail string
		header http.Header
		want   time.Duration
		told   bool
	}{
		{"Request was throttled. Expected available in 37 seconds.", nil, 37 * time.Second, true},
		{"Request was throttled. Expected available in 1 second.", nil, time.Second, true},
		{"Request was throttled.", http.Header{"Retry-After": {"12"}}, 12 * time.Second, true},
		{"Request was throttled.", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"Request was throttled.", nil, 0, false},
	}
	for _, tt := range tests {
		got, told := throttleWait(tt.detail, tt.header)
		if got != tt.want || told != tt.told {
			t.Errorf("throttleWait(%q, %v) = %v, %v; want %v, %v", tt.detail, tt.header, got, told, tt.want, tt.told)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{32 << 20: "32 MiB", 100 << 10: "100 KiB", 1000: "1000 bytes", 1<<20 + 1: "1048577 bytes"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestStepper(t *testing.T) {
	c, err := New("https://us.posthog.com", "phx_test")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		next     string
		firstLen int
		ok       bool
		size     int
		pages    []int // positions whose URLs are checked
		want     []string
	}{
		{"https://us.posthog.com/api/x/?limit=2&offset=2&email=a", 2, true, 2, []int{2, 4, 6}, []string{
			"https://us.posthog.com/api/x/?email=a&limit=2&offset=2",
			"https://us.posthog.com/api/x/?email=a&limit=2&offset=4",
			"https://us.posthog.com/api/x/?email=a&limit=2&offset=6",
		}},
		{"https://us.posthog.com/api/x/?offset=100", 100, true, 100, []int{100, 200}, []string{
			"https://us.posthog.com/api/x/?offset=100",
			"https://us.posthog.com/api/x/?offset=200",
		}},
		{"https://us.posthog.com/api/x/?page=2&page_size=100", 100, true, 100, []int{100, 200}, []string{
			"https://us.posthog.com/api/x/?page=2&page_size=100",
			"https://us.posthog.com/api/x/?page=3&page_size=100",
		}},
		{"https://us.posthog.com/api/x/?cursor=abc", 2, false, 0, nil, nil},
		{"https://us.posthog.com/api/x/?offset=-1", 2, false, 0, nil, nil},
	}
	for _, tt := range tests {
		u, err := c.resolve(tt.next)
		if err != nil {
			t.Fatal(err)
		}
		st, ok := stepperFor(u, tt.firstLen)
		if ok != tt.ok || st.size != tt.size {
			t.Errorf("stepperFor(%q) = %+v, %v; want size %d, %v", tt.next, st, ok, tt.size, tt.ok)
			continue
		}
		var got []string
		for _, pos := range tt.pages {
			got = append(got, st.urlAt(pos))
			back, _ := c.resolve(st.urlAt(pos))
			if at, ok := st.pos(back); !ok || at != pos {
				t.Errorf("%q: pos(urlAt(%d)) = %d, %v", tt.next, pos, at, ok)
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q pages (-want +got):\n%s", tt.next, diff)
		}
	}
	// Another list's link is no page of this one.
	u, _ := c.resolve("https://us.posthog.com/api/x/?offset=2")
	st, _ := stepperFor(u, 2)
	other, _ := c.resolve("https://us.posthog.com/api/y/?offset=4")
	if _, ok := st.pos(other); ok {
		t.Error("a link to another path was read as a page of the list")
	}
}

// num is a list item that is its own key.
type num int

func (n num) ListKey() string { return strconv.Itoa(int(n)) }

// A list that keeps sending next links fails once it passes its page bound:
// it is never returned cut short.
func TestListPageBound(t *testing.T) {
	n := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"next":"http://%s/api/x/?cursor=%d","previous":null,"results":[%d]}`, r.Host, n, n)
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := New(srv.URL, posthogsim.AcmeScannerToken)
	if err != nil {
		t.Fatal(err)
	}
	got, err := list(t.Context(), c, c.url("/api/x/", nil), listSpec[num]{shape: shapeCursor, maxPages: 5})
	if !errors.Is(err, ErrTooManyPages) || got != nil {
		t.Fatalf("got %v, %v; want ErrTooManyPages and nothing", got, err)
	}
	if n != 5 {
		t.Errorf("%d pages fetched, want 5", n)
	}
	// Within the bound, the list is whole.
	n = 0
	h2 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		next := fmt.Sprintf(`"http://%s/api/x/?cursor=%d"`, r.Host, n)
		if n == 5 {
			next = "null"
		}
		_, _ = fmt.Fprintf(w, `{"next":%s,"previous":null,"results":[%d]}`, next, n)
	})
	srv2 := httptest.NewServer(h2)
	defer srv2.Close()
	c2, _ := New(srv2.URL, posthogsim.AcmeScannerToken)
	if got, err := list(t.Context(), c2, c2.url("/api/x/", nil), listSpec[num]{shape: shapeCursor, maxPages: 5}); err != nil || len(got) != 5 {
		t.Errorf("five pages within a bound of five: %v, %v", got, err)
	}
}
