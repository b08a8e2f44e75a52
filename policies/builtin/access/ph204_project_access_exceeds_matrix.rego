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
#   frameworks:
#     soc2: [CC6.1, CC6.3]
#     iso27001_2022: [A.5.15, A.5.18, A.8.3]
#   requires: [organization, members, roles, projects, access_controls, explicit_members]
#   remediation: >-
#     In PostHog open Project settings → Access control: set the default access to "No access" and
#     grant each role or member only the level its matrix groups allow (PUT
#     /api/projects/{project_id}/access_controls/ with {"resource": "project", "access_level":
#     "member", "role": "<role id>"} using a key with access_control:write). Organization admins and
#     owners bypass project rules: lower their level in Organization settings → Members. If the
#     access is intended, grant it in the matrix (access_matrix.<group>.<project>.role).
#   notes: |
#     #### Effective access, as PostHog resolves it
#
#     hogaudit mirrors PostHog's own resolution, read from its source:
#     `products/access_control/backend/facade/user_access_control.py` (`_object_access_level_precheck`,
#     `_object_access_level_from_rows`, `access_level_for_resource`, `resolve_most_specific_*`), the membership
#     gate in `posthog/user_permissions.py` (`effective_membership_level_for_parent_membership`) and, for 2024 and
#     older deployments, `ee/models/explicit_team_membership.py`.
#
#     1. **Organization admins and owners** (level 8 and up) bypass project and resource rules: project `admin`,
#        resource `manager` (`viewer` on `activity_log` and `toolbar`).
#     2. **Entitlement, by vintage.** Rules are consulted only when `available_product_features` has the
#        access-control feature the deployment's code checks (`access_controls_supported`, and the membership
#        gate's own check), and each vintage checks its own key and no other: the newest PostHog `access_control`
#        alone; 2025 `advanced_permissions` alone; 2024 `project_based_permissioning` or `advanced_permissions`.
#        So on the newest PostHog an organization listing only `advanced_permissions` has no rule enforced (every
#        member is `admin` on every project), and an older deployment never honours `access_control`. hogaudit
#        tells the vintage (`access.deployment_vintage`) from the endpoints only the newest PostHog serves:
#        **newest** when `users_with_access` or `identity_provider_configs` was collected; **older** when both
#        answered 404; otherwise **unknown** — one of them is then missing evidence, so the run exits 2, and every
#        key counts (the union of the vintages). Without the key, every member gets the system default: project
#        `admin`, resources `editor` (`activity_log` and `toolbar` `viewer`). PostHog's billing lists
#        `access_control` beside `advanced_permissions` while the newer key propagates (`posthog/constants.py`);
#        an organization with both is entitled on every vintage.
#     3. **Project access is explicit-first.** The rules naming the member's membership, or (only with the
#        `role_based_access` feature) one of its roles, decide alone: the highest among them. Only without such a
#        rule does the everyone rule (no member, no role) apply; with no rule at all, `admin`. An explicit `none`
#        is a denial, even under an everyone rule of `member`. A rule naming both a member and a role applies to
#        no one.
#     4. **Resource access** (project-wide rules, `resource_id` null, on the resource or, for an inheriting
#        resource such as `session_recording_playlist`, its parent): the highest of the everyone, member and role
#        rules; no rule: the system default.
#     5. **Most-specific organizations.** With `uses_most_specific_access_resolution: true` on the organization
#        (newest PostHog; null is the legacy resolution), projects and resources alike resolve most specific
#        subject first: the member's own rule, else the highest of its roles' rules, else the everyone rule, else
#        the default, even when the more specific rule is lower (a member's `none` beats its role's `admin`).
#     6. **Legacy private projects.** On an older deployment, with `project_based_permissioning` but not
#        `advanced_permissions` (2024's gate; 2025's ignores the flag, and so does the newest PostHog, which no
#        longer serves `explicit_members`), a project with the legacy `access_control` flag admits only its
#        `explicit_members` (at the higher of their explicit and organization levels: 8 and up is `admin`) and
#        organization admins. When the explicit members could not be collected, that project's access is unknown:
#        the snapshot records missing evidence, PH204, PH206 and PH212 are not evaluated, and the exit code is 2.
#
#     `GET /api/projects/{id}/users_with_access/` (newest PostHog) returns PostHog's own resolution per member
#     (members resolved to `none` are left out) and is the preferred evidence for PH204 and PH212; the rules are
#     the evidence for PH205 and PH206, and for PH204/PH212 where the endpoint does not exist. PH206 judges only
#     members PostHog lets into the project. Object-level rules (on one dashboard or flag) are not collected:
#     resource levels are what hogaudit reports.
#
#     The test suite's simulated PostHog (`snapshot/posthogsim/access.go`) resolves access with its own Go walk of
#     the same source, and `policies/crosscheck_test.go` checks on 500 randomized organizations that it and the
#     Rego library agree on every member × project and member × project × resource level.
package hogaudit.rules.ph204

import data.hogaudit.lib.access
import data.hogaudit.lib.project_access

findings contains f if {
	some c in access.project_excess
	not access.is_protected(c.project)
	f := project_access.finding(c)
}
