package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// schemaRule is a custom rule whose findings read one input field, at
// line 14, column 12 (`some m in <field>`).
func schemaRule(field string) string {
	return `# METADATA
# title: Members named temp-*
# description: Accounts named temp-* must not stay in the organization.
# custom:
#   id: ACME001
#   name: temporary-account
#   severity: high
#   requires: [members]
#   remediation: Remove the temporary account in Organization settings, Members.
package acme.temporary

findings contains f if {
	some m in ` + field + `
	f := {"subject": "org:acme", "message": sprintf("%v", [m])}
}
`
}

// TestCustomRuleReadingAFieldTheInputLacks: a custom rule that misspells a
// field of the input (input.snapshot.membrs) is refused by every command
// that loads rules, with exit 2, its file:line:col and the field it
// probably meant, before any request; spelled right it loads and runs.
func TestCustomRuleReadingAFieldTheInputLacks(t *testing.T) {
	h := newHarness(t, nil)
	snap := demoSnapshot(t, h)
	requests := h.sim.Stats().Requests
	dir := writePolicyDir(t, h.path("rules"), map[string]string{"temporary.rego": schemaRule("input.snapshot.membrs")})
	at := filepath.Join(dir, "temporary.rego") + ":13:12: undefined ref: input.snapshot.membrs"
	hint := `hogaudit: hint: input.snapshot has no field "membrs"; did you mean "members"?`
	for _, args := range [][]string{
		{"policies", "list", "--policy-dir", dir},
		{"policies", "test", dir},
		{"explain", "ACME001", "--policy-dir", dir},
		{"check", "--snapshot", snap, "--matrix", h.path("access-matrix.yaml"), "--policy-dir", dir},
		scanArgs("--policy-dir", dir),
	} {
		res := h.run(args...)
		if res.code != 2 || !strings.Contains(res.stderr, "hogaudit: "+at) || !strings.Contains(res.stderr, hint) {
			t.Errorf("%s: exit %d, want 2 with %q and %q:\n%s", strings.Join(args[:2], " "), res.code, at, hint, res.stderr)
		}
	}
	if got := h.sim.Stats().Requests; got != requests {
		t.Errorf("the scan made %d requests with a rule that cannot compile", got-requests)
	}

	// Misspelled fields of the engine's lookups and of the matrix too.
	for field, want := range map[string]string{
		"input.index.membres": `input.index has no field "membres"; did you mean "members"?`,
		"input.matrix.grups":  `input.matrix has no field "grups"; did you mean "groups"?`,
	} {
		writePolicyDir(t, dir, map[string]string{"temporary.rego": schemaRule(field)})
		res := h.run("policies", "list", "--policy-dir", dir)
		if res.code != 2 || !strings.Contains(res.stderr, "temporary.rego:13:12: undefined ref: "+field) || !strings.Contains(res.stderr, want) {
			t.Errorf("%s: exit %d:\n%s", field, res.code, res.stderr)
		}
	}

	// Near miss: the field spelled right loads, is listed and runs.
	writePolicyDir(t, dir, map[string]string{"temporary.rego": schemaRule("input.snapshot.members")})
	res := h.run("policies", "list", "--policy-dir", dir)
	if res.code != 0 || !strings.Contains(res.stdout, "ACME001") {
		t.Errorf("policies list: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	rep, _ := h.scanJSON("--policy-dir", dir)
	if len(rep.byRule("ACME001")) != len(h.org.Members) {
		t.Errorf("ACME001 found %d members, want %d", len(rep.byRule("ACME001")), len(h.org.Members))
	}
}
