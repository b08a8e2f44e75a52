# METADATA
# title: Privileges were granted by someone the matrix does not allow
# description: >-
#   Within the audit lookback window (the matrix's audit.lookback_days, default 30), a member was raised to organization admin or owner
#   (OrganizationMembership level change) by someone none of whose matrix groups is allowed
#   org_level: owner. Organization admins can grant themselves and others any access, so privilege
#   grants should come only from the people the matrix trusts with ownership. System changes (no
#   actor) are not reported. Membership changes are organization-level entries: newest PostHog shows
#   them in the organization-wide activity log (organization admins, plan feature audit_logs) and in
#   a project's log only when the project has receive_org_level_activity_logs; when no source could
#   show them the rule is not evaluated. Access rules granting admin on a protected project are not
#   judged here: PostHog writes no activity-log entry for access-control changes, so PH404 finds them
#   by comparing with the previous snapshot (--previous), and PH204 and PH205 judge the rules in force.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog access control and organization roles
# schemas:
#   - input: schema.input
# custom:
#   id: PH403
#   name: privilege-granted
#   severity: medium
#   area: audit
#   frameworks:
#     soc2: [CC6.3, CC7.2]
#     iso27001_2022: [A.5.18, A.8.2, A.8.16]
#   requires: [organization_activity_log, members, roles]
#   remediation: >-
#     Review the grant with the person who made it: if it was not approved, lower the member's level
#     in PostHog's Organization settings → Members. Consider lowering the granter's organization
#     level, or add the granter to a matrix group with org_level: owner if granting is part of the
#     role.
#   notes: |
#     PH403 reads the organization-level entries PH402 reads, from the same sources (PH402's notes).
package hogaudit.rules.ph403

import data.hogaudit.lib.access
import data.hogaudit.lib.audit
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

level_fields := {"level", "membership level"}

# trusted is true when one of the actor's groups is allowed org_level: owner.
trusted(e) if {
	some g in audit.actor_groups(e)
	input.matrix.groups[g].org_level == "owner"
}

owner_group_line := l if {
	owners := [g | some g, group in input.matrix.groups; group.org_level == "owner"]
	l := util.line_of(input.matrix.groups[sort(owners)[0]], "org_level")
} else := l if {
	l := input.matrix.lines.groups
	is_number(l)
} else := util.top_line("access_matrix")

target(e) := lower(t) if {
	t := e.detail.context.user_email
	is_string(t)
} else := object.get(e, "item_id", e.id)

evidence(e, c, actor) := {
	"activity_id": e.id,
	"scope": e.scope,
	"field": c.field,
	"before": object.get(c, "before", null),
	"after": object.get(c, "after", null),
	"actor": actor,
	"actor_groups": sort(audit.actor_groups(e)),
	"at": e.created_at,
}

# A member raised to admin or owner.
findings contains f if {
	some e in audit.entries_of("OrganizationMembership")
	some c in e.detail.changes
	c.field in level_fields
	after := audit.membership_rank(object.get(c, "after", null))
	after >= 8
	after > audit.membership_rank(object.get(c, "before", null))
	audit.in_window(e)
	actor := audit.actor_email(e)
	not trusted(e)
	who := target(e)
	f := {
		"subject": sprintf("member:%s/activity/%s", [who, e.id]),
		"identity": identity.join([identity.activity(e), sprintf("field:%v", [c.field])]),
		"message": sprintf("Member %s was made an organization %s by %s, who is in no matrix group allowed org_level: owner.", [who, access.org_level_name(after), actor]),
		"evidence": evidence(e, c, actor),
		"line": owner_group_line,
	}
}
