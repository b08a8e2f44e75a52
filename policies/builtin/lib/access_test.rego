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

test_a_lower_member_rule_undercuts_the_everyone_rule if {
	# explicit-first: eve's own none denies her, the everyone member does not apply
	p := testdata.project(
		9, "P", [
			testdata.project_rule(9, "member", null, null),
			testdata.project_rule(9, "none", "m-eve", null),
		],
		[],
	)
	access.effective_project("9", "m-eve") == {"rank": 0, "source": "access_controls"} with input as testdata.with_projects([p])

	# near miss: pat has no rule of her own, the everyone rule applies
	access.effective_project("9", "m-pat") == {"rank": 1, "source": "access_controls"} with input as testdata.with_projects([p])
}

test_a_role_rule_undercuts_the_everyone_rule if {
	p := testdata.project(
		9, "P", [
			testdata.project_rule(9, "admin", null, null),
			testdata.project_rule(9, "none", null, "r-eng"),
		],
		[],
	)
	access.effective_project("9", "m-eve").rank == 0 with input as testdata.with_projects([p])
	prof := access.member_profile["m-eve"] with input as testdata.with_projects([p])
	access._profile_project("9", prof).rank == 0 with input as testdata.with_projects([p])

	# without role_based_access the role rule is inert: the everyone rule applies
	no_rbac := object.union(testdata.with_projects([p]), {"snapshot": {"organization": {"available_product_features": ["access_control"]}}})
	access.effective_project("9", "m-eve").rank == 2 with input as no_rbac
}

test_explicit_rules_take_the_highest_of_member_and_roles if {
	# legacy resolution: eve's own none and her role's admin: admin
	p := testdata.project(
		9, "P", [
			testdata.project_rule(9, "none", null, null),
			testdata.project_rule(9, "none", "m-eve", null),
			testdata.project_rule(9, "admin", null, "r-eng"),
		],
		[],
	)
	access.effective_project("9", "m-eve") == {"rank": 2, "source": "access_controls"} with input as testdata.with_projects([p])
}

most_specific(d) := object.union(d, {"snapshot": {"organization": {"uses_most_specific_access_resolution": true}}})

test_most_specific_organizations_let_the_member_rule_decide if {
	p := testdata.project(
		9, "P", [
			testdata.project_rule(9, "member", null, null),
			testdata.project_rule(9, "none", "m-eve", null),
			testdata.project_rule(9, "admin", null, "r-eng"),
		],
		[],
	)
	d := most_specific(testdata.with_projects([p]))
	access.effective_project("9", "m-eve") == {"rank": 0, "source": "access_controls"} with input as d

	# the role beats the everyone rule, even when lower
	q := testdata.project(9, "P", [testdata.project_rule(9, "admin", null, null), testdata.project_rule(9, "member", null, "r-eng")], [])
	access.effective_project("9", "m-eve").rank == 1 with input as most_specific(testdata.with_projects([q]))

	# null is the legacy resolution
	legacy := object.union(testdata.with_projects([p]), {"snapshot": {"organization": {"uses_most_specific_access_resolution": null}}})
	access.effective_project("9", "m-eve").rank == 2 with input as legacy
}

test_resources_take_the_highest_rule_unless_most_specific if {
	p := testdata.project(9, "P", [], [
		testdata.rule("editor", "feature_flag", null, null),
		testdata.rule("none", "feature_flag", "m-eve", null),
		testdata.rule("viewer", "feature_flag", null, "r-eng"),
	])
	d := testdata.with_projects([p])
	access.effective_resource("9", "m-eve", "feature_flag") == {"rank": 2, "source": "resource_access_controls"} with input as d
	access.effective_resource("9", "m-eve", "feature_flag") == {"rank": 0, "source": "resource_access_controls"} with input as most_specific(d)

	# most specific without a member rule: the role's viewer beats everyone's editor
	prof := access.member_profile["m-eve"] with input as d
	access._profile_resource("9", prof, "feature_flag").rank == 1 with input as most_specific(d)
	access._profile_resource("9", prof, "feature_flag").rank == 2 with input as d
}

test_a_rule_naming_both_a_member_and_a_role_applies_to_no_one if {
	both := object.union(testdata.project_rule(9, "admin", "m-eve", null), {"role": "r-eng"})
	p := testdata.project(9, "P", [testdata.project_rule(9, "none", null, null), both], [])
	access.effective_project("9", "m-eve").rank == 0 with input as testdata.with_projects([p])
}

features(keys) := object.union(testdata.input_doc, {"snapshot": {"organization": {"available_product_features": keys}}})

older(doc) := testdata.on_older_deployment(doc)

test_each_vintage_checks_its_own_entitlement if {
	# the newest PostHog: access_control alone
	access.deployment_vintage == "newest" with input as features(["access_control"])
	access.effective_project("1", "m-bi").rank == 0 with input as features(["access_control"])
	access.entitlement == "access_control" with input as features(["access_control", "advanced_permissions"])
	access.effective_project("1", "m-bi") == {"rank": 2, "source": "system_default"} with input as features(["advanced_permissions"])
	access.effective_project("1", "m-bi").rank == 2 with input as features(["project_based_permissioning"])
	access.effective_resource("1", "m-pat", "feature_flag").source == "system_default" with input as features(["advanced_permissions"])
	not access.entitlement with input as features(["advanced_permissions", "project_based_permissioning"])
	access.listed_access_control_features == ["advanced_permissions", "project_based_permissioning"] with input as features(["project_based_permissioning", "advanced_permissions", "audit_logs"])

	# older PostHog: advanced_permissions (2025) or project_based_permissioning
	# (2024), never access_control
	access.deployment_vintage == "older" with input as older(features(["advanced_permissions"]))
	access.effective_project("1", "m-bi").rank == 0 with input as older(features(["advanced_permissions"]))
	access.effective_project("1", "m-bi").rank == 0 with input as older(features(["project_based_permissioning"]))
	access.entitlement == "advanced_permissions" with input as older(features(["advanced_permissions", "project_based_permissioning"]))
	access.effective_project("1", "m-bi") == {"rank": 2, "source": "system_default"} with input as older(features(["access_control"]))
	not access.entitlement with input as older(features(["access_control", "audit_logs"]))

	# neither vintage: no entitlement at all
	not access.entitlement with input as features(["audit_logs"])
	access.effective_project("1", "m-bi").rank == 2 with input as features(["audit_logs"])
	not access.entitlement with input as older(features(["audit_logs"]))
}

vintage_of(uwa, idp) := v if {
	v := access.deployment_vintage with input.sections as object.union(testdata.input_doc.sections, {"users_with_access": uwa, "identity_provider_configs": idp})
}

test_the_vintage_comes_from_the_sections_only_the_newest_serves if {
	vintage_of("ok", "ok") == "newest"
	vintage_of("ok", "not_applicable") == "newest"
	vintage_of("missing", "ok") == "newest"
	vintage_of("ok", "missing") == "newest"
	vintage_of("not_applicable", "not_applicable") == "older"

	# near misses: one of them could not be read
	vintage_of("missing", "not_applicable") == "unknown"
	vintage_of("not_applicable", "missing") == "unknown"
	vintage_of("missing", "missing") == "unknown"

	# the unknown vintage is never a complete snapshot: one of the two is
	# missing evidence whenever neither newest nor older holds
	every uwa in ["ok", "missing", "not_applicable"] {
		every idp in ["ok", "missing", "not_applicable"] {
			unknown_means_missing(uwa, idp)
		}
	}
}

unknown_means_missing(uwa, idp) if vintage_of(uwa, idp) != "unknown"

unknown_means_missing(uwa, idp) if "missing" in {uwa, idp}

test_an_unknown_vintage_accepts_every_key if {
	every k in ["access_control", "advanced_permissions", "project_based_permissioning"] {
		access.entitlement == k with input as testdata.on_unknown_deployment(features([k]))
	}
	access.entitlement == "access_control" with input as testdata.on_unknown_deployment(features(["project_based_permissioning", "access_control"]))
	not access.entitlement with input as testdata.on_unknown_deployment(features(["audit_logs"]))
}

legacy_doc(explicit, missing) := older(object.union(
	testdata.with_projects([object.union(
		testdata.project(9, "P", [], []),
		object.union({"access_control": true}, explicit),
	)]),
	{"snapshot": {
		"organization": {"available_product_features": ["project_based_permissioning", "role_based_access"]},
		"missing": missing,
	}},
))

test_legacy_private_projects_admit_only_explicit_members if {
	d := legacy_doc(
		{"explicit_members": [
			{"id": "e1", "level": 8, "effective_level": 8, "user": {"uuid": "u-pat", "email": "pat@product.acme.com"}},
			{"id": "e2", "level": 1, "effective_level": 1, "user": {"uuid": "gone", "email": "BI-bot@acme.com"}},
		]},
		[],
	)
	access.project_rules_known("9") with input as d
	access.effective_project("9", "m-pat") == {"rank": 2, "source": "explicit_members"} with input as d
	access.effective_project("9", "m-bi") == {"rank": 1, "source": "explicit_members"} with input as d
	access.effective_project("9", "m-eve") == {"rank": 0, "source": "explicit_members"} with input as d
	access.effective_project("9", "m-alice").rank == 2 with input as d
	prof := access.member_profile["m-eve"] with input as d
	access._profile_project("9", prof).rank == 0 with input as d
	access._project_individuals("9") == {"m-alice", "m-bob", "m-pat", "m-bi"} with input as d
}

test_legacy_explicit_members_keep_a_higher_organization_level if {
	m := testdata.member_index("m-x", "u-x", "x@acme.com", 8, [], [])
	ex := legacy_doc({"explicit_members": [{"id": "e1", "level": 1, "user": {"uuid": "u-x"}}]}, [])
	d := object.union(testdata.with_members({"m-x": m}), {"snapshot": {"organization": ex.snapshot.organization, "projects": ex.snapshot.projects}})
	access._explicit_member_ranks["9"]["m-x"] == 2 with input as d
	access._legacy_rank(15) == 2
	access._legacy_rank(1) == 1
}

test_legacy_private_without_explicit_members_is_unknown if {
	d := legacy_doc({}, [{"section": "explicit_members", "project_id": 9, "status": 404, "not_applicable": true}])
	not access.project_rules_known("9") with input as d
	not access.effective_project("9", "m-eve") with input as d

	# a record for the whole section covers every project
	w := legacy_doc({}, [{"section": "explicit_members", "project_id": null, "status": 404}])
	not access.project_rules_known("9") with input as w

	# a record for another project does not
	o := legacy_doc({}, [{"section": "explicit_members", "project_id": 8, "status": 404}])
	access.project_rules_known("9") with input as o

	# collected and empty (left out of the snapshot): nobody but admins
	e := legacy_doc({}, [])
	access.effective_project("9", "m-eve").rank == 0 with input as e
}

test_the_legacy_flag_is_inert_on_newer_vintages if {
	d := object.union(legacy_doc({}, []), {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning", "advanced_permissions"]}}})
	access.effective_project("9", "m-eve") == {"rank": 2, "source": "system_default"} with input as d

	# access_control is no newer vintage on an older deployment: the flag holds
	c := object.union(legacy_doc({}, []), {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning", "access_control"]}}})
	access.effective_project("9", "m-eve") == {"rank": 0, "source": "explicit_members"} with input as c

	# the newest PostHog ignores the flag and project_based_permissioning
	n := object.union(legacy_doc({}, []), {"sections": {"identity_provider_configs": "ok"}})
	not access.legacy_private("9") with input as n
	access.effective_project("9", "m-eve") == {"rank": 2, "source": "system_default"} with input as n

	# an unknown vintage keeps the union's rule: the flag holds with
	# project_based_permissioning alone, not beside access_control
	u := testdata.on_unknown_deployment(legacy_doc({}, []))
	access.legacy_private("9") with input as u
	not access.legacy_private("9") with input as object.union(u, {"snapshot": {"organization": {"available_product_features": ["project_based_permissioning", "access_control"]}}})
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
	access._profile_project("1", p) == {"rank": 0, "source": "access_controls"} with input as d
}

test_profile_access if {
	p := access.member_profile["m-eve"] with input as doc
	access._profile_project("1", p) == {"rank": 1, "source": "access_controls"} with input as doc
	access._profile_resource("1", p, "feature_flag") == {"rank": 2, "source": "resource_access_controls"} with input as doc
	access._profile_resource("1", p, "insight") == {"rank": 2, "source": "system_default"} with input as doc
	access.allowed_project_by_profile[p] == {"production_project": 1, "staging_project": 2} with input as doc
}

test_individuals if {
	access._project_individuals("1") == {"m-alice", "m-bob", "m-pat"} with input as doc
	access._resource_individuals("1", "feature_flag") == {"m-alice", "m-bob", "m-pat"} with input as doc
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
	access._profile_project("1", p) == {"rank": 1, "source": "access_controls"} with input as doc
	no_rbac := object.union(doc, {"snapshot": {"organization": {"available_product_features": ["access_control"]}}})
	access._profile_project("1", p) == {"rank": 0, "source": "access_controls"} with input as no_rbac
}

cells(set) := {[c.project, c.member] | some c in set}

test_the_compliant_fixture_has_no_excess if {
	count(access.project_excess) == 0 with input as doc
	count(access.resource_excess) == 0 with input as doc
}

test_project_excess_covers_protected_and_unprotected_projects if {
	open_production := testdata.project(1, "Production", [testdata.project_rule(1, "admin", null, null)], [])
	open_staging := testdata.project(2, "Staging", [], [])
	cells(access.project_excess) == {
		["production_project", "m-eve"],
		["production_project", "m-pat"],
		["production_project", "m-bi"],
		["staging_project", "m-pat"],
		["staging_project", "m-bi"],
	} with input as testdata.with_projects([open_production, open_staging])
}

# staging_with is the fixture's staging project with pat's rule at level and
# an everyone rule at everyone.
staging_with(level, everyone) := testdata.project(
	2, "Staging", [
		testdata.project_rule(2, everyone, null, null),
		testdata.project_rule(2, "admin", null, "r-eng"),
		testdata.project_rule(2, level, "m-pat", null),
	],
	[],
)

test_project_excess_starts_one_level_above_the_allowed if {
	# pat (product: member on staging) exactly at member: no cell; bi-bot (no
	# group lists staging) exactly at none: no cell
	count(access.project_excess) == 0 with input as testdata.with_projects([testdata.production, staging_with("member", "none")])

	# one level above: pat admin (a member rule: one by one)
	access.project_excess == {{
		"member": "m-pat", "project": "staging_project", "project_id": 2,
		"effective": "admin", "allowed": "member", "source": "access_controls",
		"groups": ["product"], "line": 55,
	}} with input as testdata.with_projects([testdata.production, staging_with("admin", "none")])

	# one level above: bi-bot member through the everyone rule (per profile)
	access.project_excess == {{
		"member": "m-bi", "project": "staging_project", "project_id": 2,
		"effective": "member", "allowed": "none", "source": "access_controls",
		"groups": ["bi_service_account"], "line": 28,
	}} with input as testdata.with_projects([testdata.production, staging_with("member", "member")])
}

# staging_rows is staging with PostHog's own resolution: pat at level.
staging_rows(level) := object.union(testdata.staging, {"users_with_access": [
	{"user_id": "u-alice", "access_level": "admin", "access_source": "organization_admin", "organization_membership_id": "m-alice", "organization_membership_level": "owner"},
	{"user_id": "u-pat", "access_level": level, "access_source": "explicit_member", "organization_membership_id": "m-pat", "organization_membership_level": "member"},
]})

test_project_excess_reads_users_with_access_where_offered if {
	# pat exactly at member (the rules would say the same): no cell
	count(access.project_excess) == 0 with input as testdata.with_projects([testdata.production, staging_rows("member")])

	# one level above, though the rules say member
	access.project_excess == {{
		"member": "m-pat", "project": "staging_project", "project_id": 2,
		"effective": "admin", "allowed": "member", "source": "users_with_access",
		"groups": ["product"], "line": 55,
	}} with input as testdata.with_projects([testdata.production, staging_rows("admin")])
}

test_project_excess_needs_the_projects_access_to_be_known if {
	p := object.union(staging_with("admin", "admin"), {"access_controls": null})
	count(access.project_excess) == 0 with input as testdata.with_projects([testdata.production, p])
}

# production_with is the fixture's production project let open to every
# member, with the everyone rule on feature_flag at level.
production_with(level) := testdata.project(
	1, "Production", [
		testdata.project_rule(1, "member", null, null),
		testdata.project_rule(1, "member", "m-pat", null),
	],
	[testdata.rule(level, "feature_flag", null, null)],
)

# with_x is input with x (product, in no role) added and the given projects.
with_x(projects) := object.union(
	testdata.with_members({"m-x": testdata.member_index("m-x", "u-x", "x@product.acme.com", 1, ["product"], [])}),
	{"snapshot": {"projects": projects}},
)

d(level) := with_x([production_with(level), testdata.staging])

test_resource_excess_starts_one_level_above_the_allowed if {
	# x (product, no rule names it: per profile) and pat (a member rule: one by
	# one) are allowed viewer on feature_flag in production (line 58)
	# exactly at viewer: no cell
	count(access.resource_excess) == 0 with input as d("viewer")

	# one level above
	access.resource_excess == {
		{
			"member": "m-x", "project": "production_project", "project_id": 1, "resource": "feature_flag",
			"effective": "editor", "allowed": "viewer", "source": "resource_access_controls",
			"groups": ["product"], "line": 58,
		},
		{
			"member": "m-pat", "project": "production_project", "project_id": 1, "resource": "feature_flag",
			"effective": "editor", "allowed": "viewer", "source": "resource_access_controls",
			"groups": ["product"], "line": 58,
		},
	} with input as d("editor")
}

test_resource_excess_is_only_inside_projects_posthog_lets_the_member_into if {
	# everyone editor on flags, but production keeps everyone but pat and
	# engineering out: pat's cell alone
	p := object.union(testdata.production, {"resource_access_controls": {"access_controls": [testdata.rule("editor", "feature_flag", null, null)]}})
	cells(access.resource_excess) == {["production_project", "m-pat"]} with input as with_x([p, testdata.staging])
}

test_excess_lines if {
	access._project_line(["product"], "production_project", 1) == 57 with input as doc
	access._project_line([], "staging_project", 0) == 28 with input as doc
	access._resource_line(["engineering", "product"], "production_project", "feature_flag") == 58 with input as doc
	access._resource_line(["engineering"], "production_project", "feature_flag") == 25 with input as doc
}
