package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// accessFinding is a PH204-like finding of member n on project pid, whose
// access comes from source.
func accessFinding(rule, severity string, n int, pid int64, source string) Finding {
	return Finding{
		Rule: rule, Name: "project-access-exceeds-matrix", Severity: severity,
		Subject:  fmt.Sprintf("member:m%d@acme.io", n),
		Identity: fmt.Sprintf("member:u%d/project:%d", n, pid),
		Project:  fmt.Sprintf("p%d", pid),
		Message:  fmt.Sprintf("Member m%d@acme.io has admin access to p%d; its matrix groups allow member access.", n, pid),
		Evidence: map[string]any{"project_id": json.Number(fmt.Sprint(pid)), "source": source, "effective": "admin"},
		Line:     30 + int(pid%7),
	}
}

// capReport is a report with findings, in report order.
func capReport(findings ...Finding) *Report {
	r := baseReport()
	r.Findings = findings
	return finalize(r, SeverityHigh)
}

// resultsByRule counts a plan's results and the findings they stand for, by
// rule.
func resultsByRule(p sarifPlan) (results, named map[string]int) {
	results, named = map[string]int{}, map[string]int{}
	for _, it := range p.items {
		results[it.finding.Rule]++
		named[it.finding.Rule] += max(len(it.members), 1)
	}
	return results, named
}

// TestSARIFQuotaKeepsEveryRule: a rule with 100,000 findings does not
// crowd out a rule with one; the big rule is aggregated (one result per
// project and source), and the capacity it no longer needs lets a
// 3,000-finding rule keep a result per finding.
func TestSARIFQuotaKeepsEveryRule(t *testing.T) {
	t.Parallel()
	var fs []Finding
	for n := range 100_000 {
		source := []string{"access_controls", "org_admin"}[n%2]
		fs = append(fs, accessFinding("PH204", SeverityHigh, n, int64(1+(n/2)%50), source))
	}
	for n := range 3000 {
		fs = append(fs, Finding{Rule: "PH209", Severity: SeverityMedium, Subject: fmt.Sprintf("member:x%d@else.example", n), Identity: fmt.Sprintf("member:x%d", n)})
	}
	fs = append(fs, Finding{Rule: "PH208", Severity: SeverityLow, Subject: "member:dormant@acme.io", Identity: "member:d"})
	r := capReport(fs...)

	p := planSARIF(findingsWithIDs(r), r.Snapshot.Org.ID, DefaultMaxResults)
	results, named := resultsByRule(p)
	if want := map[string]int{"PH204": 100, "PH209": 3000, "PH208": 1}; !cmp.Equal(results, want) {
		t.Errorf("results by rule = %v, want %v", results, want)
	}
	if named["PH204"] != 100_000 {
		t.Errorf("the aggregated results name %d findings, want all 100000", named["PH204"])
	}
	want := []SARIFOmission{{Rule: "PH204", Findings: 100_000, Results: 100, Mode: OmissionAggregated}}
	if diff := cmp.Diff(want, p.omissions); diff != "" {
		t.Errorf("omissions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, SARIFOmissions(r, Options{})); diff != "" {
		t.Errorf("SARIFOmissions disagrees with the plan (-want +got):\n%s", diff)
	}

	// Near miss: with a cap of 60 the aggregated rule cannot keep all
	// 100 groups; PH209's findings (no project, no source) become one
	// group of 3000, and every rule still has results within the cap.
	p = planSARIF(findingsWithIDs(r), r.Snapshot.Org.ID, 60)
	results, named = resultsByRule(p)
	if want := map[string]int{"PH204": 58, "PH209": 1, "PH208": 1}; !cmp.Equal(results, want) {
		t.Errorf("cap 60: results by rule = %v, want %v", results, want)
	}
	want = []SARIFOmission{
		{Rule: "PH204", Findings: 100_000, Results: 58, Mode: OmissionAggregated, Omitted: 100_000 - named["PH204"]},
		{Rule: "PH209", Findings: 3000, Results: 1, Mode: OmissionAggregated},
	}
	if diff := cmp.Diff(want, p.omissions); diff != "" || want[0].Omitted != 42*1000 {
		t.Errorf("cap 60: omissions (-want +got):\n%s", diff)
	}
}

func TestFairShares(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		demands []int
		limit   int
		want    []int
	}{
		{[]int{1, 100_000}, 5000, []int{1, 4999}},
		{[]int{10, 10}, 20, []int{10, 10}},
		{[]int{3000, 3000}, 5000, []int{2500, 2500}},
		// The remainder goes to the earliest (most severe) rules.
		{[]int{100, 100, 100}, 10, []int{4, 3, 3}},
		{[]int{100, 2, 100}, 11, []int{5, 2, 4}},
		// More rules than results: one each to the earliest.
		{[]int{5, 0, 5, 5}, 2, []int{1, 0, 1, 0}},
	} {
		if got := fairShares(tt.demands, tt.limit); !cmp.Equal(got, tt.want) {
			t.Errorf("fairShares(%v, %d) = %v, want %v", tt.demands, tt.limit, got, tt.want)
		}
	}
}

// TestSARIFCapSeverityOrder: within a rule whose findings carry their own
// severities, the most severe are kept, then report order; results come
// out in report order.
func TestSARIFCapSeverityOrder(t *testing.T) {
	t.Parallel()
	sevs := []string{SeverityLow, SeverityCritical, SeverityMedium, SeverityHigh, SeverityCritical, SeverityLow}
	var fs []Finding
	for i, s := range sevs {
		// Each on its own project: grouping saves nothing, so the rule
		// is truncated.
		fs = append(fs, accessFinding("PH204", s, i, int64(100+i), "access_controls"))
	}
	r := capReport(fs...)
	log, _ := sarifLog(t, r, Options{MaxResults: 3})
	var got []string
	for _, res := range log.Runs[0].Results {
		got = append(got, res.Properties.Properties["severity"].(string)+" "+res.Properties.Properties["subject"].(string))
	}
	want := []string{"critical member:m1@acme.io", "high member:m3@acme.io", "critical member:m4@acme.io"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	om := SARIFOmissions(r, Options{MaxResults: 3})
	if len(om) != 1 || om[0] != (SARIFOmission{Rule: "PH204", Findings: 6, Results: 3, Mode: OmissionTruncated, Omitted: 3}) {
		t.Errorf("omissions %+v", om)
	}

	// Aggregated groups are truncated by their highest severity too.
	fs = nil
	for n := range 4 {
		fs = append(fs, accessFinding("PH204", SeverityLow, n, 1, "access_controls"))
		fs = append(fs, accessFinding("PH204", SeverityLow, n, 2, "access_controls"))
	}
	fs = append(fs, accessFinding("PH204", SeverityHigh, 9, 2, "access_controls"))
	fs = append(fs, accessFinding("PH204", SeverityLow, 9, 3, "access_controls"))
	r = capReport(fs...)
	log, _ = sarifLog(t, r, Options{MaxResults: 1})
	res := log.Runs[0].Results
	if len(res) != 1 || res[0].Properties.Properties["project"] != "p2" || res[0].Level != "error" {
		t.Fatalf("cap 1 kept %d results, want the group of p2 holding the high finding at level error: %+v", len(res), res)
	}
	om = SARIFOmissions(r, Options{MaxResults: 1})
	if len(om) != 1 || om[0] != (SARIFOmission{Rule: "PH204", Findings: 10, Results: 1, Mode: OmissionAggregated, Omitted: 5}) {
		t.Errorf("omissions %+v", om)
	}
}

// TestSARIFAggregation: the groups are rule, project id, source (and
// resource); the message names the first members and says how many more,
// properties list all of them.
func TestSARIFAggregation(t *testing.T) {
	t.Parallel()
	var fs []Finding
	for n := range 25 {
		fs = append(fs, accessFinding("PH204", SeverityHigh, n, 7, "access_controls"))
	}
	fs = append(fs, accessFinding("PH204", SeverityHigh, 100, 7, "org_admin"))
	for n := range 3 {
		f := accessFinding("PH206", SeverityMedium, n, 7, "resource_access_controls")
		f.Evidence["resource"] = []string{"insight", "feature_flag", "insight"}[n]
		fs = append(fs, f)
	}
	r := capReport(fs...)
	r.Matrix.RepoPath = "security/access-matrix.yaml"
	log, out := sarifLog(t, r, Options{MaxResults: 3})

	type group struct {
		rule, project, source, resource string
		count                           int
	}
	var got []group
	var first *sarif.Result
	for _, res := range log.Runs[0].Results {
		p := res.Properties.Properties
		if p["aggregated"] != true {
			t.Errorf("result %s %v is not aggregated", str(res.RuleID), p)
			continue
		}
		members := p["members"].([]any)
		if int(p["count"].(float64)) != len(members) {
			t.Errorf("count %v, %d members", p["count"], len(members))
		}
		resource, _ := p["resource"].(string)
		got = append(got, group{str(res.RuleID), p["project"].(string), p["source"].(string), resource, len(members)})
		if first == nil {
			first = res
		}
	}
	want := []group{
		{"PH204", "p7", "access_controls", "", 25},
		{"PH204", "p7", "org_admin", "", 1},
		{"PH206", "p7", "resource_access_controls", "insight", 2},
		{"PH206", "p7", "resource_access_controls", "feature_flag", 1},
	}
	// Cap 3: PH204 (2 groups) and PH206 (2 groups) cannot both keep
	// both; the most severe rule gets the remainder.
	if diff := cmp.Diff(want[:3], got, cmp.AllowUnexported(group{})); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	msg := str(first.Message.Text)
	for _, s := range []string{"25 members", "project p7", "source access_controls", "m0@acme.io, m1@acme.io", "m9@acme.io and 15 more."} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}
	if strings.Contains(msg, "m10@acme.io") {
		t.Errorf("message %q names more than %d members", msg, aggregateMembersShown)
	}
	members := first.Properties.Properties["members"].([]any)
	if members[0] != "member:m0@acme.io" || members[24] != "member:m24@acme.io" {
		t.Errorf("members %v", members)
	}
	ll := first.Locations[0].LogicalLocations[0]
	if str(ll.Kind) != "project" || !strings.HasSuffix(str(ll.FullyQualifiedName), "/project/p7") {
		t.Errorf("logical location %s %s, want the project", str(ll.Kind), str(ll.FullyQualifiedName))
	}

	// Near miss: a cap the groups fit leaves nothing out.
	if om := SARIFOmissions(r, Options{MaxResults: 4}); len(om) != 2 || om[0].Omitted+om[1].Omitted != 0 {
		t.Errorf("cap 4: %+v", om)
	}

	// Last, as it skips the test when the multitool is not installed.
	path := filepath.Join(t.TempDir(), "aggregated.sarif")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	sarifs.Validate(t, path)
}

// TestSARIFAggregateFingerprints: a group's fingerprint depends on the
// rule, the organization, the project id and the source, not on its
// members or the project's matrix key, and is no member's fingerprint.
func TestSARIFAggregateFingerprints(t *testing.T) {
	t.Parallel()
	fp := func(mutate func([]Finding) []Finding) []string {
		var fs []Finding
		for n := range 6 {
			fs = append(fs, accessFinding("PH204", SeverityHigh, n, 7, "access_controls"))
		}
		fs = append(fs, accessFinding("PH204", SeverityHigh, 0, 8, "access_controls"))
		fs = mutate(fs)
		log, _ := sarifLog(t, capReport(fs...), Options{MaxResults: 2})
		var out []string
		for _, res := range log.Runs[0].Results {
			out = append(out, res.PartialFingerprints[FingerprintKey])
		}
		return out
	}
	base := fp(func(fs []Finding) []Finding { return fs })
	if len(base) != 2 || base[0] == base[1] {
		t.Fatalf("fingerprints %v, want two distinct groups", base)
	}
	perFinding := fingerprints(t, capReport(accessFinding("PH204", SeverityHigh, 0, 7, "access_controls")))
	if perFinding[0] == base[0] {
		t.Error("a group has the fingerprint of its first member")
	}
	for name, mutate := range map[string]func([]Finding) []Finding{
		"a member more": func(fs []Finding) []Finding {
			return append(fs, accessFinding("PH204", SeverityHigh, 50, 7, "access_controls"))
		},
		"a member fewer": func(fs []Finding) []Finding { return fs[1:] },
		"project key renamed": func(fs []Finding) []Finding {
			for i := range fs {
				fs[i].Project = "renamed-" + fs[i].Project
			}
			return fs
		},
	} {
		if got := fp(mutate); !cmp.Equal(got, base) {
			t.Errorf("%s: fingerprints %v, want %v", name, got, base)
		}
	}
	// Near misses: another project id or source is another group.
	other := fp(func(fs []Finding) []Finding {
		for i := range fs {
			fs[i].Evidence["source"] = "org_admin"
		}
		return fs
	})
	if other[0] == base[0] {
		t.Error("another source kept the group's fingerprint")
	}
	other = fp(func(fs []Finding) []Finding {
		for i := range fs {
			fs[i].Evidence["project_id"] = json.Number("99")
		}
		return fs
	})
	if other[0] == base[0] {
		t.Error("another project id kept the group's fingerprint")
	}
}

// TestSARIFCapLimits: exactly at the cap nothing is aggregated, one more
// and the rule is; 0 means the default, NoMaxResults no cap.
func TestSARIFCapLimits(t *testing.T) {
	t.Parallel()
	many := func(n int) *Report {
		var fs []Finding
		for i := range n {
			fs = append(fs, accessFinding("PH204", SeverityHigh, i, int64(1+i%3), "access_controls"))
		}
		return capReport(fs...)
	}
	if om := SARIFOmissions(many(10), Options{MaxResults: 10}); om != nil {
		t.Errorf("at the cap: %+v", om)
	}
	log, _ := sarifLog(t, many(10), Options{MaxResults: 10})
	if n := len(log.Runs[0].Results); n != 10 {
		t.Errorf("at the cap: %d results, want 10", n)
	}
	log, _ = sarifLog(t, many(11), Options{MaxResults: 10})
	if n := len(log.Runs[0].Results); n != 3 {
		t.Errorf("one over the cap: %d results, want the 3 groups", n)
	}

	big := many(DefaultMaxResults + 1)
	if om := SARIFOmissions(big, Options{}); len(om) != 1 || om[0].Results != 3 {
		t.Errorf("zero Options: %+v, want the default cap", om)
	}
	if om := SARIFOmissions(big, Options{MaxResults: NoMaxResults}); om != nil {
		t.Errorf("no cap: %+v", om)
	}
	log, _ = sarifLog(t, big, Options{MaxResults: NoMaxResults})
	if n := len(log.Runs[0].Results); n != DefaultMaxResults+1 {
		t.Errorf("no cap: %d results", n)
	}
	// Suppressed findings never count toward the cap.
	r := many(11)
	for i := range 2 {
		r.Findings[i].Suppressed = &Suppression{Reason: "ticket"}
	}
	if om := SARIFOmissions(r, Options{MaxResults: 9}); om != nil {
		t.Errorf("9 unsuppressed findings, cap 9: %+v", om)
	}
}

// TestOmissionSentence pins the wording stderr, the SARIF notification and
// the workflow annotation share.
func TestOmissionSentence(t *testing.T) {
	t.Parallel()
	for o, want := range map[SARIFOmission]string{
		{Rule: "PH204", Findings: 95601, Results: 412, Mode: OmissionAggregated}:        "PH204: 95601 findings aggregated into 412 results (one per project, access source and resource, listing the members), to keep the run within 5000 results.",
		{Rule: "PH204", Findings: 10, Results: 1, Mode: OmissionAggregated, Omitted: 5}: "PH204: 10 findings aggregated into 1 result (one per project, access source and resource, listing the members); the least severe groups, 5 findings, left out, to keep the run within 5000 results.",
		{Rule: "PH201", Findings: 1, Results: 0, Mode: OmissionTruncated, Omitted: 1}:   "PH201: 1 finding left out, no result: more rules have findings than the run's 5000 results can hold, and the most severe rules got one each.",
		{Rule: "PH208", Findings: 6, Results: 3, Mode: OmissionTruncated, Omitted: 3}:   "PH208: 3 of 6 findings listed, the most severe; 3 left out, to keep the run within 5000 results.",
	} {
		if got := OmissionSentence(o, 5000); got != want {
			t.Errorf("OmissionSentence(%+v)\n got %q\nwant %q", o, got, want)
		}
	}
}
