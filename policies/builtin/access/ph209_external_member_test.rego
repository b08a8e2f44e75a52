package hogaudit.rules.ph209_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph209

test_company_members_pass if {
	count(ph209.findings) == 0 with input as testdata.input_doc
}

# The engine writes emails in lower case (index.members[].email), their
# domain apart (email_domain).
test_fires_for_an_external_member if {
	m := testdata.member_index("m-x", "u-x", "x@Gmail.com", 1, ["product"], [])
	ph209.findings == {{
		"subject": "member:x@gmail.com",
		"identity": "member:u-x",
		"message": "Member x@gmail.com has an email outside the allowed domains (acme.com, product.acme.com).",
		"evidence": {"domain": "gmail.com", "allowed_email_domains": ["acme.com", "product.acme.com"]},
		"line": 12,
	}} with input as testdata.with_members({"m-x": m})
}

test_subdomains_must_be_listed if {
	m := testdata.member_index("m-x", "u-x", "x@eu.acme.com", 1, ["product"], [])
	count(ph209.findings) == 1 with input as testdata.with_members({"m-x": m})
}

test_silent_without_allowed_domains if {
	m := testdata.member_index("m-x", "u-x", "x@gmail.com", 1, ["product"], [])
	doc := object.union(testdata.with_members({"m-x": m}), {"matrix": {"organization": {"allowed_email_domains": []}}})
	count(ph209.findings) == 0 with input as doc
}
