package report

import (
	"encoding/json"
	"io"

	"github.com/hogaudit/hogaudit/drift"
)

// writeDriftJSON renders d as the drift JSON document of docs/drift.md:
// the drift.Report's JSON fields, indented by two spaces, with a trailing
// newline. changes and gaps are always arrays (never null), and counts
// names every group, zero included. HTML characters are not escaped.
func writeDriftJSON(w io.Writer, d *drift.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(jsonDrift(d))
}

// jsonDrift returns a copy of d (nil for nil) whose nil lists are empty
// and whose counts hold every group of drift.Groups (as given where d has
// them, else the number of d's changes in the group). d is not modified.
func jsonDrift(d *drift.Report) *drift.Report {
	if d == nil {
		return nil
	}
	c := *d
	c.Changes = nonNil(d.Changes)
	c.Gaps = nonNil(d.Gaps)
	c.Counts = make(map[string]int, len(drift.Groups)+len(d.Counts))
	for _, g := range drift.Groups {
		if n, ok := d.Counts[g]; ok {
			c.Counts[g] = n
		} else {
			c.Counts[g] = len(groupChanges(d, g))
		}
	}
	for g, n := range d.Counts {
		c.Counts[g] = n
	}
	return &c
}
