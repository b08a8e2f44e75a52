package posthogsim

// Access sources of users_with_access.
const (
	sourceOrganizationAdmin = "organization_admin"
	sourceExplicitMember    = "explicit_member"
	sourceExplicitRole      = "explicit_role"
	sourceDefault           = "default"
)

var projectLevelRank = map[string]int{"none": 0, "member": 1, "admin": 2}

// sourceRank breaks ties between rules granting the same level: the most
// specific rule is reported.
var sourceRank = map[string]int{sourceDefault: 0, sourceExplicitRole: 1, sourceExplicitMember: 2}

// resolve returns a member's level on a project and where it comes from, the
// way PostHog resolves it (products/access_control/backend/facade/
// user_access_control.py): organization admins and owners get admin; without
// the access_control feature every member gets the project default, admin;
// otherwise the highest level among the rules that apply to the member — the
// everyone rule, a rule naming its membership, rules naming its roles (only
// with the role_based_access feature) — and the default when none applies.
func (s *Server) resolve(m *Member, p *Project) (level, source string) {
	if m == nil || p == nil {
		return "none", sourceDefault
	}
	if m.Level >= LevelAdmin {
		return "admin", sourceOrganizationAdmin
	}
	if !s.org.HasFeature("access_control") {
		return "admin", sourceDefault
	}
	useRoles := s.org.HasFeature("role_based_access")
	roles := s.rolesOf(m.ID)
	for _, rule := range p.AccessControls {
		var src string
		switch {
		case rule.MemberID != "":
			if rule.MemberID != m.ID {
				continue
			}
			src = sourceExplicitMember
		case rule.RoleID != "":
			if !useRoles || !roles[rule.RoleID] {
				continue
			}
			src = sourceExplicitRole
		default:
			src = sourceDefault
		}
		lv := rule.Level
		if lv == "" {
			lv = "none"
		}
		if source == "" || projectLevelRank[lv] > projectLevelRank[level] ||
			(projectLevelRank[lv] == projectLevelRank[level] && sourceRank[src] > sourceRank[source]) {
			level, source = lv, src
		}
	}
	if source == "" {
		return "admin", sourceDefault
	}
	return level, source
}

// rolesOf returns the ids of the roles a membership holds.
func (s *Server) rolesOf(memberID string) map[string]bool {
	return s.roles[memberID]
}
