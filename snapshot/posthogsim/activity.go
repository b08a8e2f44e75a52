package posthogsim

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
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

// activityLog serves GET /api/projects/{id}/activity_log/: cursor pages by
// default ({next, previous, results}, newest first), numbered pages when
// page is given ({count, next, previous, results}).
func (c *call) activityLog() response {
	s, p := c.s, c.project
	newest := s.deployment == Newest
	if newest && !s.org.HasFeature("audit_logs") {
		return forbidden("Audit logs are a premium feature (audit_logs); upgrade the organization's plan to read them.")
	}
	q := c.r.URL.Query()
	includeOrg := p.ReceiveOrgLevelActivityLogs
	if !newest {
		v := q.Get("include_organization_scoped")
		includeOrg = v == "1" || strings.EqualFold(v, "true")
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
	rows = slices.DeleteFunc(rows, func(r logRow) bool { return !c.matchesFilters(r.e) })
	slices.SortFunc(rows, func(a, b logRow) int { return -compareEntries(a.e.CreatedAt, a.e.ID, b.e.CreatedAt, b.e.ID) })

	size := s.pageSize
	if n, ok := c.intParam("page_size"); ok && n > 0 {
		size = min(n, 1000)
	}
	if q.Has("page") {
		return c.activityPage(rows, size)
	}
	start := 0
	if cur := q.Get("cursor"); cur != "" {
		at, id, ok := decodeCursor(cur)
		if !ok {
			return apiError(http.StatusNotFound, "invalid_request", "not_found", "Invalid cursor")
		}
		// The first row strictly after the cursor position, newest first.
		start = slices.IndexFunc(rows, func(r logRow) bool { return compareEntries(r.e.CreatedAt, r.e.ID, at, id) < 0 })
		if start < 0 {
			start = len(rows)
		}
	}
	end := min(start+size, len(rows))
	results := []any{}
	for _, r := range rows[start:end] {
		results = append(results, s.activityJSON(r.e, r.teamID))
	}
	var next any
	switch {
	case end < len(rows):
		q.Set("cursor", encodeCursor(rows[end-1].e))
		next = c.nextLink(q)
	case newest && end > start:
		// Newest PostHog keeps the link valid after the end: following it
		// yields an empty page.
		q.Set("cursor", encodeCursor(rows[end-1].e))
		next = c.nextLink(q)
	case newest && q.Get("cursor") != "":
		next = c.nextLink(q)
	case c.foreign:
		next = c.nextLink(q)
	}
	return jsonOK(obj{"next": next, "previous": nil, "results": results})
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
	if end < len(rows) || c.foreign {
		q.Set("page", strconv.Itoa(page+1))
		next = c.nextLink(q)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page-1))
		prev = c.link(q)
	}
	return jsonOK(obj{"count": len(rows), "next": next, "previous": prev, "results": results})
}

// matchesFilters applies the scope, scopes, item_id and user parameters.
func (c *call) matchesFilters(e *ActivityEntry) bool {
	q := c.r.URL.Query()
	if v := q.Get("scope"); v != "" && v != e.Scope {
		return false
	}
	if v := q.Get("scopes"); v != "" && !slices.Contains(strings.Split(v, ","), e.Scope) {
		return false
	}
	if v := q.Get("item_id"); v != "" && v != e.ItemID {
		return false
	}
	if v := q.Get("user"); v != "" {
		m := c.s.members[e.UserID]
		if m == nil || m.User.UUID != v {
			return false
		}
	}
	return true
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
