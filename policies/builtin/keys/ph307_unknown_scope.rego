# METADATA
# title: The matrix names a scope PostHog does not know
# description: >-
#   A scope in the matrix's api_key_scopes is not one a PostHog personal API key can hold: its object
#   is not one of PostHog's scope objects (for example event:read — events are read with
#   query:read), its object is INTERNAL (PostHog mints those scopes for its own services and rejects
#   them on personal API keys), its action is not read or write, or it is not of the form
#   object:action. PostHog rejects such a key (400 Invalid scope), so the grant cannot mean what it
#   says. The known objects are those of every stored version of PostHog's posthog/scopes.py (the
#   newest, 2026, the mid-2025 one and the others), so a scope valid on an older or a newer
#   deployment is never reported; OAuth-hidden objects are valid for personal API keys. The message
#   names the nearest known scope when one is close ("did you mean feature_flag:write?"), the same
#   hint hogaudit matrix validate prints.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API key scopes
# schemas:
#   - input: schema.input
# custom:
#   id: PH307
#   name: unknown-scope
#   severity: medium
#   area: keys
#   frameworks:
#     soc2: [CC5.3]
#     iso27001_2022: [A.5.15]
#   requires: []
#   remediation: >-
#     Replace the scope in the matrix with the PostHog scope that covers what the integration does
#     (the one the finding suggests; events and HogQL: query:read; event definitions:
#     event_definition:read), or remove it. The scopes PostHog offers are listed when you create a
#     personal API key (Account settings → Personal API keys).
package hogaudit.rules.ph307

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

known := {o | some o in util.array_or_empty(input.tool.known_scope_objects)}

internal_objects := {o | some o in util.array_or_empty(input.tool.internal_scope_objects)}

# problem says what is wrong with a scope; undefined for a known one. The
# words and their order are matrix.ScopeProblem's.
problem(s) := "not of the form object:action" if {
	count(split(s, ":")) != 2
} else := "unknown action" if {
	not split(s, ":")[1] in {"read", "write"}
} else := "internal object" if {
	split(s, ":")[0] in internal_objects
} else := "unknown object" if {
	not split(s, ":")[0] in known
}

# suggestion is the nearest known scope the matrix package found for s in
# entry e (undefined when none is near).
suggestion(e, s) := x if {
	x := e.scope_suggestions[s]
	is_string(x)
}

# hint ends the message: how events are read, or the nearest known scope.
hint(e, s) := "; events are read with query:read." if {
	startswith(s, "event:")
} else := sprintf("; did you mean %s?", [x]) if {
	x := suggestion(e, s)
} else := "."

message(g, k, s, _, "internal object") := sprintf("The matrix grants %s to %s on %s, a scope PostHog keeps for its own services (INTERNAL): no personal API key can hold it.", [s, g, k])

message(g, k, s, e, why) := sprintf("The matrix grants %s to %s on %s, a scope PostHog does not know%s", [s, g, k, hint(e, s)]) if {
	why != "internal object"
}

findings contains f if {
	some g, gm in input.matrix.access_matrix
	some k, e in gm.projects
	some s in util.array_or_empty(e.api_key_scopes)
	is_string(s)
	s != "*"
	why := problem(s)
	f := {
		"subject": sprintf("matrix:access_matrix.%s.%s.api_key_scopes.%s", [g, k, s]),
		"identity": identity.join([sprintf("scope:%s", [s]), identity.matrix_group(g), identity.matrix_project(k)]),
		"project": k,
		"message": message(g, k, s, e, why),
		"evidence": object.union({"scope": s, "group": g, "problem": why}, suggested(e, s)),
		"line": line(e, s),
	}
}

suggested(e, s) := {"suggestion": x} if {
	x := suggestion(e, s)
} else := {}

line(e, s) := l if {
	l := e.scope_lines[s]
	is_number(l)
} else := util.line_of(e, "api_key_scopes")
