package hogaudit.rules.ph108_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph108

without_feature(doc) := object.union(doc, {"snapshot": {"organization": {"available_product_features": ["access_control", "organization_invite_settings"]}}})

forbidding := object.union(testdata.input_doc, {"matrix": {"organization": {"members_can_use_personal_api_keys": false}}})

test_matching_setting_passes if {
	count(ph108.findings) == 0 with input as testdata.input_doc
}

test_fires_when_keys_are_forbidden_against_the_matrix if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"members_can_use_personal_api_keys": false}}})
	ph108.findings == {{
		"subject": "org:Acme",
		"identity": "org:org-1",
		"message": "Organization Acme does not let members use personal API keys; the matrix expects it allowed.",
		"evidence": {
			"members_can_use_personal_api_keys": false, "effective": false, "expected": true,
			"plan_feature": "organization_security_settings", "feature_available": true,
		},
		"line": 11,
	}} with input as doc
}

test_fires_when_keys_are_allowed_against_the_matrix if {
	some f in ph108.findings with input as forbidding
	f.evidence.effective == true
	f.message == "Organization Acme lets members use personal API keys; the matrix expects it forbidden."
}

test_an_absent_setting_is_posthogs_default if {
	doc := object.union(forbidding, {"snapshot": {"organization": {"members_can_use_personal_api_keys": null}}})
	some f in ph108.findings with input as doc
	f.evidence.effective == true
}

test_forbidden_with_the_feature_passes if {
	doc := object.union(forbidding, {"snapshot": {"organization": {"members_can_use_personal_api_keys": false}}})
	count(ph108.findings) == 0 with input as doc
}

test_a_matching_setting_without_the_feature_is_inert if {
	# near miss of test_forbidden_with_the_feature_passes
	doc := without_feature(object.union(forbidding, {"snapshot": {"organization": {"members_can_use_personal_api_keys": false}}}))
	ph108.findings == {{
		"subject": "org:Acme",
		"identity": "org:org-1",
		"message": "Organization Acme lets members use personal API keys: its members_can_use_personal_api_keys is false, but PostHog ignores the setting without the organization_security_settings plan feature; the matrix expects it forbidden.",
		"evidence": {
			"members_can_use_personal_api_keys": false, "effective": true, "expected": false,
			"plan_feature": "organization_security_settings", "feature_available": false,
		},
		"line": 11,
	}} with input as doc
}

test_a_differing_setting_without_the_feature_names_the_feature_too if {
	some f in ph108.findings with input as without_feature(forbidding)
	f.message == "Organization Acme lets members use personal API keys; the matrix expects it forbidden (the setting also needs the organization_security_settings plan feature to take effect)."
}

test_without_the_feature_keys_are_allowed_as_the_matrix_allows if {
	doc := without_feature(object.union(testdata.input_doc, {"snapshot": {"organization": {"members_can_use_personal_api_keys": false}}}))
	count(ph108.findings) == 0 with input as doc
}

test_silent_when_the_matrix_does_not_say if {
	doc := object.union(testdata.input_doc, {
		"snapshot": {"organization": {"members_can_use_personal_api_keys": false}},
		"matrix": {"organization": {"members_can_use_personal_api_keys": null}},
	})
	count(ph108.findings) == 0 with input as doc
}
