package policies

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateScopes = flag.Bool("update-scopes", false, "rewrite testdata/rule_scopes.golden from the catalog (TestBuiltinScopesGolden)")

// scopesGolden holds, for every built-in rule, the personal API key scopes
// the catalog reports for it (as a set: one line per rule, the id then the
// sorted scopes, "-" for none). It was captured from the hand-written
// custom.scopes before the catalog derived scopes from custom.requires, so
// the derivation changed no rule's scopes; a rule that disappears, appears
// or changes its evidence fails the test until the golden is rewritten
// deliberately (-update-scopes).
const scopesGolden = "testdata/rule_scopes.golden"

func TestBuiltinScopesGolden(t *testing.T) {
	eng, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range eng.Rules() {
		scopes := slices.Clone(r.Scopes)
		slices.Sort(scopes)
		if len(scopes) == 0 {
			scopes = []string{"-"}
		}
		b.WriteString(r.ID + " " + strings.Join(scopes, " ") + "\n")
	}
	got := b.String()
	if *updateScopes {
		if err := os.WriteFile(filepath.FromSlash(scopesGolden), []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(filepath.FromSlash(scopesGolden))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("the rules' scopes differ from %s (-want +got); if the change is meant, go test ./policies/ -run TestBuiltinScopesGolden -update-scopes:\n%s", scopesGolden, diff)
	}
}

// scopesRule is a custom rule reading members and roles; its METADATA line
// 9 is where a hand-written custom.scopes would go.
const scopesRule = `# METADATA
# title: Scopes probe
# description: Reads members and roles.
# custom:
#   id: SCP001
#   name: scopes-probe
#   severity: low
#   requires: [members, roles]
#   remediation: None.
package custom.scp001

findings contains {"subject": "org:x", "message": "probe"} if count(input.snapshot.members) > 100
`

func loadScopesRule(t *testing.T, src string) (*Engine, string, error) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "scopes.rego")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	eng, err := New(context.Background(), Options{PolicyDirs: []string{dir}})
	return eng, file, err
}

// TestCustomRuleScopesAreDerived: a custom rule's scopes come from its
// custom.requires, in the order of first need.
func TestCustomRuleScopesAreDerived(t *testing.T) {
	eng, _, err := loadScopesRule(t, scopesRule)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := eng.Rule("SCP001")
	if !ok {
		t.Fatal("SCP001 not loaded")
	}
	if diff := cmp.Diff([]string{"organization_member:read", "organization:read"}, r.Scopes); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"organization_member:read", "organization:read"}, r.Report().Scopes); diff != "" {
		t.Errorf("report scopes (-want +got):\n%s", diff)
	}
}

// TestCustomRuleHandWrittenScopesRejected: custom.scopes is refused at
// load with the file and the line of the key, whether the list is wrong,
// right, reordered or empty: a hand-written list is never trusted.
func TestCustomRuleHandWrittenScopesRejected(t *testing.T) {
	for name, line := range map[string]string{
		"wrong":     "#   scopes: [organization_member:read]\n",
		"right":     "#   scopes: [organization_member:read, organization:read]\n",
		"reordered": "#   scopes: [organization:read, organization_member:read]\n",
		"empty":     "#   scopes: []\n",
		"block":     "#   scopes:\n#     - organization_member:read\n",
	} {
		t.Run(name, func(t *testing.T) {
			src := strings.Replace(scopesRule, "#   remediation: None.\n", line+"#   remediation: None.\n", 1)
			_, file, err := loadScopesRule(t, src)
			if err == nil {
				t.Fatal("a rule writing custom.scopes loaded")
			}
			want := file + ":9: rule package custom.scp001: custom.scopes is derived from custom.requires (here: organization_member:read, organization:read), not written by hand; delete the line"
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q\nlacks %q", err, want)
			}
		})
	}
}
