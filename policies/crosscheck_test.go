package policies

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The cross-check: the simulator resolves access with its own Go walk of
// PostHog's code (snapshot/posthogsim/access.go), the Rego library with sets
// (builtin/lib/access.rego). Both run on the same randomized organizations —
// the Rego library on the snapshot hogaudit collects from the simulator
// through the real client — and must agree on every member × project level
// and member × project × resource level, through both of the library's paths
// (one member at a time, and per profile as access.project_excess and
// access.resource_excess use it).

var (
	crosscheckOrgs = flag.Int("crosscheck-orgs", 500, "randomized organizations TestCrossCheckAccessResolution generates")
	crosscheckSeed = flag.Uint64("crosscheck-seed", 20261201, "seed of TestCrossCheckAccessResolution")
)

// crosscheckResources are the resources compared: plain ones, one that
// inherits its rules from a parent, and the viewer-capped ones.
var crosscheckResources = []string{"feature_flag", "insight", "session_recording", "session_recording_playlist", "activity_log", "toolbar"}

// crosscheckModule is a test-only query over the library, never compiled
// into the engine's checks.
const crosscheckModule = `package hogaudit.crosscheck

import data.hogaudit.lib.access

resources := ["feature_flag", "insight", "session_recording", "session_recording_playlist", "activity_log", "toolbar"]

unknown contains pid if {
	some pid, _ in access.projects_by_id
	not access.project_rules_known(pid)
}

project[pid][mid] := e.rank if {
	some pid, _ in access.projects_by_id
	access.project_rules_known(pid)
	some mid, _ in input.index.members
	e := access.effective_project(pid, mid)
}

profile_project[pid][mid] := e.rank if {
	some pid, _ in access.projects_by_id
	access.project_rules_known(pid)
	individuals := access._project_individuals(pid)
	some mid, _ in input.index.members
	not mid in individuals
	e := access._profile_project(pid, access.member_profile[mid])
}

resource[key] := e.rank if {
	some pid, _ in access.projects_by_id
	access.resource_rules_known(pid)
	some mid, _ in input.index.members
	some r in resources
	e := access.effective_resource(pid, mid, r)
	key := concat("/", [pid, mid, r])
}

profile_resource[key] := e.rank if {
	some pid, _ in access.projects_by_id
	access.resource_rules_known(pid)
	some r in resources
	individuals := access._resource_individuals(pid, r)
	some mid, _ in input.index.members
	not mid in individuals
	e := access._profile_resource(pid, access.member_profile[mid], r)
	key := concat("/", [pid, mid, r])
}

table := {
	"unknown": unknown,
	"project": project,
	"profile_project": profile_project,
	"resource": resource,
	"profile_resource": profile_resource,
}
`

var crosscheckNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

const crosscheckToken = "phx_crosscheckScannerKey0000000000000000000000"

func TestCrossCheckAccessResolution(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, err := loadSources(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := ast.ParseModuleWithOpts("crosscheck.rego", crosscheckModule, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	src.modules["crosscheck.rego"] = mod
	c, err := compile(src)
	if err != nil {
		t.Fatal(err)
	}
	q, err := rego.New(rego.Compiler(c), rego.Query("data.hogaudit.crosscheck.table")).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mx, err := matrix.Parse("crosscheck.yaml", []byte("version: 1\n"))
	if err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(*crosscheckSeed, 7))
	stats := crosscheckStats{shapes: map[string]int{}}
	for i := range *crosscheckOrgs {
		g := generateOrg(rng, i)
		stats.shapes[g.shape()]++
		sim := posthogsim.New(g.org, posthogsim.WithDeployment(g.deployment), posthogsim.WithPageSize(1000))
		if g.explicitMembersFail {
			sim.Inject(posthogsim.Fault{Path: "/explicit_members/", Times: 1 << 20, Kind: posthogsim.Fault500})
		}
		snap := collectInMemory(t, sim)
		in, err := BuildInput(snap, mx.Bind(Inventory(snap), crosscheckNow), crosscheckNow)
		if err != nil {
			t.Fatal(err)
		}
		value, err := toValue(in)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := q.Eval(ctx, rego.EvalParsedInput(value))
		if err != nil || len(rs) != 1 {
			t.Fatalf("org %d: evaluate the library: %v (%d results)", i, err, len(rs))
		}
		table := rs[0].Expressions[0].Value.(map[string]any)
		if msg := compareOrg(sim, snap, g, table, &stats); msg != "" {
			t.Fatalf("org %d (seed %d) disagrees: %s\norganization: %s", i, *crosscheckSeed, msg, g.describe())
		}
	}
	t.Logf("%d organizations: %d member×project and %d member×project×resource levels agree (%d legacy private, %d most-specific orgs, %d unknown projects)",
		*crosscheckOrgs, stats.projects, stats.resources, stats.legacyPrivate, stats.mostSpecific, stats.unknown)
	// The generator must reach every shape it claims to: among them every
	// deployment with every combination of access-control keys (the newest
	// with advanced_permissions alone, 2025 with access_control alone, …).
	if *crosscheckOrgs >= 500 {
		if stats.legacyPrivate == 0 || stats.mostSpecific == 0 || stats.unknown == 0 || stats.denials == 0 {
			t.Errorf("the generator missed a shape: %+v", stats)
		}
		for _, dep := range []posthogsim.Deployment{posthogsim.Newest, posthogsim.Deployment2025} {
			for keys := range 1 << len(accessControlKeys) {
				o := &posthogsim.Org{}
				for b, k := range accessControlKeys {
					if keys&(1<<b) != 0 {
						o.Features = append(o.Features, k)
					}
				}
				if shape := (generated{org: o, deployment: dep}).shape(); stats.shapes[shape] == 0 {
					t.Errorf("no organization of shape %q among %v", shape, stats.shapes)
				}
			}
		}
	}
}

type crosscheckStats struct {
	projects, resources, legacyPrivate, mostSpecific, unknown, denials int
	// shapes counts the organizations per deployment and access-control keys.
	shapes map[string]int
}

var projectRank = map[string]int{"none": 0, "member": 1, "admin": 2}

var resourceRank = map[string]int{"none": 0, "viewer": 1, "editor": 2, "manager": 3}

// compareOrg returns the first disagreement between the simulator and the
// library's table, or "".
func compareOrg(sim *posthogsim.Server, snap *snapshot.Snapshot, g generated, table map[string]any, stats *crosscheckStats) string {
	unknown := map[string]bool{}
	for _, pid := range table["unknown"].([]any) {
		unknown[pid.(string)] = true
	}
	levels := func(name string) map[string]any {
		m, _ := table[name].(map[string]any)
		return m
	}
	if g.mostSpecific() {
		stats.mostSpecific++
	}
	for _, p := range g.org.Projects {
		pid := strconv.FormatInt(p.ID, 10)
		if g.legacyPrivate(p) {
			stats.legacyPrivate++
		}
		if unknown[pid] {
			// Only a legacy private project whose explicit members the
			// deployment did not serve may be unknown, and the snapshot must
			// say so as missing evidence.
			stats.unknown++
			if !g.legacyPrivate(p) || !missingEvidence(snap, p.ID) {
				return fmt.Sprintf("project %s is unknown to the library without missing explicit_members evidence", pid)
			}
			continue
		}
		if g.legacyPrivate(p) && g.explicitMembersFail {
			return fmt.Sprintf("project %s: a legacy private project was judged without its explicit members", pid)
		}
		byMember, _ := levels("project")[pid].(map[string]any)
		byProfile, _ := levels("profile_project")[pid].(map[string]any)
		for _, m := range g.org.Members {
			want, ok := sim.ResolveProject(m.ID, p.ID)
			if !ok {
				return "the simulator does not know member " + m.ID
			}
			if want.Level == "none" {
				stats.denials++
			}
			got, ok := rank(byMember[m.ID])
			if !ok || got != projectRank[want.Level] {
				return fmt.Sprintf("member %s (level %d) on project %s: simulator %s (%s), library rank %v", m.ID, m.Level, pid, want.Level, want.Source, byMember[m.ID])
			}
			if v, in := byProfile[m.ID]; in {
				if got, ok := rank(v); !ok || got != projectRank[want.Level] {
					return fmt.Sprintf("member %s on project %s: simulator %s, library's profile path rank %v", m.ID, pid, want.Level, v)
				}
			}
			stats.projects++
			for _, r := range crosscheckResources {
				wantR, _ := sim.ResolveResource(m.ID, p.ID, r)
				key := pid + "/" + m.ID + "/" + r
				got, ok := rank(levels("resource")[key])
				if !ok || got != resourceRank[wantR.Level] {
					return fmt.Sprintf("member %s on %s in project %s: simulator %s (%s), library rank %v", m.ID, r, pid, wantR.Level, wantR.Source, levels("resource")[key])
				}
				if v, in := levels("profile_resource")[key]; in {
					if got, ok := rank(v); !ok || got != resourceRank[wantR.Level] {
						return fmt.Sprintf("member %s on %s in project %s: simulator %s, library's profile path rank %v", m.ID, r, pid, wantR.Level, v)
					}
				}
				stats.resources++
			}
		}
	}
	return ""
}

// rank reads a rank the test-only query returned (the engine's toInt).
func rank(v any) (int, bool) { return toInt(v) }

func missingEvidence(s *snapshot.Snapshot, projectID int64) bool {
	for _, m := range s.Missing {
		if m.Section == snapshot.SectionExplicitMembers && (m.ProjectID == nil || *m.ProjectID == projectID) && !m.NotApplicable {
			return true
		}
	}
	return false
}

func collectInMemory(t *testing.T, sim *posthogsim.Server) *snapshot.Snapshot {
	t.Helper()
	hc, base, closeFn := sim.InMemory()
	defer closeFn()
	// One attempt: an injected 500 is missing evidence at once.
	c, err := posthog.New(base, crosscheckToken, posthog.WithHTTPClient(hc), posthog.WithBudget(posthog.NewBudget(8, 0)),
		posthog.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return crosscheckNow }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// generated is a randomized organization and the deployment serving it.
type generated struct {
	org        *posthogsim.Org
	deployment posthogsim.Deployment
	// explicitMembersFail makes every explicit_members request fail (500).
	explicitMembersFail bool
}

func (g generated) mostSpecific() bool {
	return g.deployment == posthogsim.Newest && g.org.UsesMostSpecificAccessResolution != nil && *g.org.UsesMostSpecificAccessResolution
}

// legacyPrivate is true for a project PostHog keeps to its explicit members:
// the legacy flag under 2024's project_based_permissioning without 2025's
// advanced_permissions, on the deployment that still has the flag.
func (g generated) legacyPrivate(p posthogsim.Project) bool {
	return g.deployment == posthogsim.Deployment2025 && p.AccessControl &&
		g.org.HasFeature("project_based_permissioning") && !g.org.HasFeature("advanced_permissions")
}

// describe is the organization's shape, for a disagreement's report.
func (g generated) describe() string {
	var b strings.Builder
	ms := "nil"
	if v := g.org.UsesMostSpecificAccessResolution; v != nil {
		ms = strconv.FormatBool(*v)
	}
	fmt.Fprintf(&b, "deployment %s, features %v, most specific %s\n", g.deployment, g.org.Features, ms)
	for _, m := range g.org.Members {
		var roles []string
		for _, r := range g.org.Roles {
			for _, rm := range r.Members {
				if rm.MemberID == m.ID {
					roles = append(roles, r.ID)
				}
			}
		}
		fmt.Fprintf(&b, "  member %s level %d roles %v\n", m.ID, m.Level, roles)
	}
	rule := func(r posthogsim.AccessRule) string {
		return fmt.Sprintf("{%s member=%q role=%q %q}", r.Resource, r.MemberID, r.RoleID, r.Level)
	}
	for _, p := range g.org.Projects {
		fmt.Fprintf(&b, "  project %d access_control=%v\n", p.ID, p.AccessControl)
		for _, r := range p.AccessControls {
			fmt.Fprintf(&b, "    project rule %s\n", rule(r))
		}
		for _, r := range p.ResourceAccessControls {
			fmt.Fprintf(&b, "    resource rule %s\n", rule(r))
		}
		for _, e := range p.ExplicitMembers {
			fmt.Fprintf(&b, "    explicit member %s level %d\n", e.MemberID, e.Level)
		}
	}
	return b.String()
}

// generateOrg makes the i-th randomized organization: members at levels
// 1/8/15 (the first, an owner, holds the scanning key), roles and their
// members, projects with random project and resource rules (none included),
// the legacy private flag and explicit members, any combination of the
// access-control keys, role_based_access, a most-specific setting and
// either deployment (whose explicit members now and then fail to load).
func generateOrg(rng *rand.Rand, i int) generated {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	chance := func(p float64) bool { return rng.Float64() < p }
	id := func(kind, n int) string { return fmt.Sprintf("0190cc%02d-%04d-7000-8000-%012d", kind, i%10000, n) }

	o := &posthogsim.Org{
		ID: id(1, 0), Name: fmt.Sprintf("Crosscheck %d", i), Slug: fmt.Sprintf("crosscheck-%d", i),
		CreatedAt: crosscheckNow.AddDate(-1, 0, 0), MembersCanUsePersonalAPIKeys: true,
	}
	// Any subset of the three access-control keys, on either deployment:
	// each deployment checks its own keys only, so the newest with only
	// advanced_permissions and 2025 with only access_control enforce nothing.
	keys := rng.IntN(1 << len(accessControlKeys))
	for b, k := range accessControlKeys {
		if keys&(1<<b) != 0 {
			o.Features = append(o.Features, k)
		}
	}
	if chance(0.6) {
		o.Features = append(o.Features, "role_based_access")
	}
	o.Features = append(o.Features, "audit_logs")
	switch rng.IntN(5) {
	case 0, 1:
		yes := true
		o.UsesMostSpecificAccessResolution = &yes
	case 2:
		no := false
		o.UsesMostSpecificAccessResolution = &no
	}

	nMembers := 2 + rng.IntN(6)
	for n := range nMembers {
		level := []int{posthogsim.LevelMember, posthogsim.LevelMember, posthogsim.LevelMember, posthogsim.LevelAdmin, posthogsim.LevelOwner}[rng.IntN(5)]
		if n == 0 {
			level = posthogsim.LevelOwner
		}
		uid := int64(1000*i + n + 1)
		o.Members = append(o.Members, posthogsim.Member{
			ID:       id(2, n),
			User:     posthogsim.User{ID: uid, UUID: id(3, n), Email: fmt.Sprintf("m%d@crosscheck.example", n)},
			Level:    level,
			JoinedAt: crosscheckNow.AddDate(0, -6, 0),
		})
	}
	nRoles := rng.IntN(4)
	for r := range nRoles {
		role := posthogsim.Role{ID: id(4, r), Name: fmt.Sprintf("Role %d", r), CreatedAt: crosscheckNow.AddDate(0, -3, 0)}
		for n, m := range o.Members {
			if chance(0.4) {
				role.Members = append(role.Members, posthogsim.RoleMember{ID: id(5, 100*r+n), MemberID: m.ID, JoinedAt: m.JoinedAt})
			}
		}
		o.Roles = append(o.Roles, role)
	}
	someRole := func() string {
		if len(o.Roles) == 0 {
			return "0190cc04-ffff-7000-8000-000000000000" // a role of no one
		}
		return o.Roles[rng.IntN(len(o.Roles))].ID
	}
	someMember := func() string {
		if chance(0.08) {
			return "0190cc02-ffff-7000-8000-000000000000" // a departed member
		}
		return o.Members[rng.IntN(len(o.Members))].ID
	}
	level := func(resource string) string {
		if chance(0.03) {
			return "" // served as null: no rule
		}
		switch resource {
		case "project":
			return pick("none", "member", "admin")
		case "activity_log", "toolbar":
			return pick("none", "viewer")
		}
		return pick("none", "viewer", "editor", "manager")
	}
	subjectRules := func(resource string, pEveryone, pMember, pRole float64) []posthogsim.AccessRule {
		var out []posthogsim.AccessRule
		if chance(pEveryone) {
			out = append(out, posthogsim.AccessRule{Level: level(resource)})
		}
		for range rng.IntN(1 + len(o.Members)) {
			if chance(pMember) {
				out = append(out, posthogsim.AccessRule{MemberID: someMember(), Level: level(resource)})
			}
		}
		for range 1 + len(o.Roles) {
			if chance(pRole) {
				out = append(out, posthogsim.AccessRule{RoleID: someRole(), Level: level(resource)})
			}
		}
		if chance(0.05) {
			out = append(out, posthogsim.AccessRule{MemberID: someMember(), RoleID: someRole(), Level: level(resource)})
		}
		rng.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
		return out
	}

	nProjects := 1 + rng.IntN(3)
	for n := range nProjects {
		p := posthogsim.Project{
			ID: int64(5000 + n), UUID: id(6, n), Name: fmt.Sprintf("Project %d", n),
			CreatedAt: crosscheckNow.AddDate(0, -9, 0), Timezone: "UTC",
			APIToken:      fmt.Sprintf("phc_crosscheck%d%04d", i, n),
			AccessControl: chance(0.4),
		}
		p.AccessControls = subjectRules("project", 0.6, 0.35, 0.4)
		for _, r := range []string{"feature_flag", "insight", "session_recording", "session_recording_playlist", "activity_log", "toolbar"} {
			for _, rule := range subjectRules(r, 0.4, 0.2, 0.3) {
				rule.Resource = r
				p.ResourceAccessControls = append(p.ResourceAccessControls, rule)
			}
		}
		if p.AccessControl {
			for k, m := range o.Members {
				if chance(0.4) {
					p.ExplicitMembers = append(p.ExplicitMembers, posthogsim.ExplicitMember{
						ID: id(7, 100*n+k), MemberID: m.ID,
						Level: []int{posthogsim.LevelMember, posthogsim.LevelAdmin}[rng.IntN(2)], JoinedAt: m.JoinedAt,
					})
				}
			}
		}
		o.Projects = append(o.Projects, p)
	}
	o.Keys = []posthogsim.APIKey{{
		ID: id(8, 0), Label: "crosscheck", Token: crosscheckToken, UserID: o.Members[0].User.ID,
		Scopes: posthogsim.MinimalScopes(), CreatedAt: crosscheckNow.AddDate(0, -1, 0),
	}}

	g := generated{org: o, deployment: posthogsim.Newest}
	if chance(0.5) {
		g.deployment = posthogsim.Deployment2025
	}
	// Now and then the explicit members of a 2024-style organization fail
	// to load: its legacy private projects are unknown to the library.
	if g.deployment == posthogsim.Deployment2025 && o.HasFeature("project_based_permissioning") &&
		!o.HasFeature("advanced_permissions") && chance(0.25) {
		g.explicitMembersFail = true
	}
	return g
}

// accessControlKeys are the access-control feature keys of every vintage.
var accessControlKeys = []string{"access_control", "advanced_permissions", "project_based_permissioning"}

// shape names an organization's deployment and access-control keys, for the
// generator's coverage.
func (g generated) shape() string {
	var keys []string
	for _, k := range accessControlKeys {
		if g.org.HasFeature(k) {
			keys = append(keys, k)
		}
	}
	return g.deployment.String() + ":" + strings.Join(keys, "+")
}
