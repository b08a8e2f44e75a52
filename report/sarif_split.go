package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// A split SARIF report (SplitSARIF) is one SARIF log per rule area, so that
// GitHub code scanning, which closes an alert when its result is missing
// from a new analysis of the same category, never closes an alert because
// the evidence of its area could not be collected: an area whose evidence
// is incomplete gets no file, and its alerts stay open.

// SARIFAreas are the rule areas a split report may hold, in the order its
// manifest lists them.
var SARIFAreas = []string{"organization", "access", "keys", "audit", "tool", "custom"}

// EvidenceArea is the name of the split report's file and category of
// PH901 (missing evidence), which is always written: its absence from a
// run does mean the evidence became complete.
const EvidenceArea = "evidence"

// ManifestFile is the name of the split report's manifest.
const ManifestFile = "manifest.json"

// Manifest describes a split SARIF report: for each area (and the evidence),
// its category, its file and whether its evidence was complete.
type Manifest struct {
	OrgID string         `json:"org_id"`
	Areas []ManifestArea `json:"areas"`
}

// ManifestArea is one area of a split SARIF report.
type ManifestArea struct {
	Area string `json:"area"`
	// Category is the run's automationDetails.id,
	// hogaudit/<org id>/<area>/.
	Category string `json:"category"`
	// File is the area's file name in the directory, nil when the area's
	// evidence was incomplete and no file was written.
	File *string `json:"file"`
	// Complete is true when every rule of the area was evaluated on whole
	// evidence; the evidence entry is always complete (it lists all that
	// is missing).
	Complete bool `json:"complete"`
	// Results counts the results of the written file, 0 without one.
	Results int `json:"results"`
	// Reason says why the area is incomplete, "" when it is complete.
	Reason string `json:"reason"`
}

// SplitFile is one file of a split SARIF report.
type SplitFile struct {
	// Name is the file's base name: <area>.sarif, evidence.sarif or
	// manifest.json.
	Name string
	Data []byte
}

// SARIFCategory is the category (automationDetails.id) of one area of a
// split report of organization orgID: hogaudit/<org id>/<area>/, with
// "unknown" for an organization not known (a run that failed before
// reading it).
func SARIFCategory(orgID, area string) string {
	return "hogaudit/" + cmp.Or(pathSegment(orgID), "unknown") + "/" + area + "/"
}

// SplitSARIF renders r as a split SARIF report: one log per area of
// SARIFAreas that has at least one rule in r.Rules (a rule without an area
// counts as custom) and whose evidence is complete, holding that area's
// rules (PH901 excepted) and their findings, each run with its category
// (SARIFCategory) whatever opts.Category says; the evidence log, always,
// holding PH901 alone with the snapshot's missing-evidence notifications;
// and the manifest, last. An area is incomplete when one of its rules is in
// r.NotEvaluated, when a section one of its rules requires is in
// r.Snapshot.Missing, or when the check did not complete (r.Failure: every
// built-in area is then listed as incomplete). It never modifies r; the
// output depends only on r and opts.
func SplitSARIF(r *Report, opts Options) ([]SplitFile, Manifest, error) {
	if r == nil {
		return nil, Manifest{}, fmt.Errorf("write split SARIF report: nil report")
	}
	man := Manifest{OrgID: r.Snapshot.Org.ID, Areas: []ManifestArea{}}
	var files []SplitFile
	add := func(area string, sub *Report) error {
		o := opts
		o.Category = SARIFCategory(r.Snapshot.Org.ID, area)
		rep := buildSARIF(sub, o)
		var buf bytes.Buffer
		if err := encodeSARIF(&buf, rep); err != nil {
			return fmt.Errorf("write %s SARIF report: %w", area, err)
		}
		name := area + ".sarif"
		files = append(files, SplitFile{Name: name, Data: buf.Bytes()})
		man.Areas = append(man.Areas, ManifestArea{Area: area, Category: o.Category, File: &name,
			Complete: true, Results: len(rep.Runs[0].Results)})
		return nil
	}

	for _, a := range splitAreas(r) {
		if a.reason != "" {
			man.Areas = append(man.Areas, ManifestArea{Area: a.area, Category: SARIFCategory(r.Snapshot.Org.ID, a.area), Reason: a.reason})
			continue
		}
		if err := add(a.area, a.sub); err != nil {
			return nil, Manifest{}, err
		}
	}
	if err := add(EvidenceArea, evidenceReport(r)); err != nil {
		return nil, Manifest{}, err
	}

	data, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, Manifest{}, fmt.Errorf("write SARIF manifest: %w", err)
	}
	files = append(files, SplitFile{Name: ManifestFile, Data: append(data, '\n')})
	return files, man, nil
}

// splitArea is one rule area of a split SARIF report: the report cut down
// to its rules (sub), or why it is left out (reason).
type splitArea struct {
	area   string
	sub    *Report
	reason string
}

// splitAreas returns r's rule areas in SARIFAreas order, the evidence area
// excepted: each area with a rule, cut down to its rules when its evidence
// is complete, else with the reason it is not. When the check did not
// complete (r.Failure) every built-in area, and the custom one when custom
// rules were loaded, is left out: no rule ran.
func splitAreas(r *Report) []splitArea {
	byArea := map[string][]Rule{}
	for _, rule := range sarifRules(r) {
		if rule.ID == EvidenceMissingRule {
			continue
		}
		a := rule.Area
		if !slices.Contains(SARIFAreas, a) {
			a = "custom"
		}
		byArea[a] = append(byArea[a], rule)
	}
	var out []splitArea
	for _, area := range SARIFAreas {
		rules := byArea[area]
		if r.Failure != nil && (area != "custom" || len(rules) > 0) {
			out = append(out, splitArea{area: area, reason: "the check did not complete: " + oneLine(r.Failure.Cause)})
			continue
		}
		if len(rules) == 0 {
			continue
		}
		if reason := incompleteReason(r, rules); reason != "" {
			out = append(out, splitArea{area: area, reason: reason})
			continue
		}
		out = append(out, splitArea{area: area, sub: areaReport(r, rules)})
	}
	return out
}

// SplitSARIFOmissions is SARIFOmissions for the files SplitSARIF writes:
// what the result cap of opts, applied to each area file on its own, leaves
// out, by rule (a rule is in one area only).
func SplitSARIFOmissions(r *Report, opts Options) []SARIFOmission {
	var out []SARIFOmission
	for _, a := range splitAreas(r) {
		if a.sub != nil {
			out = append(out, SARIFOmissions(a.sub, opts)...)
		}
	}
	return out
}

// incompleteReason says why the evidence of rules is incomplete in r: the
// rules among them not evaluated, and the sections they require that are
// missing; "" when it is complete.
func incompleteReason(r *Report, rules []Rule) string {
	in := map[string]bool{}
	needs := map[string]bool{}
	for _, rule := range rules {
		in[rule.ID] = true
		for _, s := range rule.Requires {
			needs[s] = true
		}
	}
	var notEvaluated, missing []string
	for _, ne := range r.NotEvaluated {
		if in[ne.Rule] && !slices.Contains(notEvaluated, ne.Rule) {
			notEvaluated = append(notEvaluated, ne.Rule)
		}
	}
	for _, m := range r.Snapshot.Missing {
		if label := sectionLabel(m, plain); needs[m.Section] && !slices.Contains(missing, label) {
			missing = append(missing, label)
		}
	}
	var parts []string
	if len(notEvaluated) > 0 {
		slices.Sort(notEvaluated)
		parts = append(parts, "not evaluated: "+strings.Join(notEvaluated, ", "))
	}
	if len(missing) > 0 {
		parts = append(parts, "evidence missing: "+strings.Join(missing, ", "))
	}
	return strings.Join(parts, "; ")
}

// areaReport is r cut down to rules and their findings, its evidence
// complete (incompleteReason found nothing missing for them).
func areaReport(r *Report, rules []Rule) *Report {
	in := map[string]bool{}
	for _, rule := range rules {
		in[rule.ID] = true
	}
	sub := *r
	sub.Rules = slices.Clone(rules)
	sub.Findings = nil
	for _, f := range r.Findings {
		if in[f.Rule] {
			sub.Findings = append(sub.Findings, f)
		}
	}
	sub.NotEvaluated = nil
	sub.Snapshot.Complete = true
	sub.Snapshot.Missing = nil
	return &sub
}

// evidenceReport is r cut down to PH901: its catalog entry (or the
// built-in description), its findings, the snapshot's missing evidence and
// the failure, if any.
func evidenceReport(r *Report) *Report {
	sub := *r
	sub.Rules = nil
	for _, rule := range r.Rules {
		if rule.ID == EvidenceMissingRule {
			sub.Rules = []Rule{rule}
			break
		}
	}
	if sub.Rules == nil {
		sub.Rules = []Rule{notCompletedRule}
	}
	sub.Findings = nil
	for _, f := range r.Findings {
		if f.Rule == EvidenceMissingRule {
			sub.Findings = append(sub.Findings, f)
		}
	}
	sub.NotEvaluated = nil
	return &sub
}
