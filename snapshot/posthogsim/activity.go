package posthogsim

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// logRow is an activity entry with the team it belongs to (nil: the
// organization).
type logRow struct {
	e      *ActivityEntry
	teamID *int64
}

// activityLog serves GET /api/projects/{id}/activity_log/ (PostHog's
// ActivityLogViewSet): the project's entries and, on the newest deployment,
// the organization-level ones iff the project has
// receive_org_level_activity_logs (include_organization_scoped is ignored
// there); on the 2025 deployment the organization-level ones iff
// include_organization_scoped=1. The newest deployment is PostHog Cloud,
// whose PremiumFeaturePermission answers 402 without the audit_logs feature;
// the 2025 viewset had no such gate.
func (c *call) activityLog() response {
	s, p := c.s, c.project
	newest := s.deployment == Newest
	if newest && !s.org.HasFeature("audit_logs") {
		return paymentRequired("audit_logs")
	}
	q := c.r.URL.Query()
	includeOrg := p.ReceiveOrgLevelActivityLogs
	if !newest {
		v := q.Get("include_organization_scoped")
		includeOrg = v == "1"
	}
	return c.activityRows(s.projectLog(p, includeOrg), c.activityFilter(),
		filterKey(fmt.Sprintf("project %p %v", p, includeOrg), q, "scope", "scopes", "item_id", "user"))
}

// orgActivityLog serves GET /api/organizations/{id}/advanced_activity_logs/
// (newest only; PostHog's OrganizationAdvancedActivityLogsViewSet): every
// project's entries and the organization-level ones. After the scope and
// membership checks come PremiumFeaturePermission (402 without audit_logs
// on Cloud) and OrganizationActivityLogPermission (403 below admin), in
// that order. Filters: start_date and end_date (inclusive, ISO 8601),
// team_ids, scopes, activities and item_ids (comma-separated lists).
func (c *call) orgActivityLog() response {
	s := c.s
	if !s.org.HasFeature("audit_logs") {
		return paymentRequired("audit_logs")
	}
	if c.owner.Level < LevelAdmin {
		return forbidden("Only organization admins and owners can view organization-wide activity logs.")
	}
	q := c.r.URL.Query()
	var bounds [2]*time.Time
	for i, name := range []string{"start_date", "end_date"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			resp := apiError(http.StatusBadRequest, "validation_error", "invalid_input",
				"Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
			resp.body.(map[string]any)["attr"] = name
			return resp
		}
		bounds[i] = &t
	}
	teams := listParam(q.Get("team_ids"))
	inTeams := map[int64]bool{}
	for _, t := range teams {
		if id, err := strconv.ParseInt(t, 10, 64); err == nil && strconv.FormatInt(id, 10) == t {
			inTeams[id] = true
		}
	}
	scopes, activities, items := listParam(q.Get("scopes")), listParam(q.Get("activities")), listParam(q.Get("item_ids"))
	key := filterKey("organization", q, "start_date", "end_date", "team_ids", "scopes", "activities", "item_ids")
	if s.retention > 0 {
		// Retention is counted from each request's time: no two requests
		// keep the same rows.
		key += "\x00" + c.at.Format(time.RFC3339Nano)
	}
	return c.activityRows(s.orgLog(), func(e *ActivityEntry, teamID *int64) bool {
		if len(teams) > 0 && (teamID == nil || !inTeams[*teamID]) {
			return false
		}
		return !(!s.retained(e, c.at) ||
			(bounds[0] != nil && e.CreatedAt.Before(*bounds[0])) ||
			(bounds[1] != nil && e.CreatedAt.After(*bounds[1])) ||
			(len(scopes) > 0 && !slices.Contains(scopes, e.Scope)) ||
			(len(activities) > 0 && !slices.Contains(activities, e.Activity)) ||
			(len(items) > 0 && !slices.Contains(items, e.ItemID)))
	}, key)
}

// filterKey names a log and the values of the parameters that filter it:
// two requests with the same key keep the same rows.
func filterKey(log string, q url.Values, params ...string) string {
	var b strings.Builder
	b.WriteString(log)
	for _, name := range params {
		b.WriteString("\x00")
		b.WriteString(q.Get(name))
	}
	return b.String()
}

// listParam splits a comma-separated list parameter ("" is no list).
func listParam(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// paymentRequired is PostHog's PaidFeatureException (posthog/exceptions.py):
// 402, code payment_required, the feature's capitalized name in the detail.
// drf-exceptions-hog gives an exception class it does not know the type
// server_error.
func paymentRequired(feature string) response {
	name := strings.ReplaceAll(feature, "_", " ")
	name = strings.ToUpper(name[:1]) + name[1:]
	return apiError(http.StatusPaymentRequired, "server_error", "payment_required",
		name+" requires a paid PostHog plan. Please upgrade to access this feature.")
}

// activityRows serves rows the way PostHog's ActivityLogPagination does:
// cursor pages by default ({next, previous, results}, newest first),
// numbered pages when page is given ({count, next, previous, results}).
//
// sorted are the log's rows newest first (projectLog, orgLog: shared, never
// changed), keep the request's filters and key names both (filterKey): a
// cursor page finds its start by binary search and filters only the rows it
// serves, plus one to know whether another page follows; a numbered page
// needs the count of every row kept, which is filtered once per key and
// state (filteredLog).
func (c *call) activityRows(sorted []logRow, keep func(e *ActivityEntry, teamID *int64) bool, key string) response {
	s := c.s
	newest := s.deployment == Newest
	q := c.r.URL.Query()

	size := s.pageSize
	// 2025 PostHog's cursor pagination has a fixed page size (100, no
	// page_size_query_param); the newest one's honours page_size up to
	// 1000, like the numbered pages of both.
	if n, ok := c.intParam("page_size"); ok && n > 0 && (newest || q.Has("page")) {
		// Above the most a page holds, the organization-wide endpoint's
		// filter serializer refuses the request (max_value=1000); the
		// project endpoint's pagination clamps it.
		if n > maxActivityPageSize && c.orgWideActivity() {
			return response{status: http.StatusBadRequest, body: map[string]any{
				"type": "validation_error", "code": "max_value", "attr": "page_size",
				"detail": "Ensure this value is less than or equal to 1000.",
			}}
		}
		size = min(n, maxActivityPageSize)
		if s.maxPage > 0 {
			size = min(size, s.maxPage)
		}
	}
	if q.Has("page") {
		return c.activityPage(s.filteredLog(key, sorted, keep), size)
	}
	start := 0
	if cur := q.Get("cursor"); cur != "" {
		at, id, ok := decodeCursor(cur)
		if !ok {
			return apiError(http.StatusNotFound, "invalid_request", "not_found", "Invalid cursor")
		}
		// The first row strictly after the cursor position, newest first.
		start = sort.Search(len(sorted), func(i int) bool {
			return compareEntries(sorted[i].e.CreatedAt, sorted[i].e.ID, at, id) < 0
		})
	}
	var page []logRow
	more := false
	for _, r := range sorted[start:] {
		if !keep(r.e, r.teamID) {
			continue
		}
		if len(page) == size {
			more = true
			break
		}
		page = append(page, r)
	}
	results := []any{}
	for _, r := range page {
		results = append(results, s.activityJSON(r.e, r.teamID))
	}
	var next any
	switch {
	case more:
		q.Set("cursor", encodeCursor(page[len(page)-1].e))
		next = c.nextLink(q)
	// Newest PostHog's TailFollowingCursorPagination keeps the link valid
	// after the end only for follow=true in ascending order; descending
	// (the only order served here) "walks into history and has a real
	// end": no link after the last row, as DRF's CursorPagination.
	case c.foreign != "":
		next = c.nextLink(q)
	}
	return jsonOK(obj{"next": next, "previous": nil, "results": results})
}

// projectLog is p's activity log newest first, with the organization's
// entries when includeOrg, built on first use after the last change.
func (s *Server) projectLog(p *Project, includeOrg bool) []logRow {
	s.derivedMu.Lock()
	defer s.derivedMu.Unlock()
	k := projectLogKey{p, includeOrg}
	if rows, ok := s.projLogs[k]; ok && !s.changing {
		return rows
	}
	var rows []logRow
	for i := range p.Activity {
		rows = append(rows, logRow{e: &p.Activity[i], teamID: &p.ID})
	}
	if includeOrg {
		for i := range s.org.Activity {
			rows = append(rows, logRow{e: &s.org.Activity[i]})
		}
	}
	sortLog(rows)
	if !s.changing {
		s.projLogs[k] = rows
	}
	return rows
}

// orgLog is every project's activity log and the organization's, newest
// first, built on first use after the last change.
func (s *Server) orgLog() []logRow {
	s.derivedMu.Lock()
	defer s.derivedMu.Unlock()
	if s.orgLogRows != nil && !s.changing {
		return s.orgLogRows
	}
	rows := []logRow{}
	for i := range s.org.Projects {
		p := &s.org.Projects[i]
		for j := range p.Activity {
			rows = append(rows, logRow{e: &p.Activity[j], teamID: &p.ID})
		}
	}
	for i := range s.org.Activity {
		rows = append(rows, logRow{e: &s.org.Activity[i]})
	}
	sortLog(rows)
	if !s.changing {
		s.orgLogRows = rows
	}
	return rows
}

// maxFilteredLogs bounds the filtered logs a Server keeps.
const maxFilteredLogs = 64

// filteredLog is the rows of sorted that keep keeps, built once per key
// after the last change (shared, never changed).
func (s *Server) filteredLog(key string, sorted []logRow, keep func(e *ActivityEntry, teamID *int64) bool) []logRow {
	s.derivedMu.Lock()
	rows, ok := s.filteredLogs[key]
	s.derivedMu.Unlock()
	if ok && !s.changing {
		return rows
	}
	rows = []logRow{}
	for _, r := range sorted {
		if keep(r.e, r.teamID) {
			rows = append(rows, r)
		}
	}
	if s.changing {
		return rows
	}
	s.derivedMu.Lock()
	defer s.derivedMu.Unlock()
	if len(s.filteredLogs) >= maxFilteredLogs {
		clear(s.filteredLogs)
	}
	s.filteredLogs[key] = rows
	return rows
}

// sortLog orders rows newest first (created_at, then id, descending).
func sortLog(rows []logRow) {
	slices.SortStableFunc(rows, func(a, b logRow) int { return -compareEntries(a.e.CreatedAt, a.e.ID, b.e.CreatedAt, b.e.ID) })
}

// projectLogKey names a projectLog.
type projectLogKey struct {
	p          *Project
	includeOrg bool
}

// orgWideActivity reports whether the call is the organization-wide
// advanced_activity_logs endpoint.
func (c *call) orgWideActivity() bool {
	return strings.HasPrefix(c.r.URL.Path, "/api/organizations/")
}

// compareEntries orders entries by time, then id.
func compareEntries(at time.Time, id string, bt time.Time, bid string) int {
	return cmp.Or(at.Compare(bt), cmp.Compare(id, bid))
}

func encodeCursor(e *ActivityEntry) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("p=%d|%s", e.CreatedAt.UnixNano(), e.ID)))
}

func decodeCursor(cur string) (time.Time, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil {
		return time.Time{}, "", false
	}
	rest, found := strings.CutPrefix(string(b), "p=")
	nanos, id, found2 := strings.Cut(rest, "|")
	n, err := strconv.ParseInt(nanos, 10, 64)
	if !found || !found2 || err != nil {
		return time.Time{}, "", false
	}
	return time.Unix(0, n), id, true
}

// activityPage serves numbered pages of the activity log.
func (c *call) activityPage(rows []logRow, size int) response {
	page, ok := c.intParam("page")
	start := (page - 1) * size
	if !ok || page < 1 || (start >= len(rows) && page > 1) {
		return apiError(http.StatusNotFound, "invalid_request", "not_found", "Invalid page.")
	}
	end := min(start+size, len(rows))
	results := []any{}
	for _, r := range rows[start:end] {
		results = append(results, c.s.activityJSON(r.e, r.teamID))
	}
	q := c.r.URL.Query()
	q.Set("page_size", strconv.Itoa(size))
	var next, prev any
	if end < len(rows) || c.foreign != "" {
		q.Set("page", strconv.Itoa(page+1))
		next = c.nextLink(q)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page-1))
		prev = c.link(q)
	}
	return jsonOK(obj{"count": len(rows), "next": next, "previous": prev, "results": results})
}

// activityFilter is the project log's filter: the scope, scopes, item_id
// and user parameters.
func (c *call) activityFilter() func(e *ActivityEntry, teamID *int64) bool {
	q := c.r.URL.Query()
	scope, itemID, user := q.Get("scope"), q.Get("item_id"), q.Get("user")
	var scopes []string
	if v := q.Get("scopes"); v != "" {
		scopes = strings.Split(v, ",")
	}
	return func(e *ActivityEntry, _ *int64) bool {
		if scope != "" && scope != e.Scope {
			return false
		}
		if scopes != nil && !slices.Contains(scopes, e.Scope) {
			return false
		}
		if itemID != "" && itemID != e.ItemID {
			return false
		}
		if user != "" {
			m := c.s.members[e.UserID]
			if m == nil || m.User.UUID != user {
				return false
			}
		}
		return true
	}
}

func (s *Server) activityJSON(e *ActivityEntry, teamID *int64) obj {
	var user any
	if e.UserID != 0 {
		user = s.userByID(e.UserID)
	}
	var changes any
	if e.Detail.Changes != nil {
		list := []any{}
		for _, ch := range e.Detail.Changes {
			list = append(list, obj{
				"type": ch.Type, "action": ch.Action, "field": orNull(ch.Field),
				"before": ch.Before, "after": ch.After,
			})
		}
		changes = list
	}
	var context any
	if e.Detail.Context != nil {
		context = e.Detail.Context
	}
	m := obj{
		"id":               e.ID,
		"user":             user,
		"unread":           false,
		"organization_id":  s.org.ID,
		"was_impersonated": false,
		"is_system":        e.IsSystem,
		"client":           nil,
		"activity":         e.Activity,
		"item_id":          orNull(e.ItemID),
		"scope":            e.Scope,
		"detail": obj{
			"name": orNull(e.Detail.Name), "short_id": nil, "type": nil,
			"changes": changes, "trigger": nil, "context": context,
		},
		"created_at": ts(e.CreatedAt),
	}
	if s.deployment == Newest {
		if teamID != nil {
			m["team_id"] = *teamID
		} else {
			m["team_id"] = nil
		}
		m["ip_address"] = orNull(e.IPAddress)
	}
	return m
}
