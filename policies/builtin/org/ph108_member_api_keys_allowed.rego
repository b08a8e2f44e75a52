# METADATA
# title: Personal API key use differs from the matrix
# description: >-
#   The organization's members_can_use_personal_api_keys setting decides whether members who are
#   not admins may call organization endpoints with personal API keys (admins and owners are never
#   restricted), but PostHog applies it only when the organization's plan has the
#   organization_security_settings feature (APIScopePermission in posthog/permissions.py): without
#   it every member may use personal API keys, whatever the setting says. The matrix's
#   members_can_use_personal_api_keys says what should happen; PostHog's default is true. The
#   rule compares what PostHog does, so a setting of false that matches a matrix forbidding keys
#   is reported as inert when the plan lacks the feature.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API keys
# schemas:
#   - input: schema.input
# custom:
#   id: PH108
#   name: member-api-keys-allowed
#   severity: low
#   area: organization
#   frameworks:
#     soc2: [CC6.1]
#     iso27001_2022: [A.5.17]
#   requires: [organization]
#   remediation: >-
#     In PostHog open Organization settings and switch "Members can use personal API keys" to match
#     the matrix, or change members_can_use_personal_api_keys in the matrix. The setting takes
#     effect only with the organization_security_settings plan feature: when the finding says the
#     setting is inert, upgrade the plan (Organization settings → Billing) or accept that members
#     may use personal API keys. Through the API: PATCH /api/organizations/{organization_id}/ with
#     {"members_can_use_personal_api_keys": false} using a key with organization:write.
#   notes: |
#     PostHog stores `members_can_use_personal_api_keys` whatever the plan. Personal API keys
#     (`APIScopePermission`) follow it only with the plan feature `organization_security_settings`; otherwise
#     every member may use them. A matrix that allows what PostHog then does is satisfied; one that forbids it
#     gets a finding naming the feature.
package hogaudit.rules.ph108

import data.hogaudit.lib.identity
import data.hogaudit.lib.org
import data.hogaudit.lib.util

feature := "organization_security_settings"

enforced if org.has_feature(feature)

raw := object.get(input.snapshot.organization, "members_can_use_personal_api_keys", null)

# effective is whether members who are not admins may use personal API
# keys: the setting with the plan feature (absent means PostHog's default,
# true), else always.
effective := raw != false if enforced

else := true

findings contains f if {
	expected := util.org_settings.members_can_use_personal_api_keys
	is_boolean(expected)
	effective != expected
	f := {
		"subject": sprintf("org:%s", [util.org_name]),
		"identity": identity.org,
		"message": message(expected),
		"evidence": {
			"members_can_use_personal_api_keys": raw, "effective": effective, "expected": expected,
			"plan_feature": feature, "feature_available": is_enforced,
		},
		"line": util.org_line("members_can_use_personal_api_keys"),
	}
}

is_enforced if enforced

else := false

message(expected) := sprintf("Organization %s lets members use personal API keys: its members_can_use_personal_api_keys is false, but PostHog ignores the setting without the %s plan feature; the matrix expects it forbidden.", [util.org_name, feature]) if {
	not enforced
	raw == false
} else := sprintf("Organization %s lets members use personal API keys; the matrix expects it forbidden (the setting also needs the %s plan feature to take effect).", [util.org_name, feature]) if {
	not enforced
} else := sprintf("Organization %s %s members use personal API keys; the matrix expects it %s.", [util.org_name, lets(effective), allowed(expected)])

lets(true) := "lets"

lets(false) := "does not let"

allowed(true) := "allowed"

allowed(false) := "forbidden"
