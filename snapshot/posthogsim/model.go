package posthogsim

import (
	"slices"
	"time"
)

// Org is the fixture a Server serves: one PostHog organization with its
// members, projects, access rules, activity and personal API keys. Times are
// absolute; fixtures such as Acme build them relative to a given now. The
// Server reads an Org and modifies it only through its change methods
// (changes.go), the way PostHog's API would; do not modify it otherwise while
// a Server serves it.
type Org struct {
	ID        string
	Name      string
	Slug      string
	CreatedAt time.Time

	// Enforce2FA is the org's enforce_2fa; nil is served as null (never set).
	Enforce2FA *bool
	// MembersCanInvite is members_can_invite; nil is served as null.
	MembersCanInvite             *bool
	MembersCanUsePersonalAPIKeys bool
	AllowPubliclySharedResources bool
	// MembersCanSeeOrgMembers is members_can_see_org_members (newest
	// deployment only); nil is PostHog's default, true. False hides, from
	// members below admin, the members they share no project with.
	MembersCanSeeOrgMembers *bool
	// UsesMostSpecificAccessResolution is the organization's
	// uses_most_specific_access_resolution (newest PostHog only; nil is
	// served as null, the legacy resolution).
	UsesMostSpecificAccessResolution *bool
	// DefaultRoleID names the role new members get, if any.
	DefaultRoleID string
	// Features are the keys of available_product_features (sso_enforcement,
	// saml, audit_logs, …). Each deployment consults access rules under its
	// own key only: access_control on Newest; advanced_permissions or
	// project_based_permissioning on Deployment2025 (with the latter but not
	// advanced_permissions, a project with AccessControl admits only its
	// ExplicitMembers and organization admins).
	Features []string
	// Instance is the deployment serving the organization (GET /_preflight/).
	Instance Instance

	Members                 []Member
	Invites                 []Invite
	Domains                 []Domain
	IdentityProviderConfigs []IdentityProviderConfig
	Roles                   []Role
	Projects                []Project
	// Activity holds the organization-level activity-log entries (served
	// with team_id null).
	Activity []ActivityEntry
	Keys     []APIKey
}

// HasFeature reports whether the organization has the plan feature key.
func (o *Org) HasFeature(key string) bool { return slices.Contains(o.Features, key) }

// User is a PostHog user, as UserBasic shows it.
type User struct {
	ID         int64
	UUID       string
	DistinctID string
	Email      string
	FirstName  string
	LastName   string
	// RoleAtOrganization is the self-declared job role (engineering, product,
	// founder, …), not an RBAC role.
	RoleAtOrganization string
}

// Member is an organization membership.
type Member struct {
	// ID is the membership id, the id access-control rules name.
	ID       string
	User     User
	Level    int // 1 member, 8 admin, 15 owner
	JoinedAt time.Time
	// UpdatedAt is the membership's updated_at; zero is served as JoinedAt.
	UpdatedAt     time.Time
	LastLogin     *time.Time
	Is2FAEnabled  bool
	HasSocialAuth bool
}

// Membership levels.
const (
	LevelMember = 1
	LevelAdmin  = 8
	LevelOwner  = 15
)

// Invite is a pending or expired organization invite.
type Invite struct {
	ID          string
	TargetEmail string
	FirstName   string
	Level       int
	// CreatedBy is the inviter's user id (0: none).
	CreatedBy int64
	CreatedAt time.Time
	// IsExpired is served as is_expired (PostHog: older than 3 days).
	IsExpired            bool
	Message              string
	PrivateProjectAccess []ProjectAccess
}

// ProjectAccess is one entry of an invite's private_project_access. Level
// is "member" or "admin"; the legacy integer levels "1" and "8" are served as
// JSON numbers, the way 2025 PostHog stored them.
type ProjectAccess struct {
	ProjectID int64
	Level     string
}

// Domain is an organization email domain and its sign-in settings. The
// newest deployment serves the link to an identity provider config; the 2025
// one serves the SAML and SCIM fields on the domain itself.
type Domain struct {
	ID                     string
	Domain                 string
	VerifiedAt             *time.Time // nil: not verified
	VerificationChallenge  string
	JITProvisioningEnabled bool
	SSOEnforcement         string
	// IdentityProviderConfigID links the domain to an identity provider
	// config (newest shape).
	IdentityProviderConfigID string
	// SAML and SCIM fields of the 2025 shape.
	SAMLEntityID string
	SAMLACSURL   string
	SAMLX509Cert string
	SCIMEnabled  bool
	// SCIMBearerToken is served once it is set, as PostHog does right after
	// a token is generated.
	SCIMBearerToken string
}

// HasSAML reports whether the domain's own SAML configuration is complete.
func (d *Domain) HasSAML() bool {
	return d.SAMLEntityID != "" && d.SAMLACSURL != "" && d.SAMLX509Cert != ""
}

// IdentityProviderConfig is a SAML/SCIM configuration (newest PostHog).
type IdentityProviderConfig struct {
	ID              string
	Name            string
	CreatedAt       time.Time
	SAMLEntityID    string
	SAMLACSURL      string
	SAMLX509Cert    string
	SCIMEnabled     bool
	SCIMBearerToken string
}

// HasSAML reports whether the config's SAML settings are complete.
func (c *IdentityProviderConfig) HasSAML() bool {
	return c.SAMLEntityID != "" && c.SAMLACSURL != "" && c.SAMLX509Cert != ""
}

// Role is an RBAC role.
type Role struct {
	ID        string
	Name      string
	CreatedAt time.Time
	// CreatedBy is the creator's user id (0: none).
	CreatedBy int64
	Members   []RoleMember
}

// RoleMember is one membership of a role.
type RoleMember struct {
	ID string
	// MemberID is the organization membership id of the member.
	MemberID string
	JoinedAt time.Time
}

// Project is a PostHog project with its secrets, rules and activity.
type Project struct {
	ID        int64
	UUID      string
	Name      string
	CreatedAt time.Time
	Timezone  string
	IsDemo    bool

	APIToken             string // public phc_ token
	SecretAPIToken       string // phs_ secret
	SecretAPITokenBackup string // served as null when empty
	LiveEventsToken      string

	// AccessControl is the legacy "private project" flag.
	AccessControl               bool
	ReceiveOrgLevelActivityLogs bool

	// AccessControls are the rules on the project itself (resource
	// "project", resource_id the project id; Resource is ignored).
	AccessControls []AccessRule
	// ResourceAccessControls are project-wide rules per resource
	// (resource_id null).
	ResourceAccessControls []AccessRule
	// ExplicitMembers is the legacy per-project membership (served by the
	// 2025 deployment only; it governs access there under
	// project_based_permissioning without advanced_permissions).
	ExplicitMembers []ExplicitMember
	// Activity holds the project's activity-log entries.
	Activity []ActivityEntry
}

// AccessRule is one access-control rule. With neither MemberID nor RoleID it
// is the default for everyone.
type AccessRule struct {
	// Resource is the resource a resource rule governs (feature_flag,
	// session_recording, …).
	Resource string
	MemberID string
	RoleID   string
	// Level is none/member/admin for project rules, none/viewer/editor/
	// manager for resource rules; "" is served as null.
	Level     string
	CreatedBy int64
	CreatedAt time.Time
	// UpdatedAt is the rule's updated_at; zero is served as CreatedAt.
	UpdatedAt time.Time
}

// ExplicitMember is a legacy per-project membership.
type ExplicitMember struct {
	ID       string
	MemberID string
	Level    int // 1 member, 8 admin
	JoinedAt time.Time
}

// ActivityEntry is one activity-log row.
type ActivityEntry struct {
	ID string
	// UserID is the actor's user id (0: system, served as null).
	UserID    int64
	Activity  string
	Scope     string
	ItemID    string
	CreatedAt time.Time
	IsSystem  bool
	IPAddress string
	Detail    ActivityDetail
}

// ActivityDetail is an activity-log entry's detail.
type ActivityDetail struct {
	Name    string
	Changes []ActivityChange
	Context map[string]any
}

// ActivityChange is one field change of an activity-log entry.
type ActivityChange struct {
	Type   string
	Action string
	Field  string
	Before any
	After  any
}

// APIKey is a personal API key.
type APIKey struct {
	ID    string
	Label string
	// Token is the key's secret value (phx_…).
	Token string
	// UserID is the owner's user id.
	UserID int64
	// Scopes; empty means a legacy key with every permission (served as
	// ["*"]).
	Scopes              []string
	ScopedTeams         []int64
	ScopedOrganizations []string
	CreatedAt           time.Time
	LastUsedAt          *time.Time
	LastRolledAt        *time.Time
}

// Secrets returns every secret string the server can serve or accept: the
// personal API key tokens, the projects' secret tokens and their backups,
// live-events tokens, domain verification challenges and SCIM bearer
// tokens. Tests use it to assert that none of them leaks.
func (o *Org) Secrets() []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	for _, k := range o.Keys {
		add(k.Token)
	}
	for _, p := range o.Projects {
		add(p.SecretAPIToken)
		add(p.SecretAPITokenBackup)
		add(p.LiveEventsToken)
	}
	for _, d := range o.Domains {
		add(d.VerificationChallenge)
		add(d.SCIMBearerToken)
	}
	for _, c := range o.IdentityProviderConfigs {
		add(c.SCIMBearerToken)
	}
	return out
}
