package hogaudit.lib.access_test

import data.hogaudit.lib.access
import data.hogaudit.lib.testdata

doc := testdata.input_doc

no_feature := object.union(doc, {"snapshot": {"organization": {"available_product_features": ["audit_logs"]}}})

test_org_admins_bypass_project_rules if {
	access.effective_project("1", "m-bob") == {"rank": 2, "source": "org_admin"} with input as doc
	access.effective_project("1", "m-alice").rank == 2 with input as doc
}

test_highest_applicable_rule_wins if {
	# eve: everyone none, her role member
	access.effective_project("1", "m-eve") == {"rank": 1, "source": "access_controls"} with input as doc

	# pat: everyone none, a member rule member
	access.effective_project("1", "m-pat").rank == 1 with input as doc

	# bi-bot: only the everyone rule
	access.effective_project("1", "m-bi").rank == 0 with input as doc
}

test_a_lower_member_rule_cannot_undercut_the_everyone_rule if {
	p := testdata.project(
		9, "P", [
			testdata.project_rule(9, "member", null, null),
			testdata.project_rule(9, "none", "m-eve", null),
		],
		[],
	)
	access.effective_project("9", "m-eve").rank == 1 with input as testdata.with_projects([p])
}

test_no_applicable_rule_means_the_system_default if {
	# a rule for another member only: eve falls back to admin
	p := testdata.project(9, "P", [testdata.project_rule(9, "none", "m-pat", null)], [])
	access.effective_project("9", "m-eve") == {"rank": 2, "source": "system_default"} with input as testdata.with_projects([p])
	access.effective_project("9", "m-pat").rank == 0 with input as testdata.with_projects([p])
}

test_without_the_access_control_feature_rules_are_ignored if {
	access.effective_project("1", "m-bi") == {"rank": 2, "source": "system_default"} with input as no_feature
	access.effective_resource("1", "m-pat", "feature_flag") == {"rank": 2, "source": "system_default"} with input as no_feature
	access.effective_resource("1", "m-pat", "activity_log").rank == 1 with input as no_feature
}

test_resource_levels if {
	access.effective_resource("1", "m-pat", "feature_flag") == {"rank": 1, "source": "resource_access_controls"} with input as doc
	access.effective_resource("1", "m-eve", "feature_flag").rank == 2 with input as doc
	access.effective_resource("1", "m-bob", "feature_flag") == {"rank": 3, "source": "org_admin"} with input as doc
	access.effective_resource("1", "m-bob", "toolbar").rank == 1 with input as doc
	access.effective_resource("1", "m-pat", "insight") == {"rank": 2, "source": "system_default"} with input as doc
}

test_child_resources_follow_their_parent if {
	p := testdata.project(9, "P", [], [testdata.rule("none", "session_recording", null, null)])
	access.effective_resource("9", "m-pat", "session_recording_playlist").rank == 0 with input as testdata.with_projects([p])
}

test_rules_for_a_specific_object_are_not_resource_wide if {
	r := object.union(testdata.rule("none", "feature_flag", null, null), {"resource_id": "42"})
	p := testdata.project(9, "P", [], [r])
	access.effective_resource("9", "m-pat", "feature_flag").rank == 2 with input as testdata.with_projects([p])
}

test_allowed_is_the_union_over_groups if {
	access.allowed_project_rank("m-eve", "staging_project") == 2 with input as doc
	access.allowed_project_rank("m-eve", "production_project") == 1 with input as doc
	access.allowed_project_rank("m-bi", "staging_project") == 0 with input as doc

	m := testdata.member_index("m-x", "u-x", "x@acme.com", 1, ["product", "engineering"], [])
	access.allowed_project_rank("m-x", "staging_project") == 2 with input as testdata.with_members({"m-x": m})
	access.allowed_resource_rank("m-x", "production_project", "feature_flag") == 3 with input as testdata.with_members({"m-x": m})
}

test_allowed_resource if {
	access.allowed_resource_rank("m-pat", "production_project", "feature_flag") == 1 with input as doc
	access.allowed_resource_rank("m-pat", "production_project", "insight") == 3 with input as doc
	access.allowed_resource_rank("m-bi", "staging_project", "insight") == 0 with input as doc
}

test_restricted_resources if {
	access.restricted_resources.production_project == {"feature_flag"} with input as doc
	not access.restricted_resources.staging_project with input as doc
}

test_profiles_group_members_by_roles_and_groups if {
	m := testdata.member_index("m-x", "u-x", "x@acme.com", 1, ["engineering"], ["r-eng"])
	d := testdata.with_members({"m-x": m})
	p := access.member_profile["m-eve"] with input as d
	p == {"roles": ["r-eng"], "groups": ["engineering"]}
	access.members_by_profile[p] == ["m-eve", "m-x"] with input as d
	count(access.profiles) == 4 with input as d
}

test_null_lists_make_a_profile_with_none if {
	m := object.union(testdata.member_index("m-x", "u-x", "x@acme.com", 1, [], []), {"groups": null, "roles": null})
	d := testdata.with_members({"m-x": m})
	p := access.member_profile["m-x"] with input as d
	access.allowed_project_by_profile[p].staging_project == 0 with input as d
	access.profile_project("1", p) == {"rank": 0, "source": "access_controls"} with input as d
}

test_profile_access if {
	p := access.member_profile["m-eve"] with input as doc
	access.profile_project("1", p) == {"rank": 1, "source": "access_controls"} with input as doc
	access.profile_resource("1", p, "feature_flag") == {"rank": 2, "source": "resource_access_controls"} with input as doc
	access.profile_resource("1", p, "insight") == {"rank": 2, "source": "system_default"} with input as doc
	access.allowed_project_by_profile[p] == {"production_project": 1, "staging_project": 2} with input as doc
}

test_individuals if {
	access.project_individuals("1") == {"m-alice", "m-bob", "m-pat"} with input as doc
	access.resource_individuals("1", "feature_flag") == {"m-alice", "m-bob", "m-pat"} with input as doc
}

test_has_users_with_access if {
	not access.has_users_with_access("1") with input as doc
	p := object.union(testdata.production, {"users_with_access": []})
	access.has_users_with_access("1") with input as testdata.with_projects([p, testdata.staging])
	not access.has_users_with_access("2") with input as testdata.with_projects([p, testdata.staging])
}

test_member_of_user if {
	access.member_of_user({"uuid": "u-eve", "email": "x"}) == "m-eve" with input as doc
	access.member_of_user({"uuid": "gone", "email": "EVE@acme.com"}) == "m-eve" with input as doc
	not access.member_of_user({"uuid": "gone", "email": "gone@acme.com"}) with input as doc
}

test_levels if {
	access.org_level_name(15) == "owner"
	access.org_level_name(8) == "admin"
	access.org_level_name(1) == "member"
	access.default_resource_level("activity_log") == "viewer"
	access.highest_resource_level("insight") == "manager"
}

test_role_rules_need_role_based_access if {
	p := access.member_profile["m-eve"] with input as doc
	access.profile_project("1", p) == {"rank": 1, "source": "access_controls"} with input as doc
	no_rbac := object.union(doc, {"snapshot": {"organization": {"available_product_features": ["access_control"]}}})
	access.profile_project("1", p) == {"rank": 0, "source": "access_controls"} with input as no_rbac
}
