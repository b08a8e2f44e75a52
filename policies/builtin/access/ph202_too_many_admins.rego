# METADATA
# title: The organization has more admins than the matrix allows
# description: >-
#   Admins (membership level 8) manage members, invites, projects and access rules, and bypass every
#   project and resource rule. The matrix's max_admins caps how many there may be; owners are
#   counted by PH201, not here.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog access control and organization roles
# schemas:
#   - input: schema.input
# custom:
#   id: PH202
#   name: too-many-admins
#   severity: medium
#   area: access
#   frameworks:
#     soc2: [CC6.3]
#     iso27001_2022: [A.5.15, A.8.2]
#   requires: [members]
#   remediation: >-
#     In PostHog open Organization settings → Members and lower the level of the admins that do not
#     need it to member; grant project access through roles and Project settings → Access control
#     instead. Through the API: PATCH /api/organizations/{organization_id}/members/{user_uuid}/ with
#     {"level": 1} using a key with organization_member:write.
package hogaudit.rules.ph202

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

findings contains f if {
	limit := util.org_settings.max_admins
	is_number(limit)
	admins := sort([input.index.members[mid].email | some mid in access.org_admins; input.index.members[mid].org_level == "admin"])
	count(admins) > limit
	f := {
		"subject": sprintf("org:%s", [util.org_name]),
		"identity": identity.org,
		"message": sprintf("Organization %s has %d admins; the matrix allows at most %d.", [util.org_name, count(admins), limit]),
		"evidence": {"admins": admins, "count": count(admins), "max_admins": limit},
		"line": util.org_line("max_admins"),
	}
}
