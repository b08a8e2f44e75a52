// Package posthog is a client for the parts of PostHog's private REST API
// that describe an organization's access state.
//
// A Client authenticates with a personal API key and talks to one host only:
// pagination links that point elsewhere are refused, so the key never leaves
// the configured host. It follows PostHog's pagination styles (limit/offset
// envelopes asked for in pages of ListPageSize and fetched in parallel once
// the count is known; the activity logs' numbered pages of ListPageSize, or
// their cursor pages on a deployment without numbered ones; bare arrays),
// retries idempotent requests on
// throttling, server errors, connection resets and stalled responses with
// capped waits that honour cancellation (a wait longer than the cap or than
// what is left before the context's deadline is not waited: the request fails
// at once, naming it), bounds each attempt by a request timeout, and shares
// one Budget — a concurrency limit and a
// sliding-window request rate — with every other client of the same run.
// Errors from PostHog are decoded into *APIError, which knows the scope a
// 403 asked for.
//
// Answers are verified, not trusted. A list must end with exactly its count
// of items, distinct by ListKey (read once more, then *ListError,
// ErrIncompleteList); a cursor chain must not loop or repeat rows; a count or
// a chain beyond MaxListItems, MaxListPages or the activity logs' page bound
// fails with ErrTooManyPages. An answer of the wrong shape, or without a
// field its type declares hogaudit:"required", is a *DecodeError
// (ErrMalformed) naming the field's path. Nothing partial is returned.
// 403 asked for and whether the body was PostHog's at all (ErrNotPostHog).
package posthog
