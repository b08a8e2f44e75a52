# The activity log as the audit rules (PH4xx) read it: entries within the
# matrix's lookback window, their changes, and who made them.
#
# Organization-level entries (project_id null: Organization,
# OrganizationDomain, OrganizationMembership, …) are in the log only when the
# snapshot's organization_activity_log section says where they came from;
# rules that read them require that section, so an absent row is never taken
# for no change.
#
# PostHog names a change's field by the model field, or by a display name
# from field_name_overrides (posthog/models/activity_logging/activity_log.py:
# Organization enforce_2fa is "two-factor authentication requirement",
# OrganizationDomain sso_enforcement "SSO enforcement" and
# jit_provisioning_enabled "just-in-time provisioning"); rules match both.

# METADATA
# scope: package
# schemas:
#   - input: schema.input
package hogaudit.lib.audit

import data.hogaudit.lib.access
import data.hogaudit.lib.util

# lookback_days is how far back the audit rules look (30 by default).
lookback_days := d if {
	d := input.matrix.audit.lookback_days
	is_number(d)
} else := 30

# _by_scope lists the entries of the scopes the audit rules read. (One pass
# over the log: OPA indexes the inner comprehension on s.)
_by_scope := {s: entries |
	some s in {"FeatureFlag", "Organization", "OrganizationDomain", "OrganizationMembership"}
	entries := [e | some e in input.snapshot.activity_log; e.scope = s]
}

# entries_of are the entries of scope s ([] when none).
entries_of(s) := object.get(_by_scope, s, [])

# _window_start_ns is the start of the lookback window (inclusive).
_window_start_ns := util.now_ns - (lookback_days * util.day_ns)

# in_window is true for an entry inside the lookback window.
in_window(entry) if {
	is_string(entry.created_at)
	time.parse_rfc3339_ns(entry.created_at) >= _window_start_ns
}

# changes are an entry's field changes.
changes(entry) := util.array_or_empty(entry.detail.changes) if {
	is_object(entry.detail)
} else := []

# project_key is the matrix key of the project an entry belongs to
# (undefined for organization-level entries and unbound projects).
project_key(entry) := access.bound_projects[format_int(entry.project_id, 10)] if {
	is_number(entry.project_id)
}

# actor_email is the email of whoever made the change (undefined for system
# changes).
actor_email(entry) := lower(entry.user.email) if {
	is_object(entry.user)
	is_string(entry.user.email)
}

# actor_groups are the matrix groups of whoever made the change ([] for
# someone no longer a member).
actor_groups(entry) := access.member_groups(mid) if {
	mid := access.member_of_user(entry.user)
} else := []

# membership_rank reads a membership level the way PostHog logs it: 1, 8, 15
# or member, admin (administrator), owner; 0 for none.
membership_rank(v) := v if {
	is_number(v)
} else := r if {
	is_string(v)
	r := {"member": 1, "admin": 8, "administrator": 8, "owner": 15}[lower(v)]
} else := 0
