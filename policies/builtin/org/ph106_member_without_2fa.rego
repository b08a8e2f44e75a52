# METADATA
# title: A member signs in without two-factor authentication
# description: >-
#   The matrix requires two-factor authentication (require_2fa) and a member has no confirmed 2FA
#   device (is_2fa_enabled false), does not sign in through SSO (has_social_auth false: no Google,
#   GitHub, GitLab or SAML login) and is not on an email domain whose SSO enforcement takes effect.
#   PostHog skips its 2FA challenge for SSO sessions and for members of a domain with effective SSO
#   enforcement (they must sign in through the identity provider, which handles the second factor),
#   so those members are not reported. A domain's enforcement counts only when PostHog applies it:
#   verified, with the sso_enforcement plan feature (and saml for SAML) and, for Google, GitHub or
#   GitLab, the provider configured on the instance — the same test as PH101.
# related_resources:
#   - ref: https://posthog.com/docs/settings/account-settings
#     description: PostHog account settings and two-factor authentication
# schemas:
#   - input: schema.input
# custom:
#   id: PH106
#   name: member-without-2fa
#   severity: medium
#   area: organization
#   frameworks:
#     soc2: [CC6.1, CC6.6]
#     iso27001_2022: [A.5.17, A.8.5]
#   requires: [members, domains, organization, instance]
#   remediation: >-
#     Ask the member to set up two-factor authentication in PostHog (Account settings →
#     Two-factor authentication), turn on "Enforce 2FA" in Organization settings so PostHog
#     requires it at the next sign-in, or enforce SSO on the member's email domain (Organization
#     settings → Authentication domains; it needs the sso_enforcement plan feature).
#   notes: |
#     2FA (`enforce_two_factor` in `posthog/helpers/two_factor_session.py`) is not asked of sessions signed in
#     through SSO nor of members whose email domain has effective SSO enforcement: PH106 exempts both. Whether a
#     domain's enforcement takes effect is PH101's test; its notes say how PostHog decides.
package hogaudit.rules.ph106

import data.hogaudit.lib.identity
import data.hogaudit.lib.org
import data.hogaudit.lib.util

findings contains f if {
	util.org_settings.require_2fa == true
	some m in input.index.members
	m.is_2fa_enabled == false
	m.has_social_auth == false
	not org.sso_enforced_email(m.email)
	f := {
		"subject": sprintf("member:%s", [m.email]),
		"identity": identity.member(m.id),
		"message": sprintf("Member %s signs in without two-factor authentication or SSO; the matrix requires 2FA.", [m.email]),
		"evidence": {"is_2fa_enabled": false, "has_social_auth": false, "sso_enforced_domain": false},
		"line": util.org_line("require_2fa"),
	}
}
