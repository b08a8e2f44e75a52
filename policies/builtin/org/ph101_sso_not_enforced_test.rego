package hogaudit.rules.ph101_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph101

with_domains(ds) := object.union(testdata.input_doc, {"snapshot": {"domains": ds}})

domain(name, verified, enforcement) := {
	"id": name, "domain": name, "is_verified": verified,
	"jit_provisioning_enabled": false, "sso_enforcement": enforcement, "has_saml": true,
}

test_compliant_fixture_passes if {
	count(ph101.findings) == 0 with input as testdata.input_doc
}

test_fires_when_a_listed_domain_does_not_enforce if {
	fs := ph101.findings with input as with_domains([domain("acme.com", true, "")])
	fs == {{
		"subject": "domain:acme.com",
		"message": "Domain acme.com does not enforce SSO; the matrix requires saml sign-in for it.",
		"evidence": {"domain": "acme.com", "sso_enforcement": "", "expected": "saml"},
		"line": 5,
	}}
}

test_fires_on_another_provider if {
	some f in ph101.findings with input as with_domains([domain("ACME.com", true, "google-oauth2")])
	f.subject == "domain:acme.com"
	f.message == "Domain acme.com enforces google-oauth2 sign-in; the matrix requires saml."
}

test_unlisted_domains_are_not_required_when_sso_domains_is_set if {
	count(ph101.findings) == 0 with input as with_domains([domain("acme.com", true, "saml"), domain("other.com", true, "")])
}

test_every_verified_domain_is_required_without_sso_domains if {
	doc := object.union(with_domains([domain("acme.com", true, "saml"), domain("other.com", true, ""), domain("new.com", false, "")]), {"matrix": {"organization": {"sso_domains": []}}})
	fs := ph101.findings with input as doc
	{f.subject | some f in fs} == {"domain:other.com"}
	some f in fs
	f.line == 4
}

test_any_provider_accepts_every_provider if {
	doc := object.union(with_domains([domain("acme.com", true, "github")]), {"matrix": {"organization": {"enforce_sso": "any"}}})
	count(ph101.findings) == 0 with input as doc
}

test_sso_domains_alone_require_some_provider if {
	doc := object.union(with_domains([domain("acme.com", true, null)]), {"matrix": {"organization": {"enforce_sso": ""}}})
	some f in ph101.findings with input as doc
	f.message == "Domain acme.com does not enforce SSO; the matrix requires SSO sign-in for it."
}

test_nothing_required_without_settings if {
	doc := object.union(with_domains([domain("acme.com", true, "")]), {"matrix": {"organization": {"enforce_sso": "", "sso_domains": []}}})
	count(ph101.findings) == 0 with input as doc
}

test_unverified_listed_domain_is_ph102s_business if {
	count(ph101.findings) == 0 with input as with_domains([domain("acme.com", false, "")])
}
