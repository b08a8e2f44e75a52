package posthogsim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// SyntheticScannerToken is the scanning key of every Synthetic organization:
// owned by the first owner, with MinimalScopes.
const SyntheticScannerToken = "phx_EdrSZ9r3LjyzteI7tDKPcAgkuk85UKYRxjWDCECJ"

// SyntheticConfig sizes a Synthetic organization.
type SyntheticConfig struct {
	// Members is the number of members (at least 2: the owners).
	Members int
	// Projects is the number of projects (at least 1).
	Projects int
	// Seed makes the organization; the same config gives the same Org.
	Seed int64
	// Now is the time the organization's times are relative to (default
	// 2026-01-01 UTC, so that a zero config is deterministic too).
	Now time.Time
	// ActivityPerProject, if positive, is the number of activity entries of
	// every project, all within the last 29 days (inside the default 30-day
	// lookback), newest first: a busy organization. 0 keeps about ten per
	// project over the last 60 days.
	ActivityPerProject int
	// OneRole, when set, puts every member, owners and admins included,
	// into one role (the largest embedded membership list /roles/ can
	// carry) instead of the non-admins into roles of about
	// max(members/20, 5).
	OneRole bool
}

var (
	firstNames = []string{"Ada", "Ben", "Chloe", "Dev", "Elena", "Femi", "Gita", "Hugo", "Ines", "Jonas", "Kai", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Viktor", "Wen", "Yara", "Zoe"}
	lastNames  = []string{"Alvarez", "Brown", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova", "Jensen", "Kim", "Lopez", "Mensah", "Novak", "Okoye", "Patel", "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Wagner", "Yilmaz", "Zhang"}
	resources  = []string{"feature_flag", "session_recording", "insight", "dashboard", "experiment"}
	activities = []struct{ scope, activity string }{
		{"FeatureFlag", "created"}, {"FeatureFlag", "updated"}, {"FeatureFlag", "deleted"},
		{"Insight", "created"}, {"Insight", "updated"}, {"Dashboard", "updated"},
		{"Experiment", "created"}, {"Cohort", "updated"}, {"Notebook", "created"}, {"Survey", "updated"},
	}
)

// Synthetic returns a deterministic, realistic organization of the given
// size, for benchmarks: two owners, about 2% admins, every other member in
// exactly one role ("Team 01", …) of about max(members/20, 5) members; every
// project restricted (everyone → none) with two roles granted member and
// admin, a few member rules and resource rules, and about ten activity
// entries; a few invites, two domains, and the scanning key
// SyntheticScannerToken with MinimalScopes.
func Synthetic(cfg SyntheticConfig) *Org {
	nMembers, nProjects := max(cfg.Members, 2), max(cfg.Projects, 1)
	now := cfg.Now
	if now.IsZero() {
		now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	now = now.UTC().Truncate(time.Second)
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * 24 * time.Hour) }
	agoHours := func(hours int) time.Time { return now.Add(-time.Duration(hours) * time.Hour) }
	id := func(kind, n int) string {
		return fmt.Sprintf("0000%04x-%04x-7000-8000-%012x", cfg.Seed&0xffff, kind, n)
	}
	yes := true

	o := &Org{
		ID:                           id(0, 1),
		Name:                         fmt.Sprintf("Synthetic %d", cfg.Seed),
		Slug:                         fmt.Sprintf("synthetic-%d", cfg.Seed),
		CreatedAt:                    ago(4 * 365),
		Enforce2FA:                   &yes,
		MembersCanInvite:             &yes,
		MembersCanUsePersonalAPIKeys: true,
		Features: []string{
			// both access-control keys, as billing lists them (see Acme)
			"sso_enforcement", "saml", "role_based_access", "access_control", "advanced_permissions",
			"audit_logs", "organization_security_settings",
		},
	}

	nAdmins := nMembers / 50
	for i := range nMembers {
		level := LevelMember
		switch {
		case i < 2:
			level = LevelOwner
		case i < 2+nAdmins:
			level = LevelAdmin
		}
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		var login *time.Time
		if rng.IntN(20) > 0 {
			t := agoHours(rng.IntN(24 * 120))
			login = &t
		}
		uid := int64(1000 + i)
		o.Members = append(o.Members, Member{
			ID: id(1, i+1),
			User: User{
				ID: uid, UUID: id(2, i+1), DistinctID: fmt.Sprintf("synthetic-%d-%d", cfg.Seed, uid),
				Email:     fmt.Sprintf("%s.%s.%d@synthetic.example", strings.ToLower(first), strings.ToLower(last), i+1),
				FirstName: first, LastName: last,
			},
			Level:         level,
			JoinedAt:      ago(30 + rng.IntN(3*365)),
			LastLogin:     login,
			Is2FAEnabled:  rng.IntN(10) > 0,
			HasSocialAuth: rng.IntN(3) == 0,
		})
	}

	// Every non-admin member in exactly one role.
	roleSize, inRoles := max(nMembers/20, 5), o.Members[2+nAdmins:]
	if cfg.OneRole {
		roleSize, inRoles = nMembers, o.Members
	}
	for i, m := range inRoles {
		r := i / roleSize
		if r == len(o.Roles) {
			o.Roles = append(o.Roles, Role{
				ID: id(3, r+1), Name: fmt.Sprintf("Team %02d", r+1),
				CreatedAt: ago(300 - r%300), CreatedBy: o.Members[0].User.ID,
			})
		}
		o.Roles[r].Members = append(o.Roles[r].Members, RoleMember{
			ID: id(4, i+1), MemberID: m.ID, JoinedAt: m.JoinedAt.Add(time.Hour),
		})
	}

	owner := o.Members[0].User.ID
	entryN := 0
	for p := range nProjects {
		pid := int64(20000 + p)
		proj := Project{
			ID: pid, UUID: id(5, p+1), Name: fmt.Sprintf("Project %03d", p+1),
			CreatedAt: ago(365 + p%365), Timezone: "UTC",
			APIToken:                    fmt.Sprintf("phc_synthetic%d%08d", cfg.Seed&0xffff, p+1),
			SecretAPIToken:              fmt.Sprintf("phs_synthetic%d%08d", cfg.Seed&0xffff, p+1),
			LiveEventsToken:             fmt.Sprintf("eyJhbGciOiJIUzI1NiJ9.synthetic%d.%08d", cfg.Seed&0xffff, p+1),
			ReceiveOrgLevelActivityLogs: p == 0,
		}
		rule := func(member, role, level string) AccessRule {
			return AccessRule{MemberID: member, RoleID: role, Level: level, CreatedBy: owner, CreatedAt: ago(90)}
		}
		proj.AccessControls = append(proj.AccessControls, rule("", "", "none"))
		if len(o.Roles) > 0 {
			a := rng.IntN(len(o.Roles))
			proj.AccessControls = append(proj.AccessControls, rule("", o.Roles[a].ID, "member"))
			if len(o.Roles) > 1 {
				b := (a + 1 + rng.IntN(len(o.Roles)-1)) % len(o.Roles)
				proj.AccessControls = append(proj.AccessControls, rule("", o.Roles[b].ID, "admin"))
			}
		}
		for range 1 + rng.IntN(3) {
			m := o.Members[rng.IntN(nMembers)]
			proj.AccessControls = append(proj.AccessControls, rule(m.ID, "", []string{"member", "admin"}[rng.IntN(2)]))
		}
		for range 1 + rng.IntN(2) {
			r := AccessRule{Resource: resources[rng.IntN(len(resources))], Level: []string{"none", "viewer", "editor"}[rng.IntN(3)], CreatedBy: owner, CreatedAt: ago(60)}
			if len(o.Roles) > 0 && rng.IntN(2) == 0 {
				r.RoleID = o.Roles[rng.IntN(len(o.Roles))].ID
			}
			proj.ResourceAccessControls = append(proj.ResourceAccessControls, r)
		}
		nActivity := 8 + rng.IntN(5)
		if cfg.ActivityPerProject > 0 {
			nActivity = cfg.ActivityPerProject
		}
		for k := range nActivity {
			entryN++
			a := activities[rng.IntN(len(activities))]
			actor := o.Members[rng.IntN(nMembers)]
			at := agoHours(rng.IntN(24 * 60))
			if cfg.ActivityPerProject > 0 {
				// Newest first, project after project, over the last 29
				// days: the simulator's newest-first sort of the whole
				// organization's log stays linear.
				slot := 29 * 24 * time.Hour / time.Duration(nProjects)
				at = now.Add(-time.Duration(p)*slot - time.Duration(k+1)*slot/time.Duration(nActivity+1)).Truncate(time.Second)
			}
			proj.Activity = append(proj.Activity, ActivityEntry{
				ID: id(6, entryN), UserID: actor.User.ID, Activity: a.activity, Scope: a.scope,
				ItemID: fmt.Sprint(100000 + entryN), CreatedAt: at,
				Detail: ActivityDetail{Name: fmt.Sprintf("%s %d", a.scope, entryN)},
			})
		}
		o.Projects = append(o.Projects, proj)
	}

	for i := range 3 {
		o.Invites = append(o.Invites, Invite{
			ID: id(7, i+1), TargetEmail: fmt.Sprintf("invitee%d@synthetic.example", i+1),
			Level: LevelMember, CreatedBy: owner, CreatedAt: ago(1 + 3*i), IsExpired: 1+3*i > 3,
		})
	}
	o.Domains = []Domain{
		{ID: id(8, 1), Domain: "synthetic.example", VerifiedAt: ptr(ago(400)), VerificationChallenge: fmt.Sprintf("synthetic-challenge-%d-1", cfg.Seed), SSOEnforcement: "saml"},
		{ID: id(8, 2), Domain: "synthetic-labs.example", VerificationChallenge: fmt.Sprintf("synthetic-challenge-%d-2", cfg.Seed)},
	}
	o.Keys = []APIKey{{
		ID: id(9, 1), Label: "access-snapshot", Token: SyntheticScannerToken, UserID: owner,
		Scopes: MinimalScopes(), ScopedOrganizations: []string{o.ID},
		CreatedAt: ago(30), LastUsedAt: ptr(now.Add(-time.Hour)),
	}}
	return o
}
