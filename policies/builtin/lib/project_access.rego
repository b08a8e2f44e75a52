# Project access above the matrix, shared by PH204 (unprotected projects) and
# PH212 (protected ones): GitHub reads a SARIF rule's security-severity per
# rule only, so the critical case of a protected project has a rule of its
# own.
#
# Effective access is PostHog's own resolution (users_with_access) where the
# server offers it, else resolved from the project's rules by
# data.hogaudit.lib.access. A project has findings from one path only.

# METADATA
# scope: package
# schemas:
#   - input: schema.input
package hogaudit.lib.project_access

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

# over_matrix are the findings of every bound project whose access can be
# told: {subject, project, message, evidence, line}. Findings are made in
# two steps: each path below lists the members above what the matrix allows
# as [membership id, profile, effective rank, source] (cheaply, per row or per
# profile), then emit builds the findings, sharing everything but the email
# among the members of one profile, level and source.
#
# PostHog's own resolution: the members with access, which the engine
# groups by profile and level (input.index.users_with_access), so each
# profile and level is compared once and only its members over the matrix
# are listed.
over_matrix contains f if {
	some pid, k in access.bound_projects
	groups := input.index.users_with_access[pid]
	is_object(groups)
	over := [[mid, p, effective, "users_with_access"] |
		some key, by_level in groups
		p := input.index.profiles[key]
		allowed := access.allowed_project_by_profile[p][k]
		some level, mids in by_level
		effective := access.project_rank[level]
		allowed < effective
		some mid in mids
	]
	some f in emit(pid, k, over)
}

# The rules, per profile: its members that are no admins, that no member
# rule names and that are no explicit members share the profile's access.
over_matrix contains f if {
	some pid, k in access.bound_projects
	not access.has_users_with_access(pid)
	access.project_rules_known(pid)
	individuals := access.project_individuals(pid)
	over := [[mid, p, e.rank, e.source] |
		some p in access.profiles
		access.allowed_project_by_profile[p][k] < 2
		e := access.profile_project(pid, p)
		access.allowed_project_by_profile[p][k] < e.rank
		some mid in access.members_by_profile[p]
		not mid in individuals
	]
	some f in emit(pid, k, over)
}

# The rules, one by one: admins, the members a rule names and explicit
# members.
over_matrix contains f if {
	some pid, k in access.bound_projects
	not access.has_users_with_access(pid)
	access.project_rules_known(pid)
	over := [[mid, p, e.rank, e.source] |
		some mid in access.project_individuals(pid)
		p := access.member_profile[mid]
		e := access.effective_project(pid, mid)
		access.allowed_project_by_profile[p][k] < e.rank
	]
	some f in emit(pid, k, over)
}

# emit makes the findings of project pid (bound to key k) for a list of
# [membership id, profile, effective rank, source].
emit(pid, k, over) := {f |
	members := input.index.members
	shapes := {[p, effective, source, members[mid].org_level] | some [mid, p, effective, source] in over}
	bases := {shape: base(pid, k, shape) | some shape in shapes}
	some [mid, p, effective, source] in over
	m := members[mid]
	b := bases[[p, effective, source, m.org_level]]
	f := object.union(b.finding, {
		"subject": concat("", ["member:", m.email]),
		"identity": identity.join([identity.member(mid), identity.project(pid)]),
		"message": concat("", ["Member ", m.email, b.tail]),
	})
}

# base is what the findings of one profile, level, source and org level
# share: the finding without subject and message, and the message's tail.
base(pid, k, [p, effective, source, org_level]) := {"finding": finding, "tail": tail} if {
	allowed := access.allowed_project_by_profile[p][k]
	finding := {
		"project": k,
		"evidence": {
			"effective": access.project_level_names[effective],
			"allowed": access.project_level_names[allowed],
			"source": source,
			"groups": sort([g | some g in p.groups]),
			"org_level": org_level,
			"project_id": access.projects_by_id[pid].id,
		},
		"line": line(p.groups, k, allowed),
	}
	tail := message_tail(k, effective, allowed, source)
}

allowed_phrase(0) := "no access"

allowed_phrase(rank) := sprintf("%s access", [access.project_level_names[rank]]) if rank > 0

# project_phrase names a project key, protected ones as such.
project_phrase(k) := sprintf("protected project %s", [k]) if {
	access.is_protected(k)
} else := k

# message_tail is the message after "Member <email>".
message_tail(k, effective, allowed, "org_admin") := sprintf(" has %s access to %s as an organization admin; its matrix groups allow %s.", [access.project_level_names[effective], project_phrase(k), allowed_phrase(allowed)])

message_tail(k, effective, allowed, source) := sprintf(" has %s access to %s; its matrix groups allow %s.", [access.project_level_names[effective], project_phrase(k), allowed_phrase(allowed)]) if {
	source != "org_admin"
}

# line is the entry of the group that grants the allowed level, else the
# matrix project the finding is about.
line(groups, k, allowed) := l if {
	allowed > 0
	granting := sort([g |
		some g in groups
		e := input.matrix.access_matrix[g].projects[k]
		access.project_rank[access.entry_role(e)] == allowed
	])
	l := util.line_of(input.matrix.access_matrix[granting[0]].projects[k], "role")
} else := util.node_line(input.matrix.projects[k])
