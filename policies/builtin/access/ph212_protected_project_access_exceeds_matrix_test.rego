package hogaudit.rules.ph212_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph212

doc := testdata.input_doc

subjects(fs) := {[f.project, f.subject] | some f in fs}

production(rules) := testdata.project(1, "Production", rules, [])

test_compliant_fixture_passes if {
	count(ph212.findings) == 0 with input as doc
}

test_fires_when_a_member_rule_grants_more if {
	# pat (product: member on production) gets admin through a member rule
	p := production([
		testdata.project_rule(1, "none", null, null),
		testdata.project_rule(1, "admin", "m-pat", null),
	])
	fs := ph212.findings with input as testdata.with_projects([p, testdata.staging])
	fs == {{
		"subject": "member:pat@product.acme.com",
		"identity": "member:u-pat/project:1",
		"project": "production_project",
		"message": "Member pat@product.acme.com has admin access to protected project production_project through a rule naming the member; its matrix groups allow member access.",
		"evidence": {
			"effective": "admin", "allowed": "member", "source": "access_controls",
			"groups": ["product"], "org_level": "member", "project_id": 1,
			"path": {"via": "member_rule"},
		},
		"line": 57,
	}}
}

test_unprotected_projects_are_ph204s if {
	p := testdata.project(2, "Staging", [testdata.project_rule(2, "none", null, null), testdata.project_rule(2, "admin", "m-pat", null)], [])
	count(ph212.findings) == 0 with input as testdata.with_projects([testdata.production, p])
}

test_org_admin_in_a_project_the_matrix_restricts if {
	# bob is an org admin in engineering: production allows engineering member
	m := testdata.member_index("m-bob", "u-bob", "bob@acme.com", 8, ["engineering"], [])
	fs := ph212.findings with input as testdata.with_members({"m-bob": m})
	subjects(fs) == {["production_project", "member:bob@acme.com"]}
	some f in fs
	f.evidence.source == "org_admin"
	not f.severity
	f.message == "Member bob@acme.com has admin access to protected project production_project as an organization admin; its matrix groups allow member access."
}

for_bi(level) := testdata.with_projects([production([testdata.project_rule(1, "admin", null, null), testdata.project_rule(1, level, "m-bi", null)]), testdata.staging])

test_an_explicit_member_rule_undercuts_an_everyone_admin if {
	# everyone admin on production gives bi-bot admin (allowed member)…
	open := production([testdata.project_rule(1, "admin", null, null)])
	["production_project", "member:bi-bot@acme.com"] in subjects(ph212.findings) with input as testdata.with_projects([open, testdata.staging])

	# …unless a member rule says member (or none)
	not ["production_project", "member:bi-bot@acme.com"] in subjects(ph212.findings) with input as for_bi("member")
	not ["production_project", "member:bi-bot@acme.com"] in subjects(ph212.findings) with input as for_bi("none")
}

test_most_specific_lets_a_member_denial_beat_its_role if {
	# eve: own none, her role admin (engineering allows member on production)
	p := production([
		testdata.project_rule(1, "none", null, null),
		testdata.project_rule(1, "none", "m-eve", null),
		testdata.project_rule(1, "admin", null, "r-eng"),
	])
	d := testdata.with_projects([p, testdata.staging])
	["production_project", "member:eve@acme.com"] in subjects(ph212.findings) with input as d
	ms := object.union(d, {"snapshot": {"organization": {"uses_most_specific_access_resolution": true}}})
	count(ph212.findings) == 0 with input as ms
}

test_users_with_access_is_preferred_over_rules if {
	p := object.union(testdata.production, {"users_with_access": [
		{"user_id": "u-eve", "access_level": "admin", "access_source": "explicit_role", "organization_membership_id": null, "organization_membership_level": "member"},
	]})
	fs := ph212.findings with input as testdata.with_projects([p, testdata.staging])
	subjects(fs) == {["production_project", "member:eve@acme.com"]}
	some f in fs
	f.evidence.source == "users_with_access"
}

test_the_newest_posthog_enforces_no_rule_under_advanced_permissions if {
	# Production's default none keeps bi-bot out only where PostHog enforces
	# it: on the newest PostHog advanced_permissions alone enforces nothing
	keys := object.union(doc, {"snapshot": {"organization": {"available_product_features": ["advanced_permissions", "role_based_access"]}}})
	fs := ph212.findings with input as keys
	["production_project", "member:bi-bot@acme.com"] in subjects(fs)
	every f in fs {
		f.evidence.source == "system_default"
	}

	# near miss: the same organization on an older deployment
	count(ph212.findings) == 0 with input as testdata.on_older_deployment(keys)

	# near miss: access_control beside it on the newest
	count(ph212.findings) == 0 with input as object.union(keys, {"snapshot": {"organization": {"available_product_features": ["advanced_permissions", "access_control", "role_based_access"]}}})
}
