package hogaudit.lib.org_test

import data.hogaudit.lib.org
import data.hogaudit.lib.testdata

domain(name, enforcement) := {"id": name, "domain": name, "is_verified": true, "sso_enforcement": enforcement, "has_saml": true}

with_features(fs) := object.union(testdata.input_doc, {"snapshot": {"organization": {"available_product_features": fs}}})

test_fixture_features if {
	org.has_feature("sso_enforcement") with input as testdata.input_doc
	not org.has_feature("scim") with input as testdata.input_doc
}

test_saml_with_both_features_takes_effect if {
	org.effective_sso(domain("acme.com", "saml")) == "saml" with input as testdata.input_doc
	not org.sso_inert(domain("acme.com", "saml")) with input as testdata.input_doc
}

test_nothing_set_is_neither_effective_nor_inert if {
	not org.effective_sso(domain("acme.com", "")) with input as testdata.input_doc
	not org.sso_inert(domain("acme.com", "")) with input as testdata.input_doc
	not org.sso_inert({"domain": "acme.com", "is_verified": true, "sso_enforcement": null}) with input as testdata.input_doc
}

test_without_sso_enforcement_nothing_takes_effect if {
	doc := with_features(["saml"])
	org.sso_inert(domain("acme.com", "saml")) == {
		"code": "plan", "feature": "sso_enforcement",
		"reason": "the organization's plan lacks the sso_enforcement feature",
	} with input as doc
	not org.effective_sso(domain("acme.com", "github")) with input as doc
}

test_saml_needs_the_saml_feature if {
	doc := with_features(["sso_enforcement"])
	org.sso_inert(domain("acme.com", "saml")).feature == "saml" with input as doc

	# another provider does not
	org.effective_sso(domain("acme.com", "github")) == "github" with input as doc
}

test_null_features_are_none if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": {"available_product_features": null}}})
	org.sso_inert(domain("acme.com", "saml")).feature == "sso_enforcement" with input as doc
}

test_social_providers_need_the_instance_to_have_them if {
	# the fixture's self-hosted instance has GitHub, not Google or GitLab
	org.effective_sso(domain("acme.com", "github")) == "github" with input as testdata.input_doc
	org.sso_inert(domain("acme.com", "google-oauth2")) == {
		"code": "provider_not_configured",
		"reason": "this PostHog instance has no google-oauth2 sign-in configured",
	} with input as testdata.input_doc
	org.sso_inert(domain("acme.com", "gitlab")).code == "provider_not_configured" with input as testdata.input_doc
}

test_an_instance_that_does_not_say_has_no_provider if {
	doc := object.union(testdata.input_doc, {"snapshot": {"instance": {"available_social_auth_providers": null}}})
	org.sso_inert(domain("acme.com", "github")).code == "provider_not_configured" with input as doc
	not org.sso_inert(domain("acme.com", "saml")) with input as doc
}

test_unverified_domains_enforce_nothing if {
	d := object.union(domain("acme.com", "saml"), {"is_verified": false})
	org.sso_inert(d).code == "unverified" with input as testdata.input_doc
	not org.effective_sso(d) with input as testdata.input_doc
}

test_sso_enforced_domains_and_emails if {
	doc := object.union(testdata.input_doc, {"snapshot": {"domains": [
		domain("Acme.com", "saml"),
		domain("google.acme.com", "google-oauth2"),
		domain("open.acme.com", ""),
	]}})
	org.sso_enforced_domains == {"acme.com"} with input as doc
	org.sso_enforced_email("eve@ACME.com") with input as doc
	not org.sso_enforced_email("eve@google.acme.com") with input as doc
	not org.sso_enforced_email("eve@open.acme.com") with input as doc
	not org.sso_enforced_email("eve@elsewhere.io") with input as doc
}
