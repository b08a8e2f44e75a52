package hogaudit.rules.ph202_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph202

admin(n) := testdata.member_index(sprintf("m-a%d", [n]), sprintf("u-a%d", [n]), sprintf("a%d@acme.com", [n]), 8, ["admins"], [])

test_under_the_limit_passes if {
	count(ph202.findings) == 0 with input as testdata.input_doc
}

test_exactly_max_admins_passes if {
	count(ph202.findings) == 0 with input as testdata.with_members({"m-a1": admin(1)})
}

test_one_more_than_max_admins_fires if {
	doc := testdata.with_members({"m-a1": admin(1), "m-a2": admin(2)})
	ph202.findings == {{
		"subject": "org:Acme",
		"identity": "org:org-1",
		"message": "Organization Acme has 3 admins; the matrix allows at most 2.",
		"evidence": {"admins": ["a1@acme.com", "a2@acme.com", "bob@acme.com"], "count": 3, "max_admins": 2},
		"line": 9,
	}} with input as doc
}

test_owners_are_not_admins if {
	owner := testdata.member_index("m-o", "u-o", "o@acme.com", 15, ["admins"], [])
	count(ph202.findings) == 0 with input as testdata.with_members({"m-a1": admin(1), "m-o": owner})
}
