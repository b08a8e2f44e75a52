package hogaudit.rules.ph904_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph904

with_org(changes, missing) := object.union(testdata.input_doc, {"snapshot": {
	"organization": object.union(testdata.snapshot.organization, changes),
	"missing": missing,
}})

partial(section) := {
	"section": section, "endpoint": sprintf("/api/organizations/org-1/%s/", [section]), "status": 200, "detail": "",
	"cause": "scanner_not_admin", "scanner_level": 1, "reason": "the scanning key belongs to an organization member",
}

test_an_owners_key_passes if {
	count(ph904.findings) == 0 with input as testdata.input_doc
}

test_an_admins_key_passes if {
	count(ph904.findings) == 0 with input as with_org({"membership_level": 8}, [])
}

test_fires_for_a_members_key if {
	ph904.findings == {{
		"subject": "key:hogaudit",
		"identity": "key:k-scan",
		"message": "The scanning key hogaudit belongs to an organization member (level 1), not an organization admin: PostHog shows it only what its user can reach, so members, projects may be missing items it cannot see; use an organization admin's or owner's key.",
		"evidence": {"membership_level": 1, "members_can_see_org_members": false, "partial_sections": ["members", "projects"]},
		"line": 1,
	}} with input as with_org({"membership_level": 1, "members_can_see_org_members": false}, [partial("members"), partial("projects")])
}

test_an_unreported_level_is_not_admin if {
	some f in ph904.findings with input as with_org({"membership_level": null}, [])
	contains(f.message, "PostHog did not report (membership_level is null)")
	contains(f.message, "so private projects may be missing from the snapshot")
	f.evidence.membership_level == null
}

test_an_absent_level_is_not_admin if {
	doc := json.patch(testdata.input_doc, [{"op": "remove", "path": "/snapshot/organization/membership_level"}])
	count(ph904.findings) == 1 with input as doc
}

test_other_records_are_not_its_evidence if {
	m := {"section": "projects", "endpoint": "/x/", "status": 403, "detail": "", "reason": "missing scope"}
	some f in ph904.findings with input as with_org({"membership_level": 1}, [m])
	f.evidence.partial_sections == []
}

test_without_the_scanner_key_the_subject_is_the_org if {
	doc := object.union(with_org({"membership_level": 1}, []), {"snapshot": {"api_keys": null}})
	some f in ph904.findings with input as doc
	f.subject == "org:Acme"
	startswith(f.message, "The scanning key belongs to an organization member (level 1)")
}

test_no_organization_no_verdict if {
	doc := object.union(testdata.input_doc, {"snapshot": {"organization": null}})
	count(ph904.findings) == 0 with input as doc
}
