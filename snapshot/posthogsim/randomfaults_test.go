package posthogsim_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var chaos = posthogsim.RandomFaults{Seed: 7, ServerErrors: 0.05, Throttles: 0.02, ThrottleWait: 1500 * time.Millisecond}

// statuses requests each of the URLs, in the given order, and returns the
// status of each URL's every request.
func statuses(t *testing.T, sim *posthogsim.Server, urls []string) map[string][]int {
	t.Helper()
	out := map[string][]int{}
	for _, u := range urls {
		r := get(t, sim, scanner, u)
		out[u] = append(out[u], r.status)
		if r.status == 429 && r.obj(t)["detail"] != "Request was throttled. Expected available in 2 seconds." {
			t.Errorf("429 detail %q, want PostHog's with the wait rounded up", r.obj(t)["detail"])
		}
	}
	return out
}

func TestRandomFaultsRatesAndKinds(t *testing.T) {
	sim := newAcme(posthogsim.WithRandomFaults(chaos))
	var urls []string
	for i := range 4000 {
		urls = append(urls, fmt.Sprintf("/api/users/@me/?n=%d", i))
	}
	counts := map[int]int{}
	for _, sts := range statuses(t, sim, urls) {
		counts[sts[0]]++
	}
	// 5% and 2% of 4000, within about four standard deviations.
	if n := counts[500]; n < 145 || n > 255 {
		t.Errorf("%d 500s of 4000, want about 200", n)
	}
	if n := counts[429]; n < 45 || n > 115 {
		t.Errorf("%d 429s of 4000, want about 80", n)
	}
	if counts[200]+counts[500]+counts[429] != 4000 {
		t.Errorf("statuses %v: only 200, 500 and 429 expected", counts)
	}
}

// TestRandomFaultsAreSeededPerURL: the same requests get the same answers
// whatever order they arrive in, a retry of a URL is a new draw, and
// another seed is another pattern.
func TestRandomFaultsAreSeededPerURL(t *testing.T) {
	var urls []string
	for i := range 300 {
		for range 3 { // each URL three times: a request and two retries
			urls = append(urls, fmt.Sprintf("/api/users/@me/?n=%d", i))
		}
	}
	first := statuses(t, newAcme(posthogsim.WithRandomFaults(chaos)), urls)
	shuffled := append([]string(nil), urls...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	second := statuses(t, newAcme(posthogsim.WithRandomFaults(chaos)), shuffled)
	retried := 0
	for u, sts := range first {
		if fmt.Sprint(sts) != fmt.Sprint(second[u]) {
			t.Errorf("%s: %v, then %v in another order", u, sts, second[u])
		}
		if sts[0] != 200 && sts[1] == 200 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no failed request succeeded on its retry: retries are not new draws")
	}

	other := chaos
	other.Seed = 8
	third := statuses(t, newAcme(posthogsim.WithRandomFaults(other)), urls)
	same := 0
	for u, sts := range first {
		if fmt.Sprint(sts) == fmt.Sprint(third[u]) {
			same++
		}
	}
	if same == len(first) {
		t.Error("another seed gave the same pattern")
	}
}

func TestRandomFaultsLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rf := posthogsim.RandomFaults{Seed: 1, MaxLatency: 200 * time.Millisecond}
		sim := newAcme(posthogsim.WithLatency(50*time.Millisecond), posthogsim.WithRandomFaults(rf))
		var least, most time.Duration = time.Hour, 0
		for i := range 200 {
			start := time.Now()
			if r := get(t, sim, scanner, fmt.Sprintf("/api/users/@me/?n=%d", i)); r.status != 200 {
				t.Fatalf("status %d without fault rates", r.status)
			}
			d := time.Since(start)
			least, most = min(least, d), max(most, d)
		}
		if least < 50*time.Millisecond || most >= 250*time.Millisecond || most-least < 150*time.Millisecond {
			t.Errorf("latencies from %v to %v, want spread over [50ms, 250ms)", least, most)
		}
	})
}
