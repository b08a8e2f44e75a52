package main

import (
	"os"
	"strings"
	"testing"
)

// --host is checked before the --rate rules that depend on it: a host
// refused for its credentials or its scheme says so (never echoing the
// password, never blaming PostHog Cloud), and the --rate messages name
// only the normalized host.
func TestHostCheckedBeforeRate(t *testing.T) {
	h := newHarness(t, nil)
	for _, c := range []struct {
		host, rate string
		want       string
	}{
		{"https://admin:hunter2@posthog.internal.example", "0", "hogaudit: --host: invalid posthog host: the url contains credentials"},
		{"https://admin:hunter2@posthog.internal.example", "1000", "the url contains credentials"},
		{"https://admin:hunter2@posthog.internal.example:99x", "0", "may contain credentials"},
		{"ftp://posthog.internal.example", "0", `unsupported scheme "ftp"`},
		{"http://posthog.internal.example", "0", "refusing plain http"},
	} {
		res := h.run("snapshot", "-o", h.path("x.json"), "--host", c.host, "--rate", c.rate)
		if res.code != 2 || !strings.Contains(res.stderr, c.want) {
			t.Errorf("--host %s --rate %s: exit %d, want 2 and %q:\n%s", c.host, c.rate, res.code, c.want, res.stderr)
		}
		if strings.Contains(res.stderr, "hunter2") || strings.Contains(strings.ToLower(res.stderr), "cloud") {
			t.Errorf("--host %s --rate %s: stderr echoes the password or blames cloud:\n%s", c.host, c.rate, res.stderr)
		}
	}
	// Near misses: a Cloud host (however spelled) is refused as Cloud,
	// named as normalized; a self-hosted one is warned about by its
	// normalized name.
	for _, host := range []string{"https://US.posthog.com/api/", "https://us.posthog\u3002com", "us\uff0eposthog\uff0ecom"} {
		res := h.run("snapshot", "--host", host, "--rate", "0")
		if res.code != 2 || !strings.Contains(res.stderr, "--rate 0 must be at least 1 on posthog cloud") {
			t.Errorf("--host %q --rate 0: exit %d, want the cloud refusal:\n%s", host, res.code, res.stderr)
		}
	}
	if res := h.run("snapshot", "--host", "https://US.posthog.com/api/", "--rate", "0"); !strings.Contains(res.stderr, "(https://us.posthog.com)") {
		t.Errorf("the refusal does not name the normalized host:\n%s", res.stderr)
	}
	res := h.run("snapshot", "-o", h.path("y.json"), "--host", " "+h.url+"/api/ ", "--rate", "1000")
	if res.code != 0 || !strings.Contains(res.stderr, "allowed because "+h.url+" is not posthog cloud") {
		t.Errorf("--rate 1000 on %s/api/: exit %d:\n%s", h.url, res.code, res.stderr)
	}
}

// The report of a scan refused for its --host names no password.
func TestFailedScanReportHidesHostPassword(t *testing.T) {
	h := newHarness(t, nil)
	res := h.run(scanArgs("--host", "https://admin:hunter2@posthog.internal.example", "--json", "r.json")...)
	b, err := os.ReadFile(h.path("r.json"))
	if res.code != 2 || err != nil {
		t.Fatalf("exit %d, %v:\n%s", res.code, err, res.stderr)
	}
	if strings.Contains(string(b), "hunter2") || strings.Contains(res.stderr, "hunter2") {
		t.Errorf("the failed run's report or stderr holds the password:\n%s\n%s", b, res.stderr)
	}
	// Near miss: a valid host is named, normalized.
	res = h.run(scanArgs("--host", "https://PostHog.internal.example/api/", "--rate", "0", "--api-key-file", "nonexistent", "--json", "s.json")...)
	if b, err := os.ReadFile(h.path("s.json")); res.code != 2 || err != nil || !strings.Contains(string(b), `"https://posthog.internal.example"`) {
		t.Errorf("exit %d, %v: the report does not name the normalized host:\n%s\n%s", res.code, err, b, res.stderr)
	}
}
