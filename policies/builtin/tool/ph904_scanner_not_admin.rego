# METADATA
# title: The scanning key is not an organization admin's
# description: >-
#   PostHog answers a personal API key with what its user may see. A key whose user is below
#   organization admin (membership_level below 8 on the organization response, or not reported at
#   all) is shown only the projects that user can reach, so private projects are missing from the
#   snapshot; with members_can_see_org_members off it is shown, in the member list and in role
#   memberships, only itself and the members of its projects. The snapshot records those sections
#   as partial, the rules that need them are not evaluated and the check exits 2, rather than
#   reporting on a complete-looking organization with private projects left out.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog organization levels and project access
# schemas:
#   - input: schema.input
# custom:
#   id: PH904
#   name: scanner-not-admin
#   severity: high
#   area: tool
#   frameworks:
#     soc2: [CC4.1]
#     iso27001_2022: [A.5.36]
#   requires: [organization]
#   remediation: >-
#     Scan with a personal API key of an organization admin or owner (Organization settings →
#     Members shows each member's level), with only the read scopes hogaudit needs and scoped to
#     this organization; then scan again.
#   notes: |
#     PostHog answers a personal API key with what its user may see. A key whose user is not an organization admin
#     or owner is listed only the projects that user can reach (`posthog/api/routing.py`, `include_all_if_admin`;
#     `posthog/user_permissions.py`), and, when the organization has `members_can_see_org_members: false` (newest
#     PostHog), only itself and the members of its projects in the member list and in role memberships
#     (`restricted_visible_membership_ids`). hogaudit records those sections as partial (a `missing` record with
#     `cause: scanner_not_admin` and the key's `scanner_level`), keeps what it could read, does not evaluate the
#     rules that need them, does not report a hidden project as unbound (PH903), and exits 2. A level PostHog does
#     not report is not taken for admin. When the organization itself cannot be read, the project list, member
#     list and role memberships cannot be confirmed complete either (`cause: scanner_level_unknown`; PH901 names
#     `organization:read`).
package hogaudit.rules.ph904

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

org := input.snapshot.organization

level := object.get(org, "membership_level", null)

# A level PostHog did not report is not taken for admin.
admin if {
	is_number(level)
	level >= 8
}

who := sprintf("an organization member (level %d)", [level]) if {
	level == 1
} else := sprintf("a user of organization level %d", [level]) if {
	is_number(level)
} else := "a user whose organization level PostHog did not report (membership_level is null)"

scanner_keys := [k | some k in util.array_or_empty(input.snapshot.api_keys); k.source == "scanner"]

subject := sprintf("key:%s", [scanner_keys[0].label]) if {
	count(scanner_keys) > 0
} else := sprintf("org:%s", [util.org_name])

scanner_identity := identity.key(scanner_keys[0]) if {
	count(scanner_keys) > 0
} else := identity.org

key_name := sprintf(" %s", [scanner_keys[0].label]) if {
	count(scanner_keys) > 0
} else := ""

# The sections the snapshot recorded as partial for this reason, in the
# snapshot's order.
partial := [m.section |
	some m in util.array_or_empty(input.snapshot.missing)
	object.get(m, "cause", "") == "scanner_not_admin"
]

consequence := sprintf("so %s may be missing items it cannot see", [concat(", ", partial)]) if {
	count(partial) > 0
} else := "so private projects may be missing from the snapshot"

findings contains f if {
	is_object(org)
	not admin
	f := {
		"subject": subject,
		"identity": scanner_identity,
		"message": sprintf(
			"The scanning key%s belongs to %s, not an organization admin: PostHog shows it only what its user can reach, %s; use an organization admin's or owner's key.",
			[key_name, who, consequence],
		),
		"evidence": {
			"membership_level": level,
			"members_can_see_org_members": object.get(org, "members_can_see_org_members", null),
			"partial_sections": partial,
		},
		"line": util.doc_line,
	}
}
