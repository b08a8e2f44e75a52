package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(path, 0o600, []byte("new")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	info, _ := os.Stat(path)
	if string(b) != "new" || info.Mode().Perm() != 0o600 {
		t.Errorf("content %q mode %v", b, info.Mode().Perm())
	}

	// A failing writer leaves the old content and no temporary file.
	boom := errors.New("boom")
	err := Write(path, 0o644, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	b, _ = os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if string(b) != "new" || len(entries) != 1 {
		t.Errorf("after a failed write: content %q, %d files", b, len(entries))
	}
}

func TestWriteIntoMissingDirectoryFails(t *testing.T) {
	err := WriteBytes(filepath.Join(t.TempDir(), "absent", "x"), 0o644, []byte("x"))
	if err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

func TestWriteToADeviceWritesInPlace(t *testing.T) {
	if err := WriteBytes(os.DevNull, 0o644, []byte("discarded")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(os.DevNull)
	if err != nil || info.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s must stay a device, got %v (%v)", os.DevNull, info.Mode(), err)
	}
}

func TestWriteThroughASymlinkKeepsTheLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := WriteBytes(link, 0o644, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", info.Mode(), err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("target holds %q", b)
	}
}

func TestWriteToADirectoryFails(t *testing.T) {
	if err := WriteBytes(t.TempDir(), 0o644, []byte("x")); err == nil {
		t.Fatal("want an error when the path is a directory")
	}
}
