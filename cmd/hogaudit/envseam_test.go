package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/hogaudit/hogaudit/examples"
)

// The env seam: a run reads variables and resolves relative paths through
// its env alone, so tests run side by side; the binary's env is the
// process's, and it behaves as it did when kong read the process.

// matrixPathOf returns the matrix path and repository path a JSON report
// names.
func matrixPathOf(t *testing.T, stdout string) (path, repoPath string) {
	t.Helper()
	var doc struct {
		Matrix struct {
			Path     string `json:"path"`
			RepoPath string `json:"repo_path"`
		} `json:"matrix"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("decode JSON report: %v\n%s", err, stdout)
	}
	return doc.Matrix.Path, doc.Matrix.RepoPath
}

func TestFlagsReadTheRunsEnvironment(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)

	// A variable set to "" is set, as kong has it: an empty host is an
	// error, not the default host.
	var out, errb bytes.Buffer
	e := h.env(&out, &errb, nil)
	lookup := e.lookupEnv
	e.lookupEnv = func(name string) (string, bool) {
		if name == "POSTHOG_HOST" {
			return "", true
		}
		return lookup(name)
	}
	if code := run(context.Background(), scanArgs(), e); code != 2 || !strings.Contains(errb.String(), "hogaudit: --host: no posthog host given") {
		t.Errorf("POSTHOG_HOST set to \"\": exit %d:\n%s", code, errb.String())
	}
	if n := h.sim.Stats().Requests; n != 0 {
		t.Errorf("%d requests without a host", n)
	}

	// The command line wins over the variable.
	res := h.runEnv(map[string]string{"POSTHOG_HOST": "http://127.0.0.1:1"}, scanArgs("-q", "--host", h.url, "--format", "json")...)
	if res.code != 1 || h.sim.Stats().Requests == 0 {
		t.Errorf("--host over $POSTHOG_HOST: exit %d:\n%s", res.code, res.stderr)
	}

	// HOGAUDIT_MATRIX names the matrix, relative to the run's directory;
	// the near miss, without it, is the default file there.
	if err := os.MkdirAll(h.path("compliance"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.path("compliance/m.yaml"), examples.Matrix, 0o644); err != nil {
		t.Fatal(err)
	}
	for vars, want := range map[string]string{"compliance/m.yaml": "compliance/m.yaml", "": "access-matrix.yaml"} {
		res := h.runEnv(map[string]string{"HOGAUDIT_MATRIX": vars}, scanArgs("-q", "--format", "json")...)
		if res.code != 1 {
			t.Fatalf("HOGAUDIT_MATRIX=%q: exit %d:\n%s", vars, res.code, res.stderr)
		}
		if path, repo := matrixPathOf(t, res.stdout); path != want || repo != want {
			t.Errorf("HOGAUDIT_MATRIX=%q: the report names the matrix %q (repo path %q), want %q", vars, path, repo, want)
		}
	}
}

// TestKongReadsNoProcessEnvironment: kong resets flags from the process
// environment through their tags' variables (kong's Value.Reset); none is
// left there, while the flags keep theirs for the resolver and the help.
func TestKongReadsNoProcessEnvironment(t *testing.T) {
	t.Parallel()
	e := &env{lookupEnv: lookupIn()}
	parser, err := kong.New(&cli{}, interpolations(), envFlags(e))
	if err != nil {
		t.Fatal(err)
	}
	hideProcessEnv(parser)
	got := map[string]string{}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			if len(f.Value.Tag.Envs) != 0 {
				t.Errorf("%s --%s: kong would read $%s from the process", n.Path(), f.Name, f.Value.Tag.Envs[0])
			}
			if len(f.Envs) > 0 {
				got[f.Name] = strings.Join(f.Envs, ",")
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(parser.Model.Node)
	want := map[string]string{"host": "POSTHOG_HOST", "org": "POSTHOG_ORG_ID", "matrix": "HOGAUDIT_MATRIX"}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("--%s reads %q, want %q", name, got[name], v)
		}
	}

	// The help still names each flag's variable.
	h := newHarness(t, nil)
	res := h.run("scan", "--help")
	for _, v := range want {
		if !strings.Contains(res.stdout, "($"+v+")") {
			t.Errorf("scan --help does not name $%s:\n%s", v, res.stdout)
		}
	}
}

// TestTheBinaryReadsTheProcessEnvironment runs the real command as a
// child process: its flags' variables come from the process environment
// and its relative paths from the process's working directory, as before
// the seam.
func TestTheBinaryReadsTheProcessEnvironment(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil) // the simulated organization; the child has its own directory
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "access-matrix.yaml"), examples.Matrix, 0o600); err != nil {
		t.Fatal(err)
	}
	child := func(host string) (int, string) {
		cmd := exec.CommandContext(t.Context(), os.Args[0], scanArgs("-q", "--json", "r.json")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), runMainEnv+"=1", "POSTHOG_HOST="+host)
		for k, v := range h.vars {
			if k != "POSTHOG_HOST" {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stderr.String()
	}
	code, stderr := child(h.url)
	if code != 1 {
		t.Fatalf("POSTHOG_HOST=%s: exit %d, want 1:\n%s", h.url, code, stderr)
	}
	rep := decodeReport(t, []byte(readFile(t, filepath.Join(dir, "r.json"))))
	if !rep.Snapshot.Complete || !rep.has("PH212", "member:dan@acme.example", "production_project") {
		t.Errorf("the child's report (in its working directory) lacks the scan:\n%s", listFindings(rep))
	}
	// Near miss: set to "", the variable is still the host, and no host is
	// an error.
	if code, stderr := child(""); code != 2 || !strings.Contains(stderr, "hogaudit: --host: no posthog host given") {
		t.Errorf("POSTHOG_HOST=\"\": exit %d:\n%s", code, stderr)
	}
}

// TestRelativePathsAreNamedAsGiven: files are found in the run's
// directory, and messages name them as the user did — not in the
// directory they were resolved in; an absolute path stays absolute.
func TestRelativePathsAreNamedAsGiven(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for _, c := range []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"snapshot", []string{"check", "--snapshot", "absent.json"}, nil, "hogaudit: read snapshot: open absent.json: no such file or directory"},
		{"previous", scanArgs("--previous", "old/prev.json"), nil, "hogaudit: --previous: read snapshot: open old/prev.json: no such file or directory"},
		{"matrix", scanArgs("--matrix", "nope.yaml"), nil, "hogaudit: read matrix: open nope.yaml: no such file or directory"},
		{"matrix validate", []string{"matrix", "validate", "./nope.yaml"}, nil, "hogaudit: read matrix: open ./nope.yaml: no such file or directory"},
		{"key file", []string{"snapshot", "--api-key-file", "keys/k.txt"}, nil, "hogaudit: read --api-key-file: open keys/k.txt: no such file or directory"},
		{"output directory", scanArgs("--json", "out/r.json"), nil, "hogaudit: --json: the directory of out/r.json does not exist"},
		{"output is a directory", scanArgs("--sarif", "."), nil, "hogaudit: --sarif: . is a directory"},
		{"policy directory", scanArgs("--policy-dir", "rules"), nil, "hogaudit: policy directory: stat rules: no such file or directory"},
		{"absolute", scanArgs("--matrix", h.path("nope.yaml")), nil, "hogaudit: read matrix: open " + h.path("nope.yaml") + ": no such file or directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := h.runEnv(c.vars, c.args...)
			if res.code != 2 || !strings.Contains(res.stderr, c.want+"\n") {
				t.Errorf("exit %d, want 2 and %q:\n%s", res.code, c.want, res.stderr)
			}
			if c.name != "absolute" && strings.Contains(res.stderr, h.dir) {
				t.Errorf("a message names the run's directory:\n%s", res.stderr)
			}
		})
	}
}

func TestShownPaths(t *testing.T) {
	t.Parallel()
	sep := string(filepath.Separator)
	wd := filepath.Join(t.TempDir(), "w")
	e := &env{wd: wd}
	msg := "write " + wd + sep + "out" + sep + "r.json: denied; create temporary file in " + wd + sep + "out: denied; " + wd + sep + "s.json"
	want := "write out" + sep + "r.json: denied; create temporary file in out: denied; s.json"
	if got := e.shown(msg, "out"+sep+"r.json", "s.json"); got != want {
		t.Errorf("shown:\n%s\nwant:\n%s", got, want)
	}
	// A path as the user spelled it is opened and shown so.
	if got := e.path("." + sep + "r.json"); got != wd+sep+"."+sep+"r.json" {
		t.Errorf("path(./r.json) = %q", got)
	}
	abs := wd + sep + "r.json"
	if got := e.shown("open "+abs, abs); got != "open "+abs {
		t.Errorf("an absolute path was rewritten: %q", got)
	}
	// The binary's env: paths and messages as they are.
	bin := &env{}
	if bin.path("r.json") != "r.json" || bin.shown("open "+abs, "r.json") != "open "+abs {
		t.Error("without a working directory of its own, a run must leave paths alone")
	}
	err := e.asGiven(os.ErrNotExist, "r.json")
	if !errors.Is(err, os.ErrNotExist) || e.asGiven(nil, "r.json") != nil {
		t.Errorf("asGiven loses the error's chain: %v", err)
	}
}

// TestSharedEngineChangesNoFinding: the harness's runs share compiled
// engines; a run with an engine of its own, as the binary builds, writes
// the same report byte for byte.
func TestSharedEngineChangesNoFinding(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{scanArgs("-q", "--format", "json"), scanArgs("-q", "--format", "sarif", "--disable", "PH212")} {
		// A scan changes the organization (it reads the keys, PostHog
		// stamps their use): each run scans one of its own.
		scan := func(ownEngine bool) string {
			h := newHarness(t, nil)
			var out, errb bytes.Buffer
			e := h.env(&out, &errb, nil)
			if ownEngine {
				e.newEngine = nil
			}
			if code := run(context.Background(), args, e); code != 1 {
				t.Fatalf("%v (own engine %v): exit %d:\n%s", args, ownEngine, code, errb.String())
			}
			// The checkout (SARIF's %SRCROOT%) and the server are each run's own.
			return strings.NewReplacer(h.url, "http://posthog.test", h.dir, "/checkout").Replace(out.String())
		}
		shared, own := scan(false), scan(true)
		if shared != own || !strings.Contains(own, "PH201") {
			t.Errorf("%v: the shared engine's report differs from the run's own:\n%s\n---\n%s", args, shared, own)
		}
	}
}
