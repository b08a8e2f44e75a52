# METADATA
# title: A personal API key holds scopes the matrix does not grant
# description: >-
#   An audited personal API key holds a scope that its matrix groups (the groups listing its label
#   under keys, and those of its owner) do not grant in api_key_scopes for the projects it reaches
#   (its scoped_teams, else every project); a write scope grants the matching read scope. A key
#   whose groups grant no api_key_scopes at all is reported too: keys are granted by the matrix or
#   not at all. The scope * is PH301's business.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API key scopes
# schemas:
#   - input: schema.input
# custom:
#   id: PH302
#   name: key-scope-exceeds-matrix
#   severity: high
#   area: keys
#   frameworks:
#     soc2: [CC6.3]
#     iso27001_2022: [A.5.18]
#   requires: [api_keys, projects, members, roles]
#   remediation: >-
#     In PostHog open Account settings → Personal API keys (as the key's owner), edit the key and
#     remove the scopes the matrix does not grant, or create a replacement key with exactly the
#     granted scopes and delete this one. If the scope is needed, grant it in the matrix
#     (access_matrix.<group>.<project>.api_key_scopes) and put the key's label under
#     groups.<group>.keys.
package hogaudit.rules.ph302

import data.hogaudit.lib.identity
import data.hogaudit.lib.keys
import data.hogaudit.lib.util

findings contains f if {
	some key in keys.audit_keys
	reached := keys.reached_project_keys(key)
	grants := keys.granted(key.groups, reached)
	excess := keys.excess(key, grants)
	none_granted := count(keys.granted_anywhere(key.groups)) == 0
	problem(excess, none_granted)
	f := {
		"subject": keys.subject(key),
		"identity": identity.key(key),
		"message": message(key, excess, none_granted),
		"evidence": {
			"excess": sort(excess),
			"granted": sort(grants),
			"scopes": keys.scopes(key),
			"projects": sort(reached),
			"project_ids": keys.reached_project_ids(key),
			"groups": key.groups,
			"env": object.get(key, "env", ""),
		},
		"line": line(key, reached),
	}
}

problem(excess, _) if count(excess) > 0

problem(_, true)

message(key, _, true) := sprintf("Key %s is granted no API key scopes by its matrix groups; keys are granted by the matrix or not at all.", [keys.label(key)])

message(key, excess, false) := sprintf("Key %s holds scopes its matrix groups do not grant for the projects it reaches: %s.", [keys.label(key), concat(", ", sort(excess))])

# line is the api_key_scopes of the first of the key's groups that grants
# scopes on a project the key reaches, else that group, else groups:.
line(key, reached) := l if {
	entries := [e |
		some g in key.groups
		some k in sort(reached)
		e := input.matrix.access_matrix[g].projects[k]
		count(util.array_or_empty(e.api_key_scopes)) > 0
	]
	l := util.line_of(entries[0], "api_key_scopes")
} else := util.line_of(input.matrix.groups[key.groups[0]], "keys") if {
	count(key.groups) > 0
} else := l if {
	l := input.matrix.lines.groups
	is_number(l)
} else := util.top_line("access_matrix")
