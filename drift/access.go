package drift

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// access compares the two access tables, member by member, on the
// projects both snapshots list (see Compare for what counts as a change),
// and joins each change to its cause among the changes found before it.
func (c *comparer) access() {
	if c.oldAccess == nil || c.newAccess == nil {
		or := func(t *access.Table) string {
			if t == nil {
				return "no access table was computed"
			}
			return ""
		}
		c.gap(KindProjectAccess, nil, or(c.oldAccess), or(c.newAccess))
		return
	}
	// Without both member lists or project lists the tables cannot be
	// read as a whole; those sections' gaps say why.
	ml := func(s *snapshot.Snapshot) string { return lack(s, snapshot.SectionMembers, s.Members != nil) }
	pl := func(s *snapshot.Snapshot) string { return lack(s, snapshot.SectionProjects, s.Projects != nil) }
	if c.gap(KindProjectAccess, nil, prefix("members: ", ml(c.old)), prefix("members: ", ml(c.new))) ||
		c.gap(KindProjectAccess, nil, prefix("projects: ", pl(c.old)), prefix("projects: ", pl(c.new))) {
		return
	}
	inOld := map[int64]*snapshot.Project{}
	for i := range c.old.Projects {
		inOld[c.old.Projects[i].ID] = &c.old.Projects[i]
	}
	causes := causeList{changes: slices.Clone(c.changes), mids: slices.Clone(c.mids)}
	for i := range c.new.Projects {
		p := &c.new.Projects[i]
		if inOld[p.ID] == nil {
			c.newProject(causes, p)
			continue
		}
		id := p.ID
		if c.usersWithAccess(inOld[id], p) {
			continue
		}
		op, np := c.oldAccess.Projects[id], c.newAccess.Projects[id]
		unknown := func(t *access.Project) string {
			if t == nil || !t.Known {
				return "the access table cannot tell this project's access (its rules or explicit members are missing)"
			}
			return ""
		}
		if c.gap(KindProjectAccess, &id, unknown(op), unknown(np)) {
			continue
		}
		c.grants(causes, id, "", op.Members, np.Members)

		resUnknown := func(t *access.Project) string {
			if !t.ResourcesKnown {
				return "the access table cannot tell this project's resource access (its resource rules are missing)"
			}
			return ""
		}
		if c.gap(KindResourceAccess, &id, resUnknown(op), resUnknown(np)) {
			continue
		}
		for _, res := range slices.Sorted(maps.Keys(union(op.Resources, np.Resources))) {
			ob, okOld := op.Resources[res]
			nb, okNew := np.Resources[res]
			notAsked := func(ok bool) string {
				if !ok {
					return "resource " + res + " is not in this table"
				}
				return ""
			}
			if c.gap(KindResourceAccess, &id, notAsked(okOld), notAsked(okNew)) {
				continue
			}
			c.grants(causes, id, res, ob, nb)
		}
	}
}

// newProject records the access of a project the old snapshot did not
// list: every member's level on it and on the resources asked for, from
// none (project_added says the project is new; a protected project created
// since must not hide who was made its admin). A project whose access the
// new table cannot tell is a gap.
func (c *comparer) newProject(causes causeList, p *snapshot.Project) {
	id := p.ID
	np := c.newAccess.Projects[id]
	if np == nil || !np.Known {
		c.gap(KindProjectAccess, &id, "", "the access table cannot tell this new project's access (its rules or explicit members are missing)")
		return
	}
	from := len(c.changes)
	c.grants(causes, id, "", nil, np.Members)
	if !np.ResourcesKnown {
		c.gap(KindResourceAccess, &id, "", "the access table cannot tell this new project's resource access (its resource rules are missing)")
	} else {
		for _, res := range slices.Sorted(maps.Keys(np.Resources)) {
			c.grants(causes, id, res, nil, np.Resources[res])
		}
	}
	for i := from; i < len(c.changes); i++ {
		if c.changes[i].Detail == "" {
			c.changes[i].Detail = "the project is new since the old snapshot"
		}
	}
}

// usersWithAccess records a project_access gap for project o/n (its old
// and new versions) when the two tables resolve it differently: a table's
// level is PostHog's own (users_with_access) where the snapshot holds the
// project's list whole, else the rules' resolution (policies.Engine.Access).
// When one side has PostHog's and the other not (its list not collected,
// partial, or not served by that deployment), a difference may be the two
// resolutions disagreeing rather than drift, and an equal level may hide
// one: nothing is claimed for the project.
func (c *comparer) usersWithAccess(o, n *snapshot.Project) bool {
	oldWhy, newWhy := c.withoutPostHog(c.old, o), c.withoutPostHog(c.new, n)
	if (oldWhy == "") == (newWhy == "") {
		return false
	}
	const differ = ": this snapshot's levels are the rules' resolution, the other's PostHog's own (users_with_access), and the two cannot be compared"
	id := n.ID
	return c.gap(KindProjectAccess, &id, prefix("users_with_access ", oldWhy)+suffix(oldWhy, differ), prefix("users_with_access ", newWhy)+suffix(newWhy, differ))
}

// withoutPostHog says why snapshot s's table cannot have PostHog's own
// levels for project p, or "" when it holds p's users_with_access whole.
func (c *comparer) withoutPostHog(s *snapshot.Snapshot, p *snapshot.Project) string {
	for _, m := range s.Missing {
		if m.Section == snapshot.SectionUsersWithAccess && (m.ProjectID == nil || *m.ProjectID == p.ID) {
			if m.NotApplicable {
				return "not served by this deployment"
			}
			return "not collected whole (" + m.Reason + ")"
		}
	}
	if !p.HasUsersWithAccess() {
		return "not collected"
	}
	return ""
}

func suffix(s, suf string) string {
	if s == "" {
		return ""
	}
	return s + suf
}

func prefix(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

func union[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// grants compares every member's grant on project (resource "" for the
// project itself).
func (c *comparer) grants(causes causeList, project int64, resource string, before, after map[string]access.Grant) {
	kind := KindProjectAccess
	if resource != "" {
		kind = KindResourceAccess
	}
	for _, mid := range slices.Sorted(maps.Keys(union(before, after))) {
		og, okOld := before[mid]
		ng, okNew := after[mid]
		ol, nl := access.LevelNone, access.LevelNone
		if resource != "" {
			ol, nl = access.ResourceNone, access.ResourceNone
		}
		var op, np *access.Path
		if okOld {
			ol, op = og.Level, &og.Path
		}
		if okNew {
			nl, np = ng.Level, &ng.Path
		}
		if ol == nl && (!okOld || !okNew || samePath(og.Path, ng.Path)) {
			continue
		}
		if ol == access.LevelNone && !okOld {
			op = nil
		}
		email := c.email(mid)
		ch := Change{Kind: kind, Subject: "member:" + email, Project: c.project(project), Resource: resource,
			Before: ol, After: nl, BeforePath: clonePath(op), AfterPath: clonePath(np)}
		c.joinCause(&ch, causes, mid, email, !okOld || !okNew)
		verb := "changed"
		switch r := rank(nl) - rank(ol); {
		case r > 0:
			verb = "granted"
		case r < 0:
			verb = "revoked"
		}
		where := c.projectName(project)
		if resource != "" {
			where += " " + resource
		}
		ch.Message = fmt.Sprintf("%s: %s %s → %s%s", email, where, c.pathWords(ol, op), c.pathWords(nl, np), c.byPhrase(ch.By, verb))
		c.add(ch)
	}
}

func clonePath(p *access.Path) *access.Path {
	if p == nil {
		return nil
	}
	q := *p
	q.Roles = slices.Clone(p.Roles)
	return &q
}

// samePath reports whether two paths grant the same way (Via and Roles;
// OrgLevel's changes are member_level's).
func samePath(a, b access.Path) bool {
	return a.Via == b.Via && slices.Equal(sortedCopy(a.Roles), sortedCopy(b.Roles))
}

func sortedCopy(xs []string) []string {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s
}

var levelRank = map[string]int{
	access.LevelNone: 0, access.LevelMember: 1, access.LevelAdmin: 2,
	access.ResourceViewer: 1, access.ResourceEditor: 2, access.ResourceManager: 3,
}

func rank(level string) int { return levelRank[level] }

// pathWords is a level and how it is granted, in the findings' words
// (access.Path.Phrase): "admin through role Finance's rule", "member by
// PostHog's default (no rule applies)", "none".
func (c *comparer) pathWords(level string, p *access.Path) string {
	if p == nil {
		return level
	}
	q := *p
	if q.Via == access.ViaRoleRule {
		q.RoleNames = make([]string, len(p.Roles))
		for i, r := range p.Roles {
			q.RoleNames[i] = c.roleName(r)
		}
		slices.Sort(q.RoleNames)
	}
	return level + " " + q.Phrase()
}

// joinCause sets ch.By and ch.Detail from the one change among causes that
// explains it. Candidates are the member's joining, leaving or level
// change; a rule on the project (and resource) for the member, one of its
// roles, or everyone; the member's joining or leaving a role whose rules
// are on the project or in either path; a change of how the organization
// resolves access. They are narrowed to the most telling: a member absent
// from one table joined or left; a path through organization admin came
// from the level change; else the rules and role memberships that the
// paths name (a rule added or changed gives the new path, one removed or
// changed gave the old). With several left, nothing is attributed and
// Detail counts them.
func (c *comparer) joinCause(ch *Change, causes causeList, membershipID, email string, absent bool) {
	subject := "member:" + email
	roles := c.memberRoles(membershipID)
	ruleRes := "project"
	if ch.Resource != "" {
		ruleRes = ch.Resource
	}
	pathRoles := map[string]bool{}
	for _, p := range []*access.Path{ch.BeforePath, ch.AfterPath} {
		if p != nil {
			for _, r := range p.Roles {
				pathRoles[c.roleName(r)] = true
			}
		}
	}
	via := func(p *access.Path) string {
		if p == nil {
			return ""
		}
		return p.Via
	}
	// names reports whether path p is the way subject s grants.
	names := func(p *access.Path, s string) bool {
		switch {
		case p == nil:
			return false
		case s == subject:
			return p.Via == access.ViaMemberRule
		case s == "everyone":
			return p.Via == access.ViaEveryoneRule
		}
		role, ok := strings.CutPrefix(s, "role:")
		if !ok || p.Via != access.ViaRoleRule {
			return false
		}
		for _, r := range p.Roles {
			if c.roleName(r) == role {
				return true
			}
		}
		return false
	}
	rulesFor := c.ruleRoles(ch.Project.ID, ruleRes)
	// mine reports whether cause i is about this membership: by id where
	// the cause knows it (a member who left and rejoined is two
	// memberships of one email), else by email.
	mine := func(i int) bool {
		if mid := causes.mids[i]; mid != "" {
			return mid == membershipID
		}
		k := causes.changes[i]
		if k.Kind == KindRoleMemberAdded || k.Kind == KindRoleMemberRemoved {
			return k.Member == email
		}
		return k.Subject == subject
	}
	var all, presence, level, paths []Change
	for i, k := range causes.changes {
		switch k.Kind {
		case KindMemberJoined, KindMemberLeft:
			if mine(i) {
				all, presence = append(all, k), append(presence, k)
			}
		case KindMemberLevel:
			if mine(i) {
				all, level = append(all, k), append(level, k)
			}
		case KindRuleAdded, KindRuleRemoved, KindRuleChanged:
			if k.Project == nil || k.Project.ID != ch.Project.ID || k.Resource != ruleRes || k.Field != "" {
				continue
			}
			role, isRole := strings.CutPrefix(k.Subject, "role:")
			if k.Subject != subject && k.Subject != "everyone" && (!isRole || !roles[role]) {
				continue
			}
			all = append(all, k)
			if (k.Kind != KindRuleRemoved && names(ch.AfterPath, k.Subject)) || (k.Kind != KindRuleAdded && names(ch.BeforePath, k.Subject)) {
				paths = append(paths, k)
			}
		case KindRoleMemberAdded, KindRoleMemberRemoved:
			if !mine(i) {
				continue
			}
			role := "role:" + strings.TrimPrefix(k.Subject, "role:")
			if !pathRoles[role[5:]] && !rulesFor[role[5:]] {
				continue
			}
			all = append(all, k)
			if (k.Kind == KindRoleMemberAdded && names(ch.AfterPath, role)) || (k.Kind == KindRoleMemberRemoved && names(ch.BeforePath, role)) {
				paths = append(paths, k)
			}
		case KindOrgSetting:
			if k.Field == "uses_most_specific_access_resolution" || k.Field == "available_product_features" {
				all = append(all, k)
			}
		}
	}
	// A leave explains all the access the member lost (PostHog deletes the
	// membership's rules and role memberships with it). A join explains
	// only the access a member has by being one: an organization admin's,
	// the default, the rule for everyone. Access through a role or a rule
	// naming the new membership came from that role membership or rule,
	// made after the join, not from whoever the join's entry names (a
	// member who accepts an invite logs their own join).
	joinExplains := func(p *access.Path) bool {
		switch via(p) {
		case "", access.ViaOrgAdmin, access.ViaDefault, access.ViaEveryoneRule, access.ViaNoAccessControl, access.ViaNotExplicitMember:
			return true
		}
		return false
	}
	found := all
	switch {
	case absent && len(presence) > 0 && (ch.BeforePath != nil || joinExplains(ch.AfterPath)):
		found = presence
	case absent && len(presence) > 0:
		found = paths
	case (via(ch.BeforePath) == access.ViaOrgAdmin || via(ch.AfterPath) == access.ViaOrgAdmin) && len(level) > 0:
		found = level
	case len(paths) > 0:
		found = paths
	}
	switch len(found) {
	case 0:
	case 1:
		ch.By = found[0].By
		ch.Detail = "cause: " + found[0].Message
	default:
		ch.Detail = fmt.Sprintf("%d changes may explain it; none is attributed", len(found))
	}
}

// causeList is the changes an access change may be joined to, with the
// membership each is about (comparer.mids).
type causeList struct {
	changes []Change
	mids    []string
}

// memberRoles are the names of the roles membershipID holds in either
// snapshot.
func (c *comparer) memberRoles(membershipID string) map[string]bool {
	out := map[string]bool{}
	for _, s := range []*snapshot.Snapshot{c.old, c.new} {
		for _, r := range s.Roles {
			for _, m := range r.Members {
				if c.roleKey(s, m) == membershipID {
					out[r.Name] = true
				}
			}
		}
	}
	return out
}

// ruleRoles are the names of the roles with a rule on project's resource
// in either snapshot.
func (c *comparer) ruleRoles(project int64, resource string) map[string]bool {
	out := map[string]bool{}
	for _, s := range []*snapshot.Snapshot{c.old, c.new} {
		for _, p := range s.Projects {
			if p.ID != project {
				continue
			}
			for _, l := range []*posthog.AccessControlList{p.AccessControls, p.ResourceAccessControls} {
				if l == nil {
					continue
				}
				for _, r := range l.AccessControls {
					if r.Resource == resource && r.Role != nil {
						out[c.roleName(*r.Role)] = true
					}
				}
			}
		}
	}
	return out
}
