# METADATA
# title: Project access exceeds the matrix
# description: >-
#   A member can reach a project the matrix does not mark protected at a higher level (none <
#   member < admin) than its matrix groups allow; a project absent from all of its groups allows
#   none. Effective access is PostHog's own resolution (users_with_access) where offered, else the
#   project's rules resolved as PostHog does: org admins and owners get admin; rules naming the
#   member or (with role_based_access) its roles decide alone, the highest of them, so an explicit
#   none denies; only without one does the everyone rule apply; no rule means admin; organizations
#   on the most-specific resolution let the member's own rule beat its roles'; without the
#   access-control feature the deployment's vintage checks (newest access_control, older
#   advanced_permissions or project_based_permissioning) every member gets admin; on an older
#   deployment with project_based_permissioning but not advanced_permissions a legacy private
#   project admits only its explicit members and org admins. Protected projects are PH212's,
#   unbound ones PH211's.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog project access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH204
#   name: project-access-exceeds-matrix
#   severity: high
#   area: access
#   requires: [organization, members, roles, projects, access_controls, explicit_members]
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
import data.hogaudit.lib.project_access

findings contains f if {
	some f in project_access.over_matrix
	not access.is_protected(f.project)
}
