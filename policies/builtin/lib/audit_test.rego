package hogaudit.lib.audit_test

import data.hogaudit.lib.audit
import data.hogaudit.lib.testdata

doc := testdata.input_doc

test_lookback_defaults_to_30 if {
	audit.lookback_days == 30 with input as {}
	audit.lookback_days == 7 with input as {"matrix": {"audit": {"lookback_days": 7}}}
}

test_window_boundary if {
	audit.in_window({"created_at": testdata.ts(30)}) with input as doc
	not audit.in_window({"created_at": "2026-10-28T11:59:59Z"}) with input as doc
}

test_project_key if {
	audit.project_key({"project_id": 1}) == "production_project" with input as doc
	not audit.project_key({"project_id": null}) with input as doc
	not audit.project_key({"project_id": 9}) with input as doc
}

test_actor if {
	e := {"user": {"uuid": "u-eve", "email": "Eve@acme.com"}}
	audit.actor_email(e) == "eve@acme.com"
	audit.actor_groups(e) == ["engineering"] with input as doc
	audit.actor_groups({"user": {"uuid": "gone", "email": "gone@acme.com"}}) == [] with input as doc
	not audit.actor_email({"user": null})
}

test_membership_rank if {
	audit.membership_rank(8) == 8
	audit.membership_rank("administrator") == 8
	audit.membership_rank("Owner") == 15
	audit.membership_rank(null) == 0
}

test_changes if {
	audit.changes({"detail": null}) == []
	audit.changes({"detail": {"changes": null}}) == []
	count(audit.changes(testdata.snapshot.activity_log[0])) == 1
}
