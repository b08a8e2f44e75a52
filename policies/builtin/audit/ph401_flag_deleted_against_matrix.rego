# METADATA
# title: A feature flag was deleted against the matrix
# description: >-
#   Within the audit lookback window (the matrix's audit.lookback_days, default 30), a feature flag was deleted in a project by a member whose
#   matrix group for that project says can_delete_flags: false (and no other group of the member
#   allows it). PostHog's access levels cannot express "edit but not delete" (editor covers both),
#   so the matrix's can_delete_flags is checked against the activity log: a FeatureFlag "deleted"
#   entry, or an update that sets the flag's deleted field to true (PostHog's soft delete).
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog access control
#   - ref: https://posthog.com/docs/feature-flags
#     description: PostHog feature flags
# schemas:
#   - input: schema.input
# custom:
#   id: PH401
#   name: flag-deleted-against-matrix
#   severity: high
#   area: audit
#   frameworks:
#     soc2: [CC7.2, CC8.1]
#     iso27001_2022: [A.8.15, A.8.32]
#   requires: [activity_log, members, roles, projects]
#   remediation: >-
#     Check with the member why the flag was deleted and restore it if needed (PostHog keeps deleted
#     flags: PATCH /api/projects/{project_id}/feature_flags/{id}/ with {"deleted": false}, or the
#     flag's history in the activity log). To prevent it, give the group viewer access to feature
#     flags in Project settings → Access control and route changes through someone allowed to
#     delete, or allow deletion in the matrix.
#   notes: |
#     PH401 reads project entries, and still runs from the projects' own activity logs when the organization-wide
#     log does not answer (PH402's notes say where the entries come from).
package hogaudit.rules.ph401

import data.hogaudit.lib.access
import data.hogaudit.lib.audit
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

deletion(e) if e.activity == "deleted"

deletion(e) if {
	e.activity in {"updated", "changed"}
	some c in e.detail.changes
	c.field == "deleted"
	c.after == true
}

allows(groups, k) if {
	some g in groups
	e := input.matrix.access_matrix[g].projects[k]
	object.get(e, "can_delete_flags", true) == true
}

findings contains f if {
	some e in audit.entries_of("FeatureFlag")
	deletion(e)
	k := audit.project_key(e)
	audit.in_window(e)
	mid := access.member_of_user(e.user)
	email := input.index.members[mid].email
	groups := sort(access.member_groups(mid))
	denying := [g | some g in groups; input.matrix.access_matrix[g].projects[k].can_delete_flags == false]
	count(denying) > 0
	not allows(groups, k)
	flag := flag_name(e)
	f := {
		"subject": sprintf("member:%s/flag/%s", [email, flag_id(e)]),
		"identity": identity.join([identity.member(mid), sprintf("flag:%v", [flag_id(e)]), identity.project(e.project_id)]),
		"project": k,
		"message": sprintf("Member %s deleted feature flag %s in %s; its matrix group %s says can_delete_flags: false.", [email, flag, k, denying[0]]),
		"evidence": {
			"flag": flag,
			"flag_id": object.get(e, "item_id", null),
			"deleted_at": e.created_at,
			"activity_id": e.id,
			"groups_denying": denying,
		},
		"line": util.line_of(input.matrix.access_matrix[denying[0]].projects[k], "can_delete_flags"),
	}
}

flag_name(e) := n if {
	n := e.detail.name
	is_string(n)
	n != ""
} else := flag_id(e)

flag_id(e) := i if {
	i := e.item_id
	is_string(i)
	i != ""
} else := e.id
