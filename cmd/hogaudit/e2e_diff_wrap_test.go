package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/report"
)

// diff's text in a pipe (COLUMNS set or not) is one line a record, nothing
// wrapped; on a terminal it fits the terminal's width.
func TestDiffTextWrapsOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("a.json", refNow)
	h.promoteMember()
	h.snapshotAt("b.json", refNow.Add(time.Hour))
	widest := func(s string) int {
		n := 0
		for _, l := range strings.Split(s, "\n") {
			n = max(n, report.Cells(l))
		}
		return n
	}
	for _, vars := range []map[string]string{nil, {"COLUMNS": "60"}} {
		var out, errb bytes.Buffer
		e := h.env(&out, &errb, vars)
		if code := run(context.Background(), []string{"diff", "a.json", "b.json"}, e); code != 0 {
			t.Fatalf("exit %d\n%s", code, errb.String())
		}
		if widest(out.String()) <= 80 || strings.Contains(out.String(), "\n      ") {
			t.Errorf("pipe %v: the text is wrapped:\n%s", vars, out.String())
		}
	}
	// Near miss: a 60-column terminal (without colour, whose codes take
	// no cells).
	var out, errb bytes.Buffer
	e := h.env(&out, &errb, map[string]string{"NO_COLOR": "1"})
	e.stdoutTTY, e.cols = true, 60
	if code := run(context.Background(), []string{"diff", "a.json", "b.json"}, e); code != 0 || widest(out.String()) > 60 {
		t.Errorf("terminal of 60 columns: exit %d, widest line %d:\n%s", code, widest(out.String()), out.String())
	}
}
