package matrix

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// lookup follows keys through nested map[string]any values.
func lookup(v any, keys ...string) (any, bool) {
	for _, k := range keys {
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

// lookupDotted is lookup with a dotted path; keys must not contain dots.
func lookupDotted(v any, path string) (any, bool) {
	return lookup(v, strings.Split(path, ".")...)
}

// checkTypes fails on any value the document must not hold: only
// map[string]any, []any, string, bool and int are allowed, and no nil.
func checkTypes(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			checkTypes(t, path+"."+k, e)
		}
	case []any:
		for i, e := range v {
			checkTypes(t, fmt.Sprintf("%s[%d]", path, i), e)
		}
	case string, bool, int:
	default:
		t.Errorf("%s: %T %v is not allowed in the document", path, v, v)
	}
}

func TestDocumentTypes(t *testing.T) {
	for _, src := range []string{bindMatrix, exceptionsMatrix, "access_matrix: {}\n"} {
		m := mustParse(t, src)
		for _, s := range []bool{true, false} {
			b := m.Bind(nil, time.Now())
			if s {
				b = m.Bind(snap([]project{{7, "Production"}, {13, "dup"}, {14, "dup"}}, []role{{"r1", "Platform Team"}}), time.Now())
			}
			doc := b.Document()
			checkTypes(t, "matrix", doc)
			if _, err := json.Marshal(doc); err != nil {
				t.Errorf("json.Marshal: %v", err)
			}
		}
	}
	m, err := Load("../examples/access-matrix.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checkTypes(t, "matrix", m.Bind(nil, time.Now()).Document())
}

func TestDocumentFreshCopy(t *testing.T) {
	b := mustParse(t, bindMatrix).Bind(nil, time.Now())
	d1 := b.Document()
	d1["projects"].(map[string]any)["by_id"].(map[string]any)["key"] = "changed"
	if got, _ := lookupDotted(b.Document(), "projects.by_id.key"); got != "by_id" {
		t.Errorf("a mutation of one document leaks into the next: %v", got)
	}
}

// TestDocumentPresence checks the presence rules: absent settings are
// absent, defaults are filled in, and the always-present keys are there.
func TestDocumentPresence(t *testing.T) {
	doc := mustParse(t, "access_matrix:\n  eng:\n    prod_project:\n      role: none\n").Bind(nil, time.Now()).Document()
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
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("document (-want +got):\n%s", diff)
	}
}

func TestDocumentSettings(t *testing.T) {
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
	doc := mustParse(t, src).Bind(nil, time.Now()).Document()
	checks := map[string]any{
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
		"access_matrix.bots.projects.empty.api_key_scopes": []any{},
		"access_matrix.bots.projects.empty.scope_lines":    map[string]any{},
	}
	for path, want := range checks {
		got, ok := lookupDotted(doc, path)
		if !ok {
			t.Errorf("%s: absent", path)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
	}
}
