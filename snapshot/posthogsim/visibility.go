package posthogsim

// membersCanSeeOrgMembers is the organization's members_can_see_org_members:
// true unless set false (the newest deployment only; the setting did not
// exist before).
func (s *Server) membersCanSeeOrgMembers() bool {
	v := s.org.MembersCanSeeOrgMembers
	return s.deployment != Newest || v == nil || *v
}

// visibleMembers returns the membership ids the caller may see in the member
// list and in role memberships, or nil when it may see every member.
//
// PostHog (products/access_control/backend/facade/subject_access_control.py,
// restricted_visible_membership_ids) restricts the list only when
// members_can_see_org_members is off, the caller is below admin and the
// organization has the access_control feature (without it no rule is in
// force and everyone is visible). The caller then sees itself and every
// member that a rule or a project default, not the organization-admin
// bypass, lets into a project that a rule or default lets the caller into.
func (s *Server) visibleMembers(caller *Member) map[string]bool {
	if caller == nil {
		return map[string]bool{}
	}
	if s.membersCanSeeOrgMembers() || caller.Level >= LevelAdmin || !s.org.HasFeature("access_control") {
		return nil
	}
	visible := map[string]bool{caller.ID: true}
	for i := range s.org.Projects {
		p := &s.org.Projects[i]
		if !s.grantedByRule(caller, p) {
			continue
		}
		for j := range s.org.Members {
			if m := &s.org.Members[j]; s.grantedByRule(m, p) {
				visible[m.ID] = true
			}
		}
	}
	return visible
}

// grantedByRule reports whether the project's rules or its default let m in,
// leaving the organization-admin bypass aside: the resolution of a member
// of m's rules and roles at the member level.
func (s *Server) grantedByRule(m *Member, p *Project) bool {
	asMember := *m
	asMember.Level = LevelMember
	return s.projectLevel(&asMember, p) != "none"
}
