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
		"identity": "domain:acme.com",
		"message": "Domain acme.com does not enforce SSO; the matrix requires saml sign-in for it.",
		"evidence": {"domain": "acme.com", "sso_enforcement": "", "expected": "saml", "effective": false},
		"line": 5,
	}}
}

test_fires_on_another_provider if {
	# the fixture's instance has GitHub sign-in configured
	some f in ph101.findings with input as with_domains([domain("ACME.com", true, "github")])
	f.subject == "domain:acme.com"
	f.message == "Domain acme.com enforces github sign-in; the matrix requires saml."
	f.evidence == {"domain": "acme.com", "sso_enforcement": "github", "expected": "saml", "effective": true}
}

with_features(doc, fs) := object.union(doc, {"snapshot": {"organization": {"available_product_features": fs}}})

test_fires_when_the_plan_lacks_sso_enforcement if {
	doc := with_features(with_domains([domain("acme.com", true, "saml")]), ["saml", "access_control"])
	ph101.findings == {{
		"subject": "domain:acme.com",
		"identity": "domain:acme.com",
		"message": "Domain acme.com is set to enforce saml sign-in, but PostHog does not apply it: the organization's plan lacks the sso_enforcement feature; the matrix requires saml sign-in for it.",
		"evidence": {
			"domain": "acme.com", "sso_enforcement": "saml", "expected": "saml", "effective": false,
			"inert_reason": "plan", "plan_feature": "sso_enforcement",
		},
		"line": 5,
	}} with input as doc
}

test_fires_when_saml_lacks_the_saml_feature if {
	doc := with_features(with_domains([domain("acme.com", true, "saml")]), ["sso_enforcement"])
	some f in ph101.findings with input as doc
	f.evidence.plan_feature == "saml"
	f.message == "Domain acme.com is set to enforce saml sign-in, but PostHog does not apply it: the organization's plan lacks the saml feature; the matrix requires saml sign-in for it."
}

test_saml_without_saml_feature_is_inert_even_for_any if {
	doc := object.union(
		with_features(with_domains([domain("acme.com", true, "saml")]), ["sso_enforcement"]),
		{"matrix": {"organization": {"enforce_sso": "any"}}},
	)
	some f in ph101.findings with input as doc
	f.message == "Domain acme.com is set to enforce saml sign-in, but PostHog does not apply it: the organization's plan lacks the saml feature; the matrix requires SSO sign-in for it."
}

test_fires_when_the_instance_lacks_the_provider if {
	doc := object.union(with_domains([domain("acme.com", true, "google-oauth2")]), {"matrix": {"organization": {"enforce_sso": "google-oauth2"}}})
	some f in ph101.findings with input as doc
	f.message == "Domain acme.com is set to enforce google-oauth2 sign-in, but PostHog does not apply it: this PostHog instance has no google-oauth2 sign-in configured; the matrix requires google-oauth2 sign-in for it."
	f.evidence.inert_reason == "provider_not_configured"
	not f.evidence.plan_feature
}

test_a_configured_provider_passes if {
	doc := object.union(
		with_domains([domain("acme.com", true, "google-oauth2")]),
		{
			"matrix": {"organization": {"enforce_sso": "google-oauth2"}},
			"snapshot": {"instance": {"cloud": true, "available_social_auth_providers": {"google-oauth2": true}}},
		},
	)
	count(ph101.findings) == 0 with input as doc
}

test_the_plan_features_present_pass if {
	# near miss of test_fires_when_the_plan_lacks_sso_enforcement
	doc := with_features(with_domains([domain("acme.com", true, "saml")]), ["saml", "sso_enforcement"])
	count(ph101.findings) == 0 with input as doc
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
