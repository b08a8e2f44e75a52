package hogaudit.rules.ph204_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph204

doc := testdata.input_doc

subjects(fs) := {[f.project, f.subject] | some f in fs}

# staging(rules) is the unprotected Staging project with the given rules.
staging(rules) := testdata.project(2, "Staging", rules, [])

test_compliant_fixture_passes if {
	count(ph204.findings) == 0 with input as doc
}

test_fires_when_a_member_rule_grants_more if {
	# bi-bot (no group lists staging) gets member through a member rule
	p := staging([
		testdata.project_rule(2, "none", null, null),
		testdata.project_rule(2, "member", "m-bi", null),
	])
	fs := ph204.findings with input as testdata.with_projects([testdata.production, p])
	fs == {{
		"subject": "member:bi-bot@acme.com",
		"identity": "member:u-bi/project:2",
		"project": "staging_project",
		"message": "Member bi-bot@acme.com has member access to staging_project through a rule naming the member; its matrix groups allow no access.",
		"evidence": {
			"effective": "member", "allowed": "none", "source": "access_controls",
			"groups": ["bi_service_account"], "org_level": "member", "project_id": 2,
			"path": {"via": "member_rule"},
		},
		"line": 28,
	}}
}

test_protected_projects_are_ph212s if {
	# pat gets admin on the protected Production: PH212, not PH204
	p := testdata.project(1, "Production", [testdata.project_rule(1, "none", null, null), testdata.project_rule(1, "admin", "m-pat", null)], [])
	count(ph204.findings) == 0 with input as testdata.with_projects([p, testdata.staging])
}

test_an_explicit_none_denies_under_an_everyone_member if {
	base := [testdata.project_rule(2, "member", null, null)]
	denied := staging(array.concat(base, [testdata.project_rule(2, "none", "m-bi", null)]))
	fs := ph204.findings with input as testdata.with_projects([testdata.production, denied])
	not ["staging_project", "member:bi-bot@acme.com"] in subjects(fs)

	# near miss: without bi-bot's rule the everyone member lets it in
	open := ph204.findings with input as testdata.with_projects([testdata.production, staging(base)])
	["staging_project", "member:bi-bot@acme.com"] in subjects(open)
}

test_a_role_none_denies_its_members if {
	# x (product, no access allowed on staging beyond member) in a role denied
	# on staging, under an everyone admin
	m := testdata.member_index("m-x", "u-x", "x@product.acme.com", 1, ["product"], ["r-prod"])
	p := staging([testdata.project_rule(2, "admin", null, null), testdata.project_rule(2, "none", null, "r-prod")])
	d := object.union(testdata.with_members({"m-x": m}), {"snapshot": {"projects": [testdata.production, p]}})
	fs := ph204.findings with input as d
	not ["staging_project", "member:x@product.acme.com"] in subjects(fs)

	# near miss: pat, in no role, gets the everyone admin
	["staging_project", "member:pat@product.acme.com"] in subjects(fs)
}

test_org_admin_on_a_project_the_matrix_restricts if {
	# bob is an org admin in product only: staging allows product member
	m := testdata.member_index("m-bob", "u-bob", "bob@acme.com", 8, ["product"], [])
	fs := ph204.findings with input as testdata.with_members({"m-bob": m})
	subjects(fs) == {["staging_project", "member:bob@acme.com"]}
	some f in fs
	f.evidence.source == "org_admin"
	not f.severity
	f.line == 55
	f.message == "Member bob@acme.com has admin access to staging_project as an organization admin; its matrix groups allow member access."
}

test_member_in_no_group_reaching_an_open_project if {
	# no everyone rule on staging: PostHog's default gives every member admin
	p := staging([testdata.project_rule(2, "admin", null, "r-eng")])
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
	f.message == "Member dan@acme.com has admin access to staging_project by PostHog's default (no rule applies); its matrix groups allow no access."
}

test_org_without_an_access_control_feature if {
	no_feature := object.union(doc, {"snapshot": {"organization": {"available_product_features": []}}})
	fs := ph204.findings with input as no_feature
	subjects(fs) == {["staging_project", "member:pat@product.acme.com"], ["staging_project", "member:bi-bot@acme.com"]}
	every f in fs {
		f.evidence.source == "system_default"
	}

	# the newest PostHog checks access_control alone: advanced_permissions
	# there enforces nothing
	older_keys := object.union(doc, {"snapshot": {"organization": {"available_product_features": ["advanced_permissions", "role_based_access"]}}})
	subjects(ph204.findings) == subjects(fs) with input as older_keys

	# near miss: on an older deployment the 2025 and 2024 keys enable the rules
	count(ph204.findings) == 0 with input as testdata.on_older_deployment(older_keys)
	count(ph204.findings) == 0 with input as testdata.on_older_deployment(object.union(doc, {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning", "role_based_access"]}}}))
}

test_users_with_access_is_preferred_over_rules if {
	# the rules say bi-bot has none; PostHog's resolution says member
	p := object.union(testdata.staging, {"users_with_access": [
		{"user_id": "u-alice", "access_level": "admin", "access_source": "organization_admin", "organization_membership_id": "m-alice", "organization_membership_level": "owner"},
		{"user_id": "u-bi", "access_level": "member", "access_source": "default", "organization_membership_id": "m-bi", "organization_membership_level": "member"},
		{"user_id": "u-eve", "access_level": "admin", "access_source": "explicit_role", "organization_membership_id": null, "organization_membership_level": "member"},
	]})
	fs := ph204.findings with input as testdata.with_projects([testdata.production, p])
	subjects(fs) == {["staging_project", "member:bi-bot@acme.com"]}
	some f in fs
	f.evidence.source == "users_with_access"
	f.evidence.effective == "member"
}

test_a_member_absent_from_users_with_access_has_none if {
	p := object.union(testdata.staging, {"users_with_access": []})
	rules := staging([testdata.project_rule(2, "admin", null, null)])
	count(ph204.findings) == 0 with input as testdata.with_projects([testdata.production, object.union(rules, {"users_with_access": []})])
	count(ph204.findings) == 0 with input as testdata.with_projects([testdata.production, p])
}

test_unbound_projects_are_ph211s if {
	sandbox := testdata.project(3, "Sandbox", [], [])
	count(ph204.findings) == 0 with input as testdata.with_projects([testdata.production, testdata.staging, sandbox])
}

test_uncollected_rules_are_not_guessed if {
	p := object.union(staging([]), {"access_controls": null})
	count(ph204.findings) == 0 with input as testdata.with_projects([testdata.production, p])
}

test_rules_naming_departed_members_are_ignored if {
	p := staging([
		testdata.project_rule(2, "none", null, null),
		testdata.project_rule(2, "admin", "m-gone", null),
	])
	count(ph204.findings) == 0 with input as testdata.with_projects([testdata.production, p])
}

legacy(explicit, missing) := testdata.on_older_deployment(object.union(testdata.with_projects([testdata.production, object.union(staging([]), object.union({"access_control": true}, explicit))]), {"snapshot": {
	"organization": {"available_product_features": ["project_based_permissioning", "role_based_access"]},
	"missing": missing,
}}))

test_a_legacy_private_project_admits_its_explicit_members if {
	d := legacy({"explicit_members": [{"id": "e1", "level": 1, "effective_level": 1, "user": {"uuid": "u-bi", "email": "bi-bot@acme.com"}}]}, [])
	fs := ph204.findings with input as d
	subjects(fs) == {["staging_project", "member:bi-bot@acme.com"]}
	some f in fs
	f.evidence.source == "explicit_members"
	f.evidence.effective == "member"

	# near miss: with no explicit member, only admins get in
	count(ph204.findings) == 0 with input as legacy({}, [])
}

test_a_legacy_private_project_without_its_explicit_members_is_not_judged if {
	d := legacy({}, [{"section": "explicit_members", "project_id": 2, "status": 500, "not_applicable": false}])
	count(ph204.findings) == 0 with input as object.union(d, {"snapshot": {"projects": [testdata.production, object.union(staging([testdata.project_rule(2, "admin", null, null)]), {"access_control": true})]}})
}

# x is a member in bi_service_account (no access allowed on staging) with
# the given organization level and roles.
x_member(level, roles) := testdata.member_index("m-x", "u-x", "x@acme.com", level, ["bi_service_account"], roles)

# x_finding is x's PH204 finding on staging with the given rules and
# organization (patched).
x_finding(level, roles, rules, org) := f if {
	d := object.union(testdata.with_members({"m-x": x_member(level, roles)}), {"snapshot": {"projects": [testdata.production, staging(rules)], "organization": org}})
	some f in ph204.findings with input as d
	f.subject == "member:x@acme.com"
}

test_messages_and_evidence_name_the_path if {
	denied := testdata.project_rule(2, "none", null, null)

	# one role's rule
	one := x_finding(1, ["r-eng"], [denied, testdata.project_rule(2, "admin", null, "r-eng")], {})
	one.message == "Member x@acme.com has admin access to staging_project through role Engineering's rule; its matrix groups allow no access."
	one.evidence.path == {"via": "role_rule", "roles": ["r-eng"], "role_names": ["Engineering"]}
	one.evidence.source == "access_controls"

	# two roles' rules at the same level
	two := x_finding(1, ["r-prod", "r-eng"], [denied, testdata.project_rule(2, "member", null, "r-eng"), testdata.project_rule(2, "member", null, "r-prod")], {})
	two.message == "Member x@acme.com has member access to staging_project through the rules of roles Engineering and Product; its matrix groups allow no access."
	two.evidence.path == {"via": "role_rule", "roles": ["r-eng", "r-prod"], "role_names": ["Engineering", "Product"]}

	# near miss: the higher role alone is named
	higher := x_finding(1, ["r-prod", "r-eng"], [denied, testdata.project_rule(2, "admin", null, "r-eng"), testdata.project_rule(2, "member", null, "r-prod")], {})
	higher.evidence.path.roles == ["r-eng"]

	# the everyone rule
	everyone := x_finding(1, [], [testdata.project_rule(2, "member", null, null)], {})
	everyone.message == "Member x@acme.com has member access to staging_project through the project's rule for everyone; its matrix groups allow no access."
	everyone.evidence.path == {"via": "everyone_rule"}

	# an organization owner
	owner := x_finding(15, [], [denied], {})
	owner.message == "Member x@acme.com has admin access to staging_project as an organization owner; its matrix groups allow no access."
	owner.evidence.path == {"via": "org_admin", "org_level": "owner"}

	# no access-control feature
	plain := x_finding(1, [], [denied], {"available_product_features": []})
	plain.message == "Member x@acme.com has admin access to staging_project by PostHog's default (the plan has no access-control feature this deployment checks); its matrix groups allow no access."
	plain.evidence.path == {"via": "no_access_control"}
}

test_most_specific_names_the_lower_member_rule if {
	rules := [testdata.project_rule(2, "admin", null, "r-eng"), testdata.project_rule(2, "member", "m-x", null)]
	f := x_finding(1, ["r-eng"], rules, {"uses_most_specific_access_resolution": true})
	f.message == "Member x@acme.com has member access to staging_project through a rule naming the member; its matrix groups allow no access."
	f.evidence.path == {"via": "member_rule"}

	# near miss: the legacy resolution takes the highest, the role's admin
	legacy_org := x_finding(1, ["r-eng"], rules, {})
	legacy_org.message == "Member x@acme.com has admin access to staging_project through role Engineering's rule; its matrix groups allow no access."
}

test_a_legacy_explicit_member_is_named if {
	d := legacy({"explicit_members": [{"id": "e1", "level": 1, "effective_level": 1, "user": {"uuid": "u-bi", "email": "bi-bot@acme.com"}}]}, [])
	some f in ph204.findings with input as d
	f.message == "Member bi-bot@acme.com has member access to staging_project as an explicit member of the private project; its matrix groups allow no access."
	f.evidence.path == {"via": "explicit_member"}
}

test_users_with_access_beside_other_rules_tells_both if {
	p := object.union(testdata.staging, {"users_with_access": [
		{"user_id": "u-alice", "access_level": "admin", "access_source": "organization_admin", "organization_membership_id": "m-alice", "organization_membership_level": "owner"},
		{"user_id": "u-bi", "access_level": "member", "access_source": "default", "organization_membership_id": "m-bi", "organization_membership_level": "member"},
	]})
	some f in ph204.findings with input as testdata.with_projects([testdata.production, p])
	f.message == "Member bi-bot@acme.com has member access to staging_project (PostHog's users_with_access; the project's rules give none through the project's rule for everyone); its matrix groups allow no access."
	f.evidence.path == {"via": "everyone_rule"}
	f.evidence.source == "users_with_access"
}
