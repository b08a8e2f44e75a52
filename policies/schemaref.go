package policies

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// OPA's type checker reads an object schema without properties (a map
// keyed by ids: input.index.members, input.matrix.groups, …) as "any
// object", whatever its additionalProperties say, so it cannot tell that
// input.index.members[mid].emial names no field. checkMapRefs closes that
// gap for references written out from input: it follows each one through
// the schema, map lookups included, and reports a field that the object
// reached does not have.

// parsedInputSchema is input.schema.json decoded.
var parsedInputSchema = sync.OnceValues(func() (map[string]any, error) {
	var s map[string]any
	err := json.Unmarshal(inputSchemaJSON, &s)
	return s, err
})

// checkMapRefs returns an error for every reference in mods that starts at
// input and, past a map lookup, names a field the input schema does not
// have. References the type checker can judge are left to it.
func checkMapRefs(mods map[string]*ast.Module) (ast.Errors, error) {
	schema, err := parsedInputSchema()
	if err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	defs, _ := schema["definitions"].(map[string]any)
	names := make([]string, 0, len(mods))
	for name := range mods {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs ast.Errors
	for _, name := range names {
		ast.WalkRefs(mods[name], func(r ast.Ref) bool {
			if !r[0].Equal(ast.InputRootDocument) {
				return false
			}
			if e := mapRefError(r, schema, defs); e != nil {
				errs = append(errs, e)
			}
			return false
		})
	}
	return errs, nil
}

// mapRefError follows r through s and returns the error for a field
// missing below a map lookup, or nil.
func mapRefError(r ast.Ref, s map[string]any, defs map[string]any) *ast.Error {
	pastMap := false
	for i := 1; i < len(r); i++ {
		s = resolve(s, defs)
		if s == nil {
			return nil
		}
		if props, ok := s["properties"].(map[string]any); ok {
			key, ok := r[i].Value.(ast.String)
			if !ok {
				return nil // a computed field: the type checker's or nobody's
			}
			next, ok := props[string(key)].(map[string]any)
			if !ok {
				if !pastMap {
					return nil // the type checker reports it
				}
				fields := make([]ast.Value, 0, len(props))
				for _, k := range slices.Sorted(maps.Keys(props)) {
					fields = append(fields, ast.String(k))
				}
				e := ast.NewError(ast.TypeErr, r[0].Location, "undefined ref: %v", r)
				e.Details = &ast.RefErrInvalidDetail{Ref: r, Pos: i, OneOf: fields}
				return e
			}
			s = next
			continue
		}
		if v, ok := s["additionalProperties"].(map[string]any); ok {
			s, pastMap = v, true
			continue
		}
		if v, ok := s["items"].(map[string]any); ok {
			s = v
			continue
		}
		return nil // a scalar or an untyped value
	}
	return nil
}

// resolve follows s's $ref, if any, to its definition.
func resolve(s map[string]any, defs map[string]any) map[string]any {
	for s != nil {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s, _ = defs[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any)
	}
	return nil
}
