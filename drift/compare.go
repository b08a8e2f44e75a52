package drift

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
)

// Options are Compare's inputs beyond the two snapshots.
type Options struct {
	// OldFile and NewFile are the paths the snapshots were read from ("" for
	// a snapshot collected in this run); they are copied to Report.Old.File
	// and Report.New.File.
	OldFile, NewFile string
}

// ErrOtherOrg is returned by Compare when the snapshots describe different
// organizations.
var ErrOtherOrg = errors.New("the snapshots describe different organizations")

// ErrNotOlder is returned by Compare when the new snapshot was not collected
// after the old one.
var ErrNotOlder = errors.New("the new snapshot was not collected after the old one")

// Compare returns the drift from old to new, two snapshots of one
// organization, new collected after old, with oldAccess and newAccess their
// access tables (policies.Engine.Access; a nil table is a gap in the access
// group, never "no change").
//
// The report is evidence: a section either snapshot lacks (nil, with an
// applicable Missing record, or partial) is a Gap, and no change is claimed
// in it; so is a project whose access either table cannot tell (Known
// false), or whose rules either snapshot lacks. Changes are joined to the
// new snapshot's activity-log entries inside (old.CollectedAt,
// new.CollectedAt] where one entry unambiguously records them (see
// attribution.go); an actor is never guessed.
//
// Decisions Compare makes:
//   - project_access and resource_access compare the projects both
//     snapshots list; a project only the new one lists is project_added
//     with every member's access to it from none (a project removed is
//     project_removed alone). A member whose
//     level is the same on both sides is a change only when the path's way
//     (Path.Via) or roles differ; then Before equals After and both paths
//     are set. A change of Path.OrgLevel alone (an admin made owner) is the
//     member_level change, not an access change.
//   - A member absent from a table (joined after, or left before) has level
//     none there, with no path.
//   - A role added or removed shows each of its members as
//     role_member_added or role_member_removed too.
//   - Keys are the keys both collections introspected, matched by id. A
//     key seen on one side only is key_added or key_removed when the other
//     side read the same --audit-key-env variable (it now holds, or held,
//     another key); when the other side did not audit that variable, it is
//     a Gap. The scanning key is compared when the other side saw it too
//     (as its scanning key or an audit key). Scanning with a different key
//     is no drift in PostHog, but a key seen on one side only as its
//     scanning key went unseen on the other: whether it changed is unknown,
//     a Gap.
//   - Invites compared are the pending ones (not expired): an invite that
//     expired, was accepted or was deleted is invite_removed, Detail saying
//     which where the snapshots or the activity log tell.
//   - A project whose two tables resolve access differently (PostHog's own
//     levels, users_with_access, on one side; the rules' on the other) is a
//     project_access gap: the difference may be the resolutions', not drift.
//   - An organization or domain setting PostHog did not report on one side
//     only is a gap naming the field: of org_setting or domain_setting (of
//     organization for uses_most_specific_access_resolution, which decides
//     access).
//   - The new snapshot lacking its activity log (or its organization-level
//     entries, or one project's log), or a log that does not reach back to
//     old.CollectedAt (LookbackDays), is an activity_log gap: the actors of
//     the changes cannot be told.
//   - Any other applicable Missing record of either snapshot that no
//     comparison accounts for is a gap of its own section (accountedBy).
func Compare(old, new *snapshot.Snapshot, oldAccess, newAccess *access.Table, opt Options) (*Report, error) {
	if old == nil || new == nil {
		return nil, errors.New("compare: a snapshot is nil")
	}
	if old.Org.ID != new.Org.ID {
		return nil, fmt.Errorf("%w: old is %s (%s), new is %s (%s)", ErrOtherOrg, old.Org.Name, old.Org.ID, new.Org.Name, new.Org.ID)
	}
	if !new.CollectedAt.After(old.CollectedAt) {
		return nil, fmt.Errorf("%w: old collected %s, new %s", ErrNotOlder,
			old.CollectedAt.UTC().Format(time.RFC3339), new.CollectedAt.UTC().Format(time.RFC3339))
	}
	c := newComparer(old, new, oldAccess, newAccess)
	c.members()
	c.roles()
	c.rules()
	c.keys()
	c.orgSettings()
	c.domains()
	c.projects()
	c.invites()
	// Access last: its changes are joined to the causes found above.
	c.access()
	c.activityLog()
	// After every comparison: the records none of them accounts for.
	c.uncovered()

	r := &Report{
		SchemaVersion: SchemaVersion,
		Org:           new.Org,
		Old:           side(old, opt.OldFile),
		New:           side(new, opt.NewFile),
		Changes:       c.changes,
		Gaps:          c.gaps,
		Counts:        map[string]int{},
	}
	if r.Changes == nil {
		r.Changes = []Change{}
	}
	if r.Gaps == nil {
		r.Gaps = []Gap{}
	}
	for i := range r.Changes {
		ch := &r.Changes[i]
		ch.Group = KindGroup[ch.Kind]
	}
	SortChanges(r.Changes)
	SortGaps(r.Gaps)
	for _, g := range Groups {
		r.Counts[g] = 0
	}
	for _, ch := range r.Changes {
		r.Counts[ch.Group]++
	}
	return r, nil
}

func side(s *snapshot.Snapshot, file string) Side {
	return Side{CollectedAt: s.CollectedAt, SchemaVersion: s.SchemaVersion, ToolVersion: s.Tool.Version, File: file}
}

// kindOrder is the order of kinds within a group: the order of their
// declaration in this package.
var kindOrder = map[string]int{}

func init() {
	for i, k := range []string{
		KindMemberJoined, KindMemberLeft, KindMemberLevel, KindMember2FA,
		KindProjectAccess, KindResourceAccess,
		KindRoleAdded, KindRoleRemoved, KindRoleRenamed, KindRoleMemberAdded, KindRoleMemberRemoved,
		KindRuleAdded, KindRuleRemoved, KindRuleChanged,
		KindKeyAdded, KindKeyRemoved, KindKeyScopes, KindKeyProjects, KindKeyOrgs,
		KindOrgSetting, KindDomainSetting,
		KindProjectAdded, KindProjectRemoved, KindProjectRenamed,
		KindDomainAdded, KindDomainRemoved,
		KindInviteAdded, KindInviteRemoved,
	} {
		kindOrder[k] = i
	}
}

var groupOrder = func() map[string]int {
	m := map[string]int{}
	for i, g := range Groups {
		m[g] = i
	}
	return m
}()

// SortChanges sorts changes in report order: group (Groups order), kind
// (declaration order), subject, project id, resource, field, member, then
// before and after.
func SortChanges(cs []Change) {
	slices.SortStableFunc(cs, func(a, b Change) int {
		return cmp.Or(
			cmp.Compare(groupOrder[KindGroup[a.Kind]], groupOrder[KindGroup[b.Kind]]),
			cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]),
			strings.Compare(a.Subject, b.Subject),
			cmp.Compare(projectID(a.Project), projectID(b.Project)),
			strings.Compare(a.Resource, b.Resource),
			strings.Compare(a.Field, b.Field),
			strings.Compare(a.Member, b.Member),
			strings.Compare(a.Before, b.Before),
			strings.Compare(a.After, b.After),
		)
	})
}

// SortGaps sorts gaps by section, project id (none first), side, reason.
func SortGaps(gs []Gap) {
	slices.SortStableFunc(gs, func(a, b Gap) int {
		pa, pb := int64(-1), int64(-1)
		if a.ProjectID != nil {
			pa = *a.ProjectID
		}
		if b.ProjectID != nil {
			pb = *b.ProjectID
		}
		return cmp.Or(strings.Compare(a.Section, b.Section), cmp.Compare(pa, pb),
			strings.Compare(a.Side, b.Side), strings.Compare(a.Reason, b.Reason))
	})
}

func projectID(p *Project) int64 {
	if p == nil {
		return -1
	}
	return p.ID
}

// comparer holds one comparison's inputs and what it found so far.
type comparer struct {
	old, new             *snapshot.Snapshot
	oldAccess, newAccess *access.Table
	log                  activityWindow
	changes              []Change
	// mids are, parallel to changes, the organization membership id a
	// member or role-membership change is about ("" for others and where
	// unknown): a member who left and rejoined has two.
	mids []string
	gaps []Gap
	// emails maps membership ids, and users' uuids, to emails, the new
	// snapshot's over the old one's.
	emails map[string]string
	// userEmails maps user ids to emails.
	userEmails map[int64]string
	roleNames  map[string]string
	projNames  map[int64]string
}

func newComparer(old, new *snapshot.Snapshot, oldAccess, newAccess *access.Table) *comparer {
	c := &comparer{old: old, new: new, oldAccess: oldAccess, newAccess: newAccess,
		emails: map[string]string{}, userEmails: map[int64]string{}, roleNames: map[string]string{}, projNames: map[int64]string{}}
	c.log = newActivityWindow(new, old.CollectedAt, new.CollectedAt)
	for _, s := range []*snapshot.Snapshot{old, new} {
		for _, r := range s.Roles {
			c.roleNames[r.ID] = r.Name
			for _, m := range r.Members {
				if m.MembershipID != "" && m.Email != "" {
					c.emails[m.MembershipID] = m.Email
				}
			}
		}
		for _, m := range s.Members {
			c.emails[m.ID] = m.User.Email
			c.emails[m.User.UUID] = m.User.Email
			c.userEmails[m.User.ID] = m.User.Email
		}
		for _, p := range s.Projects {
			c.projNames[p.ID] = p.Name
		}
	}
	return c
}

func (c *comparer) add(ch Change) { c.addFor("", ch) }

// addFor adds ch, a change about organization membership mid.
func (c *comparer) addFor(mid string, ch Change) {
	c.changes = append(c.changes, ch)
	c.mids = append(c.mids, mid)
}

// email is the email of membership id, or the id itself when neither
// snapshot names it (a member who left before both).
func (c *comparer) email(membershipID string) string {
	if e := c.emails[membershipID]; e != "" {
		return e
	}
	return membershipID
}

func (c *comparer) roleName(id string) string {
	if n := c.roleNames[id]; n != "" {
		return n
	}
	return id
}

func (c *comparer) project(id int64) *Project {
	return &Project{ID: id, Name: c.projNames[id]}
}

func (c *comparer) projectName(id int64) string {
	if n := c.projNames[id]; n != "" {
		return n
	}
	return fmt.Sprintf("project %d", id)
}

// lack says why s lacks section (has is whether its data is there), or ""
// when it has all of it: the data nil, an applicable record for the whole
// section (the data is then partial), or a Partial cause.
func lack(s *snapshot.Snapshot, section string, has bool) string {
	for _, m := range s.Missing {
		if m.Section == section && m.ProjectID == nil && !m.NotApplicable {
			return m.Reason
		}
	}
	if !has {
		return "not collected"
	}
	return ""
}

// lackProject is lack for one project's part of a per-project section.
func lackProject(s *snapshot.Snapshot, section string, projectID int64, has bool) string {
	if r := lack(s, section, true); r != "" {
		return r
	}
	for _, m := range s.Missing {
		if m.Section == section && m.ProjectID != nil && *m.ProjectID == projectID && !m.NotApplicable {
			return m.Reason
		}
	}
	if !has {
		return "not collected"
	}
	return ""
}

// gap records a gap when either reason is set and reports whether it did.
func (c *comparer) gap(section string, projectID *int64, oldReason, newReason string) bool {
	g := Gap{Section: section, ProjectID: projectID}
	switch {
	case oldReason == "" && newReason == "":
		return false
	case newReason == "":
		g.Side, g.Reason = "old", oldReason
	case oldReason == "":
		g.Side, g.Reason = "new", newReason
	case oldReason == newReason:
		g.Side, g.Reason = "both", oldReason
	default:
		g.Side, g.Reason = "both", "old: "+oldReason+"; new: "+newReason
	}
	c.gaps = append(c.gaps, g)
	return true
}

// sectionGap records a gap for section when either snapshot lacks it
// (hasOld, hasNew: whether each holds its data).
func (c *comparer) sectionGap(section string, hasOld, hasNew bool) bool {
	return c.gap(section, nil, lack(c.old, section, hasOld), lack(c.new, section, hasNew))
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// byPhrase is how a message says who made a change: ", VERB by ACTOR on
// DAY", ", VERB in an impersonated session of USER on DAY", ", on DAY" for
// a time without actor, "" without attribution.
func (c *comparer) byPhrase(by *Attribution, verb string) string {
	switch {
	case by == nil:
		return ""
	case by.Impersonated:
		if u := c.log.sessions[by.EntryID]; u != "" {
			return fmt.Sprintf(", %s in an impersonated session of %s on %s", verb, u, day(by.At))
		}
		return fmt.Sprintf(", %s in an impersonated session on %s", verb, day(by.At))
	case by.Actor != "":
		return fmt.Sprintf(", %s by %s on %s", verb, by.Actor, day(by.At))
	case by.Source == FromActivityLog:
		return fmt.Sprintf(", %s by the system on %s", verb, day(by.At))
	default:
		return fmt.Sprintf(", on %s", day(by.At))
	}
}

// orNone shows an empty value as "none".
func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

func within(t time.Time, from, to time.Time) bool { return t.After(from) && !t.After(to) }

// activityLog records the gaps in the attribution's evidence. Only the new
// snapshot's log is read (it holds every entry up to new.CollectedAt), so
// only its holes count: the log not collected, its organization-level
// entries (organization_activity_log) not collected, or one project's log
// not read. Then a change without attribution may well have been logged,
// and its actor cannot be told.
func (c *comparer) activityLog() {
	const cannot = ": the changes' actors cannot be told"
	r := lack(c.new, snapshot.SectionActivityLog, c.new.ActivityLog != nil)
	if r == "" {
		r = prefix("its organization-level entries: ", lack(c.new, snapshot.SectionOrganizationActivityLog, c.new.OrganizationActivity != nil))
	}
	if r != "" {
		c.gap(snapshot.SectionActivityLog, nil, "", r+cannot)
		return
	}
	// A log read back LookbackDays from the new collection that starts
	// after the old one cannot tell who made the changes before it (0: a
	// snapshot that does not say how far back it read).
	if days := c.new.LookbackDays; days > 0 {
		if from := c.new.CollectedAt.AddDate(0, 0, -days); from.After(c.old.CollectedAt) {
			c.gap(snapshot.SectionActivityLog, nil, "", fmt.Sprintf(
				"the new snapshot's activity log reaches back %d days, to %s, not to the old snapshot's %s%s (collect the new one with --lookback-days %d)",
				days, from.UTC().Format(time.RFC3339), c.old.CollectedAt.UTC().Format(time.RFC3339), cannot,
				int(math.Ceil(c.new.CollectedAt.Sub(c.old.CollectedAt).Hours()/24))))
		}
	}
	for _, m := range c.new.Missing {
		if m.Section == snapshot.SectionActivityLog && m.ProjectID != nil && !m.NotApplicable {
			id := *m.ProjectID
			c.gap(snapshot.SectionActivityLog, &id, "", m.Reason+": the actors of this project's changes cannot be told")
		}
	}
}

// accountedBy maps each snapshot section to the drift sections whose gaps
// account for its Missing records: the sections the comparisons cover.
// members, invites, domains, roles, organization, projects, api_keys,
// access_controls and resource_access_controls are compared directly;
// explicit_members decide a legacy private project's access, so the
// project_access gap the access table gives (Known false) accounts for
// them; users_with_access is judged per project by usersWithAccess;
// activity_log and organization_activity_log by activityLog (the new
// snapshot's; the old snapshot's log is never read). A record of any other
// section (current_user, identity_provider_configs, instance, or one this
// build does not know), or one no gap accounts for, becomes a gap of its
// own section: fail closed.
var accountedBy = map[string][]string{
	snapshot.SectionMembers:                {snapshot.SectionMembers},
	snapshot.SectionInvites:                {snapshot.SectionInvites},
	snapshot.SectionDomains:                {snapshot.SectionDomains},
	snapshot.SectionRoles:                  {snapshot.SectionRoles},
	snapshot.SectionOrganization:           {snapshot.SectionOrganization},
	snapshot.SectionProjects:               {snapshot.SectionProjects},
	snapshot.SectionAPIKeys:                {snapshot.SectionAPIKeys},
	snapshot.SectionAccessControls:         {snapshot.SectionAccessControls},
	snapshot.SectionResourceAccessControls: {snapshot.SectionResourceAccessControls},
	snapshot.SectionExplicitMembers:        {KindProjectAccess},
}

// judgedElsewhere are the sections whose records need no gap of their own
// in every case: usersWithAccess and activityLog decide when they matter.
var judgedElsewhere = map[string]bool{
	snapshot.SectionUsersWithAccess:         true,
	snapshot.SectionActivityLog:             true,
	snapshot.SectionOrganizationActivityLog: true,
}

// uncovered turns every applicable Missing record of either snapshot that
// no gap accounts for into a gap (see accountedBy). A per-project record of
// a project not in both snapshots is accounted for: that project is
// project_added or project_removed, and its parts are not compared.
func (c *comparer) uncovered() {
	both := map[int64]bool{}
	inOld := map[int64]bool{}
	for _, p := range c.old.Projects {
		inOld[p.ID] = true
	}
	for _, p := range c.new.Projects {
		if inOld[p.ID] {
			both[p.ID] = true
		}
	}
	found := slices.Clone(c.gaps)
	for _, sd := range []struct {
		name string
		s    *snapshot.Snapshot
	}{{"old", c.old}, {"new", c.new}} {
		for _, m := range sd.s.Missing {
			if m.NotApplicable || judgedElsewhere[m.Section] {
				continue
			}
			if m.ProjectID != nil && !both[*m.ProjectID] {
				continue
			}
			if accounted(found, accountedBy[m.Section], m.ProjectID, sd.name) || accounted(c.gaps, []string{m.Section}, m.ProjectID, sd.name) {
				continue
			}
			reason := m.Reason
			if reason == "" {
				reason = "not collected"
			}
			if m.AuditKeyEnv != "" {
				reason = m.AuditKeyEnv + ": " + reason
			}
			if sd.name == "old" {
				c.gap(m.Section, m.ProjectID, reason, "")
			} else {
				c.gap(m.Section, m.ProjectID, "", reason)
			}
		}
	}
}

// accounted reports whether gaps hold one of sections for the side (old,
// new) and the project: a whole-section gap accounts for every project's
// part, and a record for the whole section (projectID nil) is accounted
// for by any gap of the section (the comparison reports it per project).
func accounted(gaps []Gap, sections []string, projectID *int64, side string) bool {
	for _, g := range gaps {
		if !slices.Contains(sections, g.Section) || (g.Side != side && g.Side != "both") {
			continue
		}
		if g.ProjectID == nil || projectID == nil || *g.ProjectID == *projectID {
			return true
		}
	}
	return false
}
