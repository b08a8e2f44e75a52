package policies

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
)

// The document the rules read as input.matrix (matrixDoc): what is there,
// what is absent, and how bindings show.

func parseMatrix(t *testing.T, src string) *matrix.Matrix {
	t.Helper()
	m, err := matrix.Parse("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// bindSnapshot is a snapshot with the projects (id → name) and roles (id
// → name) given; a nil map leaves the section missing.
func bindSnapshot(projects map[int64]string, roles map[string]string) *snapshot.Snapshot {
	s := &snapshot.Snapshot{SchemaVersion: snapshot.SchemaVersion}
	if projects != nil {
		s.Projects = []snapshot.Project{}
		for id, name := range projects {
			s.Projects = append(s.Projects, snapshot.Project{ID: id, Name: name})
		}
	}
	if roles != nil {
		s.Roles = []snapshot.Role{}
		for id, name := range roles {
			s.Roles = append(s.Roles, snapshot.Role{ID: id, Name: name})
		}
	}
	return s
}

// docJSON is b's document as the rules see it: JSON values, numbers exact.
func docJSON(t *testing.T, b *matrix.Bound) map[string]any {
	t.Helper()
	return jsonValue(t, matrixDoc(b)).(map[string]any)
}

// jsonValue is v encoded and decoded again, numbers as json.Number.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decodeJSON(t, b)
}

// lookupDotted follows a dotted path (keys without dots) through maps.
func lookupDotted(v any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// checkPaths compares each dotted path of doc with its JSON value.
func checkPaths(t *testing.T, doc map[string]any, want map[string]any) {
	t.Helper()
	for path, w := range want {
		got, ok := lookupDotted(doc, path)
		if !ok {
			t.Errorf("%s: absent", path)
			continue
		}
		if diff := cmp.Diff(jsonValue(t, w), got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
	}
}

func checkAbsent(t *testing.T, doc map[string]any, paths ...string) {
	t.Helper()
	for _, path := range paths {
		if got, ok := lookupDotted(doc, path); ok {
			t.Errorf("%s = %v, want absent", path, got)
		}
	}
}

// TestMatrixDocPresence checks the presence rules: absent settings are
// absent, defaults are filled in, and the always-present keys are there.
func TestMatrixDocPresence(t *testing.T) {
	doc := docJSON(t, parseMatrix(t, "access_matrix:\n  eng:\n    prod_project:\n      role: none\n").Bind(nil, time.Now()))
	want := map[string]any{
		"path":  "m.yaml",
		"line":  1,
		"lines": map[string]any{"access_matrix": 1},
		"audit": map[string]any{"lookback_days": 30, "lines": map[string]any{}},
		"projects": map[string]any{
			"prod_project": map[string]any{
				"key": "prod_project", "line": 3, "lines": map[string]any{}, "declared": false,
				"protected": false, "binding": "key", "match_name": "prod",
			},
		},
		"groups": map[string]any{
			"eng": map[string]any{
				"key": "eng", "line": 2, "lines": map[string]any{}, "item_lines": map[string]any{},
				"declared": false, "org_level": "member", "binding": "key", "match_name": "eng",
			},
		},
		"access_matrix": map[string]any{
			"eng": map[string]any{
				"line":  2,
				"lines": map[string]any{"prod_project": 3},
				"projects": map[string]any{
					"prod_project": map[string]any{
						"line": 3, "lines": map[string]any{"role": 4}, "role": "none", "resources": map[string]any{},
					},
				},
			},
		},
		"exceptions":      []any{},
		"keys":            map[string]any{},
		"binding_unknown": map[string]any{"projects": true, "groups": true},
	}
	if diff := cmp.Diff(jsonValue(t, want), any(doc)); diff != "" {
		t.Errorf("document (-want +got):\n%s", diff)
	}
}

func TestMatrixDocSettings(t *testing.T) {
	src := `organization:
  sso_domains: [acme.com, acme.io, acme.com]
  require_2fa: false
api_keys:
  max_age_days: 0
audit:
  lookback_days: 7
access_matrix:
  bots:
    prod:
      api_key_scopes:
        - insight:read
        - "*"
        - insight:read
      can_delete_flags: false
      resources: {feature_flag: editor}
    empty:
      api_key_scopes: []
`
	doc := docJSON(t, parseMatrix(t, src).Bind(nil, time.Now()))
	checkPaths(t, doc, map[string]any{
		"organization": map[string]any{
			"line": 1, "lines": map[string]any{"sso_domains": 2, "require_2fa": 3},
			"sso_domains": []any{"acme.com", "acme.io", "acme.com"},
			"require_2fa": false,
			"item_lines":  map[string]any{"sso_domains": map[string]any{"acme.com": 2, "acme.io": 2}},
		},
		"api_keys": map[string]any{"line": 4, "lines": map[string]any{"max_age_days": 5}, "max_age_days": 0},
		"audit":    map[string]any{"line": 6, "lines": map[string]any{"lookback_days": 7}, "lookback_days": 7},
		"access_matrix.bots.projects.prod": map[string]any{
			"line":              10,
			"lines":             map[string]any{"api_key_scopes": 11, "can_delete_flags": 15, "resources": 16},
			"role":              "member",
			"can_delete_flags":  false,
			"api_key_scopes":    []any{"insight:read", "*", "insight:read"},
			"scope_lines":       map[string]any{"insight:read": 12, "*": 13},
			"scope_suggestions": map[string]any{},
			"resources":         map[string]any{"feature_flag": map[string]any{"level": "editor", "line": 16, "source": "resources.feature_flag"}},
		},
		// Written empty: there, empty; never absent or null.
		"access_matrix.bots.projects.empty.api_key_scopes": []any{},
		"access_matrix.bots.projects.empty.scope_lines":    map[string]any{},
	})
	checkAbsent(t, doc, "organization.enforce_sso", "organization.allowed_email_domains", "api_keys.allow_wildcard",
		"access_matrix.bots.projects.prod.can_create_flags")
}

// TestMatrixDocEmptySections: a section written empty is there, with no
// settings.
func TestMatrixDocEmptySections(t *testing.T) {
	doc := docJSON(t, parseMatrix(t, "organization:\nprojects:\ngroups:\naccess_matrix:\nexceptions:\n").Bind(nil, time.Now()))
	checkPaths(t, doc, map[string]any{
		"organization": map[string]any{"line": 1, "lines": map[string]any{}, "item_lines": map[string]any{}},
		"exceptions":   []any{},
	})
	checkAbsent(t, doc, "api_keys", "audit.line")
}

// TestMatrixDocExample reads the example matrix's document.
func TestMatrixDocExample(t *testing.T) {
	m, err := matrix.Parse(examples.MatrixPath, examples.Matrix)
	if err != nil {
		t.Fatal(err)
	}
	doc := docJSON(t, m.Bind(nil, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)))
	checkPaths(t, doc, map[string]any{
		"line":                                  7,
		"lines.access_matrix":                   52,
		"organization.max_owners":               2,
		"organization.lines.max_owners":         14,
		"organization.enforce_sso":              "saml",
		"organization.item_lines.sso_domains":   map[string]any{"acme.example": 11},
		"audit.lookback_days":                   30,
		"projects.production_project.protected": true,
		"projects.production_project.line":      31,
		"projects.staging_project.protected":    false,
		"groups.admins.org_level":               "owner",
		"groups.engineering.org_level":          "member",
		"access_matrix.engineering.projects.production_project.can_delete_flags": false,
		"access_matrix.bi_service_account.projects.production_project.role":      "member",
		"access_matrix.product.projects.production_project.resources": map[string]any{
			"feature_flag": map[string]any{"level": "viewer", "line": 71, "source": "can_create_flags"},
		},
		"exceptions": []any{},
	})
	scopeLines, _ := lookupDotted(doc, "access_matrix.bi_service_account.projects.production_project.scope_lines")
	if got := scopeLines.(map[string]any)["event:read"]; got != json.Number("74") {
		t.Errorf("scope_lines[event:read] = %v, want 74", got)
	}
}

// docExceptionsMatrix is the matrix of matrix's exception tests.
var docExceptionsMatrix = func() string {
	b, err := os.ReadFile("../matrix/testdata/exceptions.yaml")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// TestMatrixDocExceptions: each exception evaluated at the binding time,
// project and ticket only when written.
func TestMatrixDocExceptions(t *testing.T) {
	now := time.Date(2026, 11, 27, 22, 6, 22, 0, time.UTC)
	doc := docJSON(t, parseMatrix(t, docExceptionsMatrix).Bind(nil, now))
	want := []any{
		map[string]any{
			"index": 0, "line": 5,
			"lines": map[string]any{"rule": 5, "subject": 6, "project": 7, "reason": 8, "ticket": 9, "expires": 10},
			"rule":  "PH204", "subject": "member:carol@acme.com", "project": "production_project",
			"reason": "incident commander rotation", "ticket": "SEC-123",
			"expires": "2027-01-31", "expired": false, "days_left": 65, "expires_soon": false,
		},
		map[string]any{
			"index": 1, "line": 11,
			"lines": map[string]any{"rule": 11, "subject": 12, "reason": 13, "expires": 14},
			"rule":  "key-not-rotated", "subject": "key:*-readonly", "reason": "rotated by the vault job",
			"expires": "2026-12-10", "expired": false, "days_left": 13, "expires_soon": true,
		},
		map[string]any{
			"index": 2, "line": 15,
			"lines": map[string]any{"rule": 15, "subject": 15, "reason": 15, "expires": 15},
			"rule":  "ph201", "subject": "*", "reason": "merger",
			"expires": "2026-11-01", "expired": true, "days_left": -26, "expires_soon": false,
		},
	}
	if diff := cmp.Diff(jsonValue(t, want), doc["exceptions"]); diff != "" {
		t.Errorf("exceptions (-want +got):\n%s", diff)
	}
}

// docBindMatrix is the matrix of matrix's binding tests.
var docBindMatrix = func() string {
	b, err := os.ReadFile("../matrix/testdata/bind.yaml")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// TestMatrixDocBindings: how project and group bindings show, bound or not.
func TestMatrixDocBindings(t *testing.T) {
	m := parseMatrix(t, docBindMatrix)
	s := bindSnapshot(
		map[int64]string{7: "Production", 8: "web  app", 9: "STAGING", 10: "EU West", 11: "data science", 12: "Declared Plain", 13: "dup", 14: "Dup"},
		map[string]string{"r1": "platform team", "r2": "Data-Science", "r3": "Ops", "r4": "ops"},
	)
	doc := docJSON(t, m.Bind(Inventory(s), time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)))
	checkAbsent(t, doc, "binding_unknown")
	checkPaths(t, doc, map[string]any{
		"projects.gone_project.bound":        false,
		"projects.gone_project.id":           99,
		"projects.renamed.bound":             false,
		"projects.renamed.match_name":        "Old Name",
		"projects.dup_project.bound":         false,
		"projects.dup_project.ambiguous":     []any{13, 14},
		"projects.dup_project.candidates":    []any{map[string]any{"id": 13, "name": "dup"}, map[string]any{"id": 14, "name": "Dup"}},
		"projects.by_id.project_id":          7,
		"projects.by_id.project_name":        "Production",
		"projects.by_id.binding":             "id",
		"projects.staging-project.declared":  false,
		"projects.staging-project.binding":   "key",
		"groups.ghosts.bound":                false,
		"groups.platform.role_id":            "r1",
		"groups.platform.role_name":          "platform team",
		"groups.bots.bound":                  true,
		"groups.bots.item_lines.keys":        map[string]any{"ci-deploy": 19},
		"groups.data_science.declared":       false,
		"groups.data_science.lines":          map[string]any{},
		"groups.ops.org_level":               "admin",
		"groups.ops.ambiguous":               []any{"r3", "r4"},
		"access_matrix.platform.lines.by_id": 25,
		"keys.ci-deploy":                     map[string]any{"label": "ci-deploy", "line": 19, "groups": []any{"bots"}, "audited": false},
	})
	checkAbsent(t, doc, "projects.gone_project.project_id", "projects.renamed.ambiguous", "groups.ghosts.role_id",
		"groups.ghosts.role_name", "groups.bots.role", "groups.ops.role_id", "projects.by_id.failing")

	// Without the lists nothing can be told: bound is absent, except for a
	// group bound by its members alone.
	doc = docJSON(t, m.Bind(Inventory(bindSnapshot(nil, nil)), time.Now()))
	checkPaths(t, doc, map[string]any{
		"binding_unknown":          map[string]any{"projects": true, "groups": true},
		"groups.contractors.bound": true,
	})
	checkAbsent(t, doc, "projects.by_id.bound", "groups.platform.bound", "projects.dup_project.failing")
	doc = docJSON(t, m.Bind(Inventory(bindSnapshot(map[int64]string{7: "Production"}, nil)), time.Now()))
	checkPaths(t, doc, map[string]any{"binding_unknown": map[string]any{"groups": true}, "projects.by_id.bound": true})
}

// TestMatrixDocFailingBinding: a protected key bound to nothing is failing
// and names its candidates; an unprotected one is not.
func TestMatrixDocFailingBinding(t *testing.T) {
	m := parseMatrix(t, "projects:\n  vault_project: {name: Vault, protected: true}\n  lost_project: {name: Lost}\naccess_matrix: {}\n")
	doc := docJSON(t, m.Bind(Inventory(bindSnapshot(map[int64]string{9: "Vaults"}, map[string]string{})), time.Now()))
	checkPaths(t, doc, map[string]any{
		"projects.vault_project.failing":    true,
		"projects.vault_project.bound":      false,
		"projects.vault_project.candidates": []any{map[string]any{"id": 9, "name": "Vaults"}},
	})
	checkAbsent(t, doc, "projects.lost_project.failing")
}

// TestMatrixDocScopeSuggestions: an unknown scope's nearest known one
// reaches the rules (PH307's "did you mean").
func TestMatrixDocScopeSuggestions(t *testing.T) {
	m := parseMatrix(t, "access_matrix:\n  bots:\n    prod:\n      api_key_scopes: [feature_flags:write, signal_scout:read, clickhouse_test_cluster_perf:read]\n")
	doc := docJSON(t, m.Bind(nil, time.Now()))
	checkPaths(t, doc, map[string]any{
		"access_matrix.bots.projects.prod.scope_suggestions": map[string]any{"feature_flags:write": "feature_flag:write"},
	})
}

// TestMatrixDocFreshCopy: each document is the caller's; changing one
// changes neither the matrix nor the next document.
func TestMatrixDocFreshCopy(t *testing.T) {
	b := parseMatrix(t, "organization: {require_2fa: true, sso_domains: [a.example]}\n"+docBindMatrix).Bind(nil, time.Now())
	d1 := matrixDoc(b)
	p := d1.Projects["by_id"]
	p.Key = "changed"
	*p.ID = 1
	d1.Projects["by_id"] = p
	*d1.Organization.Require2FA = false
	d1.Organization.SSODomains[0] = "changed"
	d1.Groups["contractors"].Members[0] = "changed"
	d2 := docJSON(t, b)
	checkPaths(t, d2, map[string]any{
		"projects.by_id.key":         "by_id",
		"projects.by_id.id":          7,
		"organization.require_2fa":   true,
		"organization.sso_domains":   []any{"a.example"},
		"groups.contractors.members": []any{"*@Contractor.example", "Dan@acme.example"},
	})
}
