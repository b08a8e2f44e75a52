package hogaudit.rules.ph404_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph404

# access(pid, before, after, via, by) is a project_access change of pat.
access(pid, before, after, via, by) := object.union(
	{
		"kind": "project_access", "group": "access", "subject": "member:pat@product.acme.com",
		"project": {"id": pid, "name": "Production"},
		"before": before, "after": after,
		"before_path": {"via": "role_rule", "roles": ["r-product"]},
		"after_path": {"via": via},
		"message": "pat@product.acme.com: Production member → admin",
	},
	by,
)

unlogged := {}

logged_by(email) := {"by": {"actor": email, "at": testdata.ts(1), "source": "activity_log", "entry_id": "a-9"}}

with_drift(changes) := object.union(testdata.input_doc, {"drift": {
	"schema_version": 1, "org": {"id": "o", "name": "Acme"},
	"old": {"collected_at": testdata.ts(7), "schema_version": 1, "tool_version": "t"},
	"new": {"collected_at": testdata.now, "schema_version": 1, "tool_version": "t"},
	"changes": changes, "gaps": [], "counts": {},
}})

test_without_drift_nothing_is_judged if {
	count(ph404.findings) == 0 with input as testdata.input_doc
}

test_an_unlogged_grant_fires if {
	ph404.findings == {{
		"subject": "member:pat@product.acme.com/project:production_project",
		"project": "production_project",
		"identity": "member:u-pat/project:1/granted:admin",
		"message": "Member pat@product.acme.com gained admin on protected project production_project (member → admin, via member_rule) by someone PostHog did not record (access-control changes are not in its activity log).",
		"evidence": {
			"project_id": 1, "project_name": "Production", "before": "member", "after": "admin",
			"before_path": {"via": "role_rule", "roles": ["r-product"]}, "after_path": {"via": "member_rule"},
			"actor": null, "actor_groups": [], "at": null, "source": null,
			"drift": "pat@product.acme.com: Production member → admin",
		},
		"line": 27,
	}} with input as with_drift([access(1, "member", "admin", "member_rule", unlogged)])
}

test_an_empty_actor_is_unknown if {
	count(ph404.findings) == 1 with input as with_drift([access(1, "none", "admin", "role_rule", {"by": {"actor": "", "at": testdata.ts(1), "source": "rule_created_by"}})])
}

test_role_paths_name_the_roles if {
	c := object.union(access(1, "none", "admin", "role_rule", unlogged), {"after_path": {"via": "role_rule", "roles": ["r-eng", "r-product"]}})
	some f in ph404.findings with input as with_drift([c])
	contains(f.message, "(none → admin, via role r-eng, r-product)")
}

test_role_paths_name_the_roles_by_name_where_the_path_has_names if {
	p := {"via": "role_rule", "roles": ["r-eng", "r-product"], "role_names": ["Engineering", "Product"]}
	c := object.union(access(1, "none", "admin", "role_rule", unlogged), {"after_path": p})
	some f in ph404.findings with input as with_drift([c])
	contains(f.message, "(none → admin, via role Engineering, Product)")
}

test_an_untrusted_actor_fires if {
	some f in ph404.findings with input as with_drift([access(1, "member", "admin", "member_rule", logged_by("Eve@acme.com"))])
	f.evidence.actor == "Eve@acme.com"
	f.evidence.actor_groups == ["engineering"]
	endswith(f.message, "by eve@acme.com, who is in no matrix group allowed org_level: owner.")
}

test_a_former_member_is_untrusted if {
	count(ph404.findings) == 1 with input as with_drift([access(1, "member", "admin", "member_rule", logged_by("gone@acme.com"))])
}

test_a_trusted_actor_passes if {
	count(ph404.findings) == 0 with input as with_drift([access(1, "member", "admin", "member_rule", logged_by("alice@acme.com"))])
}

test_organization_admins_are_ph403s if {
	count(ph404.findings) == 0 with input as with_drift([access(1, "member", "admin", "org_admin", unlogged)])
}

test_member_to_member_passes if {
	count(ph404.findings) == 0 with input as with_drift([access(1, "none", "member", "member_rule", unlogged)])
}

test_already_admin_passes if {
	count(ph404.findings) == 0 with input as with_drift([access(1, "admin", "admin", "role_rule", unlogged)])
}

test_losing_admin_passes if {
	count(ph404.findings) == 0 with input as with_drift([access(1, "admin", "member", "role_rule", unlogged)])
}

test_an_unprotected_project_passes if {
	count(ph404.findings) == 0 with input as with_drift([access(2, "member", "admin", "member_rule", unlogged)])
}

test_an_unbound_project_passes if {
	count(ph404.findings) == 0 with input as with_drift([access(99, "member", "admin", "member_rule", unlogged)])
}

test_other_kinds_pass if {
	c := object.union(access(1, "member", "admin", "member_rule", unlogged), {"kind": "rule_changed", "group": "rules", "subject": "role:Product"})
	count(ph404.findings) == 0 with input as with_drift([c])
}

test_a_missing_path_is_not_an_org_admin if {
	c := object.remove(access(1, "member", "admin", "member_rule", unlogged), ["after_path"])
	some f in ph404.findings with input as with_drift([c])
	contains(f.message, "by an unknown path")
}

test_a_rule_uncovered_by_a_demotion_fires if {
	c := object.union(access(1, "admin", "admin", "member_rule", unlogged), {"before_path": {"via": "org_admin", "org_level": "admin"}})
	count(ph404.findings) == 1 with input as with_drift([c])
}

test_admin_along_the_same_rule_path_does_not_fire if {
	c := object.union(access(1, "admin", "admin", "member_rule", unlogged), {"before_path": {"via": "role_rule", "roles": ["r-product"]}})
	count(ph404.findings) == 0 with input as with_drift([c])
}
