package snapshot

import "time"

// Plan is a collection's request plan: what has been spent and what is left,
// known once the organization-wide listings have told how many members,
// projects, roles and activity entries there are (Options.OnPlan).
type Plan struct {
	// Sent is the number of requests made so far by every key of the run,
	// as their call logs count them (posthog.Call.Requests: a request
	// retried after a 429 or a 5xx counts once).
	Sent int
	// Remaining is the number of requests still to send for a complete
	// snapshot, without retries: the per-project requests not finished yet
	// (the organization-wide listings have all ended when the plan is
	// made). It is a lower bound: a project's activity log, read only when
	// the organization-wide one is not, counts as one page.
	Remaining int
	// Projects, Members and Roles are the organization's counts as the
	// listings reported them; ActivityEntries the activity-log entries in
	// the lookback window (-1 when not known, e.g. cursor pages).
	Projects, Members, Roles, ActivityEntries int
}

// Total is Sent + Remaining: the run's request count, as far as it is known.
func (p Plan) Total() int { return p.Sent + p.Remaining }

// TimeoutFunc derives the collection's deadline from its plan
// (Options.TimeoutFor): the time allowed from the start of the collection.
type TimeoutFunc func(Plan) time.Duration
