package hogaudit.lib.keys_test

import data.hogaudit.lib.keys
import data.hogaudit.lib.testdata

doc := testdata.input_doc

bi := k if {
	some k in keys.audit_keys with input as doc
}

test_keys_carry_their_groups if {
	bi.label == "bi-dashboard"
	bi.groups == ["bi_service_account"]
	bi.owner_email == "bi-bot@acme.com"
	count(keys.scanner_keys) == 1 with input as doc
}

test_a_key_missing_from_the_index_has_no_groups if {
	d := object.union(doc, {"index": {"keys": []}})
	some k in keys.audit_keys with input as d
	k.groups == []
}

test_wildcards if {
	keys.wildcard({"scopes": ["*"]})
	keys.wildcard({"scopes": []})
	keys.wildcard({"scopes": null})
	keys.legacy({"scopes": []})
	not keys.legacy({"scopes": ["*"]})
	not keys.wildcard({"scopes": ["insight:read"]})
}

test_reached_projects if {
	keys.reached_project_keys(bi) == {"production_project"} with input as doc
	keys.reached_project_keys({"scoped_teams": null}) == {"production_project", "staging_project"} with input as doc
	keys.reached_project_keys({"scoped_teams": []}) == {"production_project", "staging_project"} with input as doc
	keys.reached_project_keys({"scoped_teams": [9]}) == set() with input as doc
}

test_write_implies_read if {
	keys.implied({"feature_flag:write"}) == {"feature_flag:write", "feature_flag:read"}
	keys.excess({"scopes": ["feature_flag:read", "feature_flag:write", "insight:read"]}, {"feature_flag:write"}) == {"insight:read"}
	keys.excess({"scopes": ["feature_flag:write"]}, {"feature_flag:read"}) == {"feature_flag:write"}
}

test_a_granted_wildcard_covers_everything if {
	keys.excess({"scopes": ["insight:write"]}, {"*"}) == set()
}

test_granted if {
	keys.granted(["bi_service_account"], {"production_project"}) == {"insight:read", "dashboard:read", "query:read"} with input as doc
	keys.granted(["bi_service_account"], {"staging_project"}) == set() with input as doc
	keys.granted_anywhere(["engineering"]) == set() with input as doc
}

test_subjects_are_unique_per_source if {
	twin := object.union(testdata.snapshot.api_keys[1], {"id": "k-bi2"})
	d := object.union(doc, {"snapshot": {"api_keys": array.concat(testdata.snapshot.api_keys, [twin])}})
	subjects := {keys.subject(k) | some k in keys.audit_keys} with input as d
	subjects == {"key:bi-dashboard#k-bi", "key:bi-dashboard#k-bi2"}
	keys.subject(bi) == "key:bi-dashboard" with input as doc
}
