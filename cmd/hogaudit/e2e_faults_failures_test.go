package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The fault-injection suite of issue 8, item 5: each failure against the
// simulated PostHog over loopback ends in a correct report (a transient
// fault) or exit 2 naming the endpoint and the true cause, never exit 0 or
// 1 with complete evidence, never past its bound, never with a secret in
// any output, and never sending the key to another host.

// otherTarget in a Fault's Target stands for the second listener's URL.
const otherTarget = "other-host"

// secondListener is another host on loopback that fails the test if it
// ever receives a request: following a redirect or a next link to it would
// have sent the key there.
func secondListener(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		t.Errorf("the second listener got %s %s, Authorization present: %v", r.Method, r.URL.Path, r.Header.Get("Authorization") != "")
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &hits
}

// failureMissing is a Missing record of the JSON report.
type failureMissing struct {
	Section   string `json:"section"`
	ProjectID *int64 `json:"project_id"`
	Endpoint  string `json:"endpoint"`
	Status    int    `json:"status"`
	Scope     string `json:"scope"`
	Reason    string `json:"reason"`
}

type failureReport struct {
	Snapshot struct {
		Complete bool             `json:"complete"`
		Missing  []failureMissing `json:"missing"`
	} `json:"snapshot"`
	Findings []jsonFinding `json:"findings"`
}

// findingSet is the findings of a report, as comparable lines.
func findingSet(fs []jsonFinding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Rule+" "+f.Severity+" "+f.Subject+" "+f.Project)
	}
	sort.Strings(out)
	return out
}

// faultRun is the outcome of one run of the suite.
type faultRun struct {
	h    *harness
	res  result
	took time.Duration
	// collected is when the last request to the simulated PostHog ended
	// (a stalled one ends when the client gives up on it), from the run's
	// start: the collection's length.
	collected time.Duration
	hits      *atomic.Int64
}

// failureRun runs hogaudit with args against Acme with faults, with token
// as the scanning key when not empty.
func failureRun(t *testing.T, faults []posthogsim.Fault, token string, args ...string) faultRun {
	t.Helper()
	other, hits := secondListener(t)
	h := newHarness(t, nil)
	for _, f := range faults {
		if f.Target == otherTarget {
			f.Target = other
		}
		h.sim.Inject(f)
	}
	var lastDone atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.sim.ServeHTTP(w, r)
		lastDone.Store(time.Now().UnixNano())
	}))
	t.Cleanup(srv.Close)
	h.vars["POSTHOG_HOST"] = srv.URL
	if token != "" {
		h.vars["POSTHOG_PERSONAL_API_KEY"] = token
	}
	start := time.Now()
	res := h.run(args...)
	r := faultRun{h: h, res: res, took: time.Since(start), hits: hits}
	if n := lastDone.Load(); n != 0 {
		r.collected = time.Unix(0, n).Sub(start)
	}
	return r
}

// baseline is the findings and exit code of a clean scan of Acme.
func baseline(t *testing.T) ([]string, int) {
	t.Helper()
	h := newHarness(t, nil)
	res := h.run(scanArgs("--format", "json")...)
	var rep failureReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil || !rep.Snapshot.Complete {
		t.Fatalf("the clean scan: exit %d, %v:\n%s", res.code, err, res.stderr)
	}
	return findingSet(rep.Findings), res.code
}

// runBound bounds a whole run: the policy engine's compilation and the
// reports are slow under -race on a busy machine, yet far below what a hang
// would cost (a 60s request timeout, a 10m collection).
const runBound = 60 * time.Second

// slack is what a collection may take beyond the waits its flags allow.
const slack = 10 * time.Second

// check holds for every run of the suite: the collection ended within
// collectBound and the run within runBound, no request reached the second
// listener, no output holds a secret, nothing crashed.
func (r faultRun) check(t *testing.T, collectBound time.Duration, files ...string) {
	t.Helper()
	if r.collected > collectBound {
		t.Errorf("the collection took %v, more than its bound %v", r.collected, collectBound)
	}
	if r.took > runBound {
		t.Errorf("the run took %v, more than %v", r.took, runBound)
	}
	if n := r.hits.Load(); n != 0 {
		t.Errorf("the second listener got %d requests", n)
	}
	texts := map[string]string{"stdout": r.res.stdout, "stderr": r.res.stderr}
	for _, f := range files {
		texts[f] = readFile(t, r.h.path(f))
	}
	assertNoSecrets(t, r.h.org, texts)
	if strings.Contains(r.res.stderr, "panic") || strings.Contains(r.res.stderr, "goroutine ") {
		t.Errorf("stderr shows a crash:\n%s", r.res.stderr)
	}
}

func TestFaultsTransientEndInACorrectReport(t *testing.T) {
	t.Parallel()
	want, wantCode := baseline(t)
	for _, tt := range []struct {
		name  string
		fault posthogsim.Fault
	}{
		{"a 500 once", posthogsim.Fault{Path: "/members/", Kind: posthogsim.Fault500}},
		{"a proxy's HTML 502 once", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultHTML}},
		{"a 429 once", posthogsim.Fault{Path: "/members/", Kind: posthogsim.Fault429, Seconds: 1}},
		{"stalled headers once", posthogsim.Fault{Path: "/roles/", Kind: posthogsim.FaultStallHeaders}},
		{"a stalled body once", posthogsim.Fault{Path: "/projects/", Kind: posthogsim.FaultStallBody}},
		{"a truncated body once", posthogsim.Fault{Path: "/invites/", Kind: posthogsim.FaultTruncate}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := failureRun(t, []posthogsim.Fault{tt.fault}, "",
				scanArgs("--format", "json", "--request-timeout", "300ms", "--snapshot-out", "kept.json")...)
			r.check(t, slack, "kept.json")
			res := r.res
			var rep failureReport
			if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
				t.Fatalf("exit %d, no JSON report: %v\n%s", res.code, err, res.stderr)
			}
			if res.code != wantCode || !rep.Snapshot.Complete || len(rep.Snapshot.Missing) != 0 {
				t.Errorf("exit %d complete %v missing %+v; want the clean scan's exit %d on complete evidence\n%s",
					res.code, rep.Snapshot.Complete, rep.Snapshot.Missing, wantCode, res.stderr)
			}
			if got := findingSet(rep.Findings); !slices.Equal(got, want) {
				t.Errorf("findings differ from the clean scan's:\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestFaultsPersistentAreNamedInTheReport(t *testing.T) {
	t.Parallel()
	orgPath := "/api/organizations/" + posthogsim.AcmeOrgID + "/"
	staging := posthogsim.AcmeStagingID
	for _, tt := range []struct {
		name    string
		faults  []posthogsim.Fault
		args    []string
		section string
		project *int64
		// endpoint and status of the record; reason and stderr hold
		// substrings.
		endpoint string
		status   int
		reason   []string
		stderr   []string
		bound    time.Duration
	}{
		{
			name:     "a 429 storm asking for 24 hours",
			faults:   []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.Fault429, Seconds: 86400, Times: 1 << 20}},
			section:  snapshot.SectionMembers,
			endpoint: orgPath + "members/", status: 429,
			reason: []string{"throttled (HTTP 429)", "posthog asked to wait 24h0m0s", "2m0s"},
			bound:  slack,
		},
		{
			name:     "a 5xx storm",
			faults:   []posthogsim.Fault{{Path: "/invites/", Kind: posthogsim.Fault500, RetryAfter: "0", Times: 1 << 20}},
			section:  snapshot.SectionInvites,
			endpoint: orgPath + "invites/", status: 500,
			reason: []string{"server error (HTTP 500) after 5 attempts: a server error occurred"},
			bound:  slack,
		},
		{
			name:     "a proxy's HTML 502 storm",
			faults:   []posthogsim.Fault{{Path: "/domains/", Kind: posthogsim.FaultHTML, RetryAfter: "0", Times: 1 << 20}},
			section:  snapshot.SectionDomains,
			endpoint: orgPath + "domains/", status: 502,
			reason: []string{"not a PostHog response (HTTP 502, text/html) after 5 attempts"},
			bound:  slack,
		},
		{
			name:   "a body that stalls on every attempt",
			faults: []posthogsim.Fault{{Path: "/invites/", Kind: posthogsim.FaultStallBody, Times: 1 << 20}},
			// Attempts of 200ms, with waits of 1s, 2s, 4s times a random
			// factor in [0.8, 1.2): the fourth attempt ends between 6.4s
			// and 9s after the request starts, and the wait after it
			// (6.4s at least) would pass 11s, so the request gives up
			// then, naming its timeout, even when a loaded machine starts
			// it up to 2s late. With a shorter --timeout some draws of the
			// waits let the deadline cut an attempt short instead.
			args:     []string{"--request-timeout", "200ms", "--timeout", "11s"},
			section:  snapshot.SectionInvites,
			endpoint: orgPath + "invites/", status: 0,
			reason: []string{"no complete response within the request timeout of 200ms (--request-timeout)"},
			bound:  11*time.Second + slack,
		},
		{
			name:    "the collection's --timeout",
			faults:  []posthogsim.Fault{{Path: "/12346/access_controls/", Kind: posthogsim.FaultStallHeaders}},
			args:    []string{"--timeout", "3s"},
			section: snapshot.SectionAccessControls, project: &staging,
			endpoint: "/api/projects/12346/access_controls/", status: 0,
			reason: []string{"not collected: the collection's --timeout of 3s passed first"},
			stderr: []string{"warning: the collection did not finish within --timeout 3s: the sections that arrived are kept"},
			bound:  3*time.Second + slack,
		},
		{
			name:     "a redirect to another host",
			faults:   []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.FaultRedirect, Target: otherTarget}},
			section:  snapshot.SectionMembers,
			endpoint: orgPath + "members/", status: 0,
			reason: []string{"redirected: refusing to follow a link to another host"},
			bound:  slack,
		},
		{
			name:     "a next link to another host",
			faults:   []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.FaultForeignNext, Target: otherTarget}},
			section:  snapshot.SectionMembers,
			endpoint: orgPath + "members/", status: 0,
			reason: []string{"refusing to follow a link to another host"},
			bound:  slack,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := scanArgs(append([]string{"--format", "json", "--sarif", "r.sarif", "--snapshot-out", "kept.json"}, tt.args...)...)
			r := failureRun(t, tt.faults, "", args...)
			r.check(t, tt.bound, "r.sarif", "kept.json")
			h, res := r.h, r.res
			if res.code != 2 {
				t.Errorf("exit %d, want 2\n%s", res.code, res.stderr)
			}
			var rep failureReport
			if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
				t.Fatalf("no JSON report: %v\n%s", err, res.stderr)
			}
			if rep.Snapshot.Complete {
				t.Error("the report says the evidence is complete")
			}
			if !strings.Contains(readFile(t, h.path("r.sarif")), `"executionSuccessful": false`) {
				t.Error("the SARIF report does not say the check did not complete")
			}
			var got *failureMissing
			for i, m := range rep.Snapshot.Missing {
				if m.Section == tt.section && (tt.project == nil) == (m.ProjectID == nil) && (tt.project == nil || *m.ProjectID == *tt.project) {
					got = &rep.Snapshot.Missing[i]
				}
				if m.Scope != "" {
					t.Errorf("record %+v blames a scope", m)
				}
			}
			if got == nil {
				t.Fatalf("no %s record in %+v", tt.section, rep.Snapshot.Missing)
			}
			if got.Endpoint != tt.endpoint || got.Status != tt.status {
				t.Errorf("record %+v, want endpoint %s and status %d", *got, tt.endpoint, tt.status)
			}
			for _, part := range tt.reason {
				if !strings.Contains(got.Reason, part) {
					t.Errorf("reason %q does not say %q", got.Reason, part)
				}
			}
			for _, part := range append(tt.stderr, tt.section) {
				if !strings.Contains(res.stderr, part) {
					t.Errorf("stderr does not say %q:\n%s", part, res.stderr)
				}
			}
			if strings.Contains(res.stderr, "lacks the scope") {
				t.Errorf("stderr blames a scope:\n%s", res.stderr)
			}
			// The kept snapshot holds what arrived and loads as incomplete.
			s, err := snapshot.Load(h.path("kept.json"))
			if err != nil || s.Complete() || s.Organization == nil || s.Projects == nil {
				t.Errorf("kept snapshot: %v, want the sections that arrived and incomplete", err)
			}
		})
	}
}

func TestFaultsTimeoutWritesThePartialSnapshot(t *testing.T) {
	t.Parallel()
	r := failureRun(t, []posthogsim.Fault{{Path: "/12346/users_with_access/", Kind: posthogsim.FaultStallBody}}, "",
		"snapshot", "-o", "partial.json", "--timeout", "2s")
	r.check(t, 2*time.Second+slack, "partial.json")
	h, res := r.h, r.res
	if res.code != 2 {
		t.Errorf("exit %d, want 2\n%s", res.code, res.stderr)
	}
	s, err := snapshot.Load(h.path("partial.json"))
	if err != nil {
		t.Fatalf("the partial snapshot: %v\n%s", err, res.stderr)
	}
	if s.Complete() || len(s.Members) == 0 || len(s.Projects) != 2 {
		t.Errorf("complete %v, %d members, %d projects; want what arrived, incomplete", s.Complete(), len(s.Members), len(s.Projects))
	}
	var rec *snapshot.Missing
	for i, m := range s.Missing {
		if m.Section == snapshot.SectionUsersWithAccess && m.ProjectID != nil && *m.ProjectID == posthogsim.AcmeStagingID {
			rec = &s.Missing[i]
		}
	}
	if rec == nil || rec.Reason != "not collected: the collection's --timeout of 2s passed first" {
		t.Errorf("record = %+v, want the timeout named", rec)
	}
	for _, part := range []string{"wrote partial.json", "did not finish within --timeout 2s", "users_with_access"} {
		if !strings.Contains(res.stderr, part) {
			t.Errorf("stderr does not say %q:\n%s", part, res.stderr)
		}
	}
}

func TestFaultsThatStopTheRunNameTheirCause(t *testing.T) {
	t.Parallel()
	other := "0190a1b2-ffff-7000-8000-000000000000"
	for _, tt := range []struct {
		name   string
		faults []posthogsim.Fault
		token  string
		args   []string
		stderr []string
		not    []string
	}{
		{
			name:   "a host that is not PostHog",
			faults: []posthogsim.Fault{{Kind: posthogsim.FaultHTML, Status: 404, Times: 1 << 20}},
			stderr: []string{"does not answer like PostHog's API", "GET /api/users/@me/: not a PostHog response (HTTP 404, text/html)", "hint: check --host"},
		},
		{
			// A login portal in front of the host: its 401 page is not
			// PostHog rejecting the key.
			name:   "a 401 page everywhere",
			faults: []posthogsim.Fault{{Kind: posthogsim.FaultHTML, Status: 401, Times: 1 << 20}},
			stderr: []string{"does not answer like PostHog's API", "not a PostHog response (HTTP 401, text/html)", "hint: check --host"},
			not:    []string{"posthog rejected the scanning key"},
		},
		{
			name:   "a 404 page on @me",
			faults: []posthogsim.Fault{{Path: "/api/users/@me/", Kind: posthogsim.FaultHTML, Status: 404}},
			stderr: []string{"GET /api/users/@me/: not a PostHog response (HTTP 404, text/html)", "hint: check --host"},
		},
		{
			name:   "a redirect of @me to another host",
			faults: []posthogsim.Fault{{Path: "/api/users/@me/", Kind: posthogsim.FaultRedirect, Target: otherTarget}},
			stderr: []string{"GET /api/users/@me/", "redirected: refusing to follow a link to another host", "pass it as --host"},
		},
		{
			name: "a wrong --org",
			args: []string{"--org", other},
			stderr: []string{"organization " + other + " cannot be read with the scanning key", "403 permission_denied: API key does not have access to the requested organization",
				"the scanning key's user belongs to Acme Analytics (" + posthogsim.AcmeOrgID + "): pass one of these ids to --org"},
		},
		{
			name:  "a project-scoped key",
			token: posthogsim.AcmeLegacyKeyToken,
			stderr: []string{"the scanning key is limited to some projects", "403 permission_denied: API keys with scoped projects are only supported on project-based endpoints",
				"hint: create a scanning key whose organization & project access is the whole organization"},
			not: []string{"missing scope", "lacks the scope"},
		},
		{
			name:   "a 429 storm asking for 24 hours everywhere",
			faults: []posthogsim.Fault{{Kind: posthogsim.Fault429, Seconds: 86400, Times: 1 << 20}},
			stderr: []string{"cannot identify the organization", "GET /api/organizations/@current/: throttled (HTTP 429): posthog asked to wait 24h0m0s",
				"GET /api/users/@me/: throttled (HTTP 429)", "hint: posthog is throttling"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"scan", "--format", "json", "--sarif", "r.sarif"}
			if tt.token == "" {
				args = scanArgs("--format", "json", "--sarif", "r.sarif")
			}
			r := failureRun(t, tt.faults, tt.token, append(args, tt.args...)...)
			r.check(t, slack)
			res := r.res
			if res.code != 2 {
				t.Errorf("exit %d, want 2\n%s", res.code, res.stderr)
			}
			if strings.Contains(res.stdout, `"complete": true`) || strings.Contains(res.stdout, `"complete":true`) {
				t.Errorf("a report with complete evidence:\n%s", res.stdout)
			}
			for _, part := range tt.stderr {
				if !strings.Contains(res.stderr, part) {
					t.Errorf("stderr does not say %q:\n%s", part, res.stderr)
				}
			}
			for _, part := range append(tt.not, "decode") {
				if strings.Contains(res.stderr, part) {
					t.Errorf("stderr says %q:\n%s", part, res.stderr)
				}
			}
			if tt.token != "" && strings.Contains(res.stderr, tt.token) {
				t.Error("the scanning key was echoed")
			}
		})
	}
}

func TestFaultsRequestTimeoutFlag(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for _, v := range []string{"0s", "-1s"} {
		res := h.run(scanArgs("--request-timeout=" + v)...)
		if res.code != 2 || !strings.Contains(res.stderr, "--request-timeout "+v+" must be positive") {
			t.Errorf("--request-timeout %s: exit %d\n%s", v, res.code, res.stderr)
		}
	}
	if got := h.sim.Stats().Requests; got != 0 {
		t.Errorf("%d requests made before the flags were checked", got)
	}
	res := h.run("scan", "--help")
	if !strings.Contains(res.stdout, "--request-timeout=60s") {
		t.Errorf("scan --help does not show --request-timeout with its default:\n%s", res.stdout)
	}
}
