package hogaudit.rules.ph108_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph108

test_matching_setting_passes if {
	count(ph108.findings) == 0 with input as testdata.input_doc
}

test_fires_when_keys_are_forbidden_against_the_matrix if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"members_can_use_personal_api_keys": false}}})
	ph108.findings == {{
		"subject": "org:Acme",
		"message": "Organization Acme does not let members use personal API keys; the matrix expects it allowed.",
		"evidence": {"members_can_use_personal_api_keys": false, "effective": false, "expected": true},
		"line": 11,
	}} with input as doc
}

test_fires_when_keys_are_allowed_against_the_matrix if {
	doc := object.union(testdata.input_doc, {"matrix": {"organization": {"members_can_use_personal_api_keys": false}}})
	some f in ph108.findings with input as doc
	f.evidence.effective == true
}

test_silent_when_the_matrix_does_not_say if {
	doc := object.union(testdata.input_doc, {
		"snapshot": {"organization": {"members_can_use_personal_api_keys": false}},
		"matrix": {"organization": {"members_can_use_personal_api_keys": null}},
	})
	count(ph108.findings) == 0 with input as doc
}
