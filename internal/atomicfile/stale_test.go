package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestTemporaryFilesAreNamedAfterTheirTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.sarif")
	var seen []string
	err := Write(path, 0o600, func(io.Writer) error {
		seen = names(t, dir)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !strings.HasPrefix(seen[0], ".report.sarif.hogaudit-tmp-") {
		t.Errorf("during the write the directory held %q, want one .report.sarif.hogaudit-tmp-* file", seen)
	}
}

func TestStaleTemporaryFilesAreRemovedOnTheNextWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.sarif")
	// What a killed process leaves: a temporary file of this path, and
	// near misses that must stay — another target's temporary file, a file
	// that merely resembles one, and a directory with the prefix.
	stale := filepath.Join(dir, ".report.sarif.hogaudit-tmp-123456")
	keep := []string{
		".report.json.hogaudit-tmp-123456",
		"report.sarif.hogaudit-tmp-1",
		".report.sarif.tmp-99",
	}
	for _, n := range append([]string{filepath.Base(stale)}, keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".report.sarif.hogaudit-tmp-dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(path, 0o600, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale temporary file is still there (%v)", err)
	}
	for _, n := range append(keep, ".report.sarif.hogaudit-tmp-dir") {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed: %v", n, err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("content %q", b)
	}
}

func TestWriteTightensAWiderFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(path, 0o600, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.sarif")
	if err := os.WriteFile(existing, []byte("old"), 0o400); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, want string // want "" means writable
	}{
		{filepath.Join(dir, "new.sarif"), ""},
		// A read-only file in a writable directory is replaced by rename.
		{existing, ""},
		{os.DevNull, ""},
		{dir, "is a directory"},
		{filepath.Join(dir, "absent", "x.sarif"), "does not exist"},
		{filepath.Join(notDir, "x.sarif"), "not a directory"},
	} {
		err := Check(c.path)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("Check(%s) = %v, want nil", c.path, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path)):
			t.Errorf("Check(%s) = %v, want an error naming the path with %q", c.path, err, c.want)
		}
	}
	if got := names(t, dir); len(got) != 2 {
		t.Errorf("Check left files behind: %q", got)
	}
	if b, _ := os.ReadFile(existing); string(b) != "old" {
		t.Error("Check changed an existing file")
	}
}

func TestCheckReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only directories")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	err := Check(filepath.Join(dir, "x.json"))
	if err == nil || !strings.Contains(err.Error(), "cannot create files") || !errors.Is(err, syscall.EACCES) {
		t.Errorf("Check in a read-only directory = %v", err)
	}
}
