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
		"evidence": {
			"project_id": 1, "default_access": "admin", "everyone_rule": null, "access_control_feature": true,
			"entitlement": "access_control", "deployment_vintage": "newest", "required_features": ["access_control"],
			"listed_features": ["access_control"],
		},
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
	f.evidence == {
		"project_id": 1, "default_access": "admin", "everyone_rule": "none", "access_control_feature": false,
		"entitlement": null, "deployment_vintage": "newest", "required_features": ["access_control"], "listed_features": [],
	}
	f.message == "Protected project production_project is open to every member because the organization lacks access_control, the plan feature under which the newest PostHog enforces access rules, so PostHog ignores its rules; the matrix requires default access none."
}

with_features(keys) := object.union(testdata.input_doc, {"snapshot": {"organization": {"available_product_features": keys}}})

older(keys) := testdata.on_older_deployment(with_features(keys))

test_the_newest_posthog_checks_access_control_alone if {
	# advanced_permissions (and project_based_permissioning) are older keys:
	# the newest PostHog enforces no rule under them, whatever the rules say
	some f in ph205.findings with input as with_features(["advanced_permissions", "audit_logs"])
	f.evidence.access_control_feature == false
	f.evidence.entitlement == null
	f.evidence.listed_features == ["advanced_permissions"]
	f.message == "Protected project production_project is open to every member because the organization lacks access_control, the plan feature under which the newest PostHog enforces access rules (it lists advanced_permissions, which only older PostHog checks), so PostHog ignores its rules; the matrix requires default access none."
	some g in ph205.findings with input as with_features(["project_based_permissioning", "advanced_permissions"])
	g.evidence.listed_features == ["advanced_permissions", "project_based_permissioning"]

	# near miss: access_control beside it: the default none is enforced
	count(ph205.findings) == 0 with input as with_features(["advanced_permissions", "access_control"])
}

test_older_posthog_checks_its_own_keys if {
	# 2025 (advanced_permissions) and 2024 (project_based_permissioning)
	count(ph205.findings) == 0 with input as older(["advanced_permissions"])
	count(ph205.findings) == 0 with input as older(["project_based_permissioning"])

	# near miss: access_control is a key no older deployment checks
	some f in ph205.findings with input as older(["access_control", "audit_logs"])
	f.evidence.deployment_vintage == "older"
	f.evidence.required_features == ["advanced_permissions", "project_based_permissioning"]
	f.message == "Protected project production_project is open to every member because the organization lacks advanced_permissions (in 2024 also project_based_permissioning), the plan feature under which older PostHog enforces access rules (it lists access_control, which only the newest PostHog checks), so PostHog ignores its rules; the matrix requires default access none."

	# near miss: an older key that is not an access-control entitlement
	some g in ph205.findings with input as older(["role_based_access"])
	g.evidence.access_control_feature == false
}

test_an_unknown_vintage_accepts_every_key if {
	every keys in [["access_control"], ["advanced_permissions"], ["project_based_permissioning"]] {
		count(ph205.findings) == 0 with input as testdata.on_unknown_deployment(with_features(keys))
	}
	some f in ph205.findings with input as testdata.on_unknown_deployment(with_features(["audit_logs"]))
	f.evidence.deployment_vintage == "unknown"
	f.message == "Protected project production_project is open to every member because the organization lacks an access-control plan feature (access_control, advanced_permissions or project_based_permissioning), so PostHog ignores its rules; the matrix requires default access none."
}

test_a_legacy_private_project_is_private if {
	# an older deployment, project_based_permissioning without
	# advanced_permissions, the legacy flag on, no rule at all
	p := object.union(production([]), {"access_control": true})
	d := testdata.on_older_deployment(object.union(testdata.with_projects([p, testdata.staging]), {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning"]}}}))
	count(ph205.findings) == 0 with input as d

	# access_control beside it changes nothing on an older deployment
	count(ph205.findings) == 0 with input as object.union(d, {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning", "access_control"]}}})

	# near miss: the flag is inert once the organization has advanced_permissions
	e := object.union(d, {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning", "advanced_permissions"]}}})
	some f in ph205.findings with input as e
	f.evidence.default_access == "admin"
	f.evidence.entitlement == "advanced_permissions"

	# near miss: the newest PostHog ignores the flag and the key alike
	n := json.remove(d, ["sections/users_with_access", "sections/identity_provider_configs"])
	some g in ph205.findings with input as object.union(n, {"sections": {"identity_provider_configs": "ok"}})
	g.evidence.access_control_feature == false
}

test_unprotected_projects_may_be_open if {
	p := testdata.project(2, "Staging", [], [])
	count(ph205.findings) == 0 with input as testdata.with_projects([testdata.production, p])
}

test_uncollected_rules_are_not_guessed if {
	p := object.union(production([]), {"access_controls": null})
	count(ph205.findings) == 0 with input as testdata.with_projects([p, testdata.staging])
}
