package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hogaudit/hogaudit/examples"
)

// sarifLocations is the part of a SARIF log TestScanMatrixRepoPath reads.
type sarifLocations struct {
	Runs []struct {
		OriginalURIBaseIDs map[string]struct {
			URI string `json:"uri"`
		} `json:"originalUriBaseIds"`
		Results []sarifResult `json:"results"`
	} `json:"runs"`
}

// TestScanMatrixRepoPath: the repository path of the matrix is an input of
// the check (policies.CheckInput.MatrixRepoPath), relative to the git top
// level that holds the file (the harness directory, a checkout): the JSON
// report's matrix.repo_path and every SARIF result's artifact location name
// the file relative to it, and the run's %SRCROOT% is that top level — with
// GITHUB_WORKSPACE at the top level, below it (no root of its own, the
// near miss of the old rule that made paths relative to it), and through a
// symlink from outside the repository.
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
	link := filepath.Join(t.TempDir(), "linked-matrix.yaml")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	top, err := filepath.EvalSymlinks(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	const want = "compliance/access-matrix.yaml"
	for _, c := range []struct{ name, workspace, matrix string }{
		{"workspace at the top level", h.dir, path},
		{"workspace below the top level", dir, path},
		{"symlink from outside", "", link},
	} {
		h.vars["GITHUB_WORKSPACE"] = c.workspace
		res := h.run(scanArgs("-q", "--matrix", c.matrix, "--json", "r.json", "--sarif", "r.sarif", "-o", "r.txt")...)
		if res.code != 1 {
			t.Fatalf("%s: scan exit %d, want 1 (the example's violations):\n%s", c.name, res.code, res.stderr)
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
		if rep.Matrix.RepoPath != want || rep.Matrix.Path != c.matrix {
			t.Errorf("%s: matrix path %q, repo_path %q; want %q, %q", c.name, rep.Matrix.Path, rep.Matrix.RepoPath, c.matrix, want)
		}
		var log sarifLocations
		if err := json.Unmarshal([]byte(readFile(t, h.path("r.sarif"))), &log); err != nil {
			t.Fatal(err)
		}
		if len(log.Runs) != 1 || len(log.Runs[0].Results) == 0 {
			t.Fatalf("%s: want one run with results, got %+v", c.name, log.Runs)
		}
		root := (&url.URL{Scheme: "file", Path: filepath.ToSlash(top) + "/"}).String()
		if got := log.Runs[0].OriginalURIBaseIDs["%SRCROOT%"].URI; got != root {
			t.Errorf("%s: %%SRCROOT%% is %q, want %q", c.name, got, root)
		}
		for _, r := range log.Runs[0].Results {
			for _, l := range r.Locations {
				if got := l.PhysicalLocation.ArtifactLocation.URI; got != want {
					t.Errorf("%s: %s located at %q, want %q", c.name, r.id(), got, want)
				}
			}
		}
	}
	sarifs.Validate(t, h.path("r.sarif"))
}

// TestScanMatrixOutsideRepository: a matrix in no git repository has no
// location GitHub can map. With SARIF asked for (--sarif, --sarif-dir,
// --format sarif) that is an error, exit 2 with a hint, before a single
// request; without SARIF it is a warning and the scan goes on.
func TestScanMatrixOutsideRepository(t *testing.T) {
	var requests atomic.Int64
	h := newWrappedHarness(t, nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			next.ServeHTTP(w, r)
		})
	})
	outside := filepath.Join(t.TempDir(), "access-matrix.yaml")
	if err := os.WriteFile(outside, examples.Matrix, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sarif := range [][]string{{"--sarif", "r.sarif"}, {"--sarif-dir", "sarif"}, {"--format", "sarif"}} {
		requests.Store(0)
		res := h.run(scanArgs(append([]string{"--matrix", outside, "--json", "r.json"}, sarif...)...)...)
		if res.code != 2 || !strings.Contains(res.stderr, "is in no git repository") || !strings.Contains(res.stderr, "hint: keep the matrix in the repository") {
			t.Errorf("%v with a matrix outside any repository: exit %d, want 2 with a hint:\n%s", sarif, res.code, res.stderr)
		}
		if n := requests.Load(); n != 0 {
			t.Errorf("%v: %d requests before the matrix was refused, want none", sarif, n)
		}
		// The reports say the check did not complete (no stale report).
		if r := readFile(t, h.path("r.json")); !strings.Contains(r, "in no git repository") {
			t.Errorf("%v: the JSON report does not give the cause:\n%.300s", sarif, r)
		}
	}
	// near miss: no SARIF, so only a warning and the scan's own exit code
	res := h.run(scanArgs("--matrix", outside, "--json", "r.json", "-o", "r.txt")...)
	if res.code != 1 || !strings.Contains(res.stderr, "warning: the matrix "+outside+" is in no git repository") {
		t.Errorf("without SARIF: exit %d, want 1 with a warning:\n%s", res.code, res.stderr)
	}
	if requests.Load() == 0 {
		t.Error("without SARIF the scan did not run")
	}
}
