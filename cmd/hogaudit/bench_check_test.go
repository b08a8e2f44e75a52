package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/internal/synthsnap"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var (
	benchCheckTable = flag.String("bench-table", "", "write BenchmarkCheckSizes' Markdown table to this file (make bench; docs/performance.md)")
	benchCheckOrgs  = flag.String("bench-orgs", "", "comma-separated sizes BenchmarkCheckSizes checks (default all: 1000x20,10000x100,50000x300)")
)

// benchCheckSizes are the organizations of BenchmarkCheckSizes, members ×
// projects.
var benchCheckSizes = []struct{ members, projects int }{{1000, 20}, {10000, 100}, {50000, 300}}

// BenchmarkCheckSizes runs the hogaudit binary's `check --snapshot FILE
// --matrix M` as a subprocess on snapshots of synthetic organizations of
// 1,000 × 20, 10,000 × 100 and 50,000 × 300 members × projects, and
// reports its wall time, its peak resident memory (the child's
// rusage.Maxrss, so neither the benchmark's own heap nor a sampling
// interval distorts it), and the snapshot's size, plain and as .json.gz
// when snapshot.Write writes that form (else the gzip of the plain file,
// marked so). The matrix is benchMatrix, which the organization mostly
// follows, so the figure is loading and evaluating rather than reporting
// (strictLargeMatrix's hundreds of thousands of findings would dominate).
//
// The snapshots are collected once through the simulator (in memory, no
// latency, no rate limit) and kept in the system's temp directory under a
// name that includes the hash of this test binary: a change to the code
// makes a fresh one, a second run of the same code reuses it.
func BenchmarkCheckSizes(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "hogaudit")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	cache, err := benchSnapshotCache()
	if err != nil {
		b.Fatal(err)
	}
	only := map[string]bool{}
	for _, n := range strings.Split(*benchCheckOrgs, ",") {
		if n != "" {
			only[n] = true
		}
	}
	var rows []string
	defer func() {
		if *benchCheckTable == "" {
			return
		}
		header := "| organization | check wall time | check peak RSS | snapshot | snapshot .json.gz |\n|---|---:|---:|---:|---:|\n"
		if err := os.WriteFile(*benchCheckTable, []byte(header+strings.Join(rows, "")), 0o644); err != nil {
			b.Error(err)
		}
	}()
	for _, size := range benchCheckSizes {
		name := fmt.Sprintf("%dx%d", size.members, size.projects)
		if len(only) > 0 && !only[name] {
			continue
		}
		b.Run(name, func(b *testing.B) {
			org, plain := benchSnapshot(b, cache, size.members, size.projects)
			matrixPath := filepath.Join(b.TempDir(), "matrix.yaml")
			if err := os.WriteFile(matrixPath, []byte(benchMatrix(org)), 0o644); err != nil {
				b.Fatal(err)
			}
			plainSize := fileSize(b, plain)
			gzSize, gzNote := benchGzipSize(b, plain)
			var wall time.Duration
			var rss int64
			for b.Loop() {
				wall, rss = runCheck(b, bin, plain, matrixPath)
			}
			b.ReportMetric(wall.Seconds(), "check-s")
			b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
			b.ReportMetric(float64(plainSize)/1e6, "snapshot-MB")
			b.ReportMetric(float64(gzSize)/1e6, "snapshot-gz-MB")
			b.ReportMetric(0, "ns/op") // the figures above are the measure
			row := fmt.Sprintf("| %s × %s | %.2f s | %.0f MiB | %.1f MB | %.1f MB%s |\n",
				report.Thousands(size.members), report.Thousands(size.projects), wall.Seconds(), float64(rss)/(1<<20),
				float64(plainSize)/1e6, float64(gzSize)/1e6, gzNote)
			b.Log(strings.TrimSpace(row))
			rows = append(rows, row)
		})
	}
}

// measureEnv makes the test binary run the command in its arguments as a
// child and print the child's wall time and peak resident set size
// (measureChild), instead of the tests.
const measureEnv = "HOGAUDIT_TEST_MEASURE"

// measureChild runs args as a child process, its output discarded and its
// stderr passed on, prints "wall-ns N maxrss-kib M" to stdout and returns the
// child's exit code (2 when it could not be run).
//
// It exists because the kernel's rusage.ru_maxrss of a child started by a
// large process is wrong: Go starts children with vfork (CLONE_VM), and
// exec keeps the high-water mark of the memory the child shared with its
// parent, so a check started from the benchmark, which has just collected
// and loaded a 50,000-member snapshot, would report the benchmark's own
// peak. Started from this small process instead, the child's figure is its
// own.
func measureChild(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "measure: no command")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		return 2
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "measure: no rusage on this platform")
		return 2
	}
	fmt.Printf("wall-ns %d maxrss-kib %d\n", wall.Nanoseconds(), ru.Maxrss) // Linux reports KiB
	return cmd.ProcessState.ExitCode()
}

// runCheck runs `bin check --snapshot snap --matrix m` with its output
// discarded, through measureChild, and returns its wall time and peak
// resident set size in bytes. Exit 0 or 1 (findings) is a completed check;
// anything else fails b.
func runCheck(b *testing.B, bin, snap, m string) (time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(os.Args[0], bin, "check", "--snapshot", snap, "--matrix", m)
	cmd.Env = append(os.Environ(), measureEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		b.Fatalf("hogaudit check: %v\n%s", err, stderr.String())
	}
	var wallNS, rssKiB int64
	if _, err := fmt.Sscanf(stdout.String(), "wall-ns %d maxrss-kib %d", &wallNS, &rssKiB); err != nil {
		b.Fatalf("measure: %v in %q", err, stdout.String())
	}
	return time.Duration(wallNS), rssKiB * 1024
}

// benchSnapshotCache is the directory the check benchmark keeps its
// snapshots in, named after the running test binary's hash.
func benchSnapshotCache() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	dir := filepath.Join(os.TempDir(), "hogaudit-bench-check", hex.EncodeToString(h.Sum(nil))[:16])
	return dir, os.MkdirAll(dir, 0o755)
}

// benchSnapshot returns the synthetic organization of the given size and
// the path of its collected snapshot, collecting it when cache has none.
func benchSnapshot(b *testing.B, cache string, members, projects int) (*posthogsim.Org, string) {
	b.Helper()
	dir := filepath.Join(cache, fmt.Sprintf("%dx%d", members, projects))
	path := filepath.Join(dir, "large.json")
	if _, err := os.Stat(path); err == nil {
		org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: members, Projects: projects, Seed: 10, Now: refNow})
		return org, path
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	org, p := syntheticOrgSnapshot(b, tmp, members, projects)
	b.Logf("collected %d × %d through the simulator in %v (cached in %s)", members, projects, time.Since(start).Round(time.Millisecond), dir)
	if filepath.Base(p) != "large.json" {
		b.Fatalf("unexpected snapshot path %s", p)
	}
	if err := os.Rename(tmp, dir); err != nil {
		b.Fatal(err)
	}
	return org, path
}

// benchGzipSize is the size of the snapshot at plain as .json.gz: the file
// snapshot.Write writes for that extension when it compresses, else the
// gzip (default level) of the plain file, with a note saying so.
func benchGzipSize(b *testing.B, plain string) (int64, string) {
	b.Helper()
	s, err := snapshot.Load(plain)
	if err != nil {
		b.Fatal(err)
	}
	gz := filepath.Join(b.TempDir(), "large.json.gz")
	if err := snapshot.Write(gz, s); err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(gz)
	if err != nil {
		b.Fatal(err)
	}
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		return int64(len(raw)), ""
	}
	plainRaw, err := os.ReadFile(plain)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(plainRaw); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return int64(buf.Len()), " (gzip of the plain file: hogaudit does not write .json.gz)"
}

func fileSize(b *testing.B, path string) int64 {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// benchMatrix is an access matrix a Synthetic organization mostly follows:
// every project declared by id, the owners and the admins as groups at
// their organization level, every role a group, and every group allowed
// admin on every project.
func benchMatrix(org *posthogsim.Org) string {
	var b strings.Builder
	b.WriteString("version: 1\norganization:\n  max_owners: 2\n  allowed_email_domains: [synthetic.example]\nprojects:\n")
	for _, p := range org.Projects {
		fmt.Fprintf(&b, "  p%d:\n    id: %d\n", p.ID, p.ID)
	}
	groups := []string{"owners", "org_admins"}
	b.WriteString(synthsnap.LevelGroups(org))
	for i, r := range org.Roles {
		g := fmt.Sprintf("role_%03d", i+1)
		groups = append(groups, g)
		fmt.Fprintf(&b, "  %s:\n    role: %q\n", g, r.Name)
	}
	b.WriteString("access_matrix:\n")
	for _, g := range groups {
		fmt.Fprintf(&b, "  %s:\n", g)
		for _, p := range org.Projects {
			fmt.Fprintf(&b, "    p%d: {role: admin}\n", p.ID)
		}
	}
	return b.String()
}
