package matrix

import (
	"slices"
	"strings"
	"time"
)

// How a key was bound (ProjectBinding.By, GroupBinding.By).
const (
	// ByID binds a project key by its projects: id.
	ByID = "id"
	// ByName binds a project key by its projects: name.
	ByName = "name"
	// ByKey binds a project key, or a group key, by the key itself.
	ByKey = "key"
	// ByRole binds a group by its groups: role.
	ByRole = "role"
	// ByMembers binds a group by its members: and keys: alone.
	ByMembers = "members"
)

// ProjectBinding is how one matrix project key binds to a PostHog project.
type ProjectBinding struct {
	Key string
	// Pos is where the key is written: its projects: entry, else its first
	// mention in access_matrix.
	Pos
	// Declared says the key has a projects: entry.
	Declared  bool
	Protected bool
	// By is ByID, ByName or ByKey: how the key binds, or would bind.
	By string
	// DeclaredID is the id projects: gives (By ByID).
	DeclaredID int64
	// MatchName is the name compared with the projects' names (By ByName
	// or ByKey): the name given, else the key without "_project" when
	// that matches, else the key.
	MatchName string
	// Unknown says the inventory does not know every project
	// (Inventory.ProjectsKnown false), so whether the key binds cannot be
	// told; Bound is then false.
	Unknown bool
	// Bound says a PostHog project was found: ProjectID and ProjectName
	// are set.
	Bound       bool
	ProjectID   int64
	ProjectName string
	// Ambiguous holds the ids of the projects that matched when more than
	// one did (distinct ids, sorted); the key is then not bound.
	Ambiguous []int64
	// Candidates are the PostHog projects the key could mean, by id: those
	// that matched when Ambiguous, else, when none matched, the (at most
	// three) projects whose names are nearest to MatchName (or the key's
	// implicit name), to suggest the id: to write. Empty when bound or
	// Unknown.
	Candidates []Candidate
}

// Candidate is a PostHog project a matrix project key could bind to.
type Candidate struct {
	ID   int64
	Name string
}

// Failing reports whether the binding leaves rules unable to judge what the
// matrix means, so that they must not be evaluated (fail closed): a
// protected key that binds to no project, or any key whose name matches
// several. A binding that is Unknown is judged by the missing projects
// section instead; an unprotected key that matches nothing governs nothing
// (rule PH903 reports it) and leaves the rules their meaning.
func (pb ProjectBinding) Failing() bool {
	if pb.Unknown || pb.Bound {
		return false
	}
	return pb.Protected || len(pb.Ambiguous) > 0
}

// GroupBinding is how one matrix group key binds to people.
type GroupBinding struct {
	Key string
	// Pos is where the key is written: its groups: entry, else its
	// access_matrix entry.
	Pos
	Declared bool
	// OrgLevel is the group's org_level, LevelMember by default.
	OrgLevel string
	// By is ByRole (role: given), ByMembers (members: or keys: without
	// role:) or ByKey (the role named like the key).
	By string
	// MatchName is the role name compared (By ByRole or ByKey).
	MatchName string
	// Unknown says the inventory does not know every role
	// (Inventory.RolesKnown false) while the group needs a role; Bound is
	// then false.
	Unknown bool
	// Bound says the group has members it can be matched by: a role was
	// found (RoleID, RoleName set), or By is ByMembers.
	Bound    bool
	RoleID   string
	RoleName string
	// Ambiguous holds the ids of the roles that matched when more than one
	// did; the group is then not bound.
	Ambiguous []string
}

// Bound is a Matrix bound to one Inventory at one moment: its keys resolved
// to PostHog projects and roles, its exceptions' expiry evaluated. It is
// immutable and safe for concurrent use.
type Bound struct {
	m               *Matrix
	now             time.Time
	projects        []ProjectBinding // sorted by key
	groups          []GroupBinding   // sorted by key
	byProjectID     map[int64]string
	unknownProjects bool
	unknownGroups   bool
	exceptions      []Exception
	keys            []KeyBinding // sorted by label
	// members holds each group's members: patterns, lower-cased and split
	// into exact addresses and globs, so that membership is a map lookup
	// for the common case (thousands of members, hundreds of addresses).
	members map[string]memberPatterns
}

// memberPatterns is one group's members: list, prepared for matching.
type memberPatterns struct {
	exact map[string]bool
	globs []string
}

func newMemberPatterns(l *List) memberPatterns {
	mp := memberPatterns{exact: map[string]bool{}}
	if l == nil {
		return mp
	}
	for _, it := range l.Items {
		p := strings.ToLower(it.Value)
		if strings.Contains(p, "*") {
			mp.globs = append(mp.globs, p)
		} else {
			mp.exact[p] = true
		}
	}
	return mp
}

func (mp memberPatterns) match(email string) bool {
	if mp.exact[email] {
		return true
	}
	for _, g := range mp.globs {
		if glob(g, email) {
			return true
		}
	}
	return false
}

// Bind resolves the matrix's project and group keys against inv and
// evaluates its exceptions at now: when checking a snapshot, its CollectedAt
// (never the clock), so that an exception valid when the snapshot was
// collected still applies to it. It never fails: a key that matches nothing
// is recorded as unbound (rule PH903 reports it). When inv is nil or does not
// know every project (Inventory.ProjectsKnown false), the project bindings
// are Unknown; so are the bindings of groups that need a role when it does
// not know every role (Inventory.RolesKnown false). Bind keeps no reference
// to inv.
//
// A project key binds by its id when projects: gives one (and only by it),
// else by its name, else by the key without a trailing "_project" (or
// "-project"), then by the key itself. A group binds to the role its role:
// names, else, when it has neither members: nor keys:, to the role named
// like its key; a group with members: or keys: and no role: is bound.
// Names are compared case-insensitively with '_', '-' and ' ' alike. A name
// that matches several projects (roles) binds to none of them; a project the
// inventory lists twice (the same id) counts once. ProjectBinding.Failing
// says which bindings leave the rules unable to judge.
func (m *Matrix) Bind(inv *Inventory, now time.Time) *Bound {
	b := &Bound{m: m, now: now.UTC(), byProjectID: map[int64]string{}}
	if inv == nil {
		inv = &Inventory{}
	}
	var projects []Target[int64]
	var roles []Target[string]
	if inv.ProjectsKnown {
		projects = inv.Projects
	} else {
		b.unknownProjects = true
	}
	if inv.RolesKnown {
		roles = inv.Roles
	} else {
		b.unknownGroups = true
	}

	for _, key := range m.ProjectKeys() {
		pb := b.bindProject(key, projects)
		if pb.Bound {
			if _, taken := b.byProjectID[pb.ProjectID]; !taken {
				b.byProjectID[pb.ProjectID] = key
			}
		}
		b.projects = append(b.projects, pb)
	}
	b.members = map[string]memberPatterns{}
	for _, key := range m.GroupKeys() {
		b.groups = append(b.groups, b.bindGroup(key, roles))
		if decl := m.Groups[key]; decl != nil && decl.Members != nil {
			b.members[key] = newMemberPatterns(decl.Members)
		}
	}
	for _, x := range m.Exceptions {
		b.exceptions = append(b.exceptions, newException(x, b.now))
	}
	b.keys = bindKeys(m, inv.KeyLabels)
	return b
}

func (b *Bound) bindProject(key string, projects []Target[int64]) ProjectBinding {
	pb := ProjectBinding{Key: key, Pos: b.m.projectPos[key], By: ByKey}
	decl := b.m.Projects[key]
	var names []string
	if decl != nil {
		pb.Declared = true
		pb.Protected = decl.Protected != nil && decl.Protected.Value
		switch {
		case decl.ID != nil:
			pb.By, pb.DeclaredID = ByID, int64(decl.ID.Value)
		case decl.Name != nil:
			pb.By, names = ByName, []string{decl.Name.Value}
		}
	}
	if pb.By == ByKey {
		names = implicitNames(key)
	}
	if len(names) > 0 {
		pb.MatchName = names[0]
	}
	if b.unknownProjects {
		pb.Unknown = true
		return pb
	}
	var found []Target[int64]
	if pb.By == ByID {
		for _, p := range projects {
			if p.ID == int64(decl.ID.Value) {
				found = append(found, p)
			}
		}
	}
	for _, name := range names {
		for _, p := range projects {
			if sameName(p.Name, name) {
				found = append(found, p)
			}
		}
		if len(found) > 0 {
			pb.MatchName = name
			break
		}
	}
	// A project listed twice is one project.
	slices.SortStableFunc(found, func(a, b Target[int64]) int { return cmpInt64(a.ID, b.ID) })
	found = slices.CompactFunc(found, func(a, b Target[int64]) bool { return a.ID == b.ID })
	switch len(found) {
	case 0:
		near := pb.MatchName
		if near == "" {
			near = implicitNames(key)[0]
		}
		pb.Candidates = nearestProjects(projects, near, 3)
	case 1:
		pb.Bound, pb.ProjectID, pb.ProjectName = true, found[0].ID, found[0].Name
	default:
		for _, p := range found {
			pb.Ambiguous = append(pb.Ambiguous, p.ID)
			pb.Candidates = append(pb.Candidates, Candidate(p))
		}
	}
	return pb
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// nearestProjects returns the (at most n) projects whose names are nearest
// to name (edit distance of the names as sameName compares them; ties by
// id), each id once.
func nearestProjects(projects []Target[int64], name string, n int) []Candidate {
	type scored struct {
		c Candidate
		d int
	}
	target := normName(name)
	var all []scored
	seen := map[int64]bool{}
	for _, p := range projects {
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		all = append(all, scored{Candidate(p), EditDistance(target, normName(p.Name))})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return cmpInt64(a.c.ID, b.c.ID)
	})
	var out []Candidate
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.c)
	}
	return out
}

func (b *Bound) bindGroup(key string, roles []Target[string]) GroupBinding {
	gb := GroupBinding{Key: key, Pos: b.m.groupPos[key], By: ByKey, MatchName: key, OrgLevel: LevelMember}
	if decl := b.m.Groups[key]; decl != nil {
		gb.Declared = true
		gb.OrgLevel = decl.OrgLevelOrDefault()
		switch {
		case decl.Role != nil:
			gb.By, gb.MatchName = ByRole, decl.Role.Value
		case decl.Members != nil || decl.Keys != nil:
			gb.By, gb.MatchName = ByMembers, ""
			gb.Bound = true
			return gb
		}
	}
	if b.unknownGroups {
		gb.Unknown = true
		return gb
	}
	var found []Target[string]
	for _, r := range roles {
		if sameName(r.Name, gb.MatchName) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
	case 1:
		gb.Bound, gb.RoleID, gb.RoleName = true, found[0].ID, found[0].Name
	default:
		for _, r := range found {
			gb.Ambiguous = append(gb.Ambiguous, r.ID)
		}
		slices.Sort(gb.Ambiguous)
	}
	return gb
}

// Matrix returns the matrix that was bound.
func (b *Bound) Matrix() *Matrix { return b.m }

// Now returns the evaluation time the matrix was bound at, in UTC.
func (b *Bound) Now() time.Time { return b.now }

// Projects returns the binding of every project key, sorted by key. The
// caller owns the returned slice.
func (b *Bound) Projects() []ProjectBinding {
	out := slices.Clone(b.projects)
	for i := range out {
		out[i].Ambiguous = slices.Clone(out[i].Ambiguous)
		out[i].Candidates = slices.Clone(out[i].Candidates)
	}
	return out
}

// Groups returns the binding of every group key, sorted by key. The caller
// owns the returned slice.
func (b *Bound) Groups() []GroupBinding {
	out := slices.Clone(b.groups)
	for i := range out {
		out[i].Ambiguous = slices.Clone(out[i].Ambiguous)
	}
	return out
}

// ProjectKey returns the matrix project key bound to the PostHog project
// with id projectID. When several keys bind to it, the first in sorted order
// is returned.
func (b *Bound) ProjectKey(projectID int64) (key string, ok bool) {
	key, ok = b.byProjectID[projectID]
	return key, ok
}

// MemberGroups returns the keys of the groups a member belongs to, sorted
// and never nil: those bound to a role in roleIDs, and those with a members:
// pattern matching email ('*' matches any run of characters; case is
// ignored).
func (b *Bound) MemberGroups(email string, roleIDs []string) []string {
	email = strings.ToLower(email)
	out := []string{}
	for _, g := range b.groups {
		if g.RoleID != "" && slices.Contains(roleIDs, g.RoleID) {
			out = append(out, g.Key)
			continue
		}
		if mp, ok := b.members[g.Key]; ok && mp.match(email) {
			out = append(out, g.Key)
		}
	}
	return out
}

// KeyGroups returns the keys of the groups a personal API key belongs to,
// sorted, without duplicates and never nil: the groups whose keys: list its
// label (compared exactly), and ownerGroups, the groups of its owner.
func (b *Bound) KeyGroups(label string, ownerGroups []string) []string {
	out := slices.Clone(ownerGroups)
	if out == nil {
		out = []string{}
	}
	for _, key := range b.m.GroupKeys() {
		if g := b.m.Groups[key]; g != nil && g.Keys != nil && slices.Contains(g.Keys.Values(), label) {
			out = append(out, key)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Exceptions returns the matrix's exceptions in file order, evaluated at
// the binding time. The caller owns the returned slice.
func (b *Bound) Exceptions() []Exception {
	return slices.Clone(b.exceptions)
}
