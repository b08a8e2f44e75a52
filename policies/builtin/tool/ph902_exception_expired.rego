# METADATA
# title: A matrix exception has expired
# description: >-
#   An accepted deviation in the matrix's exceptions has passed its expires date (the last day it
#   applies), so it no longer applies and the findings it covered are reported again. An exception
#   that stops applying within 14 days is reported as an advisory note that never fails the run,
#   as a reminder to renew it or fix what it covers.
# schemas:
#   - input: schema.input
# custom:
#   id: PH902
#   name: exception-expired
#   severity: low
#   area: tool
#   frameworks:
#     soc2: [CC4.2, CC6.3]
#     iso27001_2022: [A.5.18, A.5.36]
#   requires: []
#   remediation: >-
#     Fix the deviation the exception covered, then delete the exception from the matrix; or, if it
#     is still accepted, move its expires date forward with a reason and ticket for the renewal.
package hogaudit.rules.ph902

import data.hogaudit.lib.identity
import data.hogaudit.lib.util

subject(x) := sprintf("matrix:exceptions.%s.%s", [x.rule, x.subject])

# exception_identity is the exception's rule and subject as written, and the
# PostHog project its project key binds to (the key itself when unbound).
exception_identity(x) := identity.join([
	sprintf("exception:%s", [x.rule]),
	sprintf("subject:%s", [x.subject]),
	identity.matrix_project(x.project),
]) if {
	is_string(x.project)
	x.project != ""
} else := identity.join([sprintf("exception:%s", [x.rule]), sprintf("subject:%s", [x.subject])])

with_project(f, x) := object.union(f, {"project": x.project}) if {
	is_string(x.project)
	x.project != ""
} else := f

findings contains f if {
	some x in util.array_or_empty(input.matrix.exceptions)
	x.expired == true
	f := with_project(
		{
			"subject": subject(x),
			"identity": exception_identity(x),
			"message": sprintf("The exception for %s on %s ended on %s and no longer applies.", [x.rule, x.subject, x.expires]),
			"evidence": evidence(x),
			"line": util.node_line(x),
		},
		x,
	)
}

findings contains f if {
	some x in util.array_or_empty(input.matrix.exceptions)
	x.expired != true
	x.expires_soon # the engine's one definition: not expired, days_left < 14
	f := with_project(
		{
			"subject": subject(x),
			"identity": exception_identity(x),
			"message": sprintf("The exception for %s on %s ends on %s; it stops applying in %d days.", [x.rule, x.subject, x.expires, x.days_left + 1]),
			"evidence": evidence(x),
			"line": util.node_line(x),
			"advisory": true,
		},
		x,
	)
}

evidence(x) := {
	"rule": x.rule,
	"exception_subject": x.subject,
	"expires": x.expires,
	"days_left": object.get(x, "days_left", null),
	"reason": object.get(x, "reason", ""),
	"ticket": object.get(x, "ticket", ""),
}
