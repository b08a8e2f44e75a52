# METADATA
# title: Organization level exceeds the matrix
# description: >-
#   A member's organization level (member, admin, owner) is above the highest org_level of its matrix
#   groups (member when a group does not say, and for a member in no group). Organization admins and
#   owners bypass every project and resource rule in PostHog, so an unplanned admin can reach every
#   project regardless of the access matrix.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog organization roles and access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH207
#   name: org-level-exceeds-matrix
#   severity: high
#   area: access
#   frameworks:
#     soc2: [CC6.3]
#     iso27001_2022: [A.5.18, A.8.2]
#   requires: [members, roles]
#   remediation: >-
#     In PostHog open Organization settings → Members and lower the member's level (PATCH
#     /api/organizations/{organization_id}/members/{user_uuid}/ with {"level": 1} using a key with
#     organization_member:write), or, if the level is intended, put the member in a matrix group with
#     org_level: admin or owner.
package hogaudit.rules.ph207

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

group_org_level(g) := l if {
	l := input.matrix.groups[g].org_level
	access.org_level_rank[l]
} else := "member"

allowed_rank(groups) := max({access.org_level_rank[group_org_level(g)] | some g in groups} | {1})

line(groups, allowed) := l if {
	granting := [g | some g in sort(groups); access.org_level_rank[group_org_level(g)] == allowed]
	l := util.line_of(input.matrix.groups[granting[0]], "org_level")
} else := l if {
	l := input.matrix.lines.groups
	is_number(l)
} else := util.top_line("access_matrix")

# Only admins and owners can hold more than member, the lowest org_level.
findings contains f if {
	some mid in access.org_admins
	m := input.index.members[mid]
	actual := m.org_level
	groups := access.member_groups(mid)
	allowed := allowed_rank(groups)
	access.org_level_rank[actual] > allowed
	allowed_name := access.org_level_name(allowed)
	f := {
		"subject": sprintf("member:%s", [m.email]),
		"identity": identity.member(mid),
		"message": sprintf("Member %s is an organization %s, which bypasses every project and resource rule; its matrix groups allow at most %s.", [m.email, actual, allowed_name]),
		"evidence": {"org_level": actual, "allowed": allowed_name, "groups": sort(groups), "path": {"via": "org_admin", "org_level": actual}},
		"line": line(groups, allowed),
	}
}
