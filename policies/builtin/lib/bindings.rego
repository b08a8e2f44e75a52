# How a matrix project key binds to PostHog projects, for the rules that
# report bindings (PH903, PH905). The engine binds (matrix.Bind) and writes
# the result in input.matrix.projects[key]: bound (absent when the snapshot
# could not tell), ambiguous (the ids that matched when several did) and
# candidates ([{id, name}]: those projects, or, when none matched, the
# nearest names).

# METADATA
# scope: package
# schemas:
#   - input: schema.input
package hogaudit.lib.bindings

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

# unbound are the project keys the snapshot shows to bind to no single
# PostHog project: key → binding. Bindings the engine could not check are
# not among them.
unbound[k] := p if {
	some k, p in object.get(input.matrix, "projects", {})
	p.bound == false
}

# finding is the finding object for the unbound project key k.
finding(k, p, what) := {
	"subject": sprintf("matrix:projects.%s", [k]),
	"identity": identity.join(["matrix-project", _project_target(k, p)]),
	"project": k,
	"message": sprintf("%s %s %s.", [what, k, _project_problem(p)]),
	"evidence": {
		"kind": "project", "key": k, "binding": object.get(p, "binding", null),
		"id": object.get(p, "id", null), "name": object.get(p, "match_name", object.get(p, "name", null)),
		"ambiguous": object.get(p, "ambiguous", []),
		"candidates": object.get(p, "candidates", []),
		"protected": object.get(p, "protected", false) == true,
	},
	"line": util.node_line(p),
}

# _project_target is what an unbound matrix project key looked for: the id,
# else the (lower-cased) name, so that renaming the key keeps the alert.
_project_target(k, p) := sprintf("id:%d", [p.id]) if {
	is_number(p.id)
} else := sprintf("name:%s", [lower(name)]) if {
	name := object.get(p, "match_name", object.get(p, "name", ""))
	is_string(name)
	name != ""
} else := sprintf("key:%s", [k])

# _project_problem says how p fails to bind, naming the candidate projects.
_project_problem(p) := sprintf("matches %d PostHog projects (%s); give it the id of the one it means", [count(p.ambiguous), _candidates(p)]) if {
	count(util.array_or_empty(p.ambiguous)) > 0
} else := sprintf("matches no PostHog project (looked for id %d)%s", [p.id, _nearest(p)]) if {
	is_number(p.id)
} else := sprintf("matches no PostHog project (looked for a project named %q)%s", [name, _nearest(p)]) if {
	name := object.get(p, "match_name", object.get(p, "name", ""))
	name != ""
} else := sprintf("matches no PostHog project%s", [_nearest(p)])

# _candidates lists p's candidate projects as `id "name"`.
_candidates(p) := concat(", ", [sprintf("%v %q", [c.id, c.name]) | some c in util.array_or_empty(object.get(p, "candidates", []))])

_nearest(p) := sprintf("; nearest: %s", [_candidates(p)]) if {
	count(util.array_or_empty(object.get(p, "candidates", []))) > 0
} else := ""
