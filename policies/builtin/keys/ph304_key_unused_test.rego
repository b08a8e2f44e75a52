package hogaudit.rules.ph304_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph304

with_bi(last_used, created) := object.union(testdata.input_doc, {"snapshot": {"api_keys": [
	object.union(testdata.snapshot.api_keys[0], {"last_used_at": null, "created_at": testdata.ts(400)}),
	object.union(testdata.snapshot.api_keys[1], {"last_used_at": last_used, "created_at": created}),
]}})

test_used_key_passes if {
	count(ph304.findings) == 0 with input as testdata.input_doc
}

test_fires_after_max_unused_days if {
	ph304.findings == {{
		"subject": "key:bi-dashboard",
		"message": "Key bi-dashboard has not been used for 31 days; the matrix allows 30 days unused.",
		"evidence": {"last_used_at": testdata.ts(31), "created_at": testdata.ts(100), "max_unused_days": 30},
		"line": 17,
	}} with input as with_bi(testdata.ts(31), testdata.ts(100))
}

test_exactly_max_unused_days_passes if {
	count(ph304.findings) == 0 with input as with_bi(testdata.ts(30), testdata.ts(100))
}

test_never_used_and_old if {
	some f in ph304.findings with input as with_bi(null, testdata.ts(45))
	f.message == "Key bi-dashboard has never been used since it was created 45 days ago; the matrix allows 30 days unused."
}

test_never_used_but_new if {
	count(ph304.findings) == 0 with input as with_bi(null, testdata.ts(5))
}
