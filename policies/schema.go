package policies

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/hogaudit/hogaudit/snapshot"
)

// inputSchemaJSON is the JSON Schema (draft-07) of the input document,
// generated from Input and snapshot/schema.json by GenerateInputSchema
// (TestInputSchemaUpToDate holds it equal; -write-input-schema rewrites
// it).
//
//go:embed input.schema.json
var inputSchemaJSON []byte

// InputSchemaRef is the schema reference a rule's METADATA names to be type
// checked against the input document ("schemas: [{input: schema.input}]").
// Every module is checked against it anyway: it is also the compiler's
// global input schema.
const InputSchemaRef = "schema.input"

// inputSchemas returns the schema set both compilers use: the input
// document's schema as the global input schema (every module, built in or
// custom, is type checked against it, so a reference to a field the input
// does not have is a compile error) and under InputSchemaRef for the rules'
// schemas: annotation.
func inputSchemas() (*ast.SchemaSet, error) {
	dec := json.NewDecoder(bytes.NewReader(inputSchemaJSON))
	dec.UseNumber()
	var schema any
	if err := dec.Decode(&schema); err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	ss := ast.NewSchemaSet()
	ss.Put(ast.SchemaRootRef, schema)
	ref, err := ast.ParseSchemaRef(InputSchemaRef)
	if err != nil {
		return nil, err
	}
	ss.Put(ref, schema)
	return ss, nil
}

// GenerateInputSchema returns the JSON Schema of the input document: Input's
// fields by their json tags, and for input.snapshot the snapshot file's
// schema (snapshot/schema.json) with its definitions under "snapshot.".
//
// The schema is what OPA's type checker reads, so it is written in the part
// of JSON Schema the checker understands, without losing meaning: an
// object's properties are its only fields (a misspelled field is a type
// error; additionalProperties: false says so to validators too), a map keyed
// by ids is an object with additionalProperties (the checker does not look
// inside those), and a field that may be null is {"type": [T, "null"]}.
// snapshot/schema.json writes the latter as oneOf [{type: null}, S], which
// the checker reads as "any"; those are rewritten into S with "null" added
// to its type.
func GenerateInputSchema() ([]byte, error) {
	var snap map[string]any
	if err := json.Unmarshal(snapshot.Schema, &snap); err != nil {
		return nil, fmt.Errorf("snapshot schema: %w", err)
	}
	defs := map[string]any{}
	snapDefs, _ := snap["definitions"].(map[string]any)
	for name, d := range snapDefs {
		defs[snapshotDef(name)] = d
	}
	root := map[string]any{}
	for k, v := range snap {
		switch k {
		case "$schema", "$id", "definitions":
			continue
		}
		root[k] = v
	}
	defs["snapshot"] = root
	for name, d := range defs {
		nd, err := rewriteSnapshotSchema(d, snapDefs)
		if err != nil {
			return nil, fmt.Errorf("snapshot schema, %s: %w", name, err)
		}
		defs[name] = nd
	}

	g := &schemaGen{defs: defs}
	top := g.object(reflect.TypeFor[Input]())
	doc := map[string]any{
		"$schema":     "http://json-schema.org/draft-07/schema#",
		"$id":         "https://github.com/hogaudit/hogaudit/policies/input.schema.json",
		"title":       "hogaudit policy input",
		"description": "The document every hogaudit rule reads as input (policies/INPUT.md). Generated from policies/input.go, policies/matrixdoc.go and snapshot/schema.json by `go test ./policies -run TestInputSchemaUpToDate -write-input-schema`; do not edit.",
		"definitions": defs,
	}
	for k, v := range top {
		doc[k] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func snapshotDef(name string) string { return "snapshot." + name }

// rewriteSnapshotSchema returns s with its references pointing at the
// "snapshot." definitions and every oneOf [{type: null}, S] turned into S
// with "null" added to its type (S's definition inlined when S is a
// reference).
func rewriteSnapshotSchema(s any, defs map[string]any) (any, error) {
	switch s := s.(type) {
	case []any:
		out := make([]any, len(s))
		for i, e := range s {
			r, err := rewriteSnapshotSchema(e, defs)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		if inner, ok := nullableOf(s); ok {
			if ref, ok := inner["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/definitions/")
				def, ok := defs[name].(map[string]any)
				if !ok {
					return nil, fmt.Errorf("no definition %s", ref)
				}
				if _, nested := nullableOf(def); nested {
					// Already nullable (e.g. time_or_null): the reference will do.
					return map[string]any{"$ref": "#/definitions/" + snapshotDef(name)}, nil
				}
				inner = def
			}
			r, err := rewriteSnapshotSchema(inner, defs)
			if err != nil {
				return nil, err
			}
			out := shallowCopy(r.(map[string]any))
			if err := addNull(out); err != nil {
				return nil, err
			}
			if d, ok := s["description"]; ok {
				out["description"] = d
			}
			return out, nil
		}
		out := make(map[string]any, len(s))
		for k, v := range s {
			if ref, ok := v.(string); ok && k == "$ref" {
				out[k] = "#/definitions/" + snapshotDef(strings.TrimPrefix(ref, "#/definitions/"))
				continue
			}
			r, err := rewriteSnapshotSchema(v, defs)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return s, nil
}

// nullableOf returns S when s is {oneOf: [{type: null}, S]} (either order).
func nullableOf(s map[string]any) (map[string]any, bool) {
	alts, ok := s["oneOf"].([]any)
	if !ok || len(alts) != 2 {
		return nil, false
	}
	for i, a := range alts {
		if m, ok := a.(map[string]any); ok && len(m) == 1 && m["type"] == "null" {
			other, ok := alts[1-i].(map[string]any)
			return other, ok
		}
	}
	return nil, false
}

// addNull adds "null" to s's type.
func addNull(s map[string]any) error {
	switch t := s["type"].(type) {
	case string:
		s["type"] = []any{t, "null"}
	case []any:
		if !slices.Contains(t, any("null")) {
			s["type"] = append(slices.Clone(t), "null")
		}
	default:
		return fmt.Errorf("a nullable schema without a type: %v", s)
	}
	return nil
}

// shallowCopy returns a shallow copy of m.
func shallowCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// schemaGen derives JSON Schemas from the input's Go types.
type schemaGen struct {
	defs map[string]any
}

// schemaTyper is implemented by input types whose schema is not their Go
// shape alone.
type schemaTyper interface {
	jsonSchema() map[string]any
}

var (
	snapshotPtrType = reflect.TypeFor[*snapshot.Snapshot]()
	schemaTyperType = reflect.TypeFor[schemaTyper]()
)

// of returns the schema of values of t, registering named structs as
// definitions.
func (g *schemaGen) of(t reflect.Type) map[string]any {
	switch {
	case t == snapshotPtrType:
		return map[string]any{"$ref": "#/definitions/snapshot"}
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t.Implements(schemaTyperType):
		return reflect.Zero(t).Interface().(schemaTyper).jsonSchema()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.of(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name := defName(t)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = nil // reserve: a type that refers to itself
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/definitions/" + name}
	}
	panic(fmt.Sprintf("input schema: no schema for %v", t))
}

// defName names the definition of a struct type: its name for the types of
// package policies, else qualified by its package's name ("drift.Report"),
// so that two packages' types of one name never share a definition.
func defName(t reflect.Type) string {
	if t.PkgPath() == reflect.TypeFor[Input]().PkgPath() {
		return t.Name()
	}
	return path.Base(t.PkgPath()) + "." + t.Name()
}

// object is the schema of a struct: its JSON fields as properties, those
// never left out required, a pointer that is not left out nullable.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	required := []string{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for _, f := range fieldsOf(t) {
			sf := t.Field(f.index)
			if f.inline {
				add(sf.Type)
				continue
			}
			s := g.of(sf.Type)
			optional := f.omitEmpty || f.omitZero
			if !optional {
				required = append(required, f.name)
				if sf.Type.Kind() == reflect.Pointer && sf.Type != snapshotPtrType {
					s = shallowCopy(s)
					if err := addNull(s); err != nil {
						panic(fmt.Sprintf("input schema: %v.%s: %v", t, sf.Name, err))
					}
				}
			}
			props[f.name] = s
		}
	}
	add(t)
	slices.Sort(required)
	return map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             required,
		"properties":           props,
	}
}

// jsonSchema lists every section with its three states.
func (Sections) jsonSchema() map[string]any {
	props := map[string]any{}
	for _, s := range snapshot.Sections {
		props[s] = map[string]any{"type": "string", "enum": []any{SectionOK, SectionMissing, SectionNotApplicable}}
	}
	return map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             slices.Sorted(slices.Values(snapshot.Sections)),
		"properties":           props,
	}
}
