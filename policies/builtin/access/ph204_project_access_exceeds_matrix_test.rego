package hogaudit.rules.ph204_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph204

doc := testdata.input_doc

subjects(fs) := {[f.project, f.subject] | some f in fs}

test_compliant_fixture_passes if {
	count(ph204.findings) == 0 with input as doc
}

test_fires_when_a_role_rule_grants_more if {
	# pat (product: member on production) gets admin through a member rule
	p := testdata.project(
		1, "Production", [
			testdata.project_rule(1, "none", null, null),
			testdata.project_rule(1, "admin", "m-pat", null),
		],
		[],
	)
	fs := ph204.findings with input as testdata.with_projects([p, testdata.staging])
	fs == {{
		"subject": "member:pat@product.acme.com",
		"project": "production_project",
		"severity": "critical",
		"message": "Member pat@product.acme.com has admin access to production_project; its matrix groups allow member access.",
		"evidence": {
			"effective": "admin", "allowed": "member", "source": "access_controls",
			"groups": ["product"], "org_level": "member", "project_id": 1,
		},
		"line": 57,
	}}
}

test_unprotected_project_findings_keep_the_rule_severity if {
	p := testdata.project(
		2, "Staging", [
			testdata.project_rule(2, "none", null, null),
			testdata.project_rule(2, "admin", "m-pat", null),
		],
		[],
	)
	some f in ph204.findings with input as testdata.with_projects([testdata.production, p])
	f.project == "staging_project"
	not f.severity
	f.line == 55
}

test_org_admin_in_a_project_the_matrix_restricts if {
	# bob is an org admin in engineering: production allows engineering member
	m := testdata.member_index("m-bob", "u-bob", "bob@acme.com", 8, ["engineering"], [])
	fs := ph204.findings with input as testdata.with_members({"m-bob": m})
	subjects(fs) == {["production_project", "member:bob@acme.com"]}
	some f in fs
	f.evidence.source == "org_admin"
	f.severity == "critical"
	f.message == "Member bob@acme.com has admin access to production_project as an organization admin; its matrix groups allow member access."
}

test_org_admin_on_a_project_no_group_lists if {
	m := testdata.member_index("m-bob", "u-bob", "bob@acme.com", 8, ["product"], [])
	fs := ph204.findings with input as testdata.with_members({"m-bob": m})
	subjects(fs) == {["production_project", "member:bob@acme.com"], ["staging_project", "member:bob@acme.com"]}
	some f in fs
	f.project == "production_project"
	f.evidence.allowed == "member"
	f.line == 57
}

test_member_in_no_group_reaching_an_open_project if {
	# no everyone rule on staging: PostHog's default gives every member admin
	p := testdata.project(2, "Staging", [testdata.project_rule(2, "admin", null, "r-eng")], [])
	m := testdata.member_index("m-dan", "u-dan", "dan@acme.com", 1, [], [])
	fs := ph204.findings with input as object.union(testdata.with_members({"m-dan": m}), {"snapshot": {"projects": [testdata.production, p]}})
	subjects(fs) == {
		["staging_project", "member:dan@acme.com"],
		["staging_project", "member:pat@product.acme.com"],
		["staging_project", "member:bi-bot@acme.com"],
	}
	some f in fs
	f.subject == "member:dan@acme.com"
	f.evidence.source == "system_default"
	f.evidence.allowed == "none"
	f.line == 28
	f.message == "Member dan@acme.com has admin access to staging_project; its matrix groups allow no access."
}

test_org_without_access_control_feature if {
	no_feature := object.union(doc, {"snapshot": {"organization": {"available_product_features": []}}})
	fs := ph204.findings with input as no_feature
	subjects(fs) == {
		["production_project", "member:eve@acme.com"],
		["production_project", "member:pat@product.acme.com"],
		["production_project", "member:bi-bot@acme.com"],
		["staging_project", "member:pat@product.acme.com"],
		["staging_project", "member:bi-bot@acme.com"],
	}
	every f in fs {
		f.evidence.source == "system_default"
	}
}

test_users_with_access_is_preferred_over_rules if {
	# the rules say bi-bot has none; PostHog's resolution says member
	p := object.union(testdata.production, {"users_with_access": [
		{"user_id": "u-alice", "access_level": "admin", "access_source": "organization_admin", "organization_membership_id": "m-alice", "organization_membership_level": "owner"},
		{"user_id": "u-bi", "access_level": "member", "access_source": "default", "organization_membership_id": "m-bi", "organization_membership_level": "member"},
		{"user_id": "u-eve", "access_level": "admin", "access_source": "explicit_role", "organization_membership_id": null, "organization_membership_level": "member"},
	]})
	fs := ph204.findings with input as testdata.with_projects([p, testdata.staging])
	subjects(fs) == {["production_project", "member:eve@acme.com"]}
	some f in fs
	f.evidence.source == "users_with_access"
	f.evidence.effective == "admin"
}

test_a_member_absent_from_users_with_access_has_none if {
	p := object.union(testdata.production, {"users_with_access": []})
	rules := testdata.project(1, "Production", [testdata.project_rule(1, "admin", null, null)], [])
	count(ph204.findings) == 0 with input as testdata.with_projects([object.union(rules, {"users_with_access": []}), testdata.staging])
	count(ph204.findings) == 0 with input as testdata.with_projects([p, testdata.staging])
}

test_unbound_projects_are_ph211s if {
	sandbox := testdata.project(3, "Sandbox", [], [])
	count(ph204.findings) == 0 with input as testdata.with_projects([testdata.production, testdata.staging, sandbox])
}

test_uncollected_rules_are_not_guessed if {
	p := object.union(testdata.project(2, "Staging", [], []), {"access_controls": null})
	count(ph204.findings) == 0 with input as testdata.with_projects([testdata.production, p])
}

test_rules_naming_departed_members_are_ignored if {
	p := testdata.project(
		1, "Production", [
			testdata.project_rule(1, "none", null, null),
			testdata.project_rule(1, "admin", "m-gone", null),
		],
		[],
	)
	count(ph204.findings) == 0 with input as testdata.with_projects([p, testdata.staging])
}
