package draft

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"go.yaml.in/yaml/v3"
)

// drafted is a matrix before it is written: every choice made, every
// comment attached.
type drafted struct {
	snap       *snapshot.Snapshot
	org        []setting
	keys       []setting
	projects   []dProject
	groups     []*dGroup
	exceptions []dException
}

// setting is one key: value line with the comments above it and beside it.
type setting struct {
	key, value string
	above      []string
	beside     string
}

type dProject struct {
	key       string
	id        int64
	name      string
	protected bool
	above     []string
	beside    string
}

// dGroup is a group and its access_matrix entries.
type dGroup struct {
	key      string
	above    []string
	role     string   // groups: role:
	members  []string // groups: members:
	keys     []string // groups: keys:
	orgLevel string
	entries  []dEntry
}

type dEntry struct {
	project   string // project key
	role      string // "" leaves role: out
	resources []kv
	scopes    []string
	beside    string
}

type kv struct{ k, v string }

type dException struct {
	rule, subject, reason, expires string
	above                          []string
}

// member is a member of the snapshot with what the draft needs of it.
type member struct {
	id, email string
	level     int
	roles     []string // role ids, sorted
}

// keyNamer hands out unique matrix keys.
type keyNamer map[string]bool

// name returns a valid matrix key made from s (prefix when s gives
// nothing usable, prefix_KEY when the key alone would be a plain YAML
// scalar that is not a string), unique among the names this namer gave.
func (n keyNamer) name(s, prefix string) string {
	base := matrix.KeyFor(s)
	if len(base) > 56 {
		base = strings.TrimRight(base[:56], "_")
	}
	switch {
	case base == "":
		base = prefix
	case yamlSpecial(base):
		base = prefix + "_" + base
	}
	key := base
	for i := 2; n[key]; i++ {
		key = base + "_" + strconv.Itoa(i)
	}
	n[key] = true
	return key
}

// yamlSpecial reports whether key, written plain, is not read as the
// string it is: YAML 1.2's null, booleans and numbers (what the matrix
// parser resolves), and YAML 1.1's booleans (y, yes, on, off, ...) that
// other tools reading the file still resolve.
func yamlSpecial(key string) bool {
	switch key {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~":
		return true
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(key), &n); err != nil || len(n.Content) != 1 {
		return true
	}
	return n.Content[0].Kind != yaml.ScalarNode || n.Content[0].ShortTag() != "!!str"
}

func plan(snap *snapshot.Snapshot, table *access.Table) (*drafted, error) {
	d := &drafted{snap: snap}
	now := snap.CollectedAt

	// members, by email
	rolesOf := map[string][]string{}
	for _, r := range snap.Roles {
		for _, rm := range r.Members {
			if rm.MembershipID != "" {
				rolesOf[rm.MembershipID] = append(rolesOf[rm.MembershipID], r.ID)
			}
		}
	}
	var members []member
	byID := map[string]*member{}
	byUserID := map[int64]*member{}
	for _, m := range snap.Members {
		roles := slices.Clone(rolesOf[m.ID])
		slices.Sort(roles)
		members = append(members, member{id: m.ID, email: strings.ToLower(m.User.Email), level: m.Level, roles: slices.Compact(roles)})
	}
	slices.SortFunc(members, func(a, b member) int { return cmp.Or(cmp.Compare(a.email, b.email), cmp.Compare(a.id, b.id)) })
	for i := range members {
		byID[members[i].id] = &members[i]
	}
	for _, m := range snap.Members {
		byUserID[m.User.ID] = byID[m.ID]
	}

	// projects, by id
	projKeys := keyNamer{}
	keyOf := map[int64]string{}
	res := map[int64][]string{}
	consulted, notConsulted := false, false
	for _, tp := range table.Projects {
		for _, g := range tp.Members {
			switch g.Path.Via {
			case access.ViaOrgAdmin:
			case access.ViaNoAccessControl:
				notConsulted = true
			default:
				consulted = true
			}
		}
	}
	for i := range snap.Projects {
		p := &snap.Projects[i]
		key := projKeys.name(p.Name, "project")
		keyOf[p.ID] = key
		res[p.ID] = ruleResources(p)
		dp := dProject{key: key, id: p.ID, name: p.Name, beside: fmt.Sprintf("%q", p.Name)}
		tp := table.Projects[p.ID]
		legacy := false
		for _, g := range tp.Members {
			if g.Path.Via == access.ViaExplicitMember || g.Path.Via == access.ViaNotExplicitMember {
				legacy = true
			}
		}
		everyone, hasEveryone := everyoneLevel(p)
		switch {
		case legacy:
			dp.protected = true
			dp.above = append(dp.above, fmt.Sprintf("project %s is a legacy private project: only its explicit members and organization admins get in", oneLine(p.Name)))
		case notConsulted || (!consulted && !notConsulted):
			if notConsulted {
				dp.above = append(dp.above, fmt.Sprintf("DECIDE: project %s is open to every member: the organization's plan has no access control PostHog checks here, so every member gets admin", oneLine(p.Name)))
			} else {
				dp.above = append(dp.above, fmt.Sprintf("DECIDE: every member is an organization admin, so whether PostHog enforces project %s's rules cannot be told; protected: true only once it does", oneLine(p.Name)))
			}
		case !hasEveryone:
			dp.above = append(dp.above, fmt.Sprintf("DECIDE: project %s is open to every member: it has no default rule, so PostHog gives every member admin", oneLine(p.Name)))
		case everyone == access.LevelNone:
			dp.protected = true
			dp.above = append(dp.above, fmt.Sprintf("project %s's default access is none today: only members a rule names get in", oneLine(p.Name)))
		default:
			dp.above = append(dp.above, fmt.Sprintf("DECIDE: project %s is open to every member: its default rule gives everyone %s", oneLine(p.Name), everyone))
		}
		if unknown := unknownResources(p); len(unknown) > 0 {
			dp.above = append(dp.above, fmt.Sprintf("DECIDE: project %s has rules on resources hogaudit does not know (%s): the matrix cannot state or limit their levels until it does",
				oneLine(p.Name), strings.Join(unknown, ", ")))
		}
		d.projects = append(d.projects, dp)
	}

	grant := func(pid int64, mid string) access.Grant { return table.Projects[pid].Members[mid] }
	resGrant := func(pid int64, r, mid string) access.Grant { return table.Projects[pid].Resources[r][mid] }

	groupKeys := keyNamer{}
	inGroup := map[string]bool{}

	// role groups
	roles := slices.Clone(snap.Roles)
	slices.SortFunc(roles, func(a, b snapshot.Role) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	type roleLevels struct {
		proj map[int64]int
		res  map[int64]map[string]int
	}
	levelsOf := map[string]*roleLevels{}
	for _, r := range roles {
		g := &dGroup{key: groupKeys.name(r.Name, "role")}
		// never nil: a group bound by members with none is members: [],
		// not a group bound by its name
		emails := []string{}
		for _, rm := range r.Members {
			if m := byID[rm.MembershipID]; m != nil && !slices.Contains(emails, m.email) {
				emails = append(emails, m.email)
			}
		}
		slices.Sort(emails)
		same := 0
		for _, o := range snap.Roles {
			if matrix.SameName(o.Name, r.Name) {
				same++
			}
		}
		if same == 1 && strings.TrimSpace(strings.NewReplacer("_", "", "-", "").Replace(r.Name)) != "" {
			g.role = r.Name
			g.above = append(g.above, fmt.Sprintf("PostHog role %s (%s)", oneLine(r.Name), plural(len(emails), "member")))
		} else {
			g.members = emails
			g.above = append(g.above, fmt.Sprintf("PostHog role %s (id %s), bound by its members: %d roles share its name, so role: cannot name it", oneLine(r.Name), r.ID, same))
		}
		if r.IsDefault {
			g.above = append(g.above, "DECIDE: this is the organization's default role: every new member gets it")
		}
		if len(emails) == 0 {
			g.above = append(g.above, "the role has no members today, so nothing it grants is allowed here")
		}
		lv := &roleLevels{proj: map[int64]int{}, res: map[int64]map[string]int{}}
		levelsOf[r.ID] = lv
		for _, p := range snap.Projects {
			top := 0
			for _, rm := range r.Members {
				m := byID[rm.MembershipID]
				if m == nil {
					continue
				}
				if gr := grant(p.ID, m.id); explainedBy(gr, r.ID) {
					top = max(top, projRank[gr.Level])
				}
			}
			if top == 0 {
				continue
			}
			lv.proj[p.ID] = top
			lv.res[p.ID] = map[string]int{}
			e := dEntry{project: keyOf[p.ID], role: projName[top]}
			for _, rs := range res[p.ID] {
				lr := 0
				for _, rm := range r.Members {
					m := byID[rm.MembershipID]
					if m == nil || projRank[grant(p.ID, m.id).Level] == 0 {
						continue
					}
					if gr := resGrant(p.ID, rs, m.id); explainedBy(gr, r.ID) {
						lr = max(lr, resRank[gr.Level])
					}
				}
				lv.res[p.ID][rs] = lr
				e.resources = append(e.resources, kv{rs, resName[lr]})
			}
			g.entries = append(g.entries, e)
		}
		for _, em := range emails {
			inGroup[em] = true
		}
		d.groups = append(d.groups, g)
	}

	// organization owners and admins
	var owners, admins []string
	for _, m := range members {
		switch {
		case m.level >= posthog.LevelOwner:
			owners = append(owners, m.email)
		case m.level >= posthog.LevelAdmin:
			admins = append(admins, m.email)
		}
	}
	orgGroup := func(name, level string, emails []string) {
		if len(emails) == 0 {
			return
		}
		g := &dGroup{key: groupKeys.name(name, "org"), members: emails, orgLevel: level}
		g.above = append(g.above,
			fmt.Sprintf("DECIDE: %s today: is that what you want?", plural(len(emails), "organization "+level)),
			"organization admins and owners get admin on every project whatever its rules (PostHog), which the entries below state")
		for _, p := range snap.Projects {
			g.entries = append(g.entries, dEntry{project: keyOf[p.ID], role: access.LevelAdmin})
		}
		for _, em := range emails {
			inGroup[em] = true
		}
		d.groups = append(d.groups, g)
	}
	orgGroup("organization_owners", matrix.LevelOwner, owners)
	orgGroup("organization_admins", matrix.LevelAdmin, admins)

	// members no role explains
	for _, m := range members {
		if m.level >= posthog.LevelAdmin {
			continue
		}
		var entries []dEntry
		for _, p := range snap.Projects {
			gr := grant(p.ID, m.id)
			level := projRank[gr.Level]
			if level == 0 {
				continue
			}
			allowed := 0
			for _, rid := range m.roles {
				if lv := levelsOf[rid]; lv != nil {
					allowed = max(allowed, lv.proj[p.ID])
				}
			}
			var why []string
			if allowed < level {
				why = append(why, describePath(gr, snap))
			} else {
				for _, rs := range res[p.ID] {
					allowedR := -1
					for _, rid := range m.roles {
						if lv := levelsOf[rid]; lv != nil && lv.proj[p.ID] > 0 {
							allowedR = max(allowedR, lv.res[p.ID][rs])
						}
					}
					if rg := resGrant(p.ID, rs, m.id); allowedR < resRank[rg.Level] {
						why = append(why, rs+" "+rg.Level+": "+describePath(rg, snap))
					}
				}
			}
			if len(why) == 0 {
				continue
			}
			e := dEntry{project: keyOf[p.ID], role: gr.Level, beside: strings.Join(why, "; ")}
			for _, rs := range res[p.ID] {
				e.resources = append(e.resources, kv{rs, resGrant(p.ID, rs, m.id).Level})
			}
			entries = append(entries, e)
		}
		if len(m.roles) > 0 && len(entries) == 0 {
			continue
		}
		g := &dGroup{key: groupKeys.name(m.email, "member"), members: []string{m.email}, entries: entries}
		g.above = append(g.above, "DECIDE: no role explains this member's access")
		if len(m.roles) == 0 {
			g.above = append(g.above, fmt.Sprintf("%s holds no PostHog role", m.email))
		}
		if len(entries) == 0 {
			g.above = append(g.above, "it has no access to any project today")
		}
		inGroup[m.email] = true
		d.groups = append(d.groups, g)
	}

	d.serviceAccounts(now, keyOf, byUserID, groupKeys, grant, resGrant, res)
	d.invites(keyOf, groupKeys)
	d.orgSettings(members)
	d.keySettings(now, keyOf)
	d.scannerExceptions()
	for _, m := range members {
		if !inGroup[m.email] {
			return nil, fmt.Errorf("draft: member %s ended up in no group (a bug in the draft)", m.email)
		}
	}
	if err := d.patterns(members); err != nil {
		return nil, err
	}
	slices.SortFunc(d.exceptions, func(a, b dException) int {
		return cmp.Or(cmp.Compare(a.rule, b.rule), cmp.Compare(a.subject, b.subject))
	})
	return d, nil
}

// patterns returns a *PatternError for the first string the draft would
// write as a pattern that holds a glob character: a members: item or an
// exception subject.
func (d *drafted) patterns(members []member) error {
	isMember := map[string]bool{}
	for _, m := range members {
		isMember[m.email] = true
	}
	for _, g := range d.groups {
		for _, em := range g.members {
			if !strings.ContainsAny(em, globChars) {
				continue
			}
			kind := "invite"
			if isMember[em] {
				kind = "member"
			}
			return &PatternError{Kind: kind, Name: em, Where: "the members: of group " + g.key}
		}
	}
	for _, x := range d.exceptions {
		if !strings.ContainsAny(x.subject, globChars) {
			continue
		}
		kind, name := "subject", x.subject
		if _, scope, ok := strings.Cut(x.subject, scopeSubjectInfix); ok {
			kind, name = "scope", scope
		}
		for _, pre := range []struct{ prefix, kind string }{{"invite:", "invite"}, {"key:", "key"}} {
			if rest, ok := strings.CutPrefix(x.subject, pre.prefix); ok {
				kind, name = pre.kind, rest
			}
		}
		return &PatternError{Kind: kind, Name: name, Where: "the subject of a " + x.rule + " exception"}
	}
	return nil
}

// everyoneLevel is the highest level of project p's rules for every member
// (resource project, naming neither a member nor a role), and whether it
// has one.
func everyoneLevel(p *snapshot.Project) (string, bool) {
	if p.AccessControls == nil {
		return "", false
	}
	top := -1
	for _, rule := range p.AccessControls.AccessControls {
		if rule.Resource != "project" || !blank(rule.OrganizationMember) || !blank(rule.Role) {
			continue
		}
		if r, ok := projRank[rule.AccessLevel]; ok {
			top = max(top, r)
		}
	}
	if top < 0 {
		return "", false
	}
	return projName[top], true
}

func blank(s *string) bool { return s == nil || *s == "" }

// describePath says in a few words how a member got its project level.
func describePath(g access.Grant, snap *snapshot.Snapshot) string {
	switch g.Path.Via {
	case access.ViaMemberRule:
		return "a rule names this member"
	case access.ViaRoleRule:
		var names []string
		for _, id := range g.Path.Roles {
			for _, r := range snap.Roles {
				if r.ID == id {
					names = append(names, oneLine(r.Name))
				}
			}
		}
		return "via role rule " + strings.Join(names, ", ")
	case access.ViaEveryoneRule:
		return "the project's rule for every member"
	case access.ViaDefault:
		return "no rule: PostHog's default"
	case access.ViaNoAccessControl:
		return "no access control on this plan"
	case access.ViaExplicitMember:
		return "explicit member of a legacy private project"
	}
	return ""
}

// keySubject is the subject the key rules give key k (keys.subject in the
// Rego library): key:LABEL, or key:LABEL#ID when another key of the same
// source carries the label; a key without a label is named by its id.
func keySubject(snap *snapshot.Snapshot, k *snapshot.APIKey) string {
	label := k.Label
	if label == "" {
		label = k.ID
	}
	n := 0
	for i := range snap.APIKeys {
		o := &snap.APIKeys[i]
		ol := o.Label
		if ol == "" {
			ol = o.ID
		}
		if o.Source == k.Source && ol == label {
			n++
		}
	}
	if n == 1 {
		return "key:" + label
	}
	return "key:" + label + "#" + k.ID
}

func (d *drafted) except(rule, subject, reason string, above ...string) {
	exp := d.snap.CollectedAt.UTC().AddDate(0, 0, ExceptionDays).Format(time.DateOnly)
	d.exceptions = append(d.exceptions, dException{rule: rule, subject: subject, reason: reason, expires: exp, above: above})
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// oneLine makes s safe inside a one-line comment.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == 0x2028 || r == 0x2029 || r == 0x85 {
			return ' '
		}
		return r
	}, s)
}
