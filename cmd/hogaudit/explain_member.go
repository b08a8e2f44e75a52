package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// memberPrefix marks explain's argument as a member (member:EMAIL) rather
// than a rule.
const memberPrefix = "member:"

// memberReport is what `explain member:EMAIL` tells, and its -f json
// document. Every access that cannot be told from the snapshot has Known
// false and a Reason, never a level.
type memberReport struct {
	Email        string `json:"email"`
	MembershipID string `json:"membership_id"`
	// OrgLevel is member, admin or owner.
	OrgLevel string       `json:"org_level"`
	Roles    []memberRole `json:"roles"`
	// RolesKnown is false when the snapshot has no roles section.
	RolesKnown bool `json:"roles_known"`
	// Groups are the member's matrix groups; nil without a matrix
	// (Matrix empty) or when the groups cannot be told (GroupsKnown false).
	Groups      []string         `json:"groups"`
	GroupsKnown bool             `json:"groups_known"`
	Matrix      string           `json:"matrix,omitempty"`
	Projects    []memberProject  `json:"projects"`
	Keys        []memberKey      `json:"keys"`
	KeysKnown   bool             `json:"keys_known"`
	Snapshot    memberSnapshotAt `json:"snapshot"`
	// Complete is false when anything above cannot be told (exit 2).
	Complete bool `json:"complete"`
}

type memberRole struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type memberSnapshotAt struct {
	Org         string `json:"org"`
	CollectedAt string `json:"collected_at"`
}

type memberProject struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Key       string `json:"key,omitempty"`
	Protected bool   `json:"protected,omitempty"`
	Known     bool   `json:"known"`
	Reason    string `json:"reason,omitempty"`
	// Level and Path are the effective level and how it is granted
	// (access.Grant); PostHogSource is users_with_access's access_source.
	Level         string       `json:"level,omitempty"`
	Path          *access.Path `json:"path,omitempty"`
	PostHogSource string       `json:"posthog_source,omitempty"`
	// Resources are the resources with project-wide rules in the project.
	ResourcesKnown  bool             `json:"resources_known"`
	ResourcesReason string           `json:"resources_reason,omitempty"`
	Resources       []memberResource `json:"resources"`
}

type memberResource struct {
	Resource string      `json:"resource"`
	Level    string      `json:"level"`
	Path     access.Path `json:"path"`
}

type memberKey struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Source string `json:"source"`
	Env    string `json:"env,omitempty"`
	// Scopes are the key's scopes; Legacy true for a key with none, which
	// PostHog lets do anything.
	Scopes []string `json:"scopes"`
	Legacy bool     `json:"legacy,omitempty"`
	// Projects are the projects the key reaches: its scoped_teams, else
	// every project (AllProjects).
	AllProjects bool       `json:"all_projects"`
	Projects    []keyReach `json:"projects"`
}

type keyReach struct {
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
	Key  string `json:"key,omitempty"`
}

// runMember is `explain member:EMAIL`: the member's organization level,
// roles, matrix groups, and per project (or only --project) the effective
// level with the path that grants it, the levels on the project's
// restricted resources, and the member's keys.
func (c *explainCmd) runMember(ctx context.Context, e *env) error {
	email := strings.TrimSpace(strings.TrimPrefix(c.Rule, memberPrefix))
	if email == "" {
		return fail(errors.New("explain member: no email after \"member:\""), "pass member:EMAIL, e.g. member:alice@example.com")
	}
	if c.Snapshot == "" {
		return fail(errors.New("explain member:EMAIL needs --snapshot FILE"), "collect one with 'hogaudit snapshot -o FILE' (or keep a scan's with --snapshot-out)")
	}
	snap, err := loadSnapshot(e, c.Snapshot)
	if err != nil {
		return fail(err)
	}
	if gap := sectionGap(snap, snapshot.SectionMembers, nil); gap != "" {
		return fail(fmt.Errorf("the snapshot %s is missing the members section (%s): the member cannot be looked up", c.Snapshot, gap),
			"collect a snapshot with a key that has organization_member:read")
	}
	mem, ok := findMember(snap, email)
	if !ok {
		hints := []string{}
		if s := nearestEmail(snap, email); s != "" {
			hints = append(hints, "did you mean member:"+termText(s)+"?")
		}
		if snap.Partial(snapshot.SectionMembers) {
			hints = append(hints, "the snapshot's member list is partial (the scanning key does not see every member)")
		}
		return fail(fmt.Errorf("no member %s in the snapshot %s", termText(email), c.Snapshot), hints...)
	}

	var b *matrix.Bound
	rep := memberReport{
		Email: mem.User.Email, MembershipID: mem.ID, OrgLevel: orgLevelName(mem.Level),
		Roles: []memberRole{}, Projects: []memberProject{}, Keys: []memberKey{}, Complete: true,
		Snapshot: memberSnapshotAt{Org: snap.Org.Name, CollectedAt: snap.CollectedAt.UTC().Format("2006-01-02T15:04:05Z")},
	}
	rep.RolesKnown = sectionGap(snap, snapshot.SectionRoles, nil) == ""
	var roleIDs []string
	for _, r := range snap.Roles {
		for _, rm := range r.Members {
			if rm.MembershipID == mem.ID {
				rep.Roles = append(rep.Roles, memberRole{ID: r.ID, Name: r.Name})
				roleIDs = append(roleIDs, r.ID)
				break
			}
		}
	}
	slices.Sort(roleIDs)
	if !rep.RolesKnown {
		rep.Complete = false
	}

	if m, path, err := c.explainMatrix(e); err != nil {
		return err
	} else if m != nil {
		b = m.Bind(policies.Inventory(snap), snap.CollectedAt)
		rep.Matrix = path
		rep.GroupsKnown = rep.RolesKnown && !b.UnknownGroups()
		if rep.GroupsKnown {
			rep.Groups = b.MemberGroups(strings.ToLower(mem.User.Email), roleIDs)
			if rep.Groups == nil {
				rep.Groups = []string{}
			}
		} else {
			rep.Complete = false
		}
	}

	projects := snap.Projects
	if c.Project != "" {
		p, err := pickProject(snap, b, c.Project)
		if err != nil {
			return err
		}
		projects = []snapshot.Project{p}
	}
	if sectionGap(snap, snapshot.SectionProjects, nil) != "" {
		rep.Complete = false
	}

	eng, err := (&policyFlags{PolicyDir: c.PolicyDir}).engine(ctx, e)
	if err != nil {
		return err
	}
	table, err := eng.Access(ctx, snap, snapshot.RuledResources(snap))
	if err != nil {
		return fail(err)
	}
	for _, p := range projects {
		mp := memberProject{ID: p.ID, Name: p.Name, Resources: []memberResource{}}
		if b != nil {
			if k, ok := b.ProjectKey(p.ID); ok {
				mp.Key = k
				for _, pb := range b.Projects() {
					if pb.Key == k {
						mp.Protected = pb.Protected
					}
				}
			}
		}
		tp := table.Projects[p.ID]
		if tp != nil && tp.Known {
			g := tp.Members[mem.ID]
			mp.Known, mp.Level, mp.PostHogSource = true, g.Level, g.PostHogSource
			path := g.Path
			mp.Path = &path
		} else {
			mp.Reason = unknownReason(snap, p.ID, snapshot.SectionAccessControls)
			rep.Complete = false
		}
		if tp != nil && tp.ResourcesKnown {
			mp.ResourcesKnown = true
			for _, r := range p.RuledResources() {
				g := tp.Resources[r][mem.ID]
				mp.Resources = append(mp.Resources, memberResource{Resource: r, Level: g.Level, Path: g.Path})
			}
		} else {
			mp.ResourcesReason = unknownReason(snap, p.ID, snapshot.SectionResourceAccessControls)
			rep.Complete = false
		}
		rep.Projects = append(rep.Projects, mp)
	}

	rep.KeysKnown = sectionGap(snap, snapshot.SectionAPIKeys, nil) == ""
	if !rep.KeysKnown {
		rep.Complete = false
	}
	for _, k := range snap.APIKeys {
		if k.UserID != mem.User.ID {
			continue
		}
		rep.Keys = append(rep.Keys, keyOf(snap, b, k))
	}

	if c.Format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fail(err)
		}
	} else {
		writeMemberText(e.stdout, &rep, termWidth(e))
	}
	if !rep.Complete {
		return fail(errors.New("explain member: the snapshot is missing evidence, so part of the member's access cannot be told (shown as \"cannot be told\")"),
			"collect a complete snapshot ('hogaudit snapshot -o FILE' with a key holding the read scopes 'hogaudit explain PH204' lists)")
	}
	return nil
}

// explainMatrix is the --matrix, else access-matrix.yaml when it exists
// here, else nil (no groups shown), with the path as given.
func (c *explainCmd) explainMatrix(e *env) (*matrix.Matrix, string, error) {
	path := c.Matrix
	if path == "" {
		if _, err := os.Stat(e.path(defaultMatrix)); err != nil {
			return nil, "", nil
		}
		path = defaultMatrix
	}
	m, err := (&policyFlags{Matrix: path}).loadMatrix(e)
	if err != nil {
		return nil, "", err
	}
	return m, path, nil
}

// findMember is the member whose email is email (case-insensitive).
func findMember(snap *snapshot.Snapshot, email string) (posthog.Member, bool) {
	for _, m := range snap.Members {
		if strings.EqualFold(m.User.Email, email) {
			return posthog.Member(m), true
		}
	}
	return posthog.Member{}, false
}

// nearestEmail is the member email closest to email (a likely typo: at most
// a third of its length in edits, at least one), else "".
func nearestEmail(snap *snapshot.Snapshot, email string) string {
	email = strings.ToLower(email)
	best, bestD := "", len([]rune(email))/3+1
	if bestD < 2 {
		bestD = 2
	}
	for _, m := range snap.Members {
		if d := matrix.EditDistance(email, strings.ToLower(m.User.Email)); d < bestD {
			best, bestD = m.User.Email, d
		}
	}
	return best
}

// pickProject is the project --project names: by matrix key (with a
// matrix), else id, else name (case-insensitive).
func pickProject(snap *snapshot.Snapshot, b *matrix.Bound, want string) (snapshot.Project, error) {
	for _, p := range snap.Projects {
		if b != nil {
			if k, ok := b.ProjectKey(p.ID); ok && k == want {
				return p, nil
			}
		}
	}
	if id, err := strconv.ParseInt(want, 10, 64); err == nil {
		for _, p := range snap.Projects {
			if p.ID == id {
				return p, nil
			}
		}
	}
	for _, p := range snap.Projects {
		if strings.EqualFold(p.Name, want) {
			return p, nil
		}
	}
	var names []string
	for _, p := range snap.Projects {
		label := fmt.Sprintf("%d (%s)", p.ID, termText(p.Name))
		if b != nil {
			if k, ok := b.ProjectKey(p.ID); ok {
				label = termText(k) + " = " + label
			}
		}
		names = append(names, label)
	}
	hint := "the snapshot has no projects"
	if len(names) > 0 {
		hint = "projects: " + strings.Join(names, ", ")
	}
	return snapshot.Project{}, fail(fmt.Errorf("--project %s: no project of the snapshot has that matrix key, id or name", termText(want)), hint)
}

// sectionGap describes the applicable Missing records of section (for
// project id, or the whole section, when id is not nil), "" when none.
func sectionGap(snap *snapshot.Snapshot, section string, id *int64) string {
	for _, m := range snap.Missing {
		if m.Section != section || m.NotApplicable {
			continue
		}
		if id != nil && m.ProjectID != nil && *m.ProjectID != *id {
			continue
		}
		if m.Status != 0 {
			return fmt.Sprintf("%s returned HTTP %d", m.Endpoint, m.Status)
		}
		if m.Endpoint != "" {
			return m.Endpoint + " was not read"
		}
		return "not collected"
	}
	return ""
}

// unknownReason says why a project's access (section access_controls) or
// resource levels (resource_access_controls) cannot be told: the sections
// the resolution rests on that the snapshot is missing.
func unknownReason(snap *snapshot.Snapshot, id int64, section string) string {
	var gaps []string
	for _, s := range []string{snapshot.SectionOrganization, snapshot.SectionMembers, snapshot.SectionProjects, snapshot.SectionRoles,
		snapshot.SectionUsersWithAccess, snapshot.SectionIdentityProviderConfigs, section, snapshot.SectionExplicitMembers} {
		if g := sectionGap(snap, s, &id); g != "" {
			gaps = append(gaps, s+": "+g)
		}
	}
	if len(gaps) == 0 {
		return "the snapshot does not hold the evidence it rests on"
	}
	return "the snapshot is missing " + strings.Join(gaps, "; ")
}

// keyOf is a key as explain shows it: scopes × the projects it reaches.
func keyOf(snap *snapshot.Snapshot, b *matrix.Bound, k snapshot.APIKey) memberKey {
	mk := memberKey{ID: k.ID, Label: k.Label, Source: k.Source, Env: k.Env, Scopes: slices.Clone(k.Scopes), Projects: []keyReach{}}
	if mk.Scopes == nil {
		mk.Scopes = []string{}
	}
	mk.Legacy = len(k.Scopes) == 0
	reach := func(id int64) keyReach {
		r := keyReach{ID: id}
		for _, p := range snap.Projects {
			if p.ID == id {
				r.Name = p.Name
			}
		}
		if b != nil {
			r.Key, _ = b.ProjectKey(id)
		}
		return r
	}
	if len(k.ScopedTeams) > 0 {
		for _, id := range k.ScopedTeams {
			mk.Projects = append(mk.Projects, reach(id))
		}
	} else {
		mk.AllProjects = true
		for _, p := range snap.Projects {
			mk.Projects = append(mk.Projects, reach(p.ID))
		}
	}
	return mk
}

// orgLevelName names a membership level.
func orgLevelName(level int) string {
	switch {
	case level >= 15:
		return "owner"
	case level >= 8:
		return "admin"
	}
	return "member"
}

// pathPhrase is p's phrase (access.Path.Phrase, the findings' wording)
// with its names made safe for a terminal.
func pathPhrase(p access.Path) string {
	p.Via = termText(p.Via)
	p.RoleNames = mapped(p.RoleNames, termText)
	p.Roles = mapped(p.Roles, termText)
	return p.Phrase()
}

// mapped is f applied to each of ss, in a new slice (nil for nil).
func mapped(ss []string, f func(string) string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// termText is s safe for a terminal: a string with control or format
// characters (escape sequences, line breaks, bidirectional overrides) is
// shown quoted, with those characters escaped; others as they are.
func termText(s string) string {
	for _, r := range s {
		if !unicode.IsGraphic(r) || unicode.Is(unicode.Cf, r) {
			return strconv.QuoteToGraphic(s)
		}
	}
	return s
}

// termWidth is the width text output wraps at: $COLUMNS when set, else 100.
func termWidth(e *env) int {
	if n := envColumns(e); n >= 40 {
		return n
	}
	return 100
}

// writeMemberText writes the member's report as text wrapped at width.
func writeMemberText(w io.Writer, r *memberReport, width int) {
	line := func(indent int, s string) {
		pad := strings.Repeat(" ", indent)
		fmt.Fprintln(w, indentHanging(wrap(s, width-indent-2), pad, pad+"  "))
	}
	line(0, fmt.Sprintf("Member %s (membership %s) in %s, snapshot of %s", termText(r.Email), termText(r.MembershipID), termText(r.Snapshot.Org), r.Snapshot.CollectedAt))
	org := "Organization level: " + r.OrgLevel
	if r.OrgLevel != "member" {
		org += " (bypasses every project and resource rule)"
	}
	line(0, org)
	switch {
	case !r.RolesKnown:
		line(0, "Roles: cannot be told: the snapshot is missing the roles section")
	case len(r.Roles) == 0:
		line(0, "Roles: none")
	default:
		var rs []string
		for _, ro := range r.Roles {
			rs = append(rs, fmt.Sprintf("%s (%s)", termText(ro.Name), termText(ro.ID)))
		}
		line(0, "Roles: "+strings.Join(rs, ", "))
	}
	switch {
	case r.Matrix == "":
		line(0, "Matrix groups: not shown (no matrix: pass --matrix FILE)")
	case !r.GroupsKnown:
		line(0, "Matrix groups: cannot be told: the snapshot is missing the roles the groups bind to ("+termText(r.Matrix)+")")
	case len(r.Groups) == 0:
		line(0, "Matrix groups: none ("+termText(r.Matrix)+")")
	default:
		gs := make([]string, len(r.Groups))
		for i, g := range r.Groups {
			gs[i] = termText(g)
		}
		line(0, "Matrix groups: "+strings.Join(gs, ", ")+" ("+termText(r.Matrix)+")")
	}
	fmt.Fprintln(w)
	line(0, "Projects:")
	if len(r.Projects) == 0 {
		line(2, "none in the snapshot")
	}
	for _, p := range r.Projects {
		head := fmt.Sprintf("%s (id %d)", termText(p.Name), p.ID)
		if p.Key != "" {
			head = fmt.Sprintf("%s = %s", termText(p.Key), head)
			if p.Protected {
				head += ", protected"
			}
		}
		if !p.Known {
			line(2, head+": cannot be told: "+p.Reason)
		} else {
			s := fmt.Sprintf("%s: %s %s", head, p.Level, pathPhrase(*p.Path))
			if p.PostHogSource != "" {
				s += " (PostHog's users_with_access: " + termText(p.PostHogSource) + ")"
			}
			line(2, s)
		}
		if !p.ResourcesKnown {
			line(4, "resources: cannot be told: "+p.ResourcesReason)
			continue
		}
		for _, res := range p.Resources {
			line(4, fmt.Sprintf("%s: %s %s", termText(res.Resource), res.Level, pathPhrase(res.Path)))
		}
	}
	fmt.Fprintln(w)
	switch {
	case !r.KeysKnown:
		line(0, "Keys: cannot be told: the snapshot is missing api_keys")
	case len(r.Keys) == 0:
		line(0, "Keys: none of the introspected keys is the member's")
	default:
		line(0, "Keys:")
	}
	for _, k := range r.Keys {
		name := termText(k.Label)
		if name == "" {
			name = termText(k.ID)
		}
		from := k.Source
		if k.Env != "" {
			from += " " + termText(k.Env)
		}
		scopes := "every scope (legacy key with no scopes)"
		if !k.Legacy {
			ss := make([]string, len(k.Scopes))
			for i, s := range k.Scopes {
				ss[i] = termText(s)
			}
			scopes = strings.Join(ss, ", ")
		}
		var ps []string
		for _, p := range k.Projects {
			label := strconv.FormatInt(p.ID, 10)
			switch {
			case p.Key != "":
				label = termText(p.Key) + " (" + label + ")"
			case p.Name != "":
				label = termText(p.Name) + " (" + label + ")"
			}
			ps = append(ps, label)
		}
		reach := "projects " + strings.Join(ps, ", ")
		if k.AllProjects {
			reach = "every project (" + strings.Join(ps, ", ") + ")"
		}
		line(2, fmt.Sprintf("%s (%s): %s on %s", name, from, scopes, reach))
	}
}

// indentHanging indents the first line of s with first, the others with
// rest.
func indentHanging(s, first, rest string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = first + lines[i]
		} else {
			lines[i] = rest + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
