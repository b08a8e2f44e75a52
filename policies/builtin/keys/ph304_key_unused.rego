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
#   requires: [api_keys]
#   scopes: []
#   remediation: >-
#     If nothing needs the key any more, its owner deletes it in PostHog under Account settings →
#     Personal API keys; otherwise record an exception with an expiry date. Scheduled scans pass
#     the previous run's snapshot with --previous so that hogaudit's own reading is not counted as
#     use.
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
