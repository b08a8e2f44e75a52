package snapshot

import "time"

// Plan is a collection's request plan: what has been spent and what is left,
// known once every organization-wide listing has told how many members,
// projects, roles and activity entries there are: a listing of several
// pages by its first page, any other by its end (Options.OnPlan, called
// once). It is made before the listings have ended, so that a huge listing
// (an activity log of thousands of pages) does not keep the deadline
// Options.TimeoutFor derives from it waiting under PlanningTimeout.
type Plan struct {
	// Sent is the number of requests made so far by every key of the run,
	// as their call logs count them (posthog.Call.Requests: a request
	// retried after a 429 or a 5xx counts once).
	Sent int
	// A request that finishes while the plan is made may be counted in
	// both Sent and Remaining: with requests in flight, the plan is good
	// to the concurrency; one request at a time, it is exact.
	//
	// Remaining is the number of requests still to send for a complete
	// snapshot, without retries: the pages of the organization-wide
	// listings still to read (⌈count/page size⌉ less those read), and the
	// per-project requests not finished yet — those started once the
	// project list has ended, else three per project by its count. It is a
	// lower bound: the legacy explicit_members of a project not yet listed,
	// and the projects' activity logs and details, read only when the
	// organization-wide log is not (a log counts as one page), are left
	// out until known.
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
