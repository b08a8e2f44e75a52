package hogaudit.lib.testdata_test

import data.hogaudit.lib.testdata

test_fixture_index_matches_snapshot_members if {
	doc := testdata.input_doc
	count(doc.snapshot.members) == count(doc.index.members)
	every m in doc.snapshot.members {
		doc.index.members[m.id].email == m.user.email
	}
}

test_ts_counts_days_back if {
	testdata.ts(0) == testdata.now
	testdata.ts(2) == "2026-11-25T12:00:00Z"
}

test_with_members_adds_and_rebuilds_lookups if {
	m := testdata.member_index("m-x", "u-x", "x@acme.com", 1, [], [])
	doc := testdata.with_members({"m-x": m})
	count(doc.index.members) == count(testdata.members) + 1
	doc.index.member_by_email["x@acme.com"] == "m-x"
	doc.index.member_by_user_uuid["u-x"] == "m-x"
	count(doc.snapshot.members) == count(doc.index.members)
}

test_project_rule_targets_the_project if {
	r := testdata.project_rule(7, "none", null, null)
	r.resource == "project"
	r.resource_id == "7"
}
