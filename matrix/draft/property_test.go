package draft_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/matrix/draft"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The property: `check` with the drafted matrix on the same snapshot finds
// nothing in the access and key areas (PH2xx, PH3xx) but what the draft
// excepts on purpose (PH210 for admin invites, PH306 for an overprivileged
// scanning key, PH302 for a key reaching no project of the organization,
// PH307 for a key's scope hogaudit does not know).
// Left to judge the organization as it is, and allowed to remain: PH1xx
// (SSO, 2FA: the settings are drafted as they are, so a member without 2FA
// under require_2fa stays a finding), PH4xx (the audit trail: past events
// are not the matrix's to excuse) and PH9xx (evidence and bindings).
//
// These tests need policies.Engine.Access (issue 11, part A): until it
// lands they fail at its placeholder error.

var engineOnce = sync.OnceValues(func() (*policies.Engine, error) {
	return policies.New(context.Background(), policies.Options{})
})

func engine(t *testing.T) *policies.Engine {
	t.Helper()
	eng, err := engineOnce()
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// exceptedOnPurpose are the rules the draft answers with an exception.
var exceptedOnPurpose = []string{"PH210", "PH302", "PH306", "PH307"}

// checkDraftClean drafts a matrix from snap, checks snap against it and
// fails the test on any PH2xx or PH3xx finding the draft did not except
// on purpose. It returns the draft.
func checkDraftClean(t *testing.T, snap *snapshot.Snapshot, describe string) []byte {
	t.Helper()
	ctx := context.Background()
	eng := engine(t)
	table, err := eng.Access(ctx, snap, draft.Resources(snap))
	if err != nil {
		t.Fatalf("%s: Engine.Access: %v", describe, err)
	}
	out, err := draft.Draft(snap, table, draft.Options{})
	if err != nil {
		t.Fatalf("%s: Draft: %v", describe, err)
	}
	m, err := matrix.Parse("access-matrix.yaml", out)
	if err != nil {
		t.Fatalf("%s: the draft does not parse: %v\n%s", describe, err, out)
	}
	again, err := draft.Draft(snap, table, draft.Options{})
	if err != nil || !bytes.Equal(out, again) {
		t.Fatalf("%s: a second draft of the same snapshot differs (%v)", describe, err)
	}
	rep, err := eng.Check(ctx, policies.CheckInput{Snapshot: snap, Matrix: m, GeneratedAt: snap.CollectedAt})
	if err != nil {
		t.Fatalf("%s: Check: %v", describe, err)
	}
	var bad []string
	remaining := map[string]int{}
	for _, f := range rep.Findings {
		access := strings.HasPrefix(f.Rule, "PH2") || strings.HasPrefix(f.Rule, "PH3")
		switch {
		case !access:
			remaining[f.Rule]++
		case f.Suppressed == nil:
			bad = append(bad, fmt.Sprintf("%s %s: %s", f.Rule, f.Subject, f.Message))
		case !slices.Contains(exceptedOnPurpose, f.Rule):
			bad = append(bad, fmt.Sprintf("%s %s excepted, but the draft excepts only %v", f.Rule, f.Subject, exceptedOnPurpose))
		}
	}
	for _, ne := range rep.NotEvaluated {
		if strings.HasPrefix(ne.Rule, "PH2") || strings.HasPrefix(ne.Rule, "PH3") {
			bad = append(bad, fmt.Sprintf("%s not evaluated: %s", ne.Rule, ne.Reason))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s: check with the drafted matrix finds access or key findings:\n  %s\ndraft:\n%s", describe, strings.Join(bad, "\n  "), out)
	}
	t.Logf("%s: remaining findings outside PH2xx/PH3xx: %v", describe, remaining)
	return out
}

// collect collects org served by the simulator, with the scanning token and
// the audit keys (env name → token).
func collect(t *testing.T, org *posthogsim.Org, d posthogsim.Deployment, now time.Time, scanner string, audit map[string]string) *snapshot.Snapshot {
	t.Helper()
	sim := posthogsim.New(org, posthogsim.WithDeployment(d), posthogsim.WithClock(func() time.Time { return now }))
	hc, base, closeFn := sim.InMemory()
	defer closeFn()
	client := func(token string) *posthog.Client {
		c, err := posthog.New(base, token, posthog.WithHTTPClient(hc), posthog.WithRetry(1, 0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var keys []snapshot.AuditKey
	for _, env := range sortedKeys(audit) {
		keys = append(keys, snapshot.AuditKey{Env: env, Client: client(audit[env])})
	}
	snap, err := snapshot.Collect(context.Background(), client(scanner), snapshot.Options{
		AuditKeys: keys, Now: func() time.Time { return now }, LookbackDays: 30,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !snap.Complete() {
		t.Fatalf("the simulated organization's snapshot is incomplete: %v", snap.MissingSections())
	}
	return snap
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestDraftOfTheDemoOrganizationChecksClean(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	snap := collect(t, posthogsim.Acme(now), posthogsim.Newest, now, posthogsim.AcmeScannerToken, posthogsim.AcmeAuditKeys)
	out := checkDraftClean(t, snap, "Acme")
	for _, want := range []string{"DECIDE: 3 owners today", "no role explains this member's access", "holds * (all scopes)"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the demo's draft lacks %q", want)
		}
	}
}

func TestDraftOfTheDemoOrganizationOn2025ChecksClean(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	snap := collect(t, posthogsim.Acme(now), posthogsim.Deployment2025, now, posthogsim.AcmeScannerToken, posthogsim.AcmeAuditKeys)
	checkDraftClean(t, snap, "Acme on 2025")
}

// TestDraftOfRandomOrganizationsChecksClean drafts randomized simulated
// organizations: Synthetic ones with their rules, roles, plans, keys and
// invites shuffled.
func TestDraftOfRandomOrganizationsChecksClean(t *testing.T) {
	n := 40
	if testing.Short() {
		n = 6
	}
	for i := range n {
		rng := rand.New(rand.NewPCG(uint64(i), 0xd4af7))
		org, d, audit, desc := randomOrg(rng, i)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		snap := collect(t, org, d, now, posthogsim.SyntheticScannerToken, audit)
		checkDraftClean(t, snap, desc)
	}
}

var scopePool = []string{"insight:read", "insight:write", "dashboard:read", "feature_flag:read", "feature_flag:write",
	"query:read", "person:read", "session_recording:read", "experiment:write", "cohort:read",
	"quantum_widget:read"} // a scope hogaudit does not know (PostHog adds scopes): PH307, excepted

func randomOrg(rng *rand.Rand, i int) (*posthogsim.Org, posthogsim.Deployment, map[string]string, string) {
	chance := func(p float64) bool { return rng.Float64() < p }
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 4 + rng.IntN(30), Projects: 1 + rng.IntN(4), Seed: int64(1000 + i), Now: now})
	var desc []string
	d := posthogsim.Newest
	if chance(0.3) {
		d = posthogsim.Deployment2025
		desc = append(desc, "2025")
	}
	if chance(0.25) {
		org.Features = slices.DeleteFunc(org.Features, func(f string) bool { return f == "access_control" || f == "advanced_permissions" })
		desc = append(desc, "no access control")
	}
	if d == posthogsim.Deployment2025 && chance(0.5) {
		// 2024 permissioning: a legacy private project admits its explicit members only
		org.Features = slices.DeleteFunc(org.Features, func(f string) bool { return f == "access_control" || f == "advanced_permissions" })
		org.Features = append(org.Features, "project_based_permissioning")
		proj := &org.Projects[0]
		proj.AccessControl = true
		for k, m := range org.Members {
			if chance(0.3) {
				proj.ExplicitMembers = append(proj.ExplicitMembers, posthogsim.ExplicitMember{
					ID: fmt.Sprintf("0000cccc-%04x-7000-8000-%012x", i, k), MemberID: m.ID,
					Level: []int{posthogsim.LevelMember, posthogsim.LevelAdmin}[rng.IntN(2)], JoinedAt: m.JoinedAt,
				})
			}
		}
		desc = append(desc, "legacy private project")
	}
	if chance(0.3) {
		org.Features = slices.DeleteFunc(org.Features, func(f string) bool { return f == "role_based_access" })
		desc = append(desc, "no role-based access")
	}
	if d == posthogsim.Newest && chance(0.4) {
		yes := true
		org.UsesMostSpecificAccessResolution = &yes
		desc = append(desc, "most specific")
	}
	member := func() posthogsim.Member { return org.Members[rng.IntN(len(org.Members))] }
	// members promoted, or taken out of their roles
	for k := range org.Members {
		if k >= 2 && chance(0.08) {
			org.Members[k].Level = posthogsim.LevelAdmin
		}
	}
	for r := range org.Roles {
		org.Roles[r].Members = slices.DeleteFunc(org.Roles[r].Members, func(posthogsim.RoleMember) bool { return chance(0.15) })
	}
	// rules
	projectLevels := []string{"none", "member", "admin"}
	resourceLevels := []string{"none", "viewer", "editor", "manager"}
	resources := []string{"feature_flag", "insight", "session_recording", "dashboard"}
	for p := range org.Projects {
		proj := &org.Projects[p]
		if chance(0.3) {
			proj.AccessControls = slices.DeleteFunc(proj.AccessControls, func(r posthogsim.AccessRule) bool { return r.MemberID == "" && r.RoleID == "" })
			if chance(0.5) {
				proj.AccessControls = append(proj.AccessControls, posthogsim.AccessRule{Level: projectLevels[1+rng.IntN(2)], CreatedAt: now.AddDate(0, -1, 0)})
			}
		}
		for range rng.IntN(3) {
			proj.AccessControls = append(proj.AccessControls, posthogsim.AccessRule{MemberID: member().ID, Level: projectLevels[rng.IntN(3)], CreatedAt: now.AddDate(0, -2, 0)})
		}
		for range rng.IntN(4) {
			rule := posthogsim.AccessRule{Resource: resources[rng.IntN(len(resources))], Level: resourceLevels[rng.IntN(4)], CreatedAt: now.AddDate(0, -2, 0)}
			switch rng.IntN(3) {
			case 0:
				rule.MemberID = member().ID
			case 1:
				if len(org.Roles) > 0 {
					rule.RoleID = org.Roles[rng.IntN(len(org.Roles))].ID
				}
			}
			proj.ResourceAccessControls = append(proj.ResourceAccessControls, rule)
		}
	}
	// audit keys
	audit := map[string]string{}
	for k := range rng.IntN(4) {
		owner := member()
		key := posthogsim.APIKey{
			ID: fmt.Sprintf("0000aaaa-%04x-7000-8000-%012x", i, k), Label: fmt.Sprintf("service %d", k%3),
			Token: fmt.Sprintf("phx_random%04d%04dabcdefghijklmnopqrstuvwxyz0123456789", i, k), UserID: owner.User.ID,
			CreatedAt: now.AddDate(0, 0, -rng.IntN(500)),
		}
		switch rng.IntN(5) {
		case 0:
			key.Scopes = nil // legacy: everything
		case 1:
			key.Scopes = []string{"*"}
		default:
			for _, s := range scopePool {
				if chance(0.3) {
					key.Scopes = append(key.Scopes, s)
				}
			}
			if len(key.Scopes) == 0 {
				key.Scopes = []string{"query:read"}
			}
		}
		if chance(0.6) {
			for _, p := range org.Projects {
				if chance(0.5) {
					key.ScopedTeams = append(key.ScopedTeams, p.ID)
				}
			}
			if chance(0.1) {
				key.ScopedTeams = append(key.ScopedTeams, 999999) // another organization's
			}
		}
		if chance(0.7) {
			used := now.AddDate(0, 0, -rng.IntN(200))
			key.LastUsedAt = &used
		}
		org.Keys = append(org.Keys, key)
		audit[fmt.Sprintf("AUDIT_%d", k)] = key.Token
	}
	// invites
	for k := range rng.IntN(3) {
		inv := posthogsim.Invite{
			ID:          fmt.Sprintf("0000bbbb-%04x-7000-8000-%012x", i, k),
			TargetEmail: fmt.Sprintf("invitee%d@%s", k, []string{"synthetic.example", "outside.example"}[rng.IntN(2)]),
			Level:       []int{posthogsim.LevelMember, posthogsim.LevelAdmin}[rng.IntN(2)],
			CreatedAt:   now.Add(-time.Duration(rng.IntN(48)) * time.Hour),
			IsExpired:   chance(0.2),
		}
		if chance(0.5) {
			p := org.Projects[rng.IntN(len(org.Projects))]
			inv.PrivateProjectAccess = []posthogsim.ProjectAccess{{ProjectID: p.ID, Level: projectLevels[1+rng.IntN(2)]}}
		}
		org.Invites = append(org.Invites, inv)
	}
	return org, d, audit, fmt.Sprintf("random org %d (%d members, %d projects, %d keys; %s)",
		i, len(org.Members), len(org.Projects), len(audit), strings.Join(desc, ", "))
}
