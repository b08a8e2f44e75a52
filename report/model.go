package report

import (
	"time"

	"github.com/hogaudit/hogaudit/drift"
)

// Severities, from most to least severe.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
)

// Severities lists the severities from most to least severe.
var Severities = []string{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow}

// SeverityRank orders severities: critical 4, high 3, medium 2, low 1, and 0
// for anything else (including "none", the --fail-on value that never fails).
func SeverityRank(s string) int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// Report is the neutral result of one check: what was checked, against which
// rules, and what was found. Every output format renders a Report and nothing
// else; no policy-engine types appear here.
type Report struct {
	Tool     Tool         `json:"tool"`
	Snapshot SnapshotInfo `json:"snapshot"`
	Matrix   MatrixInfo   `json:"matrix"`
	Summary  Summary      `json:"summary"`
	// Coverage says how much of what the matrix declares the evidence
	// covers.
	Coverage Coverage `json:"coverage"`
	// Findings are sorted by severity (most severe first), rule, project,
	// subject.
	Findings []Finding `json:"findings"`
	// NotEvaluated lists the rules that could not run because evidence they
	// need is missing; they neither passed nor failed.
	NotEvaluated []NotEvaluated `json:"not_evaluated"`
	// ExpiringExceptions are the matrix exceptions that still apply but
	// expire within 14 days.
	ExpiringExceptions []Exception `json:"exceptions_expiring"`
	// Rules is the whole catalog that was in force (built-in and custom,
	// disabled ones excluded), sorted by id. SARIF lists every one so that
	// fixed alerts close.
	Rules []Rule `json:"-"`
	// DisabledRules are the catalog's rules turned off for this check
	// (--disable): they judged nothing, so a control they evidence is
	// never a pass (Controls).
	DisabledRules []Rule `json:"-"`
	// GeneratedAt is when the check ran.
	GeneratedAt time.Time `json:"generated_at"`
	// SARIFOmissions is what the SARIF result cap left out of the SARIF
	// log (SARIFOmissions), by rule; nil when it lists every unsuppressed
	// finding or when no SARIF is written. The CLI sets it before writing
	// the reports, so that the Markdown can say so.
	SARIFOmissions []SARIFOmission `json:"-"`
	// Failure is set when the check did not complete (see NotCompleted):
	// the report then holds no verdict, only the PH901 finding saying so.
	Failure *Failure `json:"failure,omitempty"`
	// Drift is the access drift since the previous run's snapshot
	// (scan or check --previous); nil without one.
	Drift *drift.Report `json:"drift,omitempty"`
	// Access is the access map (members × projects) the HTML report draws
	// as its heat map; nil when no HTML report is written (the CLI builds
	// it only then) or the check did not complete.
	Access *AccessMap `json:"-"`
}

// Tool identifies hogaudit in a report.
type Tool struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	InformationURI string `json:"information_uri"`
}

// SnapshotInfo describes the evidence a report is based on.
type SnapshotInfo struct {
	Org         Org       `json:"org"`
	Host        string    `json:"host"`
	CollectedAt time.Time `json:"collected_at"`
	// Complete is true when every applicable section was collected and
	// every personal API key the matrix declares was audited.
	Complete bool      `json:"complete"`
	Missing  []Missing `json:"missing"`
}

// Org names the organization checked.
type Org struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Missing is one piece of evidence that could not be collected.
type Missing struct {
	Section   string `json:"section"`
	ProjectID *int64 `json:"project_id,omitempty"`
	Endpoint  string `json:"endpoint"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Scope     string `json:"scope,omitempty"`
	Feature   string `json:"feature,omitempty"`
	Reason    string `json:"reason"`
	// Key is the label of a personal API key the matrix declares that no
	// audited key carries (section api_keys, no endpoint).
	Key string `json:"key,omitempty"`
}

// Coverage is how much of what the matrix declares the evidence covers.
type Coverage struct {
	Keys KeyCoverage `json:"keys"`
}

// KeyCoverage counts the personal API keys the matrix declares (the labels
// under its groups' keys:) and those a key of the snapshot carries: PostHog
// lets a key read only itself, so hogaudit sees the scanning key and the
// --audit-key-env keys alone.
type KeyCoverage struct {
	Declared int `json:"declared"`
	Audited  int `json:"audited"`
	// Unaudited are the declared labels no audited key carries, sorted;
	// each also has a Missing record.
	Unaudited []string `json:"unaudited"`
}

// MatrixInfo locates the access matrix the findings point into.
type MatrixInfo struct {
	// Path is the matrix file as given on the command line.
	Path string `json:"path"`
	// RepoPath is Path relative to the repository root (slash-separated),
	// the form SARIF locations use.
	RepoPath string `json:"repo_path"`
	// Root is the absolute directory RepoPath is relative to (the git top
	// level of the matrix), or "" when unknown; SARIF names it as the
	// %SRCROOT% of its originalUriBaseIds.
	Root string `json:"-"`
	// TopLine is the first line of the matrix document; GroupsLine and
	// OrganizationLine are the lines of those keys (0 when absent). They are
	// the fallback locations of findings without a finer line.
	TopLine          int `json:"-"`
	GroupsLine       int `json:"-"`
	OrganizationLine int `json:"-"`
}

// Summary counts a report's findings.
type Summary struct {
	// Total counts unsuppressed findings, advisory ones included.
	Total int `json:"total"`
	// BySeverity counts unsuppressed findings per severity; every severity
	// is present.
	BySeverity map[string]int `json:"by_severity"`
	Suppressed int            `json:"suppressed"`
	// NotEvaluated counts rules that could not run.
	NotEvaluated int `json:"not_evaluated"`
	// FailOn is the --fail-on threshold the exit code was computed with.
	FailOn string `json:"fail_on"`
	// Failing counts unsuppressed, non-advisory findings at or above FailOn.
	Failing int `json:"failing"`
}

// Finding is one violation of a rule by one subject.
type Finding struct {
	// ID is the finding's stable id, the same string as its SARIF
	// primaryLocationLineHash: Fingerprint(rule, organization id,
	// identity) and ":N", N counting the report's findings of that
	// fingerprint from 1 in report order (AssignIDs). A finding keeps its
	// id across runs for as long as its rule, organization and Identity
	// stay the same.
	ID       string `json:"id"`
	Rule     string `json:"rule"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	// Message is one sentence naming the subject and the expectation; its
	// first sentence is the alert title in GitHub.
	Message string `json:"message"`
	// Subject names what the finding is about for people and for matrix
	// exceptions: member:<email>, project:<key or name>, key:<label>,
	// domain:<domain>, invite:<email>, org:<name>, matrix:<path>,
	// section:<section>. It changes when those names do; Identity does not.
	Subject string `json:"subject"`
	// Identity names what the finding is about by PostHog's stable ids
	// (organization id, member user uuid, key id, project id, invite id,
	// domain id, role id, activity entry id), never by names, emails or
	// labels, for example "member:<uuid>/project:<id>". Built-in rules set
	// it; a rule that does not gets SubjectIdentity from the engine. ID and
	// the SARIF fingerprint are derived from it, so renaming the
	// organization, a member's new email, a second key with the same label
	// or a renamed matrix project key keep every alert.
	Identity string `json:"identity"`
	// Project is the matrix project key the finding concerns, if any.
	Project     string         `json:"project,omitempty"`
	Evidence    map[string]any `json:"evidence"`
	Remediation string         `json:"remediation"`
	// Suppressed is set when a matrix exception covers the finding.
	Suppressed *Suppression `json:"suppressed,omitempty"`
	// Advisory findings inform but never fail a run (an exception expiring
	// soon); SARIF shows them as notes.
	Advisory bool `json:"advisory,omitempty"`
	// Line is the matrix line of the node the finding is about; 0 when the
	// rule named none (formats then fall back to MatrixInfo's lines).
	Line int `json:"line,omitempty"`
}

// Suppression is the matrix exception that covers a finding.
type Suppression struct {
	Reason  string `json:"reason"`
	Ticket  string `json:"ticket,omitempty"`
	Expires string `json:"expires"`
	Line    int    `json:"line,omitempty"`
}

// NotEvaluated is a rule that could not run.
type NotEvaluated struct {
	Rule     string   `json:"rule"`
	Name     string   `json:"name"`
	Sections []string `json:"sections"`
	Scopes   []string `json:"scopes"`
	// Bindings are the matrix project keys whose binding keeps the rule
	// from judging what the matrix means (a protected key bound to no
	// PostHog project, a key matching several); Reason names the
	// candidate projects.
	Bindings []string `json:"bindings,omitempty"`
	Reason   string   `json:"reason"`
}

// Exception is a matrix exception as reports list it.
type Exception struct {
	Rule     string `json:"rule"`
	Subject  string `json:"subject"`
	Project  string `json:"project,omitempty"`
	Reason   string `json:"reason"`
	Ticket   string `json:"ticket,omitempty"`
	Expires  string `json:"expires"`
	DaysLeft int    `json:"days_left"`
	Line     int    `json:"line"`
}

// Rule is one rule of the catalog, as every format describes it.
type Rule struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Title       string `json:"title"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
	Remediation string `json:"remediation"`
	// Area is the rule's family: organization, access, keys, audit, tool
	// (or custom).
	Area string `json:"area"`
	// Requires lists the snapshot sections the rule reads; Scopes the API
	// scopes those need.
	Requires []string `json:"requires"`
	Scopes   []string `json:"scopes"`
	// Custom is true for rules loaded with --policy-dir.
	Custom bool `json:"custom,omitempty"`
	// Drift is true for a rule that judges the drift since a previous
	// snapshot: without one it does not run (Controls: RuleNotRun).
	Drift bool `json:"drift,omitempty"`
	// HelpURI is the rule's documentation: its section of docs/rules.md
	// for a built-in rule, the first related_resources link of a custom
	// one, or "" for none. SARIF's helpUri.
	HelpURI string `json:"help_uri,omitempty"`
	// Frameworks maps a compliance framework key (soc2, iso27001_2022) to
	// the controls the rule evidences, each list in the framework's order
	// (policies/frameworks); nil for a rule that names none.
	Frameworks map[string][]string `json:"frameworks,omitempty"`
}

// Failing reports whether f counts toward a non-zero exit at threshold
// failOn: unsuppressed, not advisory, and at or above failOn.
func (f Finding) Failing(failOn string) bool {
	if f.Suppressed != nil || f.Advisory {
		return false
	}
	r := SeverityRank(failOn)
	return r > 0 && SeverityRank(f.Severity) >= r
}
