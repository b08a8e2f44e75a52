package sarifcheck

import (
	"strings"
	"testing"
)

// TestMultitoolSized: a log over the multitool's 10 MB default is skipped
// (a problem, never a silent pass) unless the size limit is raised.
func TestMultitoolSized(t *testing.T) {
	t.Parallel()
	bin := multitool(t)
	// validLog with 11 MB in a property bag.
	big := strings.Replace(validLog, `"anything": {"goes": ["here"]}`, `"padding": "`+strings.Repeat("x", 11<<20)+`"`, 1)
	path := writeLog(t, big)

	problems, err := Multitool(t.Context(), bin, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) == 0 {
		t.Error("default limit: an 11 MB log passed; the multitool should have skipped it")
	}
	problems, err = MultitoolSized(t.Context(), bin, path, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	if n := Count(problems); n[LevelError] != 0 || n[LevelWarning] != 0 {
		t.Errorf("64 MB limit: %v", problems)
	}
}
