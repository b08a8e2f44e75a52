package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// End-to-end tests of the access path (issue 12, item 1): a simulated Acme,
// changed a little, is scanned by the real command; the finding's message
// names the rule that grants the access and its evidence carries the path,
// and `explain member:EMAIL` on the scan's snapshot tells the same path in
// the same words. Each case has its near miss.

// explainJSON is the part of explain member's -f json document the tests
// read.
type explainJSON struct {
	Email    string   `json:"email"`
	OrgLevel string   `json:"org_level"`
	Groups   []string `json:"groups"`
	Roles    []struct {
		ID, Name string
	} `json:"roles"`
	Projects []struct {
		ID        int64  `json:"id"`
		Key       string `json:"key"`
		Known     bool   `json:"known"`
		Reason    string `json:"reason"`
		Level     string `json:"level"`
		Protected bool   `json:"protected"`
		Path      *struct {
			Via       string   `json:"via"`
			OrgLevel  string   `json:"org_level"`
			Roles     []string `json:"roles"`
			RoleNames []string `json:"role_names"`
		} `json:"path"`
		ResourcesKnown bool `json:"resources_known"`
		Resources      []struct {
			Resource, Level string
			Path            struct{ Via string }
		} `json:"resources"`
	} `json:"projects"`
	Keys []struct {
		Label       string   `json:"label"`
		Scopes      []string `json:"scopes"`
		AllProjects bool     `json:"all_projects"`
		Projects    []struct {
			ID  int64  `json:"id"`
			Key string `json:"key"`
		} `json:"projects"`
	} `json:"keys"`
	Complete bool `json:"complete"`
}

func decodeExplain(t *testing.T, res result) explainJSON {
	t.Helper()
	var x explainJSON
	if err := json.Unmarshal([]byte(res.stdout), &x); err != nil {
		t.Fatalf("decode explain member (exit %d): %v\n%s\n%s", res.code, err, res.stdout, res.stderr)
	}
	return x
}

// zoe is the member the crafted organizations add: in no matrix group, so
// her groups allow no access anywhere.
const zoe = "zoe@acme.example"

// pathCase is one crafted organization: zoe's finding of rule on project
// must name phrase, with path via; explain member must agree.
type pathCase struct {
	name    string
	dep     posthogsim.Deployment
	change  orgChange
	rule    string
	project string // matrix key
	level   string
	via     string
	phrase  string
	// nearMiss is the same organization a little changed, in which the
	// finding's path is another (missVia) or, missVia "", no finding.
	nearMiss orgChange
	missVia  string
}

// withZoe adds zoe at level, in the given roles among Finance and Ops,
// two roles no matrix group binds (added with her).
func withZoe(level int, roles ...string) orgChange {
	return func(o *posthogsim.Org) {
		for i, name := range []string{"Finance", "Ops"} {
			o.Roles = append(o.Roles, posthogsim.Role{ID: "0190a1b2-2222-7000-8000-0000000000f" + string(rune('1'+i)), Name: name, CreatedAt: refNow.AddDate(0, -2, 0)})
		}
		addMember(o, zoe, level, "")
		for _, name := range roles {
			if name != "Finance" && name != "Ops" {
				panic("zoe's roles are Finance and Ops: " + name)
			}
			r := role(o, name)
			m := member(o, zoe)
			r.Members = append(r.Members, posthogsim.RoleMember{ID: "rm-" + m.ID + name, MemberID: m.ID, JoinedAt: m.JoinedAt})
		}
	}
}

func then(changes ...orgChange) orgChange {
	return func(o *posthogsim.Org) {
		for _, c := range changes {
			c(o)
		}
	}
}

// staging rules replaces Staging's project rules.
func stagingRules(rules ...posthogsim.AccessRule) orgChange {
	return func(o *posthogsim.Org) { project(o, "Staging").AccessControls = rules }
}

func legacyPrivateProduction(explicit bool) orgChange {
	return func(o *posthogsim.Org) {
		o.Features = []string{"project_based_permissioning", "role_based_access", "audit_logs"}
		p := project(o, "Production")
		p.AccessControl = true
		if explicit {
			p.ExplicitMembers = append(p.ExplicitMembers, posthogsim.ExplicitMember{
				ID: "0190a1b2-5555-7000-8000-000000000001", MemberID: member(o, zoe).ID,
				Level: posthogsim.LevelMember, JoinedAt: refNow.AddDate(0, -1, 0),
			})
		}
	}
}

// twoRoleRules give Finance and Ops member on Production.
func twoRoleRules(o *posthogsim.Org) {
	setProjectRule(o, "Production", "", "Finance", "member")
	setProjectRule(o, "Production", "", "Ops", "member")
}

func TestE2EAccessPathsInFindingsAndExplain(t *testing.T) {
	t.Parallel()
	yes := true
	mostSpecific := func(on *bool) orgChange {
		return func(o *posthogsim.Org) {
			setProjectRule(o, "Production", zoe, "", "member")
			setProjectRule(o, "Production", "", "Finance", "admin")
			o.UsesMostSpecificAccessResolution = on
		}
	}
	cases := []pathCase{
		{
			name: "org admin", dep: posthogsim.Newest, change: withZoe(posthogsim.LevelAdmin),
			rule: "PH212", project: "production_project", level: "admin", via: "org_admin",
			phrase:   "has admin access to protected project production_project as an organization admin;",
			nearMiss: withZoe(posthogsim.LevelMember),
		},
		{
			name: "org owner", dep: posthogsim.Deployment2025, change: withZoe(posthogsim.LevelOwner),
			rule: "PH204", project: "staging_project", level: "admin", via: "org_admin",
			phrase:   "has admin access to staging_project as an organization owner;",
			nearMiss: withZoe(posthogsim.LevelMember),
		},
		{
			name: "member rule", dep: posthogsim.Newest,
			change: then(withZoe(posthogsim.LevelMember), func(o *posthogsim.Org) { setProjectRule(o, "Staging", zoe, "", "member") }),
			rule:   "PH204", project: "staging_project", level: "member", via: "member_rule",
			phrase: "has member access to staging_project through a rule naming the member;",
			// near miss: her own rule denies
			nearMiss: then(withZoe(posthogsim.LevelMember), func(o *posthogsim.Org) { setProjectRule(o, "Staging", zoe, "", "none") }),
		},
		{
			name: "one role's rule", dep: posthogsim.Newest,
			change: then(withZoe(posthogsim.LevelMember, "Finance"), func(o *posthogsim.Org) { setProjectRule(o, "Staging", "", "Finance", "admin") }),
			rule:   "PH204", project: "staging_project", level: "admin", via: "role_rule",
			phrase: "has admin access to staging_project through role Finance's rule;",
			// near miss: zoe is not in Finance
			nearMiss: then(withZoe(posthogsim.LevelMember), func(o *posthogsim.Org) { setProjectRule(o, "Staging", "", "Finance", "admin") }),
		},
		{
			name: "two roles' rules", dep: posthogsim.Deployment2025,
			change: then(withZoe(posthogsim.LevelMember, "Ops", "Finance"), twoRoleRules),
			rule:   "PH212", project: "production_project", level: "member", via: "role_rule",
			phrase: "has member access to protected project production_project through the rules of roles Finance and Ops;",
			// near miss: one role alone is named alone
			nearMiss: then(withZoe(posthogsim.LevelMember, "Ops"), twoRoleRules), missVia: "role_rule",
		},
		{
			name: "everyone rule", dep: posthogsim.Newest,
			change: then(withZoe(posthogsim.LevelMember), stagingRules(posthogsim.AccessRule{Level: "member"})),
			rule:   "PH204", project: "staging_project", level: "member", via: "everyone_rule",
			phrase:   "has member access to staging_project through the project's rule for everyone;",
			nearMiss: then(withZoe(posthogsim.LevelMember), stagingRules(posthogsim.AccessRule{Level: "none"})),
		},
		{
			name: "default", dep: posthogsim.Deployment2025,
			change: then(withZoe(posthogsim.LevelMember), stagingRules()),
			rule:   "PH204", project: "staging_project", level: "admin", via: "default",
			phrase:   "has admin access to staging_project by PostHog's default (no rule applies);",
			nearMiss: withZoe(posthogsim.LevelMember),
		},
		{
			name: "no access control", dep: posthogsim.Newest,
			change: then(withZoe(posthogsim.LevelMember), func(o *posthogsim.Org) { o.Features = []string{"audit_logs", "role_based_access"} }),
			rule:   "PH204", project: "staging_project", level: "admin", via: "no_access_control",
			phrase:   "has admin access to staging_project by PostHog's default (the plan has no access-control feature this deployment checks);",
			nearMiss: withZoe(posthogsim.LevelMember),
		},
		{
			name: "legacy explicit member", dep: posthogsim.Deployment2025,
			change: then(withZoe(posthogsim.LevelMember), legacyPrivateProduction(true)),
			rule:   "PH212", project: "production_project", level: "member", via: "explicit_member",
			phrase:   "has member access to protected project production_project as an explicit member of the private project;",
			nearMiss: then(withZoe(posthogsim.LevelMember), legacyPrivateProduction(false)),
		},
		{
			name: "most specific: a lower member rule beats a higher role rule", dep: posthogsim.Newest,
			change: then(withZoe(posthogsim.LevelMember, "Finance"), mostSpecific(&yes)),
			rule:   "PH212", project: "production_project", level: "member", via: "member_rule",
			phrase: "has member access to protected project production_project through a rule naming the member;",
			// near miss: the legacy resolution takes the highest, the role's
			nearMiss: then(withZoe(posthogsim.LevelMember, "Finance"), mostSpecific(nil)), missVia: "role_rule",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, c.change, posthogsim.WithDeployment(c.dep))
			rep, res := h.scanJSON("--snapshot-out", "snap.json")
			if res.code != 1 {
				t.Fatalf("scan exit %d, want 1:\n%s", res.code, res.stderr)
			}
			f := requireFinding(t, rep, want{c.rule, "member:" + zoe, c.project})
			if !strings.Contains(f.Message, c.phrase) {
				t.Errorf("message = %q, want it to contain %q", f.Message, c.phrase)
			}
			path, _ := f.Evidence["path"].(map[string]any)
			if path["via"] != c.via || f.Evidence["effective"] != c.level {
				t.Errorf("evidence = %v, want path via %s at %s", f.Evidence, c.via, c.level)
			}
			if f.Evidence["source"] == nil {
				t.Errorf("evidence lost its source: %v", f.Evidence)
			}

			// explain member tells the same level and path, in the same words
			x := decodeExplain(t, h.run("explain", "member:"+zoe, "--snapshot", "snap.json", "--project", c.project, "-f", "json"))
			if len(x.Projects) != 1 || x.Projects[0].Key != c.project || !x.Projects[0].Known || x.Projects[0].Path == nil {
				t.Fatalf("explain member projects = %+v, want %s alone, known", x.Projects, c.project)
			}
			if p := x.Projects[0]; p.Level != c.level || p.Path.Via != c.via {
				t.Errorf("explain member: %s via %s, want %s via %s", p.Level, p.Path.Via, c.level, c.via)
			}
			text := h.run("explain", "member:"+zoe, "--snapshot", "snap.json", "--project", c.project)
			words := strings.TrimSuffix(c.phrase[strings.Index(c.phrase, c.project)+len(c.project)+1:], ";")
			if text.code != 0 || !strings.Contains(strings.Join(strings.Fields(text.stdout), " "), c.level+" "+words) {
				t.Errorf("explain member text (exit %d) lacks %q:\n%s%s", text.code, c.level+" "+words, text.stdout, text.stderr)
			}

			// near miss
			mh := newHarness(t, c.nearMiss, posthogsim.WithDeployment(c.dep))
			miss, _ := mh.scanJSON()
			mf, ok := miss.find(want{c.rule, "member:" + zoe, c.project})
			switch {
			case c.missVia == "" && ok:
				t.Errorf("near miss: unexpected %s: %s", mf.Rule, mf.Message)
			case c.missVia != "" && !ok:
				t.Errorf("near miss: no %s for zoe; findings:\n%s", c.rule, listFindings(miss))
			case c.missVia != "":
				mpath, _ := mf.Evidence["path"].(map[string]any)
				if mpath["via"] != c.missVia || strings.Contains(mf.Message, c.phrase) {
					t.Errorf("near miss: %q via %v, want via %s", mf.Message, mpath["via"], c.missVia)
				}
			}
		})
	}
}

// PH207's path is the organization level; PH206's the resource rule.
func TestE2EOrgLevelAndResourcePaths(t *testing.T) {
	t.Parallel()
	h := newHarness(t, then(withZoe(posthogsim.LevelAdmin, "Finance"), func(o *posthogsim.Org) {
		p := project(o, "Production")
		p.ResourceAccessControls = append(p.ResourceAccessControls, posthogsim.AccessRule{Resource: "feature_flag", Level: "editor"})
	}))
	rep, _ := h.scanJSON()
	f := requireFinding(t, rep, want{"PH207", "member:" + zoe, ""})
	if path, _ := f.Evidence["path"].(map[string]any); path["via"] != "org_admin" || path["org_level"] != "admin" {
		t.Errorf("PH207 evidence = %v", f.Evidence)
	}
	if !strings.Contains(f.Message, "is an organization admin, which bypasses every project and resource rule") {
		t.Errorf("PH207 message = %q", f.Message)
	}
	// frank (Product: viewer on flags in production, by the role's rule)
	// now gets the everyone editor: the everyone rule is named
	g := requireFinding(t, rep, want{"PH206", "member:frank@acme.example/resource/feature_flag", "production_project"})
	if !strings.Contains(g.Message, "has editor access to feature_flag in production_project through the project's rule for everyone;") {
		t.Errorf("PH206 message = %q", g.Message)
	}
	if path, _ := g.Evidence["path"].(map[string]any); path["via"] != "everyone_rule" {
		t.Errorf("PH206 evidence = %v", g.Evidence)
	}
	// near miss: an admin is within an admins group's org level
	requireAbsent(t, rep, want{"PH207", "member:alice@acme.example", ""})
}

// explain member on the demo organization, as the demo serves it.
func TestE2EExplainMemberOnAcme(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	if _, res := h.scanJSON("--snapshot-out", "snap.json"); res.code != 1 {
		t.Fatalf("scan exit %d:\n%s", res.code, res.stderr)
	}
	// dan: the demo's PH212, admin through his own rule on Production
	dan := decodeExplain(t, h.run("explain", "member:DAN@acme.example", "--snapshot", "snap.json", "-f", "json"))
	if dan.Email != "dan@acme.example" || dan.OrgLevel != "member" || !dan.Complete || len(dan.Projects) != 2 {
		t.Fatalf("dan = %+v", dan)
	}
	if len(dan.Groups) != 1 || dan.Groups[0] != "engineering" || len(dan.Roles) != 1 || dan.Roles[0].Name != "Engineering" {
		t.Errorf("dan's groups %v, roles %v", dan.Groups, dan.Roles)
	}
	for _, p := range dan.Projects {
		switch p.Key {
		case "production_project":
			if p.Level != "admin" || p.Path.Via != "member_rule" || !p.Protected {
				t.Errorf("dan on production: %s via %s", p.Level, p.Path.Via)
			}
			if !p.ResourcesKnown || len(p.Resources) != 1 || p.Resources[0].Resource != "feature_flag" {
				t.Errorf("dan's resources on production: %+v", p.Resources)
			}
		case "staging_project":
			if p.Level != "admin" || p.Path.Via != "role_rule" || p.Path.RoleNames[0] != "Engineering" {
				t.Errorf("dan on staging: %s via %+v", p.Level, p.Path)
			}
			if len(p.Resources) != 0 {
				t.Errorf("staging has no resource rules, but: %+v", p.Resources)
			}
		default:
			t.Errorf("unexpected project %+v", p)
		}
	}
	// bi-bot owns two audited keys, both scoped to production
	bi := decodeExplain(t, h.run("explain", "member:bi-bot@acme.example", "--snapshot", "snap.json", "-f", "json"))
	if len(bi.Keys) != 2 {
		t.Fatalf("bi-bot's keys = %+v", bi.Keys)
	}
	for _, k := range bi.Keys {
		if k.AllProjects || len(k.Projects) != 1 || k.Projects[0].Key != "production_project" || len(k.Scopes) == 0 {
			t.Errorf("key %+v", k)
		}
	}
	// near miss: alice's (owner) key reaches every project
	alice := decodeExplain(t, h.run("explain", "member:alice@acme.example", "--snapshot", "snap.json", "-f", "json"))
	if len(alice.Keys) != 1 || !alice.Keys[0].AllProjects || len(alice.Keys[0].Projects) != 2 {
		t.Errorf("alice's keys = %+v", alice.Keys)
	}
	if alice.Projects[0].Path.Via != "org_admin" || alice.Projects[0].Path.OrgLevel != "owner" {
		t.Errorf("alice's path = %+v", alice.Projects[0].Path)
	}

	// text: fits the width asked for
	text := h.runEnv(map[string]string{"COLUMNS": "60"}, "explain", "member:dan@acme.example", "--snapshot", "snap.json")
	if text.code != 0 {
		t.Fatalf("exit %d: %s", text.code, text.stderr)
	}
	for _, l := range strings.Split(text.stdout, "\n") {
		if len([]rune(l)) > 60 {
			t.Errorf("line wider than 60: %q", l)
		}
	}
	for _, s := range []string{"Organization level: member", "Roles: Engineering", "Matrix groups: engineering", "admin through a rule naming the member", "feature_flag:", "admin through role Engineering's rule"} {
		if !strings.Contains(strings.Join(strings.Fields(text.stdout), " "), s) {
			t.Errorf("text lacks %q:\n%s", s, text.stdout)
		}
	}

	// --project by id and by name; a project none is: exit 2 listing them
	for _, p := range []string{"12346", "staging"} {
		x := decodeExplain(t, h.run("explain", "member:dan@acme.example", "--snapshot", "snap.json", "--project", p, "-f", "json"))
		if len(x.Projects) != 1 || x.Projects[0].ID != posthogsim.AcmeStagingID {
			t.Errorf("--project %s: %+v", p, x.Projects)
		}
	}
	if res := h.run("explain", "member:dan@acme.example", "--snapshot", "snap.json", "--project", "sandbox"); res.code != 2 || !strings.Contains(res.stderr, "staging_project = 12346 (Staging)") {
		t.Errorf("--project sandbox: exit %d\n%s", res.code, res.stderr)
	}

	// an unknown member: exit 2, did you mean
	res := h.run("explain", "member:dna@acme.example", "--snapshot", "snap.json")
	if res.code != 2 || !strings.Contains(res.stderr, "no member dna@acme.example") || !strings.Contains(res.stderr, "did you mean member:dan@acme.example?") {
		t.Errorf("unknown member: exit %d\n%s", res.code, res.stderr)
	}
	// near miss: nothing near, no guess
	if res := h.run("explain", "member:nobody@elsewhere.example", "--snapshot", "snap.json"); res.code != 2 || strings.Contains(res.stderr, "did you mean") {
		t.Errorf("far member: exit %d\n%s", res.code, res.stderr)
	}
	// no snapshot
	if res := h.run("explain", "member:dan@acme.example"); res.code != 2 || !strings.Contains(res.stderr, "needs --snapshot") {
		t.Errorf("no --snapshot: exit %d\n%s", res.code, res.stderr)
	}
	// explain RULE is unchanged, and refuses the member flags
	if res := h.run("explain", "PH204"); res.code != 0 || !strings.Contains(res.stdout, "PH204 project-access-exceeds-matrix") {
		t.Errorf("explain PH204: exit %d\n%s", res.code, res.stderr)
	}
	if res := h.run("explain", "PH204", "--snapshot", "snap.json"); res.code != 2 {
		t.Errorf("explain PH204 --snapshot: exit %d", res.code)
	}
}

// A snapshot missing evidence: explain member says what cannot be told
// and exits 2, never a level.
func TestE2EExplainMemberMissingEvidence(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, posthogsim.WithDeployment(posthogsim.Deployment2025))
	h.sim.Inject(posthogsim.Fault{Path: "/access_controls/", Times: 1000, Kind: posthogsim.Fault429, Seconds: 3600})
	if _, res := h.scanJSON("--snapshot-out", "snap.json"); res.code != 2 {
		t.Fatalf("scan exit %d, want 2", res.code)
	}
	res := h.run("explain", "member:dan@acme.example", "--snapshot", "snap.json", "-f", "json")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", res.code, res.stderr)
	}
	x := decodeExplain(t, res)
	if x.Complete {
		t.Error("complete with the access rules missing")
	}
	for _, p := range x.Projects {
		if p.Known || p.Level != "" || p.Path != nil || !strings.Contains(p.Reason, "access_controls") {
			t.Errorf("project %d told without its rules: %+v", p.ID, p)
		}
	}
	text := h.run("explain", "member:dan@acme.example", "--snapshot", "snap.json")
	flat := strings.Join(strings.Fields(text.stdout), " ")
	if text.code != 2 || !strings.Contains(flat, "(id 12346): cannot be told: the snapshot is missing access_controls") || strings.Contains(flat, "): none") || strings.Contains(flat, "): admin") {
		t.Errorf("text (exit %d):\n%s", text.code, text.stdout)
	}

	// without the members section the member cannot be looked up
	m := newHarness(t, nil)
	m.sim.Inject(posthogsim.Fault{Path: "/organizations/" + posthogsim.AcmeOrgID + "/members/", Times: 1000, Kind: posthogsim.Fault429, Seconds: 3600})
	m.scanJSON("--snapshot-out", "snap.json")
	if res := m.run("explain", "member:dan@acme.example", "--snapshot", "snap.json"); res.code != 2 || !strings.Contains(res.stderr, "missing the members section") {
		t.Errorf("no members: exit %d\n%s", res.code, res.stderr)
	}
}

// Untrusted names (roles, projects, emails) reach the terminal escaped.
func TestE2EExplainMemberHostileNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *posthogsim.Org) {
		role(o, "Engineering").Name = "Eng\x1b[2J\u202eineering\nroot"
		project(o, "Staging").Name = "Stag\ring\x1b]0;pwned\x07"
		addMember(o, "mallory\x1b[31m@acme.example", posthogsim.LevelMember, "")
	})
	h.scanJSON("--snapshot-out", "snap.json")
	for _, args := range [][]string{
		{"explain", "member:dan@acme.example", "--snapshot", "snap.json"},
		{"explain", "member:mallory@acme.example", "--snapshot", "snap.json"},
	} {
		res := h.run(args...)
		for _, out := range []string{res.stdout, res.stderr} {
			if strings.ContainsAny(out, "\x1b\r\a\u202e") {
				t.Errorf("%v: a control character reached the terminal: %q", args, out)
			}
		}
		if args[1] == "member:dan@acme.example" {
			if !strings.Contains(res.stdout, `"Eng\x1b[2J\u202eineering\nroot"`) {
				t.Errorf("the role name is not shown escaped:\n%s", res.stdout)
			}
		} else if !strings.Contains(res.stderr, `did you mean member:"mallory\x1b[31m@acme.example"?`) {
			t.Errorf("the hint does not show the email escaped:\n%s", res.stderr)
		}
	}
}
