package report

import (
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/drift"
)

// In a file or a pipe the drift text cuts nothing: each change, however
// long, and each word, however long, stay whole on one line; on a
// terminal they are wrapped to its width (a word longer than a line
// split).
func TestDriftTextWholeOutsideATerminal(t *testing.T) {
	t.Parallel()
	long := "member:" + strings.Repeat("x", 150) + "@acme.example"
	d := everyKindReport()
	d.Changes = append(d.Changes, driftChange(drift.KindMemberJoined, long, "", "member"))
	for _, width := range []int{0, 60, 80} {
		out := renderDrift(t, d, FormatText, DriftOptions{Width: width})
		if !strings.Contains(out, long) {
			t.Errorf("width %d, no terminal: the subject is split:\n%s", width, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "      ") {
				t.Errorf("width %d, no terminal: a continuation line %q", width, l)
			}
		}
	}
	// Near miss: on an 80-column terminal the same report is wrapped.
	out := renderDrift(t, d, FormatText, DriftOptions{Width: 80, Terminal: true})
	if strings.Contains(out, long) {
		t.Errorf("terminal: a 170-cell word not split at 80 columns")
	}
	for _, l := range strings.Split(out, "\n") {
		if cells(l) > 80 {
			t.Errorf("terminal: a %d-cell line", cells(l))
		}
	}
}
