# METADATA
# title: Project access exceeds the matrix
# description: >-
#   A member can reach a project at a higher level (none < member < admin) than its matrix groups
#   allow; a project absent from all of its groups allows none. Effective access is PostHog's own
#   resolution (users_with_access) where the server offers it, else resolved from the project's
#   access rules the way PostHog does: organization admins and owners get admin everywhere, the
#   highest applicable rule wins (everyone, the member's own, its roles'), no applicable rule means
#   PostHog's default admin, and without the access_control feature every member gets admin.
#   Findings on a protected project are critical. Projects no matrix key binds to are PH211's.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog project access control
# custom:
#   id: PH204
#   name: project-access-exceeds-matrix
#   severity: high
#   area: access
#   requires: [organization, members, roles, projects, access_controls]
#   scopes: ["organization:read", "organization_member:read", "project:read", "access_control:read"]
#   remediation: >-
#     In PostHog open Project settings → Access control: set the default access to "No access" and
#     grant each role or member only the level its matrix groups allow (PUT
#     /api/projects/{project_id}/access_controls/ with {"resource": "project", "access_level":
#     "member", "role": "<role id>"} using a key with access_control:write). Organization admins and
#     owners bypass project rules: lower their level in Organization settings → Members. If the
#     access is intended, grant it in the matrix (access_matrix.<group>.<project>.role).
package hogaudit.rules.ph204

import data.hogaudit.lib.access
import data.hogaudit.lib.util

# Findings are made in two steps: each path below lists the members above
# what the matrix allows as [membership id, profile, effective rank, source]
# (cheaply, per row or per profile), then emit builds the findings, sharing
# everything but the email among the members of one profile, level and
# source. A project has findings from one path only: PostHog's own
# resolution where collected, else the rules.

# PostHog's own resolution: the members with access, which the engine
# groups by profile and level (input.index.users_with_access), so each
# profile and level is compared once and only its members over the matrix
# are listed.
findings contains f if {
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

# The rules, per profile: its members that are no admins and that no member
# rule names share the profile's access.
findings contains f if {
	some pid, k in access.bound_projects
	not access.has_users_with_access(pid)
	access.project_rules_known(pid)
	named := object.get(access.project_member_levels, pid, {})
	members := input.index.members
	over := [[mid, p, e.rank, e.source] |
		some p in access.profiles
		access.allowed_project_by_profile[p][k] < 2
		e := access.profile_project(pid, p)
		access.allowed_project_by_profile[p][k] < e.rank
		some mid in access.members_by_profile[p]
		members[mid].level < 8
		not named[mid]
	]
	some f in emit(pid, k, over)
}

# The rules, one by one: admins and the members a rule names.
findings contains f if {
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
	shapes := {[p, effective, source, members[mid].level] | some [mid, p, effective, source] in over}
	bases := {shape: base(pid, k, shape) | some shape in shapes}
	some [mid, p, effective, source] in over
	m := members[mid]
	b := bases[[p, effective, source, m.level]]
	f := object.union(b.finding, {
		"subject": concat("", ["member:", m.email]),
		"message": concat("", ["Member ", m.email, b.tail]),
	})
}

# base is what the findings of one profile, level, source and org level
# share: the finding without subject and message, and the message's tail.
base(pid, k, [p, effective, source, level]) := {"finding": finding, "tail": tail} if {
	allowed := access.allowed_project_by_profile[p][k]
	finding := object.union(
		{
			"project": k,
			"evidence": {
				"effective": access.project_level_names[effective],
				"allowed": access.project_level_names[allowed],
				"source": source,
				"groups": sort([g | some g in p.groups]),
				"org_level": access.org_level_name(level),
				"project_id": access.projects_by_id[pid].id,
			},
			"line": line(p.groups, k, allowed),
		},
		severity(k),
	)
	tail := message_tail(k, effective, allowed, source)
}

severity(k) := {"severity": "critical"} if {
	access.is_protected(k)
} else := {}

allowed_phrase(0) := "no access"

allowed_phrase(rank) := sprintf("%s access", [access.project_level_names[rank]]) if rank > 0

# message_tail is the message after "Member <email>".
message_tail(k, effective, allowed, "org_admin") := sprintf(" has %s access to %s as an organization admin; its matrix groups allow %s.", [access.project_level_names[effective], k, allowed_phrase(allowed)])

message_tail(k, effective, allowed, source) := sprintf(" has %s access to %s; its matrix groups allow %s.", [access.project_level_names[effective], k, allowed_phrase(allowed)]) if {
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
