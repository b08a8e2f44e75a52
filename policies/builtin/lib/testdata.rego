# Test fixtures for the built-in rules: a small, compliant organization
# (Acme) with its snapshot, engine index and bound matrix, shaped as
# policies/INPUT.md describes the input document. Rule tests object.union a
# deviation onto input and check what fires. Nothing here is evaluated
# outside tests.
package hogaudit.lib.testdata

now := "2026-11-27T12:00:00Z"

# ts is a timestamp days days before now (negative: after now).
ts(days) := time.format([time.parse_rfc3339_ns(now) - ((((days * 24) * 60) * 60) * 1000000000), "UTC", "2006-01-02T15:04:05Z07:00"])

# rule is an access-control row: level on resource (resource_id null) for a
# member (membership id), a role (role id), or everyone (both null).
rule(level, resource, mid, role) := {
	"access_level": level,
	"resource": resource,
	"resource_id": null,
	"organization_member": mid,
	"role": role,
}

# project_rule is a rule on the project object itself.
project_rule(pid, level, mid, role) := object.union(rule(level, "project", mid, role), {"resource_id": format_int(pid, 10)})

# project is a PostHog project with its access rules; users_with_access null
# (not collected) unless overridden.
project(pid, name, project_rules, resource_rules) := {
	"id": pid,
	"uuid": sprintf("0190-%d", [pid]),
	"name": name,
	"access_control": false,
	"is_demo": false,
	"receive_org_level_activity_logs": true,
	"access_controls": {"access_controls": project_rules, "default_access_level": "admin"},
	"resource_access_controls": {"access_controls": resource_rules, "default_access_level": "editor"},
	"users_with_access": null,
}

# production: private (everyone none), engineering's role member, product's
# pat member; flags viewer for everyone, editor for engineering.
production := project(
	1, "Production",
	[
		project_rule(1, "none", null, null),
		project_rule(1, "member", null, "r-eng"),
		project_rule(1, "member", "m-pat", null),
	],
	[
		rule("viewer", "feature_flag", null, null),
		rule("editor", "feature_flag", null, "r-eng"),
	],
)

# staging: private too, engineering's role admin, pat member.
staging := project(
	2, "Staging",
	[
		project_rule(2, "none", null, null),
		project_rule(2, "admin", null, "r-eng"),
		project_rule(2, "member", "m-pat", null),
	],
	[],
)

# member_index is an input.index.members entry.
member_index(mid, uuid, email, level, groups, roles) := {
	"id": mid,
	"email": email,
	"user_uuid": uuid,
	"user_id": 0,
	"level": level,
	"org_level": org_level(level),
	"groups": groups,
	"roles": roles,
	"joined_at": ts(400),
	"last_login": ts(2),
	"is_2fa_enabled": true,
	"has_social_auth": false,
}

org_level(level) := "owner" if {
	level >= 15
} else := "admin" if {
	level >= 8
} else := "member"

# snapshot_member is the snapshot's shape of an index member.
snapshot_member(m) := {
	"id": m.id,
	"user": {"id": m.user_id, "uuid": m.user_uuid, "email": m.email},
	"level": m.level,
	"joined_at": m.joined_at,
	"is_2fa_enabled": m.is_2fa_enabled,
	"has_social_auth": m.has_social_auth,
	"last_login": m.last_login,
}

members := {
	"m-alice": member_index("m-alice", "u-alice", "alice@acme.com", 15, ["admins"], []),
	"m-bob": member_index("m-bob", "u-bob", "bob@acme.com", 8, ["admins"], []),
	"m-eve": member_index("m-eve", "u-eve", "eve@acme.com", 1, ["engineering"], ["r-eng"]),
	"m-pat": member_index("m-pat", "u-pat", "pat@product.acme.com", 1, ["product"], []),
	"m-bi": member_index("m-bi", "u-bi", "bi-bot@acme.com", 1, ["bi_service_account"], []),
}

# derived adds the fields the engine derives for an index member: its
# profile key, email domain, and times in nanoseconds.
derived(m) := object.union(m, {
	"profile": profile_key(m),
	"email_domain": split(m.email, "@")[1],
	"joined_at_ns": time.parse_rfc3339_ns(m.joined_at),
	"last_login_ns": last_login_ns(m),
})

last_login_ns(m) := time.parse_rfc3339_ns(m.last_login) if is_string(m.last_login)

else := null

profile_key(m) := concat("|", [concat(",", list(m.roles)), concat(",", list(m.groups))])

# list is a sorted list, [] for null (the engine never emits null lists).
list(x) := sort(x) if is_array(x)

else := []

# member_lookups are the index's lookups over the given index members.
member_lookups(ms) := {
	"members": {mid: derived(m) | some mid, m in ms},
	"member_by_user_uuid": {m.user_uuid: mid | some mid, m in ms},
	"member_by_email": {m.email: mid | some mid, m in ms},
	"profiles": {profile_key(m): {"roles": list(m.roles), "groups": list(m.groups)} | some m in ms},
	"members_by_profile": {key: sort([mid | some mid, m in ms; profile_key(m) == key]) |
		some m in ms
		key := profile_key(m)
	},
}

# access_lookup is the engine's users_with_access index over projects:
# project id → profile key → level → membership ids, for projects whose rows
# were collected (a row names its membership, else its user).
access_lookup(ps, ms) := {format_int(p.id, 10): groups |
	some p in ps
	is_array(p.users_with_access)
	rows := [[mid, profile_key(ms[mid]), row.access_level] |
		some row in p.users_with_access
		mid := row_member(row, ms)
	]
	groups := {key: {level: sort([mid | some [mid, k, l] in rows; k == key; l == level]) |
		some [_, k, level] in rows
		k == key
	} |
		some [_, key, _] in rows
	}
}

row_member(row, ms) := row.organization_membership_id if {
	ms[row.organization_membership_id]
} else := mid if {
	some mid, m in ms
	m.user_uuid == row.user_id
}

# with_members is input with the given index members added to (or replacing
# those with the same id in) the fixture's, the snapshot's members and the
# lookups rebuilt from them.
with_members(ms) := doc if {
	all := object.union(members, ms)
	doc := object.union(input_doc, {
		"snapshot": {"members": [snapshot_member(m) | some m in all]},
		"index": object.union(member_lookups(all), {"users_with_access": access_lookup(snapshot.projects, all)}),
	})
}

# with_projects is input with the given snapshot projects (and the
# users_with_access index rebuilt from them).
with_projects(ps) := object.union(input_doc, {
	"snapshot": {"projects": ps},
	"index": {"users_with_access": access_lookup(ps, members)},
})

# on_older_deployment is doc as an older PostHog (2025 and before) serves
# it: users_with_access and identity_provider_configs answer 404 (not
# applicable), so PostHog's own resolution is not in the index.
on_older_deployment(doc) := json.remove(
	object.union(doc, {"sections": {"users_with_access": "not_applicable", "identity_provider_configs": "not_applicable"}}),
	["index/users_with_access"],
)

# on_unknown_deployment is doc whose identity_provider_configs and
# users_with_access could not be read (missing evidence), so the vintage is
# unknown.
on_unknown_deployment(doc) := object.union(doc, {"sections": {"users_with_access": "missing", "identity_provider_configs": "missing"}})

# entry is a matrix access_matrix entry as the matrix package normalizes it.
entry(line, extra) := object.union(
	{"line": line, "lines": {}, "role": "member", "resources": {}},
	extra,
)

matrix := {
	"path": "access-matrix.yaml",
	"line": 1,
	"lines": {
		"version": 1, "organization": 3, "api_keys": 15, "audit": 21,
		"projects": 24, "groups": 31, "access_matrix": 45, "exceptions": 70,
	},
	"organization": {
		"enforce_sso": "saml",
		"sso_domains": ["acme.com"],
		"jit_provisioning": false,
		"require_2fa": true,
		"max_owners": 2,
		"max_admins": 2,
		"members_can_invite": false,
		"members_can_use_personal_api_keys": true,
		"allowed_email_domains": ["acme.com", "product.acme.com"],
		"dormant_after_days": 90,
		"line": 3,
		"lines": {
			"enforce_sso": 4, "sso_domains": 5, "jit_provisioning": 6, "require_2fa": 7,
			"max_owners": 8, "max_admins": 9, "members_can_invite": 10,
			"members_can_use_personal_api_keys": 11, "allowed_email_domains": 12,
			"dormant_after_days": 13,
		},
		"item_lines": {
			"sso_domains": {"acme.com": 5},
			"allowed_email_domains": {"acme.com": 12, "product.acme.com": 12},
		},
	},
	"api_keys": {
		"max_age_days": 90,
		"max_unused_days": 30,
		"allow_wildcard": false,
		"require_project_scoping": true,
		"line": 15,
		"lines": {"max_age_days": 16, "max_unused_days": 17, "allow_wildcard": 18, "require_project_scoping": 19},
	},
	"audit": {"lookback_days": 30, "line": 21, "lines": {"lookback_days": 22}},
	"projects": {
		"production_project": {
			"key": "production_project", "line": 25, "lines": {"name": 26, "protected": 27},
			"declared": true, "name": "Production", "protected": true, "bound": true,
			"project_id": 1, "project_name": "Production", "binding": "name",
		},
		"staging_project": {
			"key": "staging_project", "line": 28, "lines": {"name": 29},
			"declared": true, "name": "Staging", "protected": false, "bound": true,
			"project_id": 2, "project_name": "Staging", "binding": "name",
		},
	},
	"groups": {
		"engineering": {
			"key": "engineering", "line": 32, "lines": {"role": 33}, "declared": true,
			"role": "Engineering", "role_id": "r-eng", "members": [], "keys": [],
			"org_level": "member", "bound": true,
		},
		"product": {
			"key": "product", "line": 34, "lines": {"members": 35}, "declared": true,
			"members": ["*@product.acme.com", "pm@acme.com"], "keys": [],
			"org_level": "member", "bound": true,
		},
		"bi_service_account": {
			"key": "bi_service_account", "line": 36, "lines": {"members": 37, "keys": 38}, "declared": true,
			"members": ["bi-bot@acme.com"], "keys": ["bi-dashboard"],
			"org_level": "member", "bound": true,
		},
		"admins": {
			"key": "admins", "line": 39, "lines": {"members": 40, "org_level": 41}, "declared": true,
			"members": ["alice@acme.com", "bob@acme.com"], "keys": [],
			"org_level": "owner", "bound": true,
		},
	},
	"keys": {"bi-dashboard": {"label": "bi-dashboard", "line": 38, "groups": ["bi_service_account"], "audited": true}},
	"access_matrix": {
		"engineering": {"line": 46, "projects": {
			"staging_project": entry(47, {"lines": {"role": 48, "can_delete_flags": 49}, "role": "admin", "can_delete_flags": true}),
			"production_project": entry(50, {"lines": {"role": 51, "can_delete_flags": 52}, "can_delete_flags": false}),
		}},
		"product": {"line": 53, "projects": {
			"staging_project": entry(54, {"lines": {"role": 55}}),
			"production_project": entry(56, {
				"lines": {"role": 57, "can_create_flags": 58},
				"resources": {"feature_flag": {"level": "viewer", "line": 58}},
			}),
		}},
		"bi_service_account": {"line": 59, "projects": {"production_project": entry(60, {
			"lines": {"api_key_scopes": 61},
			"api_key_scopes": ["insight:read", "dashboard:read", "query:read"],
			"scope_lines": {"insight:read": 61, "dashboard:read": 61, "query:read": 61},
		})}},
		"admins": {"line": 62, "projects": {
			"production_project": entry(63, {"lines": {"role": 63}, "role": "admin"}),
			"staging_project": entry(64, {"lines": {"role": 64}, "role": "admin"}),
		}},
	},
	"exceptions": [{
		"index": 0, "line": 71, "lines": {"rule": 71, "subject": 72, "expires": 74},
		"rule": "PH204", "subject": "member:carol@acme.com", "project": "production_project",
		"reason": "incident commander rotation", "expires": "2027-03-07", "expired": false, "days_left": 100,
	}],
}

snapshot := {
	"schema_version": 1,
	"organization": {
		"id": "org-1",
		"name": "Acme",
		"membership_level": 15,
		"members_can_see_org_members": true,
		"enforce_2fa": true,
		"members_can_invite": false,
		"members_can_use_personal_api_keys": true,
		"available_product_features": [
			"access_control", "audit_logs", "organization_invite_settings", "organization_security_settings",
			"role_based_access", "saml", "sso_enforcement",
		],
	},
	"current_user": {"id": 101, "uuid": "u-alice", "email": "alice@acme.com"},
	"members": [snapshot_member(m) | some m in members],
	"invites": [
		{
			"id": "inv-1", "target_email": "new@acme.com", "level": 1, "is_expired": false,
			"created_at": ts(1), "private_project_access": null,
		},
		{
			"id": "inv-2", "target_email": "old@elsewhere.io", "level": 15, "is_expired": true,
			"created_at": ts(10), "private_project_access": null,
		},
	],
	"domains": [{
		"id": "d-1", "domain": "acme.com", "is_verified": true, "jit_provisioning_enabled": false,
		"sso_enforcement": "saml", "has_saml": true,
	}],
	"identity_provider_configs": [],
	"roles": [
		{"id": "r-eng", "name": "Engineering", "members": [{"id": "rm-1", "membership_id": "m-eve", "user_uuid": "u-eve", "email": "eve@acme.com"}]},
		{"id": "r-prod", "name": "Product", "members": []},
	],
	"projects": [production, staging],
	"activity_log": [{
		"id": "a-1", "created_at": ts(3), "scope": "FeatureFlag", "activity": "updated", "item_id": "42",
		"project_id": 1, "user": {"uuid": "u-eve", "email": "eve@acme.com"},
		"detail": {"name": "new-checkout", "changes": [{"type": "FeatureFlag", "action": "changed", "field": "active", "before": false, "after": true}]},
	}],
	"api_keys": [
		{
			"source": "scanner", "id": "k-scan", "label": "hogaudit", "created_at": ts(10),
			"last_used_at": ts(0), "last_rolled_at": null, "user_id": 101,
			"scopes": [
				"organization:read", "organization_member:read", "project:read",
				"access_control:read", "activity_log:read", "user:read",
			],
			"scoped_teams": null, "scoped_organizations": ["org-1"],
		},
		{
			"source": "audit", "env": "BI_KEY", "id": "k-bi", "label": "bi-dashboard", "created_at": ts(20),
			"last_used_at": ts(1), "last_rolled_at": null, "user_id": 105,
			"scopes": ["insight:read", "query:read"], "scoped_teams": [1], "scoped_organizations": null,
		},
	],
	"instance": {
		"cloud": false, "realm": "hosted-clickhouse",
		"available_social_auth_providers": {"github": true, "gitlab": false, "google-oauth2": false},
	},
	"missing": [{
		"section": "explicit_members", "endpoint": "/api/projects/1/explicit_members/", "status": 404,
		"detail": "Not found.", "not_applicable": true, "reason": "not applicable on this deployment",
	}],
}

index := object.union(member_lookups(members), {
	"users_with_access": access_lookup(snapshot.projects, members),
	"member_by_user_id": {"101": "m-alice", "105": "m-bi"},
	"projects": {
		"1": {"id": 1, "name": "Production", "key": "production_project", "protected": true},
		"2": {"id": 2, "name": "Staging", "key": "staging_project", "protected": false},
	},
	"keys": [
		{"id": "k-scan", "label": "hogaudit", "source": "scanner", "owner": "m-alice", "owner_email": "alice@acme.com", "groups": ["admins"]},
		{"id": "k-bi", "label": "bi-dashboard", "source": "audit", "env": "BI_KEY", "owner": "m-bi", "owner_email": "bi-bot@acme.com", "groups": ["bi_service_account"]},
	],
})

input_doc := {
	"now": now,
	"now_ns": time.parse_rfc3339_ns(now),
	"org": {"id": "org-1", "name": "Acme"},
	"tool": {
		"required_scopes": [
			"organization:read", "organization_member:read", "project:read",
			"access_control:read", "activity_log:read", "user:read",
		],
		"known_scope_objects": [
			"access_control", "action", "activity_log", "annotation", "cohort", "dashboard", "experiment",
			"feature_flag", "insight", "notebook", "organization", "organization_member", "person", "project",
			"query", "session_recording", "survey", "user",
		],
		"internal_scope_objects": ["clickhouse_test_cluster_perf"],
	},
	# The newest PostHog: identity_provider_configs served, explicit_members
	# not (see on_older_deployment for the 2025 one).
	"sections": object.union(
		{s: "ok" | some s in [
			"organization", "current_user", "members", "invites", "domains", "identity_provider_configs", "roles",
			"projects", "access_controls", "resource_access_controls", "activity_log", "api_keys", "instance",
		]},
		{"explicit_members": "not_applicable"},
	),
	"snapshot": snapshot,
	"index": index,
	"matrix": matrix,
}
