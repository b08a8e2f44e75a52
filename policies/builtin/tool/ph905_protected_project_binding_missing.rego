# METADATA
# title: A protected matrix project binds to no single PostHog project
# description: >-
#   A project key the matrix marks protected matches no PostHog project (by its id, its name, or
#   the key's own name), or several: two projects both named "Production" are a normal PostHog
#   state. Which project the matrix protects cannot then be told, so the rules that judge projects
#   (PH204, PH205, PH206, PH211, PH212, PH210, PH302, PH303, PH401) are not evaluated and the check
#   exits 2, naming the candidate projects, rather than passing a protected project it never
#   looked at. PH903 with a rule of its own, because GitHub reads a rule's security severity, not a
#   finding's.
# related_resources:
#   - ref: https://posthog.com/docs/settings/access-control
#     description: PostHog projects and access control
# schemas:
#   - input: schema.input
# custom:
#   id: PH905
#   name: protected-project-binding-missing
#   severity: high
#   area: tool
#   frameworks:
#     soc2: [CC4.1, CC6.1]
#     iso27001_2022: [A.5.15, A.5.36]
#   requires: []
#   remediation: >-
#     Give the protected project key the id: of the PostHog project it protects (Project settings
#     shows it; the finding lists the candidates by id and name) under projects:, for example
#     projects.production_project.id: 12345. If the project was deleted, remove the key.
package hogaudit.rules.ph905

import data.hogaudit.lib.bindings

findings contains f if {
	some k, p in bindings.unbound
	p.protected == true
	f := bindings.finding(k, p, "Protected matrix project")
}
