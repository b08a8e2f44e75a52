# METADATA
# title: The matrix names a scope PostHog does not know
# description: >-
#   A scope in the matrix's api_key_scopes is not a PostHog personal API key scope: its object is not
#   one of PostHog's scope objects (for example event:read — events are read with query:read), its
#   action is not read or write, or it is not of the form object:action. PostHog rejects such a key
#   (400 Invalid scope), so the grant cannot mean what it says. The known objects are the union of
#   PostHog's newest and mid-2025 lists.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API key scopes
# custom:
#   id: PH307
#   name: unknown-scope
#   severity: medium
#   area: keys
#   requires: []
#   scopes: []
#   remediation: >-
#     Replace the scope in the matrix with the PostHog scope that covers what the integration does
#     (events and HogQL: query:read; event definitions: event_definition:read), or remove it. The
#     scopes PostHog offers are listed when you create a personal API key (Account settings →
#     Personal API keys).
package hogaudit.rules.ph307

import data.hogaudit.lib.util

known := {o | some o in util.array_or_empty(input.tool.known_scope_objects)}

# problem says what is wrong with a scope; undefined for a known one.
problem(s) := "not of the form object:action" if {
	count(split(s, ":")) != 2
} else := "unknown action" if {
	not split(s, ":")[1] in {"read", "write"}
} else := "unknown object" if {
	not split(s, ":")[0] in known
}

hint(s) := "; events are read with query:read" if {
	startswith(s, "event:")
} else := ""

findings contains f if {
	some g, gm in input.matrix.access_matrix
	some k, e in gm.projects
	some s in util.array_or_empty(e.api_key_scopes)
	is_string(s)
	s != "*"
	why := problem(s)
	f := {
		"subject": sprintf("matrix:access_matrix.%s.%s.api_key_scopes.%s", [g, k, s]),
		"project": k,
		"message": sprintf("The matrix grants %s to %s on %s, a scope PostHog does not know%s.", [s, g, k, hint(s)]),
		"evidence": {"scope": s, "group": g, "problem": why},
		"line": line(e, s),
	}
}

line(e, s) := l if {
	l := e.scope_lines[s]
	is_number(l)
} else := util.line_of(e, "api_key_scopes")
