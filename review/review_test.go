package review

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		// near misses: the characters elsewhere than first, and empty
		"a=1": "a=1", "": "", "1-2": "1-2", "'=x": "'=x",
	} {
		if got := safeCell(in); got != want {
			t.Errorf("safeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEncodeCSVIsRFC4180(t *testing.T) {
	b, err := encodeCSV([]string{"a", "b"}, [][]string{{"x,y", "=z"}, {"line\nbreak", `q"uote`}})
	if err != nil {
		t.Fatal(err)
	}
	want := "a,b\r\n\"x,y\",'=z\r\n\"line\r\nbreak\",\"q\"\"uote\"\r\n"
	if string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
	h, rows, err := decodeCSV(b)
	if err != nil || len(h) != 2 || len(rows) != 2 || rows[1][0] != "line\nbreak" {
		t.Errorf("decode: %v %v %v", h, rows, err)
	}
}

func TestWriteIsAtomicAndRefusesAFullDirectory(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "bundle")
	if err := Write(dir, map[string][]byte{"a.csv": []byte("1")}, false); err != nil {
		t.Fatal(err)
	}
	err := Write(dir, map[string][]byte{"b.csv": []byte("2")}, false)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("second write without force: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.csv")); string(b) != "1" {
		t.Error("a refused write changed the bundle")
	}
	if err := Write(dir, map[string][]byte{"b.csv": []byte("2")}, true); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "b.csv" {
		t.Errorf("after --force the bundle holds %v, want only b.csv", ents)
	}
	// An empty existing directory is fine; nothing is left beside it.
	empty := filepath.Join(parent, "empty")
	os.Mkdir(empty, 0o755)
	if err := Write(empty, map[string][]byte{"c.csv": []byte("3")}, false); err != nil {
		t.Fatal(err)
	}
	all, _ := os.ReadDir(parent)
	for _, e := range all {
		if strings.Contains(e.Name(), "hogaudit-tmp") {
			t.Errorf("temporary %s left behind", e.Name())
		}
	}
	// A file in the way is an error.
	file := filepath.Join(parent, "file")
	os.WriteFile(file, nil, 0o644)
	if err := Write(file, map[string][]byte{"c.csv": nil}, true); err == nil {
		t.Error("writing over a file succeeded")
	}
}
