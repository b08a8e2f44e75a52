package report

import (
	"bytes"
	"strings"
	"testing"
)

func annotations(t *testing.T, r *Report) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteAnnotations(&buf, r); err != nil {
		t.Fatal(err)
	}
	if buf.Len() == 0 {
		return nil
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
		t.Errorf("annotations do not end with a line break: %q", buf.String())
	}
	return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func TestAnnotationsOnePerRule(t *testing.T) {
	got := annotations(t, fullReport())
	const f = "file=security/access-matrix.yaml"
	want := []string{
		"::error " + f + ",line=41,title=PH204 Project access exceeds the matrix::bob@acme.io has admin access to payments; the matrix allows viewer. (and 1 more finding of PH204)",
		"::error " + f + ",line=5,title=PH101 SSO is not enforced on a verified domain::Domain acme.io is verified but SSO is not enforced; the matrix requires google-oauth2.",
		"::error " + f + ",line=60,title=PH301 A personal API key has every scope::Key ci-deploy of dave@acme.io has scope *; the matrix forbids wildcard keys.",
		// Below --fail-on high, advisory: warnings. The suppressed PH209
		// has none.
		"::warning " + f + ",line=24,title=PH201 More owners than the matrix allows::The organization has 3 owners; the matrix allows 2.",
		"::warning " + f + ",line=24,title=PH208 Dormant member::erin@acme.io has not logged in for 120 days (limit 90).",
		"::warning " + f + ",line=88,title=PH902 A matrix exception has expired or expires soon::The exception for member:frank@contractor.dev on PH209 expires in 4 days (2026-12-01).",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("annotations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Near miss: --fail-on none fails nothing, so every rule is a warning;
	// --fail-on low makes PH201 and PH208 errors (PH902 is advisory).
	for _, l := range annotations(t, finalize(fullReport(), "none")) {
		if !strings.HasPrefix(l, "::warning ") {
			t.Errorf("fail-on none: %q", l)
		}
	}
	low := annotations(t, finalize(fullReport(), SeverityLow))
	if !strings.HasPrefix(low[3], "::error ") || !strings.HasPrefix(low[4], "::error ") || !strings.HasPrefix(low[5], "::warning ") {
		t.Errorf("fail-on low: %q", low)
	}
	// A rule whose first finding is below the threshold points at its
	// first failing one.
	r := fullReport()
	r.Findings[0].Severity = SeverityLow // bob's, line 41; carol's has no line
	if got := annotations(t, finalize(r, SeverityHigh))[0]; !strings.HasPrefix(got, "::error ") || !strings.Contains(got, ",line=24,") || !strings.Contains(got, "::carol@acme.io") {
		t.Errorf("annotation not at the first failing finding: %q", got)
	}
	// No findings, no annotations.
	if got := annotations(t, cleanReport()); got != nil {
		t.Errorf("clean report: %q", got)
	}
}

func TestAnnotationsEscaping(t *testing.T) {
	r := baseReport()
	r.Matrix.RepoPath = "config/a,b:c%.yaml"
	r.Rules = append(r.Rules, Rule{ID: "ACME001", Title: "Interns: no, never", Area: "custom"})
	r.Findings = []Finding{{Rule: "ACME001", Severity: SeverityCritical, Subject: "member:x",
		Message: "100% of interns\nreach prod,\r\nsee: \x1b[31mthis", Line: 7}}
	got := annotations(t, finalize(r, SeverityHigh))
	want := "::error file=config/a%2Cb%3Ac%25.yaml,line=7,title=ACME001 Interns%3A no%2C never::100%25 of interns%0Areach prod,%0Asee: \\x1b[31mthis"
	if len(got) != 1 || got[0] != want {
		t.Errorf("annotation\n%q\nwant\n%q", got, want)
	}
	// Near miss: plain text passes unchanged, and "::" in a message
	// cannot start a second command since the whole line is one.
	r.Findings[0].Message = "plain text"
	if got := annotations(t, finalize(r, SeverityHigh)); !strings.HasSuffix(got[0], "::plain text") {
		t.Errorf("plain message changed: %q", got[0])
	}
	// Without the matrix's repository path, no file or line.
	r.Matrix.RepoPath = ""
	if got := annotations(t, finalize(r, SeverityHigh)); !strings.HasPrefix(got[0], "::error title=ACME001 ") {
		t.Errorf("annotation without a path: %q", got[0])
	}
}
