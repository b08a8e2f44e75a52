# METADATA
# title: A personal API key is unused
# description: >-
#   An audited personal API key has not been used for the matrix's max_unused_days, or was never used
#   and was created longer ago than that. Unused keys are forgotten credentials that still work.
#   PostHog updates last_used_at at most about once an hour.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API keys
# custom:
#   id: PH304
#   name: key-unused
#   severity: low
#   area: keys
#   requires: [api_keys]
#   scopes: []
#   remediation: >-
#     If nothing needs the key any more, its owner deletes it in PostHog under Account settings →
#     Personal API keys; otherwise record an exception with an expiry date.
package hogaudit.rules.ph304

import data.hogaudit.lib.keys
import data.hogaudit.lib.util

findings contains f if {
	days := util.key_settings.max_unused_days
	is_number(days)
	some key in keys.audit_keys
	last := object.get(key, "last_used_at", null)
	unused(key, last, days)
	f := {
		"subject": keys.subject(key),
		"message": message(key, last, days),
		"evidence": {"last_used_at": last, "created_at": object.get(key, "created_at", null), "max_unused_days": days},
		"line": util.keys_line("max_unused_days"),
	}
}

unused(_, last, days) if util.older_than_days(last, days)

unused(key, null, days) if util.older_than_days(key.created_at, days)

message(key, null, days) := sprintf("Key %s has never been used since it was created %d days ago; the matrix allows %d days unused.", [keys.label(key), util.age_days(key.created_at), days])

message(key, last, days) := sprintf("Key %s has not been used for %d days; the matrix allows %d days unused.", [keys.label(key), util.age_days(last), days]) if {
	last != null
}
