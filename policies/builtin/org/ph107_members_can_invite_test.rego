package hogaudit.rules.ph107_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph107

test_matching_setting_passes if {
	count(ph107.findings) == 0 with input as testdata.input_doc
}

test_fires_when_members_may_invite if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"members_can_invite": true}}})
	ph107.findings == {{
		"subject": "org:Acme",
		"message": "Organization Acme lets members invite people; the matrix expects it forbidden.",
		"evidence": {"members_can_invite": true, "effective": true, "expected": false},
		"line": 10,
	}} with input as doc
}

test_null_means_posthogs_default_true if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"members_can_invite": null}}})
	some f in ph107.findings with input as doc
	f.evidence.effective == true
}

test_fires_the_other_way if {
	doc := object.union(testdata.input_doc, {"matrix": {"organization": {"members_can_invite": true}}})
	some f in ph107.findings with input as doc
	f.message == "Organization Acme does not let members invite people; the matrix expects it allowed."
}

test_silent_when_the_matrix_does_not_say if {
	doc := object.union(testdata.input_doc, {
		"snapshot": {"organization": {"members_can_invite": true}},
		"matrix": {"organization": {"members_can_invite": null}},
	})
	count(ph107.findings) == 0 with input as doc
}
