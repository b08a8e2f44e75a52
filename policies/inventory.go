package policies

import (
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
)

// Inventory returns what a matrix binds against in s (Matrix.Bind): its
// projects, roles and the labels of its API keys (the scanning key's and
// every audited key's). A nil s knows nothing.
//
// The projects are known only when s holds the projects section and it is
// not partial (snapshot.Snapshot.Partial: a scanning key that is not an
// organization admin's, or whose level cannot be told, may not see every
// project); the roles only when s holds the roles section (the role list is
// the organization's whole list; a partial roles section lacks memberships,
// not roles). A list not known leaves the bindings that need it Unknown, so
// that missing evidence never reads as a key bound to nothing.
func Inventory(s *snapshot.Snapshot) *matrix.Inventory {
	inv := &matrix.Inventory{}
	if s == nil {
		return inv
	}
	if s.Projects != nil && !s.Partial(snapshot.SectionProjects) {
		inv.ProjectsKnown = true
		inv.Projects = make([]matrix.Target[int64], 0, len(s.Projects))
		for _, p := range s.Projects {
			inv.Projects = append(inv.Projects, matrix.Target[int64]{ID: p.ID, Name: p.Name})
		}
	}
	if s.Roles != nil {
		inv.RolesKnown = true
		inv.Roles = make([]matrix.Target[string], 0, len(s.Roles))
		for _, r := range s.Roles {
			inv.Roles = append(inv.Roles, matrix.Target[string]{ID: r.ID, Name: r.Name})
		}
	}
	for _, k := range s.APIKeys {
		inv.KeyLabels = append(inv.KeyLabels, k.Label)
	}
	return inv
}
