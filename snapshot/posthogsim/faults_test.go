package posthogsim_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// fetch sends a GET over a real connection and returns the status, header
// and body, or the error reading them.
func fetch(t *testing.T, hc *http.Client, base, token, path string) (int, http.Header, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}

func TestFaults(t *testing.T) {
	sim := newAcme()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	me := "/api/users/@me/"

	t.Run("429", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.Fault429, Seconds: 37})
		st, h, body, err := fetch(t, srv.Client(), srv.URL, scanner, me)
		if err != nil || st != 429 || h.Get("Retry-After") != "" ||
			string(body) != `{"attr":null,"code":"throttled","detail":"Request was throttled. Expected available in 37 seconds.","type":"throttled_error"}` {
			t.Errorf("got %d %v %s %v", st, h, body, err)
		}
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.Fault429RetryAfter, Seconds: 5})
		st, h, body, err := fetch(t, srv.Client(), srv.URL, scanner, me)
		if err != nil || st != 429 || h.Get("Retry-After") != "5" || strings.Contains(string(body), "seconds") {
			t.Errorf("got %d %v %s %v", st, h, body, err)
		}
	})
	t.Run("500 twice", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.Fault500, Times: 2})
		for i := range 3 {
			st, _, body, err := fetch(t, srv.Client(), srv.URL, scanner, me)
			want := 500
			if i == 2 {
				want = 200
			}
			if err != nil || st != want {
				t.Errorf("request %d: %d %s %v, want %d", i, st, body, err, want)
			}
			if i < 2 && string(body) != `{"attr":null,"code":"error","detail":"A server error occurred.","type":"server_error"}` {
				t.Errorf("500 body = %s", body)
			}
		}
	})
	t.Run("path match", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "/members/", Kind: posthogsim.Fault500})
		if st, _, _, _ := fetch(t, srv.Client(), srv.URL, scanner, me); st != 200 {
			t.Errorf("an unmatched path got %d", st)
		}
		if st, _, _, _ := fetch(t, srv.Client(), srv.URL, scanner, orgPath+"members/"); st != 500 {
			t.Errorf("the matched path got %d", st)
		}
	})
	t.Run("truncate", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultTruncate})
		st, h, body, err := fetch(t, srv.Client(), srv.URL, scanner, me)
		if st != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || len(body) == 0 || h.Get("Content-Length") == "" {
			t.Errorf("got %d, %d bytes, %v; want 200, half a body, unexpected EOF", st, len(body), err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultReset})
		if _, _, _, err := fetch(t, &http.Client{Transport: &http.Transport{}}, srv.URL, scanner, me); err == nil {
			t.Error("a reset connection answered")
		}
	})
	t.Run("foreign next", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultForeignNext})
		_, _, body, err := fetch(t, srv.Client(), srv.URL, scanner, orgPath+"members/")
		var page struct{ Next string }
		if err != nil || json.Unmarshal(body, &page) != nil || !strings.HasPrefix(page.Next, "https://evil.example/api/organizations/") {
			t.Errorf("next = %q (%v)", page.Next, err)
		}
	})
	t.Run("huge body", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultHugeBody, Seconds: 1})
		st, _, body, err := fetch(t, srv.Client(), srv.URL, scanner, me)
		if err != nil || st != 200 || len(body) <= 1<<20 || !json.Valid(body) {
			t.Errorf("got %d, %d bytes, %v; want 200 and valid JSON over 1 MiB", st, len(body), err)
		}
	})
	t.Run("faults are used up", func(t *testing.T) {
		if st, _, _, err := fetch(t, srv.Client(), srv.URL, scanner, me); st != 200 || err != nil {
			t.Errorf("got %d %v after every fault was used", st, err)
		}
	})
}

func TestStats(t *testing.T) {
	clock := now
	sim := newAcme(posthogsim.WithClock(func() time.Time { clock = clock.Add(time.Second); return clock }))
	get(t, sim, scanner, orgPath)
	get(t, sim, scanner, orgPath+"members/")
	get(t, sim, "", orgPath)
	st := sim.Stats()
	if st.Requests != 3 || st.ByPath[orgPath] != 2 || st.ByPath[orgPath+"members/"] != 1 || st.MaxInFlight != 1 {
		t.Errorf("stats = %+v", st)
	}
	if len(st.Times) != 3 || !st.Times[0].Equal(now.Add(time.Second)) || !st.Times[2].Equal(now.Add(3*time.Second)) {
		t.Errorf("times = %v", st.Times)
	}
	st.ByPath["x"] = 9 // a copy
	sim.ResetStats()
	if st := sim.Stats(); st.Requests != 0 || len(st.Times) != 0 || len(st.ByPath) != 0 || st.MaxInFlight != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

func TestInMemoryInsideABubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newAcme(posthogsim.WithLatency(250 * time.Millisecond))
		hc, base, closeFn := sim.InMemory()
		defer closeFn()
		start := time.Now()
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				st, _, body, err := fetch(t, hc, base, scanner, "/api/users/@me/")
				if err != nil || st != 200 || !strings.Contains(string(body), "alice@acme.example") {
					t.Errorf("got %d %s %v", st, body, err)
				}
			})
		}
		wg.Wait()
		if took := time.Since(start); took != 250*time.Millisecond {
			t.Errorf("5 parallel requests with 250ms latency took %v of fake time, want 250ms", took)
		}
		st := sim.Stats()
		if st.MaxInFlight != 5 || st.Requests != 5 {
			t.Errorf("stats = %+v, want 5 requests all in flight at once", st)
		}
		// Links are built from the in-memory host.
		_, _, body, _ := fetch(t, hc, base, scanner, orgPath+"members/?limit=2")
		if !strings.Contains(string(body), `"next":"`+posthogsim.InMemoryBaseURL+orgPath+"members/?limit=2") {
			t.Errorf("next link not on %s: %s", base, body[:200])
		}
	})
}
