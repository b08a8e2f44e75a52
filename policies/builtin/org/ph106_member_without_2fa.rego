# METADATA
# title: A member signs in without two-factor authentication
# description: >-
#   The matrix requires two-factor authentication (require_2fa) and a member has no confirmed 2FA
#   device (is_2fa_enabled false) and does not sign in through SSO (has_social_auth false: no
#   Google, GitHub, GitLab or SAML login). Members who sign in through SSO rely on the identity
#   provider's second factor and are not reported.
# related_resources:
#   - ref: https://posthog.com/docs/settings/account-settings
#     description: PostHog account settings and two-factor authentication
# custom:
#   id: PH106
#   name: member-without-2fa
#   severity: medium
#   area: organization
#   requires: [members]
#   scopes: ["organization_member:read"]
#   remediation: >-
#     Ask the member to set up two-factor authentication in PostHog (Account settings →
#     Two-factor authentication), turn on "Enforce 2FA" in Organization settings so PostHog
#     requires it at the next sign-in, or enforce SSO on the member's email domain (Organization
#     settings → Authentication domains).
package hogaudit.rules.ph106

import data.hogaudit.lib.util

findings contains f if {
	util.org_settings.require_2fa == true
	some m in input.index.members
	m.is_2fa_enabled == false
	m.has_social_auth == false
	f := {
		"subject": sprintf("member:%s", [m.email]),
		"message": sprintf("Member %s signs in without two-factor authentication or SSO; the matrix requires 2FA.", [m.email]),
		"evidence": {"is_2fa_enabled": false, "has_social_auth": false},
		"line": util.org_line("require_2fa"),
	}
}
