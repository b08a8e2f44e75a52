# Effective access as PostHog resolves it, and what the access matrix allows.
#
# PostHog (products/access_control/backend/facade/user_access_control.py):
# organization admins and owners bypass every project and resource rule and
# get the highest level; without the organization's access_control feature
# rules are not consulted and the system default applies; otherwise a member's
# level is the highest among the rules that apply to it (the everyone rule,
# the rule naming its membership, the rules naming its roles), and with no
# applicable rule at all the system default (project admin, activity_log and
# toolbar viewer, other resources editor).
#
# The matrix allows the union over a member's groups: the highest project
# role among the groups that list the project (none when none does), and for
# a resource the highest of those entries' restrictions (manager when an
# entry does not restrict it).
#
# Performance: every index over members, rules and rows is a rule (evaluated
# once per evaluation and cached by OPA); the functions below only look
# values up. Members with the same roles and the same groups (a profile) have
# the same effective access, unless a rule names them or they are admins, and
# are allowed the same things; rules resolve access per project and profile,
# and look at single members only for admins, members a rule names, and
# findings. They never iterate members x projects.
package hogaudit.lib.access

import data.hogaudit.lib.util

# ---------------------------------------------------------------- levels

project_rank := {"none": 0, "member": 1, "admin": 2}

project_level_names := ["none", "member", "admin"]

resource_rank := {"none": 0, "viewer": 1, "editor": 2, "manager": 3}

resource_level_names := ["none", "viewer", "editor", "manager"]

# org_level_rank orders the matrix's org_level values like PostHog's
# membership levels (1 member, 8 administrator, 15 owner).
org_level_rank := {"member": 1, "admin": 8, "owner": 15}

# org_level_name is the name of a membership level.
org_level_name(level) := "owner" if {
	level >= 15
} else := "admin" if {
	level >= 8
} else := "member"

# viewer_capped are the resources whose default and highest level is viewer.
viewer_capped := {"activity_log", "toolbar"}

# default_resource_level is a resource's system default.
default_resource_level(r) := "viewer" if {
	rule_resource(r) in viewer_capped
} else := "editor"

# highest_resource_level is what an organization admin gets on a resource.
highest_resource_level(r) := "viewer" if {
	rule_resource(r) in viewer_capped
} else := "manager"

# resource_parent maps resources that take their access from another one
# (PostHog's RESOURCE_INHERITANCE_MAP).
resource_parent := {
	"session_recording_playlist": "session_recording",
	"warehouse_table": "warehouse_objects",
	"warehouse_view": "warehouse_objects",
	"dataset": "llm_analytics",
	"llm_provider_key": "llm_analytics",
	"llm_prompt": "llm_analytics",
	"account": "customer_analytics",
	"customer_journey": "customer_analytics",
	"experiment_saved_metric": "experiment",
	"experiment_holdout": "experiment",
	"dashboard_template": "dashboard",
	"marketing_analytics": "web_analytics",
	"vision_action": "replay_scanner",
	"vision_alert": "replay_scanner",
}

# rule_resource is the resource whose rules decide access to r.
rule_resource(r) := object.get(resource_parent, r, r)

# ---------------------------------------------------------------- organization

# features are the organization's plan entitlements.
features contains f if {
	some f in util.array_or_empty(input.snapshot.organization.available_product_features)
}

# access_control_enabled is true when PostHog consults access rules at all.
access_control_enabled if "access_control" in features

# role_based_access_enabled is true when PostHog applies rules that name
# roles; without the feature it ignores them (a member's role ids are empty
# in user_access_control.py).
role_based_access_enabled if "role_based_access" in features

# rule_roles are the roles whose rules apply: the given ones, or none when
# the organization lacks role-based access.
rule_roles(roles) := roles if role_based_access_enabled

else := []

# ---------------------------------------------------------------- members

# is_org_admin is true for organization admins and owners (level >= 8).
is_org_admin(mid) if input.index.members[mid].level >= 8

# org_admins are the membership ids of admins and owners.
org_admins contains mid if {
	some mid, m in input.index.members
	m.level >= 8
}

# member_groups are the matrix groups of a member.
member_groups(mid) := util.array_or_empty(input.index.members[mid].groups)

# member_roles are the role ids of a member.
member_roles(mid) := util.array_or_empty(input.index.members[mid].roles)

# member_of_user resolves an activity-log or users_with_access user to a
# membership id: by user uuid, else by email.
member_of_user(user) := mid if {
	mid := input.index.member_by_user_uuid[user.uuid]
} else := mid if {
	is_string(user.email)
	mid := input.index.member_by_email[lower(user.email)]
}

# A profile is {"roles": [...], "groups": [...]}: members with the same
# roles and groups share one, and are allowed the same and subject to the
# same rules. The engine computes them (input.index.profiles, keyed by a
# string, and each member's profile key).

# member_profile is each member's profile.
member_profile := {mid: input.index.profiles[m.profile] | some mid, m in input.index.members}

# profiles are the distinct profiles.
profiles := {p | some p in input.index.profiles}

# members_by_profile lists the members of each profile.
members_by_profile := {input.index.profiles[key]: mids | some key, mids in input.index.members_by_profile}

# ---------------------------------------------------------------- the matrix

# entry_role is a matrix entry's project role (member when not written).
entry_role(e) := r if {
	r := e.role
	project_rank[r]
} else := "member"

# entry_resource_level is what an entry allows on resource r.
entry_resource_level(e, r) := l if {
	l := e.resources[r].level
	resource_rank[l]
} else := "manager"

# groups_project_rank is the project rank the groups allow on project key k.
groups_project_rank(groups, k) := max({project_rank[entry_role(e)] |
	some g in groups
	e := input.matrix.access_matrix[g].projects[k]
} | {0})

# groups_resource_rank is the rank the groups allow on resource r in project
# key k (none when no group lists k).
groups_resource_rank(groups, k, r) := max({resource_rank[entry_resource_level(e, r)] |
	some g in groups
	e := input.matrix.access_matrix[g].projects[k]
} | {0})

# allowed_project_by_profile is the allowed project rank per profile and
# matrix project key.
allowed_project_by_profile := {p: {k: groups_project_rank(p.groups, k) | some k, _ in input.matrix.projects} |
	some p in profiles
}

# allowed_project_rank is the project rank the matrix allows a member on
# project key k.
allowed_project_rank(mid, k) := r if {
	r := allowed_project_by_profile[member_profile[mid]][k]
} else := groups_project_rank(member_groups(mid), k)

# allowed_resource_rank is the rank the matrix allows a member on resource r
# in project key k.
allowed_resource_rank(mid, k, r) := groups_resource_rank(member_groups(mid), k, r)

# restricted_resources are the resources some entry for project key k
# restricts.
restricted_resources[k] contains r if {
	some gm in input.matrix.access_matrix
	some k, e in gm.projects
	some r, _ in e.resources
}

# ---------------------------------------------------------------- projects

# projects_by_id are the snapshot's projects keyed by id (as a string, the
# key of input.index.projects).
projects_by_id := {format_int(p.id, 10): p | some p in util.array_or_empty(input.snapshot.projects)}

# project_key is the matrix project key a PostHog project is bound to
# (undefined when unbound).
project_key(pid) := k if {
	k := input.index.projects[pid].key
	is_string(k)
	k != ""
}

# bound_projects maps each bound PostHog project id to its matrix key.
bound_projects := {pid: k | some pid, _ in projects_by_id; k := project_key(pid)}

# is_protected is true for a matrix project key marked protected.
is_protected(k) if input.matrix.projects[k].protected == true

# is_everyone is true for the rule that applies to every member (neither a
# member nor a role).
is_everyone(rule) if {
	util.blank(object.get(rule, "organization_member", null))
	util.blank(object.get(rule, "role", null))
}

project_rules(p) := util.array_or_empty(object.get(p, ["access_controls", "access_controls"], []))

resource_rules(p) := util.array_or_empty(object.get(p, ["resource_access_controls", "access_controls"], []))

project_everyone_rows[pid] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in project_rules(p)
	rule.resource == "project"
	project_rank[rule.access_level]
	is_everyone(rule)
}

project_member_rows[pid][mid] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in project_rules(p)
	rule.resource == "project"
	project_rank[rule.access_level]
	mid := rule.organization_member
	not util.blank(mid)
}

project_role_rows[pid][role] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in project_rules(p)
	rule.resource == "project"
	project_rank[rule.access_level]
	util.blank(object.get(rule, "organization_member", null))
	role := rule.role
	not util.blank(role)
}

# project_everyone_levels, project_member_levels and project_role_levels are
# the levels of the project rules per project id (and membership or role id).
project_everyone_levels := project_everyone_rows

project_member_levels := project_member_rows

project_role_levels := project_role_rows

resource_everyone_rows[pid][r] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in resource_rules(p)
	util.blank(object.get(rule, "resource_id", null))
	r := rule.resource
	resource_rank[rule.access_level]
	is_everyone(rule)
}

resource_member_rows[pid][r][mid] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in resource_rules(p)
	util.blank(object.get(rule, "resource_id", null))
	r := rule.resource
	resource_rank[rule.access_level]
	mid := rule.organization_member
	not util.blank(mid)
}

resource_role_rows[pid][r][role] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in resource_rules(p)
	util.blank(object.get(rule, "resource_id", null))
	r := rule.resource
	resource_rank[rule.access_level]
	util.blank(object.get(rule, "organization_member", null))
	role := rule.role
	not util.blank(role)
}

# resource_everyone_levels, resource_member_levels and resource_role_levels
# are the levels of the project-wide resource rules (resource_id null) per
# project id and resource (and membership or role id).
resource_everyone_levels := resource_everyone_rows

resource_member_levels := resource_member_rows

resource_role_levels := resource_role_rows

# project_rules_known is true when members' access to project pid can be
# resolved from rules: they were collected, or the organization does not use
# access rules at all.
project_rules_known(_) if not access_control_enabled

project_rules_known(pid) if is_object(projects_by_id[pid].access_controls)

# resource_rules_known is true when members' resource levels in project pid
# can be resolved from rules.
resource_rules_known(_) if not access_control_enabled

resource_rules_known(pid) if is_object(projects_by_id[pid].resource_access_controls)

# ---------------------------------------------------------------- effective project access

# profile_project_ranks are the ranks of the everyone rule and of the rules of
# the given roles on project pid.
profile_project_ranks(pid, roles) := everyone | by_role if {
	everyone := {project_rank[l] | some l in project_everyone_levels[pid]}
	by_role := {project_rank[l] |
		some role in rule_roles(roles)
		some l in project_role_levels[pid][role]
	}
}

# applicable_project_ranks are the ranks of the project rules that apply to a
# member.
applicable_project_ranks(pid, mid) := own | profile_project_ranks(pid, member_roles(mid)) if {
	own := {project_rank[l] | some l in project_member_levels[pid][mid]}
}

# effective_project is a member's project access as PostHog resolves it from
# the rules: {rank, source}, source one of org_admin, system_default,
# access_controls.
effective_project(pid, mid) := {"rank": 2, "source": "org_admin"} if {
	is_org_admin(mid)
} else := {"rank": 2, "source": "system_default"} if {
	not access_control_enabled
} else := {"rank": max(ranks), "source": "access_controls"} if {
	ranks := applicable_project_ranks(pid, mid)
	count(ranks) > 0
} else := {"rank": 2, "source": "system_default"}

# profile_project is the project access of the members of a profile that are
# no admins and that no member rule names.
profile_project(pid, p) := {"rank": 2, "source": "system_default"} if {
	not access_control_enabled
} else := {"rank": max(ranks), "source": "access_controls"} if {
	ranks := profile_project_ranks(pid, p.roles)
	count(ranks) > 0
} else := {"rank": 2, "source": "system_default"}

# project_individuals are the members whose project access may differ from
# their profile's: admins and owners, and the members a rule names.
project_individuals(pid) := org_admins | {mid | some mid, _ in project_member_levels[pid]}

# has_users_with_access is true when PostHog's own resolution of project pid
# was collected (input.index.users_with_access: membership id → level).
has_users_with_access(pid) if is_object(input.index.users_with_access[pid])

# ---------------------------------------------------------------- effective resource access

# profile_resource_ranks are the ranks of the everyone rule and of the rules
# of the given roles on resource r (already mapped to its rule resource).
profile_resource_ranks(pid, roles, r) := everyone | by_role if {
	everyone := {resource_rank[l] | some l in resource_everyone_levels[pid][r]}
	by_role := {resource_rank[l] |
		some role in rule_roles(roles)
		some l in resource_role_levels[pid][r][role]
	}
}

# applicable_resource_ranks are the ranks of the resource rules on r that
# apply to a member.
applicable_resource_ranks(pid, mid, r) := own | profile_resource_ranks(pid, member_roles(mid), r) if {
	own := {resource_rank[l] | some l in resource_member_levels[pid][r][mid]}
}

# effective_resource is a member's level on resource r in project pid:
# {rank, source}, source one of org_admin, system_default,
# resource_access_controls.
effective_resource(pid, mid, r) := {"rank": resource_rank[highest_resource_level(r)], "source": "org_admin"} if {
	is_org_admin(mid)
} else := {"rank": resource_rank[default_resource_level(r)], "source": "system_default"} if {
	not access_control_enabled
} else := {"rank": max(ranks), "source": "resource_access_controls"} if {
	ranks := applicable_resource_ranks(pid, mid, rule_resource(r))
	count(ranks) > 0
} else := {"rank": resource_rank[default_resource_level(r)], "source": "system_default"}

# profile_resource is the level on resource r of the members of a profile
# that are no admins and that no member rule on r names.
profile_resource(pid, p, r) := {"rank": resource_rank[default_resource_level(r)], "source": "system_default"} if {
	not access_control_enabled
} else := {"rank": max(ranks), "source": "resource_access_controls"} if {
	ranks := profile_resource_ranks(pid, p.roles, rule_resource(r))
	count(ranks) > 0
} else := {"rank": resource_rank[default_resource_level(r)], "source": "system_default"}

# resource_individuals are the members whose project access or level on r may
# differ from their profile's.
resource_individuals(pid, r) := project_individuals(pid) | {mid | some mid, _ in resource_member_levels[pid][rule_resource(r)]}
