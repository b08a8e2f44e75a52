package hogaudit.rules.ph403_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph403

membership(id, actor_uuid, actor_email, before, after) := {
	"id": id, "created_at": testdata.ts(2), "scope": "OrganizationMembership", "activity": "updated",
	"item_id": "m-pat", "project_id": null, "user": {"uuid": actor_uuid, "email": actor_email},
	"detail": {
		"name": "Pat (pat@product.acme.com) membership updated in Acme",
		"changes": [{"type": "OrganizationMembership", "action": "changed", "field": "level", "before": before, "after": after}],
		"context": {"user_email": "pat@product.acme.com", "level": "administrator"},
	},
}

grant(id, project_id, before, after) := {
	"id": id, "created_at": testdata.ts(2), "scope": "Team", "activity": "updated",
	"item_id": "1", "project_id": project_id, "user": {"uuid": "u-eve", "email": "eve@acme.com"},
	"detail": {"name": "Production", "changes": [{"type": "Team", "action": "changed", "field": "access_level", "before": before, "after": after}]},
}

with_log(entries) := object.union(testdata.input_doc, {"snapshot": {"activity_log": entries}})

test_other_activity_passes if {
	count(ph403.findings) == 0 with input as testdata.input_doc
}

test_fires_when_an_untrusted_member_makes_an_admin if {
	ph403.findings == {{
		"subject": "member:pat@product.acme.com/activity/a-1",
		"identity": "activity:a-1/field:level",
		"message": "Member pat@product.acme.com was made an organization admin by eve@acme.com, who is in no matrix group allowed org_level: owner.",
		"evidence": {
			"activity_id": "a-1", "scope": "OrganizationMembership", "field": "level", "before": 1, "after": 8,
			"actor": "eve@acme.com", "actor_groups": ["engineering"], "at": testdata.ts(2),
		},
		"line": 41,
	}} with input as with_log([membership("a-1", "u-eve", "eve@acme.com", 1, 8)])
}

test_owners_group_may_grant if {
	count(ph403.findings) == 0 with input as with_log([membership("a-1", "u-bob", "bob@acme.com", 1, 15)])
}

test_level_labels_are_understood if {
	some f in ph403.findings with input as with_log([membership("a-1", "u-eve", "eve@acme.com", "member", "owner")])
	f.message == "Member pat@product.acme.com was made an organization owner by eve@acme.com, who is in no matrix group allowed org_level: owner."
}

test_demotions_pass if {
	count(ph403.findings) == 0 with input as with_log([membership("a-1", "u-eve", "eve@acme.com", 15, 8)])
}

test_former_members_are_untrusted if {
	count(ph403.findings) == 1 with input as with_log([membership("a-1", "u-gone", "gone@acme.com", 1, 8)])
}

test_system_changes_pass if {
	e := object.union(membership("a-1", "u-eve", "eve@acme.com", 1, 8), {"user": null})
	count(ph403.findings) == 0 with input as with_log([e])
}

# PostHog writes no activity-log entry for access-control changes; an entry
# that looks like one is not judged from the log.
test_access_rules_are_not_judged_from_the_log if {
	count(ph403.findings) == 0 with input as with_log([grant("a-2", 1, "member", "admin")])
}

test_outside_the_lookback_window_passes if {
	e := object.union(membership("a-1", "u-eve", "eve@acme.com", 1, 8), {"created_at": testdata.ts(40)})
	count(ph403.findings) == 0 with input as with_log([e])
}
