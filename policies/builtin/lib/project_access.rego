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
# joined with what names the member and the path that grants the access
# (evidence.path, named in the message): the rules' path, also where
# PostHog's users_with_access gave the level, resolved for this member only.
finding(c) := object.union(
	{
		"project": c.project,
		"evidence": object.union(
			{
				"effective": c.effective,
				"allowed": c.allowed,
				"source": c.source,
				"groups": c.groups,
				"org_level": m.org_level,
				"project_id": c.project_id,
			},
			_path_field(g),
		),
		"line": c.line,
	},
	{
		"subject": concat("", ["member:", m.email]),
		"identity": identity.join([identity.member(c.member), identity.project(c.project_id)]),
		"message": concat("", ["Member ", m.email, _message_tail(c.project, c.effective, c.allowed, g)]),
	},
) if {
	m := input.index.members[c.member]
	g := _grant(c)
}

# _grant is the rules' grant of cell c's member on its project
# (access.project_path), or null when the project's rules cannot be told
# (PostHog's users_with_access gave the level alone): the finding stands,
# without a path.
_grant(c) := g if {
	g := access.project_path(format_int(c.project_id, 10), c.member)
} else := null

_path_field(null) := {}

_path_field(g) := {"path": access.path_evidence(g)} if g != null

# _allowed_phrase names an allowed project level in a message.
_allowed_phrase("none") := "no access"

_allowed_phrase(level) := sprintf("%s access", [level]) if level != "none"

# _project_phrase names a project key, protected ones as such.
_project_phrase(k) := sprintf("protected project %s", [k]) if {
	access.is_protected(k)
} else := k

# _granted_phrase is " <path phrase>" for the rules' grant g of the level
# (access.path_phrase); where PostHog's users_with_access gave another
# level than the rules, both are told; without the rules, that PostHog's
# resolution was the only evidence.
_granted_phrase(_, null) := " (PostHog's users_with_access; the project's rules were not collected)"

_granted_phrase(effective, g) := concat("", [" ", access.path_phrase(access.path_evidence(g))]) if {
	g != null
	g.level == effective
}

_granted_phrase(effective, g) := sprintf(" (PostHog's users_with_access; the project's rules give %s %s)", [g.level, access.path_phrase(access.path_evidence(g))]) if {
	g != null
	g.level != effective
}

# _message_tail is the message after "Member <email>" (levels by name; g
# the rules' grant or null).
_message_tail(k, effective, allowed, g) := sprintf(" has %s access to %s%s; its matrix groups allow %s.", [effective, _project_phrase(k), _granted_phrase(effective, g), _allowed_phrase(allowed)])
