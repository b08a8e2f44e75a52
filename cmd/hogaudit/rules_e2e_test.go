package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The end-to-end rule tests: for every rule of the catalog, a simulated
// organization (Acme, changed a little) is scanned by the real command, over
// loopback, and the JSON report must hold the finding with the right
// subject and project; and a near miss — the same situation just inside the
// matrix — must not produce it.

// orgChange changes the simulated organization before it is served.
type orgChange func(o *posthogsim.Org)

// member returns the Acme member with the given email.
func member(o *posthogsim.Org, email string) *posthogsim.Member {
	for i := range o.Members {
		if o.Members[i].User.Email == email {
			return &o.Members[i]
		}
	}
	panic("no member " + email)
}

func project(o *posthogsim.Org, name string) *posthogsim.Project {
	for i := range o.Projects {
		if o.Projects[i].Name == name {
			return &o.Projects[i]
		}
	}
	panic("no project " + name)
}

func key(o *posthogsim.Org, label string) *posthogsim.APIKey {
	for i := range o.Keys {
		if o.Keys[i].Label == label {
			return &o.Keys[i]
		}
	}
	panic("no key " + label)
}

func role(o *posthogsim.Org, name string) *posthogsim.Role {
	for i := range o.Roles {
		if o.Roles[i].Name == name {
			return &o.Roles[i]
		}
	}
	panic("no role " + name)
}

func domain(o *posthogsim.Org, name string) *posthogsim.Domain {
	for i := range o.Domains {
		if o.Domains[i].Domain == name {
			return &o.Domains[i]
		}
	}
	panic("no domain " + name)
}

// addMember adds a member to the organization, in the given role if any.
func addMember(o *posthogsim.Org, email string, level int, roleName string) {
	n := len(o.Members) + 500
	m := posthogsim.Member{
		ID: fmt.Sprintf("0190a1b2-1111-7000-8000-%012d", n),
		User: posthogsim.User{
			ID: int64(n), UUID: fmt.Sprintf("0190a1b2-0000-7000-8000-%012d", n), Email: email,
			FirstName: "New", LastName: "Member",
		},
		Level: level, JoinedAt: refNow.AddDate(0, 0, -30), LastLogin: ptrTime(refNow.AddDate(0, 0, -1)),
		Is2FAEnabled: true,
	}
	o.Members = append(o.Members, m)
	if roleName != "" {
		r := role(o, roleName)
		r.Members = append(r.Members, posthogsim.RoleMember{ID: "rm-" + m.ID, MemberID: m.ID, JoinedAt: m.JoinedAt})
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// orgActivity adds an organization-level activity entry by actor.
func orgActivity(o *posthogsim.Org, id, actor, scope, activity, item string, days int, d posthogsim.ActivityDetail) {
	o.Activity = append(o.Activity, posthogsim.ActivityEntry{
		ID: id, UserID: member(o, actor).User.ID, Activity: activity, Scope: scope, ItemID: item,
		CreatedAt: refNow.AddDate(0, 0, -days), Detail: d,
	})
}

// matrixEdit rewrites the example matrix: each pair replaces old with new
// (old must occur).
type matrixEdit [][2]string

func (e matrixEdit) apply(t *testing.T, m string) string {
	t.Helper()
	for _, r := range e {
		if !strings.Contains(m, r[0]) {
			t.Fatalf("the example matrix lacks %q", r[0])
		}
		m = strings.Replace(m, r[0], r[1], 1)
	}
	return m
}

// scenario is an organization, a matrix and scan flags.
type scenario struct {
	org    orgChange
	matrix matrixEdit
	deny   []string // scopes denied to the scanning key
}

func (s scenario) scan(t *testing.T) jsonReport {
	t.Helper()
	h := newHarness(t, func(o *posthogsim.Org) {
		if s.org != nil {
			s.org(o)
		}
	})
	for _, sc := range s.deny {
		h.sim.DenyScope(posthogsim.AcmeScannerToken, sc)
	}
	h.writeMatrix(s.matrix.apply(t, string(examples.Matrix)))
	rep, _ := h.scanJSON()
	return rep
}

// want is a finding: rule, subject (a prefix when it ends with "*"), and
// project ("" for none, "*" for any).
type want struct{ rule, subject, project string }

func (r jsonReport) find(w want) (jsonFinding, bool) {
	for _, f := range r.Findings {
		if f.Rule != w.rule || f.Project != w.project && w.project != "*" {
			continue
		}
		if prefix, ok := strings.CutSuffix(w.subject, "*"); ok && strings.HasPrefix(f.Subject, prefix) || f.Subject == w.subject {
			return f, true
		}
	}
	return jsonFinding{}, false
}

func TestEveryRuleEndToEnd(t *testing.T) {
	t.Parallel()
	const org = "org:Acme Analytics"
	cases := []struct {
		rule     string
		fires    scenario
		want     want
		nearMiss scenario
		absent   want // the finding the near miss must not produce
	}{
		{
			rule:     "PH101",
			fires:    scenario{},
			want:     want{"PH101", "domain:acme.example", ""},
			nearMiss: scenario{org: func(o *posthogsim.Org) { domain(o, "acme.example").SSOEnforcement = "saml" }},
			absent:   want{"PH101", "domain:acme.example", ""},
		},
		{
			rule:     "PH102",
			fires:    scenario{matrix: matrixEdit{{"sso_domains: [acme.example]", "sso_domains: [acme.example, acme-labs.example]"}}},
			want:     want{"PH102", "domain:acme-labs.example", ""},
			nearMiss: scenario{},
			absent:   want{"PH102", "domain:acme.example", ""},
		},
		{
			rule: "PH103",
			fires: scenario{org: func(o *posthogsim.Org) {
				for i := range o.IdentityProviderConfigs {
					o.IdentityProviderConfigs[i].SAMLX509Cert = ""
				}
			}},
			want:     want{"PH103", "domain:acme.example", ""},
			nearMiss: scenario{},
			absent:   want{"PH103", "domain:acme.example", ""},
		},
		{
			rule:     "PH104",
			fires:    scenario{org: func(o *posthogsim.Org) { domain(o, "acme.example").JITProvisioningEnabled = true }},
			want:     want{"PH104", "domain:acme.example", ""},
			nearMiss: scenario{},
			absent:   want{"PH104", "domain:acme.example", ""},
		},
		{
			rule:     "PH105",
			fires:    scenario{org: func(o *posthogsim.Org) { o.Enforce2FA = nil }},
			want:     want{"PH105", org, ""},
			nearMiss: scenario{},
			absent:   want{"PH105", org, ""},
		},
		{
			rule: "PH106",
			// not an acme.example member: that domain's SSO enforcement
			// takes effect and exempts its members (e2e_plan_test.go)
			fires: scenario{org: func(o *posthogsim.Org) { member(o, "heidi@contractor.example").Is2FAEnabled = false }},
			want:  want{"PH106", "member:heidi@contractor.example", ""},
			// frank has no TOTP device but signs in with SSO
			nearMiss: scenario{},
			absent:   want{"PH106", "member:frank@acme.example", ""},
		},
		{
			rule:     "PH107",
			fires:    scenario{org: func(o *posthogsim.Org) { yes := true; o.MembersCanInvite = &yes }},
			want:     want{"PH107", org, ""},
			nearMiss: scenario{},
			absent:   want{"PH107", org, ""},
		},
		{
			rule:     "PH108",
			fires:    scenario{org: func(o *posthogsim.Org) { o.MembersCanUsePersonalAPIKeys = false }},
			want:     want{"PH108", org, ""},
			nearMiss: scenario{},
			absent:   want{"PH108", org, ""},
		},
		{
			rule:  "PH201",
			fires: scenario{},
			want:  want{"PH201", org, ""},
			// exactly max_owners (2) owners
			nearMiss: scenario{matrix: matrixEdit{{"max_owners: 2", "max_owners: 3"}}},
			absent:   want{"PH201", org, ""},
		},
		{
			rule: "PH202",
			fires: scenario{
				org:    func(o *posthogsim.Org) { member(o, "carol@acme.example").Level = posthogsim.LevelAdmin },
				matrix: matrixEdit{{"max_admins: 2", "max_admins: 0"}},
			},
			want: want{"PH202", org, ""},
			nearMiss: scenario{
				org:    func(o *posthogsim.Org) { member(o, "carol@acme.example").Level = posthogsim.LevelAdmin },
				matrix: matrixEdit{{"max_admins: 2", "max_admins: 1"}},
			},
			absent: want{"PH202", org, ""},
		},
		{
			rule:     "PH203",
			fires:    scenario{org: func(o *posthogsim.Org) { addMember(o, "zoe@acme.example", posthogsim.LevelMember, "") }},
			want:     want{"PH203", "member:zoe@acme.example", ""},
			nearMiss: scenario{org: func(o *posthogsim.Org) { addMember(o, "zoe@acme.example", posthogsim.LevelMember, "Engineering") }},
			absent:   want{"PH203", "member:zoe@acme.example", ""},
		},
		{
			// product is member on Staging; a member rule makes frank admin
			rule: "PH204",
			fires: scenario{org: func(o *posthogsim.Org) {
				p := project(o, "Staging")
				p.AccessControls = append(p.AccessControls, posthogsim.AccessRule{MemberID: member(o, "frank@acme.example").ID, Level: "admin"})
			}},
			want: want{"PH204", "member:frank@acme.example", "staging_project"},
			nearMiss: scenario{org: func(o *posthogsim.Org) {
				p := project(o, "Staging")
				p.AccessControls = append(p.AccessControls, posthogsim.AccessRule{MemberID: member(o, "frank@acme.example").ID, Level: "member"})
			}},
			absent: want{"PH204", "member:frank@acme.example", "staging_project"},
		},
		{
			rule:  "PH212",
			fires: scenario{},
			want:  want{"PH212", "member:dan@acme.example", "production_project"},
			nearMiss: scenario{org: func(o *posthogsim.Org) {
				p := project(o, "Production")
				for i := range p.AccessControls {
					if p.AccessControls[i].MemberID == member(o, "dan@acme.example").ID {
						p.AccessControls[i].Level = "member"
					}
				}
			}},
			absent: want{"PH212", "member:dan@acme.example", "production_project"},
		},
		{
			rule: "PH205",
			fires: scenario{org: func(o *posthogsim.Org) {
				p := project(o, "Production")
				var kept []posthogsim.AccessRule
				for _, r := range p.AccessControls {
					if r.MemberID != "" || r.RoleID != "" {
						kept = append(kept, r)
					}
				}
				p.AccessControls = kept
			}},
			want:     want{"PH205", "project:production_project", "production_project"},
			nearMiss: scenario{},
			absent:   want{"PH205", "project:production_project", "production_project"},
		},
		{
			rule: "PH206",
			fires: scenario{org: func(o *posthogsim.Org) {
				p := project(o, "Production")
				for i := range p.ResourceAccessControls {
					p.ResourceAccessControls[i].Level = "editor"
				}
			}},
			want:     want{"PH206", "member:frank@acme.example/resource/feature_flag", "production_project"},
			nearMiss: scenario{},
			absent:   want{"PH206", "member:frank@acme.example/resource/feature_flag", "production_project"},
		},
		{
			rule:     "PH207",
			fires:    scenario{org: func(o *posthogsim.Org) { member(o, "erin@acme.example").Level = posthogsim.LevelAdmin }},
			want:     want{"PH207", "member:erin@acme.example", ""},
			nearMiss: scenario{},
			absent:   want{"PH207", "member:carol@acme.example", ""},
		},
		{
			rule:  "PH208",
			fires: scenario{},
			want:  want{"PH208", "member:grace@acme.example", ""},
			// judy never signed in, but joined ten days ago
			nearMiss: scenario{},
			absent:   want{"PH208", "member:judy@acme.example", ""},
		},
		{
			rule:     "PH209",
			fires:    scenario{},
			want:     want{"PH209", "member:heidi@contractor.example", ""},
			nearMiss: scenario{matrix: matrixEdit{{"allowed_email_domains: [acme.example]", "allowed_email_domains: [acme.example, contractor.example]"}}},
			absent:   want{"PH209", "member:heidi@contractor.example", ""},
		},
		{
			rule:  "PH210",
			fires: scenario{},
			want:  want{"PH210", "invite:ivan@acme.example", ""},
			// the contractor's admin invite has expired
			nearMiss: scenario{},
			absent:   want{"PH210", "invite:contractor@external.example", ""},
		},
		{
			rule: "PH211",
			fires: scenario{org: func(o *posthogsim.Org) {
				p := *project(o, "Staging")
				p.ID, p.Name, p.UUID = 12399, "Sandbox", "0186d2c1-5b2e-0000-9a61-7f3c2a1b0e99"
				p.SecretAPIToken, p.LiveEventsToken, p.Activity = "phs_sandboxSecret0000000000000000000000000", "sandbox-live-token", nil
				o.Projects = append(o.Projects, p)
			}},
			want:     want{"PH211", "project:Sandbox", ""},
			nearMiss: scenario{},
			absent:   want{"PH211", "project:Staging", ""},
		},
		{
			rule:     "PH301",
			fires:    scenario{},
			want:     want{"PH301", "key:bi-legacy", ""},
			nearMiss: scenario{matrix: matrixEdit{{"allow_wildcard: false", "allow_wildcard: true"}}},
			absent:   want{"PH301", "key:bi-legacy", ""},
		},
		{
			rule: "PH302",
			fires: scenario{org: func(o *posthogsim.Org) {
				k := key(o, "flag-service")
				k.Scopes = append(k.Scopes, "insight:read")
			}},
			want: want{"PH302", "key:flag-service", ""},
			// feature_flag:write in the matrix grants feature_flag:read too
			nearMiss: scenario{org: func(o *posthogsim.Org) { key(o, "flag-service").Scopes = []string{"feature_flag:read"} }},
			absent:   want{"PH302", "key:flag-service", ""},
		},
		{
			rule:     "PH303",
			fires:    scenario{org: func(o *posthogsim.Org) { key(o, "bi-dashboard-readonly").ScopedTeams = nil }},
			want:     want{"PH303", "key:bi-dashboard-readonly", ""},
			nearMiss: scenario{},
			absent:   want{"PH303", "key:bi-dashboard-readonly", ""},
		},
		{
			rule:     "PH304",
			fires:    scenario{},
			want:     want{"PH304", "key:flag-service", ""},
			nearMiss: scenario{org: func(o *posthogsim.Org) { key(o, "flag-service").LastUsedAt = ptrTime(refNow.AddDate(0, 0, -29)) }},
			absent:   want{"PH304", "key:flag-service", ""},
		},
		{
			rule:     "PH305",
			fires:    scenario{},
			want:     want{"PH305", "key:flag-service", ""},
			nearMiss: scenario{org: func(o *posthogsim.Org) { key(o, "flag-service").LastRolledAt = ptrTime(refNow.AddDate(0, 0, -89)) }},
			absent:   want{"PH305", "key:flag-service", ""},
		},
		{
			rule: "PH306",
			fires: scenario{org: func(o *posthogsim.Org) {
				k := key(o, "access-snapshot")
				k.Scopes = append(k.Scopes, "feature_flag:write")
			}},
			want:     want{"PH306", "key:access-snapshot", ""},
			nearMiss: scenario{},
			absent:   want{"PH306", "key:access-snapshot", ""},
		},
		{
			rule:     "PH307",
			fires:    scenario{},
			want:     want{"PH307", "matrix:access_matrix.bi_service_account.production_project.api_key_scopes.event:read", "production_project"},
			nearMiss: scenario{matrix: matrixEdit{{"query:read, event:read]", "query:read]"}}},
			absent:   want{"PH307", "matrix:*", "*"},
		},
		{
			rule:  "PH401",
			fires: scenario{},
			want:  want{"PH401", "member:erin@acme.example/flag/4711", "production_project"},
			// erin deleted a flag in staging too, where engineering may
			nearMiss: scenario{},
			absent:   want{"PH401", "member:erin@acme.example/*", "staging_project"},
		},
		{
			rule: "PH402",
			fires: scenario{org: func(o *posthogsim.Org) {
				orgActivity(o, "0193b4c5-9999-7000-8000-0000000000f1", "bob@acme.example", "Organization", "updated", posthogsim.AcmeOrgID, 2, posthogsim.ActivityDetail{
					Name:    "Acme Analytics",
					Changes: []posthogsim.ActivityChange{{Type: "Organization", Action: "changed", Field: "two-factor authentication requirement", Before: true, After: false}},
				})
			}},
			want: want{"PH402", "org:Acme Analytics/activity/*", ""},
			// 2FA was turned on (null → true) 20 days ago: a strengthening
			nearMiss: scenario{},
			absent:   want{"PH402", "org:Acme Analytics/activity/*", ""},
		},
		{
			rule: "PH403",
			fires: scenario{org: func(o *posthogsim.Org) {
				orgActivity(o, "0193b4c5-9999-7000-8000-0000000000f2", "erin@acme.example", "OrganizationMembership", "updated", member(o, "dan@acme.example").ID, 2, posthogsim.ActivityDetail{
					Name:    "Dan Okafor (dan@acme.example) membership updated in Acme Analytics",
					Changes: []posthogsim.ActivityChange{{Type: "OrganizationMembership", Action: "changed", Field: "level", Before: 1, After: 8}},
					Context: map[string]any{"user_email": "dan@acme.example", "level": "administrator"},
				})
			}},
			want: want{"PH403", "member:dan@acme.example/activity/*", ""},
			// alice (admins, org_level owner) made carol an owner
			nearMiss: scenario{},
			absent:   want{"PH403", "member:carol@acme.example/activity/*", ""},
		},
		{
			rule:     "PH901",
			fires:    scenario{deny: []string{"activity_log:read"}},
			want:     want{"PH901", "section:activity_log", ""},
			nearMiss: scenario{},
			absent:   want{"PH901", "section:*", "*"},
		},
		{
			rule:  "PH902",
			fires: scenario{matrix: matrixEdit{{"# exceptions:\n", "exceptions:\n  - rule: PH208\n    subject: \"member:grace@acme.example\"\n    reason: parental leave\n    expires: 2026-11-01\n#"}}},
			want:  want{"PH902", "matrix:exceptions.PH208.member:grace@acme.example", ""},
			// expiring in 60 days: applies, nothing to report
			nearMiss: scenario{matrix: matrixEdit{{"# exceptions:\n", "exceptions:\n  - rule: PH208\n    subject: \"member:grace@acme.example\"\n    reason: parental leave\n    expires: 2027-01-26\n#"}}},
			absent:   want{"PH902", "matrix:exceptions.PH208.member:grace@acme.example", ""},
		},
		{
			rule:     "PH903",
			fires:    scenario{matrix: matrixEdit{{"name: Staging", "name: Stagin"}}},
			want:     want{"PH903", "matrix:projects.staging_project", "staging_project"},
			nearMiss: scenario{matrix: matrixEdit{{"name: Staging", "name: STAGING"}}},
			absent:   want{"PH903", "matrix:*", "*"},
		},
		{
			// A second project named Production: which one is protected?
			rule:     "PH905",
			fires:    scenario{org: secondProject(12399, "Production")},
			want:     want{"PH905", "matrix:projects.production_project", "production_project"},
			nearMiss: scenario{org: secondProject(12399, "Production"), matrix: matrixEdit{{"    name: Production\n", "    id: 12345\n"}}},
			absent:   want{"PH905", "*", "*"},
		},
		{
			// The scanning key's owner, alice, demoted to member.
			rule:     "PH904",
			fires:    scenario{org: func(o *posthogsim.Org) { member(o, "alice@acme.example").Level = posthogsim.LevelMember }},
			want:     want{"PH904", "key:access-snapshot", ""},
			nearMiss: scenario{org: func(o *posthogsim.Org) { member(o, "alice@acme.example").Level = posthogsim.LevelAdmin }},
			absent:   want{"PH904", "*", "*"},
		},
	}
	// PH404 judges the drift between two scans: its end-to-end test, with
	// its near misses, is TestDriftEndToEnd (e2e_drift_test.go).
	covered := map[string]bool{"PH404": true}
	for _, c := range cases {
		covered[c.rule] = true
		t.Run(c.rule, func(t *testing.T) {
			t.Parallel()
			rep := c.fires.scan(t)
			f, ok := rep.find(c.want)
			if !ok {
				t.Fatalf("no %s finding for %s (project %q); findings:\n%s", c.want.rule, c.want.subject, c.want.project, listFindings(rep))
			}
			if f.Message == "" || f.Remediation == "" || f.Name == "" || f.Severity == "" {
				t.Errorf("incomplete finding: %+v", f)
			}
			miss := c.nearMiss.scan(t)
			if f, ok := miss.find(c.absent); ok {
				t.Errorf("the near miss produced %s %s (%s): %s", f.Rule, f.Subject, f.Project, f.Message)
			}
		})
	}
	for _, id := range catalogIDs(t) {
		if !covered[id] {
			t.Errorf("rule %s has no end-to-end test", id)
		}
	}
}

// catalogIDs lists the ids of the built-in rules.
func catalogIDs(t *testing.T) []string {
	t.Helper()
	eng, err := sharedEngine(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range eng.Rules() {
		ids = append(ids, r.ID)
	}
	return ids
}

func listFindings(r jsonReport) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  %s %s %q %s\n", f.Rule, f.Subject, f.Project, f.Message)
	}
	for _, n := range r.NotEvaluated {
		fmt.Fprintf(&b, "  not evaluated: %s %v\n", n.Rule, n.Sections)
	}
	return b.String()
}
