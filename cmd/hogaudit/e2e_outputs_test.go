package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/report"
)

// Items 6 and 7 of issue 8, end to end: reports and snapshots are written
// 0600; every output path is checked before any request; a run that fails
// replaces every report it was asked for with one that says the check did
// not complete; temporary files of an interrupted write do not pile up.

// reportArgs ask for every report file, and the snapshot.
var reportArgs = []string{"--sarif", "scan.sarif", "--json", "scan.json", "--markdown", "scan.md", "-o", "scan.txt", "--snapshot-out", "snap.json"}

var reportFiles = []string{"scan.sarif", "scan.json", "scan.md", "scan.txt", "snap.json"}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestOutputsAreWrittenOwnerOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	// Last week's reports, readable by everyone, are tightened; one already
	// 0600 is not mentioned.
	for _, f := range []string{"scan.sarif", "scan.json", "snap.json"} {
		if err := os.WriteFile(h.path(f), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(h.path("scan.md"), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := h.run(scanArgs(reportArgs...)...)
	if res.code != 1 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	for _, f := range reportFiles {
		if m := mode(t, h.path(f)); m != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", f, m)
		}
	}
	for _, f := range []string{"scan.sarif", "scan.json", "snap.json"} {
		want := "hogaudit: " + f + " was accessible to users other than its owner (mode 0644); it is now 0600"
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	if strings.Contains(res.stderr, "scan.md was accessible") || strings.Contains(res.stderr, "scan.txt was accessible") {
		t.Errorf("a file that was not wider is reported as tightened:\n%s", res.stderr)
	}
}

func TestStepSummaryIsAppendedToNotReplaced(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	summary := h.path("step_summary.md")
	if err := os.WriteFile(summary, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.vars["GITHUB_STEP_SUMMARY"] = summary
	res := h.run(scanArgs("-q", "--markdown", summary, "--json", os.DevNull)...)
	if res.code != 1 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	got := readFile(t, summary)
	if !strings.HasPrefix(got, "earlier step\n## hogaudit: ") {
		t.Errorf("the step summary was not appended to:\n%.200s", got)
	}
	if m := mode(t, summary); m != 0o644 {
		t.Errorf("the step summary's mode changed to %04o", m)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Errorf("%s is no longer a device", os.DevNull)
	}
	// Near miss: the same Markdown to another file replaces it.
	other := h.path("other.md")
	if err := os.WriteFile(other, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.run(scanArgs("-q", "--markdown", other)...)
	if got := readFile(t, other); strings.HasPrefix(got, "earlier") || mode(t, other) != 0o600 {
		t.Errorf("a plain --markdown file was appended to or kept its mode %04o", mode(t, other))
	}
}

func TestUnwritableOutputFailsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		// args and want are given the harness directory.
		args func(dir string) []string
		want func(dir string) string
	}{
		{"missing directory",
			func(string) []string { return scanArgs("--sarif", "nodir/scan.sarif") },
			func(string) string { return "--sarif: the directory of nodir/scan.sarif does not exist" }},
		{"a directory",
			func(dir string) []string { return scanArgs("--json", dir) },
			func(dir string) string { return "--json: " + dir + " is a directory" }},
		{"under a file",
			func(string) []string { return scanArgs("--snapshot-out", "access-matrix.yaml/snap.json") },
			func(string) string {
				return "--snapshot-out: the directory of access-matrix.yaml/snap.json is not a directory"
			}},
		{"main report",
			func(string) []string { return scanArgs("-o", "nodir/out.txt") },
			func(string) string { return "--output: the directory of nodir/out.txt does not exist" }},
		{"snapshot command",
			func(string) []string { return []string{"snapshot", "-o", "nodir/snap.json"} },
			func(string) string { return "--output: the directory of nodir/snap.json does not exist" }},
		{"demo",
			func(string) []string { return []string{"demo", "--sarif", "nodir/demo.sarif"} },
			func(string) string { return "--sarif: the directory of nodir/demo.sarif does not exist" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			res := h.run(c.args(h.dir)...)
			if res.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", res.code, res.stderr)
			}
			if want := "hogaudit: " + c.want(h.dir); !strings.Contains(res.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
			}
			if n := h.sim.Stats().Requests; n != 0 {
				t.Errorf("the server saw %d requests", n)
			}
		})
	}
}

func TestUnwritableOutputStillReplacesTheOthers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	if err := os.WriteFile(h.path("scan.json"), []byte(`{"findings":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	res := h.run(scanArgs("--json", "scan.json", "--sarif", "nodir/scan.sarif")...)
	if res.code != 2 || h.sim.Stats().Requests != 0 {
		t.Fatalf("exit %d, %d requests:\n%s", res.code, h.sim.Stats().Requests, res.stderr)
	}
	f := decodeFailure(t, h.path("scan.json"))
	if f == nil || !strings.Contains(f.Message, "check did not complete: --sarif: the directory of nodir/scan.sarif does not exist") {
		t.Errorf("scan.json failure = %+v", f)
	}
	// Near miss: two flags naming one file write nothing at all.
	before := readFile(t, h.path("scan.json"))
	res = h.run(scanArgs("--json", "scan.json", "--sarif", "scan.json")...)
	if res.code != 2 || !strings.Contains(res.stderr, "--sarif and --json both write scan.json") || readFile(t, h.path("scan.json")) != before {
		t.Errorf("duplicate outputs: exit %d:\n%s", res.code, res.stderr)
	}
}

// decodeFailure reads the failure of a JSON report (nil when it has none).
func decodeFailure(t *testing.T, path string) *report.Failure {
	t.Helper()
	var doc struct {
		Failure *report.Failure `json:"failure"`
	}
	if err := json.Unmarshal([]byte(readFile(t, path)), &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Failure
}

// sarifOutcome is what a SARIF log says of its run.
type sarifOutcome struct {
	successful bool
	results    []string // rule ids
	messages   []string
}

func readSARIF(t *testing.T, path string) sarifOutcome {
	t.Helper()
	sarifs.Validate(t, path)
	var log struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
			Results []struct {
				RuleID  string `json:"ruleId"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(readFile(t, path)), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 || len(log.Runs[0].Invocations) != 1 {
		t.Fatalf("%s: %d runs", path, len(log.Runs))
	}
	o := sarifOutcome{successful: log.Runs[0].Invocations[0].ExecutionSuccessful}
	for _, r := range log.Runs[0].Results {
		o.results = append(o.results, r.RuleID)
		o.messages = append(o.messages, r.Message.Text)
	}
	return o
}

func TestFailedRunReplacesLastRunsReports(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	// Last week's run: complete evidence, findings.
	res := h.run(scanArgs(reportArgs...)...)
	if res.code != 1 {
		t.Fatalf("first run: exit %d:\n%s", res.code, res.stderr)
	}
	if o := readSARIF(t, h.path("scan.sarif")); !o.successful || len(o.results) < 2 {
		t.Fatalf("first run's SARIF: %+v", o)
	}
	oldSnap := readFile(t, h.path("snap.json"))

	// This week the key was revoked: PostHog answers 401.
	h.vars["POSTHOG_PERSONAL_API_KEY"] = "phx_" + strings.Repeat("R3v0k3d", 6)
	res = h.run(scanArgs(reportArgs...)...)
	if res.code != 2 || !strings.Contains(res.stderr, "posthog rejected the scanning key") {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	// The first of the concurrent requests to be refused is named.
	const want = "check did not complete: posthog rejected the scanning key: GET /api/"
	o := readSARIF(t, h.path("scan.sarif"))
	if o.successful || len(o.results) != 1 || o.results[0] != "PH901" || !strings.Contains(o.messages[0], "posthog rejected the scanning key") {
		t.Errorf("SARIF of the failed run: %+v", o)
	}
	if f := decodeFailure(t, h.path("scan.json")); f == nil || !strings.HasPrefix(f.Message, want) || !strings.Contains(f.Message, ": 401 ") || len(f.Hints) == 0 {
		t.Errorf("JSON failure = %+v", f)
	}
	for _, f := range []string{"scan.md", "scan.txt"} {
		if got := unescapeMD(readFile(t, h.path(f))); !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", f, want, got)
		}
	}
	// The snapshot is not a report: a failed collection leaves it alone.
	if readFile(t, h.path("snap.json")) != oldSnap {
		t.Error("the old snapshot was changed")
	}
	for _, f := range reportFiles {
		if m := mode(t, h.path(f)); m != 0o600 {
			t.Errorf("%s: mode %04o", f, m)
		}
	}
}

func TestOtherFailuresReplaceReportsToo(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		args  []string
		cause string
	}{
		{"unreachable host", scanArgs("--host", "http://127.0.0.1:1"), "cannot reach http://127.0.0.1:1"},
		{"invalid matrix", scanArgs("--matrix", "bad.yaml"), "bad.yaml"},
		{"missing snapshot", []string{"check", "--snapshot", "absent.json"}, "read snapshot"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			if err := os.WriteFile(h.path("bad.yaml"), []byte("version: 1\ngroups: [\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"r.json", "r.sarif"} {
				if err := os.WriteFile(h.path(f), []byte("last week"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			res := h.run(append(c.args, "--json", "r.json", "--sarif", "r.sarif")...)
			if res.code != 2 {
				t.Fatalf("exit %d:\n%s", res.code, res.stderr)
			}
			if f := decodeFailure(t, h.path("r.json")); f == nil || !strings.Contains(f.Cause, c.cause) {
				t.Errorf("failure = %+v, want a cause with %q", f, c.cause)
			}
			if o := readSARIF(t, h.path("r.sarif")); o.successful || len(o.results) != 1 || o.results[0] != "PH901" {
				t.Errorf("SARIF: %+v", o)
			}
		})
	}
}

func TestStaleTemporaryFileRemovedOnNextRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	stale := h.path(".scan.sarif.hogaudit-tmp-4242")
	keep := h.path(".scan.json.hogaudit-tmp-4242") // another output's, not written this run
	for _, p := range []string{stale, keep} {
		if err := os.WriteFile(p, []byte(`{"partial`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res := h.run(scanArgs("-q", "--sarif", "scan.sarif")...)
	if res.code != 1 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the interrupted write's temporary file is still there (%v)", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("another path's temporary file was removed: %v", err)
	}
	entries, _ := os.ReadDir(h.dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "hogaudit-tmp-") && filepath.Join(h.dir, e.Name()) != keep {
			t.Errorf("temporary file %s left", e.Name())
		}
	}
}
