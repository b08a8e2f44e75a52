package hogaudit.rules.ph103_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph103

with_domains(ds) := object.union(testdata.input_doc, {"snapshot": {"domains": ds}})

domain(name, has_saml) := {
	"id": name, "domain": name, "is_verified": true,
	"jit_provisioning_enabled": false, "sso_enforcement": "saml", "has_saml": has_saml,
}

test_domain_with_saml_passes if {
	count(ph103.findings) == 0 with input as testdata.input_doc
}

test_fires_without_saml if {
	fs := ph103.findings with input as with_domains([domain("acme.com", false)])
	fs == {{
		"subject": "domain:acme.com",
		"identity": "domain:acme.com",
		"message": "Domain acme.com has no complete SAML configuration; the matrix requires SAML sign-in.",
		"evidence": {"domain": "acme.com", "has_saml": false, "identity_provider_config": null, "identity_provider_has_saml": null},
		"line": 5,
	}}
}

test_identity_provider_config_supplies_saml if {
	d := object.union(domain("acme.com", false), {"identity_provider_config": "idp-1"})
	doc := object.union(with_domains([d]), {"snapshot": {"identity_provider_configs": [{"id": "idp-1", "name": "Okta", "has_saml": true, "has_scim": false}]}})
	count(ph103.findings) == 0 with input as doc
}

test_incomplete_identity_provider_config_fires if {
	d := object.union(domain("acme.com", false), {"identity_provider_config": "idp-1"})
	doc := object.union(with_domains([d]), {"snapshot": {"identity_provider_configs": [{"id": "idp-1", "name": "Okta", "has_saml": false, "has_scim": false}]}})
	some f in ph103.findings with input as doc
	f.evidence.identity_provider_has_saml == false
}

test_only_when_saml_is_required if {
	doc := object.union(with_domains([domain("acme.com", false)]), {"matrix": {"organization": {"enforce_sso": "google-oauth2"}}})
	count(ph103.findings) == 0 with input as doc
}

test_without_sso_domains_every_verified_domain_is_required if {
	unverified := object.union(domain("new.com", false), {"is_verified": false})
	doc := object.union(with_domains([domain("acme.com", true), domain("other.com", false), unverified]), {"matrix": {"organization": {"sso_domains": []}}})
	fs := ph103.findings with input as doc
	{f.subject | some f in fs} == {"domain:other.com"}
	some f in fs
	f.line == 4
}
