package atomicfile

import (
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

func TestAppendBytesKeepsContentAndMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "step_summary")
	// No trailing newline and bytes that are not text: kept byte for byte.
	old := []byte("earlier step output\x00\xff no newline")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendBytes(path, []byte("## hogaudit\n")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(b) != string(old)+"## hogaudit\n" || fi.Mode().Perm() != 0o644 {
		t.Errorf("content %q mode %v", b, fi.Mode().Perm())
	}
	if err := AppendBytes(filepath.Join(t.TempDir(), "absent"), nil); err == nil {
		t.Error("AppendBytes to a missing file must fail, not create it")
	}
	if _, err := os.Stat("/dev/full"); err == nil {
		if err := AppendBytes("/dev/full", []byte("x")); err == nil {
			t.Error("a failed write is not reported")
		}
	}
}

// TestAppendBytesFailureKeepsOldContent: a write cut short (here by the
// file size limit) leaves the file as it was, none of the new part in it.
// The limit is set in a child process, so that no other test feels it.
func TestAppendBytesFailureKeepsOldContent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RLIMIT_FSIZE as on Linux")
	}
	if path := os.Getenv("ATOMICFILE_APPEND_CHILD"); path != "" {
		signal.Ignore(syscall.SIGXFSZ)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 4096, Max: 4096}); err != nil {
			t.Fatal(err)
		}
		big := make([]byte, 8192)
		for i := range big {
			big[i] = 'n'
		}
		if err := AppendBytes(path, big); err == nil {
			t.Fatal("the write past the size limit succeeded")
		}
		return
	}
	path := filepath.Join(t.TempDir(), "step_summary")
	old := []byte("earlier step output\n")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAppendBytesFailureKeepsOldContent$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_APPEND_CHILD="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(path); string(b) != string(old) {
		t.Errorf("after a failed append the file holds %d bytes, want the old %d: %.60q", len(b), len(old), b)
	}
}
