package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// End-to-end tests of how hogaudit resolves access (issue 7, items 1, 2, 3
// and 11): a simulated Acme, changed a little, is scanned by the real
// command and the JSON report must show the behaviour; its near miss must
// not. Each access case runs on the newest deployment (PostHog's own
// users_with_access decides PH204/PH212) and on the 2025 one (the rules do).

var bothDeployments = []posthogsim.Deployment{posthogsim.Newest, posthogsim.Deployment2025}

// scanOrg scans Acme changed by change, served as deployment dep, against
// the example matrix.
func scanOrg(t *testing.T, dep posthogsim.Deployment, change orgChange) (jsonReport, result) {
	t.Helper()
	h := newHarness(t, change, posthogsim.WithDeployment(dep))
	h.writeMatrix(string(examples.Matrix))
	return h.scanJSON()
}

// rule sets (or adds) the project rule of member (email) or role (name) on
// the named project; level "" removes it.
func setProjectRule(o *posthogsim.Org, projectName, email, roleName, level string) {
	p := project(o, projectName)
	var mid, rid string
	if email != "" {
		mid = member(o, email).ID
	}
	if roleName != "" {
		rid = role(o, roleName).ID
	}
	var kept []posthogsim.AccessRule
	for _, r := range p.AccessControls {
		if r.MemberID != mid || r.RoleID != rid {
			kept = append(kept, r)
		}
	}
	if level != "" {
		kept = append(kept, posthogsim.AccessRule{MemberID: mid, RoleID: rid, Level: level})
	}
	p.AccessControls = kept
}

func requireFinding(t *testing.T, rep jsonReport, w want) jsonFinding {
	t.Helper()
	f, ok := rep.find(w)
	if !ok {
		t.Fatalf("no %s for %s in %s; findings:\n%s", w.rule, w.subject, w.project, listFindings(rep))
	}
	return f
}

func requireAbsent(t *testing.T, rep jsonReport, w want) {
	t.Helper()
	if f, ok := rep.find(w); ok {
		t.Errorf("unexpected %s %s (%s): %s", f.Rule, f.Subject, f.Project, f.Message)
	}
}

// Item 1: an explicit none is a denial, even under an everyone rule of
// member; and PH206 does not judge the resources of a member kept out.
func TestE2EExplicitNoneDeniesUnderAnEveryoneMember(t *testing.T) {
	t.Parallel()
	// Production (protected) opens to every member and drops the Product
	// role's rule (product members reach it through the everyone rule);
	// zoe belongs to no group (allowed none); product's feature_flag rule is
	// gone, so frank (product: viewer on flags) gets the default editor.
	open := func(o *posthogsim.Org) {
		setProjectRule(o, "Production", "", "", "member")
		setProjectRule(o, "Production", "", "Product", "")
		addMember(o, "zoe@acme.example", posthogsim.LevelMember, "")
		project(o, "Production").ResourceAccessControls = nil
	}
	denied := func(o *posthogsim.Org) {
		open(o)
		setProjectRule(o, "Production", "zoe@acme.example", "", "none")
		setProjectRule(o, "Production", "frank@acme.example", "", "none")
	}
	for _, dep := range bothDeployments {
		t.Run(dep.String(), func(t *testing.T) {
			t.Parallel()
			rep, _ := scanOrg(t, dep, denied)
			requireAbsent(t, rep, want{"PH212", "member:zoe@acme.example", "production_project"})
			requireAbsent(t, rep, want{"PH206", "member:frank@acme.example/resource/feature_flag", "production_project"})
			// grace (product, no rule of her own) still gets the default on flags
			requireFinding(t, rep, want{"PH206", "member:grace@acme.example/resource/feature_flag", "production_project"})

			// Near miss: without their own rule the everyone member applies.
			miss, _ := scanOrg(t, dep, open)
			f := requireFinding(t, miss, want{"PH212", "member:zoe@acme.example", "production_project"})
			if f.Evidence["effective"] != "member" {
				t.Errorf("zoe's effective level = %v, want member", f.Evidence["effective"])
			}
			requireFinding(t, miss, want{"PH206", "member:frank@acme.example/resource/feature_flag", "production_project"})
		})
	}
}

// Item 1 on an unprotected project, through a role: a role's none denies its
// members under an everyone admin.
func TestE2ERoleNoneDeniesUnderAnEveryoneAdmin(t *testing.T) {
	t.Parallel()
	// On Staging product may be member: an everyone admin is above that.
	open := func(o *posthogsim.Org) {
		setProjectRule(o, "Staging", "", "", "admin")
		setProjectRule(o, "Staging", "", "Product", "")
	}
	for _, dep := range bothDeployments {
		t.Run(dep.String(), func(t *testing.T) {
			t.Parallel()
			miss, _ := scanOrg(t, dep, open)
			requireFinding(t, miss, want{"PH204", "member:frank@acme.example", "staging_project"})
			rep, _ := scanOrg(t, dep, func(o *posthogsim.Org) {
				open(o)
				setProjectRule(o, "Staging", "", "Product", "none")
			})
			requireAbsent(t, rep, want{"PH204", "member:frank@acme.example", "staging_project"})
			// bi-bot is in no role: the everyone admin still applies
			requireFinding(t, rep, want{"PH204", "member:bi-bot@acme.example", "staging_project"})
		})
	}
}

// Item 2: in a most-specific organization the member's own row beats its
// role's, for projects and resources; a legacy organization takes the
// highest.
func TestE2EMostSpecificOrganizations(t *testing.T) {
	t.Parallel()
	yes := true
	// dan: own rule none on Production, his role (Engineering) admin.
	// frank: everyone editor on flags, his role (Product) viewer.
	shape := func(mostSpecific *bool) orgChange {
		return func(o *posthogsim.Org) {
			setProjectRule(o, "Production", "dan@acme.example", "", "none")
			setProjectRule(o, "Production", "", "Engineering", "admin")
			p := project(o, "Production")
			p.ResourceAccessControls = append(p.ResourceAccessControls, posthogsim.AccessRule{Resource: "feature_flag", Level: "editor"})
			o.UsesMostSpecificAccessResolution = mostSpecific
		}
	}
	rep, _ := scanOrg(t, posthogsim.Newest, shape(&yes))
	requireAbsent(t, rep, want{"PH212", "member:dan@acme.example", "production_project"})
	requireAbsent(t, rep, want{"PH206", "member:frank@acme.example/resource/feature_flag", "production_project"})
	// erin has no rule of her own: her role's admin applies
	requireFinding(t, rep, want{"PH212", "member:erin@acme.example", "production_project"})

	// Near miss: the same rules in a legacy organization.
	for _, dep := range bothDeployments {
		t.Run("legacy "+dep.String(), func(t *testing.T) {
			t.Parallel()
			miss, _ := scanOrg(t, dep, shape(nil))
			f := requireFinding(t, miss, want{"PH212", "member:dan@acme.example", "production_project"})
			if f.Evidence["effective"] != "admin" {
				t.Errorf("dan's effective level = %v, want admin", f.Evidence["effective"])
			}
			requireFinding(t, miss, want{"PH206", "member:frank@acme.example/resource/feature_flag", "production_project"})
		})
	}
	// The 2025 deployment has no most-specific resolution even when the
	// fixture asks for it.
	old, _ := scanOrg(t, posthogsim.Deployment2025, shape(&yes))
	requireFinding(t, old, want{"PH212", "member:dan@acme.example", "production_project"})
}

// Item 3's entitlement by vintage is in e2e_vintage_test.go.

// Item 3, 2024 and before: with project_based_permissioning alone a project
// with the legacy access_control flag admits only its explicit members and
// organization admins.
func TestE2ELegacyPrivateProjectsAdmitTheirExplicitMembers(t *testing.T) {
	t.Parallel()
	legacy := func(explicit ...string) orgChange {
		return func(o *posthogsim.Org) {
			o.Features = []string{"project_based_permissioning", "role_based_access", "audit_logs"}
			addMember(o, "zoe@acme.example", posthogsim.LevelMember, "")
			p := project(o, "Production")
			p.AccessControl = true
			// The rules alone would let zoe in; the legacy flag does not.
			setProjectRule(o, "Production", "", "", "member")
			for i, email := range explicit {
				p.ExplicitMembers = append(p.ExplicitMembers, posthogsim.ExplicitMember{
					ID: "0190a1b2-5555-7000-8000-00000000000" + string(rune('1'+i)), MemberID: member(o, email).ID,
					Level: posthogsim.LevelMember, JoinedAt: refNow.AddDate(0, -1, 0),
				})
			}
		}
	}
	zoe := want{"PH212", "member:zoe@acme.example", "production_project"}
	rep, res := scanOrg(t, posthogsim.Deployment2025, legacy("zoe@acme.example", "frank@acme.example"))
	f := requireFinding(t, rep, zoe)
	if f.Evidence["source"] != "explicit_members" || f.Evidence["effective"] != "member" {
		t.Errorf("zoe's evidence = %v, want member through explicit_members", f.Evidence)
	}
	// dan has an admin rule on Production but is no explicit member: out.
	requireAbsent(t, rep, want{"PH212", "member:dan@acme.example", "production_project"})
	requireAbsent(t, rep, want{"PH205", "project:production_project", "production_project"})
	if res.code != 1 {
		t.Errorf("exit %d, want 1", res.code)
	}

	// Near miss: zoe is no explicit member.
	miss, _ := scanOrg(t, posthogsim.Deployment2025, legacy("frank@acme.example"))
	requireAbsent(t, miss, zoe)

	// The newest deployment ignores project_based_permissioning and the
	// legacy flag alike (it checks access_control alone): no rule is
	// enforced, PostHog's own users_with_access gives zoe the default admin,
	// and PH205 says why.
	newest, res := scanOrg(t, posthogsim.Newest, legacy("zoe@acme.example"))
	if res.code != 1 {
		t.Errorf("exit %d, want 1 (findings, complete evidence)", res.code)
	}
	if f := requireFinding(t, newest, zoe); f.Evidence["source"] != "users_with_access" || f.Evidence["effective"] != "admin" {
		t.Errorf("zoe's evidence on the newest deployment = %v, want admin in users_with_access", f.Evidence)
	}
	if f := requireFinding(t, newest, want{"PH205", "project:production_project", "production_project"}); !strings.Contains(f.Message, "lacks access_control") {
		t.Errorf("PH205 = %q", f.Message)
	}
	requireAbsent(t, newest, want{"PH901", "section:explicit_members/project/*", ""})

	// The 2025 deployment failing to serve the explicit members: the
	// project's access is unknown, never a pass.
	h := newHarness(t, legacy("zoe@acme.example"), posthogsim.WithDeployment(posthogsim.Deployment2025))
	h.sim.Inject(posthogsim.Fault{Path: "/explicit_members/", Times: 100, Kind: posthogsim.Fault429, Seconds: 3600})
	unknown, res := h.scanJSON()
	if res.code != 2 {
		t.Errorf("exit %d, want 2 (evidence missing)", res.code)
	}
	requireAbsent(t, unknown, zoe)
	requireFinding(t, unknown, want{"PH901", "section:explicit_members/project/*", ""})
	var notEvaluated []string
	for _, n := range unknown.NotEvaluated {
		notEvaluated = append(notEvaluated, n.Rule)
	}
	for _, r := range []string{"PH204", "PH206", "PH212"} {
		if !strings.Contains(strings.Join(notEvaluated, " "), r) {
			t.Errorf("%s should not be evaluated without the explicit members; not evaluated: %v", r, notEvaluated)
		}
	}
}

// Item 11: the protected case has its own rule, so GitHub shows it as
// critical; unprotected projects stay PH204 (high).
func TestE2EProtectedProjectAccessIsItsOwnCriticalRule(t *testing.T) {
	t.Parallel()
	// dan: admin on Production (protected) as in the demo; bi-bot: member on
	// Staging, where its groups allow nothing.
	change := func(o *posthogsim.Org) { setProjectRule(o, "Staging", "bi-bot@acme.example", "", "member") }
	h := newHarness(t, change)
	rep, _ := h.scanJSON("--sarif", "access.sarif")
	protected := requireFinding(t, rep, want{"PH212", "member:dan@acme.example", "production_project"})
	unprotected := requireFinding(t, rep, want{"PH204", "member:bi-bot@acme.example", "staging_project"})
	if protected.Severity != "critical" || unprotected.Severity != "high" {
		t.Errorf("severities: PH212 %q, PH204 %q; want critical and high", protected.Severity, unprotected.Severity)
	}
	requireAbsent(t, rep, want{"PH204", "member:dan@acme.example", "production_project"})
	requireAbsent(t, rep, want{"PH212", "member:bi-bot@acme.example", "staging_project"})

	// SARIF carries the severity per rule, where GitHub reads it.
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string         `json:"id"`
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(readFile(t, h.path("access.sarif"))), &log); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		got[r.ID] = r.Properties["security-severity"]
	}
	if got["PH212"] != "9.5" || got["PH204"] != "8.0" {
		t.Errorf("security-severity: PH212 %v, PH204 %v; want 9.5 and 8.0", got["PH212"], got["PH204"])
	}

	// Near miss: dan back to his matrix level: no PH212 at all.
	fixed, _ := scanOrg(t, posthogsim.Newest, func(o *posthogsim.Org) {
		change(o)
		setProjectRule(o, "Production", "dan@acme.example", "", "member")
	})
	if fs := fixed.byRule("PH212"); len(fs) != 0 {
		t.Errorf("PH212 without over-access: %v", listFindings(fixed))
	}
	requireFinding(t, fixed, want{"PH204", "member:bi-bot@acme.example", "staging_project"})
}
