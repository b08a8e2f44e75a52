package report

import (
	"fmt"
	"strings"

	"github.com/hogaudit/hogaudit/access"
)

// Verdicts of an access-map cell: how a member's effective level on a
// project stands against the matrix, read from the report's own findings
// (the rules are the judges; the map only shows their verdicts).
const (
	// VerdictWithin: no access rule found the level above the matrix.
	VerdictWithin = "within"
	// VerdictExcess: PH204 or PH212 found the level above what the
	// member's matrix groups allow.
	VerdictExcess = "excess"
	// VerdictExempted: such a finding exists, suppressed by a matrix
	// exception.
	VerdictExempted = "exempted"
	// VerdictNotInMatrix: the member is in no matrix group (PH203) or the
	// project is bound to no matrix project (PH211, or no binding).
	VerdictNotInMatrix = "not_in_matrix"
	// VerdictUnknown: the project's access cannot be told (its rules were
	// not collected), or the rules that judge it were not evaluated.
	VerdictUnknown = "unknown"
)

// AccessMap is members × projects: each member's effective level on each
// project, the path that grants it, and its verdict. Reports that show the
// whole population (the HTML heat map, the review bundle) read it.
type AccessMap struct {
	Members  []AccessMember  `json:"members"`
	Projects []AccessProject `json:"projects"`
	// Cells[i][j] is Members[i] on Projects[j].
	Cells [][]AccessCell `json:"cells"`
}

// AccessMember is a row of the map.
type AccessMember struct {
	ID       string   `json:"id"`
	Email    string   `json:"email"`
	Name     string   `json:"name,omitempty"`
	OrgLevel string   `json:"org_level"`
	Roles    []string `json:"roles"`
	Groups   []string `json:"groups"`
}

// AccessProject is a column of the map.
type AccessProject struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Key is the matrix project key it is bound to, "" when unbound.
	Key       string `json:"key,omitempty"`
	Protected bool   `json:"protected,omitempty"`
	// Known is false when the project's access cannot be told.
	Known bool `json:"known"`
}

// AccessCell is one member's access to one project.
type AccessCell struct {
	// Level is none, member or admin; "" when the project is not Known.
	Level   string       `json:"level"`
	Path    *access.Path `json:"path,omitempty"`
	Verdict string       `json:"verdict"`
}

// BuildAccessMap fills in the cells of members × projects from table and
// judges each by rep's findings: a PH204 or PH212 finding about the member
// (subject member:EMAIL) on the project (evidence project_id) makes it
// excess (exempted when suppressed); a member with a PH203 finding, or a
// project without a matrix key, is not in the matrix; a project the table
// cannot tell, or whose access rules were not evaluated or are disabled
// (not in rep.Rules), is unknown, and so is a bound project's cell when
// PH203 was not evaluated or is disabled (whether the member is in the
// matrix cannot be told). Rows
// and columns keep the order given.
func BuildAccessMap(rep *Report, table *access.Table, members []AccessMember, projects []AccessProject) *AccessMap {
	type cellKey struct {
		email string
		pid   int64
	}
	excess := map[cellKey]string{}
	outside := map[string]bool{}
	for _, f := range rep.Findings {
		email, ok := strings.CutPrefix(f.Subject, "member:")
		if !ok {
			continue
		}
		email = strings.ToLower(email)
		switch f.Rule {
		case "PH203":
			if f.Suppressed == nil {
				outside[email] = true
			}
		case "PH204", "PH212":
			pid, ok := EvidenceInt(f.Evidence["project_id"])
			if !ok {
				continue
			}
			k := cellKey{email, pid}
			if f.Suppressed == nil {
				excess[k] = VerdictExcess
			} else if excess[k] == "" {
				excess[k] = VerdictExempted
			}
		}
	}
	// A disabled rule (not in the catalog in force) judges nothing: the
	// cells it would judge are unknown, never within.
	judged := rep.RuleInForce("PH204") && rep.RuleInForce("PH212")
	matrixKnown := rep.RuleInForce("PH203")
	for _, ne := range rep.NotEvaluated {
		switch ne.Rule {
		case "PH204", "PH212":
			judged = false
		case "PH203":
			matrixKnown = false
		}
	}
	m := &AccessMap{Members: members, Projects: projects, Cells: make([][]AccessCell, len(members))}
	for j := range m.Projects {
		p := table.Projects[m.Projects[j].ID]
		m.Projects[j].Known = p != nil && p.Known
	}
	for i, mem := range members {
		row := make([]AccessCell, len(projects))
		email := strings.ToLower(mem.Email)
		for j, pr := range projects {
			tp := table.Projects[pr.ID]
			if tp == nil || !tp.Known {
				row[j] = AccessCell{Verdict: VerdictUnknown}
				continue
			}
			g, ok := tp.Members[mem.ID]
			if !ok {
				g = access.Grant{Level: access.LevelNone}
			}
			c := AccessCell{Level: g.Level}
			if ok {
				path := g.Path
				c.Path = &path
			}
			switch v := excess[cellKey{email, pr.ID}]; {
			case v != "":
				c.Verdict = v
			case !judged:
				c.Verdict = VerdictUnknown
			case pr.Key != "" && !matrixKnown:
				// Whether the member is in the matrix is PH203's to say.
				c.Verdict = VerdictUnknown
			case pr.Key == "" || outside[email]:
				c.Verdict = VerdictNotInMatrix
			default:
				c.Verdict = VerdictWithin
			}
			row[j] = c
		}
		m.Cells[i] = row
	}
	return m
}

// RuleInForce reports whether rule id was in force in the check r
// reports: in its catalog (Report.Rules, which excludes disabled rules).
// A report without a catalog (one built by hand) has every rule in force.
func (r *Report) RuleInForce(id string) bool {
	if len(r.Rules) == 0 {
		return true
	}
	for _, x := range r.Rules {
		if x.ID == id {
			return true
		}
	}
	return false
}

// EvidenceInt reads an integer evidence value (a finding's project_id):
// JSON numbers decode as float64 or json.Number, Go-built ones are ints.
func EvidenceInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), n == float64(int64(n))
	case fmt.Stringer:
		var x int64
		_, err := fmt.Sscan(n.String(), &x)
		return x, err == nil
	}
	return 0, false
}
