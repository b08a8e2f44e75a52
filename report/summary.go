package report

// Finalize fills r.Summary for the --fail-on threshold failOn and returns
// it. Call it once the findings are final (exceptions applied).
func (r *Report) Finalize(failOn string) Summary {
	s := Summary{BySeverity: map[string]int{}, FailOn: failOn, NotEvaluated: len(r.NotEvaluated)}
	for _, sev := range Severities {
		s.BySeverity[sev] = 0
	}
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			s.Suppressed++
			continue
		}
		s.Total++
		s.BySeverity[f.Severity]++
		if f.Failing(failOn) {
			s.Failing++
		}
	}
	r.Summary = s
	return s
}

// Exit codes of a check, as docs/cli.md defines them.
const (
	ExitClean      = 0
	ExitFindings   = 1
	ExitIncomplete = 2
)

// ExitCode is the process exit code the report calls for: 2 when the check
// could not run on complete evidence (a section missing, a rule not
// evaluated), else 1 when a finding is at or above the threshold, else 0.
// Call Finalize first.
func (r *Report) ExitCode() int {
	if !r.Snapshot.Complete || len(r.NotEvaluated) > 0 {
		return ExitIncomplete
	}
	if r.Summary.Failing > 0 {
		return ExitFindings
	}
	return ExitClean
}
