package hogaudit.rules.ph303_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph303

with_bi(patch) := object.union(testdata.input_doc, {"snapshot": {"api_keys": [
	testdata.snapshot.api_keys[0],
	object.union(testdata.snapshot.api_keys[1], patch),
]}})

test_scoped_key_passes if {
	count(ph303.findings) == 0 with input as testdata.input_doc
}

test_fires_for_an_unscoped_key if {
	ph303.findings == {{
		"subject": "key:bi-dashboard",
		"identity": "key:k-bi",
		"message": "Key bi-dashboard is not limited to projects; the matrix requires service-account keys to name only the projects their groups are granted.",
		"evidence": {
			"scoped_teams": null, "project_scoped": false, "ungranted_projects": [],
			"scopes": ["insight:read", "query:read"],
			"projects": ["production_project", "staging_project"], "project_ids": [1, 2],
			"groups": ["bi_service_account"], "env": "BI_KEY",
		},
		"line": 19,
	}} with input as with_bi({"scoped_teams": null})
}

test_empty_scoped_teams_is_unscoped if {
	count(ph303.findings) == 1 with input as with_bi({"scoped_teams": []})
}

test_fires_for_projects_without_grants if {
	some f in ph303.findings with input as with_bi({"scoped_teams": [1, 2, 9]})
	f.evidence.ungranted_projects == [{"project_id": 2, "project": "staging_project"}, {"project_id": 9, "project": null}]
	f.message == "Key bi-dashboard reaches projects where its matrix groups grant no scopes: staging_project, project 9."
}

test_keys_in_no_group_are_ph302s if {
	doc := object.union(with_bi({"scoped_teams": null}), {"index": {"keys": [testdata.index.keys[0], object.union(testdata.index.keys[1], {"groups": []})]}})
	count(ph303.findings) == 0 with input as doc
}

test_silent_unless_required if {
	doc := object.union(with_bi({"scoped_teams": null}), {"matrix": {"api_keys": {"require_project_scoping": false}}})
	count(ph303.findings) == 0 with input as doc
}
