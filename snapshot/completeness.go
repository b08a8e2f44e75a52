package snapshot

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// What a snapshot must account for.
//
// A snapshot is complete when it has no applicable Missing record, so the
// records must match the holes in its data exactly: a hole without a record
// would pass for evidence, a forged not_applicable would excuse one. Verify
// checks the match; Decode (and so Load) and Collect refuse a snapshot that
// fails it. The rules, in full:
//
//  1. A hole is evidence the snapshot lacks. It is absent when a section is
//     null (organization, current_user, members, invites, domains,
//     identity_provider_configs, roles, projects, activity_log, instance;
//     organization_activity_log when it or activity_log is null); when a
//     project's part of a per-project section is null (access_controls,
//     resource_access_controls, users_with_access; explicit_members of a
//     project with the legacy access_control flag; its detail, created_at
//     null); when activity_log_source names the projects' logs and not this
//     project's; when api_keys lacks the scanning key, or the key of a
//     variable in audit_key_envs. It is partial when a section holds data
//     that is known to be incomplete: what PostHog showed a key below admin
//     (the Cause records recordVisibility derives from the organization
//     response, on Load too), a list that repeated items, a project whose
//     users_with_access leaves out an organization admin or owner that
//     members lists, a member list without the scanning key's own user, a
//     project list without a project the organization response names.
//  2. Every hole has a record of its section: for a section, any record of
//     it; for a project's part, one naming the project or one for the whole
//     section (no project_id); for the scanning key, an api_keys record
//     without audit_key_env; for an audit key, the api_keys record naming
//     its variable. A partial hole needs an applicable record.
//  3. Every record is of a hole. Its section is one of Sections; its
//     project_id, if any, names a listed project and a per-project section
//     (or projects, for the project's detail); its audit_key_env is in
//     audit_key_envs. An applicable record on a section that holds data
//     marks that data partial — a hole of the second kind, never a record
//     without one: the data is kept and the snapshot is incomplete.
//  4. not_applicable is honoured only where a deployment may lack the
//     endpoint (NotApplicable), for a 404, on an absent hole: the section
//     null, the project's part null (for a whole-section record, every
//     project's). Anywhere else it is an error, never a pass.
//  5. Nothing is there that cannot be: a project listed twice, explicit
//     members of a project without access_control, an activity_log_source
//     or organization_activity_log without activity_log, sources naming
//     unlisted or unread projects, a key of a variable not in
//     audit_key_envs.

// ErrInconsistent is wrapped by Verify's errors, and so by Decode's and
// Load's when a snapshot's records do not match its holes.
var ErrInconsistent = errors.New("the snapshot does not account for its own evidence")

// optionalSections are the sections whose endpoint some PostHog deployments
// do not have, so that its 404 means "not applicable" rather than missing
// evidence: identity_provider_configs and users_with_access are newest
// PostHog's, explicit_members is 2025 PostHog's and older. It is the one
// list of them; NotApplicable adds the one condition on it.
var optionalSections = map[string]bool{
	SectionIdentityProviderConfigs: true,
	SectionUsersWithAccess:         true,
	SectionExplicitMembers:         true,
}

// NotApplicable reports whether a 404 of section's endpoint means the
// deployment does not have it, in snapshot s (as collected so far).
// explicit_members is applicable in an organization entitled to access
// control by project_based_permissioning alone — there, on PostHog 2024 and
// before, the legacy access_control flag admits only the project's explicit
// members, so without them the project's access is unknown — unless the
// deployment served an endpoint only the newest PostHog has, whose
// membership gate ignores the flag.
func (s *Snapshot) NotApplicable(section string) bool {
	if section == SectionExplicitMembers && legacyProjectPermissioning(s.Organization) && !s.servedNewestEndpoints() {
		return false
	}
	return optionalSections[section]
}

// servedNewestEndpoints reports whether s holds what only the newest
// PostHog serves: identity provider configs, or a project's
// users_with_access.
func (s *Snapshot) servedNewestEndpoints() bool {
	if s.IdentityProviderConfigs != nil {
		return true
	}
	for _, p := range s.Projects {
		if p.HasUsersWithAccess() {
			return true
		}
	}
	return false
}

// perProjectSections are the sections a record may name a project of.
var perProjectSections = map[string]bool{
	SectionProjects:               true, // the project's detail
	SectionAccessControls:         true,
	SectionResourceAccessControls: true,
	SectionUsersWithAccess:        true,
	SectionExplicitMembers:        true,
	SectionActivityLog:            true,
}

// Verify reports, as an error wrapping ErrInconsistent, the first way s's
// Missing records fail to match the holes in its data (see the rules
// above). It does not change s.
func (s *Snapshot) Verify() error {
	v := verifier{s: s, projects: map[int64]*Project{}}
	if err := v.run(); err != nil {
		return fmt.Errorf("%w: %s", ErrInconsistent, err)
	}
	return nil
}

type verifier struct {
	s        *Snapshot
	projects map[int64]*Project
}

func (v *verifier) run() error {
	s := v.s
	for i := range s.Projects {
		p := &s.Projects[i]
		if _, dup := v.projects[p.ID]; dup {
			return fmt.Errorf("projects lists project %d twice", p.ID)
		}
		v.projects[p.ID] = p
	}
	if s.AuditKeyEnvs == nil {
		return errors.New("audit_key_envs is absent: which --audit-key-env keys the collection was handed is unknown")
	}
	for i, m := range s.Missing {
		if err := v.record(m); err != nil {
			return fmt.Errorf("missing record %d (%s): %s", i, describe(m), err)
		}
	}
	for _, check := range []func() error{v.sections, v.perProject, v.activity, v.keys, v.contents} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// describe names a record for people.
func describe(m Missing) string {
	parts := []string{m.Section}
	if m.ProjectID != nil {
		parts = append(parts, fmt.Sprintf("project %d", *m.ProjectID))
	}
	if m.AuditKeyEnv != "" {
		parts = append(parts, "$"+m.AuditKeyEnv)
	}
	if m.Endpoint != "" {
		parts = append(parts, m.Endpoint)
	}
	return strings.Join(parts, ", ")
}

// record checks that one record can be of a hole (rules 3 and 4).
func (v *verifier) record(m Missing) error {
	s := v.s
	if !slices.Contains(Sections, m.Section) {
		return errors.New("names no section hogaudit knows")
	}
	if m.ProjectID != nil {
		if !perProjectSections[m.Section] {
			return fmt.Errorf("%s is not a per-project section, but the record names a project", m.Section)
		}
		if v.projects[*m.ProjectID] == nil {
			return fmt.Errorf("names project %d, which projects does not list", *m.ProjectID)
		}
	}
	if m.AuditKeyEnv != "" {
		if m.Section != SectionAPIKeys {
			return errors.New("only an api_keys record names an audit key")
		}
		if !slices.Contains(s.AuditKeyEnvs, m.AuditKeyEnv) {
			return fmt.Errorf("$%s is not in audit_key_envs", m.AuditKeyEnv)
		}
	}
	if !m.NotApplicable {
		return nil // applicable: of an absent hole, or marks the data partial
	}
	switch {
	case !s.NotApplicable(m.Section):
		if optionalSections[m.Section] {
			return fmt.Errorf("says not_applicable, but %s is applicable in an organization entitled to access control by project_based_permissioning alone", m.Section)
		}
		return fmt.Errorf("says not_applicable, but every PostHog deployment has %s", m.Section)
	case m.Status != 404:
		return fmt.Errorf("says not_applicable with status %d: only a 404 says a deployment lacks an endpoint", m.Status)
	case m.Cause != "":
		return errors.New("says not_applicable and that the section is partial")
	}
	if m.Section == SectionIdentityProviderConfigs {
		if s.IdentityProviderConfigs != nil {
			return errors.New("says not_applicable, but the section holds data")
		}
		return nil
	}
	// A per-project section: the project's part, or every project's, null.
	for _, p := range s.Projects {
		if m.ProjectID != nil && *m.ProjectID != p.ID {
			continue
		}
		held := false
		switch m.Section {
		case SectionUsersWithAccess:
			held = p.HasUsersWithAccess()
		case SectionExplicitMembers:
			held = p.ExplicitMembers != nil
		}
		if held {
			return fmt.Errorf("says not_applicable, but project %d's %s holds data", p.ID, m.Section)
		}
	}
	return nil
}

// has reports whether a record of section accounts for the hole of project
// (nil: the section itself); applicable requires one that is not
// not_applicable. A record for the whole section accounts for every
// project's part; for a section, any record of it does.
func (v *verifier) has(section string, project *int64, applicable bool) bool {
	for _, m := range v.s.Missing {
		if m.Section != section || m.AuditKeyEnv != "" || (applicable && m.NotApplicable) {
			continue
		}
		if project == nil || m.ProjectID == nil || *m.ProjectID == *project {
			return true
		}
	}
	return false
}

func holeErr(what, section string) error {
	return fmt.Errorf("%s, and no missing record of %s says why", what, section)
}

// sections checks the absent sections (rule 2).
func (v *verifier) sections() error {
	s := v.s
	for _, c := range []struct {
		section string
		absent  bool
	}{
		{SectionOrganization, s.Organization == nil},
		{SectionCurrentUser, s.CurrentUser == nil},
		{SectionMembers, s.Members == nil},
		{SectionInvites, s.Invites == nil},
		{SectionDomains, s.Domains == nil},
		{SectionIdentityProviderConfigs, s.IdentityProviderConfigs == nil},
		{SectionRoles, s.Roles == nil},
		{SectionProjects, s.Projects == nil},
		{SectionActivityLog, s.ActivityLog == nil},
		{SectionInstance, s.Instance == nil},
	} {
		if c.absent && !v.has(c.section, nil, false) {
			return holeErr(c.section+" is null", c.section)
		}
	}
	return nil
}

// perProject checks every listed project's parts (rules 2 and 5).
func (v *verifier) perProject() error {
	for _, p := range v.s.Projects {
		id := p.ID
		for _, c := range []struct {
			section string
			absent  bool
		}{
			{SectionAccessControls, p.AccessControls == nil},
			{SectionResourceAccessControls, p.ResourceAccessControls == nil},
			{SectionUsersWithAccess, !p.HasUsersWithAccess()},
			{SectionExplicitMembers, p.AccessControl && p.ExplicitMembers == nil},
			// created_at comes from the project's detail, which is read
			// only when the projects' activity logs stand in for the
			// organization's (receive_org_level_activity_logs) and feeds
			// no rule: its absence is no hole.
		} {
			if c.absent && !v.has(c.section, &id, false) {
				return holeErr(fmt.Sprintf("project %d's %s is null", id, c.section), c.section)
			}
		}
		if !p.AccessControl && p.ExplicitMembers != nil {
			return fmt.Errorf("project %d has explicit_members but not the legacy access_control flag, under which alone they are collected", id)
		}
	}
	return nil
}

// activity checks the activity log's sources (rules 2 and 5).
func (v *verifier) activity() error {
	s := v.s
	src, org := s.ActivityLogSource, s.OrganizationActivity
	if s.ActivityLog == nil {
		switch {
		case src != nil:
			return errors.New("activity_log_source names a source, but activity_log is null")
		case org != nil:
			return errors.New("organization_activity_log names a source, but activity_log is null")
		}
	} else if src == nil {
		return holeErr("activity_log does not say which logs it was read from (activity_log_source is null)", SectionActivityLog)
	}
	if org == nil || s.ActivityLog == nil {
		if !v.has(SectionOrganizationActivityLog, nil, false) {
			return holeErr("organization_activity_log is null", SectionOrganizationActivityLog)
		}
	}
	if src != nil {
		switch src.Source {
		case ActivitySourceOrganization:
		case ActivitySourceProjects:
			for _, id := range src.ProjectIDs {
				if v.projects[id] == nil {
					return fmt.Errorf("activity_log_source names project %d, which projects does not list", id)
				}
			}
			for _, p := range s.Projects {
				id := p.ID
				if !slices.Contains(src.ProjectIDs, id) && !v.has(SectionActivityLog, &id, false) {
					return holeErr(fmt.Sprintf("project %d's activity log was not read (activity_log_source does not name it)", id), SectionActivityLog)
				}
			}
		default:
			return fmt.Errorf("activity_log_source has source %q, neither %q nor %q", src.Source, ActivitySourceOrganization, ActivitySourceProjects)
		}
	}
	if org != nil && src != nil {
		switch org.Source {
		case ActivitySourceOrganization:
			if src.Source != ActivitySourceOrganization {
				return errors.New("organization_activity_log says the organization-wide log was read, activity_log_source that it was not")
			}
		case ActivitySourceProjects:
			for _, id := range org.ProjectIDs {
				if src.Source == ActivitySourceProjects && !slices.Contains(src.ProjectIDs, id) {
					return fmt.Errorf("organization_activity_log names project %d, whose activity log was not read", id)
				}
			}
		default:
			return fmt.Errorf("organization_activity_log has source %q, neither %q nor %q", org.Source, ActivitySourceOrganization, ActivitySourceProjects)
		}
	}
	return nil
}

// keys checks the scanning key and the audit keys (rules 2 and 5).
func (v *verifier) keys() error {
	s := v.s
	scanner := false
	audited := map[string]bool{}
	for _, k := range s.APIKeys {
		switch k.Source {
		case KeySourceScanner:
			scanner = true
		case KeySourceAudit:
			if !slices.Contains(s.AuditKeyEnvs, k.Env) {
				return fmt.Errorf("api_keys holds a key read from $%s, which audit_key_envs does not list", k.Env)
			}
			audited[k.Env] = true
		default:
			return fmt.Errorf("api_keys holds a key of source %q, neither %q nor %q", k.Source, KeySourceScanner, KeySourceAudit)
		}
	}
	if !scanner && !v.has(SectionAPIKeys, nil, false) {
		return holeErr("api_keys lacks the scanning key", SectionAPIKeys)
	}
	for _, env := range s.AuditKeyEnvs {
		if audited[env] {
			continue
		}
		found := false
		for _, m := range s.Missing {
			found = found || (m.Section == SectionAPIKeys && m.AuditKeyEnv == env)
		}
		if !found {
			return fmt.Errorf("api_keys lacks the key of $%s (audit_key_envs lists it), and no missing record of api_keys names it", env)
		}
	}
	return nil
}

// contents checks what PostHog guarantees of the data (rule 1's partial
// holes); each inconsistency needs an applicable record.
func (v *verifier) contents() error {
	for _, h := range v.s.inconsistencies() {
		if !v.has(h.Section, h.ProjectID, true) {
			return holeErr(h.Reason, h.Section)
		}
	}
	return nil
}

// inconsistencies returns a record for every way s's data contradicts what
// PostHog guarantees of it, each naming the section that must then be taken
// as partial:
//
//   - projects lists every project the organization response names: both
//     are what PostHog shows the caller (projects[] of OrganizationSerializer,
//     and the project list, filtered alike by team_ids_visible_for_user);
//   - members lists the scanning key's own user: PostHog answers the member
//     list only to a member, and shows every member itself
//     (posthog/api/organization_member.py, and restricted_visible_membership_ids
//     with members_can_see_org_members off);
//   - a project's users_with_access lists every organization admin and owner
//     of members: PostHog lets them into every project and reports each
//     active member with access (AccessControlViewSetMixin._get_users_with_access,
//     products/access_control/backend/api/access_control.py).
//
// Collect records them (PostHog's state changed while it was read, or the
// server is not telling the truth); Verify requires their records.
func (s *Snapshot) inconsistencies() []Missing {
	var out []Missing
	if s.Members != nil && s.CurrentUser != nil && s.CurrentUser.UUID != "" {
		found := false
		for _, m := range s.Members {
			found = found || m.User.UUID == s.CurrentUser.UUID
		}
		if !found {
			out = append(out, Missing{
				Section: SectionMembers, Endpoint: "/api/organizations/" + s.Org.ID + "/members/", Status: 200,
				Reason: fmt.Sprintf("members does not list the scanning key's own user %s: PostHog shows every member itself, so the list is not the whole", s.CurrentUser.Email),
			})
		}
	}
	if s.Organization != nil && s.Organization.Projects != nil && s.Projects != nil {
		listed := map[int64]bool{}
		for _, p := range s.Projects {
			listed[p.ID] = true
		}
		var lacking []string
		for _, p := range s.Organization.Projects {
			if !listed[p.ID] {
				lacking = append(lacking, fmt.Sprintf("%d %q", p.ID, p.Name))
			}
		}
		if lacking != nil {
			out = append(out, Missing{
				Section: SectionProjects, Endpoint: "/api/organizations/" + s.Org.ID + "/projects/", Status: 200,
				Reason: fmt.Sprintf("projects does not list %s, which the organization response names, so the list is not the whole",
					strings.Join(lacking, ", ")),
			})
		}
	}
	if s.Members == nil {
		return out
	}
	// The admins and owners, by membership id and user uuid: a row names
	// one by either. A set of them per project, not of every row, keeps
	// this linear without a map per project of an organization's size.
	var admins []posthog.Member
	adminOf := map[string][]int{}
	for _, m := range s.Members {
		if m.Level >= posthog.LevelAdmin {
			adminOf[m.ID] = append(adminOf[m.ID], len(admins))
			adminOf[m.User.UUID] = append(adminOf[m.User.UUID], len(admins))
			admins = append(admins, m)
		}
	}
	listed := make([]bool, len(admins))
	rows := s.AccessRows()
	for _, p := range s.Projects {
		if !p.HasUsersWithAccess() || len(admins) == 0 {
			continue
		}
		clear(listed)
		err := rows.Each(&p, func(u *posthog.UserAccess) {
			for _, i := range adminOf[u.OrganizationMembershipID] {
				listed[i] = true
			}
			for _, i := range adminOf[u.UserID] {
				listed[i] = true
			}
		})
		if err != nil {
			// Only a members list changed since Decode checked the file
			// form: the rows cannot be told, so the section is partial.
			id := p.ID
			out = append(out, Missing{
				Section: SectionUsersWithAccess, ProjectID: &id,
				Endpoint: fmt.Sprintf("/api/projects/%d/users_with_access/", id), Status: 200,
				Reason: err.Error(),
			})
			continue
		}
		for i, m := range admins {
			if listed[i] {
				continue
			}
			id := p.ID
			out = append(out, Missing{
				Section: SectionUsersWithAccess, ProjectID: &id,
				Endpoint: fmt.Sprintf("/api/projects/%d/users_with_access/", id), Status: 200,
				Reason: fmt.Sprintf("users_with_access does not list %s, an organization %s whom PostHog lets into every project, so the list is not the whole",
					m.User.Email, orgLevelWord(m.Level)),
			})
			break
		}
	}
	return out
}

func orgLevelWord(level int) string {
	if level >= posthog.LevelOwner {
		return "owner"
	}
	return "admin"
}
