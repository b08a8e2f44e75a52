# Effective access as PostHog resolves it, and what the access matrix allows.
#
# PostHog (products/access_control/backend/facade/user_access_control.py and
# posthog/user_permissions.py, effective_membership_level_for_parent_membership):
# organization admins and owners bypass every project and resource rule and
# get the highest level. Without the access-control plan feature the
# deployment's vintage checks (access_control on the newest PostHog;
# advanced_permissions, or in 2024 project_based_permissioning, on older
# ones; see deployment_vintage) rules are not consulted and the system
# default applies (project admin, activity_log and toolbar viewer, other
# resources editor). Otherwise:
#
#   - project access is explicit-first: the rules naming the member's
#     membership or (with role_based_access) one of its roles decide alone,
#     the highest of them; only without such a rule does the everyone rule
#     apply; without any rule, admin. An explicit none is a denial.
#   - resource access (project-wide rules, resource_id null, on the resource
#     or the parent it inherits from) is the highest of the everyone, member
#     and role rules; without any, the default.
#   - in organizations with uses_most_specific_access_resolution, projects
#     and resources alike resolve most specific first: the member's own rule,
#     else the highest of its roles' rules, else the everyone rule, else the
#     default, even when the more specific rule is lower.
#   - on older deployments entitled by project_based_permissioning without
#     advanced_permissions (2024), a project with the legacy access_control
#     flag admits only its explicit members (at the higher of their project
#     and organization levels) and organization admins; when the explicit
#     members could not be collected, access to that project is unknown.
#
# The matrix allows the union over a member's groups: the highest project
# role among the groups that list the project (none when none does), and for
# a resource the highest of those entries' restrictions (manager when an
# entry does not restrict it).
#
# Performance: every index over members, rules and rows is a rule (evaluated
# once per evaluation and cached by OPA); the functions below only look
# values up. Members with the same roles and the same groups (a profile) have
# the same effective access, unless a rule names them, they are explicit
# members of a legacy private project, or they are admins, and are allowed
# the same things; project_excess and resource_excess (and project_paths and
# resource_paths, the grants of the access table) resolve access per project
# and profile, and look at single members only for admins, members a rule
# names, explicit members and findings. They never iterate members x
# projects: a rule about access above the matrix should read them rather
# than effective_project per member.
#
# Rules whose names begin with _ are internal to the library (policies/INPUT.md,
# "The library").

# METADATA
# scope: package
# schemas:
#   - input: schema.input
package hogaudit.lib.access

import data.hogaudit.lib.org
import data.hogaudit.lib.util

# ---------------------------------------------------------------- levels

# project_rank orders the project levels: none < member < admin.
project_rank := {"none": 0, "member": 1, "admin": 2}

# project_level_names names the project ranks (project_level_names[rank]).
project_level_names := ["none", "member", "admin"]

# resource_rank orders the resource levels: none < viewer < editor <
# manager.
resource_rank := {"none": 0, "viewer": 1, "editor": 2, "manager": 3}

# resource_level_names names the resource ranks.
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

# _viewer_capped are the resources whose default and highest level is viewer.
_viewer_capped := {"activity_log", "toolbar"}

# default_resource_level is a resource's system default.
default_resource_level(r) := "viewer" if {
	rule_resource(r) in _viewer_capped
} else := "editor"

# highest_resource_level is what an organization admin gets on a resource.
highest_resource_level(r) := "viewer" if {
	rule_resource(r) in _viewer_capped
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

# deployment_vintage is the PostHog vintage the snapshot shows, from the
# states of the sections only the newest PostHog serves: "newest" when
# users_with_access or identity_provider_configs was collected, "older"
# (2025 and before) when the deployment answered both with a 404 (not
# applicable), "unknown" otherwise — then one of them is missing evidence,
# so the run is incomplete (exit 2) whatever the rules find.
deployment_vintage := "newest" if {
	some s in ["users_with_access", "identity_provider_configs"]
	input.sections[s] == "ok"
} else := "older" if {
	input.sections.users_with_access == "not_applicable"
	input.sections.identity_provider_configs == "not_applicable"
} else := "unknown"

# _vintage_feature_keys are the plan features under which each vintage's code
# consults access rules (access_controls_supported), newest first: the
# newest checks access_control alone; 2025 advanced_permissions; 2024
# project_based_permissioning or advanced_permissions. Older deployments
# never check access_control. An unknown vintage accepts any of them.
_vintage_feature_keys := {
	"newest": ["access_control"],
	"older": ["advanced_permissions", "project_based_permissioning"],
	"unknown": ["access_control", "advanced_permissions", "project_based_permissioning"],
}

# access_control_feature_keys are the keys this deployment checks.
access_control_feature_keys := _vintage_feature_keys[deployment_vintage]

# listed_access_control_features are the organization's access-control
# keys of any vintage, whether this deployment checks them or not.
listed_access_control_features := sort([k | some k in _vintage_feature_keys.unknown; k in org.features])

# entitlement is the newest access-control feature key the organization has
# among those this deployment checks (undefined when it has none).
entitlement := [k | some k in access_control_feature_keys; k in org.features][0]

# access_control_enabled is true when PostHog consults access rules at all.
access_control_enabled if entitlement

# legacy_project_permissioning is true when the legacy access_control flag
# of a project still makes it private to its explicit members: the 2024
# membership gate (posthog/user_permissions.py of that vintage) checks
# project_based_permissioning, and the 2025 one advanced_permissions and no
# flag, so on an older deployment project_based_permissioning without
# advanced_permissions. The newest PostHog ignores the flag. An unknown
# vintage keeps the rule of the union (none of the newer keys).
legacy_project_permissioning if {
	deployment_vintage == "older"
	"project_based_permissioning" in org.features
	not "advanced_permissions" in org.features
}

legacy_project_permissioning if {
	deployment_vintage == "unknown"
	"project_based_permissioning" in org.features
	not "access_control" in org.features
	not "advanced_permissions" in org.features
}

# most_specific is true for organizations PostHog resolves most specific
# subject first (uses_most_specific_access_resolution; null means legacy).
most_specific if input.snapshot.organization.uses_most_specific_access_resolution == true

# role_based_access_enabled is true when PostHog applies rules that name
# roles; without the feature it ignores them (a member's role ids are empty
# in user_access_control.py).
role_based_access_enabled if "role_based_access" in org.features

# _rule_roles are the roles whose rules apply: the given ones, or none when
# the organization lacks role-based access.
_rule_roles(roles) := roles if role_based_access_enabled

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

# _is_everyone is true for the rule that applies to every member (neither a
# member nor a role).
_is_everyone(rule) if {
	util.blank(object.get(rule, "organization_member", null))
	util.blank(object.get(rule, "role", null))
}

# _member_of_rule is the membership a rule names. PostHog applies a rule to a
# member only when it names the membership and no role (and to a role only
# when it names the role and no member): a rule naming both applies to no
# one.
_member_of_rule(rule) := mid if {
	mid := rule.organization_member
	not util.blank(mid)
	util.blank(object.get(rule, "role", null))
}

# _role_of_rule is the role a rule names (see _member_of_rule).
_role_of_rule(rule) := role if {
	role := rule.role
	not util.blank(role)
	util.blank(object.get(rule, "organization_member", null))
}

_project_rules(p) := util.array_or_empty(object.get(p, ["access_controls", "access_controls"], []))

_resource_rules(p) := util.array_or_empty(object.get(p, ["resource_access_controls", "access_controls"], []))

# project_everyone_levels are the levels of project pid's everyone rules
# (project_everyone_levels[pid]; undefined for a project without one).
# _project_member_levels and _project_role_levels are those of the rules
# naming a membership or a role, per project id and membership or role id.
project_everyone_levels[pid] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in _project_rules(p)
	rule.resource == "project"
	project_rank[rule.access_level]
	_is_everyone(rule)
}

_project_member_levels[pid][mid] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in _project_rules(p)
	rule.resource == "project"
	project_rank[rule.access_level]
	mid := _member_of_rule(rule)
}

_project_role_levels[pid][role] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in _project_rules(p)
	rule.resource == "project"
	project_rank[rule.access_level]
	role := _role_of_rule(rule)
}

# _resource_everyone_levels, _resource_member_levels and _resource_role_levels
# are the levels of the project-wide resource rules (resource_id null) per
# project id and resource (and membership or role id).
_resource_everyone_levels[pid][r] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in _resource_rules(p)
	util.blank(object.get(rule, "resource_id", null))
	r := rule.resource
	resource_rank[rule.access_level]
	_is_everyone(rule)
}

_resource_member_levels[pid][r][mid] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in _resource_rules(p)
	util.blank(object.get(rule, "resource_id", null))
	r := rule.resource
	resource_rank[rule.access_level]
	mid := _member_of_rule(rule)
}

_resource_role_levels[pid][r][role] contains rule.access_level if {
	some pid, p in projects_by_id
	some rule in _resource_rules(p)
	util.blank(object.get(rule, "resource_id", null))
	r := rule.resource
	resource_rank[rule.access_level]
	role := _role_of_rule(rule)
}

# ---------------------------------------------------------------- legacy private projects

# legacy_private is true for a project PostHog keeps to its explicit members
# and organization admins: the legacy access_control flag under
# legacy_project_permissioning.
legacy_private(pid) if {
	legacy_project_permissioning
	projects_by_id[pid].access_control == true
}

# _explicit_members_missing is true when a project's explicit members could
# not be collected: a missing record names the project, or the whole section
# (project_id null: every project failed alike). A collected list that is
# empty is left out of the snapshot.
_explicit_members_missing(pid) if {
	not is_array(object.get(projects_by_id[pid], "explicit_members", null))
	some m in util.array_or_empty(input.snapshot.missing)
	m.section == "explicit_members"
	_missing_covers(m, pid)
}

_missing_covers(m, pid) if {
	is_number(m.project_id)
	format_int(m.project_id, 10) == pid
}

_missing_covers(m, _) if not is_number(object.get(m, "project_id", null))

# _explicit_member_ranks are the project ranks of the explicit members of
# each project: the higher of the explicit level and the member's
# organization level (ee ExplicitTeamMembership.effective_level), 8 and up
# being admin.
_explicit_member_ranks[pid][mid] := rank if {
	some pid, p in projects_by_id
	entries := util.array_or_empty(object.get(p, "explicit_members", []))
	some e in entries
	mid := member_of_user(e.user)
	levels := {l |
		some e2 in entries
		member_of_user(e2.user) == mid
		some l in [object.get(e2, "level", 0), object.get(e2, "effective_level", 0), input.index.members[mid].level]
		is_number(l)
	}
	rank := _legacy_rank(max(levels))
}

_legacy_rank(level) := 2 if level >= 8

else := 1

# project_rules_known is true when members' access to project pid can be
# resolved: the organization does not use access rules at all; or the
# project is a legacy private one whose explicit members were collected; or
# its rules were collected.
project_rules_known(_) if not access_control_enabled

project_rules_known(pid) if {
	access_control_enabled
	legacy_private(pid)
	not _explicit_members_missing(pid)
}

project_rules_known(pid) if {
	access_control_enabled
	not legacy_private(pid)
	is_object(projects_by_id[pid].access_controls)
}

# resource_rules_known is true when members' resource levels in project pid
# can be resolved from rules.
resource_rules_known(_) if not access_control_enabled

resource_rules_known(pid) if is_object(projects_by_id[pid].resource_access_controls)

# ---------------------------------------------------------------- effective project access

# _everyone_project_ranks are the ranks of project pid's everyone rules.
_everyone_project_ranks(pid) := {project_rank[l] | some l in project_everyone_levels[pid]}

# _role_project_ranks are the highest ranks of project pid's rules per role
# among the given roles that have one (none without role-based access):
# {role id: rank}.
_role_project_ranks(pid, roles) := {role: max({project_rank[l] | some l in levels}) |
	some role in _rule_roles(roles)
	levels := _project_role_levels[pid][role]
}

# _own_project_ranks are the ranks of project pid's rules naming member mid.
_own_project_ranks(pid, mid) := {project_rank[l] | some l in _project_member_levels[pid][mid]}

# _decided is a resolution: {rank, source, via, roles}, via the subject
# that decided (the access.Via* vocabulary of the Go side), roles the role
# ids whose rules give the rank for via role_rule (sorted), else [].
_decided(via, rank, roles, source) := {"rank": rank, "source": source, "via": via, "roles": roles}

# _by_roles decides by the roles' rules (by_role: {role id: rank}, not
# empty): the highest of them, and the roles whose rule gives it.
_by_roles(by_role, source) := _decided("role_rule", top, sort([role | some role, rank in by_role; rank == top]), source) if {
	top := max({rank | some rank in by_role})
}

# _highest_subject decides by the highest of the rules of the member (own),
# its roles (by_role) and everyone, at least one of them not empty; at a tie
# the most specific subject is named (member, then roles, then everyone).
_highest_subject(own, by_role, everyone, source) := _decided("member_rule", max(own), [], source) if {
	count(own) > 0
	max(own) >= max((({rank | some rank in by_role} | everyone) | {0}))
} else := _by_roles(by_role, source) if {
	count(by_role) > 0
	max({rank | some rank in by_role}) >= max(everyone | {0})
} else := _decided("everyone_rule", max(everyone), [], source)

# _pick_project resolves a project level from the ranks of the rules that
# apply, by subject (own: the member's rules' ranks; by_role: {role id:
# highest rank}; everyone: the everyone rules' ranks): explicit-first (the
# member's own and its roles' rules together, the highest of them) in
# legacy organizations, the member's own before its roles' in most-specific
# ones; then the everyone rule; then PostHog's default admin. It says which
# subject decided (_decided).
_pick_project(own, by_role, everyone) := _highest_subject(own, by_role, set(), "access_controls") if {
	not most_specific
	count(own) + count(by_role) > 0
} else := _decided("member_rule", max(own), [], "access_controls") if {
	most_specific
	count(own) > 0
} else := _by_roles(by_role, "access_controls") if {
	most_specific
	count(by_role) > 0
} else := _decided("everyone_rule", max(everyone), [], "access_controls") if {
	count(everyone) > 0
} else := _decided("default", 2, [], "system_default")

# _org_admin_resolution is an organization admin's or owner's resolution at
# rank (via org_admin, with its organization level).
_org_admin_resolution(mid, rank) := object.union(
	_decided("org_admin", rank, [], "org_admin"),
	{"org_level": org_level_name(input.index.members[mid].level)},
)

# _explicit_resolution is the legacy private-project gate's resolution for
# a member with the given explicit rank (0: no explicit member).
_explicit_resolution(rank) := _decided("explicit_member", rank, [], "explicit_members") if {
	rank > 0
} else := _decided("not_explicit_member", 0, [], "explicit_members")

# _project_resolution is a member's project access with the subject that
# decided it: {rank, source, via, roles}, and org_level for via org_admin;
# undefined when project_rules_known(pid) is not.
_project_resolution(pid, mid) := _org_admin_resolution(mid, 2) if {
	is_org_admin(mid)
} else := _decided("no_access_control", 2, [], "system_default") if {
	not access_control_enabled
} else := _explicit_resolution(object.get(object.get(_explicit_member_ranks, pid, {}), mid, 0)) if {
	legacy_private(pid)
	not _explicit_members_missing(pid)
} else := _pick_project(_own_project_ranks(pid, mid), _role_project_ranks(pid, member_roles(mid)), _everyone_project_ranks(pid)) if {
	not legacy_private(pid)
}

# effective_project is a member's project access as PostHog resolves it:
# {rank, source}, source one of org_admin, system_default, explicit_members,
# access_controls; undefined when project_rules_known(pid) is not.
effective_project(pid, mid) := {"rank": x.rank, "source": x.source} if {
	x := _project_resolution(pid, mid)
}

# _profile_project is the project access of the members of a profile that are
# no admins, that no member rule names and that are no explicit members of
# a legacy private project: {rank, source} (undefined when
# project_rules_known(pid) is not); _profile_project_resolution the same
# with the subject that decided (as _project_resolution).
_profile_project(pid, p) := {"rank": x.rank, "source": x.source} if {
	x := _profile_project_resolution(pid, p)
}

_profile_project_resolution(pid, p) := _decided("no_access_control", 2, [], "system_default") if {
	not access_control_enabled
} else := _explicit_resolution(0) if {
	legacy_private(pid)
	not _explicit_members_missing(pid)
} else := _pick_project(set(), _role_project_ranks(pid, p.roles), _everyone_project_ranks(pid)) if {
	not legacy_private(pid)
}

# _project_individuals are the members whose project access may differ from
# their profile's: admins and owners, the members a rule names, and the
# explicit members of a legacy private project.
_project_individuals(pid) := (org_admins | {mid | some mid, _ in _project_member_levels[pid]}) | {mid | some mid, _ in _explicit_member_ranks[pid]}

# has_users_with_access is true when PostHog's own resolution of project pid
# was collected (input.index.users_with_access: membership id → level).
has_users_with_access(pid) if is_object(input.index.users_with_access[pid])

# ---------------------------------------------------------------- effective resource access

# _everyone_resource_ranks and _own_resource_ranks are the ranks of the
# project-wide rules on resource r (already mapped to its rule resource) in
# project pid for everyone and for member mid; _role_resource_ranks the
# highest rank per role among the given roles ({role id: rank}).
_everyone_resource_ranks(pid, r) := {resource_rank[l] | some l in _resource_everyone_levels[pid][r]}

_role_resource_ranks(pid, roles, r) := {role: max({resource_rank[l] | some l in levels}) |
	some role in _rule_roles(roles)
	levels := _resource_role_levels[pid][r][role]
}

_own_resource_ranks(pid, mid, r) := {resource_rank[l] | some l in _resource_member_levels[pid][r][mid]}

# _pick_resource resolves a resource level from the ranks of the rules that
# apply (by subject, as _pick_project takes them): the highest of all of
# them in legacy organizations, the most specific subject's (member, else
# roles, else everyone) in most-specific ones; without a rule, the default
# of resource r. It says which subject decided (_decided).
_pick_resource(own, by_role, everyone, r) := _highest_subject(own, by_role, everyone, "resource_access_controls") if {
	not most_specific
	(count(own) + count(by_role)) + count(everyone) > 0
} else := _decided("member_rule", max(own), [], "resource_access_controls") if {
	most_specific
	count(own) > 0
} else := _by_roles(by_role, "resource_access_controls") if {
	most_specific
	count(by_role) > 0
} else := _decided("everyone_rule", max(everyone), [], "resource_access_controls") if {
	most_specific
	count(everyone) > 0
} else := _decided("default", resource_rank[default_resource_level(r)], [], "system_default")

# _resource_resolution is a member's level on resource r in project pid with
# the subject that decided it (as _project_resolution).
_resource_resolution(pid, mid, r) := _org_admin_resolution(mid, resource_rank[highest_resource_level(r)]) if {
	is_org_admin(mid)
} else := _decided("no_access_control", resource_rank[default_resource_level(r)], [], "system_default") if {
	not access_control_enabled
} else := _pick_resource(
	_own_resource_ranks(pid, mid, rule_resource(r)),
	_role_resource_ranks(pid, member_roles(mid), rule_resource(r)),
	_everyone_resource_ranks(pid, rule_resource(r)),
	r,
)

# effective_resource is a member's level on resource r in project pid:
# {rank, source}, source one of org_admin, system_default,
# resource_access_controls.
effective_resource(pid, mid, r) := {"rank": x.rank, "source": x.source} if {
	x := _resource_resolution(pid, mid, r)
}

# _profile_resource is the level on resource r of the members of a profile
# that are no admins and that no member rule on r names: {rank, source};
# _profile_resource_resolution the same with the subject that decided (as
# _resource_resolution).
_profile_resource(pid, p, r) := {"rank": x.rank, "source": x.source} if {
	x := _profile_resource_resolution(pid, p, r)
}

_profile_resource_resolution(pid, p, r) := _decided("no_access_control", resource_rank[default_resource_level(r)], [], "system_default") if {
	not access_control_enabled
} else := _pick_resource(
	set(),
	_role_resource_ranks(pid, p.roles, rule_resource(r)),
	_everyone_resource_ranks(pid, rule_resource(r)),
	r,
)

# _resource_individuals are the members whose project access or level on r may
# differ from their profile's.
_resource_individuals(pid, r) := _project_individuals(pid) | {mid | some mid, _ in _resource_member_levels[pid][rule_resource(r)]}

# ---------------------------------------------------------------- access paths

# A grant is a level and the path that grants it: {"level": a level name,
# "via": the subject that decided (org_admin, member_rule, role_rule,
# everyone_rule, default, no_access_control, explicit_member,
# not_explicit_member), "roles": for role_rule the role ids whose rules give
# the level (sorted), else []}, and "org_level" ("admin" or "owner") for
# org_admin. The Go side's access.Path has the same vocabulary.
_grant(x, names) := object.union({"level": names[x.rank], "via": x.via, "roles": x.roles}, object.filter(x, ["org_level"]))

# resolution_known is true when the organization-wide facts every member's
# access rests on were collected: the organization (its plan features and
# resolution setting), its members and projects, its roles when rules
# naming roles apply, and the deployment's vintage when the organization
# lists an access-control feature (the vintage decides which key makes rules
# count). Without it project_paths and resource_paths are empty, so that no
# access is told from a guess.
resolution_known if not _resolution_gap

_resolution_gap if {
	some s in ["organization", "members", "projects"]
	input.sections[s] == "missing"
}

_resolution_gap if {
	input.sections.roles == "missing"
	role_based_access_enabled
}

_resolution_gap if {
	deployment_vintage == "unknown"
	count(listed_access_control_features) > 0
}

# project_path is member mid's grant on project pid (undefined when
# project_rules_known(pid) is not: a project whose rules were not collected
# has no path, never the default's).
project_path(pid, mid) := _grant(_project_resolution(pid, mid), project_level_names) if project_rules_known(pid)

# resource_path is member mid's grant on resource r in project pid
# (undefined when resource_rules_known(pid) is not).
resource_path(pid, mid, r) := _grant(_resource_resolution(pid, mid, r), resource_level_names) if resource_rules_known(pid)

# project_paths are the grants on every project whose access can be told
# (project_rules_known), per project id: {"profiles": {profile key (of
# input.index.profiles): the grant of its members}, "members": {membership
# id: grant}}. A member in "members" (an admin, a member a rule names, an
# explicit member of a legacy private project) has that grant; every other
# member its profile's. Like project_excess, it resolves per project and
# profile and looks at single members only for those.
project_paths[pid] := {"profiles": profs, "members": mems} if {
	resolution_known
	some pid, _ in projects_by_id
	project_rules_known(pid)
	profs := {key: _grant(_profile_project_resolution(pid, p), project_level_names) | some key, p in input.index.profiles}
	mems := {mid: _grant(_project_resolution(pid, mid), project_level_names) |
		some mid in _project_individuals(pid)
		input.index.members[mid]
	}
}

# resource_paths are the grants on each of resources (a list of resource
# names) in every project whose resource rules can be told
# (resource_rules_known), per project id and resource, shaped like
# project_paths' entries: {pid: {r: {"profiles": {...}, "members": {...}}}}.
# A resource grant does not consult the member's access to the project
# (PostHog's access_level_for_resource does not).
resource_paths(resources) := {pid: by_resource |
	resolution_known
	some pid, _ in projects_by_id
	resource_rules_known(pid)
	by_resource := {r: {"profiles": profs, "members": mems} |
		some r in resources
		profs := {key: _grant(_profile_resource_resolution(pid, p, r), resource_level_names) | some key, p in input.index.profiles}
		mems := {mid: _grant(_resource_resolution(pid, mid, r), resource_level_names) |
			some mid in _resource_individuals(pid, r)
			input.index.members[mid]
		}
	}
}

# role_names are the snapshot's role names by role id.
role_names := {r.id: r.name |
	some r in util.array_or_empty(input.snapshot.roles)
	is_string(r.id)
	is_string(r.name)
}

# _role_name is a role's name, else (a role the snapshot does not name) its
# id.
_role_name(id) := n if {
	n := role_names[id]
} else := id

# path_evidence is the path of a grant as findings carry it in
# evidence.path: {via}, with org_level for org_admin, and roles (ids,
# sorted) and role_names (in the same order) for role_rule — the Go side's
# access.Path.
path_evidence(g) := {"via": g.via, "org_level": g.org_level} if {
	g.via == "org_admin"
} else := {"via": g.via, "roles": g.roles, "role_names": [_role_name(id) | some id in g.roles]} if {
	g.via == "role_rule"
} else := {"via": g.via}

# path_phrase names the rule that grants a path (path_evidence's shape) in
# PostHog's terms, for a message: "through role Finance's rule", "as an
# organization owner", …; it reads after "has <level> access to <project>".
path_phrase(path) := sprintf("as an organization %s", [path.org_level]) if {
	path.via == "org_admin"
} else := sprintf("through role %s's rule", [path.role_names[0]]) if {
	path.via == "role_rule"
	count(path.role_names) == 1
} else := sprintf("through the rules of roles %s", [_and_list(path.role_names)]) if {
	path.via == "role_rule"
} else := _via_phrases[path.via]

_via_phrases := {
	"member_rule": "through a rule naming the member",
	"everyone_rule": "through the project's rule for everyone",
	"default": "by PostHog's default (no rule applies)",
	"no_access_control": "by PostHog's default (the plan has no access-control feature this deployment checks)",
	"explicit_member": "as an explicit member of the private project",
	"not_explicit_member": "as no explicit member of the private project",
}

# _and_list joins names as "A, B and C".
_and_list(names) := names[0] if {
	count(names) == 1
} else := sprintf("%s and %s", [concat(", ", array.slice(names, 0, count(names) - 1)), names[count(names) - 1]])

# ---------------------------------------------------------------- access above the matrix

# project_excess are the members whose access to a bound project is above
# what their matrix groups allow, over the projects whose access can be told
# (protected ones included): cells {"member": membership id, "project": the
# matrix project key, "project_id": the PostHog project id, "effective": the
# member's level, "allowed": the highest level its groups allow on the
# project (project level names; none when no group lists it), "source": where
# the effective level comes from (users_with_access, org_admin,
# system_default, explicit_members, access_controls), "groups": the member's
# matrix groups (sorted), "line": the matrix line of the entry granting the
# allowed level, else of the project}. The effective level is PostHog's own
# resolution (input.index.users_with_access) where the server offers it,
# else effective_project: a project has cells from one of them only. A
# member exactly at the allowed level has none.
#
# PostHog's own resolution comes grouped by profile and level, so each
# profile and level is compared once.
project_excess contains cell if {
	some pid, k in bound_projects
	groups := input.index.users_with_access[pid]
	is_object(groups)
	over := [[mid, p, effective, "users_with_access"] |
		some key, by_level in groups
		p := input.index.profiles[key]
		allowed := allowed_project_by_profile[p][k]
		some level, mids in by_level
		effective := project_rank[level]
		allowed < effective
		some mid in mids
	]
	some cell in _project_cells(pid, k, over)
}

# From the rules, per profile: its members that are no admins, that no
# member rule names and that are no explicit members share the profile's
# access.
project_excess contains cell if {
	some pid, k in bound_projects
	not has_users_with_access(pid)
	project_rules_known(pid)
	individuals := _project_individuals(pid)
	over := [[mid, p, e.rank, e.source] |
		some p in profiles
		allowed_project_by_profile[p][k] < 2
		e := _profile_project(pid, p)
		allowed_project_by_profile[p][k] < e.rank
		some mid in members_by_profile[p]
		not mid in individuals
	]
	some cell in _project_cells(pid, k, over)
}

# From the rules, one by one: admins, the members a rule names and explicit
# members.
project_excess contains cell if {
	some pid, k in bound_projects
	not has_users_with_access(pid)
	project_rules_known(pid)
	over := [[mid, p, e.rank, e.source] |
		some mid in _project_individuals(pid)
		p := member_profile[mid]
		e := effective_project(pid, mid)
		allowed_project_by_profile[p][k] < e.rank
	]
	some cell in _project_cells(pid, k, over)
}

# _project_cells are the project_excess cells of project pid (bound to key k)
# for a list of [membership id, profile, effective rank, source]; what the
# members of one profile, rank and source share is built once.
_project_cells(pid, k, over) := {cell |
	shapes := {[p, effective, source] | some [_, p, effective, source] in over}
	shared := {shape: _project_cell(pid, k, shape) | some shape in shapes}
	some [mid, p, effective, source] in over
	cell := object.union(shared[[p, effective, source]], {"member": mid})
}

# _project_cell is a project_excess cell without its member.
_project_cell(pid, k, [p, effective, source]) := {
	"project": k,
	"project_id": projects_by_id[pid].id,
	"effective": project_level_names[effective],
	"allowed": project_level_names[allowed],
	"source": source,
	"groups": sort([g | some g in p.groups]),
	"line": _project_line(p.groups, k, allowed),
} if {
	allowed := allowed_project_by_profile[p][k]
}

# _project_line is the line of the entry of the first of the groups that
# grants the allowed project rank on key k, else of the matrix project.
_project_line(groups, k, allowed) := l if {
	allowed > 0
	granting := sort([g |
		some g in groups
		e := input.matrix.access_matrix[g].projects[k]
		project_rank[entry_role(e)] == allowed
	])
	l := util.line_of(input.matrix.access_matrix[granting[0]].projects[k], "role")
} else := util.node_line(input.matrix.projects[k])

# resource_excess are the members whose level on a resource in a bound
# project is above what their matrix groups allow, for the resources some
# matrix entry for the project restricts, inside projects PostHog lets the
# member into (effective_project above none) and its groups allow it into;
# over the projects whose project and resource rules can be told: cells
# {"member", "project", "project_id", "groups" as in project_excess,
# "resource": the resource, "effective": the member's level on it, "allowed":
# the highest level its groups allow (resource level names), "source":
# org_admin, system_default or resource_access_controls, "line": the matrix
# line of the restriction of the first of the member's groups that restricts
# the resource, else of the project}. A member exactly at the allowed level
# has none; members PostHog keeps out of the project are project_excess's
# business.
#
# Per profile: its members that are no admins and that no member rule (on
# the project or the resource) names share the profile's levels.
resource_excess contains cell if {
	some pid, k in bound_projects
	resource_rules_known(pid)
	project_rules_known(pid)
	some r in restricted_resources[k]
	individuals := _resource_individuals(pid, r)
	some p in profiles
	allowed_project_by_profile[p][k] > 0
	allowed := groups_resource_rank(p.groups, k, r)
	allowed < 3
	_profile_project(pid, p).rank > 0
	e := _profile_resource(pid, p, r)
	e.rank > allowed
	shared := _resource_cell(pid, k, r, p.groups, e, allowed)
	some mid in members_by_profile[p]
	not mid in individuals
	cell := object.union(shared, {"member": mid})
}

# One by one: admins and the members a rule names.
resource_excess contains cell if {
	some pid, k in bound_projects
	resource_rules_known(pid)
	project_rules_known(pid)
	some r in restricted_resources[k]
	some mid in _resource_individuals(pid, r)
	p := member_profile[mid]
	allowed_project_by_profile[p][k] > 0
	effective_project(pid, mid).rank > 0
	e := effective_resource(pid, mid, r)
	allowed := groups_resource_rank(p.groups, k, r)
	e.rank > allowed
	cell := object.union(_resource_cell(pid, k, r, p.groups, e, allowed), {"member": mid})
}

# _resource_cell is a resource_excess cell without its member.
_resource_cell(pid, k, r, groups, e, allowed) := {
	"project": k,
	"project_id": projects_by_id[pid].id,
	"resource": r,
	"effective": resource_level_names[e.rank],
	"allowed": resource_level_names[allowed],
	"source": e.source,
	"groups": sort([g | some g in groups]),
	"line": _resource_line(groups, k, r),
}

# _resource_line is the line of the restriction of the first of the groups
# that restricts r in project key k, else of the matrix project.
_resource_line(groups, k, r) := l if {
	restricting := sort([g |
		some g in groups
		input.matrix.access_matrix[g].projects[k].resources[r]
	])
	l := util.node_line(input.matrix.access_matrix[restricting[0]].projects[k].resources[r])
} else := util.node_line(input.matrix.projects[k])
