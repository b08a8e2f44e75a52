// Package snapshot collects a PostHog organization's access state through
// PostHog's REST API into a Snapshot, and reads and writes snapshot files.
//
// Collect fans the requests out over a bounded pool; a section that cannot be
// collected (a missing scope, an endpoint this deployment lacks) is recorded
// in Snapshot.Missing instead of failing the whole collection. Write stores a
// snapshot atomically as indented JSON; Load reads one back and rejects
// malformed files, unknown schema versions, and snapshots whose missing
// records do not match the gaps in their data (Verify, ErrInconsistent: a
// snapshot cannot be edited into a complete one). The JSON Schema of the
// file is Schema.
package snapshot
