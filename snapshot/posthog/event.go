package posthog

import "time"

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	// EventResponse reports a response received, successful or not (one per
	// attempt that got a status).
	EventResponse EventKind = iota + 1
	// EventRetry reports a failed attempt (5xx, reset connection, truncated
	// body) about to be retried after Wait.
	EventRetry
	// EventThrottled reports that PostHog answered 429 and the request waits
	// Wait before it is retried. Throttled retries are reported only as
	// EventThrottled, not also as EventRetry.
	EventThrottled
	// EventRateWait reports that the local Budget holds a request back for
	// Wait before it is sent, once per attempt; Wait is 0 when the request
	// waits for one in flight to complete (the window is full of requests
	// in flight), and may be cut short or extended as other requests
	// complete. Budget.Held is the wall time requests were held back.
	EventRateWait
)

// String returns the kind's lowercase name.
func (k EventKind) String() string {
	switch k {
	case EventResponse:
		return "response"
	case EventRetry:
		return "retry"
	case EventThrottled:
		return "throttled"
	case EventRateWait:
		return "rate-wait"
	}
	return "unknown"
}

// Event is a progress report from a Client, delivered to the WithObserver
// function. It never contains the API key: Path is the request path only,
// without host or query.
type Event struct {
	Kind   EventKind
	Method string
	Path   string
	// Status is the HTTP status of the response, 0 when none arrived.
	Status int
	// Attempt is the 1-based attempt number the event is about.
	Attempt int
	// Wait is how long the request is held back (EventRetry,
	// EventThrottled, EventRateWait).
	Wait time.Duration
	// Err is the failure being retried, or the error response (for an
	// EventResponse with a status of 400 or more); nil otherwise.
	Err error
}
