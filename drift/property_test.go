package drift

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var acmeNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// collectAcme collects the simulated Acme organization on deployment d,
// with its audit keys.
func collectAcme(t *testing.T, d posthogsim.Deployment) *snapshot.Snapshot {
	t.Helper()
	sim := posthogsim.New(posthogsim.Acme(acmeNow), posthogsim.WithDeployment(d))
	hc, base, closeFn := sim.InMemory()
	defer closeFn()
	client := func(token string) *posthog.Client {
		c, err := posthog.New(base, token, posthog.WithHTTPClient(hc), posthog.WithBudget(posthog.NewBudget(8, 0)))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var audit []snapshot.AuditKey
	for env, token := range posthogsim.AcmeAuditKeys {
		audit = append(audit, snapshot.AuditKey{Env: env, Client: client(token)})
	}
	sort.Slice(audit, func(i, j int) bool { return audit[i].Env < audit[j].Env })
	s, err := snapshot.Collect(context.Background(), client(posthogsim.AcmeScannerToken), snapshot.Options{
		AuditKeys: audit, Now: func() time.Time { return acmeNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete() {
		t.Fatalf("acme snapshot incomplete: %v", s.MissingSections())
	}
	return s
}

// keyOf identifies a change for the property test: what changed, not how
// much or who did it.
func keyOf(ch Change) string {
	p := ""
	if ch.Project != nil {
		p = fmt.Sprint(ch.Project.ID)
	}
	return strings.Join([]string{ch.Kind, ch.Subject, p, ch.Resource, ch.Field, ch.Member}, "|")
}

func key(kind, subject string, project int64, resource, field, member string) string {
	p := ""
	if project != 0 {
		p = fmt.Sprint(project)
	}
	return strings.Join([]string{kind, subject, p, resource, field, member}, "|")
}

// injector makes random changes to b, a copy of a, each to something no
// earlier change touched, and records the changes Compare must list.
type injector struct {
	rng     *rand.Rand
	a, b    *snapshot.Snapshot
	touched map[string]bool
	n       int
	// want are the injected changes; derived the changes they imply
	// besides access (a removed role's memberships).
	want, derived []string
}

func (in *injector) fresh(keys ...string) bool {
	for _, k := range keys {
		if in.touched[k] {
			return false
		}
	}
	for _, k := range keys {
		in.touched[k] = true
	}
	return true
}

func pick[T any](rng *rand.Rand, xs []T) (int, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	return rng.IntN(len(xs)), true
}

func (in *injector) roleName(id string) string {
	for _, s := range []*snapshot.Snapshot{in.b, in.a} {
		for _, r := range s.Roles {
			if r.ID == id {
				return r.Name
			}
		}
	}
	return id
}

func (in *injector) email(mid string) string {
	for _, s := range []*snapshot.Snapshot{in.b, in.a} {
		for _, m := range s.Members {
			if m.ID == mid {
				return m.User.Email
			}
		}
	}
	return mid
}

func (in *injector) ruleSubject(r posthog.AccessControl) string {
	switch {
	case r.OrganizationMember != nil:
		return "member:" + in.email(*r.OrganizationMember)
	case r.Role != nil:
		return "role:" + in.roleName(*r.Role)
	}
	return "everyone"
}

// inject makes one random change; false when the one drawn found nothing
// untouched to change.
func (in *injector) inject() bool {
	b, rng := in.b, in.rng
	in.n++
	n := in.n
	switch rng.IntN(23) {
	case 0: // member level
		i, ok := pick(rng, b.Members)
		if !ok || !in.fresh("member:"+b.Members[i].ID) {
			return false
		}
		m := &b.Members[i]
		m.Level = map[int]int{1: 8, 8: 15, 15: 1}[m.Level]
		in.want = append(in.want, key(KindMemberLevel, "member:"+m.User.Email, 0, "", "level", ""))
	case 1: // member 2FA
		i, ok := pick(rng, b.Members)
		if !ok || !in.fresh("member:"+b.Members[i].ID) {
			return false
		}
		m := &b.Members[i]
		m.Is2FAEnabled = !m.Is2FAEnabled
		in.want = append(in.want, key(KindMember2FA, "member:"+m.User.Email, 0, "", "is_2fa_enabled", ""))
	case 2: // member joins
		email := fmt.Sprintf("new%d@example.com", n)
		b.Members = append(b.Members, posthog.Member{ID: fmt.Sprintf("m-new-%d", n),
			User: posthog.UserBasic{ID: int64(90000 + n), UUID: fmt.Sprintf("u-new-%d", n), Email: email}, Level: 1 + 7*rng.IntN(2), JoinedAt: b.CollectedAt})
		in.touched["member:"+fmt.Sprintf("m-new-%d", n)] = true
		in.want = append(in.want, key(KindMemberJoined, "member:"+email, 0, "", "", ""))
	case 3: // member leaves
		i, ok := pick(rng, b.Members)
		if !ok || !in.fresh("member:"+b.Members[i].ID) {
			return false
		}
		in.want = append(in.want, key(KindMemberLeft, "member:"+b.Members[i].User.Email, 0, "", "", ""))
		b.Members = slices.Delete(b.Members, i, i+1)
	case 4: // role added
		name := fmt.Sprintf("Injected %d", n)
		b.Roles = append(b.Roles, snapshot.Role{ID: fmt.Sprintf("r-new-%d", n), Name: name})
		in.touched[fmt.Sprintf("role:r-new-%d", n)] = true
		in.want = append(in.want, key(KindRoleAdded, "role:"+name, 0, "", "", ""))
	case 5: // role removed
		i, ok := pick(rng, b.Roles)
		if !ok || !in.fresh("role:"+b.Roles[i].ID) {
			return false
		}
		r := b.Roles[i]
		in.want = append(in.want, key(KindRoleRemoved, "role:"+r.Name, 0, "", "", ""))
		for _, m := range r.Members {
			in.derived = append(in.derived, key(KindRoleMemberRemoved, "role:"+r.Name, 0, "", "", m.Email))
		}
		b.Roles = slices.Delete(b.Roles, i, i+1)
	case 6: // role renamed
		i, ok := pick(rng, b.Roles)
		if !ok || !in.fresh("role:"+b.Roles[i].ID) {
			return false
		}
		r := &b.Roles[i]
		r.Name += " renamed"
		in.want = append(in.want, key(KindRoleRenamed, "role:"+r.Name, 0, "", "name", ""))
	case 7: // role member added
		i, ok := pick(rng, b.Roles)
		j, ok2 := pick(rng, b.Members)
		if !ok || !ok2 {
			return false
		}
		r, m := &b.Roles[i], b.Members[j]
		if slices.ContainsFunc(r.Members, func(x snapshot.RoleMember) bool { return x.UserUUID == m.User.UUID }) ||
			!in.fresh("role:"+r.ID, "member:"+m.ID) {
			return false
		}
		r.Members = append(r.Members, snapshot.RoleMember{ID: fmt.Sprintf("rm-new-%d", n), MembershipID: m.ID, UserUUID: m.User.UUID, Email: m.User.Email, JoinedAt: b.CollectedAt})
		in.want = append(in.want, key(KindRoleMemberAdded, "role:"+r.Name, 0, "", "", m.User.Email))
	case 8: // role member removed
		i, ok := pick(rng, b.Roles)
		if !ok {
			return false
		}
		r := &b.Roles[i]
		j, ok := pick(rng, r.Members)
		if !ok || !in.fresh("role:"+r.ID, "member:"+r.Members[j].MembershipID) {
			return false
		}
		in.want = append(in.want, key(KindRoleMemberRemoved, "role:"+r.Name, 0, "", "", r.Members[j].Email))
		r.Members = slices.Delete(r.Members, j, j+1)
	case 9, 10, 11: // a project rule added, removed or changed
		return in.rule(n)
	case 12, 13: // key scopes, key projects
		i, ok := pick(rng, b.APIKeys)
		if !ok || !in.fresh("key:"+b.APIKeys[i].ID) {
			return false
		}
		k := &b.APIKeys[i]
		if in.n%2 == 0 {
			k.Scopes = append(slices.Clone(k.Scopes), fmt.Sprintf("injected_%d:read", n))
			in.want = append(in.want, key(KindKeyScopes, "key:"+k.Label, 0, "", "scopes", ""))
			if slices.Contains(k.Scopes, "*") {
				return false // "*" absorbs it: no change to claim
			}
		} else {
			k.ScopedTeams = append(slices.Clone(k.ScopedTeams), int64(80000+n))
			in.want = append(in.want, key(KindKeyProjects, "key:"+k.Label, 0, "", "scoped_teams", ""))
		}
	case 14: // an organization setting
		fields := []string{"enforce_2fa", "members_can_invite", "allow_publicly_shared_resources"}
		f := fields[rng.IntN(len(fields))]
		if !in.fresh("org:" + f) {
			return false
		}
		o := b.Organization
		ptrs := map[string]**bool{"enforce_2fa": &o.Enforce2FA, "members_can_invite": &o.MembersCanInvite, "allow_publicly_shared_resources": &o.AllowPubliclySharedResources}
		v := *ptrs[f]
		nv := !(v != nil && *v)
		*ptrs[f] = &nv
		in.want = append(in.want, key(KindOrgSetting, "org:"+o.Name, 0, "", f, ""))
	case 15: // a domain setting
		i, ok := pick(rng, b.Domains)
		if !ok || !in.fresh("domain:"+b.Domains[i].Domain) {
			return false
		}
		d := &b.Domains[i]
		d.JITProvisioningEnabled = !d.JITProvisioningEnabled
		in.want = append(in.want, key(KindDomainSetting, "domain:"+d.Domain, 0, "", "jit_provisioning_enabled", ""))
	case 16: // a domain added
		name := fmt.Sprintf("injected%d.example", n)
		b.Domains = append(b.Domains, posthog.Domain{ID: fmt.Sprintf("dom-new-%d", n), Domain: name})
		in.touched["domain:"+name] = true
		in.want = append(in.want, key(KindDomainAdded, "domain:"+name, 0, "", "", ""))
	case 17: // a project renamed
		i, ok := pick(rng, b.Projects)
		if !ok || !in.fresh("project:"+fmt.Sprint(b.Projects[i].ID)) {
			return false
		}
		p := &b.Projects[i]
		p.Name += " renamed"
		in.want = append(in.want, key(KindProjectRenamed, "project:"+p.Name, p.ID, "", "name", ""))
	case 18: // a project added
		id := int64(70000 + n)
		b.Projects = append(b.Projects, snapshot.Project{ID: id, Name: fmt.Sprintf("Injected %d", n),
			AccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}}, ResourceAccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}}})
		in.touched[fmt.Sprintf("project:%d", id)], in.touched[fmt.Sprintf("rules:%d", id)] = true, true
		in.want = append(in.want, key(KindProjectAdded, fmt.Sprintf("project:Injected %d", n), id, "", "", ""))
	case 19: // an invite added
		email := fmt.Sprintf("invitee%d@example.com", n)
		b.Invites = append(b.Invites, posthog.Invite{ID: fmt.Sprintf("inv-new-%d", n), TargetEmail: email, Level: 1, CreatedAt: b.CollectedAt})
		in.touched[fmt.Sprintf("invite:inv-new-%d", n)] = true
		in.want = append(in.want, key(KindInviteAdded, "invite:"+email, 0, "", "", ""))
	case 21: // a project removed
		i, ok := pick(rng, b.Projects)
		if !ok || !in.fresh(fmt.Sprintf("project:%d", b.Projects[i].ID), fmt.Sprintf("rules:%d", b.Projects[i].ID)) {
			return false
		}
		in.want = append(in.want, key(KindProjectRemoved, "project:"+b.Projects[i].Name, b.Projects[i].ID, "", "", ""))
		b.Projects = slices.Delete(b.Projects, i, i+1)
	case 22: // a domain removed
		i, ok := pick(rng, b.Domains)
		if !ok || !in.fresh("domain:"+b.Domains[i].Domain) {
			return false
		}
		in.want = append(in.want, key(KindDomainRemoved, "domain:"+b.Domains[i].Domain, 0, "", "", ""))
		b.Domains = slices.Delete(b.Domains, i, i+1)
	case 20: // a pending invite removed
		i, ok := pick(rng, b.Invites)
		if !ok || b.Invites[i].IsExpired || !in.fresh("invite:"+b.Invites[i].ID) {
			return false
		}
		in.want = append(in.want, key(KindInviteRemoved, "invite:"+b.Invites[i].TargetEmail, 0, "", "", ""))
		b.Invites = slices.Delete(b.Invites, i, i+1)
	}
	return true
}

// rule adds, removes or changes one rule on a random project.
func (in *injector) rule(n int) bool {
	b, rng := in.b, in.rng
	i, ok := pick(rng, b.Projects)
	if !ok || b.Projects[i].AccessControls == nil {
		return false
	}
	p := &b.Projects[i]
	l := &p.AccessControls.AccessControls
	levels := []string{"none", "member", "admin"}
	switch rng.IntN(3) {
	case 0: // a member rule for a member without one
		j, ok := pick(rng, b.Members)
		if !ok {
			return false
		}
		m := b.Members[j]
		if slices.ContainsFunc(*l, func(r posthog.AccessControl) bool {
			return r.OrganizationMember != nil && *r.OrganizationMember == m.ID && r.Role == nil && deref(r.ResourceID) == fmt.Sprint(p.ID)
		}) || !in.fresh("member:"+m.ID, fmt.Sprintf("rules:%d", p.ID)) {
			return false
		}
		*l = append(*l, posthog.AccessControl{Resource: "project", ResourceID: ptr(fmt.Sprint(p.ID)), OrganizationMember: ptr(m.ID), AccessLevel: levels[rng.IntN(3)]})
		in.want = append(in.want, key(KindRuleAdded, "member:"+m.User.Email, p.ID, "project", "", ""))
	case 1, 2:
		j, ok := pick(rng, *l)
		if !ok {
			return false
		}
		r := (*l)[j]
		subjectKeys := []string{fmt.Sprintf("rules:%d", p.ID)}
		if r.OrganizationMember != nil {
			subjectKeys = append(subjectKeys, "member:"+*r.OrganizationMember)
		}
		if r.Role != nil {
			subjectKeys = append(subjectKeys, "role:"+*r.Role)
		}
		if r.Resource != "project" || !in.fresh(subjectKeys...) {
			return false
		}
		subject := in.ruleSubject(r)
		if rng.IntN(2) == 0 {
			*l = slices.Delete(*l, j, j+1)
			in.want = append(in.want, key(KindRuleRemoved, subject, p.ID, "project", "", ""))
		} else {
			next := levels[(slices.Index(levels, r.AccessLevel)+1)%3]
			(*l)[j].AccessLevel = next
			in.want = append(in.want, key(KindRuleChanged, subject, p.ID, "project", "", ""))
		}
	}
	return true
}

// accessDiff is the access changes between two tables on the projects
// both snapshots list, computed naively: what Compare must report.
func accessDiff(a, b *snapshot.Snapshot, ta, tb *access.Table) []string {
	email := func(mid string) string {
		for _, s := range []*snapshot.Snapshot{b, a} {
			for _, m := range s.Members {
				if m.ID == mid {
					return m.User.Email
				}
			}
		}
		return mid
	}
	var out []string
	diff := func(kind string, pid int64, res string, x, y map[string]access.Grant) {
		for mid := range union(x, y) {
			gx, okx := x[mid]
			gy, oky := y[mid]
			lx, ly := "none", "none"
			if okx {
				lx = gx.Level
			}
			if oky {
				ly = gy.Level
			}
			if lx != ly || (okx && oky && (gx.Path.Via != gy.Path.Via || !slices.Equal(gx.Path.Roles, gy.Path.Roles))) {
				out = append(out, key(kind, "member:"+email(mid), pid, res, "", ""))
			}
		}
	}
	inA := map[int64]bool{}
	for _, p := range a.Projects {
		inA[p.ID] = true
		pa, pb := ta.Projects[p.ID], tb.Projects[p.ID]
		if pb == nil {
			continue
		}
		diff(KindProjectAccess, p.ID, "", pa.Members, pb.Members)
		for res := range pa.Resources {
			diff(KindResourceAccess, p.ID, res, pa.Resources[res], pb.Resources[res])
		}
	}
	// A project only b lists: every member's access to it, from none.
	for _, p := range b.Projects {
		if pb := tb.Projects[p.ID]; !inA[p.ID] && pb != nil && pb.Known {
			diff(KindProjectAccess, p.ID, "", nil, pb.Members)
			for res := range pb.Resources {
				diff(KindResourceAccess, p.ID, res, nil, pb.Resources[res])
			}
		}
	}
	return out
}

// TestPropertyInjectedChanges: a snapshot compared with a later copy of
// itself has no changes and no gaps; with a copy carrying N random changes
// it lists each exactly once, and nothing else but the access changes the
// tables imply.
func TestPropertyInjectedChanges(t *testing.T) {
	for _, d := range []posthogsim.Deployment{posthogsim.Newest, posthogsim.Deployment2025} {
		a := collectAcme(t, d)
		t.Run(d.String(), func(t *testing.T) {
			same := later(t, a, a.CollectedAt.Add(time.Hour))
			r := compare(t, a, same)
			if len(r.Changes) != 0 || len(r.Gaps) != 0 {
				t.Fatalf("A vs A: changes %v, gaps %v", showAll(r.Changes), showGaps(r.Gaps))
			}
			seen := map[string]bool{}
			for seed := range 150 {
				rng := rand.New(rand.NewPCG(uint64(seed), uint64(d)))
				b := later(t, a, a.CollectedAt.Add(24*time.Hour))
				in := &injector{rng: rng, a: a, b: b, touched: map[string]bool{}}
				for tries, want := 0, 1+rng.IntN(8); len(in.want) < want && tries < 100; tries++ {
					before := len(in.want)
					if !in.inject() {
						in.want = in.want[:before]
					}
				}
				ta, tb := simpleTable(a), simpleTable(b)
				r, err := Compare(a, b, ta, tb, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Gaps) != 0 {
					t.Fatalf("seed %d: gaps %v", seed, showGaps(r.Gaps))
				}
				want := append(append(slices.Clone(in.want), in.derived...), accessDiff(a, b, ta, tb)...)
				got := []string{}
				for _, ch := range r.Changes {
					got = append(got, keyOf(ch))
				}
				slices.Sort(want)
				slices.Sort(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("seed %d: injected %v\nchanges (-want +got):\n%s", seed, in.want, diff)
				}
				for _, k := range in.want {
					seen[strings.Split(k, "|")[0]] = true
				}
				total := 0
				for _, g := range Groups {
					total += r.Counts[g]
				}
				if total != len(r.Changes) {
					t.Fatalf("seed %d: counts %v for %d changes", seed, r.Counts, len(r.Changes))
				}
			}
			// The generator reaches every kind it can inject.
			for _, k := range []string{KindMemberJoined, KindMemberLeft, KindMemberLevel, KindMember2FA,
				KindRoleAdded, KindRoleRemoved, KindRoleRenamed, KindRoleMemberAdded, KindRoleMemberRemoved,
				KindRuleAdded, KindRuleRemoved, KindRuleChanged, KindKeyScopes, KindKeyProjects,
				KindOrgSetting, KindDomainSetting, KindDomainAdded, KindDomainRemoved, KindProjectAdded, KindProjectRemoved, KindProjectRenamed,
				KindInviteAdded, KindInviteRemoved} {
				if !seen[k] {
					t.Errorf("no %s was injected", k)
				}
			}
		})
	}
}
