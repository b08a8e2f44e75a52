package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// sarifResult is the part of a SARIF result these tests read.
type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          struct {
		Subject string `json:"subject"`
		Project string `json:"project"`
	} `json:"properties"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI       string `json:"uri"`
				URIBaseID string `json:"uriBaseId"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine int `json:"startLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
	} `json:"locations"`
}

func (r sarifResult) id() string {
	return r.RuleID + " " + r.Properties.Subject + " " + r.Properties.Project
}

// scanSARIF scans with the given matrix and returns the SARIF results, after
// validating the file with the external validator.
func scanSARIF(t *testing.T, h *harness, matrix string) []sarifResult {
	t.Helper()
	path := h.writeMatrix(matrix)
	res := h.run(scanArgs("-q", "--matrix", path, "--sarif", "scan.sarif", "-o", "scan.txt")...)
	if res.code != 1 {
		t.Fatalf("scan exit %d:\n%s", res.code, res.stderr)
	}
	sarifs.Validate(t, h.path("scan.sarif"))
	var log struct {
		Runs []struct {
			Results []sarifResult `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(readFile(t, h.path("scan.sarif"))), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("want one run, got %d", len(log.Runs))
	}
	return log.Runs[0].Results
}

func fingerprints(rs []sarifResult) map[string]string {
	out := map[string]string{}
	for _, r := range rs {
		out[r.id()] = r.PartialFingerprints["primaryLocationLineHash"]
	}
	return out
}

// nodeOnLine is, per rule of the demo's findings, text the matrix line a
// result points at must hold: the node the finding is about.
var nodeOnLine = map[string]string{
	"PH101": "sso_domains",
	"PH201": "max_owners",
	"PH212": "role: member",
	"PH208": "dormant_after_days",
	"PH209": "allowed_email_domains",
	"PH210": "production_project:",
	"PH301": "allow_wildcard",
	"PH304": "max_unused_days",
	"PH305": "max_age_days",
	"PH307": "event:read",
	"PH401": "can_delete_flags: false",
}

// assertLocations checks that every result points into the matrix at a line
// that holds the node it names.
func assertLocations(t *testing.T, rs []sarifResult, matrix string) {
	t.Helper()
	lines := strings.Split(matrix, "\n")
	for _, r := range rs {
		if len(r.Locations) == 0 {
			t.Errorf("%s has no location", r.id())
			continue
		}
		pl := r.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URIBaseID != "%SRCROOT%" || !strings.HasSuffix(pl.ArtifactLocation.URI, "access-matrix.yaml") {
			t.Errorf("%s points at %+v", r.id(), pl.ArtifactLocation)
		}
		n := pl.Region.StartLine
		if n < 1 || n > len(lines) {
			t.Errorf("%s: line %d is outside the matrix", r.id(), n)
			continue
		}
		want, ok := nodeOnLine[r.RuleID]
		if !ok {
			t.Errorf("%s: no expectation for this rule's line", r.id())
			continue
		}
		if !strings.Contains(lines[n-1], want) {
			t.Errorf("%s: line %d is %q; want it to hold %q", r.id(), n, lines[n-1], want)
		}
	}
}

func TestSARIFLocationsAndFingerprints(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	matrix := string(examples.Matrix)
	first := scanSARIF(t, h, matrix)
	if len(first) != len(acmeViolations) {
		t.Fatalf("results = %d, want the %d deliberate violations", len(first), len(acmeViolations))
	}
	assertLocations(t, first, matrix)

	// The same organization scanned again: the same fingerprints.
	if diff := cmp.Diff(fingerprints(first), fingerprints(scanSARIF(t, h, matrix))); diff != "" {
		t.Errorf("a second scan changed fingerprints:\n%s", diff)
	}

	// The same matrix with its entries moved: the lines change, the
	// fingerprints do not, and every location still holds its node.
	moved := reorderMatrix(t, matrix)
	second := scanSARIF(t, h, moved)
	assertLocations(t, second, moved)
	if diff := cmp.Diff(fingerprints(first), fingerprints(second)); diff != "" {
		t.Errorf("moving matrix entries changed fingerprints:\n%s", diff)
	}
	linesMoved := 0
	for i := range first {
		for j := range second {
			if first[i].id() == second[j].id() && first[i].Locations[0].PhysicalLocation.Region.StartLine != second[j].Locations[0].PhysicalLocation.Region.StartLine {
				linesMoved++
			}
		}
	}
	if linesMoved < len(first)/2 {
		t.Errorf("only %d of %d results moved; the reordering does not test much", linesMoved, len(first))
	}

	// Fixing one violation removes exactly its result.
	fixed := newHarness(t, func(o *posthogsim.Org) {
		p := project(o, "Production")
		for i := range p.AccessControls {
			if p.AccessControls[i].MemberID == member(o, "dan@acme.example").ID {
				p.AccessControls[i].Level = "member"
			}
		}
	})
	third := fingerprints(scanSARIF(t, fixed, matrix))
	want := fingerprints(first)
	delete(want, "PH212 member:dan@acme.example production_project")
	if diff := cmp.Diff(want, third); diff != "" {
		t.Errorf("fixing dan's access should remove exactly his result (-want +got):\n%s", diff)
	}
}

// reorderMatrix moves the example matrix's top-level sections around and
// adds comment lines, keeping its meaning.
func reorderMatrix(t *testing.T, m string) string {
	t.Helper()
	sections := map[string]string{}
	var order []string
	var header []string
	cur := ""
	for _, line := range strings.Split(m, "\n") {
		if line != "" && line[0] != ' ' && line[0] != '#' && strings.HasSuffix(strings.TrimSpace(strings.SplitN(line, "#", 2)[0]), ":") {
			cur = strings.TrimSuffix(strings.TrimSpace(strings.SplitN(line, "#", 2)[0]), ":")
			order = append(order, cur)
		}
		if cur == "" {
			header = append(header, line)
			continue
		}
		sections[cur] += line + "\n"
	}
	sort.Sort(sort.Reverse(sort.StringSlice(order)))
	out := strings.Join(header, "\n") + "\n# moved around: the same matrix in another order\n#\n#\n"
	for _, s := range order {
		out += sections[s]
	}
	if len(order) < 5 {
		t.Fatalf("expected the example's sections, got %v", order)
	}
	return out
}
