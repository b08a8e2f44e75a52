package posthog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Required fields.
//
// A field of a response type tagged `hogaudit:"required"` is one PostHog's
// serializer always fills: its key must be in the answer with a value other
// than null, and a string must not be empty. Each type declares its required
// fields once, in its struct tags; the client checks every answer against
// them before decoding it (checkRequired), so an answer of null, {} or an
// object without, say, a member's id never becomes a zero-valued member. The
// check walks nested objects and lists of objects: a member's user and the
// user's email are checked where a member is read. Fields PostHog may send
// as null are never tagged.

// ErrMalformed matches a 2xx answer that is not the shape PostHog sends: not
// JSON of the expected kind (a bare list where a page is due, or the
// reverse), a page without results, or an object that lacks a required
// field. It is never retried: the answer is recorded as missing evidence.
var ErrMalformed = errors.New("malformed response")

// DecodeError is a 2xx answer that could not be used (it matches
// ErrMalformed). Method and Path name the request (the path only, never a
// host, query or key).
type DecodeError struct {
	Method string
	Path   string
	// Page says which page of a list held the fault ("the page at offset
	// 200"); "" for the first page or a single object.
	Page string
	// Field is the JSON path of the offending value, such as
	// "results[3].user.email"; "" when the fault is the whole body.
	Field string
	// Problem says what is wrong: "is missing", "is null", "the body is
	// null", a JSON decoding error, ….
	Problem string
}

// Error returns "GET PATH: decode response[ (PAGE)]: FIELD PROBLEM", for
// example "GET /api/organizations/o/members/: decode response:
// results[3].user.email is missing".
func (e *DecodeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: decode response", e.Method, e.Path)
	if e.Page != "" {
		b.WriteString(" (" + e.Page + ")")
	}
	b.WriteString(": ")
	switch {
	case e.Field != "":
		b.WriteString(e.Field + " ")
	case strings.HasPrefix(e.Problem, "is "):
		b.WriteString("the body ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// Is reports whether target is ErrMalformed.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }

// fieldProblem is a required field an answer lacks: its path and what is
// wrong with it.
type fieldProblem struct {
	field, problem string
}

// decodeChecked checks data against T's required fields and decodes it into
// v. A failure is a *DecodeError for the request method path, whose Field
// paths start with at ("" for a whole body, "results[3]" for an item).
func decodeChecked[T any](method, path, at string, data []byte, v *T) error {
	fail := func(field, problem string) error {
		return &DecodeError{Method: method, Path: path, Field: field, Problem: problem}
	}
	b := bytes.TrimSpace(data)
	if len(b) == 0 || bytes.Equal(b, jsonNull) {
		if at == "" {
			return fail("", "the body is null")
		}
		return fail(at, "is null")
	}
	if p := planFor(reflect.TypeFor[T]()); p != nil {
		if fp := p.check(b, at); fp != nil {
			return fail(fp.field, fp.problem)
		}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fail(at, jsonProblem(err))
	}
	return nil
}

// jsonProblem words a decoding error.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return fmt.Sprintf("is a JSON %s where %s is expected", te.Value, te.Type)
		}
		return fmt.Sprintf("(field %s) is a JSON %s where %s is expected", field, te.Value, te.Type)
	}
	return "is not valid: " + err.Error()
}

// typePlan is what checkRequired verifies of one struct type: its required
// fields and the nested objects that have some.
type typePlan struct {
	fields []fieldPlan
}

type fieldPlan struct {
	name     string    // the JSON key
	required bool      // present, not null
	str      bool      // a string: also not empty
	nested   *typePlan // an object (or, with list, a list of objects) to check inside
	list     bool
}

var plans sync.Map // reflect.Type → *typePlan (nil when nothing to check)

// planFor returns the checks for t (pointers dereferenced), nil when t
// declares no required field anywhere inside.
func planFor(t reflect.Type) *typePlan {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan)
	}
	p := buildPlan(t, map[reflect.Type]bool{})
	plans.Store(t, p)
	return p
}

func buildPlan(t reflect.Type, building map[reflect.Type]bool) *typePlan {
	if building[t] {
		return nil // a recursive type: its inner levels are checked where decoded
	}
	building[t] = true
	defer delete(building, t)
	var p typePlan
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := fieldPlan{name: name, required: sf.Tag.Get("hogaudit") == "required"}
		ft := sf.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		f.str = ft.Kind() == reflect.String
		inner := ft
		if ft.Kind() == reflect.Slice || ft.Kind() == reflect.Array {
			inner, f.list = ft.Elem(), true
			for inner.Kind() == reflect.Pointer {
				inner = inner.Elem()
			}
		}
		if inner.Kind() == reflect.Struct {
			f.nested = buildPlan(inner, building)
		}
		if f.nested == nil {
			f.list = false
		}
		if f.required || f.nested != nil {
			p.fields = append(p.fields, f)
		}
	}
	if len(p.fields) == 0 {
		return nil
	}
	return &p
}

// check returns the first required field data (a JSON value at path at)
// lacks, or nil. Values of the wrong JSON kind are left to the decoder,
// except that an object is required where fields are to be checked.
func (p *typePlan) check(data []byte, at string) *fieldProblem {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return &fieldProblem{at, "is not an object"}
	}
	for _, f := range p.fields {
		path := f.name
		if at != "" {
			path = at + "." + f.name
		}
		v, present := obj[f.name]
		switch {
		case !present:
			if f.required {
				return &fieldProblem{path, "is missing"}
			}
			continue
		case isNull(v):
			if f.required {
				return &fieldProblem{path, "is null"}
			}
			continue
		}
		if f.required && f.str {
			var s string
			if json.Unmarshal(v, &s) == nil && s == "" {
				return &fieldProblem{path, "is empty"}
			}
		}
		if f.nested == nil {
			continue
		}
		if !f.list {
			if fp := f.nested.check(v, path); fp != nil {
				return fp
			}
			continue
		}
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil {
			continue // not a list: the decoder says so
		}
		for i, it := range items {
			ip := path + "[" + strconv.Itoa(i) + "]"
			if isNull(it) {
				return &fieldProblem{ip, "is null"}
			}
			if fp := f.nested.check(it, ip); fp != nil {
				return fp
			}
		}
	}
	return nil
}

// describeJSON names a JSON value for an error message without repeating
// what the server sent, except a short number: "2.5", "a string", "an
// object".
func describeJSON(raw []byte) string {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return "nothing"
	}
	switch c := b[0]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "a list"
	case c == 't' || c == 'f':
		return "a boolean"
	case (c == '-' || c >= '0' && c <= '9') && len(b) <= 32 && json.Valid(b):
		return string(b)
	}
	return "not a number"
}
