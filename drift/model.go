// Package drift is access drift between two snapshots of one organization:
// what changed in who can do what, as data (members, organization levels,
// project and resource access with the path that grants it, roles and their
// members, access rules, keys, SSO, SAML, JIT and 2FA settings, projects,
// domains, invites), each change joined where PostHog's activity log allows
// to who made it and when.
//
// A diff is evidence like a snapshot: a section that either snapshot lacks
// cannot be compared, and is a Gap, never "no change".
package drift

import (
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
)

// SchemaVersion is the version of the drift JSON document (Report).
const SchemaVersion = 1

// Groups of change kinds: the values --fail-on-drift-kind takes, in the
// order reports show them.
const (
	GroupMembers  = "members"
	GroupAccess   = "access"
	GroupRoles    = "roles"
	GroupRules    = "rules"
	GroupKeys     = "keys"
	GroupSettings = "settings"
	GroupProjects = "projects"
	GroupDomains  = "domains"
	GroupInvites  = "invites"
)

// Groups lists every group in report order.
var Groups = []string{GroupMembers, GroupAccess, GroupRoles, GroupRules, GroupKeys, GroupSettings, GroupProjects, GroupDomains, GroupInvites}

// Change kinds, by group. Before and After hold the values named.
const (
	// members: Subject member:EMAIL.
	KindMemberJoined = "member_joined" // After: organization level name
	KindMemberLeft   = "member_left"   // Before: organization level name
	KindMemberLevel  = "member_level"  // organization level name member|admin|owner
	KindMember2FA    = "member_2fa"    // "enabled" | "disabled"

	// access: Subject member:EMAIL, Project set; levels none|member|admin
	// (project) or none|viewer|editor|manager (resource, Resource set).
	// A member who joined or left shows here too, from or to none.
	KindProjectAccess  = "project_access"
	KindResourceAccess = "resource_access"

	// roles: Subject role:NAME.
	KindRoleAdded         = "role_added"
	KindRoleRemoved       = "role_removed"
	KindRoleRenamed       = "role_renamed"        // Before/After: names
	KindRoleMemberAdded   = "role_member_added"   // Member: the member's email; After: the role's name
	KindRoleMemberRemoved = "role_member_removed" // Member: the member's email; Before: the role's name

	// rules: an access-control rule on a project (resource "project") or
	// a project-wide resource rule; Subject is the rule's subject
	// (member:EMAIL, role:NAME or "everyone"), Project set, Resource the
	// rule's resource. Before/After: the rule's access level ("" when
	// absent).
	KindRuleAdded   = "rule_added"
	KindRuleRemoved = "rule_removed"
	KindRuleChanged = "rule_changed"

	// keys: Subject key:LABEL (the audited personal API keys).
	KindKeyAdded    = "key_added"
	KindKeyRemoved  = "key_removed"
	KindKeyScopes   = "key_scopes"   // Before/After: scopes, sorted, comma-separated ("*" for all)
	KindKeyProjects = "key_projects" // Before/After: scoped_teams ids, sorted, comma-separated ("" = every project)
	KindKeyOrgs     = "key_orgs"     // Before/After: scoped_organizations, sorted, comma-separated

	// settings: Subject org:NAME (Field an organization field: enforce_2fa,
	// members_can_invite, members_can_use_personal_api_keys,
	// allow_publicly_shared_resources, members_can_see_org_members,
	// uses_most_specific_access_resolution, available_product_features,
	// default_role_id) or domain:DOMAIN (Field sso_enforcement, has_saml,
	// jit_provisioning_enabled, is_verified, scim_enabled). A setting PostHog
	// did not report on one side only is a Gap, not a change.
	KindOrgSetting    = "org_setting"
	KindDomainSetting = "domain_setting"

	// projects: Subject project:NAME, Project set.
	KindProjectAdded   = "project_added"
	KindProjectRemoved = "project_removed"
	KindProjectRenamed = "project_renamed"

	// domains: Subject domain:DOMAIN.
	KindDomainAdded   = "domain_added"
	KindDomainRemoved = "domain_removed"

	// invites: Subject invite:EMAIL; After/Before: the invite's level name.
	KindInviteAdded   = "invite_added"
	KindInviteRemoved = "invite_removed" // accepted, deleted or expired (Detail says which where known)
)

// KindGroup maps every kind to its group.
var KindGroup = map[string]string{
	KindMemberJoined: GroupMembers, KindMemberLeft: GroupMembers, KindMemberLevel: GroupMembers, KindMember2FA: GroupMembers,
	KindProjectAccess: GroupAccess, KindResourceAccess: GroupAccess,
	KindRoleAdded: GroupRoles, KindRoleRemoved: GroupRoles, KindRoleRenamed: GroupRoles, KindRoleMemberAdded: GroupRoles, KindRoleMemberRemoved: GroupRoles,
	KindRuleAdded: GroupRules, KindRuleRemoved: GroupRules, KindRuleChanged: GroupRules,
	KindKeyAdded: GroupKeys, KindKeyRemoved: GroupKeys, KindKeyScopes: GroupKeys, KindKeyProjects: GroupKeys, KindKeyOrgs: GroupKeys,
	KindOrgSetting: GroupSettings, KindDomainSetting: GroupSettings,
	KindProjectAdded: GroupProjects, KindProjectRemoved: GroupProjects, KindProjectRenamed: GroupProjects,
	KindDomainAdded: GroupDomains, KindDomainRemoved: GroupDomains,
	KindInviteAdded: GroupInvites, KindInviteRemoved: GroupInvites,
}

// Report is the drift between two snapshots of one organization.
type Report struct {
	SchemaVersion int             `json:"schema_version"`
	Org           snapshot.OrgRef `json:"org"`
	Old           Side            `json:"old"`
	New           Side            `json:"new"`
	Changes       []Change        `json:"changes"`
	// Gaps are the sections (or one project's part of one) that could not
	// be compared because either snapshot lacks them: drift there is
	// unknown. A report with gaps is incomplete (exit 2).
	Gaps []Gap `json:"gaps"`
	// Counts are the number of changes per group (every group present,
	// zero included).
	Counts map[string]int `json:"counts"`
}

// Side describes one of the two snapshots.
type Side struct {
	CollectedAt   time.Time `json:"collected_at"`
	SchemaVersion int       `json:"schema_version"`
	ToolVersion   string    `json:"tool_version"`
	// File is the path the snapshot was read from, when it was ("" for a
	// snapshot collected in this run).
	File string `json:"file,omitempty"`
}

// Project names a project in a change.
type Project struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Change is one difference between the snapshots.
type Change struct {
	Kind  string `json:"kind"`
	Group string `json:"group"`
	// Subject is what changed: member:EMAIL, role:NAME, key:LABEL,
	// domain:DOMAIN, org:NAME, project:NAME, invite:EMAIL, everyone.
	Subject  string   `json:"subject"`
	Project  *Project `json:"project,omitempty"`
	Resource string   `json:"resource,omitempty"`
	Field    string   `json:"field,omitempty"`
	// Member is the member a role membership change is about (email).
	Member string `json:"member,omitempty"`
	Before string `json:"before"`
	After  string `json:"after"`
	// BeforePath and AfterPath are how the level was granted, for
	// project_access and resource_access (nil for a level of none that
	// nothing grants, and on other kinds).
	BeforePath *access.Path `json:"before_path,omitempty"`
	AfterPath  *access.Path `json:"after_path,omitempty"`
	// By is who made the change and when, where PostHog recorded it; nil
	// when it did not (access-rule changes and role memberships are not in
	// PostHog's activity log), when no single entry records it, and when
	// the new snapshot lacks the activity log (then Report.Gaps has an
	// activity_log gap: the actor is unknown, not unrecorded).
	By *Attribution `json:"by,omitempty"`
	// Detail is one more fact in words ("accepted", "rule updated
	// 2026-11-30, not in the activity log"), or "".
	Detail string `json:"detail,omitempty"`
	// Message is one sentence for people, e.g. "alice@acme.com: Payments
	// member → admin via role Finance, granted by dan@acme.com on
	// 2026-11-30".
	Message string `json:"message"`
}

// Sources of an Attribution.
const (
	// FromActivityLog: an activity-log entry of the new snapshot
	// (Attribution.EntryID) records the change.
	FromActivityLog = "activity_log"
	// FromRuleCreator: the access rule was created between the snapshots,
	// and PostHog keeps who created it (created_by, created_at).
	FromRuleCreator = "rule_created_by"
	// FromRoleJoinedAt: the role membership's joined_at (no actor).
	FromRoleJoinedAt = "role_joined_at"
)

// Attribution is who made a change and when.
type Attribution struct {
	// Actor is the actor's email; "" when the source has a time only, the
	// change was made by the system, or the session was impersonated.
	Actor  string    `json:"actor,omitempty"`
	At     time.Time `json:"at"`
	Source string    `json:"source"`
	// EntryID is the activity-log entry's id (FromActivityLog).
	EntryID string `json:"entry_id,omitempty"`
	// Impersonated is true when the entry was written in an impersonated
	// session (PostHog staff logged in as a user): the user whose session
	// it was did not act, and who did is not recorded, so Actor is empty
	// (the change's Message names the session's user).
	Impersonated bool `json:"impersonated,omitempty"`
}

// Gap is a section that could not be compared.
type Gap struct {
	Section string `json:"section"`
	// ProjectID names the project for per-project sections.
	ProjectID *int64 `json:"project_id,omitempty"`
	// Side is "old", "new" or "both": which snapshot lacks it.
	Side   string `json:"side"`
	Reason string `json:"reason"`
}
