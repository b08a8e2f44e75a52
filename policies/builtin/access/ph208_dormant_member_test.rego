package hogaudit.rules.ph208_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph208

member(last_login, joined_at) := object.union(
	testdata.member_index("m-x", "u-x", "x@acme.com", 1, ["product"], []),
	{"last_login": last_login, "joined_at": joined_at},
)

test_active_members_pass if {
	count(ph208.findings) == 0 with input as testdata.input_doc
}

test_fires_after_dormant_after_days if {
	doc := testdata.with_members({"m-x": member(testdata.ts(91), testdata.ts(400))})
	ph208.findings == {{
		"subject": "member:x@acme.com",
		"identity": "member:u-x",
		"message": "Member x@acme.com has not signed in for 91 days; the matrix treats members idle for 90 days as dormant.",
		"evidence": {"last_login": testdata.ts(91), "joined_at": testdata.ts(400), "dormant_after_days": 90},
		"line": 13,
	}} with input as doc
}

test_exactly_dormant_after_days_passes if {
	count(ph208.findings) == 0 with input as testdata.with_members({"m-x": member(testdata.ts(90), testdata.ts(400))})
}

test_never_signed_in_and_joined_long_ago if {
	some f in ph208.findings with input as testdata.with_members({"m-x": member(null, testdata.ts(120))})
	f.message == "Member x@acme.com has never signed in since joining 120 days ago; the matrix treats members idle for 90 days as dormant."
}

test_never_signed_in_but_joined_recently if {
	count(ph208.findings) == 0 with input as testdata.with_members({"m-x": member(null, testdata.ts(10))})
}

test_silent_without_dormant_after_days if {
	doc := object.union(testdata.with_members({"m-x": member(testdata.ts(500), testdata.ts(600))}), {"matrix": {"organization": {"dormant_after_days": null}}})
	count(ph208.findings) == 0 with input as doc
}
