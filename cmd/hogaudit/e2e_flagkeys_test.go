package main

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hogaudit/hogaudit/internal/redact"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Item 6 of issue 8: a key pasted where a flag value belongs is masked in
// every message and refused before any network use (no DNS lookup), and
// --api-key-file warns when others may read the file.

// countDNS makes the Go resolver count its attempts to reach a DNS server,
// failing each, for the rest of the test. It changes the process's
// net.DefaultResolver: a test that calls it must not be parallel (serial
// tests run before the parallel ones start).
func countDNS(t *testing.T) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	old := net.DefaultResolver
	net.DefaultResolver = &net.Resolver{
		PreferGo: true,
		Dial: func(context.Context, string, string) (net.Conn, error) {
			n.Add(1)
			return nil, errors.New("no DNS in tests")
		},
	}
	t.Cleanup(func() { net.DefaultResolver = old })
	return &n
}

// A key-shaped value nobody holds: the refusal must not depend on knowing it.
var (
	pastedPersonal = "phx_" + strings.Repeat("Zq9", 14)
	pastedSecret   = "phs_" + strings.Repeat("Wx7", 14)
	// legacyKey is a key from before PostHog's phx_ prefix: only its value
	// gives it away.
	legacyKey = strings.Repeat("aB3dE", 9)
)

// Not parallel, nor its subtests: countDNS swaps the process's resolver.
func TestKeysAsFlagValuesAreRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		args  []string
		vars  map[string]string
		key   string
		where string
	}{
		{"host", scanArgs("--host", pastedPersonal), nil, pastedPersonal, "--host"},
		{"host=", scanArgs("--host=" + pastedPersonal), nil, pastedPersonal, "--host"},
		{"host in a URL", scanArgs("--host", "https://"+pastedPersonal+".example"), nil, pastedPersonal, "--host"},
		{"audit-key-env", []string{"scan", "--audit-key-env", pastedPersonal}, nil, pastedPersonal, "--audit-key-env"},
		{"api-key-file", []string{"snapshot", "--api-key-file", pastedPersonal}, nil, pastedPersonal, "--api-key-file"},
		{"project secret as org", []string{"snapshot", "--org", pastedSecret}, nil, pastedSecret, "--org"},
		{"matrix", scanArgs("--matrix", pastedSecret), nil, pastedSecret, "--matrix"},
		{"positional", []string{"explain", pastedPersonal}, nil, pastedPersonal, "an argument"},
		{"the scanning key's own value", []string{"snapshot", "--org", legacyKey},
			map[string]string{"POSTHOG_PERSONAL_API_KEY": legacyKey}, legacyKey, "--org"},
		{"from the environment", scanArgs(), map[string]string{"POSTHOG_HOST": pastedPersonal}, pastedPersonal, "--host (from $POSTHOG_HOST)"},
		{"org from the environment", []string{"snapshot"}, map[string]string{"POSTHOG_ORG_ID": pastedSecret}, pastedSecret, "--org (from $POSTHOG_ORG_ID)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dns := countDNS(t)
			h := newHarness(t, nil)
			for k, v := range c.vars {
				h.vars[k] = v
			}
			res := h.run(c.args...)
			if res.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", res.code, res.stderr)
			}
			for _, out := range []string{res.stdout, res.stderr} {
				if strings.Contains(out, c.key) {
					t.Errorf("the key is shown:\n%s", out)
				}
			}
			want := "hogaudit: " + c.where + " " + redact.Mask(c.key) + ": refusing a value that looks like an API key"
			if !strings.Contains(res.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
			}
			if !strings.Contains(res.stderr, "hint: that looks like an API key; put it in an environment variable") {
				t.Errorf("no hint:\n%s", res.stderr)
			}
			if n := dns.Load(); n != 0 {
				t.Errorf("%d DNS attempts", n)
			}
			if n := h.sim.Stats().Requests; n != 0 {
				t.Errorf("the server saw %d requests", n)
			}
		})
	}
}

// Not parallel: countDNS swaps the process's resolver.
func TestFlagValuesNearKeysAreUsed(t *testing.T) {
	dns := countDNS(t)
	h := newHarness(t, nil)
	// A host that is not a key is looked up (the resolver hook sees it: the
	// refusal above is not an artefact of the hook).
	res := h.run(scanArgs("--host", "hogaudit-test.example")...)
	if res.code != 2 || strings.Contains(res.stderr, "looks like an API key") || !strings.Contains(res.stderr, "cannot reach") {
		t.Errorf("host: exit %d:\n%s", res.code, res.stderr)
	}
	if dns.Load() == 0 {
		t.Error("no DNS attempt for a real host name")
	}
	// A file named after the prefix, and a short phx_ word, are not keys.
	for _, args := range [][]string{
		scanArgs("--matrix", "phx_matrix_production.yaml"),
		scanArgs("--matrix", "phx_"+strings.Repeat("a", 29)),
	} {
		res = h.run(args...)
		if res.code != 2 || strings.Contains(res.stderr, "looks like an API key") || !strings.Contains(res.stderr, args[len(args)-1]) {
			t.Errorf("%v: exit %d:\n%s", args, res.code, res.stderr)
		}
	}
	// The scanning key's value is looked for only when it is long enough.
	h.vars["POSTHOG_PERSONAL_API_KEY"] = "short-key"
	res = h.run("snapshot", "--org", "short-key-org", "-o", "snap.json")
	if strings.Contains(res.stderr, "looks like an API key") {
		t.Errorf("a short key matched:\n%s", res.stderr)
	}
}

func TestAPIKeyFileMode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode os.FileMode
		warn bool
	}{
		{0o644, true},
		{0o640, true},
		{0o604, true},
		{0o600, false},
		{0o400, false},
	} {
		h := newHarness(t, nil)
		h.vars["POSTHOG_PERSONAL_API_KEY"] = ""
		path := h.path("key.txt")
		if err := os.WriteFile(path, []byte(posthogsim.AcmeScannerToken+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, c.mode); err != nil {
			t.Fatal(err)
		}
		res := h.run(scanArgs("--api-key-file", "key.txt", "--format", "json")...)
		if res.code != 1 {
			t.Fatalf("mode %04o: exit %d:\n%s", c.mode, res.code, res.stderr)
		}
		warned := strings.Contains(res.stderr, "hogaudit: warning: --api-key-file key.txt is accessible to users other than its owner")
		if warned != c.warn {
			t.Errorf("mode %04o: warned %v, want %v:\n%s", c.mode, warned, c.warn, res.stderr)
		}
		if c.warn && !strings.Contains(res.stderr, "hint: restrict it: chmod 600 key.txt") {
			t.Errorf("mode %04o: no chmod hint:\n%s", c.mode, res.stderr)
		}
		os.Remove(path) // the one file that holds the key
		assertNoKeys(t, res, h.dir)
	}
}
