package report

import (
	"encoding/json"
	"io"
)

// writeJSON renders r as the JSON document of docs/cli.md: the Report's JSON
// fields, indented by two spaces, with a trailing newline. Lists are always
// arrays (never null), every severity appears in summary.by_severity, and
// suppressed findings are kept with their "suppressed" object; "drift"
// (with --previous) is the drift document of WriteDrift's JSON; "controls"
// is the report grouped by framework control (Controls). HTML characters
// are not escaped, so messages read as written.
func writeJSON(w io.Writer, r *Report) error {
	doc := struct {
		*Report
		Controls []ControlStatus `json:"controls"`
	}{jsonReport(r), Controls(r)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// jsonReport returns a copy of r whose nil lists and maps are empty, so that
// they encode as [] and {} rather than null, and whose findings have their
// IDs (AssignIDs). r is not modified.
func jsonReport(r *Report) *Report {
	c := *r
	c.Snapshot.Missing = nonNil(r.Snapshot.Missing)
	c.Coverage.Keys.Unaudited = nonNil(r.Coverage.Keys.Unaudited)
	c.NotEvaluated = make([]NotEvaluated, len(r.NotEvaluated))
	for i, ne := range r.NotEvaluated {
		ne.Sections = nonNil(ne.Sections)
		ne.Scopes = nonNil(ne.Scopes)
		c.NotEvaluated[i] = ne
	}
	c.ExpiringExceptions = nonNil(r.ExpiringExceptions)
	c.Findings = findingsWithIDs(r)
	for i, f := range c.Findings {
		if f.Evidence == nil {
			f.Evidence = map[string]any{}
		}
		c.Findings[i] = f
	}
	by := make(map[string]int, len(Severities)+len(r.Summary.BySeverity))
	for _, s := range Severities {
		by[s] = 0
	}
	for s, n := range r.Summary.BySeverity {
		by[s] = n
	}
	c.Summary.BySeverity = by
	c.Drift = jsonDrift(r.Drift)
	return &c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
