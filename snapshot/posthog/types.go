package posthog

import (
	"encoding/json"
	"time"
)

// The types below are PostHog's response shapes as hogaudit reads them
// (posthog/api/*.py and ee/api/*.py serializers; snapshot/posthog/endpoints.go names the
// endpoints hogaudit calls). They model only fields hogaudit uses and
// deliberately omit every secret a response may carry (project secret
// tokens, live-events tokens, SCIM tokens, verification challenges, key
// values), so decoding into them is the first line of redaction. Unknown
// fields are ignored and optional ones may be absent: the client tolerates
// both the 2025 and the newest shapes. Fields tagged hogaudit:"required" are
// the ones PostHog's serializers always fill, in both shapes (ids, a
// member's user and email, levels, …): an answer without one is malformed
// (see validate.go), never decoded into a zero value.

// UserBasic is PostHog's UserBasicSerializer, without display-only fields.
type UserBasic struct {
	ID              int64  `json:"id" hogaudit:"required"`
	UUID            string `json:"uuid" hogaudit:"required"`
	Email           string `json:"email" hogaudit:"required"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
	IsEmailVerified *bool  `json:"is_email_verified"`
}

// Organization is GET /api/organizations/{id}/.
type Organization struct {
	ID                           string     `json:"id" hogaudit:"required"`
	Name                         string     `json:"name"`
	Slug                         string     `json:"slug"`
	CreatedAt                    *time.Time `json:"created_at"`
	MembershipLevel              *int       `json:"membership_level"`
	Enforce2FA                   *bool      `json:"enforce_2fa"`
	MembersCanInvite             *bool      `json:"members_can_invite"`
	MembersCanUsePersonalAPIKeys *bool      `json:"members_can_use_personal_api_keys"`
	AllowPubliclySharedResources *bool      `json:"allow_publicly_shared_resources"`
	MemberCount                  int        `json:"member_count"`
	DefaultRoleID                *string    `json:"default_role_id"`
	// MembershipLevel above is the caller's own level (1, 8, 15; null when
	// it has no membership): a caller below LevelAdmin sees only the
	// projects it can reach. MembersCanSeeOrgMembers is false when members
	// below admin see only themselves and the members of their projects in
	// the member list and in role memberships (newest PostHog, migration
	// 1262_organization_members_can_see_org_members; absent, nil, before,
	// when every member saw every member).
	MembersCanSeeOrgMembers *bool `json:"members_can_see_org_members"`
	// AvailableProductFeatures holds the keys of the organization's
	// entitlements (sso_enforcement, saml, access_control, audit_logs, …),
	// sorted. PostHog sends objects; the client keeps their keys.
	AvailableProductFeatures []string `json:"available_product_features"`
	// UsesMostSpecificAccessResolution is true for organizations PostHog
	// resolves access to most specific subject first (newest PostHog,
	// migration 1341; nil, as null or before, means the legacy resolution).
	UsesMostSpecificAccessResolution *bool `json:"uses_most_specific_access_resolution"`
	// Projects are the projects the organization response lists as visible
	// to the caller (ProjectBasicSerializer, posthog/api/organization.py;
	// nil when the response has no such list): every one must be in the
	// project list too, or that list is short.
	Projects []ProjectRef `json:"projects"`
}

// ProjectRef names a project: an item of the organization's projects[].
type ProjectRef struct {
	ID   int64  `json:"id" hogaudit:"required"`
	Name string `json:"name"`
}

// Preflight is GET /_preflight/ as PostHog answers a request without a
// session (posthog/views.py preflight_check; personal API keys are not read
// there): what kind of instance serves the organization and which social
// sign-in providers it has configured.
type Preflight struct {
	// Cloud is true on PostHog Cloud (is_cloud()).
	Cloud bool `json:"cloud" hogaudit:"required"`
	// Realm is "cloud", "hosted-clickhouse", … (get_instance_realm()).
	Realm string `json:"realm" hogaudit:"required"`
	// AvailableSocialAuthProviders is get_instance_available_sso_providers()
	// (posthog/utils.py), the very check PostHog's SSO enforcement makes:
	// "github", "gitlab" and "google-oauth2" map to whether the instance
	// has the provider's key and secret (and, self-hosted, for Google a
	// license with social_sso). SAML is configured per domain instead; some
	// older versions add "saml": false.
	AvailableSocialAuthProviders map[string]bool `json:"available_social_auth_providers" hogaudit:"required"`
}

// CurrentUser is GET /api/users/@me/.
type CurrentUser struct {
	ID                int64  `json:"id" hogaudit:"required"`
	UUID              string `json:"uuid" hogaudit:"required"`
	Email             string `json:"email" hogaudit:"required"`
	IsStaff           bool   `json:"is_staff"`
	Is2FAEnabled      bool   `json:"is_2fa_enabled"`
	HasSocialAuth     bool   `json:"has_social_auth"`
	HasSSOEnforcement bool   `json:"has_sso_enforcement"`
	HasPassword       *bool  `json:"has_password"`
	// OrganizationID is the id of the user's current organization
	// (organization.id in PostHog's response).
	OrganizationID string `json:"organization_id"`
	// Organizations are every organization the user belongs to
	// (organizations[], OrganizationBasicSerializer in posthog/api/user.py):
	// what --org may name. nil when the response did not list them. It
	// serves messages only and is never stored in a snapshot.
	Organizations []OrganizationRef `json:"-"`
}

// OrganizationRef names an organization: an item of the current user's
// organizations[].
type OrganizationRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Membership levels of OrganizationMembership.Level.
const (
	LevelMember = 1
	LevelAdmin  = 8
	LevelOwner  = 15
)

// Member is one item of GET /api/organizations/{id}/members/.
type Member struct {
	// ID is the membership id, the id access-control rules name.
	ID            string     `json:"id" hogaudit:"required"`
	User          UserBasic  `json:"user" hogaudit:"required"`
	Level         int        `json:"level" hogaudit:"required"`
	JoinedAt      time.Time  `json:"joined_at" hogaudit:"required"`
	UpdatedAt     *time.Time `json:"updated_at"`
	Is2FAEnabled  bool       `json:"is_2fa_enabled"`
	HasSocialAuth bool       `json:"has_social_auth"`
	LastLogin     *time.Time `json:"last_login"`
}

// ProjectAccess is one entry of an invite's private_project_access. Legacy
// integer levels (1, 8) are normalized to "member" and "admin".
type ProjectAccess struct {
	ID    int64  `json:"id" hogaudit:"required"`
	Level string `json:"level" hogaudit:"required"`
}

// Invite is one item of GET /api/organizations/{id}/invites/.
type Invite struct {
	ID                   string          `json:"id" hogaudit:"required"`
	TargetEmail          string          `json:"target_email"`
	Level                int             `json:"level" hogaudit:"required"`
	IsExpired            bool            `json:"is_expired"`
	CreatedBy            *UserBasic      `json:"created_by"`
	CreatedAt            time.Time       `json:"created_at" hogaudit:"required"`
	PrivateProjectAccess []ProjectAccess `json:"private_project_access"`
}

// Domain is one item of GET /api/organizations/{id}/domains/ in either the
// 2025 shape (SAML fields on the domain) or the newest one (an
// identity_provider_config reference instead).
type Domain struct {
	ID                     string     `json:"id" hogaudit:"required"`
	Domain                 string     `json:"domain" hogaudit:"required"`
	IsVerified             bool       `json:"is_verified"`
	VerifiedAt             *time.Time `json:"verified_at"`
	JITProvisioningEnabled bool       `json:"jit_provisioning_enabled"`
	// SSOEnforcement is "" when SSO is not enforced, else the provider
	// (saml, google-oauth2, github, gitlab).
	SSOEnforcement         string  `json:"sso_enforcement"`
	HasSAML                bool    `json:"has_saml"`
	SAMLEntityID           *string `json:"saml_entity_id,omitempty"`
	SAMLACSURL             *string `json:"saml_acs_url,omitempty"`
	HasSCIM                bool    `json:"has_scim"`
	SCIMEnabled            *bool   `json:"scim_enabled,omitempty"`
	HasIDJAG               *bool   `json:"has_id_jag,omitempty"`
	IdentityProviderConfig *string `json:"identity_provider_config,omitempty"`
}

// IdentityProviderConfig is one item of
// GET /api/organizations/{id}/identity_provider_configs/ (newest PostHog).
type IdentityProviderConfig struct {
	ID           string  `json:"id" hogaudit:"required"`
	Name         string  `json:"name"`
	HasSAML      bool    `json:"has_saml"`
	SAMLEntityID *string `json:"saml_entity_id"`
	SAMLACSURL   *string `json:"saml_acs_url"`
	HasSCIM      bool    `json:"has_scim"`
	SCIMEnabled  bool    `json:"scim_enabled"`
	HasIDJAG     bool    `json:"has_id_jag"`
}

// RoleMembership is one item of
// GET /api/organizations/{id}/roles/{role_id}/role_memberships/ (and of a
// role's embedded members).
type RoleMembership struct {
	ID     string    `json:"id" hogaudit:"required"`
	RoleID string    `json:"role_id" hogaudit:"required"`
	User   UserBasic `json:"user" hogaudit:"required"`
	// OrganizationMember is the member's full membership (newest PostHog
	// only); nil on older deployments.
	OrganizationMember *Member   `json:"organization_member"`
	JoinedAt           time.Time `json:"joined_at"`
}

// Role is one item of GET /api/organizations/{id}/roles/.
type Role struct {
	ID        string     `json:"id" hogaudit:"required"`
	Name      string     `json:"name"`
	CreatedAt *time.Time `json:"created_at"`
	IsDefault bool       `json:"is_default"`
	// Members are the role's memberships PostHog embeds (all of them:
	// RoleSerializer.members is neither capped nor paginated); a role
	// without the field says nothing of its members.
	Members []RoleMembership `json:"members" hogaudit:"required"`
}

// ProjectSummary is one item of GET /api/organizations/{id}/projects/.
type ProjectSummary struct {
	ID            int64  `json:"id" hogaudit:"required"`
	UUID          string `json:"uuid"`
	Name          string `json:"name"`
	AccessControl bool   `json:"access_control"`
	IsDemo        bool   `json:"is_demo"`
}

// ProjectDetail is GET /api/projects/{id}/ without its secrets.
type ProjectDetail struct {
	ID                          int64      `json:"id" hogaudit:"required"`
	UUID                        string     `json:"uuid"`
	Name                        string     `json:"name"`
	CreatedAt                   *time.Time `json:"created_at"`
	AccessControl               bool       `json:"access_control"`
	IsDemo                      bool       `json:"is_demo"`
	EffectiveMembershipLevel    *int       `json:"effective_membership_level"`
	UserAccessLevel             *string    `json:"user_access_level"`
	ReceiveOrgLevelActivityLogs *bool      `json:"receive_org_level_activity_logs"`
}

// AccessControl is one rule of an access_controls or
// resource_access_controls response. A rule with neither
// OrganizationMember nor Role is the default for everyone.
type AccessControl struct {
	// AccessLevel is the granted level; PostHog may send null, kept as "".
	AccessLevel        string     `json:"access_level"`
	Resource           string     `json:"resource" hogaudit:"required"`
	ResourceID         *string    `json:"resource_id"`
	OrganizationMember *string    `json:"organization_member"`
	Role               *string    `json:"role"`
	CreatedBy          *int64     `json:"created_by"`
	CreatedAt          *time.Time `json:"created_at"`
	UpdatedAt          *time.Time `json:"updated_at"`
}

// AccessControlList is GET /api/projects/{id}/access_controls/ or
// .../resource_access_controls/ (not paginated). AccessControls is sorted by
// resource, resource id, member, role.
type AccessControlList struct {
	AccessControls        []AccessControl `json:"access_controls" hogaudit:"required"`
	AvailableAccessLevels []string        `json:"available_access_levels"`
	DefaultAccessLevel    string          `json:"default_access_level"`
}

// UserAccess is one user of GET /api/projects/{id}/users_with_access/:
// PostHog's own resolution of that user's project level.
type UserAccess struct {
	// UserID is the user's uuid.
	UserID                      string `json:"user_id" hogaudit:"required"`
	AccessLevel                 string `json:"access_level" hogaudit:"required"`
	AccessSource                string `json:"access_source" hogaudit:"required"`
	OrganizationMembershipID    string `json:"organization_membership_id"`
	OrganizationMembershipLevel string `json:"organization_membership_level"`
}

// ExplicitMember is one item of the legacy
// GET /api/projects/{id}/explicit_members/ (a bare array).
type ExplicitMember struct {
	ID             string    `json:"id" hogaudit:"required"`
	Level          int       `json:"level" hogaudit:"required"`
	EffectiveLevel int       `json:"effective_level"`
	User           UserBasic `json:"user" hogaudit:"required"`
	JoinedAt       time.Time `json:"joined_at"`
}

// ActivityChange is one field change of an activity-log entry. Before and
// After are kept as raw JSON; values of secret fields are redacted.
type ActivityChange struct {
	Type   string          `json:"type"`
	Action string          `json:"action"`
	Field  *string         `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// ActivityDetail is an activity-log entry's detail, redacted.
type ActivityDetail struct {
	Name    *string          `json:"name"`
	ShortID *string          `json:"short_id"`
	Type    *string          `json:"type"`
	Changes []ActivityChange `json:"changes"`
	// Context is PostHog's free-form context object, with secret keys
	// redacted.
	Context map[string]any `json:"context"`
}

// ActivityLogEntry is one item of GET /api/projects/{id}/activity_log/.
type ActivityLogEntry struct {
	ID              string          `json:"id" hogaudit:"required"`
	User            *UserBasic      `json:"user"`
	OrganizationID  *string         `json:"organization_id"`
	TeamID          *int64          `json:"team_id"`
	WasImpersonated *bool           `json:"was_impersonated"`
	IsSystem        *bool           `json:"is_system"`
	Client          *string         `json:"client"`
	Activity        string          `json:"activity" hogaudit:"required"`
	ItemID          *string         `json:"item_id"`
	Scope           string          `json:"scope" hogaudit:"required"`
	Detail          *ActivityDetail `json:"detail"`
	CreatedAt       time.Time       `json:"created_at" hogaudit:"required"`
	// HasTeamID records whether the response carried a team_id field at all
	// (newest PostHog does; 2025 code did not), so a null team_id can be
	// told from an absent one.
	HasTeamID bool `json:"-"`
}

// PersonalAPIKey is GET /api/personal_api_keys/@current/ without its value.
type PersonalAPIKey struct {
	ID           string     `json:"id" hogaudit:"required"`
	Label        string     `json:"label"`
	MaskValue    *string    `json:"mask_value"`
	CreatedAt    time.Time  `json:"created_at" hogaudit:"required"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	LastRolledAt *time.Time `json:"last_rolled_at"`
	UserID       int64      `json:"user_id" hogaudit:"required"`
	// Scopes as PostHog reports them; a legacy key with no stored scopes is
	// reported as ["*"].
	Scopes              []string `json:"scopes"`
	ScopedTeams         []int64  `json:"scoped_teams"`
	ScopedOrganizations []string `json:"scoped_organizations"`
}
