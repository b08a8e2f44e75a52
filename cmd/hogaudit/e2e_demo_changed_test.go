package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// demoChangedFindings are the findings `demo --changed` adds to the demo's:
// each deliberate change, judged by the rules in force (the drift rule PH404
// needs --previous: e2e_drift_test.go).
var demoChangedFindings = []struct{ rule, subject string }{
	{"PH207", "member:erin@acme.example"}, // promoted to organization admin
	{"PH212", "member:erin@acme.example"}, // an organization admin is admin everywhere
	// role Product given admin on protected Production by an access rule
	{"PH212", "member:frank@acme.example"},
	{"PH212", "member:grace@acme.example"},
	{"PH212", "member:heidi@contractor.example"},
	{"PH302", "key:bi-dashboard-readonly"}, // widened with feature_flag:write
}

func TestDemoChangedShowsEachDeliberateChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("demo", "--changed", "--format", "json")
	if res.code != 0 {
		t.Fatalf("demo --changed exit %d:\n%s", res.code, res.stderr)
	}
	changed := decodeReport(t, []byte(res.stdout))
	res = h.run("demo", "--format", "json")
	if res.code != 0 {
		t.Fatalf("demo exit %d:\n%s", res.code, res.stderr)
	}
	plain := decodeReport(t, []byte(res.stdout))
	for _, f := range demoChangedFindings {
		if !changed.has(f.rule, f.subject, "*") {
			t.Errorf("demo --changed lacks %s %s; findings:\n%s", f.rule, f.subject, listFindings(changed))
		}
		// The near miss: the demo without the changes.
		if plain.has(f.rule, f.subject, "*") {
			t.Errorf("the plain demo has %s %s", f.rule, f.subject)
		}
	}
	// SSO enforcement cleared on acme.example, by carol, within the lookback.
	var sso bool
	for _, f := range changed.byRule("PH402") {
		sso = sso || (strings.HasPrefix(f.Subject, "domain:acme.example/activity/") && strings.Contains(f.Message, "by carol@acme.example"))
	}
	if !sso {
		t.Errorf("demo --changed lacks PH402 for acme.example; findings:\n%s", listFindings(changed))
	}
	for _, f := range plain.byRule("PH402") {
		if strings.HasPrefix(f.Subject, "domain:") {
			t.Errorf("the plain demo has %s %s", f.Rule, f.Subject)
		}
	}
	if strings.Contains(res.stderr, "changed a few seconds ago") {
		t.Errorf("the plain demo says it changed something:\n%s", res.stderr)
	}
}

func TestDemoMatrixChecksWithAnotherMatrix(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	// The built-in example allows two owners and Acme has three (PH201);
	// a matrix allowing three has no such finding.
	three := strings.Replace(string(examples.Matrix), "max_owners: 2", "max_owners: 3", 1)
	if three == string(examples.Matrix) {
		t.Fatal("the example matrix no longer says max_owners: 2")
	}
	if err := os.WriteFile(h.path("mine.yaml"), []byte(three), 0o644); err != nil {
		t.Fatal(err)
	}
	res := h.run("demo", "--matrix", "mine.yaml", "--format", "json")
	if res.code != 0 {
		t.Fatalf("demo --matrix exit %d:\n%s", res.code, res.stderr)
	}
	var mine struct {
		Matrix struct {
			Path string `json:"path"`
		} `json:"matrix"`
		jsonReport
	}
	if err := json.Unmarshal([]byte(res.stdout), &mine); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(mine.Matrix.Path, "mine.yaml") {
		t.Errorf("report matrix path %q, want mine.yaml", mine.Matrix.Path)
	}
	plain := decodeReport(t, []byte(h.run("demo", "--format", "json").stdout))
	if len(mine.byRule("PH201")) != 0 || len(plain.byRule("PH201")) == 0 {
		t.Errorf("PH201: %d with three owners allowed, %d with two", len(mine.byRule("PH201")), len(plain.byRule("PH201")))
	}
	// A matrix that does not exist is an error, not the example.
	if res := h.run("demo", "--matrix", "missing.yaml"); res.code != 2 || !strings.Contains(res.stderr, "missing.yaml") {
		t.Errorf("missing --matrix: exit %d:\n%s", res.code, res.stderr)
	}
}

func TestDemoPreviousFitsLikeScans(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.setNow(refNow.Add(-time.Hour))
	if res := h.run("demo", "--snapshot-out", "before.json", "--format", "json"); res.code != 0 {
		t.Fatalf("first demo exit %d:\n%s", res.code, res.stderr)
	}
	h.setNow(refNow)
	if res := h.run("demo", "--changed", "--previous", "before.json", "--format", "json"); res.code != 0 {
		t.Fatalf("demo --previous exit %d:\n%s", res.code, res.stderr)
	}
	// Not older: refused.
	h.setNow(refNow.Add(-2 * time.Hour))
	if res := h.run("demo", "--previous", "before.json"); res.code != 2 || !strings.Contains(res.stderr, "--previous before.json") {
		t.Errorf("an older run with a newer --previous: exit %d:\n%s", res.code, res.stderr)
	}
	h.setNow(refNow)
	// Another organization: refused.
	editSnapshotDoc(t, h.path("before.json"), h.path("other.json"), func(doc map[string]any) {
		doc["org"].(map[string]any)["id"] = "another-org"
	})
	if res := h.run("demo", "--previous", "other.json"); res.code != 2 || !strings.Contains(res.stderr, "another-org") {
		t.Errorf("--previous of another organization: exit %d:\n%s", res.code, res.stderr)
	}
}

// TestDemoChangedSecondsAfterThePrevious follows the README's walk-through,
// whose commands run seconds apart: the changes fall inside the window
// after the previous snapshot, so the diff names who made each logged one.
func TestDemoChangedSecondsAfterThePrevious(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.setNow(refNow)
	if res := h.run("demo", "--snapshot-out", "before.json", "--format", "json"); res.code != 0 {
		t.Fatalf("demo exit %d:\n%s", res.code, res.stderr)
	}
	h.setNow(refNow.Add(2 * time.Second))
	if res := h.run("demo", "--changed", "--previous", "before.json", "--snapshot-out", "after.json", "--format", "json"); res.code != 0 {
		t.Fatalf("demo --changed exit %d:\n%s", res.code, res.stderr)
	}
	res := h.run("diff", "before.json", "after.json", "--format", "json")
	if res.code != 0 {
		t.Fatalf("diff exit %d:\n%s", res.code, res.stderr)
	}
	var d drift.Report
	if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
		t.Fatal(err)
	}
	logged := map[string]string{
		drift.KindMemberLevel:   posthogsim.AcmeChangeActor,
		drift.KindKeyScopes:     posthogsim.AcmeWidenedKeyOwner,
		drift.KindDomainSetting: posthogsim.AcmeChangeActor,
	}
	for _, c := range d.Changes {
		want, ok := logged[c.Kind]
		if !ok {
			continue
		}
		delete(logged, c.Kind)
		if c.By == nil || c.By.Actor != want {
			t.Errorf("%s %s: by %+v, want %s", c.Kind, c.Subject, c.By, want)
		}
	}
	if len(logged) > 0 {
		t.Errorf("no change of kinds %v in the diff:\n%s", logged, res.stdout)
	}
}
