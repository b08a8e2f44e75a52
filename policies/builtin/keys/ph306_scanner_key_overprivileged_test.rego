package hogaudit.rules.ph306_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph306

with_scanner_scopes(scopes) := object.union(testdata.input_doc, {"snapshot": {"api_keys": [
	object.union(testdata.snapshot.api_keys[0], {"scopes": scopes}),
	testdata.snapshot.api_keys[1],
]}})

test_exact_read_scopes_pass if {
	count(ph306.findings) == 0 with input as testdata.input_doc
}

test_fewer_scopes_pass if {
	count(ph306.findings) == 0 with input as with_scanner_scopes(["organization:read"])
}

test_fires_on_a_write_scope if {
	fs := ph306.findings with input as with_scanner_scopes(["organization:read", "organization:write"])
	some f in fs
	f.subject == "key:hogaudit"
	f.identity == "key:k-scan"
	f.message == "The scanning key hogaudit holds more than the read scopes hogaudit needs: organization:write."
	f.evidence.write == ["organization:write"]
	f.line == 15
}

test_fires_on_star if {
	some f in ph306.findings with input as with_scanner_scopes(["*"])
	f.evidence.extra == ["*"]
}

test_fires_on_a_legacy_key if {
	some f in ph306.findings with input as with_scanner_scopes([])
	f.evidence.extra == ["*"]
}

test_fires_on_another_read_scope if {
	some f in ph306.findings with input as with_scanner_scopes(["organization:read", "insight:read"])
	f.evidence.extra == ["insight:read"]
	f.evidence.write == []
}

test_audit_keys_are_not_judged_here if {
	doc := object.union(testdata.input_doc, {"snapshot": {"api_keys": [testdata.snapshot.api_keys[0], object.union(testdata.snapshot.api_keys[1], {"scopes": ["*"]})]}})
	count(ph306.findings) == 0 with input as doc
}
