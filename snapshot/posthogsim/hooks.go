package posthogsim

import (
	"net/http"
	"slices"
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
