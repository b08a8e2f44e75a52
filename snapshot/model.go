package snapshot

import (
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// SchemaVersion is the version of the snapshot format this package writes and
// the only one Load accepts. It changes whenever a field is removed or its
// meaning changes; adding a field does not change it.
//
// Version 2 stores each project's users_with_access compactly (AccessFile);
// version 1 files, which list every row, are read through the upgrade
// chain (upgrade.go).
const SchemaVersion = 2

// Snapshot is an organization's access state at one moment, as hogaudit
// collected it through PostHog's API.
//
// A snapshot is data: deterministic (every list sorted, so two collections of
// the same organization state differ only in CollectedAt and the keys'
// IntrospectedAt), redacted (no API key,
// project secret token, SCIM token, domain verification challenge or key
// value is ever stored), self-describing (tool, host, organization, time) and
// honest about gaps: a section that could not be collected is nil and has a
// record in Missing saying why.
type Snapshot struct {
	SchemaVersion int       `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	Host          string    `json:"host"`
	Org           OrgRef    `json:"org"`
	CollectedAt   time.Time `json:"collected_at"`
	// LookbackDays is how far back the activity log was read.
	LookbackDays int `json:"lookback_days"`

	// Organization is the organization's settings (section "organization").
	Organization *posthog.Organization `json:"organization"`
	// CurrentUser is the owner of the scanning key (section "current_user").
	CurrentUser *posthog.CurrentUser `json:"current_user"`
	// Members are the organization's active members, sorted by membership id,
	// each id once (section "members"). Marshal writes them in that order and
	// Decode refuses any other: users_with_access indexes are positions in
	// it, bound to it by AccessFile.MemberSHA256.
	Members []posthog.Member `json:"members"`
	// Invites are all invites, expired ones included, sorted by id
	// (section "invites").
	Invites []posthog.Invite `json:"invites"`
	// Domains are the organization's email domains and their SSO state,
	// sorted by domain (section "domains").
	Domains []posthog.Domain `json:"domains"`
	// IdentityProviderConfigs exist on the newest PostHog only; on older
	// deployments the section is nil with a not-applicable Missing record
	// (section "identity_provider_configs").
	IdentityProviderConfigs []posthog.IdentityProviderConfig `json:"identity_provider_configs"`
	// Roles are the RBAC roles with their memberships, sorted by id
	// (section "roles").
	Roles []Role `json:"roles"`
	// Projects are the organization's projects with their access rules,
	// sorted by id (section "projects"; the per-project sections are inside).
	Projects []Project `json:"projects"`
	// ActivityLog holds the activity-log entries of every project within
	// LookbackDays, de-duplicated by id and sorted by time then id
	// (section "activity_log").
	ActivityLog []ActivityEntry `json:"activity_log"`
	// OrganizationActivity says where the organization-level entries of
	// ActivityLog (project_id null: Organization, OrganizationMembership,
	// OrganizationDomain, OrganizationInvite, PersonalAPIKey, …) were read
	// from (section "organization_activity_log"). Newest PostHog leaves them
	// out of a project's log unless the project has
	// receive_org_level_activity_logs, so an ActivityLog without them proves
	// nothing by itself. nil when no source could show them, with a Missing
	// record naming the cause; a nil value is never evidence of no activity.
	OrganizationActivity *ActivitySource `json:"organization_activity_log"`
	// ActivityLogSource says which logs ActivityLog was read from: the
	// organization-wide log (every project's entries), or the per-project
	// logs of ProjectIDs; every other project's log has a Missing record.
	// nil exactly when ActivityLog is nil.
	ActivityLogSource *ActivitySource `json:"activity_log_source"`
	// APIKeys are the personal API keys hogaudit could introspect: the
	// scanning key and each --audit-key-env key, sorted by source then id
	// (section "api_keys").
	APIKeys []APIKey `json:"api_keys"`
	// AuditKeyEnvs are the --audit-key-env variables the collection was
	// handed, sorted: each has its key in APIKeys or an api_keys Missing
	// record naming it. Never nil.
	AuditKeyEnvs []string `json:"audit_key_envs"`
	// Instance is the deployment's self-description from GET /_preflight/:
	// PostHog Cloud or self-hosted, and which social sign-in providers it
	// has configured, which decides whether a domain's Google, GitHub or
	// GitLab SSO enforcement takes effect (section "instance").
	Instance *posthog.Preflight `json:"instance"`

	// Collection is the API calls the collection made, with the scanning
	// key and each audit key, by endpoint pattern (completeness evidence for a review bundle);
	// nil in a snapshot of an older hogaudit, which did not record them.
	Collection []posthog.Call `json:"collection,omitempty"`

	// Missing lists every section, or part of one, that could not be
	// collected, sorted by section, project and endpoint.
	Missing []Missing `json:"missing"`
}

// Tool identifies the program that wrote a snapshot.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// OrgRef names the organization a snapshot describes.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Role is an RBAC role and the members that hold it.
type Role struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	IsDefault bool         `json:"is_default"`
	CreatedAt *time.Time   `json:"created_at"`
	Members   []RoleMember `json:"members"`
}

// RoleMember is one membership of a role, sorted by id within its role.
type RoleMember struct {
	ID string `json:"id"`
	// MembershipID is the organization membership id of the member (the id
	// access-control rules name); empty when the member has left.
	MembershipID string    `json:"membership_id"`
	UserUUID     string    `json:"user_uuid"`
	Email        string    `json:"email"`
	JoinedAt     time.Time `json:"joined_at"`
}

// Project is a PostHog project (team) with the access rules that govern it.
// A per-project section that could not be collected is nil and has a Missing
// record naming the project.
type Project struct {
	ID   int64  `json:"id"`
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// AccessControl is the legacy "private project" flag of the pre-RBAC
	// access system.
	AccessControl bool       `json:"access_control"`
	IsDemo        bool       `json:"is_demo"`
	CreatedAt     *time.Time `json:"created_at"`
	// ReceiveOrgLevelActivityLogs says whether organization-level activity
	// appears in this project's activity log (newest PostHog; nil before).
	ReceiveOrgLevelActivityLogs *bool `json:"receive_org_level_activity_logs"`

	// AccessControls are the rules on the project itself (section
	// "access_controls"). In both lists the rules are sorted by resource,
	// resource_id, organization_member and role (an absent id before any
	// present one), then access_level, created_at (absent first),
	// updated_at and created_by; available_access_levels by name.
	AccessControls *posthog.AccessControlList `json:"access_controls"`
	// ResourceAccessControls are the project-wide per-resource rules
	// (section "resource_access_controls"), sorted like AccessControls.
	ResourceAccessControls *posthog.AccessControlList `json:"resource_access_controls"`
	// UsersWithAccess is PostHog's own resolution of who can reach the
	// project, sorted by user uuid (section "users_with_access"; newest
	// PostHog only), as rows: what Collect sets. The file holds it as
	// AccessFile, not row by row: Marshal compacts it, and Decode keeps
	// that form (UsersWithAccessFile) instead of expanding it, leaving
	// this nil. Read a project's rows with Snapshot.AccessRows, whether it
	// holds them is HasUsersWithAccess, and SetUsersWithAccess replaces
	// them.
	UsersWithAccess []posthog.UserAccess `json:"-"`
	// UsersWithAccessFile is the rows in the file's form: set by Decode
	// (checked against the members, and bound to them as read), and inside
	// Marshal's copy of the snapshot; nil in every Snapshot Collect
	// returns. When UsersWithAccess is not nil it is the rows, whatever
	// this holds.
	UsersWithAccessFile *AccessFile `json:"users_with_access"`
	// ExplicitMembers is the legacy per-project membership, collected only
	// for projects with the legacy AccessControl flag on deployments that
	// still serve it (section "explicit_members"): null for every other
	// project, and for a flagged project whose members could not be read
	// (then a Missing record names the project).
	ExplicitMembers []posthog.ExplicitMember `json:"explicit_members"`
}

// ActivityEntry is one activity-log row, redacted.
type ActivityEntry struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Scope     string    `json:"scope"`
	Activity  string    `json:"activity"`
	ItemID    *string   `json:"item_id"`
	// ProjectID is the project the entry belongs to; nil for
	// organization-level entries.
	ProjectID       *int64                  `json:"project_id"`
	User            *ActivityUser           `json:"user"`
	WasImpersonated *bool                   `json:"was_impersonated"`
	IsSystem        *bool                   `json:"is_system"`
	Client          *string                 `json:"client"`
	Detail          *posthog.ActivityDetail `json:"detail"`
}

// Sources of the organization-level activity-log entries.
const (
	// ActivitySourceOrganization is
	// GET /api/organizations/{id}/advanced_activity_logs/ (newest PostHog;
	// organization admins and owners), which also holds every project's
	// entries.
	ActivitySourceOrganization = "organization"
	// ActivitySourceProjects is the per-project activity logs of
	// ProjectIDs: on newest PostHog those of projects with
	// receive_org_level_activity_logs, on 2025 deployments (entries without
	// team_id) any, read with include_organization_scoped=1.
	ActivitySourceProjects = "projects"
)

// ActivitySource records where the organization-level activity-log entries
// came from.
type ActivitySource struct {
	// Source is ActivitySourceOrganization or ActivitySourceProjects.
	Source string `json:"source"`
	// Endpoint is the path the entries were read from, without host or
	// query.
	Endpoint string `json:"endpoint"`
	// ProjectIDs are the projects whose logs carried them, sorted (source
	// "projects" only). Organization-level entries are the same in every
	// such log, so one project suffices.
	ProjectIDs []int64 `json:"project_ids,omitempty"`
}

// ActivityUser is the actor of an activity-log entry.
type ActivityUser struct {
	UUID  string `json:"uuid"`
	Email string `json:"email"`
}

// Key sources.
const (
	// KeySourceScanner marks the key hogaudit scanned with.
	KeySourceScanner = "scanner"
	// KeySourceAudit marks a key introspected through --audit-key-env.
	KeySourceAudit = "audit"
)

// APIKey is a personal API key as GET /api/personal_api_keys/@current/
// describes it, without its value.
type APIKey struct {
	// Source is KeySourceScanner or KeySourceAudit.
	Source string `json:"source"`
	// Env is the environment variable an audit key was read from (its name,
	// never its value); empty for the scanning key.
	Env string `json:"env,omitempty"`
	posthog.PersonalAPIKey
	// IntrospectedAt is the collector's clock right after PostHog answered
	// GET /api/personal_api_keys/@current/ for this key, rounded up to the
	// second. PostHog refreshes a key's last_used_at when it authenticates a
	// request (at most hourly), so every such refresh caused by this
	// collection happened between CollectedAt (taken before the first
	// request) and IntrospectedAt: an audit key makes no other request, and
	// the scanning key's first request is at the latest this one. Nil in
	// snapshots written before hogaudit recorded it.
	IntrospectedAt *time.Time `json:"introspected_at,omitempty"`
	// Use is the key's last use by anyone but hogaudit, as `scan --previous`
	// read it with the previous snapshot (see KeyUse); nil when the snapshot
	// was written without one. It is what a later run walks back through.
	Use *KeyUse `json:"use,omitempty"`
}

// Section names, as used in Missing records, policy metadata and reports.
const (
	SectionOrganization            = "organization"
	SectionCurrentUser             = "current_user"
	SectionMembers                 = "members"
	SectionInvites                 = "invites"
	SectionDomains                 = "domains"
	SectionIdentityProviderConfigs = "identity_provider_configs"
	SectionRoles                   = "roles"
	SectionProjects                = "projects"
	SectionAccessControls          = "access_controls"
	SectionResourceAccessControls  = "resource_access_controls"
	SectionUsersWithAccess         = "users_with_access"
	SectionExplicitMembers         = "explicit_members"
	SectionActivityLog             = "activity_log"
	SectionOrganizationActivityLog = "organization_activity_log"
	SectionAPIKeys                 = "api_keys"
	SectionInstance                = "instance"
)

// Sections lists every section name in the order reports show them.
var Sections = []string{
	SectionOrganization, SectionCurrentUser, SectionMembers, SectionInvites,
	SectionDomains, SectionIdentityProviderConfigs, SectionRoles, SectionProjects,
	SectionAccessControls, SectionResourceAccessControls, SectionUsersWithAccess,
	SectionExplicitMembers, SectionActivityLog, SectionOrganizationActivityLog, SectionAPIKeys,
	SectionInstance,
}

// SectionScopes maps each section to the personal API key scope that reads
// it. api_keys needs none: a key may always read itself.
var SectionScopes = map[string]string{
	SectionOrganization:            "organization:read",
	SectionCurrentUser:             "user:read",
	SectionMembers:                 "organization_member:read",
	SectionInvites:                 "organization_member:read",
	SectionDomains:                 "organization:read",
	SectionIdentityProviderConfigs: "organization:read",
	SectionRoles:                   "organization:read",
	SectionProjects:                "project:read",
	SectionAccessControls:          "access_control:read",
	SectionResourceAccessControls:  "access_control:read",
	SectionUsersWithAccess:         "access_control:read",
	SectionExplicitMembers:         "project:read",
	SectionActivityLog:             "activity_log:read",
	SectionOrganizationActivityLog: "activity_log:read",
	SectionAPIKeys:                 "",
	SectionInstance:                "",
}

// SectionFeatures maps the sections PostHog gates behind a plan feature to
// that feature: on PostHog Cloud the activity logs answer 402 without
// audit_logs (premium_feature_on_cloud, posthog/permissions.py).
var SectionFeatures = map[string]string{
	SectionActivityLog:             "audit_logs",
	SectionOrganizationActivityLog: "audit_logs",
}

// Missing records a section, or one project's part of it, that could not be
// collected, and what would fix it.
type Missing struct {
	Section string `json:"section"`
	// ProjectID names the project for per-project sections.
	ProjectID *int64 `json:"project_id,omitempty"`
	// AuditKeyEnv names the --audit-key-env variable for an api_keys record.
	AuditKeyEnv string `json:"audit_key_env,omitempty"`
	// Endpoint is the request path that failed, without host or query.
	Endpoint string `json:"endpoint"`
	// Status is the HTTP status; 0 when no response arrived.
	Status int `json:"status"`
	// Detail is PostHog's own explanation (the error body's detail).
	Detail string `json:"detail"`
	// Scope is the personal API key scope that would fix a 403, set only
	// when PostHog named it (or nothing could be asked for without it).
	Scope string `json:"scope,omitempty"`
	// Feature is the PostHog plan feature that would fix a 402
	// payment_required (for example audit_logs for the activity logs on
	// Cloud).
	Feature string `json:"feature,omitempty"`
	// NotApplicable is true for a 404 of an endpoint an older or newer
	// deployment does not have; such a record does not make the snapshot
	// incomplete.
	NotApplicable bool `json:"not_applicable,omitempty"`
	// Cause is set on a record of a section that was read but may be
	// partial because of what the scanning key itself may see (CauseScanner…
	// constants); the section's data is kept, true but incomplete.
	Cause string `json:"cause,omitempty"`
	// ScannerLevel is the scanning key owner's organization level (1
	// member, 8 admin, 15 owner) on a CauseScannerNotAdmin record; absent
	// when the organization response did not say.
	ScannerLevel *int `json:"scanner_level,omitempty"`
	// Reason is one lowercase sentence for people: "missing scope
	// activity_log:read", "not applicable on this deployment", …
	Reason string `json:"reason"`
}

// Causes of a partial section (Missing.Cause).
const (
	// CauseScannerNotAdmin: the scanning key's user is not an organization
	// admin (or the organization response did not say it is), so PostHog
	// showed it only part of the section. Rule PH904 reports it.
	CauseScannerNotAdmin = "scanner_not_admin"
	// CauseScannerLevelUnknown: the organization could not be read, so
	// whether the scanning key sees the whole section cannot be told. The
	// organization's own Missing record names the fix.
	CauseScannerLevelUnknown = "scanner_level_unknown"
)

// Partial reports whether section was read but may lack items: a record
// for the whole section (no project) carries a cause (CauseScanner…: the
// key cannot see everything).
func (s *Snapshot) Partial(section string) bool {
	for _, m := range s.Missing {
		if m.Section == section && m.ProjectID == nil && m.Cause != "" {
			return true
		}
	}
	return false
}

// Complete reports whether every applicable section was collected.
func (s *Snapshot) Complete() bool {
	for _, m := range s.Missing {
		if !m.NotApplicable {
			return false
		}
	}
	return true
}

// MissingSections returns the names of the sections with at least one
// applicable Missing record, sorted and without duplicates.
func (s *Snapshot) MissingSections() []string {
	seen := map[string]bool{}
	var out []string
	for _, name := range Sections {
		for _, m := range s.Missing {
			if m.Section == name && !m.NotApplicable && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out
}

// RequiredScopes are the personal API key scopes a complete snapshot needs:
// read access to every section and nothing more.
var RequiredScopes = []string{
	"organization:read",
	"organization_member:read",
	"project:read",
	"access_control:read",
	"activity_log:read",
	"user:read",
}
