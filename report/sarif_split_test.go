package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// splitLogs splits r and decodes every SARIF file, keyed by file name,
// after writing them to a directory for the validators (the schema in a
// subtest, the multitool at the end of the package's tests).
func splitLogs(t *testing.T, r *Report) (map[string]*sarif.Report, Manifest) {
	t.Helper()
	files, man, err := SplitSARIF(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 || files[len(files)-1].Name != ManifestFile {
		t.Fatalf("the manifest is not the last file: %v", files)
	}
	var fromFile Manifest
	if err := json.Unmarshal(files[len(files)-1].Data, &fromFile); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(man, fromFile); diff != "" {
		t.Errorf("manifest.json differs from the manifest returned (-returned +file):\n%s", diff)
	}
	dir := t.TempDir()
	var paths []string
	logs := map[string]*sarif.Report{}
	for _, f := range files[:len(files)-1] {
		path := filepath.Join(dir, f.Name)
		if err := os.WriteFile(path, f.Data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
		log, err := sarif.FromBytes(f.Data)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if len(log.Runs) != 1 {
			t.Fatalf("%s: %d runs, want 1", f.Name, len(log.Runs))
		}
		logs[f.Name] = log
	}
	// In a subtest: without the multitool it skips, and only itself.
	t.Run("valid", func(t *testing.T) {
		for _, p := range paths {
			sarifs.Validate(t, p)
		}
	})
	return logs, man
}

func fileNames(logs map[string]*sarif.Report) []string {
	var names []string
	for n := range logs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// TestSplitSARIFLeavesIncompleteAreasOut: in the full fixture the audit
// area's PH401 was not evaluated (activity_log missing) and the access
// area's PH204 needs the access_controls of a project that could not be
// read: neither gets a file, so their open alerts stay open. The complete
// areas get one each, in their own category, with only their rules and
// results; PH901 has its own file and category.
func TestSplitSARIFLeavesIncompleteAreasOut(t *testing.T) {
	t.Parallel()
	r := fullReport()
	before := fullReport()
	logs, man := splitLogs(t, r)
	if diff := cmp.Diff(before, r); diff != "" {
		t.Errorf("SplitSARIF modified the report:\n%s", diff)
	}
	const org = "0190c1a2-7c33-7e5f-9a41-4b1d2c3e4f50"
	if got, want := fileNames(logs), []string{"evidence.sarif", "keys.sarif", "organization.sarif", "tool.sarif"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	want := Manifest{OrgID: org, Areas: []ManifestArea{
		{Area: "organization", Category: "hogaudit/" + org + "/organization/", File: strp("organization.sarif"), Complete: true, Results: 1},
		{Area: "access", Category: "hogaudit/" + org + "/access/", Reason: "evidence missing: access_controls (project 4242)"},
		{Area: "keys", Category: "hogaudit/" + org + "/keys/", File: strp("keys.sarif"), Complete: true, Results: 1},
		{Area: "audit", Category: "hogaudit/" + org + "/audit/", Reason: "not evaluated: PH401; evidence missing: activity_log"},
		{Area: "tool", Category: "hogaudit/" + org + "/tool/", File: strp("tool.sarif"), Complete: true, Results: 1},
		{Area: "evidence", Category: "hogaudit/" + org + "/evidence/", File: strp("evidence.sarif"), Complete: true, Results: 0},
	}}
	if diff := cmp.Diff(want, man); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}

	areaOf := map[string]string{}
	for _, rule := range r.Rules {
		areaOf[rule.ID] = rule.Area
	}
	for name, log := range logs {
		run := log.Runs[0]
		area := strings.TrimSuffix(name, ".sarif")
		if got, want := str(run.AutomationDetails.ID), "hogaudit/"+org+"/"+area+"/"; got != want {
			t.Errorf("%s: category %q, want %q", name, got, want)
		}
		var ids []string
		for _, rule := range run.Tool.Driver.Rules {
			ids = append(ids, str(rule.ID))
		}
		for _, res := range run.Results {
			if !slices.Contains(ids, str(res.RuleID)) {
				t.Errorf("%s: result of %s, a rule the run does not describe", name, str(res.RuleID))
			}
		}
		inv := run.Invocations[0]
		if area == EvidenceArea {
			if !slices.Equal(ids, []string{EvidenceMissingRule}) {
				t.Errorf("evidence.sarif describes %v, want PH901 alone", ids)
			}
			if *inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != len(r.Snapshot.Missing) {
				t.Errorf("evidence.sarif: executionSuccessful %v with %d notifications; want false with one per missing section (%d)",
					*inv.ExecutionSuccessful, len(inv.ToolExecutionNotifications), len(r.Snapshot.Missing))
			}
			continue
		}
		for _, id := range ids {
			if areaOf[id] != area || id == EvidenceMissingRule {
				t.Errorf("%s describes %s (area %s)", name, id, areaOf[id])
			}
		}
		if !*inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 0 {
			t.Errorf("%s: a complete area's run must say it succeeded, without notifications: %v %d", name, *inv.ExecutionSuccessful, len(inv.ToolExecutionNotifications))
		}
	}
	if got := len(logs["tool.sarif"].Runs[0].Results); got != 1 || str(logs["tool.sarif"].Runs[0].Results[0].RuleID) != "PH902" {
		t.Errorf("tool.sarif should hold the PH902 advisory alone, got %d results", got)
	}
}

// TestSplitSARIFUnauditedKey: a key the matrix declares that no audited key
// carries is missing evidence of every key rule (section api_keys), so the
// keys area is left out even though its rules ran on the other keys.
func TestSplitSARIFUnauditedKey(t *testing.T) {
	t.Parallel()
	r := fullReport()
	for i := range r.Rules {
		if r.Rules[i].ID == "PH301" {
			r.Rules[i].Requires = []string{"api_keys"}
		}
	}
	logs, man := splitLogs(t, r)
	if _, ok := logs["keys.sarif"]; ok {
		t.Error("keys.sarif written with a declared key unaudited")
	}
	for _, a := range man.Areas {
		if a.Area == "keys" && (a.Complete || a.File != nil || a.Reason != "evidence missing: api_keys (key nightly-export)") {
			t.Errorf("keys area %+v", a)
		}
	}
}

// TestSplitSARIFCompleteWritesEveryArea is the near miss: with whole
// evidence every area that has a rule gets its file, and the evidence file
// is there with no result, so that earlier PH901 alerts close.
func TestSplitSARIFCompleteWritesEveryArea(t *testing.T) {
	t.Parallel()
	logs, man := splitLogs(t, cleanReport())
	if got, want := fileNames(logs), []string{"access.sarif", "audit.sarif", "evidence.sarif", "keys.sarif", "organization.sarif", "tool.sarif"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	for _, a := range man.Areas {
		if !a.Complete || a.File == nil || a.Reason != "" {
			t.Errorf("area %+v of a complete report", a)
		}
	}
	if n := len(logs["evidence.sarif"].Runs[0].Results); n != 0 {
		t.Errorf("evidence.sarif of a complete report has %d results", n)
	}
	// A custom rule gets the custom area.
	r := unusualReport()
	logs, _ = splitLogs(t, r)
	if _, ok := logs["custom.sarif"]; !ok {
		t.Errorf("no custom.sarif for the custom rule: %v", fileNames(logs))
	}
}

// TestSplitSARIFFailedRun: a check that did not complete writes only the
// evidence file, with the failure's PH901 result, and every built-in area
// is listed as incomplete.
func TestSplitSARIFFailedRun(t *testing.T) {
	t.Parallel()
	base := baseReport()
	r := NotCompleted(base, Rule{}, "list members: HTTP 500", []string{"try again"}, SeverityHigh)
	logs, man := splitLogs(t, r)
	if got := fileNames(logs); !slices.Equal(got, []string{"evidence.sarif"}) {
		t.Errorf("files %v, want evidence.sarif alone", got)
	}
	if res := logs["evidence.sarif"].Runs[0].Results; len(res) != 1 || !strings.Contains(str(res[0].Message.Text), "list members: HTTP 500") {
		t.Errorf("evidence.sarif results %v, want the failure", res)
	}
	var areas []string
	for _, a := range man.Areas {
		areas = append(areas, a.Area)
		if a.Area != EvidenceArea && (a.Complete || a.File != nil || !strings.Contains(a.Reason, "did not complete")) {
			t.Errorf("area %+v of a failed run", a)
		}
	}
	if want := []string{"organization", "access", "keys", "audit", "tool", "evidence"}; !slices.Equal(areas, want) {
		t.Errorf("manifest areas %v, want %v", areas, want)
	}
	// A failure report that kept a custom rule in its catalog leaves the
	// custom area out too: no rule ran, so its alerts must stay open.
	custom := *r
	custom.Rules = append(slices.Clone(r.Rules), Rule{ID: "ACME001", Name: "acme-rule", Severity: SeverityLow, Area: "custom", Custom: true})
	logs, man = splitLogs(t, &custom)
	if got := fileNames(logs); !slices.Equal(got, []string{"evidence.sarif"}) {
		t.Errorf("with a custom rule, files %v, want evidence.sarif alone", got)
	}
	if a := man.Areas[len(man.Areas)-2]; a.Area != "custom" || a.File != nil || a.Complete {
		t.Errorf("custom area of a failed run %+v, want listed as not written", a)
	}
	// An organization not known: a category that still names the area.
	r.Snapshot.Org.ID = ""
	_, man = splitLogs(t, r)
	if got := man.Areas[len(man.Areas)-1].Category; got != "hogaudit/unknown/evidence/" {
		t.Errorf("category without an organization id %q", got)
	}
}

func strp(s string) *string { return &s }
