package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/examples"
)

// customRule is a user rule with the METADATA contract: members whose
// email starts with "temp-" are findings.
const customRule = `# METADATA
# title: Temporary accounts
# description: Accounts named temp-* must not stay in the organization.
# scope: package
# custom:
#   id: ACME001
#   name: temporary-account
#   severity: high
#   requires: [members]
#   remediation: Remove the temporary account in Organization settings, Members.
package acme.temporary

findings contains f if {
	some m in input.snapshot.members
	startswith(m.user.email, "temp-")
	f := {"subject": sprintf("member:%s", [m.user.email]), "message": sprintf("Temporary account %s is still a member.", [m.user.email])}
}
`

const customRuleTest = `package acme.temporary_test

import data.acme.temporary

test_fires if {
	count(temporary.findings) == 1 with input as {"snapshot": {"members": [{"user": {"email": "temp-x@acme.example"}}]}}
}

test_quiet if {
	count(temporary.findings) == 0 with input as {"snapshot": {"members": [{"user": {"email": "ann@acme.example"}}]}}
}
`

func writePolicyDir(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCustomPolicies(t *testing.T) {
	t.Parallel()
	// Each step builds its engine with the custom rules, as the binary
	// does: the steps run side by side, each in a harness of its own.
	custom := func(t *testing.T) (*harness, string) {
		h := newHarness(t, nil)
		return h, writePolicyDir(t, h.path("policies"), map[string]string{
			"temporary.rego":      customRule,
			"temporary_test.rego": customRuleTest,
			"README.md":           "not Rego, ignored",
		})
	}

	// Listed beside the built-in rules, explained, and their tests run.
	t.Run("list", func(t *testing.T) {
		t.Parallel()
		h, dir := custom(t)
		res := h.run("policies", "list", "--policy-dir", dir)
		if res.code != 0 || !strings.Contains(res.stdout, "ACME001") || !strings.Contains(res.stdout, "(custom)") || !strings.Contains(res.stdout, "PH204") {
			t.Errorf("policies list: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("explain", func(t *testing.T) {
		t.Parallel()
		h, dir := custom(t)
		res := h.run("explain", "temporary-account", "--policy-dir", dir)
		if res.code != 0 || !strings.Contains(res.stdout, "ACME001 temporary-account") || !strings.Contains(res.stdout, "organization_member:read") {
			t.Errorf("explain: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("test", func(t *testing.T) {
		t.Parallel()
		h, dir := custom(t)
		res := h.run("policies", "test", dir)
		if res.code != 0 || !strings.Contains(res.stdout, " 0 failed") {
			t.Errorf("policies test: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
		// A failing Rego test fails `policies test` with exit 1 and names it.
		writePolicyDir(t, dir, map[string]string{"temporary_test.rego": strings.Replace(customRuleTest, "== 1", "== 2", 1)})
		res = h.run("policies", "test", dir)
		if res.code != 1 || !strings.Contains(res.stdout, "FAIL acme.temporary_test.test_fires") {
			t.Errorf("a failing test: exit %d\n%s", res.code, res.stdout)
		}
	})

	// Evaluated in a scan, beside the built-in rules.
	t.Run("scan", func(t *testing.T) {
		t.Parallel()
		h, dir := custom(t)
		h.org.Members[0].User.Email = "temp-contractor@acme.example"
		rep, _ := h.scanJSON("--policy-dir", dir)
		if !rep.has("ACME001", "member:temp-contractor@acme.example", "") {
			t.Errorf("the custom rule did not fire:\n%s", listFindings(rep))
		}
	})
}

func TestCustomPolicyErrorsNameTheFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	cases := []struct {
		name, rule string
		want       []string
	}{
		{"no severity", strings.Replace(customRule, "#   severity: high\n", "", 1), []string{"temporary.rego: rule package acme.temporary: custom.severity is missing"}},
		{"no id", strings.Replace(customRule, "#   id: ACME001\n", "", 1), []string{"/bad-no-id/temporary.rego: rule package acme.temporary: custom.id is missing"}},
		{"no metadata", customRule[strings.Index(customRule, "package acme"):], []string{"/bad-no-metadata/temporary.rego: rule package acme.temporary has no METADATA block"}},
		{"built-in id", strings.Replace(customRule, "ACME001", "PH204", 1), []string{`custom.id "PH204" uses the PHnnn ids reserved for built-in rules`}},
		{"duplicate name", strings.Replace(customRule, "temporary-account", "project-access-exceeds-matrix", 1), []string{"rule name project-access-exceeds-matrix is already used"}},
		{"syntax", strings.Replace(customRule, "findings contains f if {", "findings contains f if {{", 1), []string{"temporary.rego:", "rego_parse_error"}},
		{"bad severity", strings.Replace(customRule, "severity: high", "severity: urgent", 1), []string{`custom.severity "urgent" is not one of critical, high, medium, low`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := writePolicyDir(t, h.path("bad-"+strings.ReplaceAll(c.name, " ", "-")), map[string]string{"temporary.rego": c.rule})
			res := h.run("scan", "--policy-dir", dir)
			if res.code != 2 {
				t.Errorf("exit %d, want 2", res.code)
			}
			for _, w := range c.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
				}
			}
			if !strings.Contains(res.stderr, dir) {
				t.Errorf("the message should name the file by its path under %s:\n%s", dir, res.stderr)
			}
			if h.sim.Stats().Requests != 0 {
				t.Errorf("a policy error must stop the scan before any request")
			}
		})
	}
	res := h.run("scan", "--policy-dir", h.path("absent"))
	if res.code != 2 || !strings.Contains(res.stderr, "hogaudit: policy directory:") {
		t.Errorf("absent --policy-dir: exit %d\n%s", res.code, res.stderr)
	}
}

func TestDisableRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	rep, _ := h.scanJSON("--disable", "PH212", "--disable", "dormant-member")
	if len(rep.byRule("PH212")) != 0 || len(rep.byRule("PH208")) != 0 {
		t.Errorf("disabled rules still reported:\n%s", listFindings(rep))
	}
	if len(rep.byRule("PH201")) != 1 {
		t.Errorf("other rules must still run:\n%s", listFindings(rep))
	}
	res := h.run(scanArgs("--disable", "PH999")...)
	if res.code != 2 || !strings.Contains(res.stderr, "hogaudit: --disable PH999: no such rule") {
		t.Errorf("unknown --disable: exit %d\n%s", res.code, res.stderr)
	}
}

func TestExceptions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	matrix := strings.Replace(string(examples.Matrix), "# exceptions:\n", `exceptions:
  - rule: PH212
    subject: "member:dan@acme.example"
    project: production_project
    reason: incident commander rotation
    ticket: SEC-123
    expires: 2026-12-05
  - rule: dormant-member
    subject: "member:*@acme.example"
    reason: sabbaticals
    expires: 2027-06-30
  - rule: PH209
    subject: "member:heidi@contractor.example"
    reason: contract ended
    expires: 2026-11-26
#`, 1)
	h.writeMatrix(matrix)
	rep, res := h.scanJSON()

	suppressed := map[string]string{}
	for _, f := range rep.Findings {
		if f.Suppressed != nil {
			suppressed[f.Rule+" "+f.Subject] = f.Suppressed.Reason
		}
	}
	if suppressed["PH212 member:dan@acme.example"] != "incident commander rotation" || suppressed["PH208 member:grace@acme.example"] != "sabbaticals" {
		t.Errorf("suppressed = %v", suppressed)
	}
	// An expired exception no longer applies, and is reported itself.
	if _, ok := suppressed["PH209 member:heidi@contractor.example"]; ok {
		t.Error("an expired exception must not suppress")
	}
	if !rep.has("PH902", "matrix:exceptions.PH209.member:heidi@contractor.example", "") {
		t.Errorf("the expired exception should be PH902:\n%s", listFindings(rep))
	}
	// One expiring within 14 days is listed, and PH902 tells without failing.
	if len(rep.ExpiringExceptions) != 1 || rep.ExpiringExceptions[0].Subject != "member:dan@acme.example" {
		t.Errorf("expiring = %+v", rep.ExpiringExceptions)
	}
	if f, ok := rep.find(want{"PH902", "matrix:exceptions.PH212.member:dan@acme.example", "production_project"}); !ok || !f.Advisory {
		t.Errorf("the soon-expiring exception should be an advisory PH902, got %+v (found %v)", f, ok)
	}
	if !strings.Contains(res.stderr, "exception for PH212 member:dan@acme.example expires 2026-12-05") {
		t.Errorf("stderr should announce the expiring exception:\n%s", res.stderr)
	}
	// Suppressed and advisory findings do not fail the run on their own:
	// with --fail-on critical only dan's (suppressed) finding was critical.
	res = h.run(scanArgs("--fail-on", "critical", "-q")...)
	if res.code != 0 {
		t.Errorf("--fail-on critical with the critical finding suppressed: exit %d, want 0", res.code)
	}
	// SARIF leaves suppressed findings out.
	h.run(scanArgs("-q", "--sarif", "x.sarif")...)
	if strings.Contains(readFile(t, h.path("x.sarif")), `"member:dan@acme.example"`) {
		t.Error("a suppressed finding must not appear in SARIF")
	}
}

func TestCustomPolicyTypeErrorsPointAtTheLine(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	bad := strings.Replace(customRule, `startswith(m.user.email, "temp-")`, `startswith(m.user.email, 42)`, 1)
	dir := writePolicyDir(t, h.path("typed"), map[string]string{"temporary.rego": bad})
	res := h.run("policies", "list", "--policy-dir", dir)
	want := filepath.Join(dir, "temporary.rego") + ":15:2: startswith: invalid argument(s)"
	if res.code != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("exit %d, want 2 and an error at %s:\n%s", res.code, want, res.stderr)
	}
}
