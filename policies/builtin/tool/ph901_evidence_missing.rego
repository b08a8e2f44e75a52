# METADATA
# title: Evidence is missing from the snapshot
# description: >-
#   A snapshot section (or one project's part of it) could not be collected: the key lacks a scope
#   (403 naming it), the plan lacks a feature (402 payment_required, e.g. audit_logs on PostHog
#   Cloud), the key's user is not an organization admin (the organization-wide activity log), the
#   request failed (a 5xx or 429 after retries, named as such), or the answer was unusable (a
#   malformed body, a required field missing, list pages that did not add up). Rules that need the section are
#   not evaluated rather than passing; this finding names the section, the HTTP status and the
#   cause that would fix it, never a scope for a fault that is not one. Endpoints a deployment
#   lacks (not applicable) are not reported; sections partial because the scanning key is not an
#   admin's are PH904's. A key the matrix declares under keys: that no audited key carries is
#   missing too: a personal API key reads only itself, so hogaudit sees only the keys handed to it
#   with --audit-key-env.
# related_resources:
#   - ref: https://posthog.com/docs/api
#     description: PostHog API and personal API key scopes
# schemas:
#   - input: schema.input
# custom:
#   id: PH901
#   name: evidence-missing
#   severity: high
#   area: tool
#   frameworks:
#     soc2: [CC4.1]
#     iso27001_2022: [A.5.36]
#   requires: []
#   remediation: >-
#     Give hogaudit's personal API key the missing scope (Account settings → Personal API keys:
#     organization:read, organization_member:read, project:read, access_control:read,
#     activity_log:read, user:read; organization access and all projects), use a key of an
#     organization admin so private projects and the organization-wide activity log are visible,
#     subscribe to the plan feature named in the finding (audit_logs for the activity logs), or hand
#     each key the matrix declares to hogaudit with --audit-key-env VAR (VAR holding the key); for a
#     server error or throttling, scan again later.
#   notes: |
#     PH901 also reports a section that cannot be confirmed complete because the organization could not be read
#     (PH904's notes), and a key label the matrix declares under a group's `keys:` that no audited key carries
#     (subject `key:<label>`, hint `--audit-key-env`).
#
#     **Keys the matrix declares.** PostHog lets a personal API key read only itself (`GET
#     /api/personal_api_keys/@current/`), so hogaudit sees the scanning key and the keys handed to it with
#     `--audit-key-env`, nothing else. A label listed under a group's `keys:` that none of those keys carries is
#     missing evidence: the key rules (PH301–PH305) cannot judge it, PH901 reports it at its matrix line, the
#     report's `coverage.keys` counts declared and audited keys ("1 of 2 declared keys audited"), and the run
#     exits 2 with a hint naming `--audit-key-env`.
#
#     **Snapshots account for their own gaps.** `hogaudit check` recomputes completeness from the file: a null
#     section or project part (a project's access rules, `users_with_access`, a private project's explicit
#     members, its detail, its activity log) must have a `missing` record, a record must name a section, project
#     or audit key the snapshot has, and `not_applicable` is honoured only for a 404 of
#     `identity_provider_configs`, `users_with_access` or `explicit_members` (never under
#     `project_based_permissioning` alone, where a private project admits only its explicit members) on a section
#     that is absent. A record on a section that holds data marks it partial. A file that fails any of this — a
#     record edited away, a `not_applicable` forged, a list emptied that PostHog never answers empty (a member
#     list without the scanning key's own user, a project's `users_with_access` without an organization admin) —
#     is refused with exit 2, naming the record or section; `snapshot/completeness.go` states the rules, and a
#     property test checks that no single edit of a collected snapshot passes.
package hogaudit.rules.ph901

import data.hogaudit.lib.util

base_subject(m) := sprintf("section:%s/project/%d", [m.section, m.project_id]) if {
	is_number(m.project_id)
} else := sprintf("section:%s/env/%s", [m.section, m.audit_key_env]) if {
	is_string(m.audit_key_env)
	m.audit_key_env != ""
} else := sprintf("section:%s", [m.section])

# record_identity is a record's section, project id or --audit-key-env name,
# and endpoint path (without its query, which may hold a page offset): ids
# and names the user chose, never PostHog's labels.
record_identity(m) := sprintf("%s#%s", [base_subject(m), split(object.get(m, "endpoint", ""), "?")[0]])

records := [m |
	some m in util.array_or_empty(input.snapshot.missing)
	object.get(m, "not_applicable", false) != true
	object.get(m, "cause", "") != "scanner_not_admin" # PH904 reports these
]

base_counts := {s: count([1 | some m in records; base_subject(m) == s]) | some m in records; s := base_subject(m)}

# subject is unique per record: the endpoint is added when several records
# share a section (and project).
subject(m) := base_subject(m) if {
	base_counts[base_subject(m)] == 1
} else := sprintf("%s#%s", [base_subject(m), object.get(m, "endpoint", "")])

fix(m) := sprintf("grant the key the %s scope", [m.scope]) if {
	not util.blank(object.get(m, "scope", ""))
} else := sprintf("the organization's plan needs the %s feature", [m.feature]) if {
	not util.blank(object.get(m, "feature", ""))
} else := r if {
	r := object.get(m, "reason", "")
	not util.blank(r)
} else := sprintf("PostHog said: %s", [d]) if {
	d := object.get(m, "detail", "")
	not util.blank(d)
} else := "see the snapshot's missing records"

where(m) := sprintf(" for project %d", [m.project_id]) if {
	is_number(m.project_id)
} else := ""

status(m) := "HTTP 402 payment required" if {
	m.status == 402
} else := sprintf("HTTP %d", [m.status]) if {
	is_number(m.status)
	m.status > 0
} else := "no response"

message(m) := sprintf("The %s section%s cannot be confirmed complete: the organization could not be read, so whether the scanning key sees all of it is unknown; %s.", [m.section, where(m), fix(m)]) if {
	object.get(m, "cause", "") == "scanner_level_unknown"
} else := sprintf("The %s section%s could not be collected (%s); %s.", [m.section, where(m), status(m), fix(m)])

findings contains f if {
	some m in records
	f := {
		"subject": subject(m),
		"identity": record_identity(m),
		"message": message(m),
		"evidence": {
			"section": m.section,
			"endpoint": object.get(m, "endpoint", ""),
			"status": object.get(m, "status", 0),
			"detail": object.get(m, "detail", ""),
			"scope": object.get(m, "scope", ""),
			"feature": object.get(m, "feature", ""),
		},
		"line": util.doc_line,
	}
}

# A key the matrix declares that no audited key carries (input.matrix.keys).
findings contains f if {
	some label, k in object.get(input.matrix, "keys", {})
	k.audited == false
	f := {
		"subject": sprintf("key:%s", [label]),
		"identity": sprintf("matrix-key:%s", [label]),
		"message": sprintf(
			"Matrix key %s (%s) was not audited: PostHog lets a personal API key read only itself, so the key rules cannot judge it; hand it to hogaudit with --audit-key-env.",
			[label, concat(", ", util.array_or_empty(k.groups))],
		),
		"evidence": {"section": "api_keys", "key": label, "groups": util.array_or_empty(k.groups), "audited": false},
		"line": util.node_line(k),
	}
}
