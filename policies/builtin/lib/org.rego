# Organization facts as PostHog applies them: the plan features, and whether
# a domain's SSO enforcement takes effect. PostHog stores sso_enforcement on
# any verified domain but applies it at sign-in only when
# OrganizationDomainManager.get_sso_enforcement_for_email_address
# (posthog/models/organization_domain.py) finds the plan feature
# sso_enforcement, for "saml" also saml, and for Google, GitHub or GitLab
# the provider configured on the instance (get_instance_available_sso_providers
# in posthog/utils.py, served as the preflight's
# available_social_auth_providers). The same effective enforcement exempts a
# member from the 2FA challenge (enforce_two_factor in
# posthog/helpers/two_factor_session.py: is_domain_sso_enforced).

# METADATA
# scope: package
# schemas:
#   - input: schema.input
package hogaudit.lib.org

import data.hogaudit.lib.util

# features are the keys of the organization's available_product_features
# (empty when the organization has none or sends null).
features contains f if {
	some f in util.array_or_empty(input.snapshot.organization.available_product_features)
	is_string(f)
}

# has_feature is true when the organization's plan has the feature key.
has_feature(key) if key in features

# _provider_configured is true when the instance serving the organization
# has the social sign-in provider p configured. An instance that does not
# say (no preflight, no entry) does not have it: such enforcement is
# reported, never assumed.
_provider_configured(p) if input.snapshot.instance.available_social_auth_providers[p] == true

# sso_setting is a domain's sso_enforcement: "" when unset or null.
sso_setting(d) := s if {
	s := d.sso_enforcement
	is_string(s)
} else := ""

# sso_inert describes why a domain's non-empty sso_enforcement has no
# effect: {"code", "reason" (a clause for a message), "feature" (the plan
# feature that would fix it, when the plan is the reason)}. Undefined when
# the setting is empty or takes effect. The checks run in PostHog's order.
sso_inert(d) := {"code": "unverified", "reason": "the domain is not verified"} if {
	sso_setting(d) != ""
	not d.is_verified == true
} else := {
	"code": "plan", "feature": "sso_enforcement",
	"reason": "the organization's plan lacks the sso_enforcement feature",
} if {
	sso_setting(d) != ""
	not has_feature("sso_enforcement")
} else := {
	"code": "plan", "feature": "saml",
	"reason": "the organization's plan lacks the saml feature",
} if {
	sso_setting(d) == "saml"
	not has_feature("saml")
} else := {
	"code": "provider_not_configured",
	"reason": sprintf("this PostHog instance has no %s sign-in configured", [sso_setting(d)]),
} if {
	p := sso_setting(d)
	not p in {"", "saml"}
	not _provider_configured(p)
}

# effective_sso is the provider PostHog makes d's members sign in with;
# undefined when the domain enforces nothing or its setting is inert.
effective_sso(d) := p if {
	p := sso_setting(d)
	p != ""
	not sso_inert(d)
}

# sso_enforced_domains are the domains (lower case) whose SSO enforcement
# takes effect.
sso_enforced_domains contains lower(d.domain) if {
	some d in util.array_or_empty(input.snapshot.domains)
	is_string(d.domain)
	effective_sso(d)
}

# sso_enforced_email is true when PostHog makes the address sign in through
# SSO: its domain's enforcement takes effect.
sso_enforced_email(email) if util.email_domain(email) in sso_enforced_domains
