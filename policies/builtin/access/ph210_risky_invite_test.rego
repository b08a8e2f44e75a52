package hogaudit.rules.ph210_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph210

invite(email, level, access) := {
	"id": "inv-x", "target_email": email, "level": level, "is_expired": false,
	"created_at": testdata.ts(1), "private_project_access": access,
}

with_invites(is) := object.union(testdata.input_doc, {"snapshot": {"invites": is}})

test_member_invites_and_expired_invites_pass if {
	count(ph210.findings) == 0 with input as testdata.input_doc
}

test_expired_risky_invite_passes if {
	i := object.union(invite("x@evil.io", 15, null), {"is_expired": true})
	count(ph210.findings) == 0 with input as with_invites([i])
}

test_fires_for_an_admin_invite if {
	ph210.findings == {{
		"subject": "invite:carol@acme.com",
		"identity": "invite:inv-x",
		"message": "Pending invite for carol@acme.com would make the invitee an organization admin.",
		"evidence": {"reasons": ["level"], "level": "admin", "groups": [], "projects": [], "created_at": testdata.ts(1)},
		"line": 3,
	}} with input as with_invites([invite("carol@acme.com", 8, null)])
}

test_fires_for_an_outside_domain if {
	some f in ph210.findings with input as with_invites([invite("x@gmail.com", 1, [])])
	f.evidence.reasons == ["domain"]
	f.line == 12
}

test_fires_for_project_access_above_the_invitees_groups if {
	# the invitee matches product (member on production); admin is above it
	fs := ph210.findings with input as with_invites([invite("new@product.acme.com", 1, [{"id": 1, "level": "admin"}, {"id": 2, "level": "member"}])])
	some f in fs
	f.evidence.reasons == ["project"]
	f.evidence.groups == ["product"]
	f.evidence.projects == [{"project": "production_project", "project_id": 1, "level": "admin", "allowed": "member"}]
	f.line == 25
}

test_project_access_within_the_matrix_passes if {
	count(ph210.findings) == 0 with input as with_invites([invite("new@product.acme.com", 1, [{"id": 1, "level": "member"}])])
}

test_project_access_for_an_invitee_in_no_group if {
	some f in ph210.findings with input as with_invites([invite("new@acme.com", 1, [{"id": 2, "level": "member"}])])
	f.evidence.projects == [{"project": "staging_project", "project_id": 2, "level": "member", "allowed": "none"}]
}

test_all_reasons_in_one_finding if {
	fs := ph210.findings with input as with_invites([invite("x@gmail.com", 15, [{"id": 1, "level": "member"}])])
	count(fs) == 1
	some f in fs
	f.evidence.reasons == ["level", "domain", "project"]
	f.message == "Pending invite for x@gmail.com would make the invitee an organization owner, and is for an email outside the allowed domains, and grants project access above the matrix."
}
