package posthogsim

import (
	"net/http"
	"slices"
	"time"
)

// WithAnswered calls fn after each request's answer is made and before it
// is sent, outside the Server's state lock: fn may change the organization
// (changes.go, DeleteProject), and the change shows in every answer after
// this one, as a change PostHog commits while a client is between two
// requests does. fn must be safe for concurrent use.
func WithAnswered(fn func(r *http.Request)) Option {
	return func(s *Server) { s.answered = fn }
}

// DeleteProject deletes the project with id, as DELETE /api/projects/{id}/
// does: from then on every /api/projects/{id}/… request answers PostHog's
// 404 (the team lookup of TeamAndOrgViewSetMixin finds no team) and the
// project leaves the organization's project list. The simulator drops the
// project's activity rows with it (PostHog's ActivityLog.team_id is a plain
// integer, so PostHog may keep them; no test relies on either). It reports
// whether there was such a project.
func (s *Server) DeleteProject(id int64) bool {
	found := false
	_ = s.change(func(o *Org) error {
		n := len(o.Projects)
		o.Projects = slices.DeleteFunc(o.Projects, func(p Project) bool { return p.ID == id })
		found = len(o.Projects) < n
		return nil
	})
	return found
}

// WithAuditLogRetention makes the organization-wide activity log serve only
// the entries created at or after the Server's clock minus d, evaluated at
// each request, as PostHog's get_activity_log_lookback_restriction
// (posthog/api/advanced_activity_logs/utils.py) computes now − the
// audit_logs feature's limit per request: entries age out of the log while
// a client reads it. The scopes PostHog exempts from the retention
// (BILLING_EXEMPT_SCOPES in constants.py: FeatureFlag, Experiment) stay.
// Without it (or d ≤ 0) the log keeps everything.
func WithAuditLogRetention(d time.Duration) Option {
	return func(s *Server) { s.retention = d }
}

// retained reports whether the organization-wide log still serves e at now.
func (s *Server) retained(e *ActivityEntry, now time.Time) bool {
	if s.retention <= 0 || e.Scope == "FeatureFlag" || e.Scope == "Experiment" {
		return true
	}
	return !e.CreatedAt.Before(now.Add(-s.retention))
}

// AppendProjectActivity adds e to the activity log of the project with id,
// as PostHog's log_activity does for any audited change inside a project
// (a feature flag edited, an insight created): the row is visible to every
// request answered after it. It reports whether there was such a project.
func (s *Server) AppendProjectActivity(id int64, e ActivityEntry) bool {
	found := false
	_ = s.change(func(o *Org) error {
		for i := range o.Projects {
			if o.Projects[i].ID == id {
				o.Projects[i].Activity = append(o.Projects[i].Activity, e)
				found = true
			}
		}
		return nil
	})
	return found
}
