package actiontest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// actionRun runs action.yml's shell steps the way GitHub's runner does:
// each run: script with bash --noprofile --norc -eo pipefail, its env:
// evaluated, a fresh GITHUB_OUTPUT per step whose lines become the step's
// outputs, steps without if: skipped after a failure and those with
// !cancelled() run. Steps that are uses: are not run (the test reads their
// with:); the expressions the action uses are evaluated, any other one
// fails the test.
type actionRun struct {
	t       *testing.T
	inputs  map[string]string
	private string
	// env is the caller's step env: (the PostHog key and the audit keys).
	env map[string]string
	// workspace, temp and summary are GITHUB_WORKSPACE, RUNNER_TEMP and
	// GITHUB_STEP_SUMMARY.
	workspace, temp, summary string
	outputs                  map[string]map[string]string
	// codes are the run steps' exit codes by step id (name when none).
	codes  map[string]int
	stdout map[string]string
	steps  []step
}

var exprRe = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// value is the value of one expression of action.yml.
func (r *actionRun) value(expr string) string {
	switch {
	case strings.HasPrefix(expr, "inputs."):
		v, ok := r.inputs[strings.TrimPrefix(expr, "inputs.")]
		if !ok {
			r.t.Fatalf("expression %q names an input action.yml does not declare", expr)
		}
		return v
	case expr == "github.action_path":
		return root(r.t)
	case expr == "github.event.repository.private":
		return r.private
	case strings.HasPrefix(expr, "steps."):
		parts := strings.SplitN(expr, ".", 4)
		if len(parts) != 4 || parts[2] != "outputs" {
			r.t.Fatalf("expression %q", expr)
		}
		return r.outputs[parts[1]][parts[3]]
	}
	r.t.Fatalf("action.yml uses expression %q, which the test does not evaluate", expr)
	return ""
}

func (r *actionRun) eval(s string) string {
	return exprRe.ReplaceAllStringFunc(s, func(m string) string { return r.value(exprRe.FindStringSubmatch(m)[1]) })
}

// newActionRun prepares a run of the action with inputs over its defaults.
func newActionRun(t *testing.T, inputs map[string]string, env map[string]string, private bool) *actionRun {
	t.Helper()
	f := loadYAML(t, "action.yml")
	r := &actionRun{t: t, inputs: map[string]string{}, private: strconv.FormatBool(private), env: env,
		workspace: t.TempDir(), temp: t.TempDir(), outputs: map[string]map[string]string{}, codes: map[string]int{}, stdout: map[string]string{}}
	decl, _ := f.doc["inputs"].(map[string]any)
	for name, d := range decl {
		m, _ := d.(map[string]any)
		r.inputs[name] = str(m["default"])
	}
	for k, v := range inputs {
		if _, ok := r.inputs[k]; !ok {
			t.Fatalf("input %s is not declared", k)
		}
		r.inputs[k] = v
	}
	r.steps = actionSteps(t, f)
	if err := os.WriteFile(filepath.Join(r.workspace, "access-matrix.yaml"), examples.Matrix, 0o600); err != nil {
		t.Fatal(err)
	}
	// The workspace is a checkout, as actions/checkout leaves it: SARIF
	// locates the matrix relative to its git top level.
	if out, err := exec.Command("git", "init", "-q", r.workspace).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	r.summary = filepath.Join(r.temp, "step_summary")
	if err := os.WriteFile(r.summary, []byte(priorSummary), 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

const priorSummary = "## an earlier step\n\nits summary\n"

// runnerOS and runnerArch are the runner's names for the host.
func runnerOS(t *testing.T) (string, string) {
	osName := map[string]string{"linux": "Linux", "darwin": "macOS", "windows": "Windows"}[runtime.GOOS]
	arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	if osName == "" || arch == "" || runtime.GOOS == "windows" {
		t.Skipf("no runner like %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	return osName, arch
}

// run runs every run: step in order.
func (r *actionRun) run() {
	t := r.t
	t.Helper()
	osName, arch := runnerOS(t)
	failed := false
	for i, s := range r.steps {
		if s.Run == "" {
			continue
		}
		id := s.ID
		if id == "" {
			id = s.Name
		}
		switch s.If {
		case "":
			if failed {
				continue
			}
		case "${{ !cancelled() }}":
		default:
			t.Fatalf("step %q: if: %s is not evaluated by the test", s.Name, s.If)
		}
		if strings.Contains(s.Run, "${{") {
			t.Fatalf("step %q: ${{ }} in run:", s.Name)
		}
		script := filepath.Join(r.temp, "step"+strconv.Itoa(i)+".sh")
		if err := os.WriteFile(script, []byte(s.Run), 0o600); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(r.temp, "output"+strconv.Itoa(i))
		if err := os.WriteFile(out, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = r.workspace
		vars := map[string]string{
			"PATH": os.Getenv("PATH"), "HOME": r.temp, "RUNNER_TEMP": r.temp, "RUNNER_OS": osName, "RUNNER_ARCH": arch,
			"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": out, "GITHUB_STEP_SUMMARY": r.summary, "GITHUB_WORKSPACE": r.workspace,
		}
		maps.Copy(vars, r.env)
		for k, v := range s.Env {
			vars[k] = r.eval(v)
		}
		for k, v := range vars {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var stdout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stdout
		code := 0
		if err := cmd.Run(); err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatal(err)
			}
			code = ee.ExitCode()
		}
		r.codes[id], r.stdout[id] = code, stdout.String()
		r.outputs[s.ID] = parseOutputs(t, readFile(t, out))
		if code != 0 {
			failed = true
		}
	}
}

// parseOutputs reads a GITHUB_OUTPUT file: key=value and key<<DELIM blocks.
func parseOutputs(t *testing.T, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if k, d, ok := strings.Cut(l, "<<"); ok && !strings.Contains(k, "=") {
			var v []string
			for i++; i < len(lines) && lines[i] != d; i++ {
				v = append(v, lines[i])
			}
			out[k] = strings.Join(v, "\n")
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("output line %q", l)
		}
		out[k] = v
	}
	return out
}

// serveRelease serves dir as <url>/<testVersion>/<file>, and returns url.
func serveRelease(t *testing.T, dir string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/"+testVersion+"/", http.StripPrefix("/"+testVersion+"/", http.FileServer(http.Dir(dir))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// simulated serves Acme and returns its URL and the caller's env.
func simulated(t *testing.T) (*posthogsim.Server, string, map[string]string) {
	t.Helper()
	sim := posthogsim.New(posthogsim.Acme(time.Now().UTC()), posthogsim.WithClock(time.Now))
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	env := map[string]string{"POSTHOG_PERSONAL_API_KEY": posthogsim.AcmeScannerToken}
	maps.Copy(env, posthogsim.AcmeAuditKeys)
	return sim, srv.URL, env
}

func auditKeyEnvs() string {
	return strings.Join(slices.Sorted(maps.Keys(posthogsim.AcmeAuditKeys)), ",")
}

// requireSplitFlags skips when the release lacks a flag the action passes:
// --sarif-dir comes from issue 10's sarifsplit branch, which is merged
// beside this one.
func requireSplitFlags(t *testing.T, dir string) {
	t.Helper()
	bin := extractBinary(t, filepath.Join(dir, archiveName(runtime.GOOS+"/"+runtime.GOARCH)), t.TempDir())
	help, _ := exec.Command(bin, "scan", "--help").CombinedOutput()
	for _, f := range []string{"--sarif-dir", "--max-results", "--markdown-append", "--github-output"} {
		if !regexp.MustCompile(`(?m)^\s+` + f + `(=| )`).Match(help) {
			t.Skipf("this build has no %s (it comes with another branch of issue 10)", f)
		}
	}
}

type jsonReport struct {
	Summary struct {
		Total      int            `json:"total"`
		BySeverity map[string]int `json:"by_severity"`
	} `json:"summary"`
	Snapshot struct {
		Org struct {
			ID string `json:"id"`
		} `json:"org"`
	} `json:"snapshot"`
}

// TestActionScansAndMapsTheExitCode runs the action against the simulated
// Acme with a local release: outputs set and equal to the JSON report's,
// the job summary appended (private repository) or left alone (public),
// one upload per complete area with its file and category, and the result
// step failing for exit 1 and 2 unless the caller opts out.
func TestActionScansAndMapsTheExitCode(t *testing.T) {
	t.Parallel()
	dir := release(t)
	requireSplitFlags(t, dir)
	url := serveRelease(t, dir)

	for _, c := range []struct {
		name     string
		private  bool
		inputs   map[string]string
		deny     string
		code     int
		result   int
		complete string
	}{
		{name: "findings fail the job", private: true, code: 1, result: 1, complete: "true"},
		{name: "allow-failure lets findings pass", inputs: map[string]string{"allow-failure": "true"}, code: 1, result: 0, complete: "true"},
		{name: "fail-on none", inputs: map[string]string{"fail-on": "none"}, code: 0, result: 0, complete: "true"},
		{name: "incomplete fails the job", private: true, deny: "activity_log:read", code: 2, result: 2, complete: "false"},
		{name: "fail-on-incomplete false", deny: "activity_log:read", inputs: map[string]string{"fail-on-incomplete": "false", "fail-on": "none"}, code: 2, result: 0, complete: "false"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sim, host, env := simulated(t)
			if c.deny != "" {
				sim.DenyScope(posthogsim.AcmeScannerToken, c.deny)
			}
			inputs := map[string]string{"version": testVersion, "release-url": url, "host": host, "audit-key-envs": auditKeyEnvs()}
			maps.Copy(inputs, c.inputs)
			r := newActionRun(t, inputs, env, c.private)
			r.run()
			if r.codes["install"] != 0 || r.codes["scan"] != 0 {
				t.Fatalf("install exit %d, scan exit %d:\n%s\n%s", r.codes["install"], r.codes["scan"], r.stdout["install"], r.stdout["scan"])
			}
			out := r.outputs["scan"]
			if out["code"] != strconv.Itoa(c.code) || out["exit-code"] != out["code"] || out["complete"] != c.complete {
				t.Fatalf("outputs %v, want code %d complete %s:\n%s", out, c.code, c.complete, r.stdout["scan"])
			}
			var rep jsonReport
			if err := json.Unmarshal([]byte(readFile(t, out["json-file"])), &rep); err != nil {
				t.Fatal(err)
			}
			if out["findings"] != strconv.Itoa(rep.Summary.Total) || out["high"] != strconv.Itoa(rep.Summary.BySeverity["high"]) {
				t.Errorf("findings %s high %s, the report says %d and %d", out["findings"], out["high"], rep.Summary.Total, rep.Summary.BySeverity["high"])
			}
			if _, err := os.Stat(out["sarif-file"]); err != nil {
				t.Errorf("sarif-file: %v", err)
			}
			summary := readFile(t, r.summary)
			if c.private != (summary != priorSummary) || !strings.HasPrefix(summary, priorSummary) {
				t.Errorf("private=%v: the job summary is\n%.300s", c.private, summary)
			}
			if !c.private {
				if _, err := os.Stat(out["markdown-file"]); err != nil || out["markdown-file"] == r.summary {
					t.Errorf("a public repository's Markdown is not in its own file: %q %v", out["markdown-file"], err)
				}
			}
			// The uploads: one per area file hogaudit wrote, its category
			// hogaudit/<org id>/<area>/; none for an incomplete area.
			uploaded := 0
			for _, s := range r.steps {
				if !strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
					continue
				}
				file, cat := r.eval(s.With["sarif_file"]), r.eval(s.With["category"])
				area := strings.TrimSuffix(strings.TrimPrefix(s.With["sarif_file"], "${{ steps.scan.outputs.sarif-"), "-file }}")
				if file == "" {
					continue
				}
				uploaded++
				if _, err := os.Stat(file); err != nil {
					t.Errorf("upload of %s: %v", area, err)
				}
				if want := "hogaudit/" + rep.Snapshot.Org.ID + "/" + area + "/"; cat != want {
					t.Errorf("upload of %s: category %q, want %q", area, cat, want)
				}
				if strings.Contains(","+out["incomplete-areas"]+",", ","+area+",") {
					t.Errorf("incomplete area %s is uploaded", area)
				}
			}
			if uploaded == 0 || (c.complete == "false") != (out["incomplete-areas"] != "") {
				t.Errorf("%d uploads, incomplete areas %q", uploaded, out["incomplete-areas"])
			}
			if r.codes["Result"] != c.result {
				t.Errorf("result step exit %d, want %d:\n%s", r.codes["Result"], c.result, r.stdout["Result"])
			}
			// The job log of a public repository is world-readable: the
			// report (and its annotations) name people, so they stay in
			// files there.
			if !c.private && strings.Contains(r.stdout["scan"], "@acme.example") {
				t.Errorf("a public repository's job log names members:\n%s", r.stdout["scan"])
			}
		})
	}
}

// TestActionNeverPassesARunThatDidNotCheck: the opt-outs for exit 2
// (fail-on-incomplete: false, allow-failure) pass an incomplete check, never
// a run that checked nothing — here a matrix that does not exist; near
// miss: the same opt-outs on an incomplete check pass (the table above).
func TestActionNeverPassesARunThatDidNotCheck(t *testing.T) {
	t.Parallel()
	dir := release(t)
	url := serveRelease(t, dir)
	_, host, env := simulated(t)
	inputs := map[string]string{"version": testVersion, "release-url": url, "host": host, "audit-key-envs": auditKeyEnvs(),
		"matrix": "no-such-matrix.yaml", "fail-on-incomplete": "false", "allow-failure": "true"}
	r := newActionRun(t, inputs, env, true)
	r.run()
	out := r.outputs["scan"]
	if out["code"] != "2" || out["checked"] != "false" {
		t.Fatalf("outputs %v, want code 2 and checked false:\n%s", out, r.stdout["scan"])
	}
	if r.codes["Result"] != 2 {
		t.Errorf("result step exit %d, want 2 (nothing was checked):\n%s", r.codes["Result"], r.stdout["Result"])
	}
}

// TestActionFailsClosedOnAChecksumMismatch: an archive that is not the one
// SHA256SUMS names is never run; its near miss, the same release with the
// true digest, installs.
func TestActionFailsClosedOnAChecksumMismatch(t *testing.T) {
	t.Parallel()
	dir := release(t)
	name := archiveName(runtime.GOOS + "/" + runtime.GOARCH)
	for _, tamper := range []bool{false, true} {
		served := t.TempDir()
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(served, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
		sums := readFile(t, filepath.Join(dir, "SHA256SUMS"))
		if tamper {
			good := fileSHA256(t, filepath.Join(dir, name))
			bad := []byte(good)
			bad[0] = map[byte]byte{'0': '1'}[bad[0]]
			if bad[0] == 0 {
				bad[0] = '0'
			}
			sums = strings.ReplaceAll(sums, good, string(bad))
		}
		if err := os.WriteFile(filepath.Join(served, "SHA256SUMS"), []byte(sums), 0o600); err != nil {
			t.Fatal(err)
		}
		sim, host, env := simulated(t)
		r := newActionRun(t, map[string]string{"version": testVersion, "release-url": serveRelease(t, served), "host": host}, env, true)
		r.run()
		if !tamper {
			if r.codes["install"] != 0 || !strings.Contains(r.stdout["install"], "hogaudit 0.0.0-test") {
				t.Errorf("the true release does not install:\n%s", r.stdout["install"])
			}
			continue
		}
		if r.codes["install"] == 0 || !strings.Contains(r.stdout["install"], "checksum mismatch for "+name) {
			t.Errorf("a tampered release installs: exit %d\n%s", r.codes["install"], r.stdout["install"])
		}
		if _, ran := r.codes["scan"]; ran || r.outputs["install"]["path"] != "" {
			t.Errorf("the scan ran after a checksum mismatch: %v", r.outputs)
		}
		if r.codes["Result"] == 0 || sim.Stats().Requests != 0 {
			t.Errorf("result exit %d, %d requests to PostHog", r.codes["Result"], sim.Stats().Requests)
		}
	}
}

// TestActionChecksASnapshotWithoutAKey: the pull-request path. A scan with
// snapshot-artifact keeps its snapshot (the artifact step's path); the
// action given that snapshot runs `hogaudit check` with no PostHog key in
// its environment and reaches the same verdict, uploads included. Near
// miss: the scan without snapshot-artifact (and previous-snapshot off)
// keeps none.
func TestActionChecksASnapshotWithoutAKey(t *testing.T) {
	t.Parallel()
	dir := release(t)
	requireSplitFlags(t, dir)
	url := serveRelease(t, dir)
	_, host, env := simulated(t)
	base := map[string]string{"version": testVersion, "release-url": url, "host": host, "audit-key-envs": auditKeyEnvs()}

	plain := newActionRun(t, base, env, false)
	plain.run()
	if s := plain.outputs["scan"]["snapshot"]; s != "" {
		t.Errorf("a scan without snapshot-artifact kept %s", s)
	}

	withArtifact := map[string]string{"snapshot-artifact": "true"}
	maps.Copy(withArtifact, base)
	scan := newActionRun(t, withArtifact, env, false)
	scan.run()
	snap := scan.outputs["scan"]["snapshot"]
	if snap == "" || scan.outputs["scan"]["code"] != "1" {
		t.Fatalf("scan outputs %v:\n%s", scan.outputs["scan"], scan.stdout["scan"])
	}
	for _, s := range scan.steps {
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && scan.eval(s.With["path"]) != snap {
			t.Errorf("the artifact step uploads %q, not the snapshot %q", scan.eval(s.With["path"]), snap)
		}
	}

	check := newActionRun(t, map[string]string{"version": testVersion, "release-url": url, "snapshot": snap}, nil, true)
	check.run()
	out := check.outputs["scan"]
	if out["code"] != "1" || out["findings"] != scan.outputs["scan"]["findings"] || out["sarif-access-file"] == "" {
		t.Errorf("check of the snapshot: %v\n%s", out, check.stdout["scan"])
	}
	if check.codes["Result"] != 1 {
		t.Errorf("result exit %d, want 1", check.codes["Result"])
	}
}
