# METADATA
# title: A matrix key binds to nothing in PostHog
# description: >-
#   A project key of the matrix that is not protected matches no PostHog project (by its id, its
#   name, or the key's own name), or several, or a group matches no PostHog role (or several) and
#   lists no members or keys. Its rules then govern nothing, usually because a project or role was
#   renamed; the matrix key is reported, with the projects it could mean, instead of failing the
#   scan. A project key matching several projects also keeps the rules that judge projects from
#   running (exit 2) until it is given an id. Protected project keys are PH905's. Bindings the
#   engine could not check (the snapshot lacks projects or roles) are not reported; PH901 names the
#   missing section.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog projects, roles and access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH903
#   name: matrix-binding-missing
#   severity: medium
#   area: tool
#   frameworks:
#     soc2: [CC4.1, CC6.1]
#     iso27001_2022: [A.5.9, A.5.36]
#   requires: []
#   remediation: >-
#     Point the matrix at the PostHog object: give the project key an id: (Project settings shows
#     it; the finding lists the candidates) or the project's current name:, and give the group the
#     role: name PostHog shows in Organization settings → Roles (or list its members:). Remove keys
#     for projects and roles that no longer exist.
#   notes: |
#     A matrix project key that the project list shows to bind to no single PostHog project is reported with the
#     candidates (every match, or the nearest names) by id and name. A `protected` key that binds to nothing or to
#     several (PH905), and any key that matches several, leave every rule reading `projects` not evaluated (exit
#     2): hogaudit does not guess which project the matrix means (docs/matrix.md, "Bindings that fail closed").
package hogaudit.rules.ph903

import data.hogaudit.lib.bindings
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

# A binding the engine could not tell (the snapshot lacked projects or roles)
# has no bound at all and is not reported.
findings contains f if {
	some k, p in bindings.unbound
	not p.protected == true
	f := bindings.finding(k, p, "Matrix project")
}

findings contains f if {
	some k, g in object.get(input.matrix, "groups", {})
	g.bound == false
	f := {
		"subject": sprintf("matrix:groups.%s", [k]),
		"identity": identity.join(["matrix-group", group_target(k, g)]),
		"message": sprintf("Matrix group %s %s.", [k, group_problem(g)]),
		"evidence": {
			"kind": "group", "key": k, "binding": object.get(g, "binding", null),
			"role": object.get(g, "match_name", object.get(g, "role", null)),
			"ambiguous": object.get(g, "ambiguous", []),
		},
		"line": util.node_line(g),
	}
}

# group_target is the role name an unbound matrix group looked for, else its
# key.
group_target(k, g) := sprintf("role-name:%s", [lower(name)]) if {
	name := object.get(g, "match_name", object.get(g, "role", ""))
	is_string(name)
	name != ""
} else := sprintf("group:%s", [k])

group_problem(g) := sprintf("matches several PostHog roles (ids %s)", [ids(g.ambiguous)]) if {
	count(util.array_or_empty(g.ambiguous)) > 0
} else := sprintf("matches no PostHog role (looked for a role named %q) and lists no members or keys", [name]) if {
	name := object.get(g, "match_name", object.get(g, "role", ""))
	name != ""
} else := "matches no PostHog role and lists no members or keys"

ids(xs) := concat(", ", [sprintf("%v", [x]) | some x in xs])
