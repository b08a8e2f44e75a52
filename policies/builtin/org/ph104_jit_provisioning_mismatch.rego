# METADATA
# title: Just-in-time provisioning differs from the matrix
# description: >-
#   With just-in-time provisioning on, anyone who signs in through SSO with an email of the domain
#   gets an account in the organization automatically; with it off, accounts come only from invites
#   or SCIM. This rule compares jit_provisioning_enabled on every required domain (those in
#   sso_domains, else every verified domain) with the matrix's jit_provisioning.
# related_resources:
#   - ref: https://posthog.com/docs/settings/sso
#     description: PostHog SSO and automatic provisioning
# schemas:
#   - input: schema.input
# custom:
#   id: PH104
#   name: jit-provisioning-mismatch
#   severity: medium
#   area: organization
#   frameworks:
#     soc2: [CC6.2]
#     iso27001_2022: [A.5.16, A.5.18]
#   requires: [domains]
#   remediation: >-
#     In PostHog open Organization settings → Authentication domains and switch "Automatic
#     provisioning" (just-in-time provisioning) for the domain to match the matrix, or change
#     jit_provisioning in the matrix. Through the API: PATCH
#     /api/organizations/{organization_id}/domains/{domain_id}/ with {"jit_provisioning_enabled":
#     false} using a key with organization:write (turning it on needs a verified domain and the
#     automatic_provisioning plan feature).
package hogaudit.rules.ph104

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

settings := util.org_settings

listed := {lower(d) | some d in util.array_or_empty(settings.sso_domains)}

required(d) if {
	count(listed) == 0
	d.is_verified == true
}

required(d) if lower(d.domain) in listed

line(name) := l if {
	some k, l in settings.item_lines.sso_domains
	lower(k) == name
} else := util.org_line("jit_provisioning")

findings contains f if {
	expected := settings.jit_provisioning
	is_boolean(expected)
	some d in util.array_or_empty(input.snapshot.domains)
	required(d)
	actual := object.get(d, "jit_provisioning_enabled", false) == true
	actual != expected
	name := lower(d.domain)
	f := {
		"subject": sprintf("domain:%s", [name]),
		"identity": identity.domain(d),
		"message": sprintf("Domain %s has just-in-time provisioning %s; the matrix expects it %s.", [name, on_off(actual), on_off(expected)]),
		"evidence": {"domain": name, "jit_provisioning_enabled": actual, "expected": expected},
		"line": line(name),
	}
}

on_off(true) := "on"

on_off(false) := "off"
