# METADATA
# title: A personal API key has every scope
# description: >-
#   An audited personal API key holds the scope *, or is a legacy key with no scopes (which PostHog
#   shows as * and lets do anything, even on endpoints that refuse scoped keys), while the matrix
#   sets allow_wildcard: false. A leaked wildcard key exposes everything its owner can reach.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API key scopes
# schemas:
#   - input: schema.input
# custom:
#   id: PH301
#   name: key-wildcard-scope
#   severity: high
#   area: keys
#   frameworks:
#     soc2: [CC6.3]
#     iso27001_2022: [A.5.18, A.8.2]
#   requires: [api_keys]
#   remediation: >-
#     In PostHog open Account settings → Personal API keys, create a replacement key with only the
#     scopes the matrix grants (for example insight:read, query:read) and the projects it needs,
#     switch the integration to it, then delete the wildcard key. Legacy keys cannot be given scopes:
#     replace them.
package hogaudit.rules.ph301

import data.hogaudit.lib.identity
import data.hogaudit.lib.keys
import data.hogaudit.lib.util

findings contains f if {
	util.key_settings.allow_wildcard == false
	some key in keys.audit_keys
	keys.wildcard(key)
	legacy := keys.legacy(key)
	f := {
		"subject": keys.subject(key),
		"identity": identity.key(key),
		"message": message(key, legacy),
		"evidence": {
			"scopes": keys.scopes(key),
			"legacy": legacy,
			"env": object.get(key, "env", ""),
			"projects": sort(keys.reached_project_keys(key)),
			"project_ids": keys.reached_project_ids(key),
		},
		"line": util.keys_line("allow_wildcard"),
	}
}

message(key, true) := sprintf("Key %s is a legacy key with no scopes, which PostHog lets do anything; the matrix does not allow wildcard keys.", [keys.label(key)])

message(key, false) := sprintf("Key %s holds every scope (*); the matrix does not allow wildcard keys.", [keys.label(key)])
