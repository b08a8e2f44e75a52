package hogaudit.lib.util_test

import data.hogaudit.lib.testdata
import data.hogaudit.lib.util

test_line_of_prefers_the_key if {
	util.line_of({"line": 3, "lines": {"a": 4}}, "a") == 4
}

test_line_of_falls_back_to_the_node_then_the_document if {
	util.line_of({"line": 3, "lines": {}}, "a") == 3
	util.line_of({}, "a") == 1 with input as testdata.input_doc
	util.line_of({}, "a") == 7 with input as {"matrix": {"line": 7}}
}

test_org_line if {
	util.org_line("require_2fa") == 7 with input as testdata.input_doc
	util.org_line("unknown") == 3 with input as testdata.input_doc
	util.org_line("require_2fa") == 1 with input as {"matrix": {}}
}

test_org_name if {
	util.org_name == "Acme" with input as testdata.input_doc
	util.org_name == "Beta" with input as {"snapshot": {"organization": {"name": "Beta"}}}
	util.org_name == "organization" with input as {}
}

test_now_ns_from_now_when_now_ns_absent if {
	util.now_ns == time.parse_rfc3339_ns("2026-11-27T12:00:00Z") with input as {"now": "2026-11-27T12:00:00Z"}
}

test_older_than_days_boundary if {
	util.older_than_days(testdata.ts(91), 90) with input as testdata.input_doc
	not util.older_than_days(testdata.ts(90), 90) with input as testdata.input_doc
	not util.older_than_days(null, 90) with input as testdata.input_doc
}

test_within_days_boundary if {
	util.within_days(testdata.ts(30), 30) with input as testdata.input_doc
	not util.within_days("2026-10-28T11:59:59Z", 30) with input as testdata.input_doc
}

test_email_domain if {
	util.email_domain("Alice@ACME.com") == "acme.com"
	not util.email_domain("nobody")
}

test_domain_allowed_is_case_insensitive_and_exact if {
	util.domain_allowed("a@Acme.com", ["ACME.COM"])
	not util.domain_allowed("a@sub.acme.com", ["acme.com"])
}

test_email_matches_globs_across_dots if {
	util.email_matches("Pat@Product.Acme.com", ["*@product.acme.com"])
	util.email_matches("a.b@acme.com", ["*@acme.com"])
	not util.email_matches("pat@acme.com", ["*@product.acme.com"])
}

test_blank if {
	util.blank(null)
	util.blank("")
	not util.blank("x")
}
