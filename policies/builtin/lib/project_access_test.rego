package hogaudit.lib.project_access_test

import data.hogaudit.lib.project_access
import data.hogaudit.lib.testdata

cell := {
	"member": "m-pat", "project": "staging_project", "project_id": 2,
	"effective": "admin", "allowed": "member", "source": "access_controls",
	"groups": ["product"], "line": 55,
}

test_a_cell_becomes_a_finding if {
	project_access.finding(cell) == {
		"subject": "member:pat@product.acme.com",
		"identity": "member:u-pat/project:2",
		"project": "staging_project",
		"message": "Member pat@product.acme.com has admin access to staging_project; its matrix groups allow member access.",
		"evidence": {
			"effective": "admin", "allowed": "member", "source": "access_controls",
			"groups": ["product"], "org_level": "member", "project_id": 2,
		},
		"line": 55,
	} with input as testdata.input_doc

	# near miss: a cell naming no member of the index makes no finding
	not project_access.finding(object.union(cell, {"member": "m-gone"})) with input as testdata.input_doc
}

test_messages_name_protected_projects if {
	project_access._project_phrase("production_project") == "protected project production_project" with input as testdata.input_doc
	project_access._project_phrase("staging_project") == "staging_project" with input as testdata.input_doc
	project_access._message_tail("staging_project", "admin", "none", "org_admin") == " has admin access to staging_project as an organization admin; its matrix groups allow no access." with input as testdata.input_doc
	project_access._message_tail("production_project", "member", "none", "explicit_members") == " has member access to protected project production_project; its matrix groups allow no access." with input as testdata.input_doc
	project_access._message_tail("staging_project", "admin", "member", "users_with_access") == " has admin access to staging_project; its matrix groups allow member access." with input as testdata.input_doc
}
