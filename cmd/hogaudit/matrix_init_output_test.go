package main

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

func TestMatrixInitOutputDirectoryIsNamedFirst(t *testing.T) {
	h := newHarness(t, nil)
	h.snapshotFile("snap.json")
	if err := os.Mkdir(h.path("out"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"matrix", "init", "--snapshot", "snap.json", "-o", "out"},
		{"matrix", "init", "--snapshot", "snap.json", "-o", "out", "--force"},
		{"matrix", "init", "--snapshot", "missing.json", "-o", "out"}, // before the snapshot is read
	} {
		res := h.run(args...)
		if res.code != 2 || !strings.HasPrefix(res.stderr, "hogaudit: out is a directory\n") || strings.Contains(res.stderr, "exists") {
			t.Errorf("%v: exit %d\n%s", args, res.code, res.stderr)
		}
	}
	// Near miss: a file in the directory is written.
	if res := h.run("matrix", "init", "--snapshot", "snap.json", "-o", "out/m.yaml"); res.code != 0 {
		t.Fatalf("-o out/m.yaml: exit %d\n%s", res.code, res.stderr)
	}
}

// A live collection takes time: a file that appears at the output path
// meanwhile is not replaced without --force.
func TestMatrixInitLiveDoesNotReplaceAFileCreatedMeanwhile(t *testing.T) {
	for _, force := range []bool{false, true} {
		var dir string
		var once sync.Once
		h := newWrappedHarness(t, nil, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.URL.Path, "/members/") {
					once.Do(func() { _ = os.WriteFile(dir+"/late.yaml", []byte("theirs\n"), 0o644) })
				}
				next.ServeHTTP(w, r)
			})
		})
		dir = h.dir
		args := append([]string{"matrix", "init", "-o", "late.yaml"}, auditKeyFlags...)
		if force {
			args = append(args, "--force")
		}
		res := h.run(args...)
		got := h.read("late.yaml")
		switch {
		case !force && (res.code != 2 || !strings.Contains(res.stderr, "late.yaml exists") || string(got) != "theirs\n"):
			t.Errorf("without --force: exit %d, file %q\n%s", res.code, got, res.stderr)
		case force && (res.code != 0 || !bytes.HasPrefix(got, []byte("# Access matrix drafted"))): // near miss
			t.Errorf("with --force: exit %d, file %q\n%s", res.code, got, res.stderr)
		}
	}
}

// The bytes written are the bytes validated: masking a secret's shape
// after validation could write a file that is no matrix.
func TestMatrixInitValidatesWhatItWrites(t *testing.T) {
	// KeyFor makes "phx_" and 40 characters of this name: shaped like a key
	// once drafted, though the name is not.
	shaped := "PHX " + strings.Repeat("abcd", 10)
	h := newHarness(t, func(o *posthogsim.Org) { o.Projects[0].Name = shaped })
	h.snapshotFile("snap.json")
	res := h.run("matrix", "init", "--snapshot", "snap.json", "-o", "out.yaml")
	if res.code == 0 {
		if _, err := matrix.Parse("out.yaml", h.read("out.yaml")); err != nil {
			t.Fatalf("matrix init wrote a file that is no matrix: %v", err)
		}
	} else if !strings.Contains(res.stderr, "does not validate") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	} else if _, err := os.Stat(h.path("out.yaml")); err == nil {
		t.Fatal("a file that does not validate was written")
	}
	// Near miss: a name too short for a key's shape drafts.
	h = newHarness(t, func(o *posthogsim.Org) { o.Projects[0].Name = "PHX abcd" })
	h.snapshotFile("snap.json")
	if res := h.run("matrix", "init", "--snapshot", "snap.json", "-o", "out.yaml"); res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
}

func TestMatrixInitHintNamesTheSnapshot(t *testing.T) {
	h := newHarness(t, nil)
	if err := os.Mkdir(h.path("snaps"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.snapshotFile("snaps/s1.json")
	res := h.run("matrix", "init", "--snapshot", "snaps/s1.json", "-o", "m.yaml")
	if res.code != 0 || !strings.Contains(res.stderr, "'hogaudit check --snapshot snaps/s1.json --matrix m.yaml'") {
		t.Errorf("exit %d\n%s", res.code, res.stderr)
	}
	// The header names the snapshot by its base name only.
	if got := h.read("m.yaml"); !bytes.Contains(got, []byte("(s1.json).")) || bytes.Contains(got, []byte("snaps/")) || bytes.Contains(got, []byte(h.dir)) {
		t.Errorf("header:\n%s", got[:min(len(got), 400)])
	}
	// The same snapshot read through another path drafts the same bytes.
	abs := h.path("snaps/s1.json")
	if res := h.run("matrix", "init", "--snapshot", abs, "-o", "m2.yaml"); res.code != 0 || !bytes.Equal(h.read("m.yaml"), h.read("m2.yaml")) {
		t.Errorf("exit %d; drafts through two paths differ\n%s", res.code, res.stderr)
	}
	// Live: the hint is scan, not a snapshot that does not exist.
	res = h.run(append([]string{"matrix", "init", "-o", "live.yaml"}, auditKeyFlags...)...)
	if res.code != 0 || !strings.Contains(res.stderr, "'hogaudit scan --matrix live.yaml'") || strings.Contains(res.stderr, "--snapshot FILE") {
		t.Errorf("live: exit %d\n%s", res.code, res.stderr)
	}
}

func TestMatrixInitSnapshotRefusesLiveFlags(t *testing.T) {
	h := newHarness(t, nil)
	h.snapshotFile("snap.json")
	for _, flag := range [][]string{
		{"--host", "https://eu.posthog.com"}, {"--org", "x"}, {"--lookback-days", "7"}, {"--lookback-days", "30"},
		{"--timeout", "1m"}, {"--rate", "10"}, {"--concurrency", "2"}, {"--insecure-http"}, {"--api-key-file", "k"}, {"--request-timeout", "5s"},
	} {
		res := h.run(append([]string{"matrix", "init", "--snapshot", "snap.json", "-o", "out.yaml"}, flag...)...)
		if res.code != 2 || !strings.Contains(res.stderr, flag[0]+" is for a live collection") {
			t.Errorf("%v: exit %d\n%s", flag, res.code, res.stderr)
		}
		if _, err := os.Stat(h.path("out.yaml")); err == nil {
			t.Fatalf("%v: a draft was written", flag)
		}
	}
	// Near miss: POSTHOG_HOST in the environment (the harness sets it) is
	// no flag given.
	if res := h.runEnv(map[string]string{"POSTHOG_ORG_ID": "x"}, "matrix", "init", "--snapshot", "snap.json", "-o", "out.yaml"); res.code != 0 {
		t.Fatalf("with POSTHOG_HOST and POSTHOG_ORG_ID set: exit %d\n%s", res.code, res.stderr)
	}
}

// The glob refusal end to end: a member whose address would be a pattern
// stops the draft, naming the member (exit 2).
func TestMatrixInitRefusesAMemberEmailThatIsAPattern(t *testing.T) {
	h := newHarness(t, func(o *posthogsim.Org) {
		for i := range o.Members {
			if o.Members[i].Level >= posthogsim.LevelOwner {
				o.Members[i].User.Email = "*@acme.example"
				break
			}
		}
	})
	h.snapshotFile("snap.json")
	res := h.run("matrix", "init", "--snapshot", "snap.json", "-o", "out.yaml")
	if res.code != 2 || !strings.Contains(res.stderr, `member "*@acme.example" holds a glob character`) || !strings.Contains(res.stderr, "hint: rename") {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if _, err := os.Stat(h.path("out.yaml")); err == nil {
		t.Fatal("a draft was written")
	}
}
