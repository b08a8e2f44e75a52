# METADATA
# title: A member belongs to no matrix group
# description: >-
#   Every member should belong to at least one group of the access matrix (through a PostHog role
#   the group is bound to, or an email or glob in its members), because the groups say what the
#   member may do. A member in no group is allowed nothing, so any project access it has is also
#   reported by PH204 (PH212 on a protected project).
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog roles and access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH203
#   name: member-not-in-matrix
#   severity: medium
#   area: access
#   frameworks:
#     soc2: [CC6.2, CC6.3]
#     iso27001_2022: [A.5.16, A.5.18]
#   requires: [members, roles]
#   remediation: >-
#     Add the member to a group in the matrix (its email or a matching glob under groups.<group>.members),
#     or give it a PostHog role that a matrix group is bound to (Organization settings → Roles). If
#     the person should not be in the organization, remove it in Organization settings → Members.
package hogaudit.rules.ph203

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

line := l if {
	l := input.matrix.lines.groups
	is_number(l)
} else := util.top_line("access_matrix")

findings contains f if {
	some p in access.profiles
	count([g | some g in p.groups]) == 0
	some mid in access.members_by_profile[p]
	m := input.index.members[mid]
	f := {
		"subject": sprintf("member:%s", [m.email]),
		"identity": identity.member(mid),
		"message": sprintf("Member %s belongs to no group of the access matrix; every member needs a group that says what it may do.", [m.email]),
		"evidence": {"org_level": m.org_level, "roles": access.member_roles(mid)},
		"line": line,
	}
}
