package hogaudit.rules.ph307_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph307

with_scopes(scopes, lines) := object.union(testdata.input_doc, {"matrix": {"access_matrix": {"bi_service_account": {"projects": {"production_project": {"api_key_scopes": scopes, "scope_lines": lines}}}}}})

test_known_scopes_pass if {
	count(ph307.findings) == 0 with input as testdata.input_doc
}

test_fires_on_event_read if {
	ph307.findings == {{
		"subject": "matrix:access_matrix.bi_service_account.production_project.api_key_scopes.event:read",
		"project": "production_project",
		"message": "The matrix grants event:read to bi_service_account on production_project, a scope PostHog does not know; events are read with query:read.",
		"evidence": {"scope": "event:read", "group": "bi_service_account", "problem": "unknown object"},
		"line": 62,
	}} with input as with_scopes(["query:read", "event:read"], {"event:read": 62})
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
