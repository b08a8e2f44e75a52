# METADATA
# title: Personal API key use differs from the matrix
# description: >-
#   The organization's members_can_use_personal_api_keys setting decides whether members who are
#   not admins may call organization endpoints with personal API keys (admins and owners are never
#   restricted; PostHog enforces it only with the organization_security_settings plan feature). The
#   matrix's members_can_use_personal_api_keys says what it should be; PostHog's default is true.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API keys
# custom:
#   id: PH108
#   name: member-api-keys-allowed
#   severity: low
#   area: organization
#   requires: [organization]
#   scopes: ["organization:read"]
#   remediation: >-
#     In PostHog open Organization settings and switch "Members can use personal API keys" to match
#     the matrix, or change members_can_use_personal_api_keys in the matrix. Through the API: PATCH
#     /api/organizations/{organization_id}/ with {"members_can_use_personal_api_keys": false} using
#     a key with organization:write.
package hogaudit.rules.ph108

import data.hogaudit.lib.util

findings contains f if {
	expected := util.org_settings.members_can_use_personal_api_keys
	is_boolean(expected)
	raw := object.get(input.snapshot.organization, "members_can_use_personal_api_keys", null)
	actual := raw != false
	actual != expected
	f := {
		"subject": sprintf("org:%s", [util.org_name]),
		"message": sprintf("Organization %s %s members use personal API keys; the matrix expects it %s.", [util.org_name, lets(actual), allowed(expected)]),
		"evidence": {"members_can_use_personal_api_keys": raw, "effective": actual, "expected": expected},
		"line": util.org_line("members_can_use_personal_api_keys"),
	}
}

lets(true) := "lets"

lets(false) := "does not let"

allowed(true) := "allowed"

allowed(false) := "forbidden"
