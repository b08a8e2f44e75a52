package hogaudit.rules.ph905_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph903
import data.hogaudit.rules.ph905

ambiguous := {"bound": false, "binding": "name", "match_name": "Production", "ambiguous": [1, 9], "candidates": [{"id": 1, "name": "Production"}, {"id": 9, "name": "Production"}]}

test_bound_keys_pass if {
	count(ph905.findings) == 0 with input as testdata.input_doc
}

test_fires_for_an_ambiguous_protected_project if {
	doc := object.union(testdata.input_doc, {"matrix": {"projects": {"production_project": ambiguous}}})
	ph905.findings == {{
		"subject": "matrix:projects.production_project",
		"identity": "matrix-project/name:production",
		"project": "production_project",
		"message": "Protected matrix project production_project matches 2 PostHog projects (1 \"Production\", 9 \"Production\"); give it the id of the one it means.",
		"evidence": {
			"kind": "project", "key": "production_project", "binding": "name", "id": null, "name": "Production",
			"ambiguous": [1, 9], "candidates": [{"id": 1, "name": "Production"}, {"id": 9, "name": "Production"}],
			"protected": true,
		},
		"line": 25,
	}} with input as doc

	# PH903 leaves the protected key to PH905
	count(ph903.findings) == 0 with input as doc
}

test_fires_for_an_unmatched_protected_project if {
	doc := object.union(testdata.input_doc, {"matrix": {"projects": {"production_project": {"bound": false, "binding": "name", "match_name": "Production", "candidates": [{"id": 2, "name": "Staging"}]}}}})
	some f in ph905.findings with input as doc
	f.message == "Protected matrix project production_project matches no PostHog project (looked for a project named \"Production\"); nearest: 2 \"Staging\"."
}

test_unprotected_keys_are_ph903s if {
	doc := object.union(testdata.input_doc, {"matrix": {"projects": {"staging_project": object.union(ambiguous, {"protected": false})}}})
	count(ph905.findings) == 0 with input as doc
	some f in ph903.findings with input as doc
	f.subject == "matrix:projects.staging_project"
}

test_unknown_bindings_are_not_reported if {
	doc := object.union(testdata.input_doc, {"matrix": {"binding_unknown": {"projects": true}, "projects": {"production_project": {"key": "production_project", "protected": true, "line": 25}}}})
	count(ph905.findings) == 0 with input as doc
}
