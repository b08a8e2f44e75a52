# METADATA
# title: hogaudit's own key holds more than it needs
# description: >-
#   The personal API key hogaudit scans with should hold exactly the read scopes it needs
#   (organization:read, organization_member:read, project:read, access_control:read,
#   activity_log:read, user:read) and nothing else: no write scope, no *, and no other object. A
#   compliance scanner's key sits in CI secrets; an over-privileged one turns a leaked CI secret into
#   control of the organization.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API key scopes
# schemas:
#   - input: schema.input
# custom:
#   id: PH306
#   name: scanner-key-overprivileged
#   severity: medium
#   area: keys
#   frameworks:
#     soc2: [CC6.3]
#     iso27001_2022: [A.5.18, A.8.2]
#   requires: [api_keys]
#   remediation: >-
#     In PostHog open Account settings → Personal API keys and create a key with exactly the scopes
#     organization:read, organization_member:read, project:read, access_control:read,
#     activity_log:read and user:read (organization access, all projects), store it as hogaudit's
#     POSTHOG_PERSONAL_API_KEY, and delete the old key.
package hogaudit.rules.ph306

import data.hogaudit.lib.identity
import data.hogaudit.lib.keys
import data.hogaudit.lib.util

required := {s | some s in util.array_or_empty(input.tool.required_scopes)}

extra(key) := {"*"} if {
	keys.legacy(key)
} else := {s |
	some s in keys.scopes(key)
	not s in required
}

findings contains f if {
	some key in keys.scanner_keys
	more := extra(key)
	count(more) > 0
	f := {
		"subject": keys.subject(key),
		"identity": identity.key(key),
		"message": sprintf("The scanning key %s holds more than the read scopes hogaudit needs: %s.", [keys.label(key), concat(", ", sort(more))]),
		"evidence": {
			"extra": sort(more),
			"scopes": keys.scopes(key),
			"write": sort([s | some s in more; endswith(s, ":write")]),
			"required": sort(required),
			"projects": sort(keys.reached_project_keys(key)),
			"project_ids": keys.reached_project_ids(key),
		},
		"line": util.top_line("api_keys"),
	}
}
