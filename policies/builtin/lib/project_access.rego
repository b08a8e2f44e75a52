# The findings of project access above the matrix, shared by PH204
# (unprotected projects) and PH212 (protected ones): GitHub reads a SARIF
# rule's security-severity per rule only, so the critical case of a
# protected project has a rule of its own. Which members are above the
# matrix is data.hogaudit.lib.access's project_excess.

# METADATA
# scope: package
# schemas:
#   - input: schema.input
package hogaudit.lib.project_access

import data.hogaudit.lib.access
import data.hogaudit.lib.identity

# finding is the finding for a cell c of access.project_excess: {subject,
# identity, project, message, evidence, line}; undefined when c.member is
# no member of the index. It is what the cell says about the project,
# joined with what names the member.
finding(c) := object.union(
	{
		"project": c.project,
		"evidence": {
			"effective": c.effective,
			"allowed": c.allowed,
			"source": c.source,
			"groups": c.groups,
			"org_level": m.org_level,
			"project_id": c.project_id,
		},
		"line": c.line,
	},
	{
		"subject": concat("", ["member:", m.email]),
		"identity": identity.join([identity.member(c.member), identity.project(c.project_id)]),
		"message": concat("", ["Member ", m.email, _message_tail(c.project, c.effective, c.allowed, c.source)]),
	},
) if {
	m := input.index.members[c.member]
}

# _allowed_phrase names an allowed project level in a message.
_allowed_phrase("none") := "no access"

_allowed_phrase(level) := sprintf("%s access", [level]) if level != "none"

# _project_phrase names a project key, protected ones as such.
_project_phrase(k) := sprintf("protected project %s", [k]) if {
	access.is_protected(k)
} else := k

# _message_tail is the message after "Member <email>" (levels by name).
_message_tail(k, effective, allowed, "org_admin") := sprintf(" has %s access to %s as an organization admin; its matrix groups allow %s.", [effective, _project_phrase(k), _allowed_phrase(allowed)])

_message_tail(k, effective, allowed, source) := sprintf(" has %s access to %s; its matrix groups allow %s.", [effective, _project_phrase(k), _allowed_phrase(allowed)]) if {
	source != "org_admin"
}
