// Package draft writes an access matrix that an organization's current
// state satisfies: the starting point `hogaudit matrix init` gives a team
// that has no matrix yet.
//
// Draft reads a snapshot and its access table (policies.Engine.Access, the
// resolution the rules judge) and writes a matrix in the documented format
// (docs/matrix.md, version 1) that allows at least what the organization
// grants today (a group allows the highest level any of its members holds,
// and a key's group the highest levels of its owners), so that `hogaudit
// check` with it on the same snapshot reports no access or key finding
// (PH2xx, PH3xx). Findings no matrix can answer (a pending invite for an
// organization admin, PH210; a scanning key with more than the read scopes,
// PH306; a key scoped only to projects of another organization, PH302; a
// key scope hogaudit does not know, PH307) get an exception that expires 30
// days after the snapshot, with a comment saying why. Organization checks (PH1xx), the
// audit trail (PH4xx) and hogaudit's own rules (PH9xx) are left to judge
// the organization as it is.
//
// The output is deterministic: the same snapshot and table give the same
// bytes (every list sorted; the only time in it is the snapshot's
// collected_at). Every place a person should decide carries a comment that
// begins with "DECIDE:".
//
// Draft never drafts from missing evidence: a section it needs that the
// snapshot lacks, or a project whose access the table cannot tell, is an
// *IncompleteError (errors.Is ErrIncomplete) naming it, never a matrix that
// says nobody has access.
//
// Draft never writes a string from PostHog as a pattern it is not: a member
// or invite email that would go under members: (matched as a glob) or an
// exception subject (matched with '*' as a wildcard) holding a glob
// character is a *PatternError (errors.Is ErrPattern) naming it. Every
// other string from PostHog is written quoted, or only in comments; a
// resource or SSO provider the matrix format does not know is left out
// with a DECIDE comment.
package draft

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
)

// Options tune a draft.
type Options struct {
	// Source names where the snapshot came from in the header comment (a
	// file name, or "live collection"); empty leaves it out.
	Source string
}

// ExceptionDays is how long the exceptions a draft writes last, counted
// from the snapshot's collected_at.
const ExceptionDays = 30

// Defaults a draft starts from; each is relaxed to what the organization
// meets today, with a DECIDE comment when it is.
const (
	DefaultDormantAfterDays = 90
	DefaultKeyMaxAgeDays    = 90
	DefaultKeyMaxUnusedDays = 30
)

// ErrPattern is the error class of a draft refused because a string from
// PostHog would be read as a pattern (see PatternError).
var ErrPattern = errors.New("a name would be read as a pattern")

// PatternError names a member email, invite email, key label or scope that
// holds a glob character ('*', '?', '[', ']', '{', '}' or '\') where the
// draft would write it as a pattern: groups' members: are matched as globs
// and exception subjects with '*' as a wildcard, so written as it is it
// would allow or excuse more than it names. Draft refuses rather than
// leave it out, which would make the draft fail check on its own snapshot.
type PatternError struct {
	// Kind is "member", "invite", "key" or "scope"; Name is the string as
	// PostHog reports it; Where is where the draft would write it.
	Kind, Name, Where string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("cannot draft a matrix: %s %q holds a glob character (one of %s), so written in %s it would match more than itself",
		e.Kind, e.Name, globChars, e.Where)
}

// Is makes errors.Is(err, ErrPattern) hold.
func (e *PatternError) Is(target error) bool { return target == ErrPattern }

// globChars are the characters OPA's glob.match (members:) or the matrix's
// subject globbing ('*') read as more than themselves.
const globChars = `*?[]{}\`

// ErrIncomplete is the error class of a snapshot or table a draft cannot
// be made from.
var ErrIncomplete = errors.New("evidence incomplete")

// IncompleteError names the sections (and projects) a draft needs that the
// evidence lacks.
type IncompleteError struct {
	// Sections are the snapshot sections concerned, sorted, without
	// duplicates.
	Sections []string
	// Problems are one lowercase phrase each, in section order.
	Problems []string
}

func (e *IncompleteError) Error() string {
	return "cannot draft a matrix from incomplete evidence: " + strings.Join(e.Problems, "; ")
}

// Is makes errors.Is(err, ErrIncomplete) hold.
func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete }

// neededSections are the sections a draft reads. The activity logs,
// identity provider configs, the current user and the instance feed only
// organization and audit rules (PH1xx, PH4xx), which judge the organization
// as it is and need nothing drafted.
var neededSections = []string{
	snapshot.SectionOrganization, snapshot.SectionMembers, snapshot.SectionInvites,
	snapshot.SectionDomains, snapshot.SectionRoles, snapshot.SectionProjects,
	snapshot.SectionAccessControls, snapshot.SectionResourceAccessControls,
	snapshot.SectionUsersWithAccess, snapshot.SectionExplicitMembers, snapshot.SectionAPIKeys,
}

// Resources returns the resources the draft of snap writes levels for,
// sorted: those with a project-wide rule (resource_access_controls,
// resource_id null) in some project, that the matrix format knows
// (matrix.KnownResource). Pass them to policies.Engine.Access.
func Resources(snap *snapshot.Snapshot) []string {
	seen := map[string]bool{}
	for i := range snap.Projects {
		for _, r := range ruleResources(&snap.Projects[i]) {
			seen[r] = true
		}
	}
	return sortedSet(seen)
}

// ruleResources are the resources project p has project-wide rules on.
func ruleResources(p *snapshot.Project) []string {
	if p.ResourceAccessControls == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, rule := range p.ResourceAccessControls.AccessControls {
		if rule.ResourceID != nil || rule.Resource == "" || rule.Resource == "project" {
			continue
		}
		if _, ok := resRank[rule.AccessLevel]; !ok {
			continue
		}
		if !matrix.KnownResource(rule.Resource) {
			continue
		}
		seen[rule.Resource] = true
	}
	return sortedSet(seen)
}

// unknownResources are the resources project p has rules on that the
// matrix format does not know (PostHog adds resources): a draft cannot
// name them under resources:.
func unknownResources(p *snapshot.Project) []string {
	if p.ResourceAccessControls == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, rule := range p.ResourceAccessControls.AccessControls {
		if rule.Resource != "" && rule.Resource != "project" && !matrix.KnownResource(rule.Resource) {
			seen[rule.Resource] = true
		}
	}
	return sortedSet(seen)
}

// Draft returns the matrix snap and table satisfy (see the package doc).
// table must be the access table of snap for Resources(snap).
func Draft(snap *snapshot.Snapshot, table *access.Table, opt Options) ([]byte, error) {
	if snap == nil {
		return nil, errors.New("draft: no snapshot")
	}
	if err := complete(snap, table, true); err != nil {
		return nil, err
	}
	d, err := plan(snap, table)
	if err != nil {
		return nil, err
	}
	return d.render(opt), nil
}

// CheckEvidence returns an *IncompleteError naming what snap lacks for a
// draft, or nil: the snapshot half of Draft's checks, for callers that want
// to fail before resolving the access table.
func CheckEvidence(snap *snapshot.Snapshot) error {
	if snap == nil {
		return errors.New("draft: no snapshot")
	}
	return complete(snap, nil, false)
}

// complete checks that snap (and, withTable, table) hold everything a
// draft reads.
func complete(snap *snapshot.Snapshot, table *access.Table, withTable bool) error {
	ie := &IncompleteError{}
	add := func(section, problem string) {
		if !slices.Contains(ie.Sections, section) {
			ie.Sections = append(ie.Sections, section)
		}
		ie.Problems = append(ie.Problems, problem)
	}
	// table problems name the section whose evidence is short
	addTable := func(section, problem string) { add(section, "section "+section+": "+problem) }
	for _, m := range snap.Missing {
		if m.NotApplicable || !slices.Contains(neededSections, m.Section) {
			continue
		}
		where := m.Section
		switch {
		case m.ProjectID != nil:
			where += fmt.Sprintf(" of project %d", *m.ProjectID)
		case m.AuditKeyEnv != "":
			where += " for " + m.AuditKeyEnv
		}
		reason := m.Reason
		if reason == "" {
			reason = "not collected"
		}
		add(m.Section, fmt.Sprintf("section %s: %s", where, reason))
	}
	nilSection := map[string]bool{
		snapshot.SectionOrganization: snap.Organization == nil,
		snapshot.SectionMembers:      snap.Members == nil,
		snapshot.SectionInvites:      snap.Invites == nil,
		snapshot.SectionDomains:      snap.Domains == nil,
		snapshot.SectionRoles:        snap.Roles == nil,
		snapshot.SectionProjects:     snap.Projects == nil,
		snapshot.SectionAPIKeys:      snap.APIKeys == nil,
	}
	for _, s := range neededSections {
		if nilSection[s] && !slices.Contains(ie.Sections, s) {
			add(s, fmt.Sprintf("section %s was not collected", s))
		}
	}
	for _, s := range neededSections {
		if snap.Partial(s) && !slices.Contains(ie.Sections, s) {
			add(s, fmt.Sprintf("section %s is partial: the scanning key's user cannot see all of it", s))
		}
	}
	switch {
	case !withTable:
	case table == nil:
		addTable(snapshot.SectionAccessControls, "no access table")
	default:
		for i := range snap.Projects {
			p := &snap.Projects[i]
			tp := table.Projects[p.ID]
			switch {
			case tp == nil || !tp.Known:
				addTable(snapshot.SectionAccessControls, fmt.Sprintf("the access to project %s (id %d) cannot be told", p.Name, p.ID))
				continue
			case !tp.ResourcesKnown:
				addTable(snapshot.SectionResourceAccessControls, fmt.Sprintf("the resource access in project %s (id %d) cannot be told", p.Name, p.ID))
				continue
			}
			for _, m := range snap.Members {
				if _, ok := tp.Members[m.ID]; !ok {
					addTable(snapshot.SectionAccessControls, fmt.Sprintf("the access table has no level for member %s in project %s (id %d)", m.User.Email, p.Name, p.ID))
					break
				}
			}
			for _, r := range ruleResources(p) {
				if _, ok := tp.Resources[r]; !ok {
					addTable(snapshot.SectionResourceAccessControls, fmt.Sprintf("the access table has no levels for resource %s in project %s (id %d)", r, p.Name, p.ID))
				}
			}
		}
	}
	if len(ie.Problems) == 0 {
		return nil
	}
	slices.SortFunc(ie.Sections, func(a, b string) int {
		return slices.Index(snapshot.Sections, a) - slices.Index(snapshot.Sections, b)
	})
	return ie
}

// levels

var projRank = map[string]int{access.LevelNone: 0, access.LevelMember: 1, access.LevelAdmin: 2}
var projName = []string{access.LevelNone, access.LevelMember, access.LevelAdmin}

var resRank = map[string]int{access.ResourceNone: 0, access.ResourceViewer: 1, access.ResourceEditor: 2, access.ResourceManager: 3}
var resName = []string{access.ResourceNone, access.ResourceViewer, access.ResourceEditor, access.ResourceManager}

// shared paths are those every member the path reaches gets alike: no
// role, no rule naming the member.
func shared(via string) bool {
	switch via {
	case access.ViaEveryoneRule, access.ViaDefault, access.ViaNoAccessControl, access.ViaNotExplicitMember:
		return true
	}
	return false
}

// explainedBy reports whether a member's grant comes from role roleID, or
// from a path every member gets alike (which each of its roles then
// states).
func explainedBy(g access.Grant, roleID string) bool {
	if shared(g.Path.Via) {
		return true
	}
	return g.Path.Via == access.ViaRoleRule && slices.Contains(g.Path.Roles, roleID)
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ceilDays is the smallest whole number of days d with since >= now - d
// days: a threshold at d days keeps since inside it. Zero for times not
// before now.
func ceilDays(now, since time.Time) int {
	diff := now.Sub(since)
	if diff <= 0 {
		return 0
	}
	day := 24 * time.Hour
	n := int(diff / day)
	if diff%day != 0 {
		n++
	}
	return n
}
