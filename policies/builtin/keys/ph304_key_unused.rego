# METADATA
# title: A personal API key is unused
# description: >-
#   An audited personal API key has not been used for the matrix's max_unused_days, or was never used
#   and was created longer ago than that. Unused keys are forgotten credentials that still work.
#   Reading a key is a use: PostHog refreshes last_used_at (at most hourly) when it authenticates a
#   request, so a scan sees the previous scan's own request. A last_used_at inside the current
#   collection never counts as use (the use before it is unknown); with --previous SNAPSHOT, neither
#   does one inside the previous collection, whose reading of the key stands instead. Without
#   --previous, a key used only by scheduled scans looks used by the last one. A use within the hour
#   after a hogaudit request is not recorded by PostHog, so the key may then look unused.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API keys
# schemas:
#   - input: schema.input
# custom:
#   id: PH304
#   name: key-unused
#   severity: low
#   area: keys
#   frameworks:
#     soc2: [CC6.2]
#     iso27001_2022: [A.5.17, A.5.18]
#   requires: [api_keys]
#   remediation: >-
#     If nothing needs the key any more, its owner deletes it in PostHog under Account settings →
#     Personal API keys; otherwise record an exception with an expiry date. Scheduled scans pass
#     the previous run's snapshot with --previous so that hogaudit's own reading is not counted as
#     use.
#   notes: |
#     Reading a key is a use of it. PostHog stamps `last_used_at` when it authenticates a request and the stored
#     value is unset or more than an hour old (`posthog/auth.py`, `PersonalAPIKeyAuthentication.authenticate`);
#     hogaudit's `GET /api/personal_api_keys/@current/` is such a request. Newest PostHog writes with a queryset
#     update (`update_key_last_used_at`), so the answer still shows the value from before and the *next* scan sees
#     this one's request; older PostHog assigned the field on the key object it then serializes, so its answer
#     shows the request itself. The snapshot records, per key, `introspected_at` (the collector's clock right
#     after the answer; every stamp hogaudit's requests can leave lies between `collected_at` and it) and PH304
#     reads `index.keys[].use`:
#
#     - a `last_used_at` inside this collection's window (±1 minute for clock skew) is hogaudit's own; the use
#       before it is hidden, so the key is reported as *not shown to be used* once it is older than
#       `max_unused_days`;
#     - with `--previous SNAPSHOT` (the previous run's snapshot; `check` and `scan`), a `last_used_at` inside that
#       collection's window, or unchanged since it, is not a use either: the previous snapshot's reading of the
#       key stands. `scan --previous` records each key's reading in the snapshot it keeps (`use`), so a chain of
#       scans each given the one before walks back to the last use by anyone else. A previous snapshot without
#       that record (written by `hogaudit snapshot`) is read alone: its own `last_used_at` is taken as a use
#       unless it lies in its own window.
#     - **Without `--previous`**, every scheduled scan refreshes the keys it reads (at most hourly), so a key used
#       only by hogaudit looks used by the last scan, and PH304 does not fire for it while scans come closer
#       together than `max_unused_days`. Schedule scans with the previous run's snapshot.
#     - A use by someone else within the hour after a hogaudit request is not recorded by PostHog at all (its
#       hourly granularity), so such a key may be reported unused although it was used then.
package hogaudit.rules.ph304

import data.hogaudit.lib.identity
import data.hogaudit.lib.keys
import data.hogaudit.lib.util

findings contains f if {
	days := util.key_settings.max_unused_days
	is_number(days)
	some key in keys.audit_keys
	unused(key, key.use, days)
	f := {
		"subject": keys.subject(key),
		"identity": identity.key(key),
		"message": message(key, key.use, days),
		"evidence": {
			"last_used_at": object.get(key, "last_used_at", null),
			"created_at": object.get(key, "created_at", null),
			"max_unused_days": days,
			"last_use": key.use,
		},
		"line": util.keys_line("max_unused_days"),
	}
}

unused(_, use, days) if {
	use.status == "used"
	util.older_than_days(use.at, days)
}

unused(key, use, days) if {
	use.status in {"never", "unknown"}
	util.older_than_days(key.created_at, days)
}

# own is true when the reading discounted hogaudit's own introspection.
own(use) if is_string(use.own)

message(key, use, days) := sprintf("Key %s has not been used for %d days; the matrix allows %d days unused.", [keys.label(key), util.age_days(use.at), days]) if {
	use.status == "used"
	not own(use)
}

message(key, use, days) := sprintf("Key %s has not been used for %d days, not counting hogaudit's own introspection; the matrix allows %d days unused.", [keys.label(key), util.age_days(use.at), days]) if {
	use.status == "used"
	own(use)
}

message(key, use, days) := sprintf("Key %s has never been used since it was created %d days ago; the matrix allows %d days unused.", [keys.label(key), util.age_days(key.created_at), days]) if {
	use.status == "never"
	not own(use)
}

message(key, use, days) := sprintf("Key %s has never been used but by hogaudit's own introspection since it was created %d days ago; the matrix allows %d days unused.", [keys.label(key), util.age_days(key.created_at), days]) if {
	use.status == "never"
	own(use)
}

message(key, use, days) := sprintf("Key %s cannot be shown to have been used in the %d days since it was created: its last_used_at is hogaudit's own introspection, which hides any earlier use; the matrix allows %d days unused.", [keys.label(key), util.age_days(key.created_at), days]) if {
	use.status == "unknown"
}
