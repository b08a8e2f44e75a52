package posthog_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// now is the fixed time the fixtures are built around in loopback tests.
var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// loopback serves sim on a real loopback HTTP server and returns a client
// for token.
func loopback(t *testing.T, sim http.Handler, token string, opts ...posthog.Option) *posthog.Client {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := posthog.New(srv.URL, token, append([]posthog.Option{posthog.WithHTTPClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

// inMemory serves sim in memory and returns a client for token. Call it
// inside a synctest bubble; the server is shut down by t.Cleanup.
func inMemory(t *testing.T, sim *posthogsim.Server, token string, opts ...posthog.Option) *posthog.Client {
	t.Helper()
	hc, base, closeFn := sim.InMemory()
	t.Cleanup(closeFn)
	c, err := posthog.New(base, token, append([]posthog.Option{posthog.WithHTTPClient(hc)}, opts...)...)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

// events records a client's events.
type events struct {
	mu  sync.Mutex
	all []posthog.Event
}

func (e *events) observe(ev posthog.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) kinds(k posthog.EventKind) []posthog.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []posthog.Event
	for _, ev := range e.all {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

// assertNoSecret fails if s contains any secret of the fixture.
func assertNoSecret(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%q leaks a secret", s)
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
