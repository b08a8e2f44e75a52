package policies

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/report"
)

// TestHelpURIPointsIntoRulesDoc: every built-in rule's SARIF helpUri is
// docs/rules.md at this build's ref, with an anchor the document's own
// table links to, so the links cannot drift from the generated headings.
func TestHelpURIPointsIntoRulesDoc(t *testing.T) {
	eng, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(string(doc), -1) {
		anchors[m[1]] = true
	}
	// A build from source links to main (version.Dev).
	const base = "https://github.com/hogaudit/hogaudit/blob/main/docs/rules.md#"
	for _, r := range eng.Rules() {
		got := r.Report().HelpURI
		anchor, ok := strings.CutPrefix(got, base)
		if !ok || !anchors[anchor] {
			t.Errorf("%s: helpUri %q is not a section of docs/rules.md (%s…)", r.ID, got, base)
		}
	}
	// The built-in PH901 of a run that did not get to the catalog links
	// where the catalog's does.
	ph901, ok := eng.Rule(report.EvidenceMissingRule)
	if !ok {
		t.Fatal("no PH901")
	}
	failed := report.NotCompleted(&report.Report{}, report.Rule{}, "x", nil, "high")
	if got, want := failed.Rules[0].HelpURI, ph901.Report().HelpURI; got != want {
		t.Errorf("PH901 of a failed run links to %q, the catalog's to %q", got, want)
	}
}

func TestCustomRuleHelpURI(t *testing.T) {
	cases := []struct {
		links []Link
		want  string
	}{
		{[]Link{{URL: "https://wiki.acme.io/rules/ACME001"}, {URL: "https://example.com/second"}}, "https://wiki.acme.io/rules/ACME001"},
		{nil, ""},
		// near misses: a link that is no absolute URL is no helpUri
		{[]Link{{URL: "rules/ACME001.md"}}, ""},
		{[]Link{{URL: "mailto:security@acme.io"}}, ""},
	}
	for _, c := range cases {
		r := docRule
		r.RelatedResources = c.links
		if got := r.Report().HelpURI; got != c.want {
			t.Errorf("custom rule with links %v: helpUri %q, want %q", c.links, got, c.want)
		}
	}
	// A custom rule is not in docs/rules.md: no link there even without
	// related_resources.
	r := docRule
	r.RelatedResources = nil
	if got := r.HelpURI(); strings.Contains(got, "docs/rules.md") {
		t.Errorf("custom rule links into docs/rules.md: %q", got)
	}
}
