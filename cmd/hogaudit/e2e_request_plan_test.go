package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// End-to-end tests of the request plan (issue 13, item 4): the plan line a
// scan prints, the --timeout derived from it and the records and warning a
// derived deadline writes, through the real command against the simulated
// organization.

// runWith is h.run with tweak applied to the run's env (its test seams).
func (h *harness) runWith(tweak func(*env), args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	e := h.env(&out, &errb, nil)
	tweak(e)
	code := run(context.Background(), args, e)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

var planLineRE = regexp.MustCompile(`(?m)^hogaudit: plan: ~([0-9,]+) requests, (?:~[0-9.]+ (?:s|min|h)|under a second) at ([0-9,]+)/min$`)

// planLines returns the request counts of stderr's plan lines.
func planLines(t *testing.T, stderr string) []int {
	t.Helper()
	var ns []int
	for _, m := range planLineRE.FindAllStringSubmatch(stderr, -1) {
		n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		if err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	return ns
}

// TestPlanLineEndToEnd: a scan prints exactly one plan line, at the
// default rate, whose request count is what the simulator served — the
// plan's Remaining is a lower bound (a per-project activity log counts one
// page), so never more, and on Acme, whose organization-wide activity log
// is read, no fewer; -q prints none (near miss), and an explicit --timeout
// changes nothing of the plan line.
func TestPlanLineEndToEnd(t *testing.T) {
	t.Parallel()
	for _, extra := range [][]string{nil, {"--timeout", "5m"}, {"--concurrency", "1"}} {
		h := newHarness(t, nil)
		res := h.run(scanArgs(append([]string{"-o", "report.json"}, extra...)...)...)
		if res.code != 1 {
			t.Fatalf("exit %d, want 1 (the demo's findings)\n%s", res.code, res.stderr)
		}
		ns := planLines(t, res.stderr)
		if len(ns) != 1 {
			t.Fatalf("%d plan lines, want one:\n%s", len(ns), res.stderr)
		}
		if m := planLineRE.FindStringSubmatch(res.stderr); m[2] != strconv.Itoa(snapshot.DefaultRate) {
			t.Errorf("the plan line names %s/min, want the default --rate %d", m[2], snapshot.DefaultRate)
		}
		// One request at a time, the plan is exact; with requests in
		// flight while it is made, one finishing at that moment may be
		// counted in both Sent and Remaining (snapshot.Plan), so the plan
		// is within the concurrency of what was served.
		slack := snapshot.DefaultConcurrency
		if slices.Contains(extra, "--concurrency") {
			slack = 0
		}
		if served := h.sim.Stats().Requests; ns[0] < served-slack || ns[0] > served+slack {
			t.Errorf("%v: the plan says ~%d requests; the simulator served %d (allowed: ±%d)", extra, ns[0], served, slack)
		}
		if strings.Contains(res.stderr, "did not finish") {
			t.Errorf("a complete run warned of its deadline:\n%s", res.stderr)
		}
	}
	h := newHarness(t, nil)
	res := h.run(scanArgs("-q", "-o", "report.json")...)
	if res.code != 1 || strings.Contains(res.stderr, "plan:") {
		t.Errorf("-q: exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

// slowProjects delays every per-project request by d: the organization-wide
// listings (and the plan) come first, the per-project requests are still
// in flight after it.
func slowProjects(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/api/projects/") {
				time.Sleep(d)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// projectReasons returns the reasons of s's per-project Missing records
// (those of every project fold into one, its endpoint naming
// {project_id}).
func projectReasons(s *snapshot.Snapshot) []string {
	var rs []string
	for _, m := range s.Missing {
		if strings.HasPrefix(m.Endpoint, "/api/projects/") {
			rs = append(rs, m.Reason)
		}
	}
	return rs
}

// TestDerivedDeadlineEndToEnd: without --timeout the deadline comes from
// the plan; one that is short (a test seam's, 1 ms from the start) cuts
// off the per-project requests still in flight, records them missing
// naming the derived deadline, and the warning names it too. Near misses:
// the same run with an explicit --timeout of the same order names that
// flag (today's behaviour), and one with the real derivation completes.
func TestDerivedDeadlineEndToEnd(t *testing.T) {
	t.Parallel()
	tiny := func(e *env) {
		e.timeoutFor = func(elapsed, eta time.Duration) time.Duration { return time.Millisecond }
	}
	cases := []struct {
		name    string
		tweak   func(*env)
		args    []string
		reason  string // every per-project record's; "" none
		warning string
	}{
		{"a short derived deadline", tiny, nil,
			"not collected: the collection's derived --timeout of 1ms (from its request plan) passed first",
			"hogaudit: warning: the collection did not finish within the derived --timeout of 1ms"},
		{"a short planning deadline", func(e *env) { e.planningTimeout = 150 * time.Millisecond }, nil,
			"not collected: the collection's --timeout of 150ms before its request plan was known passed first",
			"hogaudit: warning: the collection did not finish within the --timeout of 150ms before the request plan was known"},
		{"near miss: an explicit --timeout", tiny, []string{"--timeout", "150ms"},
			"not collected: the collection's --timeout of 150ms passed first",
			"hogaudit: warning: the collection did not finish within --timeout 150ms"},
		{"near miss: the derived deadline", func(*env) {}, nil, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wrap := slowProjects(400 * time.Millisecond)
			if strings.Contains(c.name, "planning") {
				// The listings themselves outlast the planning deadline.
				wrap = func(next http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if strings.HasSuffix(r.URL.Path, "/projects/") {
							time.Sleep(400 * time.Millisecond)
						}
						next.ServeHTTP(w, r)
					})
				}
			}
			h := newWrappedHarness(t, nil, wrap)
			res := h.runWith(c.tweak, append([]string{"snapshot", "-o", "snap.json"}, c.args...)...)
			s, err := snapshot.Load(h.path("snap.json"))
			if err != nil {
				t.Fatalf("exit %d: %v\n%s", res.code, err, res.stderr)
			}
			reasons := projectReasons(s)
			if c.reason == "" {
				if res.code != 0 || !s.Complete() || strings.Contains(res.stderr, "did not finish") {
					t.Errorf("exit %d, complete %v, stderr:\n%s", res.code, s.Complete(), res.stderr)
				}
				return
			}
			if res.code != 2 || len(reasons) == 0 {
				t.Fatalf("exit %d, %d per-project records, want 2 and the requests cut off\n%s", res.code, len(reasons), res.stderr)
			}
			// Every per-project record names the deadline (past the
			// planning one, through the project list it cut off).
			for _, r := range reasons {
				if r != c.reason && r != "not collected: the project list could not be read ("+c.reason+")" {
					t.Errorf("record reason %q, want %q", r, c.reason)
				}
			}
			if !strings.Contains(res.stderr, c.warning) || !strings.Contains(res.stderr, "hogaudit: hint: raise --timeout") {
				t.Errorf("stderr lacks %q and its hint:\n%s", c.warning, res.stderr)
			}
		})
	}
}

var progressRE = regexp.MustCompile(`collecting from \S+: ([0-9,]+)/([0-9,]+) requests`)

// TestProgressNeverShowsDoneOverTotal: on a terminal the progress line's
// done/total never shows more done than the total, even when retries (a
// 500 retried at once on per-project requests) add requests the plan did not count.
func TestProgressNeverShowsDoneOverTotal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.sim.Inject(posthogsim.Fault{Path: "/users_with_access/", Kind: posthogsim.Fault500, Times: 2, RetryAfter: "0"})
	h.sim.Inject(posthogsim.Fault{Path: "/access_controls/", Kind: posthogsim.Fault500, Times: 2, RetryAfter: "0"})
	res := h.runWith(func(e *env) { e.errTTY = true }, "snapshot", "-o", "snap.json")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	lines := progressRE.FindAllStringSubmatch(res.stderr, -1)
	shownTotal := false
	for _, m := range lines {
		done, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		total, _ := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
		if done > total {
			t.Errorf("progress shows %d/%d", done, total)
		}
		shownTotal = true
	}
	if !shownTotal {
		t.Fatalf("no done/total on the terminal line:\n%q", res.stderr)
	}
	if !strings.Contains(res.stderr, "retries") {
		t.Errorf("the retries do not show:\n%q", res.stderr)
	}
}
