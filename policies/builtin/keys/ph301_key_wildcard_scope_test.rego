package hogaudit.rules.ph301_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph301

with_bi_scopes(scopes) := object.union(testdata.input_doc, {"snapshot": {"api_keys": [
	testdata.snapshot.api_keys[0],
	object.union(testdata.snapshot.api_keys[1], {"scopes": scopes}),
]}})

test_scoped_keys_pass if {
	count(ph301.findings) == 0 with input as testdata.input_doc
}

test_fires_on_star if {
	ph301.findings == {{
		"subject": "key:bi-dashboard",
		"identity": "key:k-bi",
		"message": "Key bi-dashboard holds every scope (*); the matrix does not allow wildcard keys.",
		"evidence": {"scopes": ["*"], "legacy": false, "env": "BI_KEY", "projects": ["production_project"], "project_ids": [1]},
		"line": 18,
	}} with input as with_bi_scopes(["*"])
}

test_legacy_empty_scopes_are_a_wildcard if {
	some f in ph301.findings with input as with_bi_scopes([])
	f.evidence.legacy == true
	f.message == "Key bi-dashboard is a legacy key with no scopes, which PostHog lets do anything; the matrix does not allow wildcard keys."
}

test_allowed_wildcard_passes if {
	doc := object.union(with_bi_scopes(["*"]), {"matrix": {"api_keys": {"allow_wildcard": true}}})
	count(ph301.findings) == 0 with input as doc
}

test_the_scanner_key_is_ph306s if {
	doc := object.union(testdata.input_doc, {"snapshot": {"api_keys": [object.union(testdata.snapshot.api_keys[0], {"scopes": ["*"]})]}})
	count(ph301.findings) == 0 with input as doc
}
