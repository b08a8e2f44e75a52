package actiontest

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testVersion is the release the tests build.
const testVersion = "v0.0.0-test"

// allTargets are make release's targets.
var allTargets = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// releaseTargets are the targets the tests build: all six under CI (the
// cross-builds take minutes on a cold cache), else the host's alone.
func releaseTargets() []string {
	switch os.Getenv("CI") {
	case "", "false", "FALSE", "False":
		return []string{runtime.GOOS + "/" + runtime.GOARCH}
	}
	return allTargets
}

var (
	releaseOnce sync.Once
	releaseDir  string
	releaseErr  error
)

// release runs `make release` once for the package's tests, into a
// directory that TestMain removes, and returns it.
func release(t *testing.T) string {
	t.Helper()
	releaseOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hogaudit-release-")
		if err != nil {
			releaseErr = err
			return
		}
		releaseDir = dir
		cmd := exec.Command("make", "--no-print-directory", "release", "VERSION="+testVersion, "DIST="+dir,
			"RELEASE_TARGETS="+strings.Join(releaseTargets(), " "))
		cmd.Dir = root(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			releaseErr = fmt.Errorf("make release: %v\n%s", err, out)
		}
	})
	if releaseErr != nil {
		t.Fatal(releaseErr)
	}
	return releaseDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if releaseDir != "" {
		os.RemoveAll(releaseDir)
	}
	os.Exit(code)
}

// archiveName is make release's archive of target.
func archiveName(target string) string {
	osName, arch, _ := strings.Cut(target, "/")
	ext := ".tar.gz"
	if osName == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("hogaudit_%s_%s_%s%s", strings.TrimPrefix(testVersion, "v"), osName, arch, ext)
}

// readSums parses a SHA256SUMS file: name → hex digest.
func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("SHA256SUMS line %q is not sha256sum's format", sc.Text())
		}
		sums[name] = sum
	}
	return sums
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// archiveMembers lists an archive's files and returns the binary's bytes.
func archiveMembers(t *testing.T, path string) ([]string, []byte) {
	t.Helper()
	var names []string
	var bin []byte
	if strings.HasSuffix(path, ".zip") {
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		for _, f := range z.File {
			names = append(names, f.Name)
			if strings.HasPrefix(f.Name, "hogaudit") {
				r, _ := f.Open()
				bin, _ = io.ReadAll(r)
				r.Close()
			}
		}
		return names, bin
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Name == "hogaudit" {
			bin, _ = io.ReadAll(tr)
		}
	}
	return names, bin
}

// TestMakeRelease: make release writes one archive per target (tar.gz, zip
// for windows) holding the binary and the README, and SHA256SUMS listing
// exactly those archives with their true digests; the host's binary is
// static and its `version` names the release, the commit checked out and
// OPA. Under CI the six targets are built; elsewhere the host's alone.
func TestMakeRelease(t *testing.T) {
	t.Parallel()
	dir := release(t)
	targets := releaseTargets()
	sums := readSums(t, filepath.Join(dir, "SHA256SUMS"))
	var want []string
	for _, tg := range targets {
		want = append(want, archiveName(tg))
	}
	var got []string
	for name := range sums {
		got = append(got, name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("SHA256SUMS lists %v, want %v", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want)+1 {
		t.Errorf("dist holds %d files, want %d archives and SHA256SUMS", len(entries), len(want))
	}
	for _, name := range want {
		path := filepath.Join(dir, name)
		if sum := fileSHA256(t, path); sum != sums[name] {
			t.Errorf("%s: digest %s, SHA256SUMS says %s", name, sum, sums[name])
		}
		members, bin := archiveMembers(t, path)
		exe := "hogaudit"
		if strings.Contains(name, "_windows_") {
			exe = "hogaudit.exe"
		}
		slices.Sort(members)
		if !slices.Equal(members, []string{"README.md", exe}) || len(bin) == 0 {
			t.Errorf("%s holds %v", name, members)
		}
	}
	if len(targets) < len(allTargets) {
		t.Logf("built %v only; CI builds all six targets", targets)
	}

	bin := extractBinary(t, filepath.Join(dir, archiveName(runtime.GOOS+"/"+runtime.GOARCH)), t.TempDir())
	if runtime.GOOS == "linux" {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the linux binary is dynamically linked (it has an interpreter)")
			}
		}
		f.Close()
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("version: %v\n%s", err, out)
	}
	head, err := exec.Command("git", "-C", root(t), "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(out), "\n")
	if lines[0] != "hogaudit "+strings.TrimPrefix(testVersion, "v") {
		t.Errorf("version line %q", lines[0])
	}
	commit := strings.TrimSpace(string(head))
	if !slices.Contains(lines, "commit   "+commit) && !slices.Contains(lines, "commit   "+commit+" (modified)") {
		t.Errorf("version does not name commit %s:\n%s", commit, out)
	}
	if !strings.Contains(string(out), "\nopa      1.") {
		t.Errorf("version does not name OPA's version:\n%s", out)
	}
}

// extractBinary unpacks the hogaudit binary of archive into dir.
func extractBinary(t *testing.T, archive, dir string) string {
	t.Helper()
	_, bin := archiveMembers(t, archive)
	name := "hogaudit"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}
