# METADATA
# title: Resource access exceeds the matrix
# description: >-
#   Inside a project PostHog lets a member into, the member's level on a resource (none < viewer <
#   editor < manager) is above what its matrix groups allow: can_create_flags false allows at most
#   viewer on feature_flag, can_view_recordings false none on session_recording, can_create_insights
#   false viewer on insight, and resources names any resource's level; the union over the member's
#   groups decides. Levels are resolved from the project's project-wide resource rules the way
#   PostHog does: admins and owners get manager; otherwise the highest of the everyone, member and
#   role rules on the resource (or the parent it inherits from), or, in organizations on the
#   most-specific resolution, the member's own rule, else its roles', else the everyone rule; with
#   no rule, or without the plan feature the deployment's vintage checks, PostHog's default (editor;
#   viewer for activity_log and toolbar). Members PostHog keeps out of the project (an explicit none, a legacy private
#   project without them) are PH204's and PH212's business.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog resource access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH206
#   name: resource-access-exceeds-matrix
#   severity: medium
#   area: access
#   requires: [organization, members, roles, projects, access_controls, resource_access_controls, explicit_members]
#   scopes: ["organization:read", "organization_member:read", "project:read", "access_control:read"]
#   remediation: >-
#     In PostHog open Project settings → Access control and lower the resource's level for everyone
#     and grant higher levels only to the roles or members the matrix allows (PUT
#     /api/projects/{project_id}/resource_access_controls/ with {"resource": "feature_flag",
#     "access_level": "viewer"} using a key with access_control:write). Organization admins and owners
#     always have manager access: lower their level in Organization settings → Members. If the access
#     is intended, allow it in the matrix.
package hogaudit.rules.ph206

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

# Per profile: its members that are no admins and that no member rule (on the
# project or the resource) names share the profile's levels (and the
# finding, but for the member's email).
findings contains f if {
	some pid, k in access.bound_projects
	access.resource_rules_known(pid)
	access.project_rules_known(pid)
	some r in access.restricted_resources[k]
	individuals := access.resource_individuals(pid, r)
	some p in access.profiles
	access.allowed_project_by_profile[p][k] > 0
	allowed := access.groups_resource_rank(p.groups, k, r)
	allowed < 3
	access.profile_project(pid, p).rank > 0
	e := access.profile_resource(pid, p, r)
	e.rank > allowed
	base := shared(pid, k, r, p.groups, e, allowed)
	tail := message_tail(k, r, e, allowed)
	some mid in access.members_by_profile[p]
	not mid in individuals
	email := input.index.members[mid].email
	f := object.union(base, {
		"subject": concat("", ["member:", email, "/resource/", r]),
		"identity": identity.join([identity.member(mid), identity.project(pid), sprintf("resource:%s", [r])]),
		"message": concat("", ["Member ", email, tail]),
	})
}

# One by one: admins and the members a rule names.
findings contains f if {
	some pid, k in access.bound_projects
	access.resource_rules_known(pid)
	access.project_rules_known(pid)
	some r in access.restricted_resources[k]
	some mid in access.resource_individuals(pid, r)
	p := access.member_profile[mid]
	access.allowed_project_by_profile[p][k] > 0
	access.effective_project(pid, mid).rank > 0
	e := access.effective_resource(pid, mid, r)
	allowed := access.groups_resource_rank(p.groups, k, r)
	e.rank > allowed
	email := input.index.members[mid].email
	f := object.union(shared(pid, k, r, p.groups, e, allowed), {
		"subject": concat("", ["member:", email, "/resource/", r]),
		"identity": identity.join([identity.member(mid), identity.project(pid), sprintf("resource:%s", [r])]),
		"message": concat("", ["Member ", email, message_tail(k, r, e, allowed)]),
	})
}

# shared is what the findings of one project, resource, level and group set
# share.
shared(pid, k, r, groups, e, allowed) := {
	"project": k,
	"evidence": {
		"resource": r,
		"effective": access.resource_level_names[e.rank],
		"allowed": access.resource_level_names[allowed],
		"source": e.source,
		"groups": sort([g | some g in groups]),
		"project_id": access.projects_by_id[pid].id,
	},
	"line": line(groups, k, r),
}

# message_tail is the message after "Member <email>".
message_tail(k, r, e, allowed) := sprintf(" has %s access to %s in %s; its matrix groups allow %s.", [access.resource_level_names[e.rank], r, k, access.resource_level_names[allowed]])

# line is the restriction of the first of the groups that restricts r in
# project key k.
line(groups, k, r) := l if {
	restricting := sort([g |
		some g in groups
		input.matrix.access_matrix[g].projects[k].resources[r]
	])
	l := util.node_line(input.matrix.access_matrix[restricting[0]].projects[k].resources[r])
} else := util.node_line(input.matrix.projects[k])
