# METADATA
# title: SAML is not configured for a required domain
# description: >-
#   When the matrix requires SAML sign-in (enforce_sso: saml), every required domain (those in
#   sso_domains, else every verified domain) needs a complete SAML configuration: entity ID, ACS URL
#   and X.509 certificate. PostHog reports this as has_saml, on the domain itself (2025 PostHog) or
#   on the identity provider configuration linked to it (newest PostHog). Without it, SAML
#   enforcement locks members out or cannot be turned on.
# related_resources:
#   - ref: https://posthog.com/docs/settings/sso
#     description: PostHog SAML single sign-on
# schemas:
#   - input: schema.input
# custom:
#   id: PH103
#   name: saml-not-configured
#   severity: high
#   area: organization
#   frameworks:
#     soc2: [CC6.1]
#     iso27001_2022: [A.5.16, A.8.5]
#   requires: [domains]
#   remediation: >-
#     In PostHog open Organization settings → Authentication domains → Configure SAML for the domain
#     and enter your identity provider's entity ID, ACS URL and X.509 certificate (newest PostHog
#     keeps them in an identity provider configuration linked to the domain). SAML needs the saml
#     plan feature and a verified domain.
package hogaudit.rules.ph103

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

settings := util.org_settings

listed := {lower(d) | some d in util.array_or_empty(settings.sso_domains)}

# required_domains are the domains SAML must cover: the listed ones present
# in PostHog, else every verified domain.
required_domains contains d if {
	settings.enforce_sso == "saml"
	some d in util.array_or_empty(input.snapshot.domains)
	required(d)
}

required(d) if {
	count(listed) == 0
	d.is_verified == true
}

required(d) if lower(d.domain) in listed

# identity_provider is the identity provider configuration a domain links to
# (undefined when none, or when the section was not collected).
identity_provider(d) := c if {
	cid := d.identity_provider_config
	not util.blank(cid)
	some c in util.array_or_empty(input.snapshot.identity_provider_configs)
	c.id == cid
}

complete(d) if d.has_saml == true

complete(d) if identity_provider(d).has_saml == true

idp_has_saml(d) := identity_provider(d).has_saml if {
	identity_provider(d)
} else := null

line(name) := l if {
	some k, l in settings.item_lines.sso_domains
	lower(k) == name
} else := util.org_line("enforce_sso")

findings contains f if {
	some d in required_domains
	not complete(d)
	name := lower(d.domain)
	f := {
		"subject": sprintf("domain:%s", [name]),
		"identity": identity.domain(d),
		"message": sprintf("Domain %s has no complete SAML configuration; the matrix requires SAML sign-in.", [name]),
		"evidence": {
			"domain": name,
			"has_saml": object.get(d, "has_saml", false),
			"identity_provider_config": object.get(d, "identity_provider_config", null),
			"identity_provider_has_saml": idp_has_saml(d),
		},
		"line": line(name),
	}
}
