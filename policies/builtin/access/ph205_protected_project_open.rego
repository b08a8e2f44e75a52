# METADATA
# title: A protected project is open to every member
# description: >-
#   A project the matrix marks protected must be private: its default access (the everyone rule on
#   the project) must be none, so that only the groups the matrix lists get in. PostHog gives every
#   member admin access to a project without rules, the everyone rule's level to members no other
#   rule names, and ignores project rules entirely without the access-control plan feature its
#   deployment's code checks, one key per vintage: access_control on the newest PostHog (known by its
#   users_with_access and identity_provider_configs endpoints), advanced_permissions (in 2024 also
#   project_based_permissioning) on older ones: the newest enforces no rule for an organization
#   listing only advanced_permissions. This rule fires when the everyone rule is missing or above
#   none, or the feature is missing, naming the key needed and the keys listed. On an older
#   deployment with project_based_permissioning but not advanced_permissions, a project with the
#   legacy access_control flag admits only its explicit members and organization admins.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog project access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH205
#   name: protected-project-open
#   severity: high
#   area: access
#   frameworks:
#     soc2: [CC6.1, CC6.3]
#     iso27001_2022: [A.5.15, A.8.3]
#   requires: [organization, projects, access_controls]
#   remediation: >-
#     In PostHog open Project settings → Access control and set the project's default access to "No
#     access", then grant the matrix's groups their roles (PUT /api/projects/{project_id}/access_controls/
#     with {"resource": "project", "access_level": "none"} using a key with access_control:write).
#     Project access control needs the access-control plan feature the deployment checks
#     (access_control on the newest PostHog, advanced_permissions on older ones); without it every
#     member can reach every project.
#   notes: |
#     How PostHog resolves access, by vintage: [Effective access, as PostHog resolves
#     it](#effective-access-as-posthog-resolves-it) (PH204).
package hogaudit.rules.ph205

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

default feature_enabled := false

feature_enabled if access.access_control_enabled

everyone_level(pid) := access.project_level_names[max({access.project_rank[l] | some l in access.project_everyone_levels[pid]})]

everyone_rule(pid) := everyone_level(pid) if {
	access.project_everyone_levels[pid]
} else := null

entitlement := k if {
	k := access.entitlement
} else := null

# needed names the feature the deployment's vintage checks.
needed := "access_control, the plan feature under which the newest PostHog enforces access rules" if {
	access.deployment_vintage == "newest"
} else := "advanced_permissions (in 2024 also project_based_permissioning), the plan feature under which older PostHog enforces access rules" if {
	access.deployment_vintage == "older"
} else := "an access-control plan feature (access_control, advanced_permissions or project_based_permissioning)"

# listed names the access-control features the organization lists ("" when
# none); the message that uses it is for an organization without the key the
# deployment checks, so every key listed is one only another vintage checks.
listed := sprintf(" (it lists %s, which only %s checks)", [concat(", ", access.listed_access_control_features), other_vintage]) if {
	count(access.listed_access_control_features) > 0
} else := ""

other_vintage := "older PostHog" if {
	access.deployment_vintage == "newest"
} else := "the newest PostHog"

# state says why project pid is open ({reason, default_access,
# everyone_rule}); undefined when it is private or its rules were not
# collected.
state(pid) := {"reason": "feature", "default_access": "admin", "everyone_rule": everyone_rule(pid)} if {
	not access.access_control_enabled
} else := open_state(pid) if {
	not access.legacy_private(pid)
}

# open_state is state for a project whose access rules PostHog enforces.
open_state(pid) := {"reason": "no_rule", "default_access": "admin", "everyone_rule": null} if {
	is_object(access.projects_by_id[pid].access_controls)
	not access.project_everyone_levels[pid]
} else := {"reason": "open", "default_access": level, "everyone_rule": level} if {
	level := everyone_level(pid)
	level != "none"
}

message(k, s) := sprintf("Protected project %s is open to every member because the organization lacks %s%s, so PostHog ignores its rules; the matrix requires default access none.", [k, needed, listed]) if {
	s.reason == "feature"
}

message(k, s) := sprintf("Protected project %s has no default access rule, so every member gets admin access; the matrix requires default access none.", [k]) if {
	s.reason == "no_rule"
}

message(k, s) := sprintf("Protected project %s gives every member %s access by default; the matrix requires default access none.", [k, s.default_access]) if {
	s.reason == "open"
}

findings contains f if {
	some pid, k in access.bound_projects
	access.is_protected(k)
	s := state(pid)
	f := {
		"subject": sprintf("project:%s", [k]),
		"identity": identity.project(pid),
		"project": k,
		"message": message(k, s),
		"evidence": {
			"project_id": access.projects_by_id[pid].id,
			"default_access": s.default_access,
			"everyone_rule": s.everyone_rule,
			"access_control_feature": feature_enabled,
			"entitlement": entitlement,
			"deployment_vintage": access.deployment_vintage,
			"required_features": access.access_control_feature_keys,
			"listed_features": access.listed_access_control_features,
		},
		"line": util.line_of(input.matrix.projects[k], "protected"),
	}
}
