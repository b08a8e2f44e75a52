# Test fixtures for the built-in rules: a small, compliant organization
# (Acme). Its input document, input_doc, is generated from Go
# (fixture_test.rego, from policies/fixture_test.go: BuildInput's output);
# the helpers here derive deviations from it the way the engine would, and
# policies' TestRegoFixtureHelpersAgreeWithGo holds them to BuildInput. Rule
# tests object.union a deviation onto input_doc and check what fires. Being
# _test.rego files, these load with the tests only, never into a check.
package hogaudit.lib.testdata

now := input_doc.now

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
	"created_by": null,
	"created_at": null,
	"updated_at": null,
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
	"created_at": null,
	"receive_org_level_activity_logs": true,
	"access_controls": {"access_controls": project_rules, "available_access_levels": null, "default_access_level": "admin"},
	"resource_access_controls": {"access_controls": resource_rules, "available_access_levels": null, "default_access_level": "editor"},
	"users_with_access": null,
	"explicit_members": null,
}

# production: private (everyone none), engineering's role member, pat
# member; flags viewer for everyone, editor for engineering. staging:
# private too, engineering's role admin, pat member.
production := snapshot.projects[0]

staging := snapshot.projects[1]

# member_index is an input.index.members entry (without the fields derived
# adds): a member who joined 400 days ago, logged in 2 days ago, with 2FA.
# Its email is lower case, as the engine writes it. Its user id is 0, which no member of the fixture has: with_members leaves
# such members out of member_by_user_id.
member_index(mid, uuid, email, level, groups, roles) := {
	"id": mid,
	"email": lower(email),
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
	"user": {"id": m.user_id, "uuid": m.user_uuid, "email": m.email, "first_name": "", "last_name": "", "is_email_verified": null},
	"level": m.level,
	"joined_at": m.joined_at,
	"updated_at": null,
	"is_2fa_enabled": m.is_2fa_enabled,
	"has_social_auth": m.has_social_auth,
	"last_login": m.last_login,
}

# members are the fixture's index members: alice (owner) and bob (admin) in
# admins, eve in engineering through the Engineering role, pat in product
# by its domain, bi-bot in bi_service_account.
members := index.members

# derived adds the fields the engine derives for an index member: its
# profile key, email domain, and times in nanoseconds.
derived(m) := object.union(m, {
	"profile": profile_key(m),
	"email_domain": email_domain(m.email),
	"joined_at_ns": time.parse_rfc3339_ns(m.joined_at),
	"last_login_ns": last_login_ns(m),
})

# email_domain is what follows an email's last "@", as the engine has it.
email_domain(email) := parts[count(parts) - 1] if {
	parts := split(email, "@")
	count(parts) > 1
} else := ""

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
	"member_by_user_id": {format_int(m.user_id, 10): mid | some mid, m in ms; m.user_id != 0},
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

# snapshot, index and matrix are the fixture's input.snapshot, input.index
# and input.matrix.
snapshot := input_doc.snapshot

index := input_doc.index

matrix := input_doc.matrix
