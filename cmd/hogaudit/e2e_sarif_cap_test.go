package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/internal/synthsnap"

	"github.com/hogaudit/hogaudit/internal/sarifcheck"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var largeOrg = flag.Bool("large-org", false, "check the SARIF cap on the 5,000-member, 300-project organization (make bench)")

// syntheticOrgSnapshot collects a synthetic organization of the given size
// from the simulator served in memory (no sockets, no rate limit) and
// writes it to dir/large.json.
func syntheticOrgSnapshot(t testing.TB, dir string, members, projects int) (*posthogsim.Org, string) {
	t.Helper()
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: members, Projects: projects, Seed: 10, Now: refNow})
	sim := posthogsim.New(org, posthogsim.WithPageSize(1000), posthogsim.WithClock(func() time.Time { return refNow }))
	hc, base, closeFn := sim.InMemory()
	defer closeFn()
	c, err := posthog.New(base, posthogsim.SyntheticScannerToken, posthog.WithHTTPClient(hc), posthog.WithBudget(posthog.NewBudget(8, 0)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete() {
		t.Fatalf("synthetic snapshot incomplete: %+v", s.Missing)
	}
	path := dir + "/large.json"
	if err := snapshot.Write(path, s); err != nil {
		t.Fatal(err)
	}
	return org, path
}

// strictLargeMatrix is a matrix the large organization breaks in many ways
// at once: 2FA and a foreign email domain for everyone (PH106, PH209), one
// owner and ten admins allowed (PH201, PH202), dormancy after 30 days
// (PH208), the admins' group allowed only member access (PH204 and, on the
// first tenth of the projects, protected, PH212, by org_admin), the teams
// allowed member access without insights (PH204, PH212, PH206), three
// teams left out (PH203) and the last ten projects left out (PH211).
func strictLargeMatrix(org *posthogsim.Org) string {
	var b strings.Builder
	b.WriteString("version: 1\norganization:\n  require_2fa: true\n  max_owners: 1\n  max_admins: 10\n  allowed_email_domains: [elsewhere.example]\n  dormant_after_days: 30\n")
	b.WriteString("projects:\n")
	listed := org.Projects[:len(org.Projects)-10]
	for i, p := range listed {
		fmt.Fprintf(&b, "  p%d:\n    id: %d\n", p.ID, p.ID)
		if i < len(org.Projects)/10 {
			b.WriteString("    protected: true\n")
		}
	}
	b.WriteString(synthsnap.LevelGroups(org))
	teams := len(org.Roles) - 3
	for i := range teams {
		fmt.Fprintf(&b, "  team_%02d:\n    role: %q\n", i+1, org.Roles[i].Name)
	}
	b.WriteString("access_matrix:\n  owners:\n")
	for _, p := range listed {
		fmt.Fprintf(&b, "    p%d: {role: admin}\n", p.ID)
	}
	b.WriteString("  org_admins:\n")
	for _, p := range listed {
		fmt.Fprintf(&b, "    p%d: {role: member}\n", p.ID)
	}
	for i := range teams {
		fmt.Fprintf(&b, "  team_%02d:\n", i+1)
		for _, p := range listed {
			fmt.Fprintf(&b, "    p%d: {role: member, can_create_insights: false}\n", p.ID)
		}
	}
	return b.String()
}

// sarifResults is the part of a SARIF log the cap tests read.
type sarifResults struct {
	Runs []struct {
		Results []struct {
			RuleID     string         `json:"ruleId"`
			Properties map[string]any `json:"properties"`
		} `json:"results"`
		Invocations []struct {
			Notifications []struct {
				Level      string         `json:"level"`
				Properties map[string]any `json:"properties"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
	} `json:"runs"`
}

func readSARIFResults(t *testing.T, path string) (sarifResults, []byte) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var log sarifResults
	if err := json.Unmarshal(raw, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs", len(log.Runs))
	}
	return log, raw
}

// TestSARIFCapLargeOrg is the acceptance at scale: an organization
// that breaks the matrix in many rules, about 230,000 times for 5,000
// members and 300 projects (-large-org, make bench: the default cap of
// 5,000; `make test` checks 600 members and 40 projects, some 4,000
// findings, with --max-results 1000, under the race detector), gives a
// SARIF log of at most the cap's results in which every
// rule with findings is present — those within their share with a result
// per finding — and which the multitool (Sarif;Gh, its size limit raised
// above the log's size) accepts without error.
func TestSARIFCapLargeOrg(t *testing.T) {
	t.Parallel()
	members, projects, limit := 600, 40, 1000
	args := []string{"check", "--fail-on", "none", "-f", "json", "-o", "out.json", "--sarif", "out.sarif", "--markdown", "out.md"}
	if *largeOrg {
		members, projects, limit = 5000, 300, 5000
	} else if testing.Short() {
		t.Skip("collects and checks a synthetic organization")
	}
	h := &harness{t: t, dir: t.TempDir(), vars: map[string]string{}}
	h.setNow(refNow)
	// A checkout, as the workflow's: SARIF locates the matrix in it.
	if err := os.Mkdir(h.path(".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	org, snap := syntheticOrgSnapshot(t, h.dir, members, projects)
	t.Logf("collected %d members and %d projects in %v", members, projects, time.Since(start).Round(time.Millisecond))
	h.writeMatrix(strictLargeMatrix(org))
	start = time.Now()
	args = append(args, "--snapshot", snap)
	if limit != 5000 {
		args = append(args, "--max-results", fmt.Sprint(limit))
	}
	res := h.run(args...)
	t.Logf("checked in %v", time.Since(start).Round(time.Millisecond))
	if res.code != 0 {
		t.Fatalf("exit %d, want 0 (complete evidence, --fail-on none)\n%s", res.code, res.stderr)
	}
	data, err := os.ReadFile(h.path("out.json"))
	if err != nil {
		t.Fatal(err)
	}
	rep := decodeReport(t, data)
	findings := map[string]int{}
	for _, f := range rep.Findings {
		if f.Suppressed == nil {
			findings[f.Rule]++
		}
	}
	if len(findings) < 8 || len(rep.Findings) <= 2*limit {
		t.Fatalf("%d findings in %d rules (%v): the organization should break the matrix more, in more rules", len(rep.Findings), len(findings), findings)
	}
	t.Logf("%d findings by rule: %v", len(rep.Findings), findings)

	log, raw := readSARIFResults(t, h.path("out.sarif"))
	results, named := map[string]int{}, map[string]int{}
	for _, r := range log.Runs[0].Results {
		results[r.RuleID]++
		if n, ok := r.Properties["count"].(float64); ok {
			named[r.RuleID] += int(n)
		} else {
			named[r.RuleID]++
		}
	}
	if n := len(log.Runs[0].Results); n > limit {
		t.Errorf("%d results, over the cap of %d", n, limit)
	}
	capped := map[string]bool{}
	for _, n := range log.Runs[0].Invocations[0].Notifications {
		if rule, ok := n.Properties["rule"].(string); ok && n.Level == "warning" {
			capped[rule] = true
			if !strings.Contains(res.stderr, "hogaudit: warning: sarif: "+rule+": ") {
				t.Errorf("stderr does not name the cut of %s:\n%s", rule, res.stderr)
			}
		}
	}
	for rule, n := range findings {
		switch {
		case results[rule] == 0:
			t.Errorf("%s: %d findings, no SARIF result", rule, n)
		case !capped[rule] && (results[rule] != n || named[rule] != n):
			t.Errorf("%s: %d findings, %d results naming %d, and no notification of a cut", rule, n, results[rule], named[rule])
		}
	}
	if len(capped) == 0 {
		t.Error("no rule was aggregated or truncated")
	}
	t.Logf("%d results by rule: %v (%d bytes); aggregated or truncated: %v", len(log.Runs[0].Results), results, len(raw), capped)
	// The job summary stays under 100 KB however many findings, naming
	// every rule with findings in its counts.
	md, err := os.ReadFile(h.path("out.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(md) >= 100_000 {
		t.Errorf("Markdown is %d bytes, want < 100 KB", len(md))
	}
	for rule := range findings {
		if !strings.Contains(string(md), rule) {
			t.Errorf("the Markdown does not name %s", rule)
		}
	}
	t.Logf("Markdown: %d bytes", len(md))

	if problems, err := sarifcheck.Schema(h.path("out.sarif")); err != nil || len(problems) > 0 {
		t.Errorf("schema: %v %v", err, problems)
	}
	wd, _ := os.Getwd()
	bin, err := sarifcheck.FindMultitool(wd)
	if err != nil {
		if os.Getenv("CI") != "" && os.Getenv("CI") != "false" {
			t.Fatal(err)
		}
		t.Skipf("%v; run `make tools`", err)
	}
	problems, err := sarifcheck.MultitoolSized(t.Context(), bin, h.path("out.sarif"), len(raw)/1024+1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if p.Level == sarifcheck.LevelError {
			t.Errorf("multitool: %s", p)
		} else {
			t.Logf("multitool: %s", p)
		}
	}
}

// TestSARIFCapFlag: --max-results on a scan of Acme. Under a cap smaller
// than its rules with findings, the SARIF holds the cap's results, stderr
// names each cut, and in GitHub Actions a ::warning:: per cut goes to
// stdout when the main report is a file (to stderr when stdout carries
// it); --max-results 0 and the default leave every finding its result.
func TestSARIFCapFlag(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	all := func(sarifPath string) (int, int) {
		log, _ := readSARIFResults(t, h.path(sarifPath))
		data, err := os.ReadFile(h.path("all.json"))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range decodeReport(t, data).Findings {
			if f.Suppressed == nil {
				n++
			}
		}
		return len(log.Runs[0].Results), n
	}

	res := h.runEnv(map[string]string{"GITHUB_ACTIONS": "true"},
		scanArgs("--fail-on", "none", "-f", "json", "-o", "all.json", "--sarif", "capped.sarif", "--max-results", "3")...)
	if res.code != 2 && res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	results, findings := all("capped.sarif")
	if results != 3 || findings <= 3 {
		t.Fatalf("--max-results 3: %d results of %d findings", results, findings)
	}
	warnings := strings.Count(res.stderr, "hogaudit: warning: sarif: ")
	annotations := strings.Count(res.stdout, "::warning title=hogaudit SARIF results capped (")
	if warnings == 0 || annotations != warnings || strings.Contains(res.stderr, "::warning") {
		t.Errorf("%d stderr warnings, %d annotations on stdout, want as many\nstdout:\n%s\nstderr:\n%s", warnings, annotations, res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "hogaudit: hint: the JSON report has every finding; --max-results N raises the cap") {
		t.Errorf("no hint:\n%s", res.stderr)
	}

	// The main report on stdout: the annotations go to stderr, stdout
	// stays one JSON document.
	res = h.runEnv(map[string]string{"GITHUB_ACTIONS": "true"},
		scanArgs("--fail-on", "none", "-f", "json", "--sarif", "capped2.sarif", "--max-results", "3")...)
	var doc map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Errorf("stdout is not the JSON report: %v", err)
	}
	if n := strings.Count(res.stderr, "::warning title=hogaudit SARIF results capped ("); n != warnings {
		t.Errorf("%d annotations on stderr, want %d:\n%s", n, warnings, res.stderr)
	}

	// Near misses: outside GitHub Actions no annotation; no cap, the
	// default cap and no SARIF at all: no warning.
	res = h.run(scanArgs("--fail-on", "none", "-f", "json", "-o", "all.json", "--sarif", "capped3.sarif", "--max-results", "3")...)
	if strings.Contains(res.stdout+res.stderr, "::warning") || !strings.Contains(res.stderr, "warning: sarif: ") {
		t.Errorf("outside GitHub Actions:\nstdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	}
	for _, extra := range [][]string{{"--max-results", "0"}, nil} {
		args := append([]string{"--fail-on", "none", "-f", "json", "-o", "all.json", "--sarif", "full.sarif"}, extra...)
		res = h.runEnv(map[string]string{"GITHUB_ACTIONS": "true"}, scanArgs(args...)...)
		if results, findings := all("full.sarif"); results != findings {
			t.Errorf("%v: %d results of %d findings", extra, results, findings)
		}
		if strings.Contains(res.stdout+res.stderr, "sarif: ") || strings.Contains(res.stdout+res.stderr, "SARIF results capped") {
			t.Errorf("%v: a cut was reported:\n%s%s", extra, res.stdout, res.stderr)
		}
	}
	res = h.runEnv(map[string]string{"GITHUB_ACTIONS": "true"}, scanArgs("--fail-on", "none", "-f", "json", "-o", "all.json", "--max-results", "3")...)
	if strings.Contains(res.stdout+res.stderr, "sarif: ") {
		t.Errorf("no SARIF written, yet a cut was reported:\n%s%s", res.stdout, res.stderr)
	}

	// A negative cap is refused before anything is collected.
	before := h.sim.Stats().Requests
	res = h.run(scanArgs("--sarif", "neg.sarif", "--max-results=-1")...)
	if res.code == 0 || res.code == 1 || !strings.Contains(res.stderr, "hogaudit: --max-results -1: want a number of results, or 0 for no cap") {
		t.Errorf("--max-results -1: exit %d\n%s", res.code, res.stderr)
	}
	if h.sim.Stats().Requests != before {
		t.Error("--max-results -1 collected")
	}
}

// TestSARIFCapNoticeWithSARIFDir: with --sarif-dir alone (what the action
// uploads), a cap that cuts an area file (Acme's access area has five
// rules with findings, over a cap of 2) is named on stderr and in the
// Markdown, rule by rule; near miss: a cap every
// area file fits says nothing.
func TestSARIFCapNoticeWithSARIFDir(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run(scanArgs("--fail-on", "none", "-f", "json", "-o", "all.json", "--sarif-dir", "sarif", "--markdown", "out.md", "--max-results", "2")...)
	if res.code != 0 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "warning: sarif: PH2") {
		t.Errorf("stderr does not name the cut of an access rule in its area file:\n%s", res.stderr)
	}
	md, err := os.ReadFile(h.path("out.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "The SARIF report does not hold every finding") || !strings.Contains(string(md), "the run's 2 results can hold") {
		t.Errorf("the Markdown does not say what the area files left out:\n%s", md)
	}

	res = h.run(scanArgs("--fail-on", "none", "-f", "json", "-o", "all.json", "--sarif-dir", "sarif", "--markdown", "out.md")...)
	if res.code != 0 || strings.Contains(res.stderr, "sarif: ") {
		t.Errorf("exit %d, a cut reported without one:\n%s", res.code, res.stderr)
	}
	if md, _ := os.ReadFile(h.path("out.md")); strings.Contains(string(md), "SARIF report does not hold") {
		t.Errorf("the Markdown reports a cut without one")
	}
}
