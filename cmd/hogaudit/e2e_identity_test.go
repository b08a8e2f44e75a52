package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// End-to-end tests of alert identity (issue 8, item 8): SARIF fingerprints
// and JSON finding ids come from PostHog's stable ids, so renaming the
// organization, a member's new email, a second key with an existing label
// and a renamed matrix project key keep every existing alert.

// identityScan is one scan's SARIF results and JSON findings.
type identityScan struct {
	results []sarifResult
	// findings are the JSON report's findings, as far as identity goes.
	findings []struct {
		ID       string `json:"id"`
		Rule     string `json:"rule"`
		Subject  string `json:"subject"`
		Identity string `json:"identity"`
		Project  string `json:"project"`
	}
}

// fingerprintSet maps each SARIF fingerprint to its result.
func (s identityScan) fingerprintSet() map[string]sarifResult {
	out := map[string]sarifResult{}
	for _, r := range s.results {
		out[r.PartialFingerprints["primaryLocationLineHash"]] = r
	}
	return out
}

// scanIdentity scans h's organization with matrix and the given extra
// flags, validates the SARIF log, and reads both reports.
func scanIdentity(t *testing.T, h *harness, matrix string, extra ...string) identityScan {
	t.Helper()
	path := h.writeMatrix(matrix)
	args := scanArgs(append([]string{"-q", "--matrix", path, "--sarif", "scan.sarif", "--json", "scan.json", "-o", "scan.txt"}, extra...)...)
	if res := h.run(args...); res.code != 1 {
		t.Fatalf("scan exit %d:\n%s", res.code, res.stderr)
	}
	sarifs.Validate(t, h.path("scan.sarif"))
	var log struct {
		Runs []struct {
			Results []sarifResult `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(readFile(t, h.path("scan.sarif"))), &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("SARIF: %v, %d runs", err, len(log.Runs))
	}
	s := identityScan{results: log.Runs[0].Results}
	var doc struct {
		Findings *[]struct {
			ID       string `json:"id"`
			Rule     string `json:"rule"`
			Subject  string `json:"subject"`
			Identity string `json:"identity"`
			Project  string `json:"project"`
		} `json:"findings"`
	}
	doc.Findings = &s.findings
	if err := json.Unmarshal([]byte(readFile(t, h.path("scan.json"))), &doc); err != nil {
		t.Fatal(err)
	}
	// The JSON ids are the SARIF fingerprints, finding for finding (no
	// finding is suppressed here).
	var ids, fps []string
	for _, f := range s.findings {
		ids = append(ids, f.ID)
		if f.Identity == "" || strings.HasPrefix(f.Identity, "subject:") {
			t.Errorf("%s %s: identity %q, want one of PostHog ids", f.Rule, f.Subject, f.Identity)
		}
	}
	for _, r := range s.results {
		fps = append(fps, r.PartialFingerprints["primaryLocationLineHash"])
	}
	sort.Strings(ids)
	sort.Strings(fps)
	if strings.Join(ids, " ") != strings.Join(fps, " ") || len(ids) == 0 {
		t.Errorf("JSON ids %v and SARIF fingerprints %v differ", ids, fps)
	}
	return s
}

// secondFlagKeyToken is a second key labelled "flag-service", as stale as
// the first.
const secondFlagKeyToken = "phx_e2eSecondFlagServiceKeyWithTheSameLabel00"

const secondFlagKeyID = "0190a1b2-8888-7000-8000-0000000000f2"

// renamedAcme renames the organization, gives grace a new email and adds a
// second "flag-service" key.
func renamedAcme(o *posthogsim.Org) {
	o.Name = "Acme Analytics GmbH"
	member(o, "grace@acme.example").User.Email = "grace.hopper@acme.example"
	twin := *key(o, "flag-service")
	twin.ID, twin.Token = secondFlagKeyID, secondFlagKeyToken
	o.Keys = append(o.Keys, twin)
}

func TestRenamesKeepEveryAlert(t *testing.T) {
	t.Parallel()
	matrix := string(examples.Matrix)
	before := scanIdentity(t, newHarness(t, nil), matrix)
	if len(before.results) != len(acmeViolations) {
		t.Fatalf("%d results, want the demo's %d", len(before.results), len(acmeViolations))
	}

	h := newHarness(t, renamedAcme)
	h.vars["ACME_FLAG_KEY_2"] = secondFlagKeyToken
	renamedMatrix := strings.ReplaceAll(matrix, "production_project", "prod_env")
	if renamedMatrix == matrix {
		t.Fatal("the example matrix has no production_project key to rename")
	}
	after := scanIdentity(t, h, renamedMatrix, "--audit-key-env", "ACME_FLAG_KEY_2")

	// Every alert of the first scan is still open, under its fingerprint.
	afterFPs := after.fingerprintSet()
	renamed := map[string]bool{}
	for fp, r := range before.fingerprintSet() {
		a, ok := afterFPs[fp]
		if !ok {
			t.Errorf("%s lost its alert %s", r.id(), fp)
			continue
		}
		if a.RuleID != r.RuleID {
			t.Errorf("fingerprint %s moved from %s to %s", fp, r.id(), a.id())
		}
		if a.id() != r.id() {
			renamed[r.RuleID] = true
		}
	}
	// The renames did rename: subjects (org, member email, key label) and
	// matrix project keys changed under the same fingerprints.
	for _, rule := range []string{"PH201", "PH208", "PH212", "PH304", "PH305", "PH307", "PH401"} {
		if !renamed[rule] {
			t.Errorf("%s's subject or project did not change; the test does not rename what it says", rule)
		}
	}

	// The second key with the same label has alerts of its own, apart from
	// the first key's.
	var fresh []string
	beforeFPs := before.fingerprintSet()
	for fp, r := range afterFPs {
		if _, ok := beforeFPs[fp]; !ok {
			fresh = append(fresh, r.RuleID+" "+r.Properties.Subject)
		}
	}
	sort.Strings(fresh)
	want := []string{"PH304 key:flag-service#" + secondFlagKeyID, "PH305 key:flag-service#" + secondFlagKeyID}
	if strings.Join(fresh, "|") != strings.Join(want, "|") {
		t.Errorf("new alerts %q, want exactly the second key's %q", fresh, want)
	}
}

// TestANewKeyIsANewAlert is the near miss: a key deleted and created again
// under the same label is another key, so its alerts are new ones and the
// old key's close; everything else keeps its fingerprint.
func TestANewKeyIsANewAlert(t *testing.T) {
	t.Parallel()
	matrix := string(examples.Matrix)
	before := scanIdentity(t, newHarness(t, nil), matrix).fingerprintSet()
	after := scanIdentity(t, newHarness(t, func(o *posthogsim.Org) {
		key(o, "flag-service").ID = secondFlagKeyID
	}), matrix).fingerprintSet()

	changed := map[string]bool{}
	for fp, r := range before {
		if _, ok := after[fp]; !ok {
			changed[r.id()] = true
		}
	}
	for fp, r := range after {
		if _, ok := before[fp]; !ok {
			changed[r.id()] = true
		}
	}
	if len(changed) != 2 || !changed["PH304 key:flag-service "] || !changed["PH305 key:flag-service "] {
		t.Errorf("alerts opened or closed: %v, want only the replaced key's PH304 and PH305", changed)
	}
}
