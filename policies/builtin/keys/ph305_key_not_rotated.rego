# METADATA
# title: A personal API key has not been rotated
# description: >-
#   An audited personal API key was last rolled (or, never rolled, created) more than the matrix's
#   max_age_days ago. Long-lived secrets end up in old configuration, CI logs and laptops.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API keys
# schemas:
#   - input: schema.input
# custom:
#   id: PH305
#   name: key-not-rotated
#   severity: medium
#   area: keys
#   frameworks:
#     soc2: [CC6.1]
#     iso27001_2022: [A.5.17]
#   requires: [api_keys]
#   remediation: >-
#     The key's owner rolls it in PostHog under Account settings → Personal API keys → Roll (the old
#     value stops working at once) and stores the new value where the integration reads it.
package hogaudit.rules.ph305

import data.hogaudit.lib.identity
import data.hogaudit.lib.keys
import data.hogaudit.lib.util

findings contains f if {
	days := util.key_settings.max_age_days
	is_number(days)
	some key in keys.audit_keys
	since := rotated_at(key)
	util.older_than_days(since, days)
	f := {
		"subject": keys.subject(key),
		"identity": identity.key(key),
		"message": sprintf("Key %s was last rotated %d days ago; the matrix requires rotation every %d days.", [keys.label(key), util.age_days(since), days]),
		"evidence": {"last_rolled_at": object.get(key, "last_rolled_at", null), "created_at": object.get(key, "created_at", null), "max_age_days": days},
		"line": util.keys_line("max_age_days"),
	}
}

rotated_at(key) := t if {
	t := key.last_rolled_at
	is_string(t)
} else := key.created_at
