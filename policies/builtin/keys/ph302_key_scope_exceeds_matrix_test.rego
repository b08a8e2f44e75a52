package hogaudit.rules.ph302_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph302

with_bi(patch) := object.union(testdata.input_doc, {"snapshot": {"api_keys": [
	testdata.snapshot.api_keys[0],
	object.union(testdata.snapshot.api_keys[1], patch),
]}})

with_bi_groups(groups) := object.union(testdata.input_doc, {"index": {"keys": [
	testdata.index.keys[0],
	object.union(testdata.index.keys[1], {"groups": groups}),
]}})

test_granted_scopes_pass if {
	count(ph302.findings) == 0 with input as testdata.input_doc
}

test_fires_on_a_scope_not_granted if {
	ph302.findings == {{
		"subject": "key:bi-dashboard",
		"identity": "key:k-bi",
		"message": "Key bi-dashboard holds scopes its matrix groups do not grant for the projects it reaches: feature_flag:write, person:read.",
		"evidence": {
			"excess": ["feature_flag:write", "person:read"],
			"granted": ["dashboard:read", "insight:read", "query:read"],
			"scopes": ["insight:read", "feature_flag:write", "person:read"],
			"projects": ["production_project"],
			"project_ids": [1],
			"groups": ["bi_service_account"],
			"env": "BI_KEY",
		},
		"line": 61,
	}} with input as with_bi({"scopes": ["insight:read", "feature_flag:write", "person:read"]})
}

test_read_is_granted_by_a_matrix_write if {
	doc := object.union(with_bi({"scopes": ["insight:read"]}), {"matrix": {"access_matrix": {"bi_service_account": {"projects": {"production_project": {"api_key_scopes": ["insight:write"]}}}}}})
	count(ph302.findings) == 0 with input as doc
}

test_grants_on_projects_the_key_does_not_reach_do_not_count if {
	some f in ph302.findings with input as with_bi({"scoped_teams": [2]})
	f.evidence.excess == ["insight:read", "query:read"]
	f.evidence.projects == ["staging_project"]
}

test_an_unscoped_key_reaches_every_project if {
	count(ph302.findings) == 0 with input as with_bi({"scoped_teams": null})
}

test_fires_when_the_groups_grant_nothing if {
	fs := ph302.findings with input as with_bi_groups(["engineering"])
	some f in fs
	f.message == "Key bi-dashboard is granted no API key scopes by its matrix groups; keys are granted by the matrix or not at all."
	f.line == 32
}

test_fires_for_a_key_in_no_group if {
	some f in ph302.findings with input as with_bi_groups([])
	f.evidence.groups == []
	f.line == 31
}

test_a_wildcard_is_ph301s if {
	count(ph302.findings) == 0 with input as with_bi({"scopes": ["*"]})
}
