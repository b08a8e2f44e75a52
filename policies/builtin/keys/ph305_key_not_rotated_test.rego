package hogaudit.rules.ph305_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph305

with_bi(rolled, created) := object.union(testdata.input_doc, {"snapshot": {"api_keys": [
	object.union(testdata.snapshot.api_keys[0], {"created_at": testdata.ts(400)}),
	object.union(testdata.snapshot.api_keys[1], {"last_rolled_at": rolled, "created_at": created}),
]}})

test_young_key_passes if {
	count(ph305.findings) == 0 with input as testdata.input_doc
}

test_fires_when_created_long_ago_and_never_rolled if {
	ph305.findings == {{
		"subject": "key:bi-dashboard",
		"identity": "key:k-bi",
		"message": "Key bi-dashboard was last rotated 91 days ago; the matrix requires rotation every 90 days.",
		"evidence": {"last_rolled_at": null, "created_at": testdata.ts(91), "max_age_days": 90},
		"line": 16,
	}} with input as with_bi(null, testdata.ts(91))
}

test_a_recent_roll_counts if {
	count(ph305.findings) == 0 with input as with_bi(testdata.ts(10), testdata.ts(400))
}

test_an_old_roll_fires if {
	count(ph305.findings) == 1 with input as with_bi(testdata.ts(100), testdata.ts(400))
}

test_exactly_max_age_days_passes if {
	count(ph305.findings) == 0 with input as with_bi(null, testdata.ts(90))
}

test_keys_sharing_a_label_keep_their_own_identity if {
	# a second audited key labelled bi-dashboard: both fire, told apart by
	# their subjects (label#id) for people and by their ids for alerts
	old := object.union(testdata.snapshot.api_keys[1], {"created_at": testdata.ts(91), "last_rolled_at": null})
	twin := object.union(old, {"id": "k-bi-2", "env": "BI_KEY_2"})
	doc := object.union(testdata.input_doc, {"snapshot": {"api_keys": [testdata.snapshot.api_keys[0], old, twin]}})
	fs := ph305.findings with input as doc
	{[f.subject, f.identity] | some f in fs} == {
		["key:bi-dashboard#k-bi", "key:k-bi"],
		["key:bi-dashboard#k-bi-2", "key:k-bi-2"],
	}
}
