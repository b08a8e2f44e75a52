package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/hogaudit/hogaudit/internal/sarifcheck"
)

// sarifLog renders r as SARIF and decodes it again.
func sarifLog(t *testing.T, r *Report, opts Options) (*sarif.Report, []byte) {
	t.Helper()
	out := render(t, r, FormatSARIF, opts)
	log, err := sarif.FromBytes(out)
	if err != nil {
		t.Fatalf("decode SARIF: %v", err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	return log, out
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestSARIFGoldenValid runs the golden files through the schema, and keeps
// them for Microsoft's SARIF multitool with its GitHub rules, which
// TestMain runs over every log at the end: no errors allowed.
func TestSARIFGoldenValid(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			sarifs.Validate(t, filepath.Join("testdata", fx.name+".sarif"))
		})
	}
}

// TestSARIFSchema validates the go-sarif model and the written log against
// the SARIF 2.1.0 schema, with and without the options that change it.
func TestSARIFSchema(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		for _, opts := range []Options{{}, {Category: "hogaudit", MaxResults: 2}} {
			rep := buildSARIF(fx.r(), opts)
			if err := rep.Validate(); err != nil {
				t.Errorf("%s %+v: model: %v", fx.name, opts, err)
			}
			path := filepath.Join(t.TempDir(), "out.sarif")
			if err := WriteFile(path, fx.r(), FormatSARIF, opts); err != nil {
				t.Fatal(err)
			}
			problems, err := sarifcheck.Schema(path)
			if err != nil || len(problems) > 0 {
				t.Errorf("%s %+v: written log: %v %v", fx.name, opts, problems, err)
			}
		}
	}
}

func TestSARIFShape(t *testing.T) {
	t.Parallel()
	_, out := sarifLog(t, cleanReport(), Options{})
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$schema"] != SARIFSchemaURI || doc["version"] != "2.1.0" {
		t.Errorf("$schema %v, version %v", doc["$schema"], doc["version"])
	}
	run := doc["runs"].([]any)[0].(map[string]any)
	if res, ok := run["results"].([]any); !ok || len(res) != 0 {
		t.Errorf("results = %#v, want an empty array", run["results"])
	}
	if _, ok := run["automationDetails"]; ok {
		t.Error("automationDetails without a category")
	}
	// The go-sarif noise is gone: -1 sentinels and empty arrays other than
	// results.
	for _, noise := range []string{`: -1`, `"charOffset"`, `"byteOffset"`, `"rank"`} {
		if bytes.Contains(out, []byte(noise)) {
			t.Errorf("output contains %s", noise)
		}
	}
	if n := bytes.Count(out, []byte("[]")); n != 1 {
		t.Errorf("%d empty arrays, want only results:\n%s", n, out)
	}
	if !bytes.HasSuffix(out, []byte("}\n")) {
		t.Error("no trailing newline")
	}
}

func TestSARIFDriver(t *testing.T) {
	t.Parallel()
	log, _ := sarifLog(t, fullReport(), Options{})
	d := log.Runs[0].Tool.Driver
	if str(d.Name) != "hogaudit" || str(d.Version) != "1.4.0" || str(d.SemanticVersion) != "1.4.0" ||
		str(d.InformationURI) != "https://github.com/hogaudit/hogaudit" {
		t.Errorf("driver name %q version %q semver %q uri %q", str(d.Name), str(d.Version), str(d.SemanticVersion), str(d.InformationURI))
	}

	for version, semver := range map[string]string{"dev": "", "v2.0.0-rc.1": "2.0.0-rc.1", "1.2": "", "1.2.3+abc": "1.2.3+abc"} {
		r := cleanReport()
		r.Tool = Tool{Version: version}
		log, _ := sarifLog(t, r, Options{})
		d := log.Runs[0].Tool.Driver
		if str(d.Version) != version || str(d.SemanticVersion) != semver {
			t.Errorf("version %q: got version %q semanticVersion %q, want %q", version, str(d.Version), str(d.SemanticVersion), semver)
		}
		if str(d.Name) != "hogaudit" || str(d.InformationURI) == "" {
			t.Errorf("version %q: default name %q, uri %q", version, str(d.Name), str(d.InformationURI))
		}
	}
}

func TestSARIFRules(t *testing.T) {
	t.Parallel()
	r := fullReport()
	long := strings.Repeat("Very long description. ", 60)
	r.Rules[0].Description = long
	r.Rules[0].Title = long
	log, _ := sarifLog(t, r, Options{})
	run := log.Runs[0]
	rules := run.Tool.Driver.Rules

	var ids []string
	for _, rule := range rules {
		ids = append(ids, str(rule.ID))
	}
	var want []string
	for _, rule := range r.Rules {
		want = append(want, rule.ID)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}

	wantSev := map[string]string{"PH101": "8.0", "PH201": "5.5", "PH208": "3.0", "PH401": "8.0"}
	wantProblem := map[string]string{"PH101": "error", "PH201": "warning", "PH208": "recommendation"}
	wantLevel := map[string]string{"PH101": "error", "PH201": "warning", "PH208": "note"}
	for _, rule := range rules {
		id := str(rule.ID)
		short, full := rule.ShortDescription, rule.FullDescription
		if short == nil || str(short.Text) == "" || full == nil || str(full.Text) == "" {
			t.Errorf("%s: short or full description missing", id)
			continue
		}
		if len(str(short.Text)) > 1024 || len(str(full.Text)) > 1024 {
			t.Errorf("%s: description longer than 1024 bytes (%d, %d)", id, len(str(short.Text)), len(str(full.Text)))
		}
		if rule.Help == nil || str(rule.Help.Text) == "" || str(rule.Help.Markdown) == "" || str(rule.Help.Text) == str(rule.Help.Markdown) {
			t.Errorf("%s: help text and markdown must both be set and differ", id)
		}
		for _, section := range []string{"How to fix", "Why it matters"} {
			if !strings.Contains(str(rule.Help.Markdown), section) {
				t.Errorf("%s: help markdown has no %q", id, section)
			}
		}
		props := rule.Properties
		if props == nil {
			t.Errorf("%s: no properties", id)
			continue
		}
		if s, ok := wantSev[id]; ok && props.Properties["security-severity"] != s {
			t.Errorf("%s: security-severity %#v, want %q (a string)", id, props.Properties["security-severity"], s)
		}
		if s, ok := wantProblem[id]; ok && props.Properties["problem.severity"] != s {
			t.Errorf("%s: problem.severity %#v, want %q", id, props.Properties["problem.severity"], s)
		}
		if l, ok := wantLevel[id]; ok && (rule.DefaultConfiguration == nil || rule.DefaultConfiguration.Level != l) {
			t.Errorf("%s: defaultConfiguration %+v, want level %q", id, rule.DefaultConfiguration, l)
		}
		if len(props.Tags) < 2 || props.Tags[0] != "security" || len(props.Tags) > 20 {
			t.Errorf("%s: tags %q", id, props.Tags)
		}
	}
	if got := str(rules[0].Help.Markdown); !strings.Contains(got, "`organization:read`") {
		t.Errorf("help markdown does not list the scopes:\n%s", got)
	}

	// ruleIndex points at the rule the result names.
	for _, res := range run.Results {
		if res.RuleIndex < 0 || res.RuleIndex >= len(rules) || str(rules[res.RuleIndex].ID) != str(res.RuleID) {
			t.Errorf("result %s has ruleIndex %d", str(res.RuleID), res.RuleIndex)
		}
	}
}

// TestSARIFUnknownRule: a finding whose rule the catalog lacks still gets a
// rule to point to.
func TestSARIFUnknownRule(t *testing.T) {
	t.Parallel()
	log, _ := sarifLog(t, unusualReport(), Options{})
	run := log.Runs[0]
	i := run.GetRuleIndex("PH999")
	if i < 0 {
		t.Fatal("no rule PH999")
	}
	for _, res := range run.Results {
		if str(res.RuleID) == "PH999" && res.RuleIndex != i {
			t.Errorf("PH999 result has ruleIndex %d, want %d", res.RuleIndex, i)
		}
	}
	if str(run.Tool.Driver.Rules[0].ID) != "ACME001" {
		t.Errorf("rules not sorted by id: first is %s", str(run.Tool.Driver.Rules[0].ID))
	}
}

func TestSARIFResults(t *testing.T) {
	t.Parallel()
	r := fullReport()
	log, _ := sarifLog(t, r, Options{})
	results := log.Runs[0].Results

	var want []Finding
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			want = append(want, f)
		}
	}
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d (suppressed findings left out)", len(results), len(want))
	}
	levels := map[string]string{SeverityCritical: "error", SeverityHigh: "error", SeverityMedium: "warning", SeverityLow: "note"}
	for i, res := range results {
		f := want[i]
		if str(res.RuleID) != f.Rule {
			t.Errorf("result %d: rule %s, want %s", i, str(res.RuleID), f.Rule)
		}
		wantLevel := levels[f.Severity]
		if f.Advisory {
			wantLevel = "note"
		}
		if res.Level != wantLevel {
			t.Errorf("result %d (%s %s): level %q, want %q", i, f.Rule, f.Severity, res.Level, wantLevel)
		}
		if res.Message == nil || !strings.HasPrefix(str(res.Message.Text), f.Message) {
			t.Errorf("result %d: message %q does not start with %q", i, str(res.Message.Text), f.Message)
		}
		if res.Properties == nil || res.Properties.Properties["subject"] != f.Subject || res.Properties.Properties["project"] != f.Project {
			t.Errorf("result %d: properties %+v", i, res.Properties)
		}
		if strings.Contains(f.Subject, "grace") {
			t.Errorf("suppressed finding %s in SARIF", f.Subject)
		}
	}
}

func TestSARIFEveryResultLocated(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		log, _ := sarifLog(t, fx.r(), Options{})
		for i, res := range log.Runs[0].Results {
			if len(res.Locations) != 1 {
				t.Errorf("%s result %d: %d locations", fx.name, i, len(res.Locations))
				continue
			}
			loc := res.Locations[0]
			pl := loc.PhysicalLocation
			if pl == nil || pl.ArtifactLocation == nil || pl.Region == nil || pl.Region.StartLine == nil {
				t.Errorf("%s result %d: incomplete physical location", fx.name, i)
				continue
			}
			if *pl.Region.StartLine < 1 {
				t.Errorf("%s result %d: startLine %d", fx.name, i, *pl.Region.StartLine)
			}
			if str(pl.ArtifactLocation.URIBaseID) != SARIFURIBaseID || str(pl.ArtifactLocation.URI) == "" {
				t.Errorf("%s result %d: artifact location %q %q", fx.name, i, str(pl.ArtifactLocation.URI), str(pl.ArtifactLocation.URIBaseID))
			}
			if len(loc.LogicalLocations) != 1 || str(loc.LogicalLocations[0].FullyQualifiedName) == "" || str(loc.LogicalLocations[0].Kind) == "" {
				t.Errorf("%s result %d: logical locations %+v", fx.name, i, loc.LogicalLocations)
			}
		}
	}
	log, _ := sarifLog(t, unusualReport(), Options{})
	if got := str(log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI); got != "config/access%20matrix.yaml" {
		t.Errorf("uri %q, want the percent-encoded repository path", got)
	}
}

func TestSARIFLocationFallback(t *testing.T) {
	t.Parallel()
	full := MatrixInfo{RepoPath: "m.yaml", TopLine: 2, GroupsLine: 30, OrganizationLine: 5}
	tests := []struct {
		name   string
		rule   string // PH101 is an organization rule, PH204 an access rule
		line   int
		matrix MatrixInfo
		want   int
	}{
		{"own line", "PH204", 77, full, 77},
		{"own line, organization rule", "PH101", 9, full, 9},
		{"organization rule", "PH101", 0, full, 5},
		{"access rule", "PH204", 0, full, 30},
		{"unknown rule", "ZZ1", 0, full, 30},
		{"no organization line", "PH101", 0, MatrixInfo{RepoPath: "m.yaml", TopLine: 2, GroupsLine: 30}, 2},
		{"no groups line", "PH204", 0, MatrixInfo{RepoPath: "m.yaml", TopLine: 3, OrganizationLine: 5}, 3},
		{"no lines", "PH204", 0, MatrixInfo{RepoPath: "m.yaml"}, 1},
		{"negative lines", "PH204", -4, MatrixInfo{RepoPath: "m.yaml", TopLine: -1, GroupsLine: -2}, 1},
	}
	for _, tt := range tests {
		r := cleanReport()
		r.Matrix = tt.matrix
		r.Findings = []Finding{{Rule: tt.rule, Severity: SeverityHigh, Message: "m.", Subject: "org:x", Line: tt.line}}
		log, _ := sarifLog(t, r, Options{})
		got := *log.Runs[0].Results[0].Locations[0].PhysicalLocation.Region.StartLine
		if got != tt.want {
			t.Errorf("%s: startLine %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestSARIFLogicalLocations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subject, project, fqn, kind string
	}{
		{"member:bob@acme.io", "payments", "org/Acme Analytics/project/payments/member/bob@acme.io", "member"},
		{"member:bob@acme.io", "", "org/Acme Analytics/member/bob@acme.io", "member"},
		{"project:payments", "payments", "org/Acme Analytics/project/payments", "project"},
		{"key:ci/deploy", "", "org/Acme Analytics/key/ci%2Fdeploy", "key"},
		{"domain:acme.io", "", "org/Acme Analytics/domain/acme.io", "domain"},
		{"invite:eve@x.dev", "web", "org/Acme Analytics/project/web/invite/eve@x.dev", "invite"},
		{"org:Acme Analytics", "", "org/Acme Analytics", "organization"},
		{"matrix:security/access-matrix.yaml", "", "org/Acme Analytics/matrix/security%2Faccess-matrix.yaml", "matrix"},
		{"section:activity_log", "", "org/Acme Analytics/section/activity_log", "section"},
		{"team:core", "", "org/Acme Analytics/team/core", "team"},
		{"no-prefix", "", "org/Acme Analytics/subject/no-prefix", "object"},
	}
	for _, tt := range tests {
		fqn, kind, _ := logicalName(Org{ID: "1", Name: "Acme Analytics"}, Finding{Subject: tt.subject, Project: tt.project})
		if fqn != tt.fqn || kind != tt.kind {
			t.Errorf("logicalName(%q, %q) = %q, %q; want %q, %q", tt.subject, tt.project, fqn, kind, tt.fqn, tt.kind)
		}
	}
	if fqn, _, _ := logicalName(Org{ID: "0190"}, Finding{Subject: "org:"}); fqn != "org/0190" {
		t.Errorf("organization without a name: %q", fqn)
	}
}

// fingerprints returns the primaryLocationLineHash of every result.
func fingerprints(t *testing.T, r *Report) []string {
	t.Helper()
	log, _ := sarifLog(t, r, Options{})
	var fps []string
	for _, res := range log.Runs[0].Results {
		fps = append(fps, res.PartialFingerprints[FingerprintKey])
	}
	return fps
}

func TestSARIFFingerprints(t *testing.T) {
	t.Parallel()
	base := fingerprints(t, fullReport())
	for _, fp := range base {
		if len(fp) != 18 || !strings.HasSuffix(fp, ":1") {
			t.Errorf("fingerprint %q is not 16 hex digits and :1", fp)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(base)))) != len(base) {
		t.Errorf("fingerprints not unique: %q", base)
	}

	// Lines, messages, remediation, severity, times, the matrix location,
	// the tool version and the organization's name do not change
	// fingerprints.
	moved := fullReport()
	for i := range moved.Findings {
		f := &moved.Findings[i]
		f.Line += 17
		f.Message = "Reworded: " + f.Message
		f.Remediation = "Something else."
		f.Evidence = map[string]any{"changed": true}
		if f.Severity == SeverityHigh {
			f.Severity = SeverityCritical
		}
	}
	moved.Snapshot.CollectedAt = moved.Snapshot.CollectedAt.Add(48 * time.Hour)
	moved.GeneratedAt = moved.GeneratedAt.Add(48 * time.Hour)
	moved.Matrix = MatrixInfo{RepoPath: "elsewhere/matrix.yaml", TopLine: 9, GroupsLine: 99, OrganizationLine: 12}
	moved.Tool.Version = "9.9.9"
	moved.Snapshot.Org.Name = "Renamed Org"
	if diff := cmp.Diff(base, fingerprints(t, moved)); diff != "" {
		t.Errorf("fingerprints changed with lines/messages/times (-before +after):\n%s", diff)
	}

	// A finding with an identity (the first: PH204 bob) keeps its
	// fingerprint when its subject and project key change: a new email, a
	// renamed matrix key. Its identity, rule and organization id change it.
	if fullReport().Findings[0].Identity == "" {
		t.Fatal("the first finding of the fixture has no identity")
	}
	for name, tt := range map[string]struct {
		change func(f *Finding, r *Report)
		keeps  bool
	}{
		"subject":  {func(f *Finding, _ *Report) { f.Subject = "member:bob.new@acme.io" }, true},
		"project":  {func(f *Finding, _ *Report) { f.Project = "payments-eu" }, true},
		"identity": {func(f *Finding, _ *Report) { f.Identity += "x" }, false},
		"rule":     {func(f *Finding, _ *Report) { f.Rule = "PH999" }, false},
		"org id":   {func(_ *Finding, r *Report) { r.Snapshot.Org.ID = "another-org" }, false},
	} {
		r := fullReport()
		tt.change(&r.Findings[0], r)
		if got := fingerprints(t, r); (got[0] == base[0]) != tt.keeps {
			t.Errorf("changing the %s: fingerprint %s, before %s; want kept %v", name, got[0], base[0], tt.keeps)
		}
	}

	// A finding without one (a report not made by the engine) falls back
	// to its subject and project key, which then do change it.
	for name, change := range map[string]func(f *Finding){
		"subject": func(f *Finding) { f.Subject += "x" },
		"project": func(f *Finding) { f.Project += "x" },
	} {
		r := fullReport()
		r.Findings[0].Identity = ""
		fallback := fingerprints(t, r)[0]
		if want := Fingerprint("PH204", r.Snapshot.Org.ID, SubjectIdentity("member:bob@acme.io", "payments", nil)) + ":1"; fallback != want {
			t.Errorf("fallback fingerprint %s, want %s", fallback, want)
		}
		change(&r.Findings[0])
		if fingerprints(t, r)[0] == fallback {
			t.Errorf("without an identity, changing the %s kept the fingerprint", name)
		}
	}

	// Equal rule and identity in one run are told apart by the occurrence
	// count, like GitHub's own hashes; suppressed findings count, so that
	// suppressing one never renumbers the other.
	dup := cleanReport()
	dup.Findings = []Finding{
		{Rule: "PH204", Severity: SeverityHigh, Subject: "member:a@x", Identity: "member:u-a/project:1", Project: "web", Message: "feature_flag level too high."},
		{Rule: "PH204", Severity: SeverityHigh, Subject: "member:a@x", Identity: "member:u-a/project:1", Project: "web", Message: "insight level too high."},
	}
	got := fingerprints(t, dup)
	h := Fingerprint("PH204", dup.Snapshot.Org.ID, "member:u-a/project:1")
	if diff := cmp.Diff([]string{h + ":1", h + ":2"}, got); diff != "" {
		t.Errorf("duplicate fingerprints (-want +got):\n%s", diff)
	}
	dup.Findings[0].Suppressed = &Suppression{Reason: "r"}
	if diff := cmp.Diff([]string{h + ":2"}, fingerprints(t, dup)); diff != "" {
		t.Errorf("suppressing the first renumbered the second (-want +got):\n%s", diff)
	}

	// The hash separates its inputs.
	if Fingerprint("a", "b", "cd") == Fingerprint("a", "bc", "d") {
		t.Error("Fingerprint does not separate the organization and the identity")
	}
	if SubjectIdentity("key:x", "", nil) == SubjectIdentity("key:x", "web", nil) ||
		SubjectIdentity("key:x", "12", nil) == SubjectIdentity("key:x", "", int64p(12)) {
		t.Error("SubjectIdentity does not separate the project key and the project id")
	}
}

// TestJSONIDsAreTheSARIFFingerprints: the JSON report's finding ids are the
// SARIF results' primaryLocationLineHash, finding for finding, and every
// finding, suppressed ones included, has one and an identity.
func TestJSONIDsAreTheSARIFFingerprints(t *testing.T) {
	t.Parallel()
	r := fullReport()
	var doc struct {
		Findings []Finding `json:"findings"`
	}
	if err := json.Unmarshal(render(t, r, FormatJSON, Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	var unsuppressed []string
	for _, f := range doc.Findings {
		if f.ID == "" || f.Identity == "" {
			t.Errorf("%s %s: id %q identity %q", f.Rule, f.Subject, f.ID, f.Identity)
		}
		if f.Suppressed == nil {
			unsuppressed = append(unsuppressed, f.ID)
		}
	}
	if diff := cmp.Diff(unsuppressed, fingerprints(t, r)); diff != "" {
		t.Errorf("JSON ids and SARIF fingerprints differ (-json +sarif):\n%s", diff)
	}
	if r.Findings[0].ID != "" {
		t.Error("rendering modified the report")
	}
}

func TestSARIFCap(t *testing.T) {
	t.Parallel()
	// Fewer results than rules with findings: the most severe rules get
	// one each (quota details: sarif_cap_test.go).
	r := fullReport()
	log, _ := sarifLog(t, r, Options{MaxResults: 3})
	run := log.Runs[0]
	var got []string
	for _, res := range run.Results {
		got = append(got, str(res.RuleID)+" "+res.Properties.Properties["subject"].(string))
	}
	want := []string{"PH204 member:bob@acme.io", "PH101 domain:acme.io", "PH301 key:ci-deploy"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kept results (-want +got):\n%s", diff)
	}
	var notes []string
	for _, n := range run.Invocations[0].ToolExecutionNotifications {
		if n.Level == sarif.LevelWarning {
			notes = append(notes, str(n.Message.Text))
		}
	}
	if len(notes) == 0 || !strings.Contains(strings.Join(notes, "\n"), "to keep the run within 3 results") {
		t.Fatalf("no warning about the results left out: %q", notes)
	}

	// A real finding outranks an advisory one of the same severity.
	r = cleanReport()
	r.Findings = []Finding{
		{Rule: "PH902", Severity: SeverityLow, Advisory: true, Subject: "member:a", Message: "advisory."},
		{Rule: "PH208", Severity: SeverityLow, Subject: "member:b", Message: "low."},
		{Rule: "PH209", Severity: SeverityMedium, Subject: "member:c", Message: "medium.", Suppressed: &Suppression{Reason: "r"}},
	}
	log, _ = sarifLog(t, r, Options{MaxResults: 1})
	if res := log.Runs[0].Results; len(res) != 1 || str(res[0].RuleID) != "PH208" {
		t.Errorf("cap 1 kept %v, want the low finding over the advisory one (suppressed never counts)", res)
	}

	// At the limit nothing is dropped or noted.
	log, _ = sarifLog(t, fullReport(), Options{MaxResults: 7})
	if len(log.Runs[0].Results) != 7 || len(log.Runs[0].Invocations[0].ToolExecutionNotifications) != 3 {
		t.Errorf("at the limit: %d results, %d notifications", len(log.Runs[0].Results), len(log.Runs[0].Invocations[0].ToolExecutionNotifications))
	}
	if DefaultMaxResults != 5000 {
		t.Errorf("DefaultMaxResults = %d, want the 5000 GitHub shows", DefaultMaxResults)
	}
}

func TestSARIFCategory(t *testing.T) {
	t.Parallel()
	for category, want := range map[string]string{"": "", "hogaudit": "hogaudit/", "posthog/prod/": "posthog/prod/"} {
		log, _ := sarifLog(t, cleanReport(), Options{Category: category})
		ad := log.Runs[0].AutomationDetails
		switch {
		case want == "" && ad != nil:
			t.Errorf("category %q: automationDetails %+v, want none", category, ad)
		case want != "" && (ad == nil || str(ad.ID) != want):
			t.Errorf("category %q: automationDetails %+v, want id %q", category, ad, want)
		}
	}
}

func TestSARIFInvocation(t *testing.T) {
	t.Parallel()
	log, _ := sarifLog(t, cleanReport(), Options{})
	inv := log.Runs[0].Invocations
	if len(inv) != 1 || inv[0].ExecutionSuccessful == nil || !*inv[0].ExecutionSuccessful || len(inv[0].ToolExecutionNotifications) != 0 {
		t.Errorf("complete evidence: invocations %+v, want one successful without notifications", inv)
	}

	r := fullReport()
	log, _ = sarifLog(t, r, Options{})
	inv = log.Runs[0].Invocations
	if len(inv) != 1 || inv[0].ExecutionSuccessful == nil || *inv[0].ExecutionSuccessful {
		t.Fatalf("incomplete evidence: invocations %+v, want executionSuccessful false", inv)
	}
	notes := inv[0].ToolExecutionNotifications
	if len(notes) != len(r.Snapshot.Missing) {
		t.Fatalf("%d notifications, want one per missing section (%d)", len(notes), len(r.Snapshot.Missing))
	}
	wants := [][]string{
		{"activity_log", "HTTP 403", "activity_log:read"},
		{"access_controls (project 4242)", "HTTP 402", "advanced_permissions"},
		{"personal API key nightly-export", "--audit-key-env", "(PH301–PH305) cannot judge it"},
	}
	for i, n := range notes {
		if n.Level != sarif.LevelError {
			t.Errorf("notification %d: level %q", i, n.Level)
		}
		if n.Descriptor == nil || str(n.Descriptor.ID) != EvidenceMissingRule {
			t.Errorf("notification %d: descriptor %+v", i, n.Descriptor)
		}
		if n.AssociatedRule == nil || n.AssociatedRule.Index != log.Runs[0].GetRuleIndex(EvidenceMissingRule) {
			t.Errorf("notification %d: associatedRule %+v", i, n.AssociatedRule)
		}
		for _, w := range wants[i] {
			if !strings.Contains(str(n.Message.Text), w) {
				t.Errorf("notification %d: %q does not name %q", i, str(n.Message.Text), w)
			}
		}
	}

	// Incomplete evidence without the PH901 rule: no associatedRule.
	r.Rules = slices.DeleteFunc(r.Rules, func(rule Rule) bool { return rule.ID == EvidenceMissingRule })
	log, _ = sarifLog(t, r, Options{})
	for _, n := range log.Runs[0].Invocations[0].ToolExecutionNotifications {
		if n.AssociatedRule != nil {
			t.Errorf("associatedRule %+v without rule PH901", n.AssociatedRule)
		}
	}
}

func TestSARIFMessages(t *testing.T) {
	t.Parallel()
	// The message is the finding's sentence; the remediation is the
	// rule's help, and only one of the finding's own reaches the message.
	tests := []struct {
		f       Finding
		ruleRem string
		want    string
	}{
		{Finding{Message: "A is too high.", Remediation: "Lower it"}, "Lower it", "A is too high."},
		{Finding{Message: "A is too high.", Remediation: "Lower it"}, "Lower it.", "A is too high."},
		// near miss: a remediation of the finding's own (a failed run's hints)
		{Finding{Message: "A is too high.", Remediation: "Lower it"}, "Fix the cause", "A is too high. Lower it."},
		{Finding{Message: "A is too high.", Remediation: "Lower it"}, "", "A is too high. Lower it."},
		{Finding{Message: "A is too high", Remediation: ""}, "Lower it", "A is too high."},
		{Finding{Message: "line\nbreak?"}, "", "line break?"},
		{Finding{Rule: "PH101", Name: "sso-not-enforced", Subject: "domain:x"}, "", "PH101 sso-not-enforced: domain:x."},
	}
	for _, tt := range tests {
		if got := resultMessage(tt.f, tt.ruleRem); got != tt.want {
			t.Errorf("resultMessage(%+v, %q) = %q, want %q", tt.f, tt.ruleRem, got, tt.want)
		}
	}
}

func ExampleFingerprint() {
	fmt.Println(Fingerprint("PH204", "0190c1a2-7c33-7e5f-9a41-4b1d2c3e4f50", "member:0190d0b0-0000-7000-8000-00000000b0b0/project:4242"))
	// Output: 681c999746950070
}
