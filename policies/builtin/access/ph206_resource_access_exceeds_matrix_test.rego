package hogaudit.rules.ph206_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph206

doc := testdata.input_doc

production(resource_rules) := testdata.project(1, "Production", testdata.production.access_controls.access_controls, resource_rules)

test_compliant_fixture_passes if {
	count(ph206.findings) == 0 with input as doc
}

test_fires_when_the_default_exceeds_a_restriction if {
	# no feature_flag rule: PostHog's default editor beats product's viewer
	fs := ph206.findings with input as testdata.with_projects([production([]), testdata.staging])
	fs == {{
		"subject": "member:pat@product.acme.com/resource/feature_flag",
		"identity": "member:u-pat/project:1/resource:feature_flag",
		"project": "production_project",
		"message": "Member pat@product.acme.com has editor access to feature_flag in production_project by PostHog's default (no rule applies); its matrix groups allow viewer.",
		"evidence": {
			"resource": "feature_flag", "effective": "editor", "allowed": "viewer", "source": "system_default",
			"groups": ["product"], "project_id": 1, "path": {"via": "default"},
		},
		"line": 58,
	}}
}

test_fires_for_a_member_rule if {
	fs := ph206.findings with input as testdata.with_projects([
		production([
			testdata.rule("viewer", "feature_flag", null, null),
			testdata.rule("manager", "feature_flag", "m-pat", null),
		]),
		testdata.staging,
	])
	some f in fs
	f.evidence.effective == "manager"
	f.evidence.source == "resource_access_controls"
}

test_fires_for_a_role_rule if {
	m := testdata.member_index("m-pat", "u-pat", "pat@product.acme.com", 1, ["product"], ["r-prod"])
	p := production([
		testdata.rule("viewer", "feature_flag", null, null),
		testdata.rule("editor", "feature_flag", null, "r-prod"),
	])
	fs := ph206.findings with input as object.union(testdata.with_members({"m-pat": m}), {"snapshot": {"projects": [p, testdata.staging]}})
	count(fs) == 1
}

test_the_union_over_groups_decides if {
	# pat also in engineering, which does not restrict feature flags
	m := testdata.member_index("m-pat", "u-pat", "pat@product.acme.com", 1, ["product", "engineering"], [])
	doc2 := object.union(testdata.with_members({"m-pat": m}), {"snapshot": {"projects": [production([]), testdata.staging]}})
	count(ph206.findings) == 0 with input as doc2
}

test_org_admins_get_manager if {
	m := testdata.member_index("m-bob", "u-bob", "bob@acme.com", 8, ["product"], [])
	fs := ph206.findings with input as testdata.with_members({"m-bob": m})
	some f in fs
	f.subject == "member:bob@acme.com/resource/feature_flag"
	f.evidence.effective == "manager"
	f.evidence.source == "org_admin"
}

test_members_outside_the_project_are_ph204s if {
	# pat loses production access: no resource finding even at editor
	p := testdata.project(1, "Production", [testdata.project_rule(1, "none", null, null)], [])
	count(ph206.findings) == 0 with input as testdata.with_projects([p, testdata.staging])
}

test_without_the_access_control_feature_the_default_applies if {
	no_feature := object.union(doc, {"snapshot": {"organization": {"available_product_features": []}}})
	fs := ph206.findings with input as no_feature
	{f.subject | some f in fs} == {"member:pat@product.acme.com/resource/feature_flag"}
}

test_recordings_restriction_uses_the_playlist_parent if {
	e := {"line": 70, "lines": {}, "role": "member", "resources": {"session_recording_playlist": {"level": "none", "line": 71}}}
	doc2 := object.union(doc, {"matrix": {"access_matrix": {"product": {"projects": {"staging_project": e}}}}})
	fs := ph206.findings with input as doc2
	some f in fs
	f.subject == "member:pat@product.acme.com/resource/session_recording_playlist"
	f.evidence.effective == "editor"
	f.line == 71
}

test_uncollected_resource_rules_are_not_guessed if {
	p := object.union(production([]), {"resource_access_controls": null})
	count(ph206.findings) == 0 with input as testdata.with_projects([p, testdata.staging])
}

test_a_member_denied_the_project_is_not_judged if {
	# everyone member on production and no feature_flag rule: pat gets editor…
	everyone := [testdata.project_rule(1, "member", null, null)]
	open := testdata.project(1, "Production", everyone, [])
	{f.subject | some f in ph206.findings with input as testdata.with_projects([open, testdata.staging])} == {"member:pat@product.acme.com/resource/feature_flag"}

	# …but her explicit none keeps her out of the project, so out of its resources
	denied := testdata.project(1, "Production", array.concat(everyone, [testdata.project_rule(1, "none", "m-pat", null)]), [])
	count(ph206.findings) == 0 with input as testdata.with_projects([denied, testdata.staging])
}

test_most_specific_lets_a_member_resource_rule_decide if {
	p := production([
		testdata.rule("editor", "feature_flag", null, null),
		testdata.rule("none", "feature_flag", "m-pat", null),
	])
	d := testdata.with_projects([p, testdata.staging])

	# legacy resolution: the highest of everyone's editor and pat's none
	some f in ph206.findings with input as d
	f.evidence.effective == "editor"

	# most specific: pat's own none decides
	count(ph206.findings) == 0 with input as object.union(d, {"snapshot": {"organization": {"uses_most_specific_access_resolution": true}}})
}

test_legacy_private_projects_judge_explicit_members_only if {
	p := object.union(production([]), {"access_control": true, "explicit_members": [{"id": "e1", "level": 1, "user": {"uuid": "u-pat"}}]})
	d := testdata.on_older_deployment(object.union(testdata.with_projects([p, testdata.staging]), {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning"]}}}))
	{f.subject | some f in ph206.findings with input as d} == {"member:pat@product.acme.com/resource/feature_flag"}

	# near miss: pat no explicit member: kept out
	q := object.union(p, {"explicit_members": []})
	count(ph206.findings) == 0 with input as object.union(d, {"snapshot": {"projects": [q, testdata.staging]}})
}

test_the_newest_posthog_enforces_no_rule_under_advanced_permissions if {
	# advanced_permissions alone: the newest PostHog ignores the rules, so
	# the default editor on flags exceeds pat's restriction
	keys := object.union(doc, {"snapshot": {"organization": {"available_product_features": ["advanced_permissions", "role_based_access"]}}})
	some f in ph206.findings with input as keys
	f.subject == "member:pat@product.acme.com/resource/feature_flag"
	f.evidence.source == "system_default"

	# near miss: on an older deployment advanced_permissions enforces them
	count(ph206.findings) == 0 with input as testdata.on_older_deployment(keys)
}

test_messages_and_evidence_name_the_resource_path if {
	# pat (product: viewer on feature_flag) through the rule naming pat
	member := ph206.findings with input as testdata.with_projects([
		production([testdata.rule("viewer", "feature_flag", null, null), testdata.rule("manager", "feature_flag", "m-pat", null)]),
		testdata.staging,
	])
	some f in member
	f.message == "Member pat@product.acme.com has manager access to feature_flag in production_project through a rule naming the member; its matrix groups allow viewer."
	f.evidence.path == {"via": "member_rule"}

	# the rule for everyone
	everyone := ph206.findings with input as testdata.with_projects([production([testdata.rule("editor", "feature_flag", null, null)]), testdata.staging])
	some g in everyone
	g.subject == "member:pat@product.acme.com/resource/feature_flag"
	g.message == "Member pat@product.acme.com has editor access to feature_flag in production_project through the project's rule for everyone; its matrix groups allow viewer."
	g.evidence.path == {"via": "everyone_rule"}

	# near miss: an everyone viewer is within the matrix
	count(ph206.findings) == 0 with input as testdata.with_projects([production([testdata.rule("viewer", "feature_flag", null, null)]), testdata.staging])
}
