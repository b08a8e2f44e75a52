package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/drift"
)

// controlsReport has one rule per situation, all mapped to CC6.3 and each
// to a control of its own.
func controlsReport() *Report {
	rule := func(id string, own ...string) Rule {
		return Rule{ID: id, Name: strings.ToLower(id), Severity: SeverityLow,
			Frameworks: map[string][]string{"soc2": {"CC6.3"}, "iso27001_2022": own}}
	}
	r := &Report{Rules: []Rule{
		rule("PH201", "A.5.15"), // a low finding under --fail-on high
		rule("PH202", "A.5.16"), // suppressed only
		rule("PH203", "A.5.17"), // advisory only
		rule("PH204", "A.5.18"), // not evaluated
		{ID: "PH404", Name: "ph404", Drift: true, // drift rule
			Frameworks: map[string][]string{"soc2": {"CC6.3"}, "iso27001_2022": {"A.8.2"}}},
		rule("PH205", "A.5.9", "A.8.3"), // clean
	}}
	r.Findings = []Finding{
		{Rule: "PH201", Severity: SeverityLow},
		{Rule: "PH202", Severity: SeverityCritical, Suppressed: &Suppression{Reason: "r"}},
		{Rule: "PH203", Severity: SeverityLow, Advisory: true},
		{Rule: "PH999", Severity: SeverityLow}, // a rule the catalog lacks maps to nothing
	}
	r.NotEvaluated = []NotEvaluated{{Rule: "PH204"}}
	r.Finalize(SeverityHigh)
	return r
}

func controlByID(t *testing.T, cs []ControlStatus, fw, id string) ControlStatus {
	t.Helper()
	for _, c := range cs {
		if c.Framework == fw && c.Control == id {
			return c
		}
	}
	t.Fatalf("no %s %s in %+v", fw, id, cs)
	return ControlStatus{}
}

func TestControls(t *testing.T) {
	r := controlsReport()
	if r.Summary.Failing != 0 {
		t.Fatalf("fixture: %d failing at --fail-on high, want 0", r.Summary.Failing)
	}
	cs := Controls(r)
	var order []string
	for _, c := range cs {
		order = append(order, c.Framework+" "+c.Control)
	}
	// SOC 2 first, then ISO in Annex A order (A.5.9 before A.5.15, A.8.x last).
	want := []string{"soc2 CC6.3", "iso27001_2022 A.5.9", "iso27001_2022 A.5.15", "iso27001_2022 A.5.16", "iso27001_2022 A.5.17",
		"iso27001_2022 A.5.18", "iso27001_2022 A.8.2", "iso27001_2022 A.8.3"}
	if !slices.Equal(order, want) {
		t.Errorf("order %q, want %q", order, want)
	}
	for _, tc := range []struct{ id, status, why string }{
		{"A.5.15", ControlFail, "a low finding fails its control whatever --fail-on"},
		{"A.5.16", ControlPass, "a suppressed finding does not fail"},
		{"A.5.17", ControlPass, "an advisory finding does not fail"},
		{"A.5.18", ControlNotEvaluated, "a rule not evaluated"},
		{"A.8.2", ControlNotEvaluated, "a drift rule without a previous snapshot is no evidence"},
		{"A.8.3", ControlPass, "a clean rule"},
	} {
		if c := controlByID(t, cs, "iso27001_2022", tc.id); c.Status != tc.status {
			t.Errorf("%s: %s, want %s (%s)", tc.id, c.Status, tc.status, tc.why)
		}
	}
	soc := controlByID(t, cs, "soc2", "CC6.3")
	if soc.Status != ControlFail || soc.Title == "" {
		t.Errorf("CC6.3 %s %q: a failing rule fails the control though others are not evaluated", soc.Status, soc.Title)
	}
	got := map[string]ControlRule{}
	for _, cr := range soc.Rules {
		got[cr.Rule] = cr
	}
	for id, w := range map[string]ControlRule{
		"PH201": {Rule: "PH201", Name: "ph201", Status: ControlFail, Findings: 1},
		"PH202": {Rule: "PH202", Name: "ph202", Status: ControlPass, Suppressed: 1},
		"PH203": {Rule: "PH203", Name: "ph203", Status: ControlPass, Advisory: 1},
		"PH204": {Rule: "PH204", Name: "ph204", Status: ControlNotEvaluated},
		"PH404": {Rule: "PH404", Name: "ph404", Status: RuleNotRun},
		"PH205": {Rule: "PH205", Name: "ph205", Status: ControlPass},
	} {
		if got[id] != w {
			t.Errorf("%s: %+v, want %+v", id, got[id], w)
		}
	}
	if len(soc.Rules) != 6 {
		t.Errorf("%d rules under CC6.3, want 6 (PH999 is not in the catalog)", len(soc.Rules))
	}

	// Near miss of the drift rule: with drift it ran and passes.
	r.Drift = &drift.Report{}
	if c := controlByID(t, Controls(r), "iso27001_2022", "A.8.2"); c.Status != ControlPass {
		t.Errorf("with drift, A.8.2 is %s, want pass", c.Status)
	}
	// Near miss of the not-evaluated rule: a failing rule beside it wins.
	r.Findings = append(r.Findings, Finding{Rule: "PH204", Severity: SeverityLow})
	if c := controlByID(t, Controls(r), "iso27001_2022", "A.5.18"); c.Status != ControlFail {
		t.Errorf("a not-evaluated rule with a finding: %s, want fail", c.Status)
	}
	// A check that did not complete holds no verdict: nothing passes.
	r.Failure = &Failure{}
	for _, c := range Controls(r) {
		if c.Status == ControlPass {
			t.Errorf("%s %s passes in a report without a verdict", c.Framework, c.Control)
		}
	}
	// No rule mapped: no controls, and the JSON says [].
	if cs := Controls(&Report{Rules: []Rule{{ID: "PH201"}}}); len(cs) != 0 {
		t.Errorf("controls of an unmapped catalog: %+v", cs)
	}
}

func TestControlsJSON(t *testing.T) {
	out := render(t, controlsReport(), FormatJSON, Options{})
	var doc struct {
		Controls []ControlStatus `json:"controls"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Controls) != 8 || doc.Controls[0].Control != "CC6.3" || doc.Controls[0].Status != "fail" {
		t.Errorf("controls %+v", doc.Controls)
	}
	if !bytes.Contains(out, []byte(`"status": "not_run"`)) {
		t.Error("no not_run rule in the JSON")
	}
	out = render(t, &Report{}, FormatJSON, Options{})
	if !bytes.Contains(out, []byte(`"controls": []`)) {
		t.Errorf("no empty controls array in %s", out)
	}
}

func TestControlsMarkdown(t *testing.T) {
	s := string(render(t, controlsReport(), FormatMarkdown, Options{}))
	for _, want := range []string{
		"### Controls",
		"| SOC 2 CC6.3 — Access authorized, modified or removed by role, least privilege and segregation of duties | ❌ fail | PH201 (1 finding), PH202 (1 suppressed), PH203, PH204 (not evaluated), PH205, PH404 (not run: no previous snapshot) |",
		"| ISO 27001:2022 A.8.2 — Privileged access rights | ⚠️ not evaluated | PH404 (not run: no previous snapshot) |",
		"| ISO 27001:2022 A.8.3 — Information access restriction | ✅ pass | PH205 |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in:\n%s", want, s)
		}
	}
	// Near miss: a catalog mapping to no control has no Controls section.
	if s := string(render(t, &Report{Rules: []Rule{{ID: "PH201"}}}, FormatMarkdown, Options{})); strings.Contains(s, "### Controls") {
		t.Error("a Controls section without controls")
	}
	// A control with many rules names the first ten and counts the rest.
	r := &Report{}
	for i := range 12 {
		r.Rules = append(r.Rules, Rule{ID: fmt.Sprintf("ACME%03d", i), Custom: true, Frameworks: map[string][]string{"soc2": {"CC6.1"}}})
	}
	if s := string(render(t, r, FormatMarkdown, Options{})); !strings.Contains(s, "ACME009, and 2 more |") || strings.Contains(s, "ACME010") {
		t.Errorf("rules of a control not capped:\n%s", s)
	}
}

func TestControlSARIFTags(t *testing.T) {
	rule := Rule{ID: "PH204", Area: "access", Frameworks: map[string][]string{"iso27001_2022": {"A.5.15", "A.8.3"}, "soc2": {"CC6.1", "CC6.3"}}}
	d := ruleDescriptor(rule)
	want := []string{"security", "access", "soc2/CC6.1", "soc2/CC6.3", "iso27001/A.5.15", "iso27001/A.8.3"}
	if !slices.Equal(d.Properties.Tags, want) {
		t.Errorf("tags %q, want %q", d.Properties.Tags, want)
	}
	// GitHub reads 20 tags of a rule: a custom rule naming 30 controls keeps
	// the first 17 beside security, its area and custom.
	var many []string
	for i := 1; i <= 30; i++ {
		many = append(many, fmt.Sprintf("A.5.%d", i))
	}
	d = ruleDescriptor(Rule{ID: "ACME001", Area: "access", Custom: true, Frameworks: map[string][]string{"iso27001_2022": many}})
	if n := len(d.Properties.Tags); n != maxRuleTags || d.Properties.Tags[2] != "custom" || d.Properties.Tags[19] != "iso27001/A.5.17" {
		t.Errorf("%d tags %q, want %d ending with iso27001/A.5.17", n, d.Properties.Tags, maxRuleTags)
	}
}

// TestControlsDisabledRule: a rule turned off with --disable judged
// nothing, so a control it evidences is not evaluated, never a pass, and
// lists it as disabled; near miss: the same control without it passes.
func TestControlsDisabledRule(t *testing.T) {
	r := controlsReport()
	if c := controlByID(t, Controls(r), "iso27001_2022", "A.5.9"); c.Status != ControlPass {
		t.Fatalf("A.5.9 with its one clean rule: %s, want pass", c.Status)
	}
	r.DisabledRules = []Rule{{ID: "PH211", Name: "ph211", Frameworks: map[string][]string{"iso27001_2022": {"A.5.9"}}}}
	c := controlByID(t, Controls(r), "iso27001_2022", "A.5.9")
	if c.Status != ControlNotEvaluated {
		t.Errorf("A.5.9 with a disabled rule: %s, want not_evaluated", c.Status)
	}
	if !slices.ContainsFunc(c.Rules, func(cr ControlRule) bool { return cr.Rule == "PH211" && cr.Status == RuleDisabled }) {
		t.Errorf("A.5.9's rules %+v lack PH211 disabled", c.Rules)
	}
}
