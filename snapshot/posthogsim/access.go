package posthogsim

import (
	"slices"
	"sort"
	"strconv"
)

// This file resolves a member's access the way PostHog's code does, walked in
// the same order as its source rather than computed from sets:
// products/access_control/backend/facade/user_access_control.py
// (UserAccessControl: _object_access_level_precheck, _filter_options,
// _object_access_level_from_rows, access_level_for_resource, and the
// most-specific resolvers resolve_most_specific_object_access /
// resolve_most_specific_resource_access with _rows_by_subject),
// posthog/user_permissions.py (the legacy ExplicitTeamMembership gate of 2024
// and before) and products/access_control/backend/presentation/
// access_control.py (_get_users_with_access, get_access_source_for_object).
// It shares nothing with hogaudit's Rego library, so that a mistake in one is
// caught by the other (policies/crosscheck_test.go).

// Access sources of users_with_access (AccessSource).
const (
	sourceOrganizationAdmin = "organization_admin"
	sourceExplicitMember    = "explicit_member"
	sourceExplicitRole      = "explicit_role"
	sourceDefault           = "default"
)

// Resolution sources (ResolvedAccess.source), plus one for the legacy gate.
const (
	// ResolvedOrgAdmin: an organization admin or owner; rules never
	// consulted.
	ResolvedOrgAdmin = "org_admin"
	// ResolvedSystemDefault: no rule applies, or the organization lacks an
	// access-control feature; PostHog's default level.
	ResolvedSystemDefault = "system_default"
	// ResolvedObject: a rule on the project itself decided.
	ResolvedObject = "object"
	// ResolvedResource: a project-wide rule on the resource (or the parent it
	// inherits from) decided.
	ResolvedResource = "resource"
	// ResolvedExplicitMembers: the legacy private-project gate of PostHog
	// 2024 and before decided (explicit members and organization admins
	// only).
	ResolvedExplicitMembers = "explicit_members"
)

// Resolution is a member's resolved level on a project (none, member,
// admin) or on a resource in a project (none, viewer, editor, manager), and
// what decided it (one of the Resolved constants).
type Resolution struct {
	Level  string
	Source string
}

// Access-control feature keys, by PostHog vintage.
const (
	featureAccessControl       = "access_control"              // newest
	featureAdvancedPermissions = "advanced_permissions"        // 2025 (and 2024)
	featureProjectPermissions  = "project_based_permissioning" // 2024 and before
	featureRoleBasedAccess     = "role_based_access"
)

// resourceInheritance maps resources that have no resource-level rules of
// their own to the resource whose rules they follow
// (RESOURCE_INHERITANCE_MAP).
var resourceInheritance = map[string]string{
	"session_recording_playlist": "session_recording",
	"warehouse_table":            "warehouse_objects",
	"warehouse_view":             "warehouse_objects",
	"dataset":                    "llm_analytics",
	"llm_provider_key":           "llm_analytics",
	"llm_prompt":                 "llm_analytics",
	"account":                    "customer_analytics",
	"customer_journey":           "customer_analytics",
	"experiment_saved_metric":    "experiment",
	"experiment_holdout":         "experiment",
	"dashboard_template":         "dashboard",
	"marketing_analytics":        "web_analytics",
	"vision_action":              "replay_scanner",
	"vision_alert":               "replay_scanner",
}

// orderedAccessLevels are a resource's levels, lowest first.
func orderedAccessLevels(resource string) []string {
	if resource == "project" || resource == "organization" {
		return []string{"none", "member", "admin"}
	}
	return []string{"none", "viewer", "editor", "manager"}
}

// defaultAccessLevel is what applies with no rule.
func defaultAccessLevel(resource string) string {
	switch resource {
	case "project":
		return "admin"
	case "organization":
		return "member"
	case "activity_log", "toolbar":
		return "viewer"
	}
	return "editor"
}

// highestAccessLevel is what an organization admin gets.
func highestAccessLevel(resource string) string {
	if resource == "activity_log" || resource == "toolbar" {
		return "viewer"
	}
	levels := orderedAccessLevels(resource)
	return levels[len(levels)-1]
}

// accessControl is one stored AccessControl row of a team.
type accessControl struct {
	resource   string
	resourceID string // "" is null: a resource-wide rule
	member     string // organization membership id, or ""
	role       string // role id, or ""
	level      string
}

// rowSubject is _row_subject: who a row is about.
func rowSubject(ac accessControl) string {
	switch {
	case ac.member != "":
		return "member"
	case ac.role != "":
		return "role"
	}
	return "default"
}

// highestAccessFromRows is _highest_access_from_rows: the row with the
// highest level (rows is never empty).
func highestAccessFromRows(resource string, rows []accessControl) accessControl {
	levels := orderedAccessLevels(resource)
	specificity := map[string]int{"default": 0, "role": 1, "member": 2}
	best := rows[0]
	for _, ac := range rows[1:] {
		a, b := slices.Index(levels, ac.level), slices.Index(levels, best.level)
		if a > b || a == b && specificity[rowSubject(ac)] > specificity[rowSubject(best)] {
			best = ac
		}
	}
	return best
}

// rowsBySubject is _rows_by_subject: a scope's rows grouped by subject, most
// specific first, empty groups dropped.
func rowsBySubject(rows []accessControl) [][]accessControl {
	by := map[string][]accessControl{}
	for _, ac := range rows {
		by[rowSubject(ac)] = append(by[rowSubject(ac)], ac)
	}
	var out [][]accessControl
	for _, subject := range []string{"member", "role", "default"} {
		if len(by[subject]) > 0 {
			out = append(out, by[subject])
		}
	}
	return out
}

// userAccessControl is one member's UserAccessControl in one project.
type userAccessControl struct {
	s *Server
	m *Member
	p *Project
	r *projectRules // p's rows, indexed
}

func (u userAccessControl) hasFeature(key string) bool { return u.s.org.HasFeature(key) }

// accessControlsSupported is the entitlement gate (access_controls_supported).
// Each vintage of PostHog checks its own key and no other:
//
//   - Newest (products/access_control/backend/facade/user_access_control.py,
//     and posthog/user_permissions.py's membership gate): access_control
//     only. An organization that lists only advanced_permissions gets no
//     rule enforced at all.
//   - 2025 (posthog/rbac/user_access_control.py): advanced_permissions only.
//   - 2024 (the first posthog/rbac/user_access_control.py, "a proxy
//     feature"): project_based_permissioning or advanced_permissions.
//
// Deployment2025 stands for the 2025 and the 2024 code at once (it serves
// explicit_members), so it accepts the keys of both: advanced_permissions or
// project_based_permissioning. access_control, a key neither checks, counts
// only on Newest.
func (u userAccessControl) accessControlsSupported() bool {
	if u.s.deployment == Newest {
		return u.hasFeature(featureAccessControl)
	}
	return u.hasFeature(featureAdvancedPermissions) || u.hasFeature(featureProjectPermissions)
}

func (u userAccessControl) rbacSupported() bool { return u.hasFeature(featureRoleBasedAccess) }

func (u userAccessControl) isOrganizationAdmin() bool { return u.m.Level >= LevelAdmin }

// mostSpecific reports whether the organization resolves most specific
// subject first. Only the newest PostHog has the setting.
func (u userAccessControl) mostSpecific() bool {
	return u.s.deployment == Newest && u.s.org.UsesMostSpecificAccessResolution != nil &&
		*u.s.org.UsesMostSpecificAccessResolution
}

// userRoleIDs is _user_role_ids: none without role-based access.
func (u userAccessControl) userRoleIDs() map[string]bool {
	if !u.rbacSupported() {
		return nil
	}
	return u.s.roles[u.m.ID]
}

// teamRows are every AccessControl row of the project: the rules on the
// project object and the project-wide resource rules. A row without a
// level, or with one its resource does not have, does not exist (PostHog
// deletes a rule set to null).
func teamRows(p *Project) []accessControl {
	var out []accessControl
	pid := strconv.FormatInt(p.ID, 10)
	add := func(ac accessControl) {
		if slices.Contains(orderedAccessLevels(ac.resource), ac.level) {
			out = append(out, ac)
		}
	}
	for _, r := range p.AccessControls {
		add(accessControl{resource: "project", resourceID: pid, member: r.MemberID, role: r.RoleID, level: r.Level})
	}
	for _, r := range p.ResourceAccessControls {
		add(accessControl{resource: r.Resource, member: r.MemberID, role: r.RoleID, level: r.Level})
	}
	return out
}

// scopeRows are a project's rows of one scope (a resource and resource id)
// split by whom _filter_options lets them apply to: everyone (no member,
// no role), one member (a member and no role), one role (a role and no
// member). A row naming both a member and a role applies to nobody and is
// left out.
type scopeRows struct {
	everyone []accessControl
	byMember map[string][]accessControl
	byRole   map[string][]accessControl
}

// scopeKey names a scope of scopeRows.
type scopeKey struct{ resource, resourceID string }

// projectRules is a project's rows indexed for resolution, built once per
// state of the organization (derived): resolving one member costs the rows
// that can apply to it, not every row of the project.
type projectRules struct {
	scopes   map[scopeKey]*scopeRows
	explicit map[string][]int // membership id → levels of its legacy explicit memberships
}

// newProjectRules indexes p's rows (teamRows) and explicit members.
func newProjectRules(p *Project) *projectRules {
	pr := &projectRules{scopes: map[scopeKey]*scopeRows{}, explicit: map[string][]int{}}
	for _, ac := range teamRows(p) {
		k := scopeKey{ac.resource, ac.resourceID}
		sc := pr.scopes[k]
		if sc == nil {
			sc = &scopeRows{byMember: map[string][]accessControl{}, byRole: map[string][]accessControl{}}
			pr.scopes[k] = sc
		}
		switch {
		case ac.member == "" && ac.role == "":
			sc.everyone = append(sc.everyone, ac)
		case ac.role == "":
			sc.byMember[ac.member] = append(sc.byMember[ac.member], ac)
		case ac.member == "":
			sc.byRole[ac.role] = append(sc.byRole[ac.role], ac)
		}
	}
	for _, e := range p.ExplicitMembers {
		pr.explicit[e.MemberID] = append(pr.explicit[e.MemberID], e.Level)
	}
	return pr
}

// getAccessControls is _get_access_controls: the rows that apply to this
// member (_filter_options: the everyone rows, its own member rows that name
// no role, the rows of its roles that name no member) and match the scope.
// The rows come grouped (everyone, member, roles) rather than in the
// project's order; no resolution depends on the order.
func (u userAccessControl) getAccessControls(resource, resourceID string) []accessControl {
	if !u.accessControlsSupported() {
		return nil
	}
	sc := u.r.scopes[scopeKey{resource, resourceID}]
	if sc == nil {
		return nil
	}
	own, roles := sc.byMember[u.m.ID], u.userRoleIDs()
	if len(own) == 0 && (len(roles) == 0 || len(sc.byRole) == 0) {
		return sc.everyone
	}
	out := append(slices.Clip(sc.everyone), own...)
	if len(roles) < len(sc.byRole) {
		for role := range roles {
			out = append(out, sc.byRole[role]...)
		}
	} else {
		for role, rows := range sc.byRole {
			if roles[role] {
				out = append(out, rows...)
			}
		}
	}
	return out
}

// precheck is _object_access_level_precheck: the answers that need no row.
func (u userAccessControl) precheck(resource string) (Resolution, bool) {
	if u.isOrganizationAdmin() {
		return Resolution{highestAccessLevel(resource), ResolvedOrgAdmin}, true
	}
	if !u.accessControlsSupported() {
		return Resolution{defaultAccessLevel(resource), ResolvedSystemDefault}, true
	}
	return Resolution{}, false
}

// projectAccess is a member's access to the project object
// (get_user_access_level on the team, with the legacy membership gate).
func (u userAccessControl) projectAccess() Resolution {
	if r, ok := u.precheck("project"); ok {
		return r
	}
	if r, ok := u.legacyTeamGate(); ok {
		return r
	}
	rows := u.getAccessControls("project", strconv.FormatInt(u.p.ID, 10))
	if u.mostSpecific() {
		return u.mostSpecificObjectAccess(rows)
	}
	return u.objectAccessLevelFromRows(rows)
}

// objectAccessLevelFromRows is _object_access_level_from_rows for the project
// object: explicit (member or role) rows first, then — a project having no
// resource-level rules and no fallback parent — the object's own rows (the
// everyone row), then the default.
func (u userAccessControl) objectAccessLevelFromRows(rows []accessControl) Resolution {
	var explicit []accessControl
	for _, ac := range rows {
		if ac.role != "" || ac.member != "" {
			explicit = append(explicit, ac)
		}
	}
	if len(explicit) > 0 {
		return Resolution{highestAccessFromRows("project", explicit).level, ResolvedObject}
	}
	if len(rows) > 0 {
		return Resolution{highestAccessFromRows("project", rows).level, ResolvedObject}
	}
	return Resolution{defaultAccessLevel("project"), ResolvedSystemDefault}
}

// mostSpecificObjectAccess is resolve_most_specific_object_access for the
// project object: the first subject group with a row decides.
func (u userAccessControl) mostSpecificObjectAccess(rows []accessControl) Resolution {
	for _, group := range rowsBySubject(rows) {
		return Resolution{highestAccessFromRows("project", group).level, ResolvedObject}
	}
	return Resolution{defaultAccessLevel("project"), ResolvedSystemDefault}
}

// legacyTeamGate is the membership gate of PostHog 2024 and before
// (posthog/user_permissions.py, effective_membership_level_for_parent_membership
// with ExplicitTeamMembership): under project_based_permissioning a project
// with the legacy access_control flag admits organization admins (handled by
// precheck) and its explicit members, at the higher of the explicit level
// and their organization level (ExplicitTeamMembership.effective_level).
//
// The 2025 gate checks advanced_permissions and ignores the flag, and the
// newest checks access_control and ignores it too; so Deployment2025, which
// imitates both older vintages, applies the gate only to organizations whose
// features are 2024's alone (project_based_permissioning without
// advanced_permissions), and Newest never does (it no longer serves
// explicit_members).
func (u userAccessControl) legacyTeamGate() (Resolution, bool) {
	if u.s.deployment == Newest || !u.p.AccessControl || !u.hasFeature(featureProjectPermissions) ||
		u.hasFeature(featureAdvancedPermissions) {
		return Resolution{}, false
	}
	level := 0
	for _, l := range u.r.explicit[u.m.ID] {
		level = max(level, l, u.m.Level)
	}
	switch {
	case level >= LevelAdmin:
		return Resolution{"admin", ResolvedExplicitMembers}, true
	case level > 0:
		return Resolution{"member", ResolvedExplicitMembers}, true
	}
	return Resolution{"none", ResolvedExplicitMembers}, true
}

// resourceAccess is a member's project-wide level on a resource
// (access_level_for_resource, or resolve_most_specific_resource_access in a
// most-specific organization).
func (u userAccessControl) resourceAccess(resource string) Resolution {
	if parent, ok := resourceInheritance[resource]; ok {
		return u.resourceAccess(parent)
	}
	if r, ok := u.precheck(resource); ok {
		return r
	}
	rows := u.getAccessControls(resource, "")
	if len(rows) == 0 {
		return Resolution{defaultAccessLevel(resource), ResolvedSystemDefault}
	}
	if u.mostSpecific() {
		rows = rowsBySubject(rows)[0]
	}
	return Resolution{highestAccessFromRows(resource, rows).level, ResolvedResource}
}

// accessSource is get_access_source_for_object on the project: an
// organization admin; the default without the entitlement; else whether a
// rule names the member, else one of its roles, else the default.
func (u userAccessControl) accessSource() string {
	if u.isOrganizationAdmin() {
		return sourceOrganizationAdmin
	}
	if !u.accessControlsSupported() {
		return sourceDefault
	}
	if r, ok := u.legacyTeamGate(); ok && r.Level != "none" {
		return sourceExplicitMember
	}
	rows := u.getAccessControls("project", strconv.FormatInt(u.p.ID, 10))
	for _, ac := range rows {
		if ac.member == u.m.ID {
			return sourceExplicitMember
		}
	}
	for _, ac := range rows {
		if ac.role != "" {
			return sourceExplicitRole
		}
	}
	return sourceDefault
}

// uac returns the UserAccessControl of member m in project p.
func (s *Server) uac(m *Member, p *Project) userAccessControl {
	return userAccessControl{s: s, m: m, p: p, r: s.rules(p)}
}

// projectLevel is m's level on p ("none" for a nil member or project).
func (s *Server) projectLevel(m *Member, p *Project) string {
	if m == nil || p == nil {
		return "none"
	}
	return s.uac(m, p).projectAccess().Level
}

// ResolveProject resolves the access of the member with membership id
// memberID to the project with id projectID, as PostHog does; ok is false
// when either is unknown.
func (s *Server) ResolveProject(memberID string, projectID int64) (r Resolution, ok bool) {
	m, p := s.byMID[memberID], s.project(projectID)
	if m == nil || p == nil {
		return Resolution{}, false
	}
	return s.uac(m, p).projectAccess(), true
}

// ResolveResource resolves the project-wide level on resource of the member
// with membership id memberID in the project with id projectID, as PostHog
// does (access_level_for_resource). It does not consult the member's access
// to the project itself, exactly as PostHog's resource resolution does not:
// check ResolveProject first. ok is false when the member or project is
// unknown.
func (s *Server) ResolveResource(memberID string, projectID int64, resource string) (r Resolution, ok bool) {
	m, p := s.byMID[memberID], s.project(projectID)
	if m == nil || p == nil {
		return Resolution{}, false
	}
	return s.uac(m, p).resourceAccess(resource), true
}

// usersWithAccessRows are the rows of GET /api/projects/{id}/users_with_access/
// (_get_users_with_access): every member with access to the project, with its
// level and access source, highest level first then by user uuid, descending.
// Members resolved to none are left out.
//
// A non-admin member that no row of the project names, by membership, role
// or legacy explicit membership, resolves exactly as every other such member
// does (the everyone rows and the defaults decide), so that resolution is
// made once, for a stand-in; when it is none only the admins and the named
// members are resolved, and the work follows the answer's size rather than
// the organization's.
func (s *Server) usersWithAccessRows(p *Project) []userWithAccess {
	type row struct {
		m     *Member
		level string
	}
	pr := s.rules(p)
	uac := func(m *Member) userAccessControl { return userAccessControl{s: s, m: m, p: p, r: pr} }
	stand := Member{ID: "\x00unnamed", Level: LevelMember}
	members := s.org.Members
	var indices []int
	if uac(&stand).projectAccess().Level == "none" && !pr.names(stand.ID) {
		indices = s.namedMembers(pr)
	}
	var rows []row
	resolve := func(m *Member) {
		if level := uac(m).projectAccess().Level; level != "none" {
			rows = append(rows, row{m, level})
		}
	}
	if indices == nil {
		for i := range members {
			resolve(&members[i])
		}
	} else {
		for _, i := range indices {
			resolve(&members[i])
		}
	}
	levels := orderedAccessLevels("project")
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := slices.Index(levels, rows[i].level), slices.Index(levels, rows[j].level)
		if a != b {
			return a > b
		}
		return rows[i].m.User.UUID > rows[j].m.User.UUID
	})
	out := make([]userWithAccess, 0, len(rows))
	for _, r := range rows {
		out = append(out, userWithAccess{
			UserID:                      r.m.User.UUID,
			AccessLevel:                 r.level,
			AccessSource:                uac(r.m).accessSource(),
			OrganizationMembershipID:    r.m.ID,
			OrganizationMembershipLevel: levelName(r.m.Level),
		})
	}
	return out
}

// userWithAccess is one row of users_with_access. A struct encodes faster
// than an obj and to the same bytes: its fields are in the order
// encoding/json sorts a map's keys.
type userWithAccess struct {
	AccessLevel                 string `json:"access_level"`
	AccessSource                string `json:"access_source"`
	OrganizationMembershipID    string `json:"organization_membership_id"`
	OrganizationMembershipLevel string `json:"organization_membership_level"`
	UserID                      string `json:"user_id"`
}

// names reports whether a row or explicit membership of the project names
// the membership id mid.
func (pr *projectRules) names(mid string) bool {
	if len(pr.explicit[mid]) > 0 {
		return true
	}
	for _, sc := range pr.scopes {
		if len(sc.byMember[mid]) > 0 {
			return true
		}
	}
	return false
}

// namedMembers are the indexes in s.org.Members, ascending and never nil,
// of the members whose project resolution can differ from an unnamed
// member's: the organization admins and owners, the members a row or
// explicit membership of the project names, and the members of the roles
// its rows name (all of them: whether a role counts is the resolution's
// business).
func (s *Server) namedMembers(pr *projectRules) []int {
	set := map[int]bool{}
	for _, i := range s.admins {
		set[i] = true
	}
	addMID := func(mid string) {
		for _, i := range s.memberIndex[mid] {
			set[i] = true
		}
	}
	for mid := range pr.explicit {
		addMID(mid)
	}
	for _, sc := range pr.scopes {
		for mid := range sc.byMember {
			addMID(mid)
		}
		for role := range sc.byRole {
			for _, mid := range s.roleMembers[role] {
				addMID(mid)
			}
		}
	}
	out := make([]int, 0, len(set))
	for i := range set {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}
