# METADATA
# title: SSO is not enforced on a verified domain
# description: >-
#   PostHog enforces single sign-on per verified email domain (Authentication domains), not per
#   organization: a member whose email domain does not enforce SSO can still sign in with a password.
#   This rule checks every verified domain (or only those listed in the matrix's sso_domains) and
#   fires when its sso_enforcement is empty, or names another provider than the matrix's enforce_sso
#   (any provider passes when enforce_sso is "any" or only sso_domains is set).
# related_resources:
#   - ref: https://posthog.com/docs/settings/sso
#     description: PostHog single sign-on and SSO enforcement
# custom:
#   id: PH101
#   name: sso-not-enforced
#   severity: high
#   area: organization
#   requires: [domains]
#   scopes: ["organization:read"]
#   remediation: >-
#     In PostHog open Organization settings → Authentication domains and, for the domain, set
#     "Enforce SSO" to the provider the matrix names (SAML, Google, GitHub or GitLab). Enforcement
#     applies only to verified domains and needs the sso_enforcement plan feature (SAML also needs
#     saml). Through the API: PATCH /api/organizations/{organization_id}/domains/{domain_id}/ with
#     {"sso_enforcement": "saml"} using a key with organization:write.
package hogaudit.rules.ph101

import data.hogaudit.lib.util

settings := util.org_settings

# expected is the provider every required domain must enforce ("any" accepts
# every provider).
expected := p if {
	p := settings.enforce_sso
	is_string(p)
	p != ""
} else := "any"

listed := {lower(d) | some d in util.array_or_empty(settings.sso_domains)}

applies if expected != "any"

applies if count(listed) > 0

# required_domains are the verified domains that must enforce SSO: those in
# sso_domains when it is set, else every verified domain.
required_domains contains d if {
	applies
	some d in util.array_or_empty(input.snapshot.domains)
	d.is_verified == true
	required(lower(d.domain))
}

required(_) if count(listed) == 0

required(name) if name in listed

compliant(actual) if {
	not util.blank(actual)
	expected == "any"
}

compliant(actual) if {
	not util.blank(actual)
	actual == expected
}

message(name, actual) := sprintf("Domain %s does not enforce SSO; the matrix requires %s sign-in for it.", [name, provider_name]) if {
	util.blank(actual)
	provider_name := object.get({"any": "SSO"}, expected, expected)
} else := sprintf("Domain %s enforces %s sign-in; the matrix requires %s.", [name, actual, expected])

line(name) := l if {
	some k, l in settings.item_lines.sso_domains
	lower(k) == name
} else := util.org_line("sso_domains") if {
	count(listed) > 0
} else := util.org_line("enforce_sso")

findings contains f if {
	some d in required_domains
	actual := object.get(d, "sso_enforcement", "")
	not compliant(actual)
	name := lower(d.domain)
	f := {
		"subject": sprintf("domain:%s", [name]),
		"message": message(name, actual),
		"evidence": {"domain": name, "sso_enforcement": actual, "expected": expected},
		"line": line(name),
	}
}
