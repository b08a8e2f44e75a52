package hogaudit.rules.ph402_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph402

entry(id, scope, name, change) := {
	"id": id, "created_at": testdata.ts(2), "scope": scope, "activity": "updated",
	"item_id": "x", "project_id": null, "user": {"uuid": "u-bob", "email": "bob@acme.com"},
	"detail": {"name": name, "changes": [change]},
}

change(field, before, after) := {"type": "x", "action": "changed", "field": field, "before": before, "after": after}

with_log(entries) := object.union(testdata.input_doc, {"snapshot": {"activity_log": entries}})

test_other_changes_pass if {
	count(ph402.findings) == 0 with input as testdata.input_doc
}

test_fires_when_2fa_is_turned_off if {
	ph402.findings == {{
		"subject": "org:Acme/activity/a-1",
		"identity": "activity:a-1/field:enforce_2fa",
		"message": "Organization Acme's two-factor authentication requirement was turned off by bob@acme.com; the matrix's security settings must not be weakened.",
		"evidence": {
			"activity_id": "a-1", "scope": "Organization", "field": "enforce_2fa", "before": true, "after": false,
			"actor": "bob@acme.com", "at": testdata.ts(2),
		},
		"line": 7,
	}} with input as with_log([entry("a-1", "Organization", "Acme", change("enforce_2fa", true, false))])
}

test_display_name_of_the_2fa_field if {
	e := entry("a-1", "Organization", "Acme", change("two-factor authentication requirement", true, false))
	count(ph402.findings) == 1 with input as with_log([e])
}

test_turning_2fa_on_passes if {
	e := entry("a-1", "Organization", "Acme", change("enforce_2fa", false, true))
	count(ph402.findings) == 0 with input as with_log([e])
}

test_fires_when_sso_enforcement_is_cleared if {
	c := {"type": "OrganizationDomain", "action": "deleted", "field": "SSO enforcement", "before": "saml"}
	some f in ph402.findings with input as with_log([entry("a-2", "OrganizationDomain", "acme.com", c)])
	f.subject == "domain:acme.com/activity/a-2"
	f.message == "SSO enforcement (saml) was removed from domain acme.com by bob@acme.com; the matrix's security settings must not be weakened."
	f.line == 4
}

# PostHog names a domain entry "Domain D updated in Org" and puts the
# domain in its context.
test_the_domain_comes_from_the_context if {
	c := {"type": "OrganizationDomain", "action": "deleted", "field": "sso_enforcement", "before": "saml"}
	e := object.union(entry("a-2", "OrganizationDomain", "Domain acme.com updated in Acme", c), {"detail": {"context": {"domain": "Acme.com", "organization_name": "Acme"}}})
	some f in ph402.findings with input as with_log([e])
	f.subject == "domain:acme.com/activity/a-2"
}

test_changing_the_sso_provider_is_not_clearing_it if {
	e := entry("a-2", "OrganizationDomain", "acme.com", change("sso_enforcement", "saml", "google-oauth2"))
	count(ph402.findings) == 0 with input as with_log([e])
}

test_fires_when_jit_is_turned_on if {
	e := entry("a-3", "OrganizationDomain", "acme.com", change("just-in-time provisioning", false, true))
	some f in ph402.findings with input as with_log([e])
	f.line == 6
}

test_jit_on_is_fine_when_the_matrix_wants_it if {
	e := entry("a-3", "OrganizationDomain", "acme.com", change("jit_provisioning_enabled", false, true))
	doc := object.union(with_log([e]), {"matrix": {"organization": {"jit_provisioning": true}}})
	count(ph402.findings) == 0 with input as doc
}

test_outside_the_lookback_window_passes if {
	e := object.union(entry("a-1", "Organization", "Acme", change("enforce_2fa", true, false)), {"created_at": testdata.ts(31)})
	count(ph402.findings) == 0 with input as with_log([e])
}

test_system_changes_name_the_system if {
	e := object.union(entry("a-1", "Organization", "Acme", change("enforce_2fa", true, false)), {"user": null})
	some f in ph402.findings with input as with_log([e])
	f.evidence.actor == "the system"
}
