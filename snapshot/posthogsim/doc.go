// Package posthogsim is a simulated PostHog: an http.Handler that serves an
// organization fixture (Org) through the endpoints of PostHog's private REST
// API that hogaudit reads, in PostHog's own shapes (field names, envelopes,
// error bodies, absolute next links built from the request's host).
//
// It enforces personal API key authentication, scopes ("<object>:read",
// write implies read, "*", legacy keys without scopes) and key scoping to
// projects or organizations, computes users_with_access from the access
// rules the way PostHog resolves them, paginates like PostHog (limit/offset,
// activity-log cursors and numbered pages), can imitate the newest or the
// 2025 deployment, throttle like PostHog, add latency, and inject faults
// (429s, 500s, truncated bodies, reset connections, foreign next links, huge
// bodies, stalled headers or bodies, a proxy's HTML pages, redirects to
// another host; and answer faults: pages that are short, long, overlapping or
// duplicated, null or absent results, bare arrays and envelopes swapped, a
// huge count, an endless cursor, null and {} bodies, fields dropped) at run
// time or, seeded, at random (WithRandomFaults). Stats reports what it
// received.
//
// Tests, benchmarks and `hogaudit demo` use it with the built-in fixtures
// Acme (the demo organization) and Synthetic (large organizations), served
// over loopback with httptest or in memory with InMemory, which works inside
// a testing/synctest bubble.
package posthogsim
