# METADATA
# title: A security setting was weakened
# description: >-
#   Within the audit lookback window (the matrix's audit.lookback_days, default 30), someone turned off the organization's two-factor
#   authentication requirement (Organization change enforce_2fa to false), cleared SSO enforcement
#   on an authentication domain (OrganizationDomain sso_enforcement emptied), or turned on
#   just-in-time provisioning on a domain (jit_provisioning_enabled true; not reported when the
#   matrix itself asks for jit_provisioning: true). Changes are matched on PostHog's field names and
#   on the display names its activity log may use instead. These are organization-level entries:
#   newest PostHog shows them in the organization-wide activity log (organization admins, plan
#   feature audit_logs) and in a project's log only when the project has
#   receive_org_level_activity_logs; when no source could show them the rule is not evaluated.
# related_resources:
#   - ref: https://posthog.com/docs/settings/sso
#     description: PostHog SSO enforcement and provisioning
#   - ref: https://posthog.com/docs/settings/account-settings
#     description: PostHog account settings and two-factor authentication
# schemas:
#   - input: schema.input
# custom:
#   id: PH402
#   name: security-setting-weakened
#   severity: high
#   area: audit
#   frameworks:
#     soc2: [CC7.1, CC8.1]
#     iso27001_2022: [A.8.9, A.8.16, A.8.32]
#   requires: [organization_activity_log]
#   remediation: >-
#     Ask the person who made the change why, and restore the setting: "Enforce 2FA" in
#     Organization settings, or "Enforce SSO" and "Automatic provisioning" on the domain in
#     Organization settings → Authentication domains. Review the organization's activity log around
#     that time (Activity → audit logs) for other changes by the same person.
#   notes: |
#     PH402 and PH403 read organization-level entries (`Organization`, `OrganizationMembership`,
#     `OrganizationDomain`, `OrganizationInvite`, `PersonalAPIKey`; `project_id` null). Newest PostHog leaves them
#     out of a project's activity log unless the project has `receive_org_level_activity_logs` (off by default)
#     and ignores `include_organization_scoped`, so hogaudit reads `GET
#     /api/organizations/{id}/advanced_activity_logs/` first: every project's entries and the organization's, for
#     organization admins and owners with `activity_log:read` and, on PostHog Cloud, the plan feature
#     `audit_logs`. Where it answers, no project's log is requested. Where it does not (404 on older deployments,
#     403 for a member's key, 402 without `audit_logs`, a server error), the projects' logs stand in: a 2025
#     deployment's (read with `include_organization_scoped=1`), or a newest one's of a project with
#     `receive_org_level_activity_logs`. The snapshot's `organization_activity_log` section says which source
#     showed them; when none could, PH402 and PH403 are not evaluated (exit 2) and PH901 names the cause — never a
#     pass.
package hogaudit.rules.ph402

import data.hogaudit.lib.audit
import data.hogaudit.lib.identity
import data.hogaudit.lib.util

two_factor_fields := {"enforce_2fa", "two-factor authentication requirement"}

sso_fields := {"sso_enforcement", "SSO enforcement"}

jit_fields := {"jit_provisioning_enabled", "just-in-time provisioning"}

# weakened is what an entry's change did: {setting, line}; undefined when it
# did not weaken anything.
weakened(e, c) := {"setting": "two_factor", "line": util.org_line("require_2fa")} if {
	e.scope == "Organization"
	c.field in two_factor_fields
	turned_off(c)
} else := {"setting": "sso", "line": util.org_line("enforce_sso")} if {
	e.scope == "OrganizationDomain"
	c.field in sso_fields
	not util.blank(object.get(c, "before", null))
	util.blank(object.get(c, "after", null))
} else := {"setting": "jit", "line": util.org_line("jit_provisioning")} if {
	e.scope == "OrganizationDomain"
	c.field in jit_fields
	object.get(c, "after", null) == true
	object.get(c, "before", null) != true
	util.org_settings.jit_provisioning != true
}

turned_off(c) if object.get(c, "after", null) == false

turned_off(c) if {
	object.get(c, "after", null) == null
	object.get(c, "before", null) == true
}

actor(e) := audit.actor_email(e) if {
	audit.actor_email(e)
} else := "the system"

# domain_name is the domain an OrganizationDomain entry is about: PostHog's
# context.domain (handle_organization_domain_change names the entry "Domain D
# updated in Org"), else the entry's name, else its item id.
domain_name(e) := lower(n) if {
	n := e.detail.context.domain
	is_string(n)
	n != ""
} else := lower(n) if {
	n := e.detail.name
	is_string(n)
	n != ""
} else := object.get(e, "item_id", e.id)

subject(e, "two_factor") := sprintf("org:%s/activity/%s", [util.org_name, e.id])

subject(e, setting) := sprintf("domain:%s/activity/%s", [domain_name(e), e.id]) if setting != "two_factor"

message(e, _, "two_factor") := sprintf("Organization %s's two-factor authentication requirement was turned off by %s; the matrix's security settings must not be weakened.", [util.org_name, actor(e)])

message(e, c, "sso") := sprintf("SSO enforcement (%s) was removed from domain %s by %s; the matrix's security settings must not be weakened.", [object.get(c, "before", null), domain_name(e), actor(e)])

message(e, _, "jit") := sprintf("Just-in-time provisioning was turned on for domain %s by %s; the matrix's security settings must not be weakened.", [domain_name(e), actor(e)])

findings contains f if {
	some scope in ["Organization", "OrganizationDomain"]
	some e in audit.entries_of(scope)
	audit.in_window(e)
	some c in audit.changes(e)
	w := weakened(e, c)
	f := {
		"subject": subject(e, w.setting),
		"identity": identity.join([identity.activity(e), sprintf("field:%v", [c.field])]),
		"message": message(e, c, w.setting),
		"evidence": {
			"activity_id": e.id,
			"scope": e.scope,
			"field": c.field,
			"before": object.get(c, "before", null),
			"after": object.get(c, "after", null),
			"actor": actor(e),
			"at": e.created_at,
		},
		"line": w.line,
	}
}
