# Personal API keys as the built-in rules see them: each key of the snapshot
# (the scanning key and the --audit-key-env keys) with the matrix groups the
# engine resolved for it, and what those groups grant.

# METADATA
# scope: package
# schemas:
#   - input: schema.input
package hogaudit.lib.keys

import data.hogaudit.lib.access
import data.hogaudit.lib.util

_key_ref(k) := sprintf("%s/%s", [object.get(k, "source", ""), object.get(k, "id", "")])

_index_by_ref := {_key_ref(meta): meta | some meta in util.array_or_empty(input.index.keys)}

# keys are the snapshot's keys, each with groups (its matrix groups),
# owner_email and use (its last use by anyone but hogaudit) added from the
# engine's index.
keys contains key if {
	some k in util.array_or_empty(input.snapshot.api_keys)
	meta := object.get(_index_by_ref, _key_ref(k), {})
	key := object.union(k, {
		"groups": sort(util.array_or_empty(object.get(meta, "groups", []))),
		"owner_email": object.get(meta, "owner_email", null),
		"use": object.get(meta, "use", _unindexed_use),
	})
}

# A key's use is the engine's reading of its last use (input.index.keys[].use:
# {status, at, own, basis}, status "used" with at, "never", or "unknown" when
# hogaudit's own introspection hides the use before it); never recomputed
# here. The engine indexes every key; one it did not is of unknown use.
_unindexed_use := {"status": "unknown", "at": null, "own": null, "basis": "not in input.index.keys"}

# audit_keys are the keys named with --audit-key-env.
audit_keys contains key if {
	some key in keys
	key.source == "audit"
}

# scanner_keys is the key hogaudit scanned with.
scanner_keys contains key if {
	some key in keys
	key.source == "scanner"
}

# scopes are a key's scopes ([] for a legacy key with none).
scopes(key) := util.array_or_empty(key.scopes)

# legacy is true for a key with no scopes, which PostHog lets do anything.
legacy(key) := count(scopes(key)) == 0

# wildcard is true for a key that holds every scope.
wildcard(key) if "*" in scopes(key)

wildcard(key) if legacy(key)

# project_scoped is true for a key limited to some projects (scoped_teams).
project_scoped(key) := count(util.array_or_empty(key.scoped_teams)) > 0

# _reached_project_ids are the ids (strings) of the projects a key reaches:
# its scoped_teams, else every project.
_reached_project_ids(key) := {format_int(id, 10) | some id in key.scoped_teams} if {
	project_scoped(key)
} else := {pid | some pid, _ in access.projects_by_id}

# reached_project_keys are the matrix keys of the projects a key reaches.
reached_project_keys(key) := {k |
	some pid in _reached_project_ids(key)
	k := access.bound_projects[pid]
}

# reached_project_ids are the ids (numbers, sorted) of the projects a key
# reaches: its scoped_teams, else every project of the snapshot.
reached_project_ids(key) := sort([to_number(pid) | some pid in _reached_project_ids(key)])

# entry_scopes are the api_key_scopes the access_matrix entry of group g for
# project key k grants ([] when it writes none).
entry_scopes(g, k) := util.array_or_empty(input.matrix.access_matrix[g].projects[k].api_key_scopes)

# granted are the scopes groups grant on project keys ks.
granted(groups, ks) := {s |
	some g in groups
	some k in ks
	some s in entry_scopes(g, k)
}

# granted_anywhere are the scopes groups grant on any project.
granted_anywhere(groups) := {s |
	some g in groups
	some e in object.get(input.matrix.access_matrix, [g, "projects"], {})
	some s in util.array_or_empty(e.api_key_scopes)
}

# implied are scopes with what they imply: X:write grants X:read.
implied(scopes) := scopes | {sprintf("%s:read", [obj]) |
	some s in scopes
	endswith(s, ":write")
	obj := trim_suffix(s, ":write")
}

# excess are a key's scopes (other than *) that grants do not cover.
excess(key, grants) := set() if {
	"*" in grants
} else := {s |
	some s in scopes(key)
	s != "*"
	not s in implied(grants)
}

# subject is key:<label>, made unique with the id when two keys of the same
# source share a label.
subject(key) := sprintf("key:%s", [label(key)]) if {
	count([1 | some other in keys; other.source == key.source; label(other) == label(key)]) == 1
} else := sprintf("key:%s#%s", [label(key), key.id])

# label is a key's label, else (no label) its id.
label(key) := l if {
	l := key.label
	is_string(l)
	l != ""
} else := key.id
