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
		// a leading apostrophe is escaped too, so that unsafeCell can undo it
		"'=x": "''=x", "'x": "''x",
		// a formula after a semicolon (semicolon-locale spreadsheets)
		"a;=1": "'a;=1", "a;  +1": "'a;  +1", "x; -y": "'x; -y", "x;\t@y": "'x;\t@y",
		// near misses: the characters elsewhere than first or after ;, and empty
		"a=1": "a=1", "": "", "1-2": "1-2", "a; b": "a; b", "a;b=1": "a;b=1", "a;": "a;", "x@y.com": "x@y.com",
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

// TestUnsafeCellInvertsSafeCell: unsafeCell(safeCell(s)) is s, for cells
// safeCell escapes and cells it leaves alone (near miss: an apostrophe
// safeCell did not add stays).
func TestUnsafeCellInvertsSafeCell(t *testing.T) {
	for _, s := range []string{"-bob@x.com", "+x", "=1", "@a", "'", "''", "'=x", "a;=b", "plain", "", "'plain"} {
		if got := unsafeCell(safeCell(s)); got != s {
			t.Errorf("unsafeCell(safeCell(%q)) = %q", s, got)
		}
	}
	if got := unsafeCell("'plain"); got != "'plain" {
		t.Errorf("unsafeCell stripped an apostrophe safeCell would not add: %q", got)
	}
}

// TestReviewerIdentity: a reviewer is a bare address; a +tag or case does
// not make the member someone else (near miss: another local part is).
func TestReviewerIdentity(t *testing.T) {
	for s, want := range map[string]bool{
		"a@x.com": true, "A.B+c@x.example": true,
		"A <a@x.com>": false, "<a@x.com>": false, "a": false, "a@x.com, b@x.com": false, " a@x.com": false, "a@x.com (me)": false,
	} {
		if got := isBareEmail(s); got != want {
			t.Errorf("isBareEmail(%q) = %v", s, got)
		}
	}
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"Alice+review@Acme.example", "alice@acme.example", true},
		{"alice@acme.example", "alice+x@acme.example", true},
		{"alice2@acme.example", "alice@acme.example", false},
		{"alice@acme.example", "alice@other.example", false},
		{"a@x.com", "", false},
	} {
		if got := sameMailbox(c.a, c.b); got != c.want {
			t.Errorf("sameMailbox(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
