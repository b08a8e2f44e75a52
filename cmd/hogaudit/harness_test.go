package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// refNow is the fixed clock of the CLI tests: the simulated organization's
// times, the simulator's clock and the runs' "now" agree, so results do not
// depend on the date.
var refNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// harness runs hogaudit in-process against a simulated organization.
type harness struct {
	t    *testing.T
	sim  *posthogsim.Server
	org  *posthogsim.Org
	url  string
	dir  string
	vars map[string]string
	// clock is the runs' and the simulator's "now" (UnixNano), refNow
	// unless a test moves it with setNow.
	clock atomic.Int64
}

// now is the harness clock.
func (h *harness) now() time.Time { return time.Unix(0, h.clock.Load()).UTC() }

// setNow moves the clock of later runs and of the simulator.
func (h *harness) setNow(t time.Time) { h.clock.Store(t.UnixNano()) }

// newHarness serves Acme, changed by mutate, on loopback and prepares the
// environment a user would have: the host, the scanning key, the audit keys
// and a copy of the example matrix in the working directory.
func newHarness(t *testing.T, mutate func(*posthogsim.Org), opts ...posthogsim.Option) *harness {
	t.Helper()
	return newWrappedHarness(t, mutate, nil, opts...)
}

// newWrappedHarness is newHarness with wrap, if not nil, between the
// listener and the simulator.
func newWrappedHarness(t *testing.T, mutate func(*posthogsim.Org), wrap func(http.Handler) http.Handler, opts ...posthogsim.Option) *harness {
	t.Helper()
	org := posthogsim.Acme(refNow)
	if mutate != nil {
		mutate(org)
	}
	h := &harness{t: t, org: org, dir: t.TempDir()}
	// The working directory is a checkout's top level, as in a workflow:
	// SARIF locates the matrix relative to it.
	if err := os.Mkdir(filepath.Join(h.dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.setNow(refNow)
	// PostHog's clock is the collector's: it stamps the keys' last_used_at.
	sim := posthogsim.New(org, append([]posthogsim.Option{posthogsim.WithClock(h.now)}, opts...)...)
	var handler http.Handler = sim
	if wrap != nil {
		handler = wrap(sim)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	h.sim, h.url = sim, srv.URL
	h.vars = map[string]string{
		"POSTHOG_HOST":             srv.URL,
		"POSTHOG_PERSONAL_API_KEY": posthogsim.AcmeScannerToken,
	}
	for name, tok := range posthogsim.AcmeAuditKeys {
		h.vars[name] = tok
	}
	h.writeMatrix(string(examples.Matrix))
	return h
}

// writeMatrix replaces the working directory's access-matrix.yaml.
func (h *harness) writeMatrix(content string) string {
	h.t.Helper()
	path := h.path("access-matrix.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return path
}

func (h *harness) path(name string) string { return filepath.Join(h.dir, name) }

// result is one run's outcome.
type result struct {
	code           int
	stdout, stderr string
}

// run runs hogaudit with args; relative paths resolve in the harness
// directory.
func (h *harness) run(args ...string) result {
	h.t.Helper()
	return h.runEnv(nil, args...)
}

// runEnv is run with the variables of vars over the harness's ("" unsets
// one), for this run only.
func (h *harness) runEnv(vars map[string]string, args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, h.env(&out, &errb, vars))
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// env is the env of one run: the harness's variables — and none of the
// process's: runs are hermetic and go on side by side — with vars over
// them ("" unsets one), the harness directory as the working directory,
// and the harness clock.
func (h *harness) env(stdout, stderr io.Writer, vars map[string]string) *env {
	e := &env{stdout: stdout, stderr: stderr, now: h.now, wd: h.dir, newEngine: sharedEngine}
	e.lookupEnv = lookupIn(h.vars, vars)
	return e
}

// sharedEngines holds, by --disable list, the engines of the runs without
// custom rules: compiling the rules is most of a scan's work, and an
// Engine serves many checks at once. Runs with --policy-dir build their
// own, as the binary does; TestSharedEngineChangesNoFinding holds the two
// equal.
var sharedEngines sync.Map // string → func() (*policies.Engine, error)

// sharedEngine is env.newEngine for harness runs.
func sharedEngine(ctx context.Context, o policies.Options) (*policies.Engine, error) {
	if len(o.PolicyDirs) > 0 {
		return policies.New(ctx, o)
	}
	key := strings.Join(o.Disable, "\x00")
	build, _ := sharedEngines.LoadOrStore(key, sync.OnceValues(func() (*policies.Engine, error) {
		// Not the run's context: a cancelled run must not leave a
		// cancelled build behind for the others.
		return policies.New(context.Background(), o)
	}))
	return build.(func() (*policies.Engine, error))()
}

// lookupIn is an environment made of layers, later ones winning; a
// variable whose value is "" is not set.
func lookupIn(layers ...map[string]string) func(string) (string, bool) {
	vars := map[string]string{}
	for _, l := range layers {
		maps.Copy(vars, l)
	}
	return func(name string) (string, bool) {
		v := vars[name]
		return v, v != ""
	}
}

// scanArgs are the flags of a scan with every audit key.
func scanArgs(extra ...string) []string {
	args := []string{"scan", "--audit-key-env", "ACME_BI_KEY", "--audit-key-env", "ACME_FLAG_KEY", "--audit-key-env", "ACME_LEGACY_KEY"}
	return append(args, extra...)
}

// jsonReport is the part of the JSON report the tests read.
type jsonReport struct {
	Snapshot struct {
		Complete bool `json:"complete"`
		Missing  []struct {
			Section string `json:"section"`
			Scope   string `json:"scope"`
		} `json:"missing"`
	} `json:"snapshot"`
	Summary struct {
		Total      int            `json:"total"`
		BySeverity map[string]int `json:"by_severity"`
		Failing    int            `json:"failing"`
	} `json:"summary"`
	Findings     []jsonFinding `json:"findings"`
	NotEvaluated []struct {
		Rule     string   `json:"rule"`
		Sections []string `json:"sections"`
		Scopes   []string `json:"scopes"`
	} `json:"not_evaluated"`
	ExpiringExceptions []struct {
		Rule     string `json:"rule"`
		Subject  string `json:"subject"`
		DaysLeft int    `json:"days_left"`
	} `json:"exceptions_expiring"`
}

type jsonFinding struct {
	Rule        string         `json:"rule"`
	Name        string         `json:"name"`
	Severity    string         `json:"severity"`
	Message     string         `json:"message"`
	Subject     string         `json:"subject"`
	Project     string         `json:"project"`
	Evidence    map[string]any `json:"evidence"`
	Remediation string         `json:"remediation"`
	Suppressed  *struct {
		Reason string `json:"reason"`
	} `json:"suppressed"`
	Advisory bool `json:"advisory"`
	Line     int  `json:"line"`
}

func decodeReport(t *testing.T, b []byte) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("decode JSON report: %v\n%s", err, b)
	}
	return r
}

// scanJSON scans the harness organization and returns the JSON report.
func (h *harness) scanJSON(extra ...string) (jsonReport, result) {
	h.t.Helper()
	res := h.run(scanArgs(append([]string{"--format", "json"}, extra...)...)...)
	if res.code == 2 && !strings.Contains(res.stdout, "\"findings\"") {
		h.t.Fatalf("scan failed (exit %d):\n%s", res.code, res.stderr)
	}
	return decodeReport(h.t, []byte(res.stdout)), res
}

// has reports whether a finding of rule for subject (and project, when not
// "*") is present.
func (r jsonReport) has(rule, subject, project string) bool {
	for _, f := range r.Findings {
		if f.Rule == rule && f.Subject == subject && (project == "*" || f.Project == project) {
			return true
		}
	}
	return false
}

func (r jsonReport) byRule(rule string) []jsonFinding {
	var out []jsonFinding
	for _, f := range r.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}
