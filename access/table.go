// Package access holds who can reach what in a PostHog organization, as
// PostHog resolves it: every member's effective level on every project (and
// on the resources asked for), with the path that grants it. The table is
// data; policies.Engine.Access fills it from the Rego library's resolution
// (data.hogaudit.lib.access), the one the rules judge, so that a report, a
// diff or a drafted matrix never tells a different story from the findings.
package access

// Project levels, lowest first.
const (
	LevelNone   = "none"
	LevelMember = "member"
	LevelAdmin  = "admin"
)

// Resource levels, lowest first.
const (
	ResourceNone    = "none"
	ResourceViewer  = "viewer"
	ResourceEditor  = "editor"
	ResourceManager = "manager"
)

// Ways a level is granted (Path.Via), in PostHog's own terms.
const (
	// ViaOrgAdmin: an organization admin or owner (level >= 8) bypasses
	// every project and resource rule and gets the highest level
	// (Path.OrgLevel says which).
	ViaOrgAdmin = "org_admin"
	// ViaMemberRule: a rule naming the member's organization membership.
	ViaMemberRule = "member_rule"
	// ViaRoleRule: a rule naming one of the member's roles (Path.Roles,
	// the roles whose rules give the level).
	ViaRoleRule = "role_rule"
	// ViaEveryoneRule: the project's rule for every member (neither a
	// member nor a role).
	ViaEveryoneRule = "everyone_rule"
	// ViaDefault: no rule applies; PostHog's system default (project
	// admin, resources editor, activity_log and toolbar viewer).
	ViaDefault = "default"
	// ViaNoAccessControl: the organization's plan has no access-control
	// feature this deployment checks, so rules are not consulted and the
	// system default applies.
	ViaNoAccessControl = "no_access_control"
	// ViaExplicitMember: a legacy private project (access_control flag,
	// 2024 project_based_permissioning) admits its explicit members, at the
	// higher of their project and organization levels.
	ViaExplicitMember = "explicit_member"
	// ViaNotExplicitMember: a legacy private project keeps out everyone
	// who is no explicit member and no organization admin (level none).
	ViaNotExplicitMember = "not_explicit_member"
)

// Path is how a member got a level.
type Path struct {
	Via string `json:"via"`
	// OrgLevel is "admin" or "owner" for ViaOrgAdmin, else empty.
	OrgLevel string `json:"org_level,omitempty"`
	// Roles are role ids (sorted) for ViaRoleRule, else nil.
	Roles []string `json:"roles,omitempty"`
	// RoleNames are the names of Roles, in the same order (a role the
	// snapshot does not name is given by its id).
	RoleNames []string `json:"role_names,omitempty"`
}

// Grant is a member's level on a project or resource and how it came.
type Grant struct {
	// Level is the effective level: PostHog's own resolution
	// (users_with_access) for a project where it was collected, else the
	// library's resolution from the rules.
	Level string `json:"level"`
	Path  Path   `json:"path"`
	// PostHogSource is users_with_access's access_source for the member
	// (explicit_member, explicit_role, organization_admin, project_admin,
	// creator, default) where it was collected; empty otherwise.
	PostHogSource string `json:"posthog_source,omitempty"`
}

// Project is the access to one project.
type Project struct {
	ID int64 `json:"id"`
	// Known is false when the project's access cannot be told (its rules,
	// or a legacy private project's explicit members, were not
	// collected): then Members is nil, never a list of "none".
	Known bool `json:"known"`
	// Members maps every member's membership id to its grant, members
	// without access included (level none).
	Members map[string]Grant `json:"members"`
	// ResourcesKnown is false when the project's resource rules were not
	// collected (then Resources is nil).
	ResourcesKnown bool `json:"resources_known"`
	// Resources maps each resource asked for to every member's grant on
	// it (membership id → grant), inside the project or not.
	Resources map[string]map[string]Grant `json:"resources,omitempty"`
}

// Table is an organization's access at one snapshot.
type Table struct {
	// Projects are keyed by project id; every project of the snapshot's
	// project list has one (Known false when it cannot be told).
	Projects map[int64]*Project `json:"projects"`
}
