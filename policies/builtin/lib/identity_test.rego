package hogaudit.lib.identity_test

import data.hogaudit.lib.identity
import data.hogaudit.lib.testdata

test_org_is_the_organization_id if {
	identity.org == "org:org-1" with input as testdata.input_doc
}

test_org_survives_a_rename if {
	doc := object.union(testdata.input_doc, {"org": {"name": "Renamed"}, "snapshot": {"organization": {"name": "Renamed"}}})
	identity.org == "org:org-1" with input as doc
}

test_org_falls_back_to_the_snapshot_then_to_a_constant if {
	doc := object.union(testdata.input_doc, {"org": {"id": ""}})
	identity.org == "org:org-1" with input as doc
	bare := object.union(doc, {"snapshot": {"organization": {"id": null}}})
	identity.org == "org" with input as bare
}

test_member_is_the_user_uuid if {
	identity.member("m-eve") == "member:u-eve" with input as testdata.input_doc
}

test_member_survives_an_email_change if {
	m := testdata.member_index("m-eve", "u-eve", "eve.new@acme.com", 1, ["engineering"], ["r-eng"])
	identity.member("m-eve") == "member:u-eve" with input as testdata.with_members({"m-eve": m})
}

test_member_without_a_uuid_is_its_membership if {
	m := testdata.member_index("m-eve", "", "eve@acme.com", 1, ["engineering"], ["r-eng"])
	identity.member("m-eve") == "membership:m-eve" with input as testdata.with_members({"m-eve": m})
	identity.member("m-unknown") == "membership:m-unknown" with input as testdata.input_doc
}

test_keys_sharing_a_label_are_told_apart if {
	a := {"id": "k-1", "label": "ci"}
	b := {"id": "k-2", "label": "ci"}
	identity.key(a) == "key:k-1"
	identity.key(b) == "key:k-2"
	identity.key({"label": "ci"}) == "key-label:ci"
}

test_invites_and_domains_by_id if {
	identity.invite({"id": "inv-1", "target_email": "New@acme.com"}) == "invite:inv-1"
	identity.invite({"target_email": "New@acme.com"}) == "invite-email:new@acme.com"
	identity.domain({"id": "d-1", "domain": "Acme.com"}) == "domain:d-1"
	identity.domain({"id": "", "domain": "Acme.com"}) == "domain-name:acme.com"
}

test_projects_and_activity if {
	identity.project("12") == "project:12"
	identity.project(12) == "project:12"
	identity.activity({"id": "a-1"}) == "activity:a-1"
	identity.join([identity.project(1), "resource:insight"]) == "project:1/resource:insight"
}

test_a_bound_matrix_project_is_its_posthog_project if {
	identity.matrix_project("production_project") == "project:1" with input as testdata.input_doc
}

test_an_unbound_matrix_project_is_its_key if {
	doc := json.patch(testdata.input_doc, [{"op": "remove", "path": "/matrix/projects/staging_project/project_id"}])
	identity.matrix_project("staging_project") == "project-key:staging_project" with input as doc
	identity.matrix_project("nowhere") == "project-key:nowhere" with input as doc
}

test_a_matrix_group_is_its_role_else_its_key if {
	identity.matrix_group("engineering") == "role:r-eng" with input as testdata.input_doc
	identity.matrix_group("product") == "group:product" with input as testdata.input_doc
}
