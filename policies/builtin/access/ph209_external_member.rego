# METADATA
# title: A member's email is outside the allowed domains
# description: >-
#   A member's email domain is not one of the matrix's allowed_email_domains: a contractor, a
#   personal address, or an account that bypasses the SSO enforced on the company's domains.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog organization members and access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH209
#   name: external-member
#   severity: medium
#   area: access
#   frameworks:
#     soc2: [CC6.2]
#     iso27001_2022: [A.5.16]
#   requires: [members]
#   remediation: >-
#     Remove the member in PostHog's Organization settings → Members if it should not be there, or
#     re-invite the person with a company address. If external members are intended, add the domain
#     to allowed_email_domains or record an exception with an expiry date.
package hogaudit.rules.ph209

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

allowed := util.array_or_empty(util.org_settings.allowed_email_domains)

suffixes := {concat("", ["@", lower(d)]) | some d in allowed}

findings contains f if {
	count(allowed) > 0
	some m in input.index.members
	not strings.any_suffix_match(lower(m.email), suffixes)
	f := {
		"subject": sprintf("member:%s", [m.email]),
		"identity": identity.member(m.id),
		"message": sprintf("Member %s has an email outside the allowed domains (%s).", [m.email, concat(", ", allowed)]),
		"evidence": {"domain": m.email_domain, "allowed_email_domains": allowed},
		"line": util.org_line("allowed_email_domains"),
	}
}
