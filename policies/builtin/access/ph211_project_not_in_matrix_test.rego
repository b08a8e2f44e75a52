package hogaudit.rules.ph211_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph211

test_bound_projects_pass if {
	count(ph211.findings) == 0 with input as testdata.input_doc
}

test_fires_for_an_unbound_project if {
	sandbox := testdata.project(3, "Sandbox", [], [])
	ph211.findings == {{
		"subject": "project:Sandbox",
		"identity": "project:3",
		"message": "Project Sandbox (id 3) is not in the access matrix; no matrix project key binds to it.",
		"evidence": {"project_id": 3, "name": "Sandbox"},
		"line": 24,
	}} with input as testdata.with_projects([testdata.production, testdata.staging, sandbox])
}

test_duplicate_names_get_unique_subjects if {
	a := testdata.project(3, "Sandbox", [], [])
	b := testdata.project(4, "Sandbox", [], [])
	fs := ph211.findings with input as testdata.with_projects([testdata.production, testdata.staging, a, b])
	{f.subject | some f in fs} == {"project:Sandbox#3", "project:Sandbox#4"}
}
