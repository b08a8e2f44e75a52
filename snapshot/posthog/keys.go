package posthog

import "strconv"

// The ListKey methods give each list item its identity within its list
// (Keyed). Each key field is declared required, so a valid item never has an
// empty key.

// ListKey returns the membership id.
func (m Member) ListKey() string { return m.ID }

// ListKey returns the invite id.
func (i Invite) ListKey() string { return i.ID }

// ListKey returns the domain id.
func (d Domain) ListKey() string { return d.ID }

// ListKey returns the config id.
func (p IdentityProviderConfig) ListKey() string { return p.ID }

// ListKey returns the role id.
func (r Role) ListKey() string { return r.ID }

// ListKey returns the role membership id.
func (m RoleMembership) ListKey() string { return m.ID }

// ListKey returns the project id.
func (p ProjectSummary) ListKey() string { return strconv.FormatInt(p.ID, 10) }

// ListKey returns the explicit membership id.
func (m ExplicitMember) ListKey() string { return m.ID }

// ListKey returns the entry id.
func (e ActivityLogEntry) ListKey() string { return e.ID }

// ListKey returns the user's uuid: users_with_access rows have no id of
// their own, and PostHog lists each user once.
func (u UserAccess) ListKey() string { return u.UserID }
