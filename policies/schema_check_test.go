package policies

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/xeipuuv/gojsonschema"
)

// schemaRule is a custom rule whose findings read the input through read
// (an expression binding x).
func schemaRule(read string) string {
	return `# METADATA
# title: Reads the input
# description: A rule that reads one input field.
# custom:
#   id: ACME001
#   name: reads-input
#   severity: low
#   remediation: none
#   requires: []
package acme.reads

findings contains f if {
	` + read + `
	f := {"subject": "org:x", "message": sprintf("%v", [x])}
}
`
}

// TestInputSchemaRejectsUnknownFields: a rule reading a field the input
// does not have (OPA's type checker, or checkMapRefs below a map keyed by
// ids) fails to load, in the engine (check, scan, policies list)
// and in the test runner (policies test), naming its file and line (line
// 14: the read) and the field it probably meant. Its near miss, the field
// spelled right, loads.
func TestInputSchemaRejectsUnknownFields(t *testing.T) {
	cases := []struct {
		name, bad, good, hint string
	}{
		{"snapshot", `x := input.snapshot.membrs`, `x := input.snapshot.members`,
			`input.snapshot has no field "membrs"; did you mean "members"?`},
		{"snapshot element", `some m in input.snapshot.members; x := m.usr.email`, `some m in input.snapshot.members; x := m.user.email`,
			`m has no field "usr"; did you mean "user"?`},
		{"nullable section", `x := input.snapshot.organization.enforce_2fa_required`, `x := input.snapshot.organization.enforce_2fa`,
			`input.snapshot.organization has no field "enforce_2fa_required"`},
		{"index", `x := input.index.membres`, `x := input.index.members`,
			`input.index has no field "membres"; did you mean "members"?`},
		{"index key", `some k in input.index.keys; x := k.ownr`, `some k in input.index.keys; x := k.owner`,
			`k has no field "ownr"; did you mean "owner"?`},
		// Below a map keyed by ids, where OPA's checker sees "any":
		// checkMapRefs follows the reference through the schema.
		{"index map", `some mid; x := input.index.members[mid].emial`, `some mid; x := input.index.members[mid].email`,
			`input.index.members[mid] has no field "emial"; did you mean "email"?`},
		{"matrix map", `x := input.matrix.access_matrix[_].projects[_].can_create_flag`, `x := input.matrix.access_matrix[_].projects[_].can_create_flags`,
			`input.matrix.access_matrix[_].projects[_] has no field "can_create_flag"; did you mean "can_create_flags"?`},
		{"matrix", `x := input.matrix.grups`, `x := input.matrix.groups`,
			`input.matrix has no field "grups"; did you mean "groups"?`},
		{"matrix section", `x := input.matrix.organization.max_owner`, `x := input.matrix.organization.max_owners`,
			`input.matrix.organization has no field "max_owner"; did you mean "max_owners"?`},
		{"sections", `x := input.sections.activitylog`, `x := input.sections.activity_log`,
			`input.sections has no field "activitylog"; did you mean "activity_log"?`},
		{"top", `x := input.now_nanos`, `x := input.now_ns`, `input has no field "now_nanos"`},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "reads.rego")
			if err := os.WriteFile(file, []byte(schemaRule(c.bad)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := New(ctx, Options{PolicyDirs: []string{dir}})
			if err == nil {
				t.Fatalf("%s loaded", c.bad)
			}
			for _, want := range []string{file + ":13:", "undefined ref", c.hint} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("New: the error lacks %q:\n%v", want, err)
				}
			}
			// The test runner compiles with the same schema (once suffices:
			// it compiles every built-in test too, which takes a while).
			testRunner := c.name == "snapshot" || c.name == "index map"
			if testRunner {
				_, err = RunTests(ctx, []string{dir}, "")
				if err == nil || !strings.Contains(err.Error(), file+":13:") || !strings.Contains(err.Error(), c.hint) {
					t.Errorf("RunTests: %v", err)
				}
			}

			if err := os.WriteFile(file, []byte(schemaRule(c.good)), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := New(ctx, Options{PolicyDirs: []string{dir}}); err != nil {
				t.Errorf("%s does not load: %v", c.good, err)
			}
			if testRunner {
				if _, err := RunTests(ctx, []string{dir}, ""); err != nil {
					t.Errorf("RunTests with %s: %v", c.good, err)
				}
			}
		})
	}
}

// readsInput reports whether m refers to input anywhere.
func readsInput(m *ast.Module) bool {
	found := false
	ast.WalkRefs(m, func(r ast.Ref) bool {
		if r.HasPrefix(ast.InputRootRef) {
			found = true
		}
		return found
	})
	return found
}

// hasInputSchema reports whether m's package METADATA names the input
// schema: schemas: [{input: schema.input}].
func hasInputSchema(m *ast.Module) bool {
	want, _ := ast.ParseSchemaRef(InputSchemaRef)
	for _, a := range m.Annotations {
		if a.Scope != "package" {
			continue
		}
		for _, s := range a.Schemas {
			if s.Path.Equal(ast.InputRootRef) && s.Schema.Equal(want) {
				return true
			}
		}
	}
	return false
}

// TestBuiltinModulesCarryTheInputSchema: every built-in rule, and every
// library module that reads input, names the input schema in its
// METADATA, so that it is type checked against the input document as a
// custom rule would be.
func TestBuiltinModulesCarryTheInputSchema(t *testing.T) {
	mods, err := loadBuiltin(false)
	if err != nil {
		t.Fatal(err)
	}
	rules := 0
	for name, m := range mods {
		if definesFindings(m) {
			rules++
		} else if !readsInput(m) {
			continue
		}
		if !hasInputSchema(m) {
			t.Errorf("%s: METADATA (scope: package) lacks schemas: [{input: %s}]", name, InputSchemaRef)
		}
	}
	eng, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rules != len(eng.Rules()) {
		t.Errorf("%d rule modules, want one per catalog rule (%d)", rules, len(eng.Rules()))
	}
	// Near misses of the predicates: a module reading input without the
	// annotation, and one naming another schema.
	for _, src := range []string{
		"package p\n\nx := input.a\n",
		"# METADATA\n# schemas:\n#   - input: schema.other\npackage p\n\nx := input.a\n",
	} {
		m := ast.MustParseModuleWithOpts(src, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if !readsInput(m) || hasInputSchema(m) {
			t.Errorf("readsInput %v hasInputSchema %v for\n%s", readsInput(m), hasInputSchema(m), src)
		}
	}
	m := ast.MustParseModuleWithOpts("package p\n\nx := data.y\n", ast.ParserOptions{RegoVersion: ast.RegoV1})
	if readsInput(m) {
		t.Error("a module reading only data reads input")
	}
}

// TestInputSchemaValidatesTheInput: every golden input document is valid
// under input.schema.json, so the schema refuses no field the engine
// writes; a document with a field the types do not have is not.
func TestInputSchemaValidatesTheInput(t *testing.T) {
	schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(inputSchemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range goldenCases(t) {
		doc := inputJSON(t, c)
		res, err := schema.Validate(gojsonschema.NewBytesLoader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Valid() {
			t.Errorf("%s: the input does not match its schema: %v", c.name, res.Errors())
		}
		if c.name != "seed-acme" {
			continue
		}
		for _, edit := range []struct{ name, old, new string }{
			{"extra index field", `"org_level": "owner",`, `"org_level": "owner", "org_levle": "owner",`},
			{"extra snapshot field", `"schema_version": 2,`, `"schema_version": 2, "schema": 1,`},
			{"extra matrix field", `"binding": "name",`, `"binding": "name", "bond": true,`},
			{"null list", `"required_scopes": [`, `"required_scopes": null, "x": [`},
		} {
			bad := strings.Replace(string(doc), edit.old, edit.new, 1)
			if bad == string(doc) {
				t.Fatalf("%s: %q not in the document", edit.name, edit.old)
			}
			res, err := schema.Validate(gojsonschema.NewStringLoader(bad))
			if err != nil {
				t.Fatal(err)
			}
			if res.Valid() {
				t.Errorf("%s: the schema accepts it", edit.name)
			}
		}
	}
}
