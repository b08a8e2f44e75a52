package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/hogaudit/hogaudit/policies/frameworks"
)

// SARIF constants GitHub code scanning and the tests rely on.
const (
	// SARIFSchemaURI is the $schema of every SARIF log, the one GitHub's
	// documentation uses.
	SARIFSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	// SARIFURIBaseID is the uriBaseId of every location: the matrix path is
	// relative to the repository root.
	SARIFURIBaseID = "%SRCROOT%"
	// FingerprintKey is the partialFingerprints entry GitHub deduplicates
	// alerts by.
	FingerprintKey = "primaryLocationLineHash"
	// EvidenceMissingRule is the rule id of missing evidence; SARIF's
	// tool execution notifications refer to it.
	EvidenceMissingRule = "PH901"

	defaultToolName       = "hogaudit"
	defaultInformationURI = "https://github.com/hogaudit/hogaudit"
	// maxDescription is GitHub's limit for a rule's short and full
	// descriptions.
	maxDescription = 1024
)

// SecuritySeverity is the security-severity score a SARIF rule of the
// given severity carries (docs/rules.md): "9.5" for critical, "8.0" high, "5.5"
// medium, "3.0" low, and "" for anything else. GitHub buckets the score
// back into the same four severities (above 9.0 critical, 7.0 to 8.9 high,
// 4.0 to 6.9 medium, below 4.0 low).
func SecuritySeverity(severity string) string {
	switch severity {
	case SeverityCritical:
		return "9.5"
	case SeverityHigh:
		return "8.0"
	case SeverityMedium:
		return "5.5"
	case SeverityLow:
		return "3.0"
	}
	return ""
}

// sarifLevel is the SARIF level of a severity: error for critical and high,
// warning for medium, note for low and anything else.
func sarifLevel(severity string) string {
	switch severity {
	case SeverityCritical, SeverityHigh:
		return sarif.LevelError
	case SeverityMedium:
		return sarif.LevelWarning
	}
	return sarif.LevelNote
}

// problemSeverity is a rule's problem.severity, the property GitHub uses for
// results without security-severity: error, warning or recommendation.
func problemSeverity(severity string) string {
	switch severity {
	case SeverityCritical, SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	}
	return "recommendation"
}

// writeSARIF renders r as a SARIF 2.1.0 log with one run (see buildSARIF)
// and writes it indented, with a trailing newline, leaving out the empty
// arrays and -1 sentinels go-sarif emits for unset properties (their SARIF
// defaults) except the results and rules arrays, which GitHub needs even
// when empty.
func writeSARIF(w io.Writer, r *Report, opts Options) error {
	rep := buildSARIF(r, opts)
	return encodeSARIF(w, rep)
}

// buildSARIF turns r into a go-sarif log. The run lists every rule of
// r.Rules (sorted by id, plus any rule a finding names that the catalog
// lacks) so that GitHub closes fixed alerts; one result per unsuppressed
// finding, or fewer under the result cap (sarif_cap.go), with a warning
// notification per rule the cap aggregated or truncated; one
// invocation whose executionSuccessful says whether the evidence was
// complete, with an error notification per missing section.
func buildSARIF(r *Report, opts Options) *sarif.Report {
	rep := sarif.NewReport()
	rep.Schema = SARIFSchemaURI

	name := cmp.Or(r.Tool.Name, defaultToolName)
	run := sarif.NewRunWithInformationURI(name, cmp.Or(r.Tool.InformationURI, defaultInformationURI))
	driver := run.Tool.Driver
	if r.Tool.Version != "" {
		driver.WithVersion(r.Tool.Version)
		if v := strings.TrimPrefix(r.Tool.Version, "v"); semverRE.MatchString(v) {
			driver.WithSemanticVersion(v)
		}
	}

	// Every rule goes in before any result, so that ruleIndex is right.
	rules := sarifRules(r)
	areas := make(map[string]string, len(rules))
	remediations := make(map[string]string, len(rules))
	for _, rule := range rules {
		driver.AddRule(ruleDescriptor(rule))
		areas[rule.ID] = rule.Area
		remediations[rule.ID] = rule.Remediation
	}
	if base := srcRoot(r.Matrix); base != nil {
		run.WithOriginalUriBaseIds(map[string]sarif.ArtifactLocation{SARIFURIBaseID: *base})
	}

	rulesByID := ruleIndex(r)
	plan := planSARIF(findingsWithIDs(r), r.Snapshot.Org.ID, opts.maxResults())
	for _, it := range plan.items {
		f := it.finding
		res := run.CreateResultForRule(f.Rule)
		level := sarifLevel(f.Severity)
		if f.Advisory {
			level = sarif.LevelNote
		}
		msg := resultMessage(f, remediations[f.Rule])
		if it.members != nil {
			msg = aggregateMessage(rulesByID[f.Rule], it)
		}
		res.WithLevel(level).
			WithMessage(sarif.NewTextMessage(msg)).
			AddLocation(resultLocation(r, f, areas[f.Rule], it.members != nil))

		// The finding's ID: its fingerprint and occurrence count, from
		// its stable identity (Finding.Identity), never its names; an
		// aggregated result's from its group's key (aggregateKey).
		res.WithPartialFingerprints(map[string]string{FingerprintKey: f.ID})
		res.WithProperties(resultProperties(it))
	}

	inv := sarif.NewInvocation().WithExecutionSuccessful(r.Snapshot.Complete)
	if !r.GeneratedAt.IsZero() {
		inv.WithEndTimeUtc(r.GeneratedAt.UTC().Format(time.RFC3339))
	}
	if r.Failure != nil {
		// The check did not complete: say why where the run's outcome is.
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarif.NewNotification().WithLevel(sarif.LevelError).
				WithMessage(sarif.NewTextMessage(oneLine(r.Failure.Message))).
				WithDescriptor(sarif.NewReportingDescriptorReference().WithID(EvidenceMissingRule)))
	}
	if !r.Snapshot.Complete {
		ph901 := run.GetRuleIndex(EvidenceMissingRule)
		for _, m := range r.Snapshot.Missing {
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, missingNotification(m, ph901))
		}
	}
	for _, o := range plan.omissions {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, omissionNotification(o, opts.maxResults()))
	}
	run.AddInvocation(inv)
	if k := r.Coverage.Keys; k.Declared > 0 {
		// How many of the keys the matrix declares were audited; the
		// missing ones are also notifications above.
		props := sarif.NewPropertyBag().Add("keys_declared", k.Declared).Add("keys_audited", k.Audited)
		if len(k.Unaudited) > 0 {
			props.Add("keys_unaudited", k.Unaudited)
		}
		run.WithProperties(props)
	}

	if opts.Category != "" {
		id := opts.Category
		if !strings.HasSuffix(id, "/") {
			id += "/"
		}
		run.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID(id))
	}
	rep.AddRun(run)
	return rep
}

// semverRE matches a semantic version 2.0.0 without a leading "v".
var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(-(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?` +
	`(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// sarifRules returns the rules of the run: r.Rules sorted by id (the first
// of duplicate ids wins), plus a rule made from the first finding of any
// rule id the catalog lacks, so that every result has a rule to point to.
func sarifRules(r *Report) []Rule {
	seen := make(map[string]bool, len(r.Rules))
	var rules []Rule
	for _, rule := range r.Rules {
		if !seen[rule.ID] {
			seen[rule.ID] = true
			rules = append(rules, rule)
		}
	}
	for _, f := range r.Findings {
		if seen[f.Rule] {
			continue
		}
		seen[f.Rule] = true
		rules = append(rules, Rule{ID: f.Rule, Name: f.Name, Severity: f.Severity, Remediation: f.Remediation})
	}
	slices.SortStableFunc(rules, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return rules
}

// ruleDescriptor describes a rule the way GitHub code scanning reads it.
func ruleDescriptor(rule Rule) *sarif.ReportingDescriptor {
	title := oneLine(cmp.Or(rule.Title, rule.Name, rule.ID))
	full := oneLine(cmp.Or(rule.Description, title))
	d := sarif.NewRule(rule.ID).
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(truncateBytes(title, maxDescription))).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(truncateBytes(full, maxDescription))).
		WithHelp(sarif.NewMultiformatMessageString().WithText(ruleHelp(rule, false)).WithMarkdown(ruleHelp(rule, true))).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(rule.Severity)))
	if rule.Name != "" {
		d.WithName(rule.Name)
	}
	if rule.HelpURI != "" {
		d.WithHelpURI(rule.HelpURI)
	}

	tags := []string{"security"}
	if rule.Area != "" {
		tags = append(tags, rule.Area)
	}
	if rule.Custom && rule.Area != "custom" {
		tags = append(tags, "custom")
	}
	tags = append(tags, controlTags(rule, maxRuleTags-len(tags))...)
	props := sarif.NewPropertyBag().WithTags(tags)
	if s := SecuritySeverity(rule.Severity); s != "" {
		props.Add("security-severity", s)
	}
	props.Add("problem.severity", problemSeverity(rule.Severity))
	props.Add("precision", "very-high")
	d.WithProperties(props)
	return d
}

// maxRuleTags is the number of tags GitHub code scanning reads of a rule.
const maxRuleTags = 20

// controlTags are the SARIF tags of the framework controls rule evidences,
// "soc2/CC6.1" and "iso27001/A.5.15" (the framework's tag, a slash, the
// control id), frameworks in their fixed order, at most limit of them: a
// custom rule naming more controls than GitHub shows tags keeps the first
// (the JSON report's controls list every one).
func controlTags(rule Rule, limit int) []string {
	var tags []string
	for _, fw := range frameworks.All() {
		for _, id := range rule.Frameworks[fw.Key] {
			if len(tags) == limit {
				return tags
			}
			tags = append(tags, fw.ControlTag(id))
		}
	}
	return tags
}

// ruleHelp is a rule's help for GitHub's alert pane, as Markdown or as
// plain text: what it checks, why it matters, how to fix it, and the
// evidence (snapshot sections, API scopes) it needs.
func ruleHelp(rule Rule, markdown bool) string {
	code := plain
	section := func(title, body string) string { return title + ": " + body + "\n\n" }
	if markdown {
		code = codeSpan
		section = func(title, body string) string { return "### " + title + "\n\n" + body + "\n\n" }
	}
	list := func(items []string) string {
		parts := make([]string, len(items))
		for i, s := range items {
			parts[i] = code(s)
		}
		return strings.Join(parts, ", ")
	}

	var b strings.Builder
	b.WriteString(rule.ID + " " + code(cmp.Or(rule.Name, rule.ID)))
	if rule.Severity != "" {
		b.WriteString(" — " + rule.Severity)
	}
	b.WriteString("\n\n")
	for _, s := range []struct{ title, body string }{
		{"What it checks", rule.Title},
		{"Why it matters", rule.Description},
		{"How to fix", rule.Remediation},
	} {
		if s.body != "" {
			b.WriteString(section(s.title, s.body))
		}
	}
	var evidence []string
	if len(rule.Requires) > 0 {
		evidence = append(evidence, "Snapshot sections: "+list(rule.Requires)+".")
	}
	if len(rule.Scopes) > 0 {
		evidence = append(evidence, "API scopes of the scanning key: "+list(rule.Scopes)+".")
	}
	if len(evidence) > 0 {
		b.WriteString(section("Evidence it needs", strings.Join(evidence, " ")))
	}
	if rule.Custom {
		b.WriteString("A custom rule, loaded with " + code("--policy-dir") + ".")
	}
	return strings.TrimRight(b.String(), "\n")
}

// resultMessage is a result's message.text: the finding's sentence (its
// message, GitHub's alert title). The remediation is the rule's help; only
// a finding whose remediation differs from its rule's (ruleRemediation),
// such as the hints of a check that did not complete, has it appended.
func resultMessage(f Finding, ruleRemediation string) string {
	msg := sentence(oneLine(findingMessage(f)))
	if rem := sentence(oneLine(f.Remediation)); rem != "" && rem != sentence(oneLine(ruleRemediation)) {
		msg += " " + rem
	}
	return msg
}

// sentence trims s and ends it with a period unless it already ends a
// sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// resultLocation points a finding at the matrix: its own line, else the
// organization: line (organization-area rules) or the groups: line (the
// others), else the document's first line, and never before line 1. A
// logical location names the subject; group set, the finding stands for an
// aggregated result, whose logical location is its project (else the
// organization).
func resultLocation(r *Report, f Finding, area string, group bool) *sarif.Location {
	if group {
		f.Subject = groupSubject(r.Snapshot.Org, f)
	}
	loc := sarif.NewLocation()
	if uri := matrixURI(r.Matrix); uri != "" {
		loc.WithPhysicalLocation(sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewArtifactLocation().WithURI(uri).WithURIBaseID(SARIFURIBaseID)).
			WithRegion(sarif.NewRegion().WithStartLine(findingLine(f, area, r.Matrix))))
	}
	fqn, kind, name := logicalName(r.Snapshot.Org, f)
	ll := sarif.NewLogicalLocation().WithFullyQualifiedName(fqn).WithKind(kind)
	if name != "" {
		ll.WithName(name)
	}
	loc.AddLogicalLocation(ll)
	return loc
}

// matrixURI is the matrix's repository-relative path as a URI reference
// (percent-encoded where needed), or "" when no matrix path is known.
func matrixURI(m MatrixInfo) string {
	p := m.RepoPath
	if p == "" {
		return ""
	}
	return (&url.URL{Path: strings.TrimPrefix(p, "./")}).EscapedPath()
}

// srcRoot is the originalUriBaseIds entry of %SRCROOT%, the base of every
// matrix location: the repository's top level as an absolute file URI
// ending in "/" when m.Root is known, else a description alone (the
// upload's checkout is the base); nil when no location has a matrix URI.
func srcRoot(m MatrixInfo) *sarif.ArtifactLocation {
	if matrixURI(m) == "" {
		return nil
	}
	loc := sarif.NewArtifactLocation().
		WithDescription(sarif.NewTextMessage("The top level of the git repository that holds the access matrix."))
	if m.Root != "" {
		p := filepath.ToSlash(m.Root)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // a Windows drive: file:///C:/...
		}
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		loc.WithURI((&url.URL{Scheme: "file", Path: p}).String())
	}
	return loc
}

// findingLine is the matrix line a finding is reported at (see
// resultLocation).
func findingLine(f Finding, area string, m MatrixInfo) int {
	if f.Line > 0 {
		return f.Line
	}
	fallback := m.GroupsLine
	if area == "organization" {
		fallback = m.OrganizationLine
	}
	switch {
	case fallback > 0:
		return fallback
	case m.TopLine > 0:
		return m.TopLine
	}
	return 1
}

// subjectKinds maps a subject's prefix to a logical location kind.
var subjectKinds = map[string]string{
	"member":  "member",
	"project": "project",
	"key":     "key",
	"domain":  "domain",
	"invite":  "invite",
	"org":     "organization",
	"matrix":  "matrix",
	"section": "section",
}

// logicalName builds a finding's logical location: a path such as
// org/<org>/project/<project>/member/<email> from the organization, the
// project and the subject, its kind (member, project, key, domain, invite,
// organization, matrix, section) and the subject's own name. Segments have
// "%" and "/" percent-encoded so that the path splits unambiguously.
func logicalName(org Org, f Finding) (fqn, kind, name string) {
	prefix, value, ok := strings.Cut(oneLine(f.Subject), ":")
	if !ok {
		prefix, value = "", oneLine(f.Subject)
	}
	segs := []string{"org", pathSegment(orgLabel(org))}
	kind = subjectKinds[prefix]
	switch {
	case kind == "organization":
		return strings.Join(segs, "/"), kind, value
	case kind == "project":
		segs = append(segs, "project", pathSegment(value))
		return strings.Join(segs, "/"), kind, value
	case kind == "":
		kind = cmp.Or(prefix, "object")
	}
	if f.Project != "" {
		segs = append(segs, "project", pathSegment(f.Project))
	}
	segs = append(segs, pathSegment(cmp.Or(prefix, "subject")), pathSegment(value))
	return strings.Join(segs, "/"), kind, value
}

var segmentEscaper = strings.NewReplacer("%", "%25", "/", "%2F")

func pathSegment(s string) string { return segmentEscaper.Replace(oneLine(s)) }

// missingNotification reports one missing section as a tool execution
// notification of level error, pointing at rule PH901 (ruleIndex when the
// run has it, else -1).
func missingNotification(m Missing, ruleIndex int) *sarif.Notification {
	var b strings.Builder
	if m.Key != "" {
		fmt.Fprintf(&b, "Evidence missing: the personal API key %s: %s.", m.Key, m.Reason)
	} else {
		fmt.Fprintf(&b, "Evidence missing: the %s section could not be collected", sectionLabel(m, plain))
		if st := missingStatus(m, plain, plain); st != "" {
			fmt.Fprintf(&b, " (%s)", st)
		}
		b.WriteString(".")
	}
	if fix := missingFix(m, plain); fix != "" {
		fmt.Fprintf(&b, " To fix it, %s.", fix)
	}
	if m.Key == "" {
		b.WriteString(" Rules that need this section were not evaluated.")
	}

	props := sarif.NewPropertyBag().
		Add("section", m.Section).
		Add("endpoint", m.Endpoint).
		Add("status", m.Status)
	if m.Key != "" {
		props.Add("key", m.Key)
	}
	if m.ProjectID != nil {
		props.Add("project_id", *m.ProjectID)
	}
	if m.Scope != "" {
		props.Add("scope", m.Scope)
	}
	if m.Feature != "" {
		props.Add("feature", m.Feature)
	}
	n := sarif.NewNotification().
		WithLevel(sarif.LevelError).
		WithMessage(sarif.NewTextMessage(oneLine(b.String()))).
		WithDescriptor(sarif.NewReportingDescriptorReference().WithID(EvidenceMissingRule)).
		WithProperties(props)
	if ruleIndex >= 0 {
		n.WithAssociatedRule(sarif.NewReportingDescriptorReference().WithID(EvidenceMissingRule).WithIndex(ruleIndex))
	}
	return n
}

// encodeSARIF writes rep indented, with a trailing newline, without the
// noise go-sarif adds for unset properties: empty arrays and objects (except
// "results" and "rules", which must be present) and the -1 sentinels of
// index-like properties, whose SARIF default is -1 anyway. Property bags are
// copied as they are. Object keys come out sorted, so the output is
// deterministic.
func encodeSARIF(w io.Writer, rep *sarif.Report) error {
	raw, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	doc, _ = pruneSARIF(doc, "")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// sentinelKeys are the integer properties whose -1 means "unset".
var sentinelKeys = map[string]bool{
	"index": true, "parentIndex": true, "ruleIndex": true, "rank": true,
	"byteOffset": true, "charOffset": true, "id": true,
}

// requiredArrays are kept even when empty.
var requiredArrays = map[string]bool{"results": true, "rules": true}

// pruneSARIF returns v without its unset properties (see encodeSARIF) and
// whether v itself, as the value of key, is worth keeping.
func pruneSARIF(v any, key string) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		if key == "properties" {
			return v, len(v) > 0
		}
		for k, child := range v {
			if pruned, keep := pruneSARIF(child, k); keep {
				v[k] = pruned
			} else {
				delete(v, k)
			}
		}
		return v, len(v) > 0
	case []any:
		if len(v) == 0 {
			return v, requiredArrays[key]
		}
		for i, child := range v {
			v[i], _ = pruneSARIF(child, "")
		}
		return v, true
	case json.Number:
		return v, !(sentinelKeys[key] && v == "-1")
	}
	return v, true
}
