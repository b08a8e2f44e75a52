package report

import (
	"testing"

	"github.com/hogaudit/hogaudit/access"
)

// TestBuildAccessMapDisabledRules: with PH204, PH212 or PH203 missing from
// the catalog in force (disabled), a bound project's cell is unknown, not
// within; with every judging rule in the catalog it is within (near miss),
// and an unbound project stays not in the matrix.
func TestBuildAccessMapDisabledRules(t *testing.T) {
	table := &access.Table{Projects: map[int64]*access.Project{
		1: {ID: 1, Known: true, Members: map[string]access.Grant{"m-a": {Level: "member", Path: access.Path{Via: access.ViaDefault}}}},
	}}
	members := []AccessMember{{ID: "m-a", Email: "a@acme.com"}}
	catalog := func(ids ...string) []Rule {
		var rs []Rule
		for _, id := range ids {
			rs = append(rs, Rule{ID: id})
		}
		return rs
	}
	for _, tc := range []struct {
		rules []string
		want  string
	}{
		{[]string{"PH203", "PH204", "PH212"}, VerdictWithin},
		{[]string{"PH203", "PH212"}, VerdictUnknown},
		{[]string{"PH203", "PH204"}, VerdictUnknown},
		{[]string{"PH204", "PH212"}, VerdictUnknown},
	} {
		rep := &Report{Rules: catalog(tc.rules...)}
		m := BuildAccessMap(rep, table, members, []AccessProject{{ID: 1, Key: "production"}})
		if v := m.Cells[0][0].Verdict; v != tc.want {
			t.Errorf("rules %v: %s, want %s", tc.rules, v, tc.want)
		}
	}
	rep := &Report{Rules: catalog("PH203", "PH204", "PH212")}
	rep.NotEvaluated = []NotEvaluated{{Rule: "PH203"}}
	if v := BuildAccessMap(rep, table, members, []AccessProject{{ID: 1, Key: "production"}}).Cells[0][0].Verdict; v != VerdictUnknown {
		t.Errorf("PH203 not evaluated: %s, want unknown", v)
	}
	if !(&Report{}).RuleInForce("PH204") || rep.RuleInForce("PH206") {
		t.Error("RuleInForce: an empty catalog has every rule, a catalog only its own")
	}
}
