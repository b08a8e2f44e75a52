package hogaudit.lib.project_access_test

import data.hogaudit.lib.access
import data.hogaudit.lib.project_access
import data.hogaudit.lib.testdata

cell := {
	"member": "m-eve", "project": "staging_project", "project_id": 2,
	"effective": "admin", "allowed": "member", "source": "access_controls",
	"groups": ["product"], "line": 55,
}

test_a_cell_becomes_a_finding if {
	project_access.finding(cell) == {
		"subject": "member:eve@acme.com",
		"identity": "member:u-eve/project:2",
		"project": "staging_project",
		"message": "Member eve@acme.com has admin access to staging_project through role Engineering's rule; its matrix groups allow member access.",
		"evidence": {
			"effective": "admin", "allowed": "member", "source": "access_controls",
			"groups": ["product"], "org_level": "member", "project_id": 2,
			"path": {"via": "role_rule", "roles": ["r-eng"], "role_names": ["Engineering"]},
		},
		"line": 55,
	} with input as testdata.input_doc

	# near miss: a cell naming no member of the index makes no finding
	not project_access.finding(object.union(cell, {"member": "m-gone"})) with input as testdata.input_doc
}

test_messages_name_protected_projects if {
	project_access._project_phrase("production_project") == "protected project production_project" with input as testdata.input_doc
	project_access._project_phrase("staging_project") == "staging_project" with input as testdata.input_doc
	project_access._message_tail("staging_project", "admin", "none", {"level": "admin", "via": "org_admin", "roles": [], "org_level": "admin"}) == " has admin access to staging_project as an organization admin; its matrix groups allow no access." with input as testdata.input_doc
	project_access._message_tail("production_project", "member", "none", {"level": "member", "via": "explicit_member", "roles": []}) == " has member access to protected project production_project as an explicit member of the private project; its matrix groups allow no access." with input as testdata.input_doc
}

tail(path) := project_access._message_tail("staging_project", "admin", "member", _grant("admin", path))

# _grant is a library grant at level of a path in evidence's shape.
_grant(_, null) := null

_grant(level, path) := object.union({"level": level, "roles": object.get(path, "roles", [])}, object.remove(path, ["role_names"])) if path != null

test_messages_name_every_path if {
	tail({"via": "org_admin", "org_level": "owner"}) == " has admin access to staging_project as an organization owner; its matrix groups allow member access." with input as testdata.input_doc
	tail({"via": "member_rule"}) == " has admin access to staging_project through a rule naming the member; its matrix groups allow member access." with input as testdata.input_doc
	tail({"via": "role_rule", "roles": ["r-eng"]}) == " has admin access to staging_project through role Engineering's rule; its matrix groups allow member access." with input as testdata.input_doc
	tail({"via": "role_rule", "roles": ["r-eng", "r-prod"]}) == " has admin access to staging_project through the rules of roles Engineering and Product; its matrix groups allow member access." with input as testdata.input_doc
	tail({"via": "role_rule", "roles": ["r-eng", "r-gone", "r-prod"]}) == " has admin access to staging_project through the rules of roles Engineering, r-gone and Product; its matrix groups allow member access." with input as testdata.input_doc
	tail({"via": "everyone_rule"}) == " has admin access to staging_project through the project's rule for everyone; its matrix groups allow member access." with input as testdata.input_doc
	tail({"via": "default"}) == " has admin access to staging_project by PostHog's default (no rule applies); its matrix groups allow member access." with input as testdata.input_doc
	tail({"via": "no_access_control"}) == " has admin access to staging_project by PostHog's default (the plan has no access-control feature this deployment checks); its matrix groups allow member access." with input as testdata.input_doc
	tail({"via": "explicit_member"}) == " has admin access to staging_project as an explicit member of the private project; its matrix groups allow member access." with input as testdata.input_doc

	# PostHog's users_with_access gave another level than the rules: both told
	project_access._message_tail("staging_project", "member", "none", _grant("none", {"via": "everyone_rule"})) == " has member access to staging_project (PostHog's users_with_access; the project's rules give none through the project's rule for everyone); its matrix groups allow no access." with input as testdata.input_doc

	# without the rules (PostHog's users_with_access alone) the message says so
	tail(null) == " has admin access to staging_project (PostHog's users_with_access; the project's rules were not collected); its matrix groups allow member access." with input as testdata.input_doc
}

test_a_finding_without_the_rules_keeps_no_path if {
	# staging's rules not collected: the finding stands, without a path
	d := testdata.with_projects([testdata.production, object.remove(testdata.staging, ["access_controls"])])
	f := project_access.finding(cell) with input as d
	not f.evidence.path
	endswith(f.message, "(PostHog's users_with_access; the project's rules were not collected); its matrix groups allow member access.")
}

test_path_evidence_names_roles if {
	d := object.union(testdata.input_doc, {"snapshot": {"roles": [{"id": "r-eng", "name": "Engineering", "members": []}]}})
	access.path_evidence({"level": "member", "via": "role_rule", "roles": ["r-eng", "r-gone"]}) == {"via": "role_rule", "roles": ["r-eng", "r-gone"], "role_names": ["Engineering", "r-gone"]} with input as d
	access.path_evidence({"level": "admin", "via": "org_admin", "roles": [], "org_level": "owner"}) == {"via": "org_admin", "org_level": "owner"} with input as d
	access.path_evidence({"level": "admin", "via": "everyone_rule", "roles": []}) == {"via": "everyone_rule"} with input as d
}
