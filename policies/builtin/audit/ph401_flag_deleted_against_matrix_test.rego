package hogaudit.rules.ph401_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph401

deleted(id, days, project_id, uuid, email) := {
	"id": id, "created_at": testdata.ts(days), "scope": "FeatureFlag", "activity": "deleted",
	"item_id": "42", "project_id": project_id, "user": {"uuid": uuid, "email": email},
	"detail": {"name": "new-checkout", "changes": null},
}

with_log(entries) := object.union(testdata.input_doc, {"snapshot": {"activity_log": entries}})

test_other_activity_passes if {
	count(ph401.findings) == 0 with input as testdata.input_doc
}

test_fires_for_a_deletion_the_matrix_forbids if {
	ph401.findings == {{
		"subject": "member:eve@acme.com/flag/42",
		"identity": "member:u-eve/flag:42/project:1",
		"project": "production_project",
		"message": "Member eve@acme.com deleted feature flag new-checkout in production_project; its matrix group engineering says can_delete_flags: false.",
		"evidence": {
			"flag": "new-checkout", "flag_id": "42", "deleted_at": testdata.ts(3),
			"activity_id": "a-9", "groups_denying": ["engineering"],
		},
		"line": 52,
	}} with input as with_log([deleted("a-9", 3, 1, "u-eve", "eve@acme.com")])
}

test_soft_delete_counts if {
	e := object.union(deleted("a-9", 3, 1, "u-eve", "eve@acme.com"), {
		"activity": "updated",
		"detail": {"name": "new-checkout", "changes": [{"type": "FeatureFlag", "action": "changed", "field": "deleted", "before": false, "after": true}]},
	})
	count(ph401.findings) == 1 with input as with_log([e])
}

test_deletion_where_the_matrix_allows_it if {
	count(ph401.findings) == 0 with input as with_log([deleted("a-9", 3, 2, "u-eve", "eve@acme.com")])
}

test_another_group_allowing_deletion_wins if {
	m := testdata.member_index("m-eve", "u-eve", "eve@acme.com", 1, ["engineering", "admins"], ["r-eng"])
	doc := object.union(testdata.with_members({"m-eve": m}), {"snapshot": {"activity_log": [deleted("a-9", 3, 1, "u-eve", "eve@acme.com")]}})
	count(ph401.findings) == 0 with input as doc
}

test_actor_resolved_by_email if {
	count(ph401.findings) == 1 with input as with_log([deleted("a-9", 3, 1, "other-uuid", "Eve@acme.com")])
}

test_lookback_boundary if {
	count(ph401.findings) == 1 with input as with_log([deleted("a-9", 30, 1, "u-eve", "eve@acme.com")])
	old := object.union(deleted("a-9", 30, 1, "u-eve", "eve@acme.com"), {"created_at": "2026-10-28T11:59:59Z"})
	count(ph401.findings) == 0 with input as with_log([old])
}

test_members_of_groups_without_a_rule_pass if {
	count(ph401.findings) == 0 with input as with_log([deleted("a-9", 3, 1, "u-pat", "pat@product.acme.com")])
}

test_organization_level_and_unbound_entries_pass if {
	count(ph401.findings) == 0 with input as with_log([
		deleted("a-8", 3, null, "u-eve", "eve@acme.com"),
		deleted("a-9", 3, 9, "u-eve", "eve@acme.com"),
	])
}
