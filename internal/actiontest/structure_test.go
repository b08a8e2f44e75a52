package actiontest

import (
	"fmt"
	"strings"
	"testing"
)

// areas are the rule areas --sarif-dir writes a file for, and the evidence.
var areas = []string{"organization", "access", "keys", "audit", "tool", "custom", "evidence"}

// step is one step of action.yml.
type step struct {
	ID, Name, If, Uses, Run, Shell string
	Env, With                      map[string]string
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func strMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		out[k] = str(x)
	}
	return out
}

// actionSteps are action.yml's steps, in order.
func actionSteps(t *testing.T, f yamlFile) []step {
	t.Helper()
	runs, _ := f.doc["runs"].(map[string]any)
	if runs["using"] != "composite" {
		t.Fatalf("action.yml runs.using = %v, want composite", runs["using"])
	}
	list, _ := runs["steps"].([]any)
	var out []step
	for _, x := range list {
		m, _ := x.(map[string]any)
		out = append(out, step{ID: str(m["id"]), Name: str(m["name"]), If: str(m["if"]), Uses: str(m["uses"]), Run: str(m["run"]),
			Shell: str(m["shell"]), Env: strMap(m["env"]), With: strMap(m["with"])})
	}
	return out
}

// TestActionDeclaresTheInterface: the inputs and outputs of issue 10, bash
// for every script, one upload per area reading its file and category from
// the scan's outputs (and skipped when hogaudit wrote no file for it), the
// cache restored and saved under one key, the artifact from the snapshot.
func TestActionDeclaresTheInterface(t *testing.T) {
	t.Parallel()
	f := loadYAML(t, "action.yml")
	inputs, _ := f.doc["inputs"].(map[string]any)
	for _, in := range []string{"version", "release-url", "matrix", "host", "org", "fail-on", "category", "audit-key-envs", "upload-sarif",
		"summary", "snapshot-artifact", "previous-snapshot", "snapshot", "max-results", "fail-on-incomplete", "allow-failure"} {
		if _, ok := inputs[in]; !ok {
			t.Errorf("input %s is missing", in)
		}
	}
	defaults := map[string]string{"upload-sarif": "true", "summary": "auto", "snapshot-artifact": "false", "fail-on-incomplete": "true", "allow-failure": "false", "fail-on": "high", "max-results": "5000"}
	for in, want := range defaults {
		m, _ := inputs[in].(map[string]any)
		if got := str(m["default"]); got != want {
			t.Errorf("input %s defaults to %q, want %q", in, got, want)
		}
	}
	outputs, _ := f.doc["outputs"].(map[string]any)
	for _, out := range []string{"exit-code", "findings", "critical", "high", "medium", "low", "complete", "sarif-file", "json-file"} {
		m, _ := outputs[out].(map[string]any)
		want := "${{ steps.scan.outputs." + out + " }}"
		if out == "exit-code" {
			want = "${{ steps.scan.outputs.code }}" // the process's code, set by the step itself
		}
		if str(m["value"]) != want {
			t.Errorf("output %s = %q, want %q", out, str(m["value"]), want)
		}
	}

	steps := actionSteps(t, f)
	uploads := map[string]step{}
	var restore, save, artifact *step
	for i, s := range steps {
		if s.Run != "" && s.Shell != "bash" {
			t.Errorf("step %q runs without shell: bash", s.Name)
		}
		switch {
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			area := strings.TrimSuffix(strings.TrimPrefix(s.With["sarif_file"], "${{ steps.scan.outputs.sarif-"), "-file }}")
			if s.With["category"] != "${{ steps.scan.outputs.sarif-"+area+"-category }}" {
				t.Errorf("upload %q: category %q is not its area's", s.Name, s.With["category"])
			}
			if !strings.Contains(s.If, "steps.scan.outputs.sarif-"+area+"-file != ''") || !strings.Contains(s.If, "inputs.upload-sarif == 'true'") {
				t.Errorf("upload %q runs when hogaudit wrote no file for %s: if: %s", s.Name, area, s.If)
			}
			uploads[area] = s
		case strings.HasPrefix(s.Uses, "actions/cache/restore@"):
			restore = &steps[i]
		case strings.HasPrefix(s.Uses, "actions/cache/save@"):
			save = &steps[i]
		case strings.HasPrefix(s.Uses, "actions/upload-artifact@"):
			artifact = &steps[i]
		}
	}
	for _, a := range areas {
		if _, ok := uploads[a]; !ok {
			t.Errorf("no upload step for area %s", a)
		}
	}
	if len(uploads) != len(areas) {
		t.Errorf("%d upload steps, want %d", len(uploads), len(areas))
	}
	if restore == nil || save == nil || artifact == nil {
		t.Fatalf("restore %v, save %v, artifact %v", restore, save, artifact)
	}
	if restore.With["path"] != save.With["path"] || restore.With["key"] != save.With["key"] || !strings.HasPrefix(restore.With["key"], restore.With["restore-keys"]) {
		t.Errorf("cache restore %v and save %v disagree", restore.With, save.With)
	}
	if artifact.With["path"] != "${{ steps.scan.outputs.snapshot }}" || !strings.Contains(artifact.If, "inputs.snapshot-artifact == 'true'") {
		t.Errorf("artifact step: %+v", artifact)
	}
	if last := steps[len(steps)-1]; last.Run == "" || !strings.Contains(last.Env["HOGAUDIT_CODE"], "steps.scan.outputs.code") {
		t.Errorf("the last step does not set the result from the exit code: %+v", last)
	}
}

// TestShippedWorkflows: the scheduled example scans each organization in
// its own job with its own environment, matrix and secrets; the pull-request
// example uses pull_request, no secret but the job's token, and checks the
// snapshot; the project's CI runs make test, make lint and govulncheck.
func TestShippedWorkflows(t *testing.T) {
	t.Parallel()
	audit := loadYAML(t, "examples/workflows/posthog-audit.yml")
	on, _ := audit.doc["on"].(map[string]any)
	if _, ok := on["schedule"]; !ok {
		t.Error("posthog-audit.yml has no schedule")
	}
	if _, ok := on["workflow_dispatch"]; !ok {
		t.Error("posthog-audit.yml has no workflow_dispatch")
	}
	jobs, _ := audit.doc["jobs"].(map[string]any)
	job, _ := jobs["audit"].(map[string]any)
	if p := strMap(job["permissions"]); p["security-events"] != "write" || p["contents"] != "read" {
		t.Errorf("audit job permissions %v", p)
	}
	strategy, _ := job["strategy"].(map[string]any)
	matrix, _ := strategy["matrix"].(map[string]any)
	orgs, _ := matrix["org"].([]any)
	envs, files := map[string]bool{}, map[string]bool{}
	for _, o := range orgs {
		m := strMap(o)
		envs[m["environment"]], files[m["matrix"]] = true, true
	}
	if len(orgs) != 3 || len(envs) != 3 || len(files) != 3 {
		t.Errorf("want 3 organizations, each with its own environment and matrix file: %v", orgs)
	}
	if str(job["environment"]) != "${{ matrix.org.environment }}" {
		t.Errorf("the audit job's secrets are not its organization's environment's: %v", job["environment"])
	}

	pr := loadYAML(t, "examples/workflows/matrix-pr.yml")
	prOn, _ := pr.doc["on"].(map[string]any)
	if _, ok := prOn["pull_request"]; !ok || len(prOn) != 1 {
		t.Errorf("matrix-pr.yml runs on %v, want pull_request alone", prOn)
	}
	raw := readFile(t, root(t)+"/examples/workflows/matrix-pr.yml")
	for _, bad := range []string{"secrets.", "POSTHOG_PERSONAL_API_KEY"} {
		if strings.Contains(raw, bad) {
			t.Errorf("matrix-pr.yml holds %q", bad)
		}
	}
	if !strings.Contains(raw, "snapshot: ") {
		t.Error("matrix-pr.yml does not check a snapshot")
	}

	ci := readFile(t, root(t)+"/.github/workflows/ci.yml")
	for _, want := range []string{"run: make test", "run: make lint", "golang.org/x/vuln/cmd/govulncheck@v"} {
		if !strings.Contains(ci, want) {
			t.Errorf("ci.yml lacks %q", want)
		}
	}
	readme := readFile(t, root(t)+"/README.md")
	for _, bad := range []string{"@latest", "upload-sarif@v", "|| echo"} {
		if strings.Contains(readme, bad) {
			t.Errorf("README.md still holds %q", bad)
		}
	}
	for _, want := range []string{"uses: hogaudit/hogaudit@", "/releases/download/", "sha256sum -c"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
	rel := readFile(t, root(t)+"/.github/workflows/release.yml")
	for _, want := range []string{"make release", "sha256sum -c SHA256SUMS", "gh release create", "contents: write"} {
		if !strings.Contains(rel, want) {
			t.Errorf("release.yml lacks %q", want)
		}
	}
}
