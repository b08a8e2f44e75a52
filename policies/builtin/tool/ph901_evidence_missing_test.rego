package hogaudit.rules.ph901_test

import data.hogaudit.lib.testdata
import data.hogaudit.rules.ph901

with_missing(ms) := object.union(testdata.input_doc, {"snapshot": {"missing": ms}})

test_not_applicable_records_pass if {
	count(ph901.findings) == 0 with input as testdata.input_doc
}

test_fires_for_a_missing_scope if {
	m := {
		"section": "activity_log", "endpoint": "/api/projects/1/activity_log/", "status": 403,
		"detail": "API key missing required scope 'activity_log:read'", "scope": "activity_log:read",
		"not_applicable": false, "reason": "missing scope activity_log:read",
	}
	ph901.findings == {{
		"subject": "section:activity_log",
		"identity": "section:activity_log#/api/projects/1/activity_log/",
		"message": "The activity_log section could not be collected (HTTP 403); grant the key the activity_log:read scope.",
		"evidence": {
			"section": "activity_log", "endpoint": "/api/projects/1/activity_log/", "status": 403,
			"detail": "API key missing required scope 'activity_log:read'", "scope": "activity_log:read", "feature": "",
		},
		"line": 1,
	}} with input as with_missing([m])
}

test_per_project_records_name_the_project if {
	m := {"section": "activity_log", "project_id": 2, "endpoint": "/api/projects/2/activity_log/", "status": 403, "detail": "", "feature": "audit_logs"}
	some f in ph901.findings with input as with_missing([m])
	f.subject == "section:activity_log/project/2"
	f.message == "The activity_log section for project 2 could not be collected (HTTP 403); the organization's plan needs the audit_logs feature."
}

test_subjects_stay_unique if {
	a := {"section": "api_keys", "audit_key_env": "BI_KEY", "endpoint": "/api/personal_api_keys/@current/", "status": 401, "detail": "Invalid key"}
	b := {"section": "members", "endpoint": "/api/organizations/x/members/", "status": 0, "detail": ""}
	c := {"section": "members", "endpoint": "/api/organizations/x/members/?offset=100", "status": 500, "detail": "boom"}
	fs := ph901.findings with input as with_missing([a, b, c])
	{f.subject | some f in fs} == {
		"section:api_keys/env/BI_KEY",
		"section:members#/api/organizations/x/members/",
		"section:members#/api/organizations/x/members/?offset=100",
	}
	some f in fs
	f.subject == "section:members#/api/organizations/x/members/"
	f.message == "The members section could not be collected (no response); see the snapshot's missing records."
}

# A 402 names the plan feature and its status, not a scope.
test_a_plan_feature_is_not_a_scope if {
	m := {
		"section": "organization_activity_log", "endpoint": "/api/organizations/x/advanced_activity_logs/", "status": 402,
		"detail": "Audit logs requires a paid PostHog plan. Please upgrade to access this feature.", "feature": "audit_logs",
		"reason": "the organization's PostHog plan lacks the feature audit_logs",
	}
	some f in ph901.findings with input as with_missing([m])
	f.message == "The organization_activity_log section could not be collected (HTTP 402 payment required); the organization's plan needs the audit_logs feature."
	f.evidence.scope == ""
}

# Causes that are neither a scope nor a feature are told as the snapshot
# recorded them.
test_other_causes_are_told_as_recorded if {
	admin := {
		"section": "organization_activity_log", "endpoint": "/api/organizations/x/advanced_activity_logs/", "status": 403,
		"detail": "Only organization admins and owners can view organization-wide activity logs.",
		"reason": "only organization admins and owners may read it: scan with an admin's or owner's key",
	}
	some f in ph901.findings with input as with_missing([admin])
	f.message == "The organization_activity_log section could not be collected (HTTP 403); only organization admins and owners may read it: scan with an admin's or owner's key."
	server := {"section": "roles", "endpoint": "/api/organizations/x/roles/", "status": 500, "detail": "A server error occurred.", "reason": "server error 500 after retries"}
	some g in ph901.findings with input as with_missing([server])
	g.message == "The roles section could not be collected (HTTP 500); server error 500 after retries."
}

test_partial_sections_of_a_non_admin_key_are_ph904s if {
	m := {
		"section": "projects", "endpoint": "/api/organizations/x/projects/", "status": 200, "detail": "",
		"cause": "scanner_not_admin", "scanner_level": 1, "reason": "the scanning key belongs to an organization member",
	}
	count(ph901.findings) == 0 with input as with_missing([m])
}

test_an_unconfirmed_section_names_the_organization if {
	m := {
		"section": "projects", "endpoint": "/api/organizations/x/projects/", "status": 200, "detail": "",
		"scope": "organization:read", "cause": "scanner_level_unknown", "reason": "not confirmed complete",
	}
	some f in ph901.findings with input as with_missing([m])
	f.subject == "section:projects"
	f.message == "The projects section cannot be confirmed complete: the organization could not be read, so whether the scanning key sees all of it is unknown; grant the key the organization:read scope."
}

with_keys(keys) := object.union(testdata.input_doc, {"matrix": {"keys": keys}})

test_fires_for_a_declared_key_not_audited if {
	doc := with_keys({
		"bi-dashboard": {"label": "bi-dashboard", "line": 38, "groups": ["bi_service_account"], "audited": true},
		"ci-deploy": {"label": "ci-deploy", "line": 44, "groups": ["bots", "deployers"], "audited": false},
	})
	ph901.findings == {{
		"subject": "key:ci-deploy",
		"identity": "matrix-key:ci-deploy",
		"message": "Matrix key ci-deploy (bots, deployers) was not audited: PostHog lets a personal API key read only itself, so the key rules cannot judge it; hand it to hogaudit with --audit-key-env.",
		"evidence": {"section": "api_keys", "key": "ci-deploy", "groups": ["bots", "deployers"], "audited": false},
		"line": 44,
	}} with input as doc
}

test_audited_keys_pass if {
	count(ph901.findings) == 0 with input as testdata.input_doc
}
