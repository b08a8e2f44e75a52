package matrix

import (
	"slices"
	"time"
)

// Levels and enumerations of the matrix format.
const (
	// Project access levels, lowest first: none < member < admin.
	LevelNone   = "none"
	LevelMember = "member"
	LevelAdmin  = "admin"

	// Resource access levels, lowest first: none < viewer < editor < manager.
	LevelViewer  = "viewer"
	LevelEditor  = "editor"
	LevelManager = "manager"

	// LevelOwner is the highest organization level (org_level).
	LevelOwner = "owner"
)

// DefaultLookbackDays is audit.lookback_days when the matrix does not set it.
const DefaultLookbackDays = 30

var (
	projectLevels  = []string{LevelNone, LevelMember, LevelAdmin}
	resourceLevels = []string{LevelNone, LevelViewer, LevelEditor, LevelManager}
	orgLevels      = []string{LevelMember, LevelAdmin, LevelOwner}
	ssoProviders   = []string{"saml", "google-oauth2", "github", "gitlab", "any"}
)

// KnownSSOProvider reports whether s is a value organization.enforce_sso
// may take (saml, google-oauth2, github, gitlab or any). Parse rejects any
// other.
func KnownSSOProvider(s string) bool { return slices.Contains(ssoProviders, s) }

// Pos is a 1-based line and column in the matrix file, as the YAML parser
// reports them (columns count characters).
type Pos struct {
	Line int
	Col  int
}

// Bool is a boolean setting written in the matrix. Pos is where its key is
// written, ValuePos where its value is.
type Bool struct {
	Pos
	ValuePos Pos
	Value    bool
}

// Int is a non-negative integer setting written in the matrix.
type Int struct {
	Pos
	ValuePos Pos
	Value    int
}

// String is a string setting written in the matrix.
type String struct {
	Pos
	ValuePos Pos
	Value    string
}

// List is a list of strings written in the matrix. Pos is where its key is
// written.
type List struct {
	Pos
	ValuePos Pos
	Items    []Item
}

// Values returns the list's strings in file order.
func (l *List) Values() []string {
	if l == nil {
		return nil
	}
	out := make([]string, len(l.Items))
	for i, it := range l.Items {
		out[i] = it.Value
	}
	return out
}

// Item is one string of a List and where it is written.
type Item struct {
	Pos
	Value string
}

// Matrix is a parsed and validated access matrix (docs/matrix.md).
//
// Every section and setting keeps the position it was written at. A nil
// pointer is a setting or section the file does not write; Fields maps
// every key a mapping writes to the position of that key. A Matrix is
// immutable once Parse returns it and may be bound to many inventories.
type Matrix struct {
	// Path is the file name as given to Parse.
	Path string
	// Pos is where the document's top-level mapping starts.
	Pos
	// Fields holds the top-level keys written in the file.
	Fields map[string]Pos

	Version      *Int
	Organization *Organization
	APIKeys      *APIKeys
	Audit        *Audit
	// Projects are the entries of projects:, by project key.
	Projects map[string]*Project
	// Groups are the entries of groups:, by group key.
	Groups map[string]*Group
	// Access is access_matrix:, by group key.
	Access map[string]*GroupAccess
	// Exceptions are the entries of exceptions:, in file order.
	Exceptions []*ExceptionSpec

	// projectPos and groupPos are where each project and group key is
	// first written: its projects:/groups: entry, else its first mention
	// in access_matrix.
	projectPos map[string]Pos
	groupPos   map[string]Pos
}

// ProjectKeys returns every project key of the matrix, declared in
// projects: or used in access_matrix:, sorted.
func (m *Matrix) ProjectKeys() []string {
	return sortedKeys(m.projectPos)
}

// GroupKeys returns every group key of the matrix, declared in groups: or
// used in access_matrix:, sorted.
func (m *Matrix) GroupKeys() []string {
	return sortedKeys(m.groupPos)
}

// LookbackDays returns audit.lookback_days, or DefaultLookbackDays when the
// matrix does not set it.
func (m *Matrix) LookbackDays() int {
	if m.Audit != nil && m.Audit.LookbackDays != nil {
		return m.Audit.LookbackDays.Value
	}
	return DefaultLookbackDays
}

// Organization is the organization: section.
type Organization struct {
	Pos
	Fields map[string]Pos

	EnforceSSO                   *String
	SSODomains                   *List
	JITProvisioning              *Bool
	Require2FA                   *Bool
	MaxOwners                    *Int
	MaxAdmins                    *Int
	MembersCanInvite             *Bool
	MembersCanUsePersonalAPIKeys *Bool
	AllowedEmailDomains          *List
	DormantAfterDays             *Int
}

// APIKeys is the api_keys: section.
type APIKeys struct {
	Pos
	Fields map[string]Pos

	MaxAgeDays            *Int
	MaxUnusedDays         *Int
	AllowWildcard         *Bool
	RequireProjectScoping *Bool
}

// Audit is the audit: section.
type Audit struct {
	Pos
	Fields map[string]Pos

	LookbackDays *Int
}

// Project is one entry of projects:, binding a project key to a PostHog
// project. With ID set, only the id binds; else Name; else the key (see
// Bind).
type Project struct {
	Key string
	Pos
	Fields map[string]Pos

	Name      *String
	ID        *Int
	Protected *Bool
}

// Group is one entry of groups:, binding a group key to people.
type Group struct {
	Key string
	Pos
	Fields map[string]Pos

	// Role is the name of the PostHog RBAC role whose members are in the
	// group.
	Role *String
	// Members are email patterns; '*' matches any run of characters, and
	// matching ignores case.
	Members *List
	// Keys are the labels of personal API keys that belong to the group.
	Keys *List
	// OrgLevel is the highest organization level the group may hold; nil
	// means LevelMember.
	OrgLevel *String
}

// OrgLevelOrDefault returns the group's org_level, LevelMember when unset.
func (g *Group) OrgLevelOrDefault() string {
	if g == nil || g.OrgLevel == nil {
		return LevelMember
	}
	return g.OrgLevel.Value
}

// GroupAccess is one group of access_matrix: and its project entries.
type GroupAccess struct {
	Group string
	Pos
	// Fields holds the project keys written under the group.
	Fields map[string]Pos
	// Projects are the group's entries by project key.
	Projects map[string]*Entry
}

// Entry is what one group may do in one project (access_matrix.G.P).
type Entry struct {
	Group   string
	Project string
	Pos
	Fields map[string]Pos

	// Role is the highest project access allowed; nil means LevelMember.
	Role              *String
	CanCreateFlags    *Bool
	CanDeleteFlags    *Bool
	CanViewRecordings *Bool
	CanCreateInsights *Bool
	// Resources is resources: as written, by resource.
	Resources map[string]*String
	// APIKeyScopes is api_key_scopes: as written; scopes PostHog does not
	// know are kept (rule PH307 reports them).
	APIKeyScopes *List

	// Restrictions are the resource levels the entry allows at most, from
	// the capabilities and resources: together; the stricter wins when two
	// name the same resource. A resource absent here is not restricted.
	Restrictions map[string]Restriction
}

// RoleOrDefault returns the entry's project role, LevelMember when unset.
func (e *Entry) RoleOrDefault() string {
	if e.Role == nil {
		return LevelMember
	}
	return e.Role.Value
}

// Restriction is the highest level an entry allows on a resource, and the
// key that caused it.
type Restriction struct {
	// Level is a resource level (LevelNone … LevelManager).
	Level string
	// Pos is where the causing key is written.
	Pos
	// Source is that key: "can_create_flags", "can_view_recordings",
	// "can_create_insights" or "resources.<resource>".
	Source string
}

// ExceptionSpec is one entry of exceptions: as written. Project and Ticket
// are "" when not written.
type ExceptionSpec struct {
	// Index is the entry's 0-based position in exceptions:.
	Index int
	Pos
	Fields map[string]Pos

	Rule    string
	Subject string
	Project string
	Reason  string
	Ticket  string
	// Expires is the expiry date at 00:00 UTC; the exception applies
	// through the end of that day.
	Expires time.Time
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// levelRank returns the position of level in levels, or -1.
func levelRank(levels []string, level string) int {
	return slices.Index(levels, level)
}
