package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/open-policy-agent/opa/v1/ast"
)

// fieldHint explains a type error that names a field the input schema
// (or a value typed by it) does not have: "hint: input.snapshot has no
// field "membrs"; did you mean "members"?". It returns "" for other errors.
func fieldHint(e *ast.Error) string {
	d, ok := e.Details.(*ast.RefErrInvalidDetail)
	if !ok || len(d.OneOf) == 0 || d.Pos <= 0 || d.Pos >= len(d.Ref) {
		return ""
	}
	key, ok := d.Ref[d.Pos].Value.(ast.String)
	if !ok {
		return ""
	}
	fields := make([]string, 0, len(d.OneOf))
	for _, v := range d.OneOf {
		if s, ok := v.(ast.String); ok {
			fields = append(fields, string(s))
		}
	}
	hint := fmt.Sprintf("hint: %s has no field %q", d.Ref[:d.Pos], string(key))
	if near := nearestField(string(key), fields); near != "" {
		hint += fmt.Sprintf("; did you mean %q?", near)
	}
	if d.Ref[0].Equal(ast.InputRootDocument) {
		hint += " (policies/INPUT.md lists the input's fields)"
	}
	return hint
}

// nearestField is the field nearest to key by edit distance, if within a
// third of key's length (at least 2), the alphabetically first of equals;
// else "".
func nearestField(key string, fields []string) string {
	fields = slices.Sorted(slices.Values(fields))
	limit := max(len(key)/3, 2)
	best, bestDist := "", limit+1
	for _, f := range fields {
		if d := matrix.EditDistance(strings.ToLower(key), strings.ToLower(f)); d < bestDist {
			best, bestDist = f, d
		}
	}
	return best
}
