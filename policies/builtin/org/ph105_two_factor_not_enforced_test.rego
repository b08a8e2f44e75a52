package hogaudit.rules.ph105_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph105

test_enforced_passes if {
	count(ph105.findings) == 0 with input as testdata.input_doc
}

test_fires_when_off if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"enforce_2fa": false}}})
	ph105.findings == {{
		"subject": "org:Acme",
		"identity": "org:org-1",
		"message": "Organization Acme does not enforce two-factor authentication; the matrix requires it.",
		"evidence": {"enforce_2fa": false},
		"line": 7,
	}} with input as doc
}

test_fires_when_never_set if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"enforce_2fa": null}}})
	some f in ph105.findings with input as doc
	f.evidence.enforce_2fa == null
}

test_silent_when_not_required if {
	doc := object.union(testdata.input_doc, {
		"snapshot": {"organization": {"enforce_2fa": false}},
		"matrix": {"organization": {"require_2fa": false}},
	})
	count(ph105.findings) == 0 with input as doc
}
