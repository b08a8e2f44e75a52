package posthog

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// orgPath returns /api/organizations/{id}/ followed by rest.
func orgPath(orgID, rest string) (string, error) {
	if orgID == "" {
		return "", errors.New("the organization id is empty: pass an organization id or @current")
	}
	return "/api/organizations/" + url.PathEscape(orgID) + "/" + rest, nil
}

// projectPath returns /api/projects/{id}/ followed by rest.
func projectPath(projectID int64, rest string) string {
	return "/api/projects/" + strconv.FormatInt(projectID, 10) + "/" + rest
}

// Organization returns GET /api/organizations/{id}/. orgID may be
// "@current", the key owner's current organization. Scope organization:read.
func (c *Client) Organization(ctx context.Context, orgID string) (*Organization, error) {
	p, err := orgPath(orgID, "")
	if err != nil {
		return nil, err
	}
	return Get[Organization](ctx, c, p, nil)
}

// CurrentUser returns GET /api/users/@me/, the key's owner; OrganizationID
// is the owner's current organization, Organizations every organization the
// owner belongs to. Scope user:read.
func (c *Client) CurrentUser(ctx context.Context) (*CurrentUser, error) {
	me, body, err := getWithBody[CurrentUser](ctx, c, "/api/users/@me/", nil)
	if err != nil {
		return nil, err
	}
	// organizations[] (OrganizationBasicSerializer) only names the user's
	// organizations in messages, what --org may name: a malformed list is
	// left out rather than failing the request, and it is never stored.
	var aux struct {
		Organizations []OrganizationRef `json:"organizations"`
	}
	if json.Unmarshal(body, &aux) == nil {
		me.Organizations = aux.Organizations
	}
	return me, nil
}

// Preflight returns GET /_preflight/, the instance's self-description. It
// needs no scope (PostHog answers it without authentication).
func (c *Client) Preflight(ctx context.Context) (*Preflight, error) {
	return Get[Preflight](ctx, c, "/_preflight/", nil)
}

// Members returns every member of GET /api/organizations/{id}/members/.
// Scope organization_member:read.
func (c *Client) Members(ctx context.Context, orgID string) ([]Member, error) {
	p, err := orgPath(orgID, "members/")
	if err != nil {
		return nil, err
	}
	// include_guests=true: no PostHog version read so far has guest
	// memberships or the parameter (DRF ignores unknown parameters), but a
	// deployment that hid some members by default unless asked must not
	// make the member list silently short.
	return List[Member](ctx, c, p, url.Values{"include_guests": {"true"}})
}

// Invites returns every invite, expired ones included, of
// GET /api/organizations/{id}/invites/. Scope organization_member:read.
func (c *Client) Invites(ctx context.Context, orgID string) ([]Invite, error) {
	p, err := orgPath(orgID, "invites/")
	if err != nil {
		return nil, err
	}
	return List[Invite](ctx, c, p, nil)
}

// Domains returns every domain of GET /api/organizations/{id}/domains/.
// Scope organization:read.
func (c *Client) Domains(ctx context.Context, orgID string) ([]Domain, error) {
	p, err := orgPath(orgID, "domains/")
	if err != nil {
		return nil, err
	}
	return List[Domain](ctx, c, p, nil)
}

// IdentityProviderConfigs returns every config of
// GET /api/organizations/{id}/identity_provider_configs/ (newest PostHog; a
// deployment without it answers an error matching ErrNotFound). Scope
// organization:read.
func (c *Client) IdentityProviderConfigs(ctx context.Context, orgID string) ([]IdentityProviderConfig, error) {
	p, err := orgPath(orgID, "identity_provider_configs/")
	if err != nil {
		return nil, err
	}
	return List[IdentityProviderConfig](ctx, c, p, nil)
}

// Roles returns every role, with its embedded members, of
// GET /api/organizations/{id}/roles/. Scope organization:read. Its body cap
// grows with the member count ctx carries (WithMemberSizing).
func (c *Client) Roles(ctx context.Context, orgID string) ([]Role, error) {
	p, err := orgPath(orgID, "roles/")
	if err != nil {
		return nil, err
	}
	// PostHog embeds every valid membership of each role, unpaginated
	// (RoleSerializer.get_members): a page's body grows with the members.
	ctx = withMemberAllowance(ctx, rolesBytesPerMember)
	return List[Role](ctx, c, p, nil)
}

// RoleMemberships returns every membership of
// GET /api/organizations/{id}/roles/{role_id}/role_memberships/. Scope
// organization:read.
func (c *Client) RoleMemberships(ctx context.Context, orgID, roleID string) ([]RoleMembership, error) {
	if roleID == "" {
		return nil, errors.New("the role id is empty")
	}
	p, err := orgPath(orgID, "roles/"+url.PathEscape(roleID)+"/role_memberships/")
	if err != nil {
		return nil, err
	}
	return List[RoleMembership](ctx, c, p, nil)
}

// Projects returns every project the key's owner can see of
// GET /api/organizations/{id}/projects/ (all of them for an organization
// admin or owner). Scope project:read.
func (c *Client) Projects(ctx context.Context, orgID string) ([]ProjectSummary, error) {
	p, err := orgPath(orgID, "projects/")
	if err != nil {
		return nil, err
	}
	return List[ProjectSummary](ctx, c, p, nil)
}

// Project returns GET /api/projects/{id}/. The secrets the response carries
// are not decoded. Scope project:read.
func (c *Client) Project(ctx context.Context, projectID int64) (*ProjectDetail, error) {
	return Get[ProjectDetail](ctx, c, projectPath(projectID, ""), nil)
}

// AccessControls returns GET /api/projects/{id}/access_controls/, the rules
// on the project itself (not paginated), in PostHog's order. Scope
// access_control:read.
func (c *Client) AccessControls(ctx context.Context, projectID int64) (*AccessControlList, error) {
	return Get[AccessControlList](ctx, c, projectPath(projectID, "access_controls/"), nil)
}

// ResourceAccessControls returns
// GET /api/projects/{id}/resource_access_controls/, the project-wide rules
// per resource (not paginated), in PostHog's order. Scope
// access_control:read.
func (c *Client) ResourceAccessControls(ctx context.Context, projectID int64) (*AccessControlList, error) {
	return Get[AccessControlList](ctx, c, projectPath(projectID, "resource_access_controls/"), nil)
}

// UsersWithAccess returns the users of
// GET /api/projects/{id}/users_with_access/ ({"users": [...],
// "total_count": n}), PostHog's own resolution of each member's project
// level (newest PostHog; a deployment without it answers an error matching
// ErrNotFound). Scope access_control:read.
//
// The answer must hold users and total_count (null, {} or either missing is
// ErrMalformed), and total_count distinct users; an answer that does not is
// read once more, then fails with ErrIncompleteList. Its body cap grows with
// the member count ctx carries (WithMemberSizing).
func (c *Client) UsersWithAccess(ctx context.Context, projectID int64) ([]UserAccess, error) {
	path := projectPath(projectID, "users_with_access/")
	ctx = withMemberAllowance(ctx, usersWithAccessBytesPerMember)
	for attempt := 1; ; attempt++ {
		resp, err := Get[usersWithAccess](ctx, c, path, nil)
		if err != nil {
			return nil, err
		}
		d := newDistinct(len(resp.Users))
		for _, u := range resp.Users {
			d.add(u.ListKey())
		}
		err = d.verify(*resp.TotalCount)
		if err == nil {
			return resp.Users, nil
		}
		if attempt >= listAttempts {
			return nil, &ListError{Method: http.MethodGet, Path: path, Detail: err.Error() + " (total_count)", Attempts: attempt}
		}
		c.emit(Event{Kind: EventRetry, Method: http.MethodGet, Path: path, Attempt: attempt, Err: err})
	}
}

// usersWithAccess is the answer of users_with_access.
type usersWithAccess struct {
	Users      []UserAccess `json:"users" hogaudit:"required"`
	TotalCount *int         `json:"total_count" hogaudit:"required"`
}

// ExplicitMembers returns the legacy GET /api/projects/{id}/explicit_members/
// (a bare array; older self-hosted PostHog only: newer deployments answer an
// error matching ErrNotFound). Scope project:read.
func (c *Client) ExplicitMembers(ctx context.Context, projectID int64) ([]ExplicitMember, error) {
	return list(ctx, c, c.url(projectPath(projectID, "explicit_members/"), nil), listSpec[ExplicitMember]{shape: shapeBare})
}

// MaxActivityPages bounds the pages ActivityLog and OrganizationActivityLog
// read (ListPageSize entries a page, so ten million entries). A log that
// needs more fails with ErrTooManyPages.
const MaxActivityPages = 10000

// ActivityLog returns the entries of
// GET /api/projects/{id}/activity_log/?include_organization_scoped=1 created
// at or after since (all of them when since is zero), newest first. It reads
// PostHog's numbered pages (page=N&page_size=ListPageSize, the most
// ActivityLogPagination serves, ordered -created_at, -id), one at a time,
// until the page that holds an entry older than since (at most
// MaxActivityPages): the endpoint has no date filter, so older pages are
// never requested. Each page must repeat the count and hold its full share
// of it; a log read to its end must hold exactly count distinct entries. A
// log whose pages do not add up is read once more, then fails with
// ErrIncompleteList.
//
// Organization-level entries (team_id null) appear only when the deployment
// includes them: newest PostHog includes them iff the project has
// receive_org_level_activity_logs and ignores include_organization_scoped;
// 2025 PostHog includes them iff include_organization_scoped=1, which this
// method always sends. Scope activity_log:read; newest PostHog Cloud answers
// 402 (ErrPaymentRequired) to an organization without the audit_logs plan
// feature.
func (c *Client) ActivityLog(ctx context.Context, projectID int64, since time.Time) ([]ActivityLogEntry, error) {
	q := url.Values{"include_organization_scoped": {"1"}}
	setPageMode(q)
	return list(ctx, c, c.url(projectPath(projectID, "activity_log/"), q), activitySpec(since))
}

// ActivityLogCursor is ActivityLog read along PostHog's cursor chain
// instead of numbered pages, page_size=ListPageSize entries a page: newest
// PostHog's TailFollowingCursorPagination honours page_size up to 1000
// (2025 PostHog's serves 100 a page whatever is asked). A cursor is a
// position in (-created_at, -id), so an entry written while the chain is
// read shifts nothing, where it would shift every numbered page after it.
// It stops after the page that holds an entry older than since (at most
// MaxActivityPages pages); a chain that loops or repeats rows fails with
// ErrIncompleteList after a second read.
func (c *Client) ActivityLogCursor(ctx context.Context, projectID int64, since time.Time) ([]ActivityLogEntry, error) {
	q := url.Values{"include_organization_scoped": {"1"}, "page_size": {strconv.Itoa(ListPageSize)}}
	until := olderThan(since)
	return list(ctx, c, c.url(projectPath(projectID, "activity_log/"), q), listSpec[ActivityLogEntry]{shape: shapeCursor, until: until, maxPages: MaxActivityPages})
}

// OrganizationActivityLog returns the entries of
// GET /api/organizations/{id}/advanced_activity_logs/?start_date=SINCE:
// every project's entries (team_id set) and the organization-level ones
// (team_id null) created at or after since (all of them when since is zero),
// newest first. It reads numbered pages of ListPageSize entries (PostHog's
// AdvancedActivityLogFiltersSerializer refuses a page_size above 1000 with
// 400); the first page's count gives the others, which are fetched in
// parallel and verified like List's.
//
// Only newest PostHog has the endpoint (older deployments answer
// ErrNotFound). It needs the scope activity_log:read, an organization admin
// or owner as the key's user (403 "Only organization admins and owners can
// view organization-wide activity logs." otherwise) and, on PostHog Cloud,
// the audit_logs plan feature (402, ErrPaymentRequired). PostHog also cuts
// the log at the plan's audit-log retention.
func (c *Client) OrganizationActivityLog(ctx context.Context, orgID string, since time.Time) ([]ActivityLogEntry, error) {
	w, err := c.OrganizationActivityLogWindow(ctx, orgID, since, time.Time{})
	if err != nil {
		return nil, err
	}
	return w.Entries, nil
}

// ActivityWindow is an organization-wide activity log read between two
// times (OrganizationActivityLogWindow).
type ActivityWindow struct {
	// Entries are the entries read, newest first.
	Entries []ActivityLogEntry
	// CompleteFrom, when not zero, is the oldest time the log is known to
	// be complete from: PostHog's audit-log retention cut the oldest
	// entries while the log was read (its count fell between pages), so
	// entries before CompleteFrom, back to since, may exist in the
	// organization's history but were not served. Zero when the count held
	// (the log is complete back to since, as far as PostHog serves it).
	CompleteFrom time.Time
}

// OrganizationActivityLogWindow is OrganizationActivityLog with the head
// fixed: with until not zero it sends end_date=UNTIL, so an entry written
// while the pages are read (after until) shifts no page.
// AdvancedActivityLogFiltersSerializer reads start_date and end_date as
// DRF DateTimeFields (ISO 8601) and the filter manager applies them as
// created_at__gte and created_at__lte: both inclusive. They are sent in UTC
// RFC 3339, to the microsecond at most (PostHog's own precision).
//
// The tail is not fixed: PostHog cuts the log at the plan's retention,
// computed from the clock at each request
// (get_activity_log_lookback_restriction: now − the audit_logs feature's
// limit), so when since reaches further back the oldest entries may age
// out between pages. Such a read is accepted (a page may report a smaller
// count than the first, and must hold its share of its own), and
// CompleteFrom says from when on it is complete.
func (c *Client) OrganizationActivityLogWindow(ctx context.Context, orgID string, since, until time.Time) (*ActivityWindow, error) {
	p, err := orgPath(orgID, "advanced_activity_logs/")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if !since.IsZero() {
		q.Set("start_date", apiTime(since))
	}
	if !until.IsZero() {
		q.Set("end_date", apiTime(until))
	}
	setPageMode(q)
	// start_date filters on the server: every entry is wanted, so the
	// pages after the first are known from its count and read at once.
	tail := &tailState{}
	entries, err := list(ctx, c, c.url(p, q), listSpec[ActivityLogEntry]{
		shape: shapePages, maxPages: MaxActivityPages, cursorFallback: true, cursorUntil: olderThan(since), tail: tail,
	})
	if err != nil {
		return nil, err
	}
	w := &ActivityWindow{Entries: entries}
	if first, least := tail.counts(); least < first && least > 0 && least <= len(entries) {
		w.CompleteFrom = entries[least-1].CreatedAt
	}
	return w, nil
}

// apiTime formats t for PostHog's DateTimeField filters: UTC, RFC 3339,
// cut to microseconds (Postgres and Django keep no finer fraction).
func apiTime(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
}

// setPageMode asks an activity log for its first numbered page of
// ListPageSize entries.
func setPageMode(q url.Values) {
	q.Set("page", "1")
	q.Set("page_size", strconv.Itoa(ListPageSize))
}

// activitySpec reads a project's activity log: numbered pages, at most
// MaxActivityPages, until the first entry older than since; a deployment
// that answers a cursor page instead (no count) is read along its chain.
func activitySpec(since time.Time) listSpec[ActivityLogEntry] {
	until := olderThan(since)
	return listSpec[ActivityLogEntry]{shape: shapePages, until: until, maxPages: MaxActivityPages, cursorFallback: true, cursorUntil: until}
}

// olderThan marks the entries before since (a zero since marks none).
func olderThan(since time.Time) func(ActivityLogEntry) bool {
	return func(e ActivityLogEntry) bool { return !since.IsZero() && e.CreatedAt.Before(since) }
}

// CurrentPersonalAPIKey returns GET /api/personal_api_keys/@current/, the key
// the Client authenticates with (its value is never returned). It needs no
// scope, so it works for any valid key.
func (c *Client) CurrentPersonalAPIKey(ctx context.Context) (*PersonalAPIKey, error) {
	return Get[PersonalAPIKey](ctx, c, "/api/personal_api_keys/@current/", nil)
}
