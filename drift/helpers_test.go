package drift

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

var (
	t0 = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) // the old snapshot
	t1 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)  // the new one
	// tMid is between the snapshots.
	tMid = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
)

func ptr[T any](v T) *T { return &v }

// baseSnapshot is a small complete organization: alice (owner), bob and
// carol (members), dan (admin); roles Finance (bob) and Eng (carol);
// projects Production (1) and Payments (2) with rules; a domain, an
// invite, the scanning key and one audit key.
func baseSnapshot() *snapshot.Snapshot {
	member := func(id string, uid int64, email string, level int) posthog.Member {
		return posthog.Member{ID: id, User: posthog.UserBasic{ID: uid, UUID: "u-" + id, Email: email}, Level: level, JoinedAt: t0.AddDate(0, -3, 0)}
	}
	rule := func(resource string, member, role *string, level string) posthog.AccessControl {
		return posthog.AccessControl{Resource: resource, OrganizationMember: member, Role: role, AccessLevel: level,
			CreatedAt: ptr(t0.AddDate(0, -1, 0)), UpdatedAt: ptr(t0.AddDate(0, -1, 0)), CreatedBy: ptr(int64(1))}
	}
	projectRule := func(id int64, member, role *string, level string) posthog.AccessControl {
		r := rule("project", member, role, level)
		r.ResourceID = ptr(fmt.Sprint(id))
		return r
	}
	return &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		Tool:          snapshot.Tool{Name: "hogaudit", Version: "test"},
		Org:           snapshot.OrgRef{ID: "org-1", Name: "Acme"},
		CollectedAt:   t0,
		Organization: &posthog.Organization{ID: "org-1", Name: "Acme", Enforce2FA: ptr(false), MembersCanInvite: ptr(true),
			MembersCanUsePersonalAPIKeys: ptr(true), AllowPubliclySharedResources: ptr(true), MembersCanSeeOrgMembers: ptr(true),
			UsesMostSpecificAccessResolution: ptr(true), AvailableProductFeatures: []string{"access_control", "audit_logs"}},
		Members: []posthog.Member{
			member("m-alice", 1, "alice@acme.example", posthog.LevelOwner),
			member("m-bob", 2, "bob@acme.example", posthog.LevelMember),
			member("m-carol", 3, "carol@acme.example", posthog.LevelMember),
			member("m-dan", 4, "dan@acme.example", posthog.LevelAdmin),
		},
		Invites: []posthog.Invite{{ID: "inv-erin", TargetEmail: "erin@acme.example", Level: posthog.LevelMember, CreatedAt: t0.AddDate(0, 0, -1)}},
		Domains: []posthog.Domain{{ID: "dom-1", Domain: "acme.example", IsVerified: true, SSOEnforcement: "", HasSAML: false}},
		Roles: []snapshot.Role{
			{ID: "r-eng", Name: "Eng", Members: []snapshot.RoleMember{{ID: "rm-carol", MembershipID: "m-carol", UserUUID: "u-m-carol", Email: "carol@acme.example", JoinedAt: t0.AddDate(0, -2, 0)}}},
			{ID: "r-fin", Name: "Finance", Members: []snapshot.RoleMember{{ID: "rm-bob", MembershipID: "m-bob", UserUUID: "u-m-bob", Email: "bob@acme.example", JoinedAt: t0.AddDate(0, -2, 0)}}},
		},
		Projects: []snapshot.Project{
			{ID: 1, Name: "Production",
				AccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{
					projectRule(1, nil, nil, "member"),
					projectRule(1, ptr("m-carol"), nil, "admin"),
				}},
				ResourceAccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{
					rule("feature_flag", nil, nil, "viewer"),
				}},
			},
			{ID: 2, Name: "Payments",
				AccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{
					projectRule(2, nil, nil, "none"),
					projectRule(2, nil, ptr("r-fin"), "member"),
				}},
				ResourceAccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}},
			},
		},
		ActivityLog:          []snapshot.ActivityEntry{},
		ActivityLogSource:    &snapshot.ActivitySource{Source: snapshot.ActivitySourceOrganization, Endpoint: "/api/organizations/org-1/advanced_activity_logs/"},
		OrganizationActivity: &snapshot.ActivitySource{Source: snapshot.ActivitySourceOrganization, Endpoint: "/api/organizations/org-1/advanced_activity_logs/"},
		APIKeys: []snapshot.APIKey{
			{Source: snapshot.KeySourceScanner, PersonalAPIKey: posthog.PersonalAPIKey{ID: "k-scan", Label: "access-snapshot", UserID: 1, Scopes: []string{"organization:read"}, CreatedAt: t0.AddDate(0, -1, 0)}},
			{Source: snapshot.KeySourceAudit, Env: "BI_KEY", PersonalAPIKey: posthog.PersonalAPIKey{ID: "k-bi", Label: "bi", UserID: 2, Scopes: []string{"insight:read"}, ScopedTeams: []int64{1}, CreatedAt: t0.AddDate(0, -1, 0)}},
		},
		AuditKeyEnvs: []string{"BI_KEY"},
		Missing:      []snapshot.Missing{},
	}
}

// clone deep-copies s through JSON, as a file round trip would.
func clone(t testing.TB, s *snapshot.Snapshot) *snapshot.Snapshot {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out snapshot.Snapshot
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	// encoding/json leaves out the users_with_access rows (the file holds
	// them compactly: snapshot.Project.UsersWithAccess, AccessRows).
	access := s.AccessRows()
	for i := range out.Projects {
		rows, err := access.Of(&s.Projects[i])
		if err != nil {
			t.Fatal(err)
		}
		out.Projects[i].SetUsersWithAccess(slices.Clone(rows))
	}
	return &out
}

// later is a copy of s collected at t.
func later(t testing.TB, s *snapshot.Snapshot, at time.Time) *snapshot.Snapshot {
	n := clone(t, s)
	n.CollectedAt = at
	return n
}

// testResources are the resources simpleTable resolves.
var testResources = []string{"feature_flag"}

// simpleTable derives an access table from s by a deliberately simple
// resolution, independent of the Rego library: an organization admin or
// owner gets the highest level; else the member's own rule, else the
// highest of its roles' rules, else the rule for everyone, else the
// default (project admin, resource editor). Compare must not care how a
// table was made.
func simpleTable(s *snapshot.Snapshot) *access.Table {
	t := &access.Table{Projects: map[int64]*access.Project{}}
	roles := map[string][]string{} // membership id → role ids
	for _, r := range s.Roles {
		for _, m := range r.Members {
			roles[m.MembershipID] = append(roles[m.MembershipID], r.ID)
		}
	}
	rank := map[string]int{"none": 0, "member": 1, "viewer": 1, "admin": 2, "editor": 2, "manager": 3}
	resolve := func(rules []posthog.AccessControl, resource string, m posthog.Member, top, def string) access.Grant {
		if m.Level >= posthog.LevelAdmin {
			return access.Grant{Level: top, Path: access.Path{Via: access.ViaOrgAdmin, OrgLevel: levelName(m.Level)}}
		}
		var everyone *access.Grant
		best := access.Grant{Level: ""}
		for _, r := range rules {
			if r.Resource != resource {
				continue
			}
			switch {
			case r.OrganizationMember != nil && *r.OrganizationMember == m.ID:
				return access.Grant{Level: r.AccessLevel, Path: access.Path{Via: access.ViaMemberRule}}
			case r.OrganizationMember == nil && r.Role != nil && slices.Contains(roles[m.ID], *r.Role):
				switch {
				case best.Level == "" || rank[r.AccessLevel] > rank[best.Level]:
					best = access.Grant{Level: r.AccessLevel, Path: access.Path{Via: access.ViaRoleRule, Roles: []string{*r.Role}}}
				case r.AccessLevel == best.Level:
					best.Path.Roles = append(best.Path.Roles, *r.Role)
					slices.Sort(best.Path.Roles)
				}
			case r.OrganizationMember == nil && r.Role == nil:
				everyone = &access.Grant{Level: r.AccessLevel, Path: access.Path{Via: access.ViaEveryoneRule}}
			}
		}
		if best.Level != "" {
			return best
		}
		if everyone != nil {
			return *everyone
		}
		return access.Grant{Level: def, Path: access.Path{Via: access.ViaDefault}}
	}
	for _, p := range s.Projects {
		tp := &access.Project{ID: p.ID}
		t.Projects[p.ID] = tp
		if p.AccessControls == nil {
			continue
		}
		tp.Known = true
		tp.Members = map[string]access.Grant{}
		for _, m := range s.Members {
			tp.Members[m.ID] = resolve(p.AccessControls.AccessControls, "project", m, "admin", "admin")
		}
		if p.ResourceAccessControls == nil {
			continue
		}
		tp.ResourcesKnown = true
		tp.Resources = map[string]map[string]access.Grant{}
		for _, res := range testResources {
			tp.Resources[res] = map[string]access.Grant{}
			for _, m := range s.Members {
				tp.Resources[res][m.ID] = resolve(p.ResourceAccessControls.AccessControls, res, m, "manager", "editor")
			}
		}
	}
	return t
}

// compare runs Compare on old and new with simpleTable's tables.
func compare(t testing.TB, old, new *snapshot.Snapshot) *Report {
	t.Helper()
	r, err := Compare(old, new, simpleTable(old), simpleTable(new), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// show is a change in one line: kind subject [pPROJECT] [resource] [field]
// [member] before→after [by ACTOR|@DAY].
func show(ch Change) string {
	parts := []string{ch.Kind, ch.Subject}
	if ch.Project != nil {
		parts = append(parts, fmt.Sprintf("p%d", ch.Project.ID))
	}
	for _, s := range []string{ch.Resource, ch.Field, ch.Member} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	parts = append(parts, ch.Before+"→"+ch.After)
	if ch.By != nil {
		if ch.By.Actor != "" {
			parts = append(parts, "by "+ch.By.Actor)
		} else {
			parts = append(parts, "@"+day(ch.By.At))
		}
	}
	return strings.Join(parts, " ")
}

func showAll(cs []Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, show(c))
	}
	return out
}

func showGaps(gs []Gap) []string {
	out := []string{}
	for _, g := range gs {
		p := ""
		if g.ProjectID != nil {
			p = fmt.Sprintf(" p%d", *g.ProjectID)
		}
		out = append(out, g.Section+p+" "+g.Side)
	}
	return out
}

// entry is an activity-log entry of the new snapshot.
func entry(id, actor, scope, activity, item string, at time.Time, changes ...posthog.ActivityChange) snapshot.ActivityEntry {
	e := snapshot.ActivityEntry{ID: id, CreatedAt: at, Scope: scope, Activity: activity, ItemID: ptr(item),
		Detail: &posthog.ActivityDetail{Changes: changes}}
	if actor != "" {
		e.User = &snapshot.ActivityUser{UUID: "u-" + actor, Email: actor}
	}
	return e
}

func fieldChange(field string, before, after any) posthog.ActivityChange {
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	return posthog.ActivityChange{Type: "x", Action: "changed", Field: ptr(field), Before: b, After: a}
}

// compareEdited compares the base snapshot with a later copy of it, both
// edited by edit.
func compareEdited(t *testing.T, edit func(o, n *snapshot.Snapshot)) *Report {
	t.Helper()
	o := baseSnapshot()
	n := later(t, o, t1)
	edit(o, n)
	return compare(t, o, n)
}

// wantGaps fails t unless r's gaps, shown by showGaps, are want.
func wantGaps(t *testing.T, r *Report, want []string) {
	t.Helper()
	if diff := cmp.Diff(append([]string{}, want...), showGaps(r.Gaps)); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
}

// wantChanges fails t unless r's changes, shown by showAll, are want.
func wantChanges(t *testing.T, r *Report, want []string) {
	t.Helper()
	if diff := cmp.Diff(append([]string{}, want...), showAll(r.Changes)); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}
