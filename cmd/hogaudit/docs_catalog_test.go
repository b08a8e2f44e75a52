package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/policies"
)

// TestPoliciesListMarkdownIsTheRulesDoc: the command docs/rules.md names to
// regenerate it prints exactly the file, and nothing on stderr.
func TestPoliciesListMarkdownIsTheRulesDoc(t *testing.T) {
	if !strings.HasPrefix(policies.RegenerateRulesDoc, "go run ./cmd/hogaudit policies list --format markdown > docs/rules.md") {
		t.Fatalf("the regenerate command is %q", policies.RegenerateRulesDoc)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, nil)
	res := h.run("policies", "list", "--format", "markdown")
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	if res.stdout != string(want) {
		t.Errorf("policies list --format markdown differs from docs/rules.md; run %s", policies.RegenerateRulesDoc)
	}
	// The other formats are still there.
	if res := h.run("policies", "list", "--format", "json"); res.code != 0 || !strings.HasPrefix(res.stdout, "[\n") {
		t.Errorf("--format json: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := h.run("policies", "list", "--format", "html"); res.code != 2 {
		t.Errorf("--format html: exit %d, want 2", res.code)
	}
}

// TestPoliciesListMarkdownCustomRules: with --policy-dir the catalog holds
// the custom rule, marked as such, with the scopes its requires need.
func TestPoliciesListMarkdownCustomRules(t *testing.T) {
	h := newHarness(t, nil)
	dir := writePolicyDir(t, h.path("policies"), map[string]string{"temporary.rego": customRule})
	res := h.run("policies", "list", "--format", "markdown", "--policy-dir", dir)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	for _, want := range []string{
		"## Custom rules\n",
		"| [ACME001](#acme001-temporary-account) | `temporary-account` | high | Temporary accounts (custom) |\n",
		"### ACME001 temporary-account\n",
		"**Evidence.** Snapshot section `members`; API scope of the scanning key `organization_member:read`.\n",
		"Defined in `" + filepath.Join(dir, "temporary.rego") + "` (custom rule).\n",
		"### PH204 project-access-exceeds-matrix\n",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("the catalog lacks %q", want)
		}
	}
}

// TestCustomRuleHandWrittenScopes: a custom rule that still writes
// custom.scopes is refused by every command that loads it, at the line of
// the key, naming the scopes hogaudit derives.
func TestCustomRuleHandWrittenScopes(t *testing.T) {
	h := newHarness(t, nil)
	withScopes := strings.Replace(customRule, "#   requires: [members]\n", "#   requires: [members]\n#   scopes: [organization:read]\n", 1)
	dir := writePolicyDir(t, h.path("scoped"), map[string]string{"temporary.rego": withScopes})
	want := filepath.Join(dir, "temporary.rego") + ":10: rule package acme.temporary: custom.scopes is derived from custom.requires (here: organization_member:read), not written by hand; delete the line"
	for _, args := range [][]string{
		{"policies", "list", "--policy-dir", dir},
		{"explain", "ACME001", "--policy-dir", dir},
		scanArgs("--policy-dir", dir),
	} {
		res := h.run(args...)
		if res.code != 2 || !strings.Contains(res.stderr, "hogaudit: ") || !strings.Contains(res.stderr, want) {
			t.Errorf("%s: exit %d, want 2 and %q:\n%s", args[0], res.code, want, res.stderr)
		}
	}
	if h.sim.Stats().Requests != 0 {
		t.Error("a policy error must stop the scan before any request")
	}
}
