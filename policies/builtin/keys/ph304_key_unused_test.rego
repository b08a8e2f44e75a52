package hogaudit.rules.ph304_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph304

# with_bi is the fixture with the BI key created at created and last used at
# last_used (null: never), read by the engine as PostHog reports it (no
# introspection of its own to discount).
with_bi(last_used, created) := object.union(testdata.input_doc, {
	"snapshot": {"api_keys": [
		object.union(testdata.snapshot.api_keys[0], {"last_used_at": null, "created_at": testdata.ts(400)}),
		object.union(testdata.snapshot.api_keys[1], {"last_used_at": last_used, "created_at": created}),
	]},
	"index": {"keys": [
		object.union(testdata.index.keys[0], {"use": never}),
		object.union(testdata.index.keys[1], {"use": read_as_reported(last_used)}),
	]},
})

never := {"status": "never", "at": null, "own": null, "basis": "posthog reports no use"}

read_as_reported(null) := never

read_as_reported(at) := reported(at) if at != null

# with_use is with_bi whose key also carries the engine's reading of its
# last use.
with_use(last_used, created, use) := object.union(with_bi(last_used, created), {"index": {"keys": [
	testdata.index.keys[0],
	object.union(testdata.index.keys[1], {"use": use}),
]}})

reported(at) := {"status": "used", "at": at, "own": null, "basis": "posthog's last_used_at"}

test_used_key_passes if {
	count(ph304.findings) == 0 with input as testdata.input_doc
}

test_fires_after_max_unused_days if {
	ph304.findings == {{
		"subject": "key:bi-dashboard",
		"identity": "key:k-bi",
		"message": "Key bi-dashboard has not been used for 31 days; the matrix allows 30 days unused.",
		"evidence": {
			"last_used_at": testdata.ts(31), "created_at": testdata.ts(100), "max_unused_days": 30,
			"last_use": reported(testdata.ts(31)),
		},
		"line": 17,
	}} with input as with_bi(testdata.ts(31), testdata.ts(100))
}

test_exactly_max_unused_days_passes if {
	count(ph304.findings) == 0 with input as with_bi(testdata.ts(30), testdata.ts(100))
}

test_never_used_and_old if {
	some f in ph304.findings with input as with_bi(null, testdata.ts(45))
	f.message == "Key bi-dashboard has never been used since it was created 45 days ago; the matrix allows 30 days unused."
	f.evidence.last_use.status == "never"
}

test_never_used_but_new if {
	count(ph304.findings) == 0 with input as with_bi(null, testdata.ts(5))
}

# hogaudit's own introspection a day ago is last_used_at; the engine read
# the use before it, 40 days ago.
own_discounted(at) := {"status": "used", "at": at, "own": testdata.ts(1), "basis": "posthog's last_used_at is the previous collection's own request; the previous snapshot's reading stands"}

test_the_engines_reading_wins_over_last_used_at if {
	some f in ph304.findings with input as with_use(testdata.ts(1), testdata.ts(100), own_discounted(testdata.ts(40)))
	f.message == "Key bi-dashboard has not been used for 40 days, not counting hogaudit's own introspection; the matrix allows 30 days unused."
	f.evidence.last_used_at == testdata.ts(1)
	f.evidence.last_use == own_discounted(testdata.ts(40))
}

test_near_miss_a_use_within_the_window_after_discounting if {
	count(ph304.findings) == 0 with input as with_use(testdata.ts(1), testdata.ts(100), own_discounted(testdata.ts(29)))
}

test_never_used_but_by_hogaudit if {
	use := {"status": "never", "at": null, "own": testdata.ts(1), "basis": "b"}
	some f in ph304.findings with input as with_use(testdata.ts(1), testdata.ts(45), use)
	f.message == "Key bi-dashboard has never been used but by hogaudit's own introspection since it was created 45 days ago; the matrix allows 30 days unused."
}

unknown := {"status": "unknown", "at": null, "own": testdata.ts(0), "basis": "b"}

test_unknown_use_of_an_old_key_fires if {
	some f in ph304.findings with input as with_use(testdata.ts(0), testdata.ts(45), unknown)
	f.message == "Key bi-dashboard cannot be shown to have been used in the 45 days since it was created: its last_used_at is hogaudit's own introspection, which hides any earlier use; the matrix allows 30 days unused."
	f.evidence.last_use.status == "unknown"
}

test_unknown_use_of_a_young_key_passes if {
	count(ph304.findings) == 0 with input as with_use(testdata.ts(0), testdata.ts(30), unknown)
}
