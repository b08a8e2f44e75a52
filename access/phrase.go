package access

import (
	"cmp"
	"strings"
)

// Phrase names the rule that grants the path in PostHog's terms, as a clause
// that reads after "has <level> access to <project>": "as an organization
// owner", "through role Finance's rule", "by PostHog's default (no rule
// applies)". It is the wording of the findings' messages (Rego's
// data.hogaudit.lib.access.path_phrase, which a test holds equal to it), so
// an explanation, a diff and a review file say what a finding says. Names
// are used as they are: a caller writing to a terminal makes them safe
// first.
func (p Path) Phrase() string {
	switch p.Via {
	case ViaOrgAdmin:
		return "as an organization " + cmp.Or(p.OrgLevel, "admin")
	case ViaRoleRule:
		names := p.roleNames()
		switch len(names) {
		case 0:
			return "through a role's rule"
		case 1:
			return "through role " + names[0] + "'s rule"
		}
		return "through the rules of roles " + andList(names)
	}
	if s, ok := viaPhrases[p.Via]; ok {
		return s
	}
	return "via " + p.Via
}

var viaPhrases = map[string]string{
	ViaMemberRule:        "through a rule naming the member",
	ViaEveryoneRule:      "through the project's rule for everyone",
	ViaDefault:           "by PostHog's default (no rule applies)",
	ViaNoAccessControl:   "by PostHog's default (the plan has no access-control feature this deployment checks)",
	ViaExplicitMember:    "as an explicit member of the private project",
	ViaNotExplicitMember: "as no explicit member of the private project",
}

// Label is the path as a short label, for a table cell or a tooltip:
// "organization owner", "role rule (Finance, Sales)", "default".
func (p Path) Label() string {
	switch p.Via {
	case ViaOrgAdmin:
		return "organization " + cmp.Or(p.OrgLevel, "admin")
	case ViaRoleRule:
		if names := p.roleNames(); len(names) > 0 {
			return "role rule (" + strings.Join(names, ", ") + ")"
		}
		return "role rule"
	}
	if s, ok := viaLabels[p.Via]; ok {
		return s
	}
	return cmp.Or(p.Via, "unknown path")
}

var viaLabels = map[string]string{
	ViaMemberRule:        "member rule",
	ViaEveryoneRule:      "everyone rule",
	ViaDefault:           "default",
	ViaNoAccessControl:   "no access control on the plan",
	ViaExplicitMember:    "explicit member (legacy private project)",
	ViaNotExplicitMember: "not an explicit member (legacy private project)",
}

// roleNames are the names of a role rule's roles, their ids where the
// snapshot named none.
func (p Path) roleNames() []string {
	if len(p.RoleNames) > 0 {
		return p.RoleNames
	}
	return p.Roles
}

// andList joins names as "A, B and C".
func andList(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
