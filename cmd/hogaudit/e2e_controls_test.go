package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// controlsDoc is the controls part of the JSON report.
type controlsDoc struct {
	Findings []struct {
		Rule       string `json:"rule"`
		Advisory   bool   `json:"advisory"`
		Suppressed any    `json:"suppressed"`
	} `json:"findings"`
	Controls []struct {
		Framework string `json:"framework"`
		Control   string `json:"control"`
		Title     string `json:"title"`
		Status    string `json:"status"`
		Rules     []struct {
			Rule     string `json:"rule"`
			Status   string `json:"status"`
			Findings int    `json:"findings"`
		} `json:"rules"`
	} `json:"controls"`
}

func (d controlsDoc) status(t *testing.T, fw, id string) (string, map[string]string) {
	t.Helper()
	for _, c := range d.Controls {
		if c.Framework == fw && c.Control == id {
			rules := map[string]string{}
			for _, r := range c.Rules {
				rules[r.Rule] = r.Status
			}
			return c.Status, rules
		}
	}
	t.Fatalf("no control %s %s in the report", fw, id)
	return "", nil
}

func scanControls(t *testing.T, deny ...string) controlsDoc {
	t.Helper()
	h := newHarness(t, nil)
	for _, sc := range deny {
		h.sim.DenyScope(posthogsim.AcmeScannerToken, sc)
	}
	h.writeMatrix(string(examples.Matrix))
	res := h.run(scanArgs("--format", "json")...)
	var d controlsDoc
	if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
		t.Fatalf("exit %d: %v\n%s", res.code, err, res.stderr)
	}
	return d
}

// TestControlsEndToEnd scans the simulated organization and reads the
// report by control: a rule's unsuppressed findings fail each control it
// maps to, and a control whose rules found nothing passes; with the
// activity log denied, the controls only the audit-trail rules evidence
// are not evaluated instead of passing.
func TestControlsEndToEnd(t *testing.T) {
	t.Parallel()
	d := scanControls(t)
	if len(d.Controls) < 20 {
		t.Fatalf("%d controls in the report", len(d.Controls))
	}
	failing := map[string]int{}
	for _, f := range d.Findings {
		if f.Suppressed == nil && !f.Advisory {
			failing[f.Rule]++
		}
	}
	for _, c := range d.Controls {
		wantFail := false
		for _, r := range c.Rules {
			if r.Findings != failing[r.Rule] {
				t.Errorf("%s %s: %s has %d findings, the report %d", c.Framework, c.Control, r.Rule, r.Findings, failing[r.Rule])
			}
			wantFail = wantFail || failing[r.Rule] > 0
		}
		if (c.Status == "fail") != wantFail || c.Title == "" {
			t.Errorf("%s %s %q is %s; a rule with findings: %v", c.Framework, c.Control, c.Title, c.Status, wantFail)
		}
	}
	if failing["PH101"] == 0 {
		t.Fatal("the simulated organization has no PH101 finding: the scenario changed")
	}
	if st, _ := d.status(t, "soc2", "CC6.1"); st != "fail" {
		t.Errorf("CC6.1 %s, want fail (PH101)", st)
	}
	st, rules := d.status(t, "soc2", "CC7.1")
	if st != "pass" || rules["PH402"] != "pass" {
		t.Errorf("CC7.1 %s %v, want pass by PH402", st, rules)
	}
	// PH404 judges drift: without --previous it did not run.
	if _, rules := d.status(t, "iso27001_2022", "A.8.2"); rules["PH404"] != "not_run" {
		t.Errorf("A.8.2 rules %v, want PH404 not_run", rules)
	}

	// Near miss: the same organization without the activity log.
	d = scanControls(t, "activity_log:read")
	st, rules = d.status(t, "soc2", "CC7.1")
	if st != "not_evaluated" || rules["PH402"] != "not_evaluated" {
		t.Errorf("without the activity log CC7.1 is %s %v, want not_evaluated", st, rules)
	}
	if st, _ := d.status(t, "iso27001_2022", "A.8.15"); st != "not_evaluated" {
		t.Errorf("without the activity log A.8.15 Logging is %s, want not_evaluated", st)
	}
}

func TestPoliciesListByControl(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("policies", "list", "--by-control")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if !strings.HasPrefix(lines[0], "FRAMEWORK") || !slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, "iso27001_2022  A.8.5 ") && strings.Contains(l, "Secure authentication") && strings.HasSuffix(l, "PH101,PH102,PH103,PH105,PH106")
	}) {
		t.Errorf("text:\n%s", res.stdout)
	}
	if slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, " CC1.1 ") }) {
		t.Error("a control no rule names is listed")
	}

	res = h.run("policies", "list", "--by-control", "-f", "json")
	var groups []struct {
		Framework, Control, Title string
		Rules                     []struct{ ID string }
	}
	if err := json.Unmarshal([]byte(res.stdout), &groups); err != nil || len(groups) < 20 || groups[0].Framework != "soc2" || groups[len(groups)-1].Framework != "iso27001_2022" {
		t.Fatalf("json: %v\n%s", err, res.stdout)
	}

	res = h.run("policies", "list", "--by-control", "-f", "markdown")
	if !strings.Contains(res.stdout, "### ISO 27001:2022 A.8.5\n\n*Secure authentication*\n\n- [PH101](https://") {
		t.Errorf("markdown:\n%s", res.stdout)
	}

	// A custom rule's controls join the built-in ones.
	dir := writePolicyDir(t, h.path("rules"), map[string]string{"t.rego": strings.Replace(customRule,
		"#   requires: [members]", "#   requires: [members]\n#   frameworks: {soc2: [CC1.1]}", 1)})
	res = h.run("policies", "list", "--by-control", "--policy-dir", dir)
	if !strings.Contains(res.stdout, "soc2           CC1.1") || !strings.Contains(res.stdout, "ACME001") {
		t.Errorf("custom rule's control missing:\n%s%s", res.stdout, res.stderr)
	}
	// Near miss: a control that does not exist stops the load, with a hint.
	dir = writePolicyDir(t, h.path("bad"), map[string]string{"t.rego": strings.Replace(customRule,
		"#   requires: [members]", "#   requires: [members]\n#   frameworks: {soc2: [CC6.9]}", 1)})
	res = h.run("policies", "list", "--by-control", "--policy-dir", dir)
	if res.code == 0 || !strings.Contains(res.stderr, `custom.frameworks.soc2 names unknown control "CC6.9"`) || !strings.Contains(res.stderr, "CC6.1–CC6.8") {
		t.Errorf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

func TestExplainControls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("explain", "PH105")
	for _, want := range []string{"Controls it evidences:\n", "  SOC 2           CC6.1   Logical access security", "  ISO 27001:2022  A.8.5   Secure authentication"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("no %q in:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, "A.5.15") {
		t.Error("explain PH105 names a control PH105 does not map to")
	}
}
