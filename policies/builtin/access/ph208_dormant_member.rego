# METADATA
# title: A member is dormant
# description: >-
#   A member has not signed in to PostHog for the matrix's dormant_after_days, or has never signed
#   in and joined longer ago than that. Dormant accounts keep their access and their personal API
#   keys, and are a common way into an organization.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog organization members and access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH208
#   name: dormant-member
#   severity: low
#   area: access
#   frameworks:
#     soc2: [CC6.2]
#     iso27001_2022: [A.5.16, A.5.18]
#   requires: [members]
#   remediation: >-
#     Confirm the person still needs access; if not, remove the member in PostHog's Organization
#     settings → Members (DELETE /api/organizations/{organization_id}/members/{user_uuid}/ with a key
#     with organization_member:write), which also stops its personal API keys from reaching the
#     organization.
package hogaudit.rules.ph208

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

days := d if {
	d := util.org_settings.dormant_after_days
	is_number(d)
}

cutoff_ns := util.now_ns - (days * util.day_ns)

# Signed in, but not since the cutoff.
findings contains f if {
	some m in input.index.members
	is_number(m.last_login_ns)
	m.last_login_ns < cutoff_ns
	f := finding(m, sprintf("Member %s has not signed in for %d days; the matrix treats members idle for %d days as dormant.", [m.email, util.age_days(m.last_login), days]))
}

# Never signed in, and joined before the cutoff.
findings contains f if {
	some m in input.index.members
	object.get(m, "last_login_ns", null) == null
	m.joined_at_ns < cutoff_ns
	f := finding(m, sprintf("Member %s has never signed in since joining %d days ago; the matrix treats members idle for %d days as dormant.", [m.email, util.age_days(m.joined_at), days]))
}

finding(m, message) := {
	"subject": sprintf("member:%s", [m.email]),
	"identity": identity.member(m.id),
	"message": message,
	"evidence": {"last_login": object.get(m, "last_login", null), "joined_at": object.get(m, "joined_at", null), "dormant_after_days": days},
	"line": util.org_line("dormant_after_days"),
}
