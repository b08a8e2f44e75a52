# METADATA
# title: SSO is not enforced on a verified domain
# description: >-
#   PostHog enforces single sign-on per verified email domain (Authentication domains), not per
#   organization: a member whose email domain does not enforce SSO can still sign in with a password.
#   This rule checks every verified domain (or only those listed in the matrix's sso_domains) and
#   fires when its sso_enforcement is empty, names another provider than the matrix's enforce_sso
#   (any provider passes when enforce_sso is "any" or only sso_domains is set), or is set but has
#   no effect. PostHog applies the setting only when the organization's plan has the
#   sso_enforcement feature (and saml for SAML) and, for Google, GitHub or GitLab, the instance has
#   that sign-in configured (on self-hosted PostHog its key and secret, and for Google a social_sso
#   license; read from the instance's preflight). An inert setting is reported with its reason: the
#   plan feature that is missing, or the provider the instance lacks.
# related_resources:
#   - ref: https://posthog.com/docs/settings/sso
#     description: PostHog single sign-on and SSO enforcement
# schemas:
#   - input: schema.input
# custom:
#   id: PH101
#   name: sso-not-enforced
#   severity: high
#   area: organization
#   frameworks:
#     soc2: [CC6.1]
#     iso27001_2022: [A.5.16, A.8.5]
#   requires: [domains, organization, instance]
#   remediation: >-
#     In PostHog open Organization settings → Authentication domains and, for the domain, set
#     "Enforce SSO" to the provider the matrix names (SAML, Google, GitHub or GitLab). Enforcement
#     applies only to verified domains and needs the sso_enforcement plan feature (SAML also needs
#     saml): when the finding names a missing plan feature, upgrade the plan (Organization settings
#     → Billing); when it names a provider the instance lacks, configure that sign-in on the
#     self-hosted instance (SOCIAL_AUTH_<PROVIDER>_KEY and _SECRET; Google also needs a license
#     with social_sso) or enforce SAML. Through the API: PATCH
#     /api/organizations/{organization_id}/domains/{domain_id}/ with {"sso_enforcement": "saml"}
#     using a key with organization:write.
#   notes: |
#     PostHog stores a domain's `sso_enforcement` whatever the plan, but applies it only with plan features (the
#     organization's `available_product_features`), and the rule judges what PostHog does (shared helper
#     `data.hogaudit.lib.org`). SSO enforcement (`get_sso_enforcement_for_email_address` in
#     `posthog/models/organization_domain.py`) takes effect on a verified domain when the plan has
#     `sso_enforcement`, for `saml` also `saml`, and for `google-oauth2`, `github` or `gitlab` when the instance
#     has that sign-in configured. hogaudit reads the last from the instance's preflight (`GET /_preflight/`,
#     snapshot section `instance`): its `available_social_auth_providers` is the check PostHog makes
#     (`get_instance_available_sso_providers` in `posthog/utils.py`: the provider's key and secret, and on
#     self-hosted PostHog a `social_sso` license for Google; on PostHog Cloud all three are configured). Without
#     the preflight hogaudit cannot tell, so PH101 and PH106 are not evaluated.
package hogaudit.rules.ph101

import data.hogaudit.lib.identity
import data.hogaudit.lib.org
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

# compliant is true when PostHog enforces the expected provider for d.
compliant(d) if {
	p := org.effective_sso(d)
	expected in {"any", p}
}

provider_name := object.get({"any": "SSO"}, expected, expected)

message(name, d) := sprintf("Domain %s does not enforce SSO; the matrix requires %s sign-in for it.", [name, provider_name]) if {
	org.sso_setting(d) == ""
} else := sprintf("Domain %s is set to enforce %s sign-in, but PostHog does not apply it: %s; the matrix requires %s sign-in for it.", [name, org.sso_setting(d), inert.reason, provider_name]) if {
	inert := org.sso_inert(d)
} else := sprintf("Domain %s enforces %s sign-in; the matrix requires %s.", [name, org.sso_setting(d), expected])

# evidence names the setting, whether it takes effect and, when it does
# not, why (with the plan feature that is missing, if that is the reason).
evidence(name, d) := object.union(
	{"domain": name, "sso_enforcement": org.sso_setting(d), "expected": expected, "effective": is_effective(d)},
	inert_evidence(d),
)

is_effective(d) if org.effective_sso(d)

else := false

inert_evidence(d) := {"inert_reason": inert.code, "plan_feature": inert.feature} if {
	inert := org.sso_inert(d)
	inert.feature
} else := {"inert_reason": inert.code} if {
	inert := org.sso_inert(d)
} else := {}

line(name) := l if {
	some k, l in settings.item_lines.sso_domains
	lower(k) == name
} else := util.org_line("sso_domains") if {
	count(listed) > 0
} else := util.org_line("enforce_sso")

findings contains f if {
	some d in required_domains
	not compliant(d)
	name := lower(d.domain)
	f := {
		"subject": sprintf("domain:%s", [name]),
		"identity": identity.domain(d),
		"message": message(name, d),
		"evidence": evidence(name, d),
		"line": line(name),
	}
}
