package hogaudit.rules.ph104_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph104

with_domains(ds) := object.union(testdata.input_doc, {"snapshot": {"domains": ds}})

domain(name, verified, jit) := {
	"id": name, "domain": name, "is_verified": verified,
	"jit_provisioning_enabled": jit, "sso_enforcement": "saml", "has_saml": true,
}

test_matching_setting_passes if {
	count(ph104.findings) == 0 with input as testdata.input_doc
}

test_fires_when_jit_is_on_against_the_matrix if {
	fs := ph104.findings with input as with_domains([domain("acme.com", true, true)])
	fs == {{
		"subject": "domain:acme.com",
		"identity": "domain:acme.com",
		"message": "Domain acme.com has just-in-time provisioning on; the matrix expects it off.",
		"evidence": {"domain": "acme.com", "jit_provisioning_enabled": true, "expected": false},
		"line": 5,
	}}
}

test_fires_when_jit_is_off_against_the_matrix if {
	doc := object.union(with_domains([domain("acme.com", true, false)]), {"matrix": {"organization": {"jit_provisioning": true}}})
	some f in ph104.findings with input as doc
	f.message == "Domain acme.com has just-in-time provisioning off; the matrix expects it on."
}

test_silent_when_the_matrix_does_not_say if {
	doc := object.union(with_domains([domain("acme.com", true, true)]), {"matrix": {"organization": {"jit_provisioning": null}}})
	count(ph104.findings) == 0 with input as doc
}

test_unlisted_domain_is_not_required if {
	count(ph104.findings) == 0 with input as with_domains([domain("acme.com", true, false), domain("other.com", true, true)])
}
