package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// reviewDashEmail is a member's email a spreadsheet would read as a
// formula: the bundle writes it '-dash@acme.example.
const reviewDashEmail = "-dash@acme.example"

// dashHarness is Acme with its second member's email reviewDashEmail,
// scanned into snap.json and exported into bundle.
func dashHarness(t *testing.T) *harness {
	t.Helper()
	h := reviewHarness(t, func(o *posthogsim.Org) { o.Members[1].User.Email = reviewDashEmail })
	if res := h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle", "-q"); res.code == 2 && !strings.Contains(res.stderr, "incomplete evidence") {
		t.Fatalf("export: exit %d\n%s", res.code, res.stderr)
	}
	return h
}

// TestReviewVerifyEscapedEmail: an email that starts with - is written
// with safeCell's apostrophe, and verify reads it without: the member
// reviewing themself fails as self-review, and a revoked membership still
// in a later snapshot fails (near miss: another reviewer passes).
func TestReviewVerifyEscapedEmail(t *testing.T) {
	h := dashHarness(t)
	recs := readCSVFile(t, filepath.Join(h.path("bundle"), "access.csv"))
	hdr := recs[0]
	found := false
	for _, r := range recs[1:] {
		if r[colOf(t, hdr, "member_email")] == "'"+reviewDashEmail {
			found = true
		}
	}
	if !found {
		t.Fatalf("no row with member_email %q", "'"+reviewDashEmail)
	}
	isDash := func(r []string) bool { return r[colOf(t, hdr, "member_email")] == "'"+reviewDashEmail }

	ok := copyDir(t, h.path("bundle"))
	fillDecisions(t, ok, nil)
	if res := h.run("review", "verify", ok); res.code != 0 {
		t.Fatalf("verify of a completed bundle: exit %d\n%s", res.code, res.stderr)
	}

	self := copyDir(t, h.path("bundle"))
	fillDecisions(t, self, func(recs [][]string) {
		for _, r := range recs[1:] {
			if isDash(r) {
				r[colOf(t, hdr, "reviewer")] = reviewDashEmail
			}
		}
	})
	if res := h.run("review", "verify", self); res.code != 1 || !strings.Contains(res.stderr, "self-review") {
		t.Errorf("self-review by %s: exit %d\n%s", reviewDashEmail, res.code, res.stderr)
	}

	revoke := copyDir(t, h.path("bundle"))
	fillDecisions(t, revoke, func(recs [][]string) {
		for _, r := range recs[1:] {
			if isDash(r) && r[colOf(t, hdr, "entitlement")] == "org_level" {
				r[colOf(t, hdr, "decision")] = "revoke"
			}
		}
	})
	h.setNow(refNow.Add(24 * time.Hour))
	if res := h.run(scanArgs("--snapshot-out", "later.json", "-q")...); res.code == 2 {
		t.Fatalf("later scan: exit 2\n%s", res.stderr)
	}
	if res := h.run("review", "verify", revoke, "--snapshot", "later.json"); res.code != 1 || !strings.Contains(res.stderr, "still in the organization") {
		t.Errorf("revoke of %s still a member: exit %d\n%s", reviewDashEmail, res.code, res.stderr)
	}
}

// TestReviewVerifyReviewerIdentity: the reviewer must be a bare email
// address, and the member's own address with a +tag is still the member
// (near miss: a bare address of someone else passes, above).
func TestReviewVerifyReviewerIdentity(t *testing.T) {
	h := reviewHarness(t, nil)
	h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle", "-q")
	for name, tc := range map[string]struct {
		reviewer func(email string) string
		want     string
	}{
		"display name":  {func(string) string { return "Auditor <auditor@review.example>" }, "is not an email address"},
		"not an email":  {func(string) string { return "the auditor" }, "is not an email address"},
		"two addresses": {func(string) string { return "a@review.example, b@review.example" }, "is not an email address"},
		"plus tag": {func(e string) string {
			at := strings.LastIndexByte(e, '@')
			return strings.ToUpper(e[:at]) + "+review" + e[at:]
		}, "self-review"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, h.path("bundle"))
			fillDecisions(t, dir, func(recs [][]string) {
				r := recs[1]
				r[colOf(t, recs[0], "reviewer")] = tc.reviewer(r[colOf(t, recs[0], "member_email")])
			})
			if res := h.run("review", "verify", dir); res.code != 1 || !strings.Contains(res.stderr, "access.csv line 2: ") || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("exit %d, want 1 and %q\n%s", res.code, tc.want, res.stderr)
			}
		})
	}
}

// TestReviewVerifyIncompleteEvidence: a bundle of a snapshot without the
// projects' access rules fails verify, every decision filled in, naming
// the incomplete evidence: in the manifest and on the unknown rows.
func TestReviewVerifyIncompleteEvidence(t *testing.T) {
	h := newHarness(t, nil, posthogsim.WithDeployment(posthogsim.Deployment2025))
	h.sim.Inject(posthogsim.Fault{Path: "/access_controls/", Times: 1000, Kind: posthogsim.Fault429, Seconds: 3600})
	h.run(scanArgs("--snapshot-out", "snap.json", "-q")...)
	h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle", "-q")
	dir := copyDir(t, h.path("bundle"))
	fillDecisions(t, dir, nil)
	res := h.run("review", "verify", dir)
	if res.code != 1 || !strings.Contains(res.stderr, "manifest.json: the review's evidence is incomplete") ||
		!strings.Contains(res.stderr, "rules not evaluated") || !strings.Contains(res.stderr, `level is "unknown"`) {
		t.Errorf("verify of an incomplete bundle: exit %d\n%s", res.code, res.stderr)
	}
}

// TestReviewVerifyNoRows: an access.csv without rows (digests made to
// match) fails: there is nothing reviewed.
func TestReviewVerifyNoRows(t *testing.T) {
	h := reviewHarness(t, nil)
	h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle", "-q")
	dir := copyDir(t, h.path("bundle"))
	recs := readCSVFile(t, filepath.Join(dir, "access.csv"))
	for _, name := range []string{"access.csv", "access.exported.csv"} {
		writeCSVFile(t, filepath.Join(dir, name), recs[:1])
	}
	var m map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	hb, _ := os.ReadFile(filepath.Join(dir, "access.csv"))
	files := m["files"].(map[string]any)
	files["access.csv"], files["access.exported.csv"] = sha(hb), sha(hb)
	b, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644)
	if res := h.run("review", "verify", dir); res.code != 1 || !strings.Contains(res.stderr, "no access rows") {
		t.Errorf("verify of a bundle without rows: exit %d\n%s", res.code, res.stderr)
	}
}

// TestReviewVerifyRevokeProjectsIncomplete: a revoked project access
// whose project is absent from a later snapshot whose project list is not
// complete cannot be confirmed; absent from a complete list it is gone.
func TestReviewVerifyRevokeProjectsIncomplete(t *testing.T) {
	h := reviewHarness(t, nil)
	h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle", "-q")
	b, _ := os.ReadFile(h.path("snap.json"))
	snap, err := snapshot.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	recs := readCSVFile(t, filepath.Join(h.path("bundle"), "access.csv"))
	hdr := recs[0]
	var rowID, pid string
	for _, r := range recs[1:] {
		if r[colOf(t, hdr, "entitlement")] == "project" && r[colOf(t, hdr, "level")] != "none" && !strings.EqualFold(r[colOf(t, hdr, "member_email")], snap.CurrentUser.Email) {
			rowID, pid = r[0], r[colOf(t, hdr, "project_id")]
			break
		}
	}
	if rowID == "" {
		t.Fatal("no project row with access")
	}
	dir := copyDir(t, h.path("bundle"))
	fillDecisions(t, dir, func(recs [][]string) {
		for _, r := range recs[1:] {
			if r[0] == rowID {
				r[colOf(t, hdr, "decision")] = "revoke"
			}
		}
	})
	h.setNow(refNow.Add(24 * time.Hour))
	if res := h.run(scanArgs("--snapshot-out", "later.json", "-q")...); res.code == 2 {
		t.Fatalf("later scan: exit 2\n%s", res.stderr)
	}
	// later.json without the project and with a Missing record of the
	// projects section (the partial list a failed page leaves).
	var doc map[string]any
	lb, _ := os.ReadFile(h.path("later.json"))
	if err := json.Unmarshal(lb, &doc); err != nil {
		t.Fatal(err)
	}
	projects := slices.Clone(doc["projects"].([]any))
	projects = slices.DeleteFunc(projects, func(p any) bool {
		id, _ := p.(map[string]any)["id"].(float64)
		return jsonNum(id) == pid
	})
	if len(projects) == len(doc["projects"].([]any)) {
		t.Fatalf("project %s not in later.json", pid)
	}
	doc["projects"] = projects
	missing, _ := doc["missing"].([]any)
	doc["missing"] = append(missing, map[string]any{"section": "projects", "endpoint": "/api/organizations/x/projects/", "status": 500, "detail": "server error"})
	pb, _ := json.Marshal(doc)
	os.WriteFile(h.path("partial.json"), pb, 0o644)
	if res := h.run("review", "verify", dir, "--snapshot", "partial.json"); res.code != 1 || !strings.Contains(res.stderr, "project list is not complete") {
		t.Errorf("verify with a partial project list: exit %d\n%s", res.code, res.stderr)
	}
	// Near miss: the project deleted, the later list complete.
	h2 := newHarness(t, func(o *posthogsim.Org) {
		o.Projects = slices.DeleteFunc(o.Projects, func(p posthogsim.Project) bool { return jsonNum(float64(p.ID)) == pid })
	})
	h2.setNow(refNow.Add(24 * time.Hour))
	// (Some rules cannot run without the project, so the scan may exit 2;
	// its member and project lists are complete.)
	h2.run(scanArgs("--snapshot-out", "later.json", "-q")...)
	if res := h.run("review", "verify", dir, "--snapshot", h2.path("later.json")); res.code != 0 {
		t.Errorf("verify with the project gone: exit %d\n%s", res.code, res.stderr)
	}
}

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// TestReviewExportDisabledRules: with the rules that judge a kind of
// access disabled, no row of that kind is allowed: its verdict is unknown
// (near miss: without --disable every kind has allowed rows).
func TestReviewExportDisabledRules(t *testing.T) {
	h := reviewHarness(t, nil)
	verdicts := func(dir string, disable ...string) map[string]map[string]int {
		args := []string{"review", "export", "--snapshot", "snap.json", "-o", dir, "-q"}
		for _, d := range disable {
			args = append(args, "--disable", d)
		}
		if res := h.run(args...); res.code == 2 && !strings.Contains(res.stderr, "incomplete evidence") {
			t.Fatalf("export: exit %d\n%s", res.code, res.stderr)
		}
		recs := readCSVFile(t, filepath.Join(h.path(dir), "access.csv"))
		out := map[string]map[string]int{}
		for _, r := range recs[1:] {
			k := r[colOf(t, recs[0], "entitlement")]
			if out[k] == nil {
				out[k] = map[string]int{}
			}
			out[k][r[colOf(t, recs[0], "verdict")]]++
		}
		return out
	}
	all := verdicts("all")
	for _, k := range []string{"org_level", "project", "resource", "key"} {
		if all[k]["allowed"] == 0 {
			t.Fatalf("no %s row allowed with every rule in force: %v", k, all)
		}
	}
	for _, tc := range []struct {
		kind    string
		disable []string
	}{
		{"project", []string{"PH204"}},
		{"project", []string{"PH212"}},
		{"resource", []string{"PH206"}},
		{"org_level", []string{"PH207"}},
		{"key", []string{"PH302"}},
		{"project", []string{"PH203"}},
	} {
		got := verdicts("d-"+strings.Join(tc.disable, "-"), tc.disable...)
		if got[tc.kind]["allowed"] != 0 || got[tc.kind]["unknown"] == 0 {
			t.Errorf("--disable %v: %s verdicts %v, want none allowed", tc.disable, tc.kind, got[tc.kind])
		}
	}
}
