# METADATA
# title: Access to a protected project exceeds the matrix
# description: >-
#   A member can reach a project the matrix marks protected at a higher level (none < member <
#   admin) than its matrix groups allow; a protected project absent from all of its groups allows
#   none. The same resolution as PH204 (PostHog's users_with_access where offered, else the
#   project's rules resolved explicit-first the way PostHog does), with a rule of its own because
#   GitHub reads a rule's security severity, not a finding's: access beyond the matrix to a
#   protected project is critical.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog project access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH212
#   name: protected-project-access-exceeds-matrix
#   severity: critical
#   area: access
#   frameworks:
#     soc2: [CC6.1, CC6.3]
#     iso27001_2022: [A.5.18, A.8.3]
#   requires: [organization, members, roles, projects, access_controls, explicit_members]
#   remediation: >-
#     In PostHog open the protected project's Project settings → Access control: keep the default
#     access at "No access" and grant each role or member only the level its matrix groups allow
#     (PUT /api/projects/{project_id}/access_controls/ with {"resource": "project", "access_level":
#     "member", "role": "<role id>"} using a key with access_control:write); a member rule of "No
#     access" denies a member its roles would admit. Organization admins and owners bypass project
#     rules: lower their level in Organization settings → Members. If the access is intended, grant
#     it in the matrix (access_matrix.<group>.<project>.role).
#   notes: |
#     How PostHog resolves access, by vintage: [Effective access, as PostHog resolves
#     it](#effective-access-as-posthog-resolves-it) (PH204).
package hogaudit.rules.ph212

import data.hogaudit.lib.access
import data.hogaudit.lib.project_access

findings contains f if {
	some c in access.project_excess
	access.is_protected(c.project)
	f := project_access.finding(c)
}
