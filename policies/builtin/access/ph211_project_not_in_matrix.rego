# METADATA
# title: A project is not in the matrix
# description: >-
#   A PostHog project that no matrix project key binds to (by id, by name, or by the key's name) is
#   not governed: nobody checks who can reach it. New projects often start open to every member,
#   because PostHog gives admin access to a project without access rules.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog project access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH211
#   name: project-not-in-matrix
#   severity: low
#   area: access
#   frameworks:
#     soc2: [CC6.1]
#     iso27001_2022: [A.5.9, A.5.15]
#   requires: [projects]
#   remediation: >-
#     Add the project to the matrix under projects: (with its name: or id:) and give the groups that
#     may use it an entry under access_matrix; or delete the project in PostHog (Project settings →
#     Danger zone) if nobody needs it.
package hogaudit.rules.ph211

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

line := l if {
	l := input.matrix.lines.projects
	is_number(l)
} else := util.top_line("access_matrix")

name_count := {n: count([1 | some p in access.projects_by_id; p.name == n]) | some p in access.projects_by_id; n := p.name}

# subject is project:<name>, made unique with the id when two projects share
# the name.
subject(p) := sprintf("project:%s", [p.name]) if {
	name_count[p.name] == 1
} else := sprintf("project:%s#%d", [p.name, p.id])

findings contains f if {
	some pid, p in access.projects_by_id
	not access.project_key(pid)
	f := {
		"subject": subject(p),
		"identity": identity.project(pid),
		"message": sprintf("Project %s (id %d) is not in the access matrix; no matrix project key binds to it.", [p.name, p.id]),
		"evidence": {"project_id": p.id, "name": p.name},
		"line": line,
	}
}
