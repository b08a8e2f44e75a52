package hogaudit.rules.ph902_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph902

with_exception(patch) := object.union(testdata.input_doc, {"matrix": {"exceptions": [object.union(testdata.matrix.exceptions[0], patch)]}})

test_distant_expiry_passes if {
	count(ph902.findings) == 0 with input as testdata.input_doc
}

test_fires_when_expired if {
	ph902.findings == {{
		"subject": "matrix:exceptions.PH204.member:carol@acme.com",
		"identity": "exception:PH204/subject:member:carol@acme.com/project:1",
		"project": "production_project",
		"message": "The exception for PH204 on member:carol@acme.com ended on 2026-11-20 and no longer applies.",
		"evidence": {
			"rule": "PH204", "exception_subject": "member:carol@acme.com", "expires": "2026-11-20",
			"days_left": -7, "reason": "incident commander rotation", "ticket": "",
		},
		"line": 71,
	}} with input as with_exception({"expires": "2026-11-20", "expired": true, "days_left": -7})
}

# days_left counts to the last day the exception applies: 13 means it stops
# applying in 14 days.
test_expiring_in_14_days_is_an_advisory if {
	fs := ph902.findings with input as with_exception({"expires": "2026-12-10", "days_left": 13, "expires_soon": true})
	some f in fs
	f.advisory == true
	f.message == "The exception for PH204 on member:carol@acme.com ends on 2026-12-10; it stops applying in 14 days."
}

test_expiring_in_15_days_passes if {
	count(ph902.findings) == 0 with input as with_exception({"expires": "2026-12-11", "days_left": 14, "expires_soon": false})
}

# The engine's expires_soon decides, not a window recomputed from days_left.
test_expires_soon_is_the_engines_flag if {
	count(ph902.findings) == 1 with input as with_exception({"expires": "2026-12-20", "days_left": 22, "expires_soon": true})
	count(ph902.findings) == 0 with input as with_exception({"expires": "2026-12-10", "days_left": 13, "expires_soon": false})
}

test_last_day_is_still_an_advisory if {
	some f in ph902.findings with input as with_exception({"expires": "2026-11-27", "days_left": 0, "expires_soon": true})
	f.advisory == true
}

test_exceptions_without_a_project if {
	doc := object.union(testdata.input_doc, {"matrix": {"exceptions": [{
		"index": 0, "line": 80, "rule": "key-unused", "subject": "key:*", "project": null,
		"reason": "migration", "expires": "2026-11-01", "expired": true, "days_left": -26,
	}]}})
	some f in ph902.findings with input as doc
	not f.project
	f.subject == "matrix:exceptions.key-unused.key:*"
}
