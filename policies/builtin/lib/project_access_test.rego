package hogaudit.lib.project_access_test

import data.hogaudit.lib.project_access
import data.hogaudit.lib.testdata

test_compliant_fixture_has_no_findings if {
	count(project_access.over_matrix) == 0 with input as testdata.input_doc
}

test_findings_cover_protected_and_unprotected_projects if {
	open_production := testdata.project(1, "Production", [testdata.project_rule(1, "admin", null, null)], [])
	open_staging := testdata.project(2, "Staging", [], [])
	fs := project_access.over_matrix with input as testdata.with_projects([open_production, open_staging])
	{[f.project, f.subject] | some f in fs} == {
		["production_project", "member:eve@acme.com"],
		["production_project", "member:pat@product.acme.com"],
		["production_project", "member:bi-bot@acme.com"],
		["staging_project", "member:pat@product.acme.com"],
		["staging_project", "member:bi-bot@acme.com"],
	}
	every f in fs {
		not f.severity
	}
}

test_messages_name_protected_projects if {
	project_access.project_phrase("production_project") == "protected project production_project" with input as testdata.input_doc
	project_access.project_phrase("staging_project") == "staging_project" with input as testdata.input_doc
	project_access.message_tail("staging_project", 2, 0, "org_admin") == " has admin access to staging_project as an organization admin; its matrix groups allow no access." with input as testdata.input_doc
	project_access.message_tail("production_project", 1, 0, "explicit_members") == " has member access to protected project production_project; its matrix groups allow no access." with input as testdata.input_doc
}

test_line_points_at_the_granting_entry if {
	project_access.line(["product"], "production_project", 1) == 57 with input as testdata.input_doc
	project_access.line([], "staging_project", 0) == 28 with input as testdata.input_doc
}
