package policies

import (
	"strings"
	"testing"
)

// TestCustomDriftFlag: custom.drift marks a custom rule as a drift rule; a
// value other than true or false is refused at load.
func TestCustomDriftFlag(t *testing.T) {
	src := strings.Replace(scopesRule, "#   remediation: None.\n", "#   drift: true\n#   remediation: None.\n", 1)
	eng, _, err := loadScopesRule(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := eng.Rule("SCP001"); !ok || !r.Drift {
		t.Errorf("custom.drift: true not read: %+v", r)
	}
	if r, ok := SharedBuiltinEngine(t).Rule("PH403"); !ok || r.Drift {
		t.Error("PH403 is no drift rule")
	}
	bad := strings.Replace(scopesRule, "#   remediation: None.\n", "#   drift: \"yes\"\n#   remediation: None.\n", 1)
	if _, _, err := loadScopesRule(t, bad); err == nil || !strings.Contains(err.Error(), "custom.drift must be true or false") {
		t.Errorf("custom.drift: \"yes\" loaded: %v", err)
	}
}
