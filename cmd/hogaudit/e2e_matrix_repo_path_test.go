package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hogaudit/hogaudit/examples"
)

// TestScanMatrixRepoPath: the repository path of the matrix is an input of
// the check (policies.CheckInput.MatrixRepoPath), worked out once from
// GITHUB_WORKSPACE: the JSON report's matrix.repo_path and every SARIF
// result's artifact location name the file relative to the workspace, not
// as the engine would guess it from the absolute --matrix (its base name).
func TestScanMatrixRepoPath(t *testing.T) {
	h := newHarness(t, nil)
	dir := h.path("compliance")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "access-matrix.yaml")
	if err := os.WriteFile(path, examples.Matrix, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ workspace, want string }{
		{h.dir, "compliance/access-matrix.yaml"},
		// near miss: the same file under another workspace root
		{dir, "access-matrix.yaml"},
	} {
		h.vars["GITHUB_WORKSPACE"] = c.workspace
		res := h.run(scanArgs("-q", "--matrix", path, "--json", "r.json", "--sarif", "r.sarif", "-o", "r.txt")...)
		if res.code != 1 {
			t.Fatalf("scan exit %d, want 1 (the example's violations):\n%s", res.code, res.stderr)
		}
		var rep struct {
			Matrix struct {
				Path     string `json:"path"`
				RepoPath string `json:"repo_path"`
			} `json:"matrix"`
		}
		if err := json.Unmarshal([]byte(readFile(t, h.path("r.json"))), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Matrix.RepoPath != c.want || rep.Matrix.Path != path {
			t.Errorf("workspace %s: matrix path %q, repo_path %q; want %q, %q", c.workspace, rep.Matrix.Path, rep.Matrix.RepoPath, path, c.want)
		}
		var log struct {
			Runs []struct {
				Results []sarifResult `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(readFile(t, h.path("r.sarif"))), &log); err != nil {
			t.Fatal(err)
		}
		if len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
			t.Fatalf("workspace %s: want one run with results, got %+v", c.workspace, log.Runs)
		}
		for _, r := range log.Runs[0].Results {
			for _, l := range r.Locations {
				if got := l.PhysicalLocation.ArtifactLocation.URI; got != c.want {
					t.Errorf("workspace %s: %s located at %q, want %q", c.workspace, r.id(), got, c.want)
				}
			}
		}
	}
}
