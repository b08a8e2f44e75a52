# METADATA
# title: A pending invite is risky
# description: >-
#   A pending (not expired) invite would, once accepted, make someone an organization admin or
#   owner, bring in an email outside the matrix's allowed_email_domains, or give private project
#   access (private_project_access) above what the invitee's matrix groups allow for that project.
#   The invitee's groups are those whose members patterns match its email (a role comes only after
#   joining). Expired invites are ignored, by PostHog's own is_expired as collected (its invites
#   expire after three days).
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog organization members and access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH210
#   name: risky-invite
#   severity: medium
#   area: access
#   frameworks:
#     soc2: [CC6.2]
#     iso27001_2022: [A.5.16, A.5.18]
#   requires: [invites, projects]
#   remediation: >-
#     In PostHog open Organization settings → Members → Pending invites and cancel the invite (DELETE
#     /api/organizations/{organization_id}/invites/{invite_id}/ with a key with
#     organization_member:write), then invite again at member level, with a company address and with
#     no project access beyond what the matrix allows. If the invite is intended, add the invitee to
#     a matrix group that allows it.
package hogaudit.rules.ph210

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

settings := util.org_settings

allowed_domains := util.array_or_empty(settings.allowed_email_domains)

# invitee_groups are the matrix groups whose members patterns match email.
invitee_groups(email) := sort([g |
	some g, group in object.get(input.matrix, "groups", {})
	util.email_matches(email, util.array_or_empty(group.members))
])

# project_grants are the invite's private project accesses above what the
# invitee's groups allow, on projects bound to a matrix key.
project_grants(invite, groups) := [{"project": k, "project_id": a.id, "level": a.level, "allowed": access.project_level_names[allowed]} |
	some a in util.array_or_empty(invite.private_project_access)
	k := access.bound_projects[format_int(a.id, 10)]
	allowed := access.groups_project_rank(groups, k)
	access.project_rank[a.level] > allowed
]

reasons(invite, grants) := [r |
	some r in ["level", "domain", "project"]
	has_reason(invite, grants, r)
]

has_reason(invite, _, "level") if invite.level >= 8

has_reason(invite, _, "domain") if {
	count(allowed_domains) > 0
	not util.domain_allowed(invite.target_email, allowed_domains)
}

has_reason(_, grants, "project") if count(grants) > 0

describe := {
	"level": "would make the invitee an organization %s",
	"domain": "is for an email outside the allowed domains",
	"project": "grants project access above the matrix",
}

phrase(invite, "level") := sprintf(describe.level, [access.org_level_name(invite.level)])

phrase(_, r) := describe[r] if r != "level"

findings contains f if {
	some invite in util.array_or_empty(input.snapshot.invites)
	invite.is_expired == false
	groups := invitee_groups(invite.target_email)
	grants := project_grants(invite, groups)
	rs := reasons(invite, grants)
	count(rs) > 0
	f := {
		"subject": sprintf("invite:%s", [lower(invite.target_email)]),
		"identity": identity.invite(invite),
		"message": sprintf("Pending invite for %s %s.", [invite.target_email, concat(", and ", [phrase(invite, r) | some r in rs])]),
		"evidence": {
			"reasons": rs,
			"level": access.org_level_name(invite.level),
			"groups": groups,
			"projects": grants,
			"created_at": object.get(invite, "created_at", null),
		},
		"line": invite_line(rs, grants),
	}
}

invite_line(rs, grants) := util.org_line("allowed_email_domains") if {
	"domain" in rs
} else := util.node_line(input.matrix.projects[grants[0].project]) if {
	"project" in rs
} else := util.top_line("organization")
