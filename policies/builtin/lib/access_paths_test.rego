package hogaudit.lib.access_paths_test

import data.hogaudit.lib.access
import data.hogaudit.lib.testdata

doc := testdata.input_doc

test_project_path_kinds if {
	access.project_path("1", "m-alice") == {"level": "admin", "via": "org_admin", "roles": [], "org_level": "owner"} with input as doc
	access.project_path("1", "m-bob") == {"level": "admin", "via": "org_admin", "roles": [], "org_level": "admin"} with input as doc
	access.project_path("1", "m-eve") == {"level": "member", "via": "role_rule", "roles": ["r-eng"]} with input as doc
	access.project_path("1", "m-pat") == {"level": "member", "via": "member_rule", "roles": []} with input as doc
	access.project_path("1", "m-bi") == {"level": "none", "via": "everyone_rule", "roles": []} with input as doc

	open := testdata.project(9, "Open", [], [])
	access.project_path("9", "m-bi") == {"level": "admin", "via": "default", "roles": []} with input as testdata.with_projects([open])

	no_feature := object.union(doc, {"snapshot": {"organization": {"available_product_features": ["audit_logs"]}}})
	access.project_path("1", "m-bi") == {"level": "admin", "via": "no_access_control", "roles": []} with input as no_feature
	access.resource_path("1", "m-bi", "feature_flag") == {"level": "editor", "via": "no_access_control", "roles": []} with input as no_feature
}

test_a_tie_of_member_and_role_rules_names_the_member if {
	tie := testdata.project(
		9, "P", [
			testdata.project_rule(9, "none", null, null),
			testdata.project_rule(9, "admin", "m-eve", null),
			testdata.project_rule(9, "admin", null, "r-eng"),
		],
		[],
	)
	access.project_path("9", "m-eve") == {"level": "admin", "via": "member_rule", "roles": []} with input as testdata.with_projects([tie])

	# near miss: her own rule is lower, the role's decides (explicit-first)
	lower := testdata.project(
		9, "P", [
			testdata.project_rule(9, "admin", null, null),
			testdata.project_rule(9, "member", "m-eve", null),
			testdata.project_rule(9, "none", null, "r-eng"),
		],
		[],
	)
	access.project_path("9", "m-eve") == {"level": "member", "via": "member_rule", "roles": []} with input as testdata.with_projects([lower])
	access.project_path("9", "m-pat") == {"level": "admin", "via": "everyone_rule", "roles": []} with input as testdata.with_projects([lower])
}

test_resource_paths_name_the_highest_subject if {
	# flags: viewer for everyone, editor for engineering
	access.resource_path("1", "m-eve", "feature_flag") == {"level": "editor", "via": "role_rule", "roles": ["r-eng"]} with input as doc
	access.resource_path("1", "m-pat", "feature_flag") == {"level": "viewer", "via": "everyone_rule", "roles": []} with input as doc
	access.resource_path("1", "m-pat", "insight") == {"level": "editor", "via": "default", "roles": []} with input as doc
	access.resource_path("1", "m-bob", "toolbar") == {"level": "viewer", "via": "org_admin", "roles": [], "org_level": "admin"} with input as doc

	# a tie of everyone and a role: the role, the more specific
	p := testdata.project(9, "P", [], [
		testdata.rule("editor", "feature_flag", null, null),
		testdata.rule("editor", "feature_flag", null, "r-eng"),
	])
	access.resource_path("9", "m-eve", "feature_flag") == {"level": "editor", "via": "role_rule", "roles": ["r-eng"]} with input as testdata.with_projects([p])
}

test_project_paths_resolve_per_profile_and_individual if {
	paths := access.project_paths["1"] with input as doc
	{mid | some mid, _ in paths.members} == {"m-alice", "m-bob", "m-pat"}
	paths.profiles[doc.index.members["m-eve"].profile] == {"level": "member", "via": "role_rule", "roles": ["r-eng"]}
	paths.profiles[doc.index.members["m-bi"].profile] == {"level": "none", "via": "everyone_rule", "roles": []}

	# every member the snapshot has is told, by itself or by its profile
	all_told({mid | some mid, _ in doc.index.members}, paths)

	rs := access.resource_paths(["feature_flag", "session_recording_playlist"]) with input as doc
	rs["1"].feature_flag.profiles[doc.index.members["m-eve"].profile].level == "editor"
	{r | some r, _ in rs["1"]} == {"feature_flag", "session_recording_playlist"}
}

all_told(mids, paths) if {
	told := {mid |
		some mid in mids
		paths.members[mid]
	} | {mid |
		some mid in mids
		paths.profiles[doc.index.members[mid].profile]
	}
	told == mids
}

test_paths_need_the_organization_wide_facts if {
	count(access.project_paths) > 0 with input as doc
	every section in ["organization", "members", "projects"] {
		gap := object.union(doc, {"sections": {section: "missing"}})
		count(access.project_paths) == 0 with input as gap
		access.resource_paths(["feature_flag"]) == {} with input as gap
	}
}

test_paths_need_roles_only_when_role_rules_apply if {
	gap := object.union(doc, {"sections": {"roles": "missing"}})
	count(access.project_paths) == 0 with input as gap
	no_rbac := object.union(gap, {"snapshot": {"organization": {"available_product_features": ["access_control"]}}})
	count(access.project_paths) > 0 with input as no_rbac
}

test_paths_need_the_vintage_when_it_decides if {
	unknown := testdata.on_unknown_deployment(doc)
	count(access.project_paths) == 0 with input as unknown
	no_feature := object.union(unknown, {"snapshot": {"organization": {"available_product_features": ["audit_logs"]}}})
	count(access.project_paths) > 0 with input as no_feature
}

test_unknown_projects_have_no_paths if {
	p := object.union(testdata.project(9, "P", [], []), {"access_controls": null})
	d := testdata.with_projects([p, testdata.production])
	not access.project_paths["9"] with input as d
	access.project_paths["1"] with input as d
}

test_no_path_without_the_rules if {
	# staging's rules (or resource rules) not collected: no path, never the default's
	no_rules := testdata.with_projects([testdata.production, object.remove(testdata.staging, ["access_controls", "resource_access_controls"])])
	not access.project_path("2", "m-pat") with input as no_rules
	not access.resource_path("2", "m-pat", "feature_flag") with input as no_rules

	# near miss: production's were, and keep their path
	access.project_path("1", "m-pat") with input as no_rules
	access.resource_path("1", "m-pat", "feature_flag") with input as no_rules
}
