package hogaudit.rules.ph201_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph201

owner(n) := testdata.member_index(sprintf("m-o%d", [n]), sprintf("u-o%d", [n]), sprintf("o%d@acme.com", [n]), 15, ["admins"], [])

test_under_the_limit_passes if {
	count(ph201.findings) == 0 with input as testdata.input_doc
}

test_exactly_max_owners_passes if {
	doc := testdata.with_members({"m-o1": owner(1)})
	count(ph201.findings) == 0 with input as doc
}

test_one_more_than_max_owners_fires if {
	doc := testdata.with_members({"m-o1": owner(1), "m-o2": owner(2)})
	ph201.findings == {{
		"subject": "org:Acme",
		"identity": "org:org-1",
		"message": "Organization Acme has 3 owners; the matrix allows at most 2.",
		"evidence": {"owners": ["alice@acme.com", "o1@acme.com", "o2@acme.com"], "count": 3, "max_owners": 2},
		"line": 8,
	}} with input as doc
}

test_silent_without_max_owners if {
	doc := object.union(testdata.with_members({"m-o1": owner(1), "m-o2": owner(2)}), {"matrix": {"organization": {"max_owners": null}}})
	count(ph201.findings) == 0 with input as doc
}
