package main

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
)

// TestGzipSnapshotsEverywhere: every command that writes a snapshot
// writes .json.gz compressed (mode 0600), and every command that reads one
// reads it, with the same findings as from the plain file of the same
// collection.
func TestGzipSnapshotsEverywhere(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.setNow(refNow.Add(-time.Hour))
	if res := h.run(scanArgs("--snapshot-out", "scan.json.gz", "-q")...); res.code == 2 {
		t.Fatalf("scan --snapshot-out .json.gz: exit 2\n%s", res.stderr)
	}
	h.snapshotAt("plain.json", refNow)
	h.snapshotAt("snap.json.gz", refNow)
	for _, name := range []string{"scan.json.gz", "snap.json.gz"} {
		b, err := os.ReadFile(h.path(name))
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(h.path(name))
		if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) || fi.Mode().Perm() != snapshot.FileMode {
			t.Errorf("%s is not gzip-compressed with mode 0600 (starts %x, mode %v)", name, b[:2], fi.Mode())
		}
	}
	plain, _ := os.ReadFile(h.path("plain.json"))
	if plain[0] != '{' {
		t.Fatalf("near miss: plain.json is not plain JSON (starts %x)", plain[:2])
	}

	if res := h.run("matrix", "init", "--snapshot", "snap.json.gz", "-o", "m.yaml", "-q"); res.code != 0 {
		t.Fatalf("matrix init --snapshot .json.gz: exit %d\n%s", res.code, res.stderr)
	}
	check := func(name string, extra ...string) jsonReport {
		t.Helper()
		res := h.run(append([]string{"check", "--snapshot", name, "--matrix", "m.yaml", "--format", "json"}, extra...)...)
		if res.code == 2 {
			t.Fatalf("check --snapshot %s: exit 2\n%s", name, res.stderr)
		}
		return decodeReport(t, []byte(res.stdout))
	}
	fromGz, fromPlain := check("snap.json.gz"), check("plain.json")
	if len(fromGz.Findings) == 0 || len(fromGz.Findings) != len(fromPlain.Findings) {
		t.Errorf("check found %d findings in the .json.gz and %d in the plain file", len(fromGz.Findings), len(fromPlain.Findings))
	}
	check("snap.json.gz", "--previous", "scan.json.gz")

	if res := h.run("diff", "scan.json.gz", "snap.json.gz", "--format", "json"); res.code == 2 {
		t.Errorf("diff of .json.gz snapshots: exit 2\n%s", res.stderr)
	}
	if res := h.run("review", "export", "--snapshot", "snap.json.gz", "--matrix", "m.yaml", "-o", "bundle", "-q"); res.code == 2 {
		t.Errorf("review export --snapshot .json.gz: exit 2\n%s", res.stderr)
	}
	if res := h.run("demo", "-q", "--snapshot-out", "demo.json.gz", "-o", "demo.txt"); res.code != 0 {
		t.Errorf("demo --snapshot-out .json.gz: exit %d\n%s", res.code, res.stderr)
	} else if _, err := snapshot.Load(h.path("demo.json.gz")); err != nil {
		t.Errorf("demo's .json.gz: %v", err)
	}
}
