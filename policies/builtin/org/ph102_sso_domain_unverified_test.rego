package hogaudit.rules.ph102_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph102

with_domains(ds) := object.union(testdata.input_doc, {"snapshot": {"domains": ds}})

test_verified_domain_passes if {
	count(ph102.findings) == 0 with input as testdata.input_doc
}

test_fires_on_an_absent_domain if {
	fs := ph102.findings with input as with_domains([])
	fs == {{
		"subject": "domain:acme.com",
		"identity": "domain-name:acme.com",
		"message": "Domain acme.com is not an authentication domain of the organization; the matrix requires it to enforce SSO.",
		"evidence": {"domain": "acme.com", "present": false, "is_verified": false},
		"line": 5,
	}}
}

test_fires_on_an_unverified_domain if {
	d := {"id": "d", "domain": "Acme.com", "is_verified": false, "sso_enforcement": "", "has_saml": false}
	some f in ph102.findings with input as with_domains([d])
	f.subject == "domain:acme.com"
	f.evidence.present == true
}

test_silent_without_sso_domains if {
	doc := object.union(with_domains([]), {"matrix": {"organization": {"sso_domains": []}}})
	count(ph102.findings) == 0 with input as doc
}
