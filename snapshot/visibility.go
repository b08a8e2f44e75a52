package snapshot

import (
	"fmt"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// What the scanning key itself may see. PostHog answers a key with what its
// user may see, not with the organization's whole state:
//
//   - the project lists hold only the projects the user can reach; org
//     admins and owners reach all of them (posthog/api/routing.py,
//     include_all_if_admin; posthog/user_permissions.py,
//     team_ids_visible_for_user);
//   - with members_can_see_org_members off, a member below admin sees in the
//     member list and in role memberships only itself and the members of its
//     projects (products/access_control/backend/facade/
//     subject_access_control.py, restricted_visible_membership_ids).
//
// A snapshot taken with such a key would look complete while private
// projects or members are missing, so the sections concerned get a Missing
// record with a Cause: the data read is kept, the snapshot is incomplete,
// and the rules that need those sections are not evaluated.

// scannerVisibility records the sections the scanning key may see only part
// of. It runs once every section has been read.
func (col *collector) scannerVisibility() {
	col.snap.recordVisibility(col.orgPath, col.roleList != nil)
}

// recordVisibility adds the Missing records of the sections the scanning key
// may see only part of, judged from the organization response: orgPath
// builds their endpoints, rolesRead says the role list was read. A record
// already present (same section and cause) is not added twice, so Load can
// apply it to a snapshot an older hogaudit wrote.
func (s *Snapshot) recordVisibility(orgPath func(string) string, rolesRead bool) {
	org := s.Organization
	read := map[string]bool{
		SectionProjects: s.Projects != nil,
		SectionMembers:  s.Members != nil,
		SectionRoles:    rolesRead,
	}
	add := func(section string, m Missing) {
		if !read[section] {
			return // the section failed; its own record says why
		}
		for _, r := range s.Missing {
			if r.Section == section && r.ProjectID == nil && r.Cause == m.Cause {
				return
			}
		}
		m.Section, m.Endpoint, m.Status = section, orgPath(section), 200
		s.Missing = append(s.Missing, m)
	}

	if org == nil {
		// Whether the key is an admin cannot be told: nothing it listed can
		// be taken as the whole. The organization's record names the fix,
		// and its scope only when PostHog's 403 named one.
		scope := ""
		for _, r := range s.Missing {
			if r.Section == SectionOrganization && r.Scope != "" {
				scope = r.Scope
			}
		}
		for _, sec := range []string{SectionProjects, SectionMembers, SectionRoles} {
			add(sec, Missing{
				Cause: CauseScannerLevelUnknown, Scope: scope,
				Reason: fmt.Sprintf("not confirmed complete: the organization could not be read, so whether the scanning key "+
					"belongs to an organization admin, who sees every %s, cannot be told", every[sec]),
			})
		}
		return
	}
	level := org.MembershipLevel
	if level != nil && *level >= posthog.LevelAdmin {
		return
	}
	// A level PostHog did not send is not taken for admin: fail closed.
	who := scannerLevelLabel(level)
	const remedy = "scan with an organization admin's or owner's key"
	add(SectionProjects, Missing{
		Cause: CauseScannerNotAdmin, ScannerLevel: level,
		Reason: fmt.Sprintf("the scanning key belongs to %s: PostHog lists only the projects that user can reach, "+
			"so private projects may be missing; %s", who, remedy),
	})
	if org.MembersCanSeeOrgMembers != nil && !*org.MembersCanSeeOrgMembers {
		for _, sec := range []string{SectionMembers, SectionRoles} {
			add(sec, Missing{
				Cause: CauseScannerNotAdmin, ScannerLevel: level,
				Reason: fmt.Sprintf("members_can_see_org_members is off and the scanning key belongs to %s: PostHog shows "+
					"that user only itself and the members of its projects in %s; %s", who, shown[sec], remedy),
			})
		}
	}
}

var (
	every = map[string]string{SectionProjects: "project", SectionMembers: "member", SectionRoles: "role membership"}
	shown = map[string]string{SectionMembers: "the member list", SectionRoles: "role memberships"}
)

// scannerLevelLabel names the scanning key owner's organization level for
// people: "an organization member (level 1), not an admin", or, when PostHog
// did not send it, "a user whose organization level PostHog did not report
// (membership_level is null)".
func scannerLevelLabel(level *int) string {
	if level == nil {
		return "a user whose organization level PostHog did not report (membership_level is null)"
	}
	switch {
	case *level >= posthog.LevelOwner:
		return fmt.Sprintf("an organization owner (level %d)", *level)
	case *level >= posthog.LevelAdmin:
		return fmt.Sprintf("an organization admin (level %d)", *level)
	case *level == posthog.LevelMember:
		return fmt.Sprintf("an organization member (level %d), not an admin", *level)
	}
	return fmt.Sprintf("a user of organization level %d, below admin", *level)
}
