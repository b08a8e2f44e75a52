package snapshot

import "time"

// Plan is a collection's request plan: what has been spent and what is left,
// known once the organization-wide listings have told how many members,
// projects, roles and activity entries there are (Options.OnPlan).
type Plan struct {
	// Sent is the number of requests sent so far, every attempt counted
	// (retries included), by every key of the run.
	Sent int
	// Remaining is the number of requests still to send for a complete
	// snapshot, without retries: the pages of the lists not read yet and
	// the per-project requests. It is a lower bound when a list's size is
	// not known yet (a cursor-paged activity log).
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
