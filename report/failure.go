package report

import (
	"cmp"
	"fmt"
	"strings"
)

// NotCompletedSubject is the subject of the PH901 finding in a report that
// says the check did not complete.
const NotCompletedSubject = "run:not-completed"

// notCompletedPrefix begins Failure.Message: every format shows the line.
const notCompletedPrefix = "check did not complete: "

// Failure says why a check did not complete.
type Failure struct {
	// Message is "check did not complete: " followed by Cause.
	Message string `json:"message"`
	// Cause is the error that stopped the run, as hogaudit printed it.
	Cause string `json:"cause"`
	// Hints are the remedies hogaudit printed with it.
	Hints []string `json:"hints,omitempty"`
}

// notCompletedRule describes PH901 when the run did not get as far as the
// rule catalog.
var notCompletedRule = Rule{
	ID:          EvidenceMissingRule,
	Name:        "evidence-missing",
	Title:       "Evidence is missing from the snapshot",
	Severity:    SeverityHigh,
	Description: "The evidence could not be collected or checked, so hogaudit gives no verdict.",
	Remediation: "Fix the cause the message names and run hogaudit again.",
	Area:        "tool",
	// The anchor policies' catalog gives PH901 in docs/rules.md
	// (TestNotCompletedHelpURI in policies holds them equal).
	HelpURI: RulesDocURL("ph901-evidence-missing"),
}

// NotCompleted returns the report of a check that did not complete: base's
// tool, organization, host, matrix and generation time, no evidence and no
// verdict, and Failure set from cause and hints. It holds one finding, PH901
// (high) for subject NotCompletedSubject, whose message names the cause; its
// evidence is marked incomplete, so ExitCode is 2 and the SARIF invocation's
// executionSuccessful is false. rule is the catalog's PH901 entry, or the
// zero Rule for a built-in description; it is the only rule of the report,
// so that no other rule is described as having run. The summary is
// finalized for failOn. Formats render such a report as the failure only;
// its line "check did not complete: <cause>" is in every one of them.
func NotCompleted(base *Report, rule Rule, cause string, hints []string, failOn string) *Report {
	if rule.ID != EvidenceMissingRule {
		rule = notCompletedRule
	}
	cause = strings.TrimSpace(cause)
	if cause == "" {
		cause = "unknown error"
	}
	r := &Report{
		Tool: base.Tool,
		Snapshot: SnapshotInfo{
			Org:         base.Snapshot.Org,
			Host:        base.Snapshot.Host,
			CollectedAt: base.Snapshot.CollectedAt,
			Missing:     []Missing{},
		},
		Matrix:      base.Matrix,
		Rules:       []Rule{rule},
		GeneratedAt: base.GeneratedAt,
		Failure:     &Failure{Message: notCompletedPrefix + cause, Cause: cause, Hints: append([]string(nil), hints...)},
	}
	if r.Matrix.RepoPath != "" && r.Matrix.TopLine == 0 {
		r.Matrix.TopLine = 1
	}
	r.Findings = []Finding{{
		Rule:     rule.ID,
		Name:     rule.Name,
		Severity: SeverityHigh,
		Message: fmt.Sprintf("The check did not complete, so this report holds no verdict on the organization: %s.",
			strings.TrimRight(cause, ". ")),
		Subject:     NotCompletedSubject,
		Evidence:    map[string]any{"cause": cause},
		Remediation: cmp.Or(strings.Join(hints, "; "), "fix the cause and run hogaudit again"),
	}}
	r.Finalize(failOn)
	return r
}

// failure renders a not-completed report as text: the failure
// line, its hints, and what it means.
func (t *textRenderer) failure(r *Report) {
	t.para(0, 2, oneLine(r.Failure.Message))
	for _, h := range r.Failure.Hints {
		t.para(2, 4, "hint: "+oneLine(h))
	}
	t.para(0, 2, "no verdict: this report replaces the previous one so that it cannot be taken for this run's; fix the cause and run hogaudit again")
}

// mdFailure renders a not-completed report as Markdown.
func mdFailure(r *Report) string {
	var b strings.Builder
	b.WriteString("## hogaudit: check did not complete\n\n")
	if o := r.Snapshot.Org; o.ID != "" || o.Name != "" {
		fmt.Fprintf(&b, "- **Organization:** %s\n", mdText(orgLabel(o)))
	}
	if r.Snapshot.Host != "" {
		fmt.Fprintf(&b, "- **Host:** %s\n", mdText(r.Snapshot.Host))
	}
	if p := cmp.Or(r.Matrix.RepoPath, r.Matrix.Path); p != "" {
		fmt.Fprintf(&b, "- **Matrix:** %s\n", codeSpan(p))
	}
	if !r.GeneratedAt.IsZero() {
		fmt.Fprintf(&b, "- **Run:** %s\n", r.GeneratedAt.UTC().Format(timeLabel))
	}
	fmt.Fprintf(&b, "\n⛔ %s\n\n", mdText(r.Failure.Message))
	for _, h := range r.Failure.Hints {
		fmt.Fprintf(&b, "- hint: %s\n", mdText(h))
	}
	if len(r.Failure.Hints) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("No verdict: this report replaces the previous one so that it cannot be taken for this run's. Fix the cause and run hogaudit again.\n")
	return b.String()
}
