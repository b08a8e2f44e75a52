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
	doc := testdata.with_members({"m-x": member("m-x", "x@acme.com", false, false)})
	ph106.findings == {{
		"subject": "member:x@acme.com",
		"message": "Member x@acme.com signs in without two-factor authentication or SSO; the matrix requires 2FA.",
		"evidence": {"is_2fa_enabled": false, "has_social_auth": false},
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
