package policies

import (
	"cmp"
	"slices"
	"strings"

	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// AccessMapAxes are the rows and columns of an access map
// (report.BuildAccessMap) for snap checked against m: every member, sorted
// by email, with its organization level, role names and matrix groups;
// every project, sorted by name then id, with the matrix key it is bound to.
func AccessMapAxes(snap *snapshot.Snapshot, in CheckInput) ([]report.AccessMember, []report.AccessProject) {
	asOf := snap.CollectedAt.UTC()
	b := in.Matrix.Bind(Inventory(snap), asOf)
	idx := indexMembers(snap, b)
	roleName := map[string]string{}
	for _, r := range snap.Roles {
		roleName[r.ID] = r.Name
	}
	var members []report.AccessMember
	for _, m := range snap.Members {
		im := idx[m.ID]
		am := report.AccessMember{
			ID: m.ID, Email: m.User.Email,
			Name:     strings.TrimSpace(m.User.FirstName + " " + m.User.LastName),
			OrgLevel: im.OrgLevel, Groups: append([]string{}, im.Groups...), Roles: []string{},
		}
		for _, r := range im.Roles {
			am.Roles = append(am.Roles, cmp.Or(roleName[r], r))
		}
		members = append(members, am)
	}
	slices.SortStableFunc(members, func(a, b report.AccessMember) int {
		return strings.Compare(strings.ToLower(a.Email), strings.ToLower(b.Email))
	})
	keyOf := map[int64]string{}
	protected := map[int64]bool{}
	for _, pb := range b.Projects() {
		if pb.Bound {
			keyOf[pb.ProjectID] = pb.Key
			protected[pb.ProjectID] = pb.Protected
		}
	}
	var projects []report.AccessProject
	for _, p := range snap.Projects {
		projects = append(projects, report.AccessProject{ID: p.ID, Name: p.Name, Key: keyOf[p.ID], Protected: protected[p.ID]})
	}
	slices.SortStableFunc(projects, func(a, b report.AccessProject) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return members, projects
}
