package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// parseGitHubOutput reads a $GITHUB_OUTPUT file the way GitHub's runner
// does: key=value lines and key<<DELIMITER blocks; a later key wins. It
// fails the test on a line of neither form.
func parseGitHubOutput(t *testing.T, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" && i == len(lines)-1 {
			break
		}
		if k, delim, ok := strings.Cut(l, "<<"); ok && !strings.Contains(k, "=") {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			if i == len(lines) {
				t.Fatalf("output %s: delimiter %s never closes:\n%s", k, delim, data)
			}
			out[k] = strings.Join(val, "\n")
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			t.Fatalf("line %d of the output file is neither key=value nor key<<DELIMITER: %q", i+1, l)
		}
		out[k] = v
	}
	return out
}

// readOutputs returns the outputs a run appended to path after prior.
func readOutputs(t *testing.T, path, prior string) map[string]string {
	t.Helper()
	data := readFile(t, path)
	if !strings.HasPrefix(data, prior) {
		t.Fatalf("%s lost what was in it before the run:\n%s", path, data)
	}
	return parseGitHubOutput(t, strings.TrimPrefix(data, prior))
}

const priorOutput = "earlier-step=kept\n"

// TestGitHubOutputStatesTheScan: a scan with findings appends its outputs —
// exit code, counts equal to the JSON report's, complete, the report paths
// — after the earlier steps' lines; the near miss, a scan whose evidence is
// incomplete, states exit 2 and complete=false.
func TestGitHubOutputStatesTheScan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	out := h.path("github_output")
	if err := os.WriteFile(out, []byte(priorOutput), 0o644); err != nil {
		t.Fatal(err)
	}
	res := h.run(scanArgs("-q", "--json", "scan.json", "--sarif", "scan.sarif", "--github-output", out)...)
	if res.code != 1 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	got := readOutputs(t, out, priorOutput)
	rep := decodeReport(t, []byte(readFile(t, h.path("scan.json"))))
	want := map[string]string{
		"exit-code":     "1",
		"findings":      strconv.Itoa(rep.Summary.Total),
		"complete":      "true",
		"sarif-file":    h.path("scan.sarif"),
		"json-file":     h.path("scan.json"),
		"markdown-file": "",
		"sarif-dir":     "",
	}
	for _, sev := range report.Severities {
		want[sev] = strconv.Itoa(rep.Summary.BySeverity[sev])
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("output %s = %q, want %q", k, got[k], v)
		}
	}
	if rep.Summary.Total == 0 || got["org-id"] == "" {
		t.Errorf("the scan found nothing or named no organization: %v", got)
	}
	if m := mode(t, out); m != 0o644 {
		t.Errorf("the output file's mode changed to %04o", m)
	}

	// Near miss: the evidence is incomplete.
	h.sim.DenyScope(posthogsim.AcmeScannerToken, "activity_log:read")
	if err := os.WriteFile(out, []byte(priorOutput), 0o644); err != nil {
		t.Fatal(err)
	}
	res = h.run(scanArgs("-q", "--json", "scan.json", "--github-output", out)...)
	if res.code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", res.code, res.stderr)
	}
	got = readOutputs(t, out, priorOutput)
	if got["exit-code"] != "2" || got["complete"] != "false" || got["json-file"] != h.path("scan.json") || got["sarif-file"] != "" {
		t.Errorf("incomplete scan outputs: %v", got)
	}
}

// TestGitHubOutputOnFailurePaths: whatever ends a run, the exit-code output
// is the exit code of the process and complete is false.
func TestGitHubOutputOnFailurePaths(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		cancelled bool
		vars      map[string]string
		args      []string
		want      int
		jsonFile  bool
	}{
		{name: "rejected key", vars: map[string]string{"POSTHOG_PERSONAL_API_KEY": "phx_" + strings.Repeat("z", 43)}, args: scanArgs("--json", "r.json"), want: 2, jsonFile: true},
		{name: "interrupted", cancelled: true, args: scanArgs("--json", "r.json"), want: exitInterrupted, jsonFile: true},
		{name: "two flags one file", args: scanArgs("--json", "r.json", "--sarif", "r.json"), want: 2},
		{name: "unwritable report", args: scanArgs("--json", "r.json", "--sarif", "nodir/r.sarif"), want: 2, jsonFile: true},
		{name: "check without a snapshot file", args: []string{"check", "--snapshot", "nosuch.json", "--json", "r.json"}, want: 2, jsonFile: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, nil)
			out := h.path("github_output")
			if err := os.WriteFile(out, []byte(priorOutput), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if c.cancelled {
				cancel()
			} else {
				defer cancel()
			}
			var stdout, stderr bytes.Buffer
			code := run(ctx, append(c.args, "--github-output", out), h.env(&stdout, &stderr, c.vars))
			if code != c.want {
				t.Fatalf("exit %d, want %d:\n%s", code, c.want, stderr.String())
			}
			got := readOutputs(t, out, priorOutput)
			if got["exit-code"] != strconv.Itoa(code) || got["complete"] != "false" {
				t.Errorf("outputs %v for exit %d", got, code)
			}
			if wantJSON := map[bool]string{true: h.path("r.json"), false: ""}[c.jsonFile]; got["json-file"] != wantJSON {
				t.Errorf("json-file = %q, want %q", got["json-file"], wantJSON)
			}
		})
	}
}

// TestGitHubOutputOfTheDemo: the demo exits 0 with findings, and says so.
func TestGitHubOutputOfTheDemo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	out := h.path("github_output")
	res := h.run("demo", "-q", "--markdown", "demo.md", "--github-output", out)
	if res.code != 0 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	got := readOutputs(t, out, "")
	if got["exit-code"] != "0" || got["findings"] == "0" || got["markdown-file"] != h.path("demo.md") {
		t.Errorf("demo outputs %v", got)
	}
	if m := mode(t, out); m != 0o600 {
		t.Errorf("a new output file has mode %04o", m)
	}
}

// TestUnwritableGitHubOutputFailsBeforeAnyRequest: like every output path.
func TestUnwritableGitHubOutputFailsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run(scanArgs("--json", "r.json", "--github-output", "nodir/out")...)
	if res.code != 2 || !strings.Contains(res.stderr, "hogaudit: --github-output: nodir/out is not writable") {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	if n := h.sim.Stats().Requests; n != 0 {
		t.Errorf("the server saw %d requests", n)
	}
}

// TestGitHubOutputValueForms: a single-line value is key=value; one with a
// line break is a heredoc whose delimiter is not in the value, and both
// read back as written; a value trying to inject a key does not.
func TestGitHubOutputValueForms(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	writeOutput(&b, "plain", "/tmp/a b/scan.json")
	writeOutput(&b, "multi", "/tmp/x\ninjected=1")
	writeOutput(&b, "empty", "")
	got := parseGitHubOutput(t, b.String())
	want := map[string]string{"plain": "/tmp/a b/scan.json", "multi": "/tmp/x\ninjected=1", "empty": ""}
	if len(got) != len(want) {
		t.Errorf("outputs %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q:\n%s", k, got[k], v, b.String())
		}
	}
	if !strings.Contains(b.String(), "multi<<ghadelimiter_") {
		t.Errorf("a multi-line value is not a heredoc:\n%s", b.String())
	}
	d := outputDelimiter("x")
	if d == outputDelimiter("x") || len(d) < 20 {
		t.Errorf("delimiters are not random: %s", d)
	}
}

// TestGitHubOutputAreasFromManifest: with a --sarif-dir, each area the
// manifest lists with a file (that exists) gets its file and category; the
// others are listed as incomplete, so the action uploads nothing for them.
func TestGitHubOutputAreasFromManifest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	manifest := `{"org_id":"o1","areas":[
		{"area":"access","category":"hogaudit/o1/access/","file":"access.sarif","complete":true,"results":3,"reason":""},
		{"area":"audit","category":"hogaudit/o1/audit/","file":null,"complete":false,"results":0,"reason":"activity_log missing"},
		{"area":"keys","category":"hogaudit/o1/keys/","file":"keys.sarif","complete":true,"results":0,"reason":""},
		{"area":"tool","category":"hogaudit/o1/tool/","file":"../escape.sarif","complete":true,"results":0,"reason":""},
		{"area":"evidence","category":"hogaudit/o1/evidence/","file":"evidence.sarif","complete":true,"results":1,"reason":""}]}`
	for name, data := range map[string]string{"manifest.json": manifest, "access.sarif": "{}", "evidence.sarif": "{}"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e := guard(&env{wd: dir})
	g := &githubOutput{path: "out"}
	plan := &outputPlan{targets: []*outputTarget{{flag: "--sarif-dir", path: ".", ok: true, written: true}}}
	got := parseGitHubOutput(t, g.render(e, plan, nil, 2))
	want := map[string]string{
		"sarif-dir":               dir,
		"sarif-access-file":       filepath.Join(dir, "access.sarif"),
		"sarif-access-category":   "hogaudit/o1/access/",
		"sarif-evidence-file":     filepath.Join(dir, "evidence.sarif"),
		"sarif-evidence-category": "hogaudit/o1/evidence/",
		"incomplete-areas":        "audit,keys,tool",
		"exit-code":               "2",
		"complete":                "false",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"sarif-audit-file", "sarif-keys-file", "sarif-tool-file"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s is set for an area without a file: %v", k, got)
		}
	}
	// Near miss: a manifest this run did not write (its writes failed; an
	// earlier run's is left in the directory) announces no upload.
	stale := &outputPlan{targets: []*outputTarget{{flag: "--sarif-dir", path: ".", ok: true}}}
	for k, v := range parseGitHubOutput(t, g.render(e, stale, nil, 2)) {
		if (k == "sarif-dir" && v != "") || (strings.HasPrefix(k, "sarif-") && strings.HasSuffix(k, "-file") && k != "sarif-file") {
			t.Errorf("with a stale manifest, %s = %q", k, v)
		}
	}
	// Near miss: no manifest (the split failed) uploads no area.
	if err := os.Remove(filepath.Join(dir, "manifest.json")); err != nil {
		t.Fatal(err)
	}
	got = parseGitHubOutput(t, g.render(e, plan, nil, 2))
	for k := range got {
		if strings.HasPrefix(k, "sarif-") && strings.HasSuffix(k, "-file") && k != "sarif-file" {
			t.Errorf("without a manifest, %s = %q", k, got[k])
		}
	}
}

// TestExitCodeOfAgreesWithExitAfter pins the --github-output exit code to
// the process's for every kind of error.
func TestExitCodeOfAgreesWithExitAfter(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, ctx := range []context.Context{context.Background(), cancelled} {
		for _, err := range []error{nil, exitCode(1), exitCode(2), fail(errors.New("x")), &exitError{code: 3, err: errors.New("y")}, context.Canceled, errors.New("plain")} {
			var errb bytes.Buffer
			if a, b := exitAfter(ctx, &env{stderr: &errb}, err), exitCodeOf(ctx, err); a != b {
				t.Errorf("cancelled=%v err=%v: exitAfter %d, exitCodeOf %d", ctx.Err() != nil, err, a, b)
			}
		}
	}
}
