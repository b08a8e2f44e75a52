package report

import (
	"strings"
	"testing"
)

// TestMarkdownSaysWhatSARIFLeftOut: a report whose SARIF the result cap
// shortened says so, rule by rule, in the Markdown, and never that SARIF
// lists everything; one whose SARIF holds every finding says nothing of
// SARIF.
func TestMarkdownSaysWhatSARIFLeftOut(t *testing.T) {
	t.Parallel()
	r := manyFindings(30, 0)
	plain := renderMarkdown(r, Options{})
	if strings.Contains(plain, "SARIF") {
		t.Errorf("without omissions the Markdown speaks of SARIF:\n%s", plain)
	}

	r.SARIFOmissions = []SARIFOmission{
		{Rule: "PH204", Findings: 95601, Results: 412, Mode: OmissionAggregated},
		{Rule: "PH208", Findings: 30, Results: 12, Mode: OmissionTruncated, Omitted: 18},
	}
	md := renderMarkdown(r, Options{MaxResults: 5000})
	for _, want := range []string{
		"The SARIF report does not hold every finding",
		OmissionSentence(r.SARIFOmissions[0], 5000),
		OmissionSentence(r.SARIFOmissions[1], 5000),
		"The JSON report lists every finding.",
	} {
		if !strings.Contains(md, mdText(want)) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "SARIF lists") || strings.Contains(md, "SARIF and JSON reports list") {
		t.Errorf("Markdown claims SARIF lists every finding:\n%s", md)
	}

	// Many rules cut: ten are named, the rest counted, and the summary
	// stays within its budget.
	r.SARIFOmissions = nil
	for i := range 14 {
		r.SARIFOmissions = append(r.SARIFOmissions, SARIFOmission{Rule: "PH2" + string(rune('a'+i)), Findings: 10, Results: 1, Mode: OmissionAggregated})
	}
	md = renderMarkdown(r, Options{})
	if !strings.Contains(md, "and 4 more rules.") {
		t.Errorf("Markdown does not count the rules beyond ten:\n%s", md)
	}
	if len(md) > DefaultMaxBytes {
		t.Errorf("Markdown is %d bytes, over %d", len(md), DefaultMaxBytes)
	}
}
