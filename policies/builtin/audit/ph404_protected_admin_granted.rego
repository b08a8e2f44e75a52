# METADATA
# title: Admin on a protected project was granted outside the organization's trust
# description: >-
#   Between the previous snapshot (scan or check --previous) and this one, a member gained admin on a
#   protected matrix project through an access rule or role — not as an organization admin (organization
#   promotions are PH403's and PH207's) — and nobody the matrix trusts is known to have granted it: PostHog
#   writes no activity-log entry for access-control changes, so such a grant usually has no actor, and one
#   whose actor is known counts only when one of the actor's matrix groups is allowed org_level: owner.
#   Without a previous snapshot there is nothing to compare and the rule judges nothing; when the comparison
#   lacks a section that decides a protected project's access, the rule is not evaluated.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog access control and organization roles
# schemas:
#   - input: schema.input
# custom:
#   id: PH404
#   name: protected-admin-granted
#   severity: medium
#   area: audit
#   frameworks:
#     soc2: [CC6.3, CC7.2]
#     iso27001_2022: [A.8.2, A.8.16]
#   requires: [members, projects]
#   drift: true
#   remediation: >-
#     Find out who granted the access and whether it was approved: PostHog's project access settings show
#     the rule (and when it was last changed), not who changed it. If it was not approved, remove the rule
#     or the role membership in the project's Access control settings. If it was, record it in the matrix
#     (give the member's group role: admin on the project) or make the granting person's group
#     org_level: owner.
#   notes: |
#     PH404 reads `input.drift`, the drift between the previous snapshot and this one (see `hogaudit diff`):
#     each `project_access` change on a PostHog project bound to a `protected: true` matrix project whose level
#     went to `admin` from anything else, and whose new path (`after_path.via`) is not `org_admin`. PostHog
#     logs organization membership changes (PH403 judges them) but not access-control rules
#     (`ee/api/rbac/access_control.py` saves them without `log_activity`) nor role memberships
#     (`ee/api/rbac/role.py`), and a rule created through the API has `created_by` null, so most grants reach
#     the drift without an actor (`by` absent): those are always reported. A grant whose actor the activity
#     log names is not reported when one of the actor's matrix groups has `org_level: owner`; an actor who is
#     no longer a member has no groups. The drift's gaps (a section either snapshot lacks) in members, roles,
#     projects, access rules, `users_with_access`, explicit members or the organization — for a protected
#     project or for the whole organization — make the rule not evaluated (exit 2), never a pass.
package hogaudit.rules.ph404

import data.hogaudit.lib.access
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

# actor_email is the granter's email, lower-cased; undefined when the drift
# names none.
actor_email(c) := lower(c.by.actor) if {
	is_string(c.by.actor)
	c.by.actor != ""
}

actor_groups(c) := access.member_groups(mid) if {
	mid := input.index.member_by_email[actor_email(c)]
} else := []

# trusted is true when the granter is known and one of their groups is
# allowed org_level: owner.
trusted(c) if {
	actor_email(c)
	some g in actor_groups(c)
	input.matrix.groups[g].org_level == "owner"
}

via(c) := v if {
	v := c.after_path.via
	is_string(v)
} else := ""

granter(c) := sprintf("by %s, who is in no matrix group allowed org_level: owner", [actor_email(c)]) if {
	actor_email(c)
} else := "by someone PostHog did not record (access-control changes are not in its activity log)"

# role_names are a role-rule path's role names (its role ids where the path
# carries no names).
role_names(p) := p.role_names if {
	count(object.get(p, "role_names", [])) > 0
} else := object.get(p, "roles", [])

member_email(c) := trim_prefix(c.subject, "member:")

member_identity(email) := identity.member(mid) if {
	mid := input.index.member_by_email[lower(email)]
} else := sprintf("member-email:%s", [lower(email)])

path_phrase(c) := sprintf("via role %s", [concat(", ", role_names(c.after_path))]) if {
	via(c) == "role_rule"
	count(role_names(c.after_path)) > 0
} else := sprintf("via %s", [via(c)]) if {
	via(c) != ""
} else := "by an unknown path"

# gained_admin is true for a change that gave the member admin other than as
# an organization admin: from a lower level, or from admin as an
# organization admin (an access rule or role granted it before a demotion
# would have taken it away).
gained_admin(c) if {
	c.after == "admin"
	c.before != "admin"
	via(c) != "org_admin"
}

gained_admin(c) if {
	c.after == "admin"
	c.before == "admin"
	object.get(c, ["before_path", "via"], "") == "org_admin"
	via(c) != "org_admin"
}

findings contains f if {
	some c in input.drift.changes
	c.kind == "project_access"
	gained_admin(c)
	pid := format_int(c.project.id, 10)
	k := access.project_key(pid)
	access.is_protected(k)
	not trusted(c)
	email := member_email(c)
	f := {
		"subject": sprintf("member:%s/project:%s", [lower(email), k]),
		"project": k,
		"identity": identity.join([member_identity(email), identity.project(pid), "granted:admin"]),
		"message": sprintf("Member %s gained admin on protected project %s (%s → admin, %s) %s.", [lower(email), k, c.before, path_phrase(c), granter(c)]),
		"evidence": {
			"project_id": c.project.id,
			"project_name": c.project.name,
			"before": c.before,
			"after": c.after,
			"before_path": object.get(c, "before_path", null),
			"after_path": object.get(c, "after_path", null),
			"actor": object.get(c, ["by", "actor"], null),
			"actor_groups": sort(actor_groups(c)),
			"at": object.get(c, ["by", "at"], null),
			"source": object.get(c, ["by", "source"], null),
			"drift": c.message,
		},
		"line": util.line_of(input.matrix.projects[k], "protected"),
	}
}
