# METADATA
# title: Member invitations differ from the matrix
# description: >-
#   The organization's members_can_invite setting decides whether members who are not admins may
#   invite people, but PostHog applies it only when the organization's plan has the
#   organization_invite_settings feature (UserCanInvitePermission in posthog/permissions.py): without
#   it every member may invite, whatever the setting says. The matrix's members_can_invite says what
#   should happen. The rule compares what PostHog does: with the feature, members may invite when
#   the setting is true (false or null forbid it); without it, they always may, so a setting of
#   false that matches a matrix forbidding invitations is reported as inert.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog organization members and access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH107
#   name: members-can-invite
#   severity: low
#   area: organization
#   frameworks:
#     soc2: [CC6.2]
#     iso27001_2022: [A.5.16, A.5.18]
#   requires: [organization]
#   remediation: >-
#     In PostHog open Organization settings → Members and switch "Members can invite" to match the
#     matrix, or change members_can_invite in the matrix. The setting takes effect only with the
#     organization_invite_settings plan feature: when the finding says the setting is inert,
#     upgrade the plan (Organization settings → Billing) or accept that members may invite.
#     Through the API: PATCH /api/organizations/{organization_id}/ with
#     {"members_can_invite": false} using a key with organization:write.
#   notes: |
#     PostHog stores `members_can_invite` whatever the plan. Invitations (`UserCanInvitePermission`) follow it
#     (null forbids, as `bool(None)`) only with the plan feature `organization_invite_settings`; otherwise every
#     member may invite. A matrix that allows what PostHog then does is satisfied; one that forbids it gets a
#     finding naming the feature.
package hogaudit.rules.ph107

import data.hogaudit.lib.identity
import data.hogaudit.lib.org
import data.hogaudit.lib.util

feature := "organization_invite_settings"

enforced if org.has_feature(feature)

raw := object.get(input.snapshot.organization, "members_can_invite", null)

# effective is whether members who are not admins may invite: the setting
# (read as PostHog's bool(members_can_invite)) with the plan feature, else
# always.
effective := raw == true if enforced

else := true

findings contains f if {
	expected := util.org_settings.members_can_invite
	is_boolean(expected)
	effective != expected
	f := {
		"subject": sprintf("org:%s", [util.org_name]),
		"identity": identity.org,
		"message": message(expected),
		"evidence": {
			"members_can_invite": raw, "effective": effective, "expected": expected,
			"plan_feature": feature, "feature_available": is_enforced,
		},
		"line": util.org_line("members_can_invite"),
	}
}

is_enforced if enforced

else := false

message(expected) := sprintf("Organization %s lets members invite people: its members_can_invite is false, but PostHog ignores the setting without the %s plan feature; the matrix expects it forbidden.", [util.org_name, feature]) if {
	not enforced
	raw == false
} else := sprintf("Organization %s lets members invite people; the matrix expects it forbidden (the setting also needs the %s plan feature to take effect).", [util.org_name, feature]) if {
	not enforced
} else := sprintf("Organization %s %s members invite people; the matrix expects it %s.", [util.org_name, lets(effective), allowed(expected)])

lets(true) := "lets"

lets(false) := "does not let"

allowed(true) := "allowed"

allowed(false) := "forbidden"
