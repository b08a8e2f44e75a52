package posthogsim

import (
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// RandomFaults makes a Server answer a seeded share of requests with
// failures, and delay each by a random latency, the way a loaded PostHog
// behaves. Whether the n-th request for one URL (method, path and query,
// key) fails, and how long it waits, depends only on the seed, the URL and
// n, never on the order in which concurrent requests arrive: the same
// requests get the same answers on every run, and a retry of a request is a
// new draw.
type RandomFaults struct {
	// Seed selects the pattern.
	Seed uint64
	// ServerErrors is the share of requests answered 500 with PostHog's
	// server_error body (0.05: 5%).
	ServerErrors float64
	// Throttles is the share answered 429 with PostHog's throttle body,
	// which names ThrottleWait.
	Throttles float64
	// ThrottleWait is the wait a 429 asks for, in whole seconds (at least
	// one second).
	ThrottleWait time.Duration
	// MaxLatency delays every request by a random duration in
	// [0, MaxLatency), on top of WithLatency.
	MaxLatency time.Duration
}

// WithRandomFaults makes the Server fail and delay requests at random, as
// rf says. Faults injected with Inject take precedence.
func WithRandomFaults(rf RandomFaults) Option {
	return func(s *Server) { s.random = &randomFaults{cfg: rf, seen: map[uint64]uint64{}} }
}

// randomFaults draws the random faults of one Server.
type randomFaults struct {
	cfg  RandomFaults
	mu   sync.Mutex
	seen map[uint64]uint64 // URL hash → requests drawn for it
}

// draw returns the extra latency and the fault, if any, of request r. A nil
// receiver draws nothing.
func (rf *randomFaults) draw(r *http.Request) (latency time.Duration, f Fault, faulty bool) {
	if rf == nil {
		return 0, Fault{}, false
	}
	h := fnv.New64a()
	for _, s := range []string{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization")} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	url := h.Sum64()
	rf.mu.Lock()
	n := rf.seen[url]
	rf.seen[url]++
	rf.mu.Unlock()

	rng := rand.New(rand.NewPCG(rf.cfg.Seed^url, n))
	if rf.cfg.MaxLatency > 0 {
		latency = time.Duration(rng.Int64N(int64(rf.cfg.MaxLatency)))
	}
	switch u := rng.Float64(); {
	case u < rf.cfg.ServerErrors:
		return latency, Fault{Kind: Fault500}, true
	case u < rf.cfg.ServerErrors+rf.cfg.Throttles:
		secs := max(int((rf.cfg.ThrottleWait+time.Second-1)/time.Second), 1)
		return latency, Fault{Kind: Fault429, Seconds: secs}, true
	}
	return latency, Fault{}, false
}
