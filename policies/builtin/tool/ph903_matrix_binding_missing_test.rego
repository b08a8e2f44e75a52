package hogaudit.rules.ph903_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph903

test_bound_keys_pass if {
	count(ph903.findings) == 0 with input as testdata.input_doc
}

test_fires_for_an_unbound_project if {
	doc := object.union(testdata.input_doc, {"matrix": {"projects": {"staging_project": {"bound": false, "binding": "name", "match_name": "Staging"}}}})
	ph903.findings == {{
		"subject": "matrix:projects.staging_project",
		"identity": "matrix-project/name:staging",
		"project": "staging_project",
		"message": "Matrix project staging_project matches no PostHog project (looked for a project named \"Staging\").",
		"evidence": {
			"kind": "project", "key": "staging_project", "binding": "name", "id": null, "name": "Staging",
			"ambiguous": [], "candidates": [], "protected": false,
		},
		"line": 28,
	}} with input as doc
}

test_project_by_id if {
	doc := object.union(testdata.input_doc, {"matrix": {"projects": {"staging_project": {"bound": false, "binding": "id", "id": 99}}}})
	some f in ph903.findings with input as doc
	f.message == "Matrix project staging_project matches no PostHog project (looked for id 99)."
}

test_ambiguous_project if {
	doc := object.union(testdata.input_doc, {"matrix": {"projects": {"staging_project": {"bound": false, "ambiguous": [2, 5], "candidates": [{"id": 2, "name": "Staging"}, {"id": 5, "name": "staging"}]}}}})
	some f in ph903.findings with input as doc
	f.message == "Matrix project staging_project matches 2 PostHog projects (2 \"Staging\", 5 \"staging\"); give it the id of the one it means."
	f.evidence.candidates == [{"id": 2, "name": "Staging"}, {"id": 5, "name": "staging"}]
}

test_unmatched_project_names_the_nearest if {
	doc := object.union(testdata.input_doc, {"matrix": {"projects": {"staging_project": {"bound": false, "binding": "name", "match_name": "Stagin", "candidates": [{"id": 2, "name": "Staging"}]}}}})
	some f in ph903.findings with input as doc
	f.message == "Matrix project staging_project matches no PostHog project (looked for a project named \"Stagin\"); nearest: 2 \"Staging\"."
}

test_protected_projects_are_ph905s if {
	doc := object.union(testdata.input_doc, {"matrix": {"projects": {"production_project": {"bound": false, "ambiguous": [1, 3]}}}})
	count(ph903.findings) == 0 with input as doc
}

test_fires_for_an_unbound_group if {
	doc := object.union(testdata.input_doc, {"matrix": {"groups": {"engineering": {"bound": false, "binding": "role", "match_name": "Engineering"}}}})
	some f in ph903.findings with input as doc
	f.subject == "matrix:groups.engineering"
	f.message == "Matrix group engineering matches no PostHog role (looked for a role named \"Engineering\") and lists no members or keys."
	f.line == 32
	not f.project
}

test_unknown_bindings_are_not_reported if {
	# the snapshot had no roles: the engine leaves bound out
	doc := object.union(testdata.input_doc, {"matrix": {"binding_unknown": {"groups": true}, "groups": {"design": {"key": "design", "line": 90, "org_level": "member"}}}})
	count(ph903.findings) == 0 with input as doc
}
