package fuzzcorpus

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEncode(t *testing.T) {
	got, err := Encode([]byte("a\"b\n\x00"), "yaml:\n  - x", true, 7, int64(-3), uint8(255))
	if err != nil {
		t.Fatal(err)
	}
	want := "go test fuzz v1\n[]byte(\"a\\\"b\\n\\x00\")\nstring(\"yaml:\\n  - x\")\nbool(true)\nint(7)\nint64(-3)\nbyte(255)\n"
	if string(got) != want {
		t.Errorf("Encode = %q, want %q", got, want)
	}
	if _, err := Encode(3.5); err == nil {
		t.Error("a float64 was accepted")
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, "FuzzX", "seed", []byte("x")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "testdata", "fuzz", "FuzzX", "seed"))
	if err != nil || string(b) != "go test fuzz v1\n[]byte(\"x\")\n" {
		t.Errorf("wrote %q, %v", b, err)
	}
}
