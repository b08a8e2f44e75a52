# METADATA
# title: Two-factor authentication is not enforced
# description: >-
#   The matrix requires two-factor authentication (require_2fa), but the organization's
#   enforce_2fa setting is off or was never set, so members can sign in with a password alone.
#   PostHog applies enforce_2fa to interactive sessions; personal API keys are not challenged.
# related_resources:
#   - ref: https://posthog.com/docs/settings/account-settings
#     description: PostHog account settings and two-factor authentication
# schemas:
#   - input: schema.input
# custom:
#   id: PH105
#   name: two-factor-not-enforced
#   severity: high
#   area: organization
#   frameworks:
#     soc2: [CC6.1, CC6.6]
#     iso27001_2022: [A.5.17, A.8.5]
#   requires: [organization]
#   remediation: >-
#     In PostHog open Organization settings and turn on "Enforce 2FA" (members without 2FA must set
#     it up at their next sign-in). Through the API: PATCH /api/organizations/{organization_id}/ with
#     {"enforce_2fa": true} using a key with organization:write.
package hogaudit.rules.ph105

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

findings contains f if {
	util.org_settings.require_2fa == true
	actual := object.get(input.snapshot.organization, "enforce_2fa", null)
	actual != true
	f := {
		"subject": sprintf("org:%s", [util.org_name]),
		"identity": identity.org,
		"message": sprintf("Organization %s does not enforce two-factor authentication; the matrix requires it.", [util.org_name]),
		"evidence": {"enforce_2fa": actual},
		"line": util.org_line("require_2fa"),
	}
}
