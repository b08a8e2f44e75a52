package report

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got); run go test ./report -update if the change is intended:\n%s", path, diff)
	}
}

// render writes r in format and fails the test on error.
func render(t *testing.T, r *Report, format string, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, format, opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

// fixtures are the hand-written reports every format's golden files are
// built from.
var fixtures = []struct {
	name string
	r    func() *Report
}{
	{"clean", cleanReport},
	{"full", fullReport},
	{"unusual", unusualReport},
}

var (
	collected = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	generated = time.Date(2026, 11, 27, 9, 31, 5, 0, time.UTC)
)

func int64p(n int64) *int64 { return &n }

// fw is a rule's Frameworks: soc2 and iso27001_2022 controls.
func fw(soc2, iso []string) map[string][]string {
	return map[string][]string{"soc2": soc2, "iso27001_2022": iso}
}

// catalog is a slice of the built-in rule catalog (docs/rules.md).
func catalog() []Rule {
	return []Rule{
		{ID: "PH101", Frameworks: fw([]string{"CC6.1"}, []string{"A.5.16", "A.8.5"}), Name: "sso-not-enforced", Title: "SSO is not enforced on a verified domain", Severity: SeverityHigh, Area: "organization",
			Description: "Members of a verified domain can sign in with a password instead of the identity provider, bypassing its MFA and offboarding.",
			Remediation: "In Organization settings → Authentication domains, set SSO enforcement on the domain to the provider the matrix names.",
			Requires:    []string{"domains"}, Scopes: []string{"organization:read"},
			HelpURI: "https://github.com/hogaudit/hogaudit/blob/v1.4.0/docs/rules.md#ph101-sso-not-enforced"},
		{ID: "PH105", Frameworks: fw([]string{"CC6.1", "CC6.6"}, []string{"A.5.17", "A.8.5"}), Name: "two-factor-not-enforced", Title: "Two-factor authentication is not enforced", Severity: SeverityHigh, Area: "organization",
			Description: "The matrix requires 2FA but the organization lets members sign in without a second factor.",
			Remediation: "Turn on \"Enforce 2FA\" in Organization settings → Members.",
			Requires:    []string{"organization"}, Scopes: []string{"organization:read"}},
		{ID: "PH201", Frameworks: fw([]string{"CC6.3"}, []string{"A.5.15", "A.8.2"}), Name: "too-many-owners", Title: "More owners than the matrix allows", Severity: SeverityMedium, Area: "access",
			Description: "Owners can delete the organization and change billing; every extra owner widens that blast radius.",
			Remediation: "Lower the extra owners to admin or member, or raise max_owners in the matrix.",
			Requires:    []string{"members"}, Scopes: []string{"organization_member:read"}},
		{ID: "PH204", Frameworks: fw([]string{"CC6.1", "CC6.3"}, []string{"A.5.15", "A.5.18", "A.8.3"}), Name: "project-access-exceeds-matrix", Title: "Project access exceeds the matrix", Severity: SeverityHigh, Area: "access",
			Description: "A member can reach a project at a higher level than its matrix groups allow.",
			Remediation: "Lower the member's project access in Project settings → Access control, or add the member to a group that allows it.",
			Requires:    []string{"members", "roles", "projects", "access_controls"},
			Scopes:      []string{"organization_member:read", "organization:read", "project:read", "access_control:read"},
			HelpURI:     "https://github.com/hogaudit/hogaudit/blob/v1.4.0/docs/rules.md#ph204-project-access-exceeds-matrix"},
		{ID: "PH208", Frameworks: fw([]string{"CC6.2"}, []string{"A.5.16", "A.5.18"}), Name: "dormant-member", Title: "Dormant member", Severity: SeverityLow, Area: "access",
			Description: "An account nobody uses still holds access; if its credentials leak, nobody notices.",
			Remediation: "Remove the member from the organization, or record an exception with an expiry date.",
			Requires:    []string{"members"}, Scopes: []string{"organization_member:read"}},
		{ID: "PH209", Frameworks: fw([]string{"CC6.2"}, []string{"A.5.16"}), Name: "external-member", Title: "Member from an outside email domain", Severity: SeverityMedium, Area: "access",
			Description: "A member's email domain is not one the matrix allows.",
			Remediation: "Remove the member, or add the domain to allowed_email_domains if it belongs to the company.",
			Requires:    []string{"members"}, Scopes: []string{"organization_member:read"}},
		{ID: "PH301", Frameworks: fw([]string{"CC6.3"}, []string{"A.5.18", "A.8.2"}), Name: "key-wildcard-scope", Title: "A personal API key has every scope", Severity: SeverityHigh, Area: "keys",
			Description: "A key with scope * (or a legacy key without scopes) can do anything its owner can, in every project.",
			Remediation: "Roll the key with only the scopes its job needs, scoped to its projects.",
			Requires:    []string{"personal_api_keys"}, Scopes: []string{"organization:read"}},
		{ID: "PH401", Frameworks: fw([]string{"CC7.2", "CC8.1"}, []string{"A.8.15", "A.8.32"}), Name: "flag-deleted-against-matrix", Title: "A feature flag was deleted against the matrix", Severity: SeverityHigh, Area: "audit",
			Description: "The activity log shows a flag deletion by a member whose groups may not delete flags in that project.",
			Remediation: "Review the deletion with the member, restore the flag if needed, and lower their project access.",
			Requires:    []string{"activity_log"}, Scopes: []string{"activity_log:read"}},
		{ID: "PH901", Frameworks: fw([]string{"CC4.1"}, []string{"A.5.36"}), Name: "evidence-missing", Title: "Evidence could not be collected", Severity: SeverityHigh, Area: "tool",
			Description: "A snapshot section could not be collected, so the rules that need it could not run.",
			Remediation: "Grant the scanning key the scope the API asked for, or enable the plan feature.",
			Requires:    []string{}, Scopes: []string{}},
		{ID: "PH902", Frameworks: fw([]string{"CC4.2", "CC6.3"}, []string{"A.5.18", "A.5.36"}), Name: "exception-expired", Title: "A matrix exception has expired or expires soon", Severity: SeverityLow, Area: "tool",
			Description: "An exception that has passed its expiry date no longer applies.",
			Remediation: "Fix the finding the exception covered, or renew the exception with a new date and ticket.",
			Requires:    []string{}, Scopes: []string{}},
	}
}

func baseReport() *Report {
	return &Report{
		Tool: Tool{Name: "hogaudit", Version: "1.4.0", InformationURI: "https://github.com/hogaudit/hogaudit"},
		Snapshot: SnapshotInfo{
			Org:         Org{ID: "0190c1a2-7c33-7e5f-9a41-4b1d2c3e4f50", Name: "Acme Analytics"},
			Host:        "https://eu.posthog.com",
			CollectedAt: collected,
			Complete:    true,
		},
		Matrix:      MatrixInfo{Path: "access-matrix.yaml", RepoPath: "security/access-matrix.yaml", Root: "/home/runner/work/acme/acme", TopLine: 1, GroupsLine: 24, OrganizationLine: 3},
		Rules:       catalog(),
		GeneratedAt: generated,
	}
}

// finalize fills r.Summary as the engine does, and returns r.
func finalize(r *Report, failOn string) *Report {
	r.Finalize(failOn)
	return r
}

func cleanReport() *Report {
	r := baseReport()
	r.Coverage.Keys = KeyCoverage{Declared: 2, Audited: 2, Unaudited: []string{}}
	return finalize(r, SeverityHigh)
}

func fullReport() *Report {
	r := baseReport()
	r.Snapshot.Complete = false
	r.Snapshot.Missing = []Missing{
		{Section: "activity_log", Endpoint: "/api/organizations/@current/activity_log/", Status: 403,
			Detail: "API key missing required scope 'activity_log:read'", Scope: "activity_log:read", Reason: "missing_scope"},
		{Section: "access_controls", ProjectID: int64p(4242), Endpoint: "/api/projects/4242/access_controls/", Status: 402,
			Detail: "This feature is part of the Enterprise plan.", Feature: "advanced_permissions", Reason: "plan_feature"},
		{Section: "api_keys", Key: "nightly-export",
			Reason: "declared under keys: of group exporters but not audited: PostHog lets a personal API key read only itself, so the key rules (PH301–PH305) cannot judge it"},
	}
	r.Coverage.Keys = KeyCoverage{Declared: 3, Audited: 2, Unaudited: []string{"nightly-export"}}
	r.Findings = []Finding{
		{Rule: "PH204", Name: "project-access-exceeds-matrix", Severity: SeverityCritical,
			Message: "bob@acme.io has admin access to payments; the matrix allows viewer.", Subject: "member:bob@acme.io", Project: "payments",
			Identity: "member:0190d0b0-0000-7000-8000-00000000b0b0/project:4242",
			Evidence: map[string]any{"effective": "admin", "allowed": "viewer", "protected": true}, Remediation: "Lower bob@acme.io's access to payments to viewer.", Line: 41},
		{Rule: "PH101", Name: "sso-not-enforced", Severity: SeverityHigh,
			Message: "Domain acme.io is verified but SSO is not enforced; the matrix requires google-oauth2.", Subject: "domain:acme.io", Identity: "domain:0190d0d0-0000-7000-8000-0000000000d1",
			Evidence: map[string]any{"sso_enforcement": ""}, Remediation: "Set SSO enforcement on acme.io to google-oauth2.", Line: 5},
		{Rule: "PH204", Name: "project-access-exceeds-matrix", Severity: SeverityHigh,
			Message: "carol@acme.io has editor access to web; the matrix allows viewer.", Subject: "member:carol@acme.io", Project: "web",
			Identity: "member:0190d0b0-0000-7000-8000-0000000ca201/project:4243",
			Evidence: map[string]any{"effective": "editor", "allowed": "viewer"}, Remediation: "Lower carol@acme.io's access to web to viewer."},
		{Rule: "PH301", Name: "key-wildcard-scope", Severity: SeverityHigh,
			Message: "Key ci-deploy of dave@acme.io has scope *; the matrix forbids wildcard keys.", Subject: "key:ci-deploy", Identity: "key:0190d0c0-0000-7000-8000-0000000000c1",
			Evidence: map[string]any{"scopes": []any{"*"}}, Remediation: "Roll ci-deploy with only the scopes it needs.", Line: 60},
		{Rule: "PH201", Name: "too-many-owners", Severity: SeverityMedium,
			Message: "The organization has 3 owners; the matrix allows 2.", Subject: "org:Acme Analytics", Identity: "org:0190c1a2-7c33-7e5f-9a41-4b1d2c3e4f50",
			Evidence: map[string]any{"owners": 3, "max_owners": 2}, Remediation: "Lower the extra owners to admin or member, or raise max_owners in the matrix."},
		{Rule: "PH208", Name: "dormant-member", Severity: SeverityLow,
			Message: "erin@acme.io has not logged in for 120 days (limit 90).", Subject: "member:erin@acme.io", Identity: "member:0190d0b0-0000-7000-8000-0000000e2101",
			Evidence: map[string]any{"last_login": "2026-07-30T08:00:00Z"}, Remediation: "Remove erin@acme.io or record an exception."},
		{Rule: "PH902", Name: "exception-expired", Severity: SeverityLow, Advisory: true,
			Message: "The exception for member:frank@contractor.dev on PH209 expires in 4 days (2026-12-01).", Subject: "member:frank@contractor.dev",
			Evidence: map[string]any{"expires": "2026-12-01"}, Remediation: "Renew or remove the exception before it expires.", Line: 88},
		{Rule: "PH209", Name: "external-member", Severity: SeverityMedium,
			Message: "frank@contractor.dev is a member from contractor.dev, which the matrix does not allow.", Subject: "member:frank@contractor.dev",
			Evidence: map[string]any{"domain": "contractor.dev"}, Remediation: "Remove frank@contractor.dev or allow contractor.dev.",
			Suppressed: &Suppression{Reason: "Data migration contract", Ticket: "SEC-142", Expires: "2026-12-01", Line: 88}},
		{Rule: "PH208", Name: "dormant-member", Severity: SeverityLow,
			Message: "grace@acme.io has never logged in and joined 200 days ago.", Subject: "member:grace@acme.io",
			Evidence: map[string]any{"last_login": nil}, Remediation: "Remove grace@acme.io or record an exception.",
			Suppressed: &Suppression{Reason: "Parental leave", Expires: "2027-03-01", Line: 92}},
	}
	r.NotEvaluated = []NotEvaluated{
		{Rule: "PH401", Name: "flag-deleted-against-matrix", Sections: []string{"activity_log"}, Scopes: []string{"activity_log:read"},
			Reason: "section activity_log is missing (HTTP 403)"},
	}
	r.ExpiringExceptions = []Exception{
		{Rule: "PH209", Subject: "member:frank@contractor.dev", Reason: "Data migration contract", Ticket: "SEC-142", Expires: "2026-12-01", DaysLeft: 4, Line: 88},
	}
	return finalize(r, SeverityHigh)
}

func unusualReport() *Report {
	r := baseReport()
	r.Snapshot.Org.Name = "Ünïcødé | `Org` <b>"
	r.Matrix = MatrixInfo{Path: "./config/access matrix.yaml", RepoPath: "config/access matrix.yaml"} // no lines known at all
	r.Rules = append(catalog(), Rule{ID: "ACME001", Name: "no-interns-in-prod", Title: "Interns | contractors in `prod`", Severity: SeverityMedium,
		Area: "custom", Custom: true, Frameworks: map[string][]string{"soc2": {"CC6.3"}}, Description: "A custom rule\nwith a line break and a pipe | in its description.",
		Remediation: "Move the member to the *interns* group.", Requires: []string{"members"}, Scopes: []string{"organization_member:read"}})
	r.Findings = []Finding{
		{Rule: "PH204", Name: "project-access-exceeds-matrix", Severity: SeverityHigh,
			Message: "zoë|o'brien@exämple.com has `admin` on prod|eu;\nthe matrix allows *viewer* — see [docs](https://evil.example).",
			Subject: "member:zoë|o'brien@exämple.com", Project: "prod|eu", Remediation: "Lower `admin` to viewer."},
		{Rule: "ACME001", Name: "no-interns-in-prod", Severity: SeverityMedium,
			Message: "Intern 李小龍 <script>alert(1)</script> can reach prod\r\nwith \x1b[31mred\x1b[0m text and a tab\there.",
			Subject: "member:``weird`` name@例え.jp", Project: "prod", Remediation: "Move the member to the interns group."},
		{Rule: "PH999", Name: "rule-not-in-catalog", Severity: SeverityLow,
			Message: "A finding whose rule the catalog does not list, with a very long message that keeps going so that the text format has to wrap it over several lines and the Markdown cell stays on one line regardless",
			Subject: "key:" + strings.Repeat("long-key-label-", 6), Remediation: ""},
		{Rule: "PH101", Name: "sso-not-enforced", Severity: SeverityHigh, Message: "", Subject: "domain:xn--exmple-cua.com"},
	}
	return finalize(r, "none")
}

// goldenExt is the file extension of each format's golden files.
var goldenExt = map[string]string{FormatText: "txt", FormatJSON: "json", FormatSARIF: "sarif", FormatMarkdown: "md"}

// TestGolden compares every fixture in every format, with the default
// options, with testdata/<fixture>.<ext>.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		for _, format := range Formats {
			if format == FormatHTML {
				continue // tested without golden files: html_test.go
			}
			t.Run(fx.name+"/"+format, func(t *testing.T) {
				golden(t, fx.name+"."+goldenExt[format], render(t, fx.r(), format, Options{}))
			})
		}
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"", "yaml", "SARIF"} {
		err := Write(&bytes.Buffer{}, cleanReport(), format, Options{})
		if !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("Write(%q) = %v, want ErrUnknownFormat", format, err)
		}
	}
	if err := Write(&bytes.Buffer{}, nil, FormatJSON, Options{}); err == nil {
		t.Error("Write(nil report) succeeded")
	}
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, format := range Formats {
		path := filepath.Join(dir, "report."+format)
		// An older report readable by everyone is replaced by one only
		// its owner reads.
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(path, fullReport(), format, Options{}); err != nil {
			t.Fatalf("WriteFile(%s): %v", format, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := render(t, fullReport(), format, Options{}); !bytes.Equal(got, want) {
			t.Errorf("WriteFile(%s) wrote different bytes than Write", format)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("WriteFile(%s): mode %v, %v; want 0600", format, fi.Mode().Perm(), err)
		}
	}

	// An unknown format or a failing write leaves the old file alone.
	path := filepath.Join(dir, "keep.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, fullReport(), "xml", Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("WriteFile(xml) = %v, want ErrUnknownFormat", err)
	}
	if err := WriteFile(path, nil, FormatJSON, Options{}); err == nil {
		t.Error("WriteFile(nil report) succeeded")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("failed WriteFile changed the file to %q", got)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir.json"), fullReport(), FormatJSON, Options{}); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
}

// TestWriteDoesNotModify checks that no format changes the report it renders.
func TestWriteDoesNotModify(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		for _, format := range Formats {
			r := fx.r()
			render(t, r, format, Options{MaxResults: 1, MaxBytes: 2000})
			if diff := cmp.Diff(fx.r(), r); diff != "" {
				t.Errorf("%s/%s modified the report (-before +after):\n%s", fx.name, format, diff)
			}
		}
	}
}

// TestDeterministic renders every fixture twice in every format.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		for _, format := range Formats {
			a := render(t, fx.r(), format, Options{})
			b := render(t, fx.r(), format, Options{})
			if !bytes.Equal(a, b) {
				t.Errorf("%s/%s: two renderings differ", fx.name, format)
			}
		}
	}
}

func TestOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\r\nb\nc\rd\te", "a b c d e"},
		{"esc \x1b[31mred", `esc \x1b[31mred`},
		{"bidi \u202egnp.exe", `bidi \u202egnp.exe`},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"nel\u0085ls\u2028", "nel ls "},
		{"ünï 李", "ünï 李"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncateBytes(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é", 600) // 1200 bytes
	got := truncateBytes(s, 1024)
	if len(got) > 1024 || !strings.HasSuffix(got, "…") || !utf8Valid(got) {
		t.Errorf("truncateBytes: %d bytes, suffix %q", len(got), got[len(got)-3:])
	}
	if got := truncateBytes("short", 1024); got != "short" {
		t.Errorf("truncateBytes(short) = %q", got)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }
