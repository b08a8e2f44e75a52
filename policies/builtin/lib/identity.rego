# Stable identities of findings (policies/INPUT.md, "A finding's identity"):
# what a finding is about, named by PostHog's ids (member user uuid, key id,
# project id, invite id, domain id, role id, activity entry id), never by an
# email, a label or a name. The engine turns a finding's identity, with its
# rule and the organization id, into the finding's id and its SARIF
# fingerprint, so an alert survives renames. Every helper is total: when an id
# is absent it falls back to the next most stable name, so a finding never
# disappears because its identity could not be built.

# METADATA
# scope: package
# schemas:
#   - input: schema.input
package hogaudit.lib.identity

import data.hogaudit.lib.util

# join joins the parts of an identity with "/".
join(parts) := concat("/", parts)

# org is the organization itself (the organization id also enters every
# fingerprint).
org := sprintf("org:%v", [id]) if {
	id := input.org.id
	not util.blank(id)
} else := sprintf("org:%v", [id]) if {
	id := input.snapshot.organization.id
	not util.blank(id)
} else := "org"

# member is the member with membership id mid, by its user's uuid, which
# outlives an email change; else by the membership id.
member(mid) := sprintf("member:%s", [uuid]) if {
	uuid := input.index.members[mid].user_uuid
	is_string(uuid)
	uuid != ""
} else := sprintf("membership:%v", [mid])

# project is the PostHog project with id pid (a string or a number).
project(pid) := sprintf("project:%v", [pid])

# key is a personal API key of input.snapshot.api_keys (or input.index.keys),
# by its id; two keys sharing a label are two identities.
key(k) := sprintf("key:%s", [id]) if {
	id := k.id
	is_string(id)
	id != ""
} else := sprintf("key-label:%v", [object.get(k, "label", "")])

# invite is an organization invite, by its id.
invite(i) := sprintf("invite:%s", [id]) if {
	id := i.id
	is_string(id)
	id != ""
} else := sprintf("invite-email:%s", [lower(object.get(i, "target_email", ""))])

# domain is an authentication domain of input.snapshot.domains, by its id.
domain(d) := sprintf("domain:%s", [id]) if {
	id := d.id
	is_string(id)
	id != ""
} else := domain_name(object.get(d, "domain", ""))

# domain_name is a domain the matrix names that the organization does not
# have (no id to name it by), by its lower-cased name.
domain_name(name) := sprintf("domain-name:%s", [lower(name)])

# activity is an activity-log entry, by its id.
activity(e) := sprintf("activity:%v", [e.id])

# matrix_project is the matrix project key k, by the PostHog project it binds
# to, else (unbound) by the key itself.
matrix_project(k) := project(id) if {
	id := input.matrix.projects[k].project_id
	is_number(id)
} else := sprintf("project-key:%s", [k])

# matrix_group is the matrix group key g, by the PostHog role it binds to,
# else (bound by members, or unbound) by the key itself.
matrix_group(g) := sprintf("role:%s", [id]) if {
	id := input.matrix.groups[g].role_id
	is_string(id)
	id != ""
} else := sprintf("group:%s", [g])
