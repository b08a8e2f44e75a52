package hogaudit.rules.ph203_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph203

test_members_in_groups_pass if {
	count(ph203.findings) == 0 with input as testdata.input_doc
}

test_fires_for_a_member_in_no_group if {
	m := testdata.member_index("m-dan", "u-dan", "dan@acme.com", 1, [], ["r-prod"])
	ph203.findings == {{
		"subject": "member:dan@acme.com",
		"identity": "member:u-dan",
		"message": "Member dan@acme.com belongs to no group of the access matrix; every member needs a group that says what it may do.",
		"evidence": {"org_level": "member", "roles": ["r-prod"]},
		"line": 31,
	}} with input as testdata.with_members({"m-dan": m})
}

test_null_groups_count_as_none if {
	m := object.union(testdata.member_index("m-dan", "u-dan", "dan@acme.com", 1, [], []), {"groups": null})
	count(ph203.findings) == 1 with input as testdata.with_members({"m-dan": m})
}
