package hogaudit.rules.ph205_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph205

production(rules) := testdata.project(1, "Production", rules, [])

test_private_protected_project_passes if {
	count(ph205.findings) == 0 with input as testdata.input_doc
}

test_fires_without_an_everyone_rule if {
	p := production([testdata.project_rule(1, "member", null, "r-eng")])
	ph205.findings == {{
		"subject": "project:production_project",
		"identity": "project:1",
		"project": "production_project",
		"message": "Protected project production_project has no default access rule, so every member gets admin access; the matrix requires default access none.",
		"evidence": {"project_id": 1, "default_access": "admin", "everyone_rule": null, "access_control_feature": true, "entitlement": "access_control"},
		"line": 27,
	}} with input as testdata.with_projects([p, testdata.staging])
}

test_fires_when_the_everyone_rule_is_above_none if {
	p := production([testdata.project_rule(1, "member", null, null)])
	some f in ph205.findings with input as testdata.with_projects([p, testdata.staging])
	f.evidence.default_access == "member"
	f.message == "Protected project production_project gives every member member access by default; the matrix requires default access none."
}

test_fires_when_the_org_lacks_the_access_control_feature if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"available_product_features": ["audit_logs"]}}})
	some f in ph205.findings with input as doc
	f.evidence == {"project_id": 1, "default_access": "admin", "everyone_rule": "none", "access_control_feature": false, "entitlement": null}
	f.message == "Protected project production_project is open to every member because the organization has no access-control plan feature (access_control, advanced_permissions or project_based_permissioning), so PostHog ignores its rules; the matrix requires default access none."
}

with_features(keys) := object.union(testdata.input_doc, {"snapshot": {"organization": {"available_product_features": keys}}})

test_older_entitlement_keys_enforce_the_rules if {
	# 2025 (advanced_permissions) and 2024 (project_based_permissioning)
	count(ph205.findings) == 0 with input as with_features(["advanced_permissions"])
	count(ph205.findings) == 0 with input as with_features(["project_based_permissioning"])

	# near miss: an older key that is not an access-control entitlement
	some f in ph205.findings with input as with_features(["role_based_access"])
	f.evidence.access_control_feature == false
}

test_a_legacy_private_project_is_private if {
	# project_based_permissioning alone, the legacy flag on, no rule at all
	p := object.union(production([]), {"access_control": true})
	d := object.union(testdata.with_projects([p, testdata.staging]), {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning"]}}})
	count(ph205.findings) == 0 with input as d

	# near miss: the flag is inert once the organization has a newer entitlement
	e := object.union(d, {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning", "advanced_permissions"]}}})
	some f in ph205.findings with input as e
	f.evidence.default_access == "admin"
	f.evidence.entitlement == "advanced_permissions"
}

test_unprotected_projects_may_be_open if {
	p := testdata.project(2, "Staging", [], [])
	count(ph205.findings) == 0 with input as testdata.with_projects([testdata.production, p])
}

test_uncollected_rules_are_not_guessed if {
	p := object.union(production([]), {"access_controls": null})
	count(ph205.findings) == 0 with input as testdata.with_projects([p, testdata.staging])
}
