package hogaudit.rules.ph307_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph307

with_scopes(scopes, lines) := with_suggestions(scopes, lines, {})

with_suggestions(scopes, lines, suggestions) := object.union(testdata.input_doc, {"matrix": {"access_matrix": {"bi_service_account": {"projects": {"production_project": {"api_key_scopes": scopes, "scope_lines": lines, "scope_suggestions": suggestions}}}}}})

test_known_scopes_pass if {
	count(ph307.findings) == 0 with input as testdata.input_doc
}

test_fires_on_event_read if {
	ph307.findings == {{
		"subject": "matrix:access_matrix.bi_service_account.production_project.api_key_scopes.event:read",
		"identity": "scope:event:read/group:bi_service_account/project:1",
		"project": "production_project",
		"message": "The matrix grants event:read to bi_service_account on production_project, a scope PostHog does not know; events are read with query:read.",
		"evidence": {"scope": "event:read", "group": "bi_service_account", "problem": "unknown object", "suggestion": "query:read"},
		"line": 62,
	}} with input as with_suggestions(["query:read", "event:read"], {"event:read": 62}, {"event:read": "query:read"})
}

test_fires_on_an_unknown_action if {
	some f in ph307.findings with input as with_scopes(["insight:delete"], {})
	f.evidence.problem == "unknown action"
	f.line == 61
}

test_fires_on_a_malformed_scope if {
	some f in ph307.findings with input as with_scopes(["insights"], {})
	f.evidence.problem == "not of the form object:action"
}

test_star_is_a_scope if {
	count(ph307.findings) == 0 with input as with_scopes(["*"], {})
}

test_a_misspelt_scope_names_the_nearest_one if {
	doc := with_suggestions(["feature_flags:write"], {"feature_flags:write": 63}, {"feature_flags:write": "feature_flag:write"})
	ph307.findings == {{
		"subject": "matrix:access_matrix.bi_service_account.production_project.api_key_scopes.feature_flags:write",
		"identity": "scope:feature_flags:write/group:bi_service_account/project:1",
		"project": "production_project",
		"message": "The matrix grants feature_flags:write to bi_service_account on production_project, a scope PostHog does not know; did you mean feature_flag:write?",
		"evidence": {"scope": "feature_flags:write", "group": "bi_service_account", "problem": "unknown object", "suggestion": "feature_flag:write"},
		"line": 63,
	}} with input as doc
}

test_no_suggestion_no_hint if {
	some f in ph307.findings with input as with_scopes(["zzzz:read"], {})
	f.message == "The matrix grants zzzz:read to bi_service_account on production_project, a scope PostHog does not know."
	not f.evidence.suggestion
}

test_an_internal_object_is_not_a_key_scope if {
	some f in ph307.findings with input as with_scopes(["clickhouse_test_cluster_perf:read"], {})
	f.evidence.problem == "internal object"
	f.message == "The matrix grants clickhouse_test_cluster_perf:read to bi_service_account on production_project, a scope PostHog keeps for its own services (INTERNAL): no personal API key can hold it."
}

test_an_internal_object_is_reported_even_if_listed_as_known if {
	# the internal list wins, as in matrix.ScopeProblem
	doc := object.union(with_scopes(["clickhouse_test_cluster_perf:read"], {}), {"tool": {"known_scope_objects": ["clickhouse_test_cluster_perf"]}})
	some f in ph307.findings with input as doc
	f.evidence.problem == "internal object"
}

test_every_known_object_passes_with_both_actions if {
	count(ph307.findings) == 0 with input as with_scopes(["survey:read", "survey:write", "user:read"], {})
}
