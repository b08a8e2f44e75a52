package hogaudit.rules.ph106_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph106

member(mid, email, twofa, social) := object.union(
	testdata.member_index(mid, concat("", ["u-", mid]), email, 1, ["product"], []),
	{"is_2fa_enabled": twofa, "has_social_auth": social},
)

test_members_with_2fa_pass if {
	count(ph106.findings) == 0 with input as testdata.input_doc
}

test_fires_for_a_password_only_member if {
	doc := testdata.with_members({"m-x": member("m-x", "x@other.io", false, false)})
	ph106.findings == {{
		"subject": "member:x@other.io",
		"identity": "member:u-m-x",
		"message": "Member x@other.io signs in without two-factor authentication or SSO; the matrix requires 2FA.",
		"evidence": {"is_2fa_enabled": false, "has_social_auth": false, "sso_enforced_domain": false},
		"line": 7,
	}} with input as doc
}

test_sso_user_without_totp_passes if {
	doc := testdata.with_members({"m-x": member("m-x", "x@acme.com", false, true)})
	count(ph106.findings) == 0 with input as doc
}

test_silent_when_not_required if {
	doc := object.union(testdata.with_members({"m-x": member("m-x", "x@acme.com", false, false)}), {"matrix": {"organization": {"require_2fa": false}}})
	count(ph106.findings) == 0 with input as doc
}

test_a_member_of_an_sso_enforced_domain_is_exempt if {
	# acme.com enforces SAML, and the fixture's plan has sso_enforcement and saml
	doc := testdata.with_members({"m-x": member("m-x", "x@acme.com", false, false)})
	count(ph106.findings) == 0 with input as doc
}

test_inert_enforcement_exempts_no_one if {
	# near miss: the same member when the plan lacks sso_enforcement
	doc := object.union(
		testdata.with_members({"m-x": member("m-x", "x@acme.com", false, false)}),
		{"snapshot": {"organization": {"available_product_features": ["saml"]}}},
	)
	{f.subject | some f in ph106.findings} == {"member:x@acme.com"} with input as doc
}

test_an_unconfigured_provider_exempts_no_one if {
	doc := object.union(
		testdata.with_members({"m-x": member("m-x", "x@acme.com", false, false)}),
		{"snapshot": {"domains": [{"id": "d-1", "domain": "acme.com", "is_verified": true, "sso_enforcement": "google-oauth2", "has_saml": false}]}},
	)
	{f.subject | some f in ph106.findings} == {"member:x@acme.com"} with input as doc
}
