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
