# METADATA
# title: The organization has more owners than the matrix allows
# description: >-
#   Owners (membership level 15) hold every permission in a PostHog organization, including
#   deleting it, managing billing and bypassing every project and resource rule. The matrix's
#   max_owners caps how many there may be.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog access control and organization roles
# schemas:
#   - input: schema.input
# custom:
#   id: PH201
#   name: too-many-owners
#   severity: medium
#   area: access
#   frameworks:
#     soc2: [CC6.3]
#     iso27001_2022: [A.5.15, A.8.2]
#   requires: [members]
#   remediation: >-
#     In PostHog open Organization settings → Members and lower the level of the owners that do not
#     need it (to admin or member). Through the API: PATCH
#     /api/organizations/{organization_id}/members/{user_uuid}/ with {"level": 8} using a key with
#     organization_member:write (owners can only be changed by an owner).
package hogaudit.rules.ph201

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

findings contains f if {
	limit := util.org_settings.max_owners
	is_number(limit)
	owners := sort([input.index.members[mid].email | some mid in access.org_admins; input.index.members[mid].org_level == "owner"])
	count(owners) > limit
	f := {
		"subject": sprintf("org:%s", [util.org_name]),
		"identity": identity.org,
		"message": sprintf("Organization %s has %d owners; the matrix allows at most %d.", [util.org_name, count(owners), limit]),
		"evidence": {"owners": owners, "count": count(owners), "max_owners": limit},
		"line": util.org_line("max_owners"),
	}
}
