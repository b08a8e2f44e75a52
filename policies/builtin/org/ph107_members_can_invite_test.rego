package hogaudit.rules.ph107_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph107

without_feature(doc) := object.union(doc, {"snapshot": {"organization": {"available_product_features": ["access_control", "organization_security_settings"]}}})

test_matching_setting_passes if {
	count(ph107.findings) == 0 with input as testdata.input_doc
}

test_fires_when_members_may_invite if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"members_can_invite": true}}})
	ph107.findings == {{
		"subject": "org:Acme",
		"identity": "org:org-1",
		"message": "Organization Acme lets members invite people; the matrix expects it forbidden.",
		"evidence": {
			"members_can_invite": true, "effective": true, "expected": false,
			"plan_feature": "organization_invite_settings", "feature_available": true,
		},
		"line": 10,
	}} with input as doc
}

test_null_forbids_invites_with_the_feature if {
	# UserCanInvitePermission reads bool(members_can_invite)
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"members_can_invite": null}}})
	count(ph107.findings) == 0 with input as doc
	some f in ph107.findings with input as object.union(doc, {"matrix": {"organization": {"members_can_invite": true}}})
	f.evidence.effective == false
}

test_fires_the_other_way if {
	doc := object.union(testdata.input_doc, {"matrix": {"organization": {"members_can_invite": true}}})
	some f in ph107.findings with input as doc
	f.message == "Organization Acme does not let members invite people; the matrix expects it allowed."
}

test_a_matching_setting_without_the_feature_is_inert if {
	doc := without_feature(testdata.input_doc)
	ph107.findings == {{
		"subject": "org:Acme",
		"identity": "org:org-1",
		"message": "Organization Acme lets members invite people: its members_can_invite is false, but PostHog ignores the setting without the organization_invite_settings plan feature; the matrix expects it forbidden.",
		"evidence": {
			"members_can_invite": false, "effective": true, "expected": false,
			"plan_feature": "organization_invite_settings", "feature_available": false,
		},
		"line": 10,
	}} with input as doc
}

test_a_differing_setting_without_the_feature_names_the_feature_too if {
	doc := without_feature(object.union(testdata.input_doc, {"snapshot": {"organization": {"members_can_invite": true}}}))
	some f in ph107.findings with input as doc
	f.message == "Organization Acme lets members invite people; the matrix expects it forbidden (the setting also needs the organization_invite_settings plan feature to take effect)."
}

test_without_the_feature_members_may_invite_as_the_matrix_allows if {
	# whatever the setting, PostHog lets members invite: what the matrix asks
	doc := without_feature(object.union(testdata.input_doc, {"matrix": {"organization": {"members_can_invite": true}}}))
	count(ph107.findings) == 0 with input as doc
}

test_silent_when_the_matrix_does_not_say if {
	doc := object.union(testdata.input_doc, {
		"snapshot": {"organization": {"members_can_invite": true}},
		"matrix": {"organization": {"members_can_invite": null}},
	})
	count(ph107.findings) == 0 with input as doc
}
