package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot"
)

// acmeViolations are the deliberate violations of the simulated Acme
// organization against examples/access-matrix.yaml, and nothing else.
var acmeViolations = []string{
	"PH101 domain:acme.example",                        // SSO enforced with Google, the matrix requires SAML
	"PH201 org:Acme Analytics",                         // three owners, at most two
	"PH212 member:dan@acme.example production_project", // an engineer with admin on the protected Production
	"PH208 member:grace@acme.example",                  // dormant for 200 days
	"PH209 member:heidi@contractor.example",            // an external member
	"PH210 invite:ivan@acme.example",                   // a pending admin invite
	"PH301 key:bi-legacy",                              // a wildcard key
	"PH304 key:flag-service",                           // a stale key: unused for 60 days…
	"PH305 key:flag-service",                           // …and never rotated in 200
	"PH307 matrix:access_matrix.bi_service_account.production_project.api_key_scopes.event:read production_project", // event:read in the matrix
	"PH401 member:erin@acme.example/flag/4711 production_project",                                                   // a flag deleted in Production
}

func findingKeys(r jsonReport) []string {
	var out []string
	for _, f := range r.Findings {
		k := f.Rule + " " + f.Subject
		if f.Project != "" {
			k += " " + f.Project
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// demoSnapshot writes the demo's snapshot into the harness directory.
func demoSnapshot(t *testing.T, h *harness) string {
	t.Helper()
	res := h.run("demo", "-q", "--snapshot-out", "demo-snapshot.json", "-o", "demo.txt")
	if res.code != 0 {
		t.Fatalf("demo exit %d:\n%s", res.code, res.stderr)
	}
	return h.path("demo-snapshot.json")
}

func TestCheckDemoSnapshotFindsExactlyTheDeliberateViolations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	snap := demoSnapshot(t, h)
	res := h.run("check", "--snapshot", snap, "--matrix", h.path("access-matrix.yaml"), "--format", "json")
	if res.code != 1 {
		t.Fatalf("exit %d, want 1 (findings at or above high):\n%s", res.code, res.stderr)
	}
	rep := decodeReport(t, []byte(res.stdout))
	expected := append([]string{}, acmeViolations...)
	sort.Strings(expected)
	if diff := cmp.Diff(expected, findingKeys(rep)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if !rep.Snapshot.Complete || len(rep.NotEvaluated) != 0 {
		t.Errorf("complete=%v not evaluated=%v", rep.Snapshot.Complete, rep.NotEvaluated)
	}
	if f, _ := rep.find(want{"PH212", "member:dan@acme.example", "production_project"}); f.Severity != "critical" {
		t.Errorf("PH212 (the protected Production project) should be critical, got %q", f.Severity)
	}
	// The scan of the live (simulated) organization agrees with the check
	// of its snapshot.
	live, _ := h.scanJSON()
	if diff := cmp.Diff(findingKeys(rep), findingKeys(live)); diff != "" {
		t.Errorf("scan and check disagree (-check +scan):\n%s", diff)
	}
}

func TestCheckWithoutASectionIsIncomplete(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	path := demoSnapshot(t, h)
	s, err := snapshot.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// Remove the activity log from the file, as an editor would.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	// Without a record of why, the file is refused, naming the section.
	raw["activity_log"] = nil
	b, _ = json.Marshal(raw)
	refused := h.run("check", "--snapshot", writeTemp(t, h.dir, "refused.json", string(b)), "--matrix", h.path("access-matrix.yaml"), "--format", "json")
	if refused.code != 2 || !strings.Contains(refused.stderr, "activity_log") || strings.Contains(refused.stdout, "\"findings\"") {
		t.Errorf("an unaccounted null section: exit %d\n%s", refused.code, refused.stderr)
	}
	// As a collection that could not read the log writes it.
	raw["activity_log_source"], raw["organization_activity_log"] = nil, nil
	addMissing(raw, "activity_log", "/api/organizations/x/advanced_activity_logs/", 503, "server error 503 after retries")
	addMissing(raw, "organization_activity_log", "/api/organizations/x/advanced_activity_logs/", 503, "server error 503 after retries")
	b, _ = json.Marshal(raw)
	edited := writeTemp(t, h.dir, "edited.json", string(b))
	if len(s.ActivityLog) == 0 {
		t.Fatal("the demo snapshot should have activity")
	}

	res := h.run("check", "--snapshot", edited, "--matrix", h.path("access-matrix.yaml"), "--format", "json")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2 when evidence is missing:\n%s", res.code, res.stderr)
	}
	rep := decodeReport(t, []byte(res.stdout))
	var notEvaluated []string
	for _, n := range rep.NotEvaluated {
		notEvaluated = append(notEvaluated, n.Rule)
		// PH402 and PH403 read the organization-level entries, gone with
		// the log. The file, not the key, lost them: no scope is blamed.
		want := "activity_log"
		if n.Rule != "PH401" {
			want = "organization_activity_log"
		}
		if !contains(n.Sections, want) || len(n.Scopes) != 0 {
			t.Errorf("%s: sections %v scopes %v, want %s and no scope", n.Rule, n.Sections, n.Scopes, want)
		}
	}
	if diff := cmp.Diff([]string{"PH401", "PH402", "PH403"}, notEvaluated); diff != "" {
		t.Errorf("not evaluated (-want +got):\n%s", diff)
	}
	// The rules that could run still report; the audit-trail finding is
	// gone, and the missing section is itself a finding.
	if rep.has("PH401", "member:erin@acme.example/flag/4711", "production_project") {
		t.Error("PH401 cannot have run without the activity log")
	}
	if !rep.has("PH212", "member:dan@acme.example", "production_project") || !rep.has("PH901", "section:activity_log", "*") {
		t.Errorf("the evaluable findings and PH901 must still be reported:\n%s", listFindings(rep))
	}
	if !strings.Contains(res.stderr, "PH401 flag-deleted-against-matrix not evaluated") {
		t.Errorf("stderr should say which rules were not evaluated:\n%s", res.stderr)
	}
}

func TestMatrixErrorsPointAtTheirLine(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	bad := strings.Replace(string(examples.Matrix), "  max_owners: 2\n", "  max_owners: 2\n  max_ownerz: 3\n", 1)
	bad = strings.Replace(bad, "      role: admin\n      can_create_flags: true\n      can_delete_flags: true\n", "      role: superuser\n      can_create_flags: true\n      can_delete_flags: true\n", 1)
	path := h.writeMatrix(bad)
	lineOf := func(text string) int {
		for i, l := range strings.Split(bad, "\n") {
			if strings.Contains(l, text) {
				return i + 1
			}
		}
		t.Fatalf("no line with %q", text)
		return 0
	}
	for _, args := range [][]string{
		{"matrix", "validate", path},
		{"scan", "--matrix", path},
	} {
		res := h.run(args...)
		if res.code != 2 {
			t.Fatalf("%v: exit %d, want 2", args, res.code)
		}
		for _, w := range []string{
			fmt.Sprintf("hogaudit: %s:%d:3: unknown key \"max_ownerz\" in organization; did you mean \"max_owners\"?", path, lineOf("max_ownerz")),
			fmt.Sprintf("hogaudit: %s:%d:13: access_matrix.engineering.staging_project.role must be one of none, member, admin; got \"superuser\"", path, lineOf("superuser")),
			"hogaudit: hint: ",
		} {
			if !strings.Contains(res.stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, w, res.stderr)
			}
		}
		if args[0] == "scan" && h.sim.Stats().Requests != 0 {
			t.Errorf("a scan with an invalid matrix must not call PostHog (%d requests)", h.sim.Stats().Requests)
		}
	}
	// A valid matrix with event:read validates, with a warning, and the
	// scan reports PH307 at that line.
	good := h.writeMatrix(string(examples.Matrix))
	res := h.run("matrix", "validate", good)
	if res.code != 0 || !strings.Contains(res.stderr, `unknown scope "event:read" will be reported as PH307`) {
		t.Errorf("validate of the example: exit %d\n%s", res.code, res.stderr)
	}
	rep, _ := h.scanJSON()
	f, ok := rep.find(want{"PH307", "matrix:*", "*"})
	lines := strings.Split(string(examples.Matrix), "\n")
	if !ok || f.Line < 1 || !strings.Contains(lines[f.Line-1], "event:read") {
		t.Errorf("PH307 should point at the line with event:read, got line %d", f.Line)
	}
}
