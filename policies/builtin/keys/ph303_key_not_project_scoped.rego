# METADATA
# title: A service-account key is not limited to its projects
# description: >-
#   With require_project_scoping, every audited personal API key that belongs to a matrix group must
#   be limited to projects (scoped_teams), and only to projects where one of its groups has
#   api_key_scopes. A key without scoped_teams reaches every project its owner can reach, including
#   projects created later.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API keys
# schemas:
#   - input: schema.input
# custom:
#   id: PH303
#   name: key-not-project-scoped
#   severity: high
#   area: keys
#   frameworks:
#     soc2: [CC6.3]
#     iso27001_2022: [A.5.18, A.8.3]
#   requires: [api_keys, projects, members, roles]
#   remediation: >-
#     In PostHog open Account settings → Personal API keys (as the key's owner), edit the key and
#     under project access choose "Specific projects" with only the projects its matrix groups are
#     granted scopes on; or grant the missing projects in the matrix
#     (access_matrix.<group>.<project>.api_key_scopes).
package hogaudit.rules.ph303

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.keys
import data.hogaudit.lib.util

# ungranted are the projects a scoped key reaches where none of its groups
# has api_key_scopes: {project_id, project (matrix key or null)}.
ungranted(key) := [p |
	some id in util.array_or_empty(key.scoped_teams)
	pid := format_int(id, 10)
	k := object.get(access.bound_projects, pid, null)
	not granted_on(key.groups, k)
	p := {"project_id": id, "project": k}
]

granted_on(groups, k) if {
	some g in groups
	count(keys.entry_scopes(g, k)) > 0
}

findings contains f if {
	util.key_settings.require_project_scoping == true
	some key in keys.audit_keys
	count(key.groups) > 0
	scoped := keys.project_scoped(key)
	extra := ungranted(key)
	problem(scoped, extra)
	f := {
		"subject": keys.subject(key),
		"identity": identity.key(key),
		"message": message(key, scoped, extra),
		"evidence": {
			"scoped_teams": object.get(key, "scoped_teams", null),
			"project_scoped": scoped,
			"ungranted_projects": extra,
			"scopes": keys.scopes(key),
			"projects": sort(keys.reached_project_keys(key)),
			"project_ids": keys.reached_project_ids(key),
			"groups": key.groups,
			"env": object.get(key, "env", ""),
		},
		"line": util.keys_line("require_project_scoping"),
	}
}

problem(false, _)

problem(true, extra) if count(extra) > 0

message(key, false, _) := sprintf("Key %s is not limited to projects; the matrix requires service-account keys to name only the projects their groups are granted.", [keys.label(key)])

message(key, true, extra) := sprintf("Key %s reaches projects where its matrix groups grant no scopes: %s.", [keys.label(key), concat(", ", [name(p) | some p in extra])])

name(p) := p.project if {
	p.project != null
} else := sprintf("project %d", [p.project_id])
