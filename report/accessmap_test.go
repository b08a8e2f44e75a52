package report

import (
	"encoding/json"
	"testing"

	"github.com/hogaudit/hogaudit/access"
)

// TestBuildAccessMapVerdicts: each cell's verdict is the findings': excess
// for an unsuppressed PH204/PH212 on the member and project, exempted when
// suppressed, not in the matrix for a PH203 member or an unbound project,
// unknown where the table cannot tell; within otherwise (near miss: a
// finding on another project leaves the cell within).
func TestBuildAccessMapVerdicts(t *testing.T) {
	table := &access.Table{Projects: map[int64]*access.Project{
		1: {ID: 1, Known: true, Members: map[string]access.Grant{
			"m-a": {Level: "admin", Path: access.Path{Via: access.ViaRoleRule, Roles: []string{"r"}, RoleNames: []string{"Finance"}}},
			"m-b": {Level: "member", Path: access.Path{Via: access.ViaEveryoneRule}},
			"m-c": {Level: "member", Path: access.Path{Via: access.ViaEveryoneRule}},
		}},
		2: {ID: 2, Known: true, Members: map[string]access.Grant{"m-a": {Level: "member", Path: access.Path{Via: access.ViaDefault}}}},
		3: {ID: 3, Known: false},
	}}
	n := json.Number("1")
	rep := &Report{Findings: []Finding{
		{Rule: "PH212", Subject: "member:A@acme.com", Evidence: map[string]any{"project_id": n}},
		{Rule: "PH204", Subject: "member:b@acme.com", Evidence: map[string]any{"project_id": float64(1)}, Suppressed: &Suppression{Reason: "x"}},
		{Rule: "PH203", Subject: "member:c@acme.com"},
	}}
	members := []AccessMember{{ID: "m-a", Email: "a@acme.com"}, {ID: "m-b", Email: "b@acme.com"}, {ID: "m-c", Email: "c@acme.com"}}
	projects := []AccessProject{{ID: 1, Key: "production"}, {ID: 2, Key: "staging"}, {ID: 3, Key: "sandbox"}, {ID: 4}}
	m := BuildAccessMap(rep, table, members, projects)
	want := [][]string{
		{"admin excess", "member within", "unknown", "unknown"},
		{"member exempted", "none within", "unknown", "unknown"},
		{"member not_in_matrix", "none not_in_matrix", "unknown", "unknown"},
	}
	for i := range want {
		for j := range want[i] {
			c := m.Cells[i][j]
			got := c.Verdict
			if c.Level != "" {
				got = c.Level + " " + got
			}
			if got != want[i][j] {
				t.Errorf("%s on project %d: %q, want %q", members[i].Email, projects[j].ID, got, want[i][j])
			}
		}
	}
	if p := m.Cells[0][0].Path; p == nil || p.RoleNames[0] != "Finance" {
		t.Errorf("path %+v", p)
	}
	if m.Projects[2].Known || !m.Projects[0].Known {
		t.Errorf("known %+v", m.Projects)
	}
	// The rules that judge access not evaluated: nothing is within.
	rep.NotEvaluated = []NotEvaluated{{Rule: "PH204"}}
	if v := BuildAccessMap(rep, table, members, projects).Cells[2][1].Verdict; v != VerdictUnknown {
		t.Errorf("not evaluated: %s, want unknown", v)
	}
}
