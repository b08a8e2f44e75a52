# METADATA
# title: Member invitations differ from the matrix
# description: >-
#   The organization's members_can_invite setting decides whether members who are not admins may
#   invite people. The matrix's members_can_invite says what it should be; PostHog's default (a
#   setting never changed) is true.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog organization members and access control
# custom:
#   id: PH107
#   name: members-can-invite
#   severity: low
#   area: organization
#   requires: [organization]
#   scopes: ["organization:read"]
#   remediation: >-
#     In PostHog open Organization settings → Members and switch "Members can invite" to match the
#     matrix (the setting needs the organization_invite_settings plan feature to take effect), or
#     change members_can_invite in the matrix. Through the API: PATCH
#     /api/organizations/{organization_id}/ with {"members_can_invite": false} using a key with
#     organization:write.
package hogaudit.rules.ph107

import data.hogaudit.lib.util

findings contains f if {
	expected := util.org_settings.members_can_invite
	is_boolean(expected)
	raw := object.get(input.snapshot.organization, "members_can_invite", null)
	actual := raw != false
	actual != expected
	f := {
		"subject": sprintf("org:%s", [util.org_name]),
		"message": sprintf("Organization %s %s members invite people; the matrix expects it %s.", [util.org_name, lets(actual), allowed(expected)]),
		"evidence": {"members_can_invite": raw, "effective": actual, "expected": expected},
		"line": util.org_line("members_can_invite"),
	}
}

lets(true) := "lets"

lets(false) := "does not let"

allowed(true) := "allowed"

allowed(false) := "forbidden"
