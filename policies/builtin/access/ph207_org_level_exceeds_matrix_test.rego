package hogaudit.rules.ph207_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph207

test_compliant_fixture_passes if {
	count(ph207.findings) == 0 with input as testdata.input_doc
}

test_fires_for_an_admin_whose_groups_allow_member if {
	m := testdata.member_index("m-eve", "u-eve", "eve@acme.com", 8, ["engineering"], ["r-eng"])
	ph207.findings == {{
		"subject": "member:eve@acme.com",
		"identity": "member:u-eve",
		"message": "Member eve@acme.com is an organization admin, which bypasses every project and resource rule; its matrix groups allow at most member.",
		"evidence": {"org_level": "admin", "allowed": "member", "groups": ["engineering"], "path": {"via": "org_admin", "org_level": "admin"}},
		"line": 32,
	}} with input as testdata.with_members({"m-eve": m})
}

test_member_in_no_group_is_allowed_member if {
	m := testdata.member_index("m-dan", "u-dan", "dan@acme.com", 15, [], [])
	some f in ph207.findings with input as testdata.with_members({"m-dan": m})
	f.evidence.allowed == "member"
	f.line == 31
}

test_the_highest_group_level_counts if {
	m := testdata.member_index("m-eve", "u-eve", "eve@acme.com", 15, ["engineering", "admins"], [])
	count(ph207.findings) == 0 with input as testdata.with_members({"m-eve": m})
}

test_owner_in_a_group_allowing_admin if {
	doc := object.union(testdata.input_doc, {"matrix": {"groups": {"admins": {"org_level": "admin"}}}})
	some f in ph207.findings with input as doc
	f.subject == "member:alice@acme.com"
	f.evidence.allowed == "admin"
	f.line == 41
}
