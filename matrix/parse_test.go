package matrix

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// parseErrors parses src as m.yaml and returns its errors as strings.
func parseErrors(t *testing.T, src string) []string {
	t.Helper()
	m, err := Parse("m.yaml", []byte(src))
	if err == nil {
		t.Fatalf("Parse succeeded, want errors")
	}
	if m != nil {
		t.Errorf("Parse returned a matrix and an error")
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("Parse error is %T, want Errors", err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Error())
	}
	if got := err.Error(); got != strings.Join(out, "\n") {
		t.Errorf("Errors.Error() = %q, want the errors joined by newlines", got)
	}
	return out
}

func mustParse(t *testing.T, src string) *Matrix {
	t.Helper()
	m, err := Parse("m.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// exception is a valid exception entry, to be completed or broken by tests.
const exceptionHead = "exceptions:\n  - rule: PH204\n    subject: \"member:a@acme.com\"\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		// Unknown keys, at every level.
		{"unknown top-level key", "version: 1\naccess_matrx: {}\n",
			[]string{`m.yaml:2:1: unknown top-level key "access_matrx"; did you mean "access_matrix"?`}},
		{"unknown organization key", "organization:\n  max_owner: 2\n",
			[]string{`m.yaml:2:3: unknown key "max_owner" in organization; did you mean "max_owners"?`}},
		{"unknown api_keys key", "api_keys:\n  allow_wildcards: false\n",
			[]string{`m.yaml:2:3: unknown key "allow_wildcards" in api_keys; did you mean "allow_wildcard"?`}},
		{"unknown audit key, prefix suggestion", "audit:\n  lookback: 10\n",
			[]string{`m.yaml:2:3: unknown key "lookback" in audit; did you mean "lookback_days"?`}},
		{"unknown project entry key", "projects:\n  prod:\n    nmae: Production\n",
			[]string{`m.yaml:3:5: unknown key "nmae" in projects.prod; did you mean "name"?`}},
		{"unknown group entry key", "groups:\n  engineering:\n    rol: Engineering\n",
			[]string{`m.yaml:3:5: unknown key "rol" in groups.engineering; did you mean "role"?`}},
		{"unknown key without a near match", "groups:\n  engineering:\n    colour: red\n",
			[]string{`m.yaml:3:5: unknown key "colour" in groups.engineering`}},
		{"unknown access entry key", "access_matrix:\n  eng:\n    prod:\n      can_create_flag: true\n",
			[]string{`m.yaml:4:7: unknown key "can_create_flag" in access_matrix.eng.prod; did you mean "can_create_flags"?`}},
		{"unknown exception key", exceptionHead + "    reason: r\n    expires: 2027-01-31\n    tickt: SEC-1\n",
			[]string{`m.yaml:6:5: unknown key "tickt" in exceptions[0]; did you mean "ticket"?`}},
		{"unknown resource", "access_matrix:\n  eng:\n    prod:\n      resources:\n        feature_flags: viewer\n",
			[]string{`m.yaml:5:9: unknown resource "feature_flags" in access_matrix.eng.prod.resources; did you mean "feature_flag"?`}},

		// Wrong types.
		{"string for an integer", "organization:\n  max_owners: \"two\"\n",
			[]string{`m.yaml:2:15: organization.max_owners must be a non-negative integer, got "two"`}},
		{"float for an integer", "api_keys:\n  max_age_days: 1.5\n",
			[]string{`m.yaml:2:17: api_keys.max_age_days must be a non-negative integer, got 1.5`}},
		{"yes for a boolean", "organization:\n  require_2fa: yes\n",
			[]string{`m.yaml:2:16: organization.require_2fa must be true or false, got "yes"`}},
		{"nothing for a boolean", "access_matrix:\n  eng:\n    prod:\n      can_delete_flags:\n",
			[]string{`m.yaml:4:24: access_matrix.eng.prod.can_delete_flags must be true or false, got nothing`}},
		{"number for a string", "projects:\n  prod:\n    name: 2024\n",
			[]string{`m.yaml:3:11: projects.prod.name must be a string, got 2024 (quote it: "2024")`}},
		{"empty string", "groups:\n  eng:\n    role: \"\"\n",
			[]string{`m.yaml:3:11: groups.eng.role must not be empty`}},
		{"section not a mapping", "organization: [a]\n",
			[]string{`m.yaml:1:15: organization must be a mapping, got a list`}},
		{"group entry not a mapping", "groups:\n  eng: Engineering\n",
			[]string{`m.yaml:2:8: groups.eng must be a mapping, got "Engineering"`}},
		{"settings directly under a group", "access_matrix:\n  eng:\n    role: admin\n",
			[]string{`m.yaml:3:11: access_matrix.eng.role must be a mapping of project settings, got "admin" (access_matrix is group → project → settings)`}},
		{"scalar for a list", "organization:\n  sso_domains: acme.com\n",
			[]string{`m.yaml:2:16: organization.sso_domains must be a list of strings, got "acme.com" (write [acme.com])`}},
		{"empty list item", "groups:\n  bots:\n    members: [\"a@acme.com\", \"\"]\n",
			[]string{`m.yaml:3:29: groups.bots.members[1] must not be empty`}},
		{"api_key_scopes entries that are not strings", "access_matrix:\n  bi:\n    prod:\n      api_key_scopes: [insight:read, 5, [a]]\n",
			[]string{
				`m.yaml:4:38: access_matrix.bi.prod.api_key_scopes[1] must be a string, got 5 (quote it: "5")`,
				`m.yaml:4:41: access_matrix.bi.prod.api_key_scopes[2] must be a string, got a list`,
			}},
		{"exceptions not a list", "exceptions: {rule: PH204}\n",
			[]string{`m.yaml:1:13: exceptions must be a list, got a mapping`}},
		{"key that is not a string", "groups:\n  [a]: {}\n",
			[]string{`m.yaml:2:3: keys must be strings, got a list`}},
		{"empty key", "groups:\n  \"\": {}\n",
			[]string{`m.yaml:2:3: empty key in groups`}},
		{"merge key", "groups:\n  eng:\n    <<: {role: A}\n",
			[]string{`m.yaml:3:5: merge keys (<<) are not supported in a matrix`}},

		// Numbers.
		{"negative number", "organization:\n  max_admins: -1\n",
			[]string{`m.yaml:2:15: organization.max_admins must not be negative, got -1`}},
		{"negative lookback", "audit:\n  lookback_days: -30\n",
			[]string{`m.yaml:2:18: audit.lookback_days must not be negative, got -30`}},
		{"project id zero", "projects:\n  prod:\n    id: 0\n",
			[]string{`m.yaml:3:9: projects.prod.id must be a positive integer, got 0`}},
		{"version 2", "version: 2\n",
			[]string{`m.yaml:1:10: unsupported version 2 (the only version is 1)`}},
		{"version as a string", "version: \"1\"\n",
			[]string{`m.yaml:1:10: version must be a non-negative integer, got "1"`}},

		// Enumerations.
		{"enforce_sso", "organization:\n  enforce_sso: okta\n",
			[]string{`m.yaml:2:16: organization.enforce_sso must be one of saml, google-oauth2, github, gitlab, any; got "okta"`}},
		{"entry role with suggestion", "access_matrix:\n  eng:\n    prod:\n      role: admn\n",
			[]string{`m.yaml:4:13: access_matrix.eng.prod.role must be one of none, member, admin; got "admn"; did you mean "admin"?`}},
		{"org_level", "groups:\n  admins:\n    org_level: superuser\n",
			[]string{`m.yaml:3:16: groups.admins.org_level must be one of member, admin, owner; got "superuser"`}},
		{"resource level", "access_matrix:\n  eng:\n    prod:\n      resources:\n        insight: write\n",
			[]string{`m.yaml:5:18: access_matrix.eng.prod.resources.insight must be one of none, viewer, editor, manager; got "write"`}},

		// Project keys.
		{"invalid project key in access_matrix", "access_matrix:\n  eng:\n    Production:\n      role: member\n",
			[]string{`m.yaml:3:5: invalid project key "Production" in access_matrix.eng: use lowercase letters, digits, '_' and '-', starting with a letter or digit (for example "production")`}},
		{"invalid project key and an error inside its entry", "access_matrix:\n  eng:\n    Staging: {role: owner}\n",
			[]string{
				`m.yaml:3:5: invalid project key "Staging" in access_matrix.eng: use lowercase letters, digits, '_' and '-', starting with a letter or digit (for example "staging")`,
				`m.yaml:3:21: access_matrix.eng.Staging.role must be one of none, member, admin; got "owner"`,
			}},
		{"invalid project key in projects", "projects:\n  \"prod project\":\n    name: P\n",
			[]string{`m.yaml:2:3: invalid project key "prod project" in projects: use lowercase letters, digits, '_' and '-', starting with a letter or digit (for example "prod_project")`}},
		{"project key starting with a separator", "access_matrix:\n  eng:\n    _prod: {}\n",
			[]string{`m.yaml:3:5: invalid project key "_prod" in access_matrix.eng: use lowercase letters, digits, '_' and '-', starting with a letter or digit (for example "prod")`}},

		// Duplicate keys, at every depth.
		{"duplicate top-level key", "audit: {}\naudit: {}\n",
			[]string{`m.yaml:2:1: duplicate key "audit" (first defined at line 1)`}},
		{"duplicate organization key", "organization:\n  max_owners: 1\n  max_owners: 2\n",
			[]string{`m.yaml:3:3: duplicate key "max_owners" (first defined at line 2)`}},
		{"duplicate group entry key", "groups:\n  g:\n    role: A\n    role: B\n",
			[]string{`m.yaml:4:5: duplicate key "role" (first defined at line 3)`}},
		{"duplicate group", "groups:\n  g: {role: A}\n  g: {role: B}\n",
			[]string{`m.yaml:3:3: duplicate key "g" (first defined at line 2)`}},
		{"duplicate access_matrix group", "access_matrix:\n  eng:\n    prod: {}\n  eng:\n    prod: {}\n",
			[]string{`m.yaml:4:3: duplicate key "eng" (first defined at line 2)`}},
		{"duplicate project under a group", "access_matrix:\n  eng:\n    prod: {}\n    prod: {role: admin}\n",
			[]string{`m.yaml:4:5: duplicate key "prod" (first defined at line 3)`}},
		{"duplicate resource in a flow mapping", "access_matrix:\n  eng:\n    prod:\n      resources: {insight: none, insight: viewer}\n",
			[]string{`m.yaml:4:34: duplicate key "insight" (first defined at line 4)`}},
		{"duplicate exception key", exceptionHead + "    rule: PH205\n    reason: r\n    expires: 2027-01-31\n",
			[]string{`m.yaml:4:5: duplicate key "rule" (first defined at line 2)`}},

		// Exceptions.
		{"exception without expires", exceptionHead + "    reason: on call\n",
			[]string{`m.yaml:2:5: exceptions[0] has no expires (every exception needs rule, subject, reason and expires)`}},
		{"exception without reason", exceptionHead + "    expires: 2027-01-31\n",
			[]string{`m.yaml:2:5: exceptions[0] has no reason (every exception needs rule, subject, reason and expires)`}},
		{"exception without anything", "exceptions:\n  - ticket: SEC-1\n",
			[]string{
				`m.yaml:2:5: exceptions[0] has no rule (every exception needs rule, subject, reason and expires)`,
				`m.yaml:2:5: exceptions[0] has no subject (every exception needs rule, subject, reason and expires)`,
				`m.yaml:2:5: exceptions[0] has no reason (every exception needs rule, subject, reason and expires)`,
				`m.yaml:2:5: exceptions[0] has no expires (every exception needs rule, subject, reason and expires)`,
			}},
		{"impossible date", exceptionHead + "    reason: r\n    expires: 2027-02-30\n",
			[]string{`m.yaml:5:14: exceptions[0].expires must be a date (YYYY-MM-DD), got "2027-02-30"`}},
		{"date in another format", exceptionHead + "    reason: r\n    expires: 31/01/2027\n",
			[]string{`m.yaml:5:14: exceptions[0].expires must be a date (YYYY-MM-DD), got "31/01/2027"`}},
		{"timestamp instead of a date", exceptionHead + "    reason: r\n    expires: 2027-01-31T10:00:00Z\n",
			[]string{`m.yaml:5:14: exceptions[0].expires must be a date (YYYY-MM-DD), got 2027-01-31T10:00:00Z`}},
		{"rule that is neither id nor name", "exceptions:\n  - rule: PH2O4\n    subject: s\n    reason: r\n    expires: 2027-01-31\n",
			[]string{`m.yaml:2:11: exceptions[0].rule must be a rule id (like PH204) or a kebab-case rule name (like project-access-exceeds-matrix), got "PH2O4"`}},
		{"rule in snake case", "exceptions:\n  - rule: too_many_owners\n    subject: s\n    reason: r\n    expires: 2027-01-31\n",
			[]string{`m.yaml:2:11: exceptions[0].rule must be a rule id (like PH204) or a kebab-case rule name (like project-access-exceeds-matrix), got "too_many_owners"`}},
		{"exception for an unknown project", "access_matrix:\n  eng:\n    production_project: {}\n" + exceptionHead + "    project: production\n    reason: r\n    expires: 2027-01-31\n",
			[]string{`m.yaml:7:14: exceptions[0].project: "production" is not a project key of this matrix; did you mean "production_project"?`}},
		{"empty exception", "exceptions:\n  -\n  - rule: PH204\n",
			[]string{
				`m.yaml:2:4: exceptions[0] is empty`,
				`m.yaml:3:5: exceptions[1] has no subject (every exception needs rule, subject, reason and expires)`,
				`m.yaml:3:5: exceptions[1] has no reason (every exception needs rule, subject, reason and expires)`,
				`m.yaml:3:5: exceptions[1] has no expires (every exception needs rule, subject, reason and expires)`,
			}},

		// The document as a whole.
		{"empty file", "", []string{`m.yaml: the matrix is empty`}},
		{"only comments", "# nothing yet\n", []string{`m.yaml: the matrix is empty`}},
		{"only a document marker", "---\n", []string{`m.yaml: the matrix is empty`}},
		{"root is a list", "- a\n- b\n", []string{`m.yaml:1:1: the matrix must be a mapping of sections, got a list`}},
		{"root is a string", "access_matrix\n", []string{`m.yaml:1:1: the matrix must be a mapping of sections, got "access_matrix"`}},
		{"two documents", "audit: {}\n---\naudit: {}\n", []string{`m.yaml:2:1: the matrix must be a single YAML document`}},
		{"not UTF-8", "audit:\n  lookback_days: 3\xff\n", []string{`m.yaml:2:19: the matrix is not valid UTF-8`}},

		// YAML syntax errors: a line, no column.
		{"scanner error on the first line", "a: b: c\n", []string{`m.yaml:1: syntax error: mapping values are not allowed in this context`}},
		{"scanner error further down", "audit: {}\ngroups: a: b\n", []string{`m.yaml:2: syntax error: mapping values are not allowed in this context`}},
		{"parser error", "audit: {}\ngroups: [a, b\nprojects: {}\n", []string{`m.yaml:2: syntax error: did not find expected ',' or ']'`}},
		{"parser error at the end of the file", "groups: [a, b\n", []string{`m.yaml:2: syntax error: did not find expected ',' or ']'`}},
		{"bad indentation", "audit: {}\n groups: {}\n", []string{`m.yaml:2: syntax error: did not find expected key`}},
		{"content after the top-level mapping", "  audit: {}\n groups: {}\n", []string{`m.yaml:2: syntax error: did not find expected <document start>`}},
		{"parser error on the first line", "{a: 1]\n", []string{`m.yaml:1: syntax error: did not find expected ',' or '}'`}},
		{"unquoted wildcard scope", "access_matrix:\n  bi:\n    prod:\n      api_key_scopes: [*]\n",
			[]string{`m.yaml:4: syntax error: did not find expected alphabetic or numeric character (an alias starts with "*": quote a "*" scope)`}},
		{"unknown alias", "audit: {}\ngroups: *nope\n", []string{`m.yaml:2:9: syntax error: unknown anchor 'nope' referenced`}},

		// All errors, in file order.
		{"several errors sorted by position",
			"access_matrix:\n  eng:\n    prod:\n      role: owner\n" +
				"organization:\n  max_owners: -2\n  max_owners: 3\n" +
				"groups:\n  eng: {rol: X, org_level: root}\n",
			[]string{
				`m.yaml:4:13: access_matrix.eng.prod.role must be one of none, member, admin; got "owner"`,
				`m.yaml:6:15: organization.max_owners must not be negative, got -2`,
				`m.yaml:7:3: duplicate key "max_owners" (first defined at line 6)`,
				`m.yaml:9:9: unknown key "rol" in groups.eng; did you mean "role"?`,
				`m.yaml:9:28: groups.eng.org_level must be one of member, admin, owner; got "root"`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseErrors(t, tt.src)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorFields(t *testing.T) {
	_, err := Parse("dir/m.yaml", []byte("groups:\n  eng:\n    rol: X\n"))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(*Error) failed on %v", err)
	}
	want := &Error{Path: "dir/m.yaml", Line: 3, Col: 5, Msg: `unknown key "rol" in groups.eng; did you mean "role"?`}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access-matrix.yaml")
	if err := os.WriteFile(path, []byte("access_matrix:\n  eng:\n    prod: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if m.Path != path {
		t.Errorf("Path = %q, want %q", m.Path, path)
	}

	missing := filepath.Join(dir, "nope.yaml")
	_, err = Load(missing)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(missing) = %v, want a not-exist error", err)
	}
	if want := "read matrix: open " + missing + ": no such file or directory"; err.Error() != want {
		t.Errorf("Load(missing) = %q, want %q", err, want)
	}
	if _, ok := errors.AsType[Errors](err); ok {
		t.Errorf("Load(missing) returned Errors; want a plain read error")
	}

	if _, err := Load(dir); err == nil || !strings.HasPrefix(err.Error(), "read matrix: ") {
		t.Errorf("Load(directory) = %v, want a read error", err)
	}
}

// TestExample parses the repository's example matrix: it must be valid,
// its unknown scope event:read included.
func TestExample(t *testing.T) {
	m, err := Load("../examples/access-matrix.yaml")
	if err != nil {
		t.Fatalf("the example matrix does not parse:\n%v", err)
	}
	scopes := m.Access["bi_service_account"].Projects["production_project"].APIKeyScopes
	if diff := cmp.Diff([]string{"insight:read", "dashboard:read", "query:read", "event:read"}, scopes.Values()); diff != "" {
		t.Errorf("bi scopes (-want +got):\n%s", diff)
	}
	if KnownScope("event:read") {
		t.Errorf("event:read is known; the example relies on it being unknown")
	}

}

// TestSeedOnly parses a matrix that is only access_matrix:, the shape
// platform teams already write.
func TestSeedOnly(t *testing.T) {
	m := mustParse(t, `access_matrix:
  engineering:
    staging_project:
      role: admin
      can_create_flags: true
    production_project:
      can_delete_flags: false
  bi_service_account:
    production_project:
      api_key_scopes: [insight:read, "*", not-a-scope]
`)
	if diff := cmp.Diff([]string{"production_project", "staging_project"}, m.ProjectKeys()); diff != "" {
		t.Errorf("ProjectKeys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"bi_service_account", "engineering"}, m.GroupKeys()); diff != "" {
		t.Errorf("GroupKeys (-want +got):\n%s", diff)
	}
	if m.LookbackDays() != 30 {
		t.Errorf("LookbackDays = %d, want the default 30", m.LookbackDays())
	}
	if got := m.Access["engineering"].Projects["production_project"].RoleOrDefault(); got != LevelMember {
		t.Errorf("role without role: = %q, want member", got)
	}
	if len(m.Projects) != 0 || len(m.Groups) != 0 || m.Organization != nil || m.Exceptions != nil {
		t.Errorf("undeclared sections are not empty: %+v", m)
	}

	b := m.Bind(snap(
		[]project{{1, "Production"}, {2, "staging"}},
		[]role{{"r-eng", "Engineering"}, {"r-bi", "BI Service Account"}},
	), mustDate(t, "2026-11-27"))
	want := []ProjectBinding{
		{Key: "production_project", Pos: Pos{6, 5}, By: ByKey, MatchName: "production", Bound: true, ProjectID: 1, ProjectName: "Production"},
		{Key: "staging_project", Pos: Pos{3, 5}, By: ByKey, MatchName: "staging", Bound: true, ProjectID: 2, ProjectName: "staging"},
	}
	if diff := cmp.Diff(want, b.Projects()); diff != "" {
		t.Errorf("Projects (-want +got):\n%s", diff)
	}
	wantGroups := []GroupBinding{
		{Key: "bi_service_account", Pos: Pos{8, 3}, OrgLevel: LevelMember, By: ByKey, MatchName: "bi_service_account", Bound: true, RoleID: "r-bi", RoleName: "BI Service Account"},
		{Key: "engineering", Pos: Pos{2, 3}, OrgLevel: LevelMember, By: ByKey, MatchName: "engineering", Bound: true, RoleID: "r-eng", RoleName: "Engineering"},
	}
	if diff := cmp.Diff(wantGroups, b.Groups()); diff != "" {
		t.Errorf("Groups (-want +got):\n%s", diff)
	}
}

func TestDefaultsAndTypedValues(t *testing.T) {
	m := mustParse(t, `version: 1
organization:
  max_owners: 0x2
  require_2fa: true
projects:
  prod:
    id: 12345
groups:
  eng: {}
access_matrix:
  eng:
    prod:
`)
	if m.Version.Value != 1 || m.Organization.MaxOwners.Value != 2 || !m.Organization.Require2FA.Value {
		t.Errorf("values: version %d, max_owners %d, require_2fa %v", m.Version.Value, m.Organization.MaxOwners.Value, m.Organization.Require2FA.Value)
	}
	if diff := cmp.Diff(&Int{Pos: Pos{3, 3}, ValuePos: Pos{3, 15}, Value: 2}, m.Organization.MaxOwners); diff != "" {
		t.Errorf("max_owners (-want +got):\n%s", diff)
	}
	if m.Groups["eng"].OrgLevelOrDefault() != LevelMember {
		t.Errorf("org_level default = %q", m.Groups["eng"].OrgLevelOrDefault())
	}
	e := m.Access["eng"].Projects["prod"]
	if e.RoleOrDefault() != LevelMember || len(e.Restrictions) != 0 || e.Pos != (Pos{12, 5}) {
		t.Errorf("empty entry = %+v", e)
	}
	if m.Projects["prod"].ID.Value != 12345 {
		t.Errorf("id = %d", m.Projects["prod"].ID.Value)
	}
}

func TestEmptySections(t *testing.T) {
	m := mustParse(t, "organization:\nprojects:\ngroups:\naccess_matrix:\nexceptions:\n")
	if m.Organization == nil || len(m.Organization.Fields) != 0 || m.Exceptions != nil || len(m.Access) != 0 {
		t.Errorf("empty sections: %+v", m)
	}
	if got := m.Bind(nil, time.Now()).Exceptions(); len(got) != 0 {
		t.Errorf("exceptions = %v", got)
	}
}

func TestCapabilities(t *testing.T) {
	m := mustParse(t, `access_matrix:
  g:
    all_false:
      can_create_flags: false
      can_view_recordings: false
      can_create_insights: false
      can_delete_flags: false
    all_true:
      can_create_flags: true
      can_view_recordings: true
      can_create_insights: true
    stricter_resource:
      can_create_flags: false
      resources: {feature_flag: none, dashboard: viewer}
    looser_resource:
      resources:
        insight: editor
        session_recording: manager
      can_create_insights: false
    equal:
      can_create_flags: false
      resources: {feature_flag: viewer}
`)
	entry := func(p string) *Entry { return m.Access["g"].Projects[p] }
	tests := []struct {
		project string
		want    map[string]Restriction
	}{
		{"all_false", map[string]Restriction{
			"feature_flag":      {Level: "viewer", Pos: Pos{4, 7}, Source: "can_create_flags"},
			"session_recording": {Level: "none", Pos: Pos{5, 7}, Source: "can_view_recordings"},
			"insight":           {Level: "viewer", Pos: Pos{6, 7}, Source: "can_create_insights"},
		}},
		{"all_true", map[string]Restriction{}},
		{"stricter_resource", map[string]Restriction{
			"feature_flag": {Level: "none", Pos: Pos{14, 19}, Source: "resources.feature_flag"},
			"dashboard":    {Level: "viewer", Pos: Pos{14, 39}, Source: "resources.dashboard"},
		}},
		{"looser_resource", map[string]Restriction{
			"insight":           {Level: "viewer", Pos: Pos{19, 7}, Source: "can_create_insights"},
			"session_recording": {Level: "manager", Pos: Pos{18, 9}, Source: "resources.session_recording"},
		}},
		{"equal", map[string]Restriction{
			"feature_flag": {Level: "viewer", Pos: Pos{21, 7}, Source: "can_create_flags"},
		}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, entry(tt.project).Restrictions); diff != "" {
			t.Errorf("%s restrictions (-want +got):\n%s", tt.project, diff)
		}
	}
	if e := entry("all_false"); e.CanDeleteFlags == nil || e.CanDeleteFlags.Value {
		t.Errorf("can_delete_flags not kept as written: %+v", e.CanDeleteFlags)
	}
	if entry("all_true").CanDeleteFlags != nil {
		t.Errorf("can_delete_flags set although not written")
	}
}

func TestAliases(t *testing.T) {
	m := mustParse(t, `access_matrix:
  bi:
    prod: &readonly
      api_key_scopes: [insight:read]
      can_create_flags: false
    staging: *readonly
`)
	prod, staging := m.Access["bi"].Projects["prod"], m.Access["bi"].Projects["staging"]
	if diff := cmp.Diff(prod.Restrictions, staging.Restrictions); diff != "" {
		t.Errorf("aliased entry differs (-prod +staging):\n%s", diff)
	}
	if got := staging.APIKeyScopes.Values(); !cmp.Equal(got, []string{"insight:read"}) {
		t.Errorf("aliased scopes = %q", got)
	}
	if staging.Pos != (Pos{6, 5}) {
		t.Errorf("aliased entry at %v, want where its key is written (6:5)", staging.Pos)
	}
}
