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
#   frameworks:
#     soc2: [CC6.1, CC6.3]
#     iso27001_2022: [A.5.18, A.8.3]
#   requires: [organization, members, roles, projects, access_controls, resource_access_controls, explicit_members]
#   remediation: >-
#     In PostHog open Project settings → Access control and lower the resource's level for everyone
#     and grant higher levels only to the roles or members the matrix allows (PUT
#     /api/projects/{project_id}/resource_access_controls/ with {"resource": "feature_flag",
#     "access_level": "viewer"} using a key with access_control:write). Organization admins and owners
#     always have manager access: lower their level in Organization settings → Members. If the access
#     is intended, allow it in the matrix.
#   notes: |
#     How PostHog resolves access, by vintage: [Effective access, as PostHog resolves
#     it](#effective-access-as-posthog-resolves-it) (PH204).
package hogaudit.rules.ph206

import data.hogaudit.lib.access
import data.hogaudit.lib.identity

findings contains f if {
	some c in access.resource_excess
	email := input.index.members[c.member].email
	path := access.path_evidence(access.resource_path(format_int(c.project_id, 10), c.member, c.resource))
	f := {
		"subject": concat("", ["member:", email, "/resource/", c.resource]),
		"identity": identity.join([identity.member(c.member), identity.project(c.project_id), sprintf("resource:%s", [c.resource])]),
		"project": c.project,
		"message": sprintf("Member %s has %s access to %s in %s %s; its matrix groups allow %s.", [email, c.effective, c.resource, c.project, access.path_phrase(path), c.allowed]),
		"evidence": {
			"resource": c.resource,
			"effective": c.effective,
			"allowed": c.allowed,
			"source": c.source,
			"groups": c.groups,
			"project_id": c.project_id,
			"path": path,
		},
		"line": c.line,
	}
}
