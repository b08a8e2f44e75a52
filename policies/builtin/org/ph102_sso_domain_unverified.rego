# METADATA
# title: An SSO domain is missing or unverified
# description: >-
#   SSO enforcement can only be set on an email domain that the organization has added and
#   verified in PostHog (a DNS TXT challenge). A domain listed in the matrix's sso_domains that is
#   absent from the organization's authentication domains, or not verified, cannot enforce SSO, so
#   its members can keep signing in with a password.
# related_resources:
#   - ref: https://posthog.com/docs/settings/sso
#     description: PostHog single sign-on and domain verification
# schemas:
#   - input: schema.input
# custom:
#   id: PH102
#   name: sso-domain-unverified
#   severity: high
#   area: organization
#   frameworks:
#     soc2: [CC6.1]
#     iso27001_2022: [A.5.16, A.8.5]
#   requires: [domains]
#   remediation: >-
#     In PostHog open Organization settings → Authentication domains, add the domain if it is
#     missing, publish the DNS TXT record _posthog-challenge.<domain> with the challenge PostHog
#     shows, and click Verify (POST /api/organizations/{organization_id}/domains/{domain_id}/verify/
#     with organization:write). Then enforce SSO on it. Remove the domain from sso_domains if the
#     organization no longer owns it.
package hogaudit.rules.ph102

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

settings := util.org_settings

domains := {lower(d.domain): d | some d in util.array_or_empty(input.snapshot.domains)}

state(name) := "absent" if {
	not domains[name]
} else := "unverified" if {
	domains[name].is_verified != true
}

# domain_identity is the organization's domain of that name, by its id; a
# domain it does not have, by the name.
domain_identity(name) := identity.domain(domains[name]) if {
	domains[name]
} else := identity.domain_name(name)

line(name) := l if {
	some k, l in settings.item_lines.sso_domains
	lower(k) == name
} else := util.org_line("sso_domains")

findings contains f if {
	some listed in util.array_or_empty(settings.sso_domains)
	name := lower(listed)
	st := state(name)
	f := {
		"subject": sprintf("domain:%s", [name]),
		"identity": domain_identity(name),
		"message": message(name, st),
		"evidence": {"domain": name, "present": st != "absent", "is_verified": false},
		"line": line(name),
	}
}

message(name, "absent") := sprintf("Domain %s is not an authentication domain of the organization; the matrix requires it to enforce SSO.", [name])

message(name, "unverified") := sprintf("Domain %s is not verified; the matrix requires it to enforce SSO, which PostHog allows only on verified domains.", [name])
