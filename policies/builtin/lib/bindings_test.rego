package hogaudit.lib.bindings_test

import data.hogaudit.lib.bindings

test_ambiguous_names_every_candidate if {
	p := {"bound": false, "ambiguous": [12345, 12399], "candidates": [{"id": 12345, "name": "Production"}, {"id": 12399, "name": "production"}]}
	bindings._project_problem(p) == "matches 2 PostHog projects (12345 \"Production\", 12399 \"production\"); give it the id of the one it means"
}

test_unmatched_suggests_the_nearest if {
	p := {"bound": false, "binding": "name", "match_name": "Prod", "candidates": [{"id": 1, "name": "Production"}]}
	bindings._project_problem(p) == "matches no PostHog project (looked for a project named \"Prod\"); nearest: 1 \"Production\""
}

test_unmatched_without_projects if {
	bindings._project_problem({"bound": false, "id": 99}) == "matches no PostHog project (looked for id 99)"
	bindings._project_problem({"bound": false}) == "matches no PostHog project"
}

test_unknown_bindings_are_not_unbound if {
	count(bindings.unbound) == 0 with input as {"matrix": {"projects": {"a": {"key": "a"}, "b": {"bound": true}}}}
	bindings.unbound == {"c": {"bound": false}} with input as {"matrix": {"projects": {"a": {"key": "a"}, "c": {"bound": false}}}}
}
