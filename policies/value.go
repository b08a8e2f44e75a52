package policies

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"
)

// toValue converts a value of the snapshot model or of the input document
// (Input) into the OPA value its JSON encoding would decode to, in one
// pass: no JSON text, no intermediate maps. Large snapshots (100,000 access
// rows) spend most of a check here, so this replaces json.Marshal +
// json.Unmarshal + ast.InterfaceToValue. It honours the json tags'
// omitempty and omitzero as encoding/json does; a test holds it equal to
// that round trip.
//
// A Go string met again shares its term (ast values are immutable): the
// input of a large organization names each membership id once per project
// it can reach, each time the same Go string (the member's id), and a term
// per occurrence would be most of the document.
func toValue(v any) (ast.Value, error) {
	c := converter{strings: map[stringKey]*ast.Term{}}
	t, err := c.termOf(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	return t.Value, nil
}

// converter holds the terms of one toValue conversion.
type converter struct {
	strings map[stringKey]*ast.Term
	free    []*[][2]*ast.Term
}

// scratch returns an empty item list for one struct's fields.
func (c *converter) scratch() [][2]*ast.Term {
	if n := len(c.free); n > 0 {
		l := c.free[n-1]
		c.free = c.free[:n-1]
		return (*l)[:0]
	}
	return make([][2]*ast.Term, 0, 32)
}

// release returns a scratch list, its terms dropped.
func (c *converter) release(items [][2]*ast.Term) {
	clear(items)
	c.free = append(c.free, &items)
}

// stringKey identifies a Go string by its bytes' address and length:
// cheaper to hash than its content, and a string made twice (equal, not
// the same) merely gets two terms.
type stringKey struct {
	data *byte
	n    int
}

// stringTerm returns the term of s, the same for the same Go string.
func (c *converter) stringTerm(s string) *ast.Term {
	if len(s) == 0 {
		return ast.StringTerm("")
	}
	k := stringKey{unsafe.StringData(s), len(s)}
	t, ok := c.strings[k]
	if !ok {
		t = ast.StringTerm(s)
		c.strings[k] = t
	}
	return t
}

// termOf is valueOf as a term. Scalars share terms: a Go string met
// again gets the term it got before (a member's id, uuid and email appear
// in the snapshot's members, in index.members and as keys and values of
// the index's maps, each time the same Go string), and booleans and small
// integers get OPA's interned terms. Terms are shared only where the value
// is exactly what valueOf would make of it (no time, raw JSON or
// json.Marshaler there).
func (c *converter) termOf(v reflect.Value) (*ast.Term, error) {
	if v.IsValid() {
		switch k := v.Kind(); {
		case k != reflect.String && k != reflect.Bool && (k < reflect.Int || k > reflect.Int64):
		case v.Type().Implements(marshalerType):
		case k == reflect.String:
			return c.stringTerm(v.String()), nil
		case k == reflect.Bool:
			return ast.InternedTerm(v.Bool()), nil
		default:
			// The interned term of a small integer, else a new one.
			return ast.InternedTerm(v.Int()), nil
		}
	}
	e, err := c.valueOf(v)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(e), nil
}

// elemTermOf is termOf for a list element or map value.
func (c *converter) elemTermOf(v reflect.Value) (*ast.Term, error) { return c.termOf(v) }

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

func (c *converter) valueOf(v reflect.Value) (ast.Value, error) {
	if !v.IsValid() {
		return ast.NullValue, nil
	}
	t := v.Type()
	switch {
	case t == timeType:
		return ast.String(v.Interface().(time.Time).Format(time.RFC3339Nano)), nil
	case t == rawMessageType:
		return rawValue(v.Bytes())
	case t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && t.Implements(marshalerType):
		return viaJSON(v.Interface())
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ast.NullValue, nil
		}
		return c.valueOf(v.Elem())
	case reflect.String:
		return ast.String(v.String()), nil
	case reflect.Bool:
		return ast.Boolean(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.Number(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return ast.Number(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		return viaJSON(v.Interface())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return ast.NullValue, nil
		}
		terms := make([]*ast.Term, v.Len())
		for i := range terms {
			t, err := c.elemTermOf(v.Index(i))
			if err != nil {
				return nil, err
			}
			terms[i] = t
		}
		return ast.NewArray(terms...), nil
	case reflect.Map:
		if v.IsNil() {
			return ast.NullValue, nil
		}
		if t.Key().Kind() != reflect.String {
			return viaJSON(v.Interface())
		}
		items := make([][2]*ast.Term, 0, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			t, err := c.elemTermOf(iter.Value())
			if err != nil {
				return nil, err
			}
			items = append(items, ast.Item(c.stringTerm(iter.Key().String()), t))
		}
		return ast.NewObject(items...), nil
	case reflect.Struct:
		// ast.NewObject copies the items: one scratch list per nesting
		// depth serves every struct.
		items := c.scratch()
		if err := c.appendFields(&items, v); err != nil {
			return nil, err
		}
		obj := ast.NewObject(items...)
		c.release(items)
		return obj, nil
	}
	return viaJSON(v.Interface())
}

// appendFields adds v's JSON fields to items, inlining embedded structs the
// way encoding/json does.
func (c *converter) appendFields(items *[][2]*ast.Term, v reflect.Value) error {
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if f.inline {
			if err := c.appendFields(items, fv); err != nil {
				return err
			}
			continue
		}
		if f.omitEmpty && isEmpty(fv) || f.omitZero && isZero(fv) {
			continue
		}
		t, err := c.termOf(fv)
		if err != nil {
			return err
		}
		*items = append(*items, ast.Item(c.stringTerm(f.name), t))
	}
	return nil
}

type field struct {
	index     int
	name      string
	omitEmpty bool
	omitZero  bool
	inline    bool
}

// isEmpty is encoding/json's test for omitempty: false, 0, "", a nil
// pointer or interface, an empty list or map. A struct is never empty.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZero is encoding/json's test for omitzero: the value's IsZero method
// when it has one, else the zero value (a nil list, not an empty one).
func isZero(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	return v.IsZero()
}

var fieldCache sync.Map // reflect.Type → []field

// fieldsOf lists a struct type's JSON fields, as encoding/json sees them
// (exported, not "-", embedded untagged structs inlined).
func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" || (!sf.IsExported() && !sf.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			fs = append(fs, field{index: i, inline: true})
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fs = append(fs, field{
			index: i, name: name,
			omitEmpty: strings.Contains(","+opts+",", ",omitempty,"),
			omitZero:  strings.Contains(","+opts+",", ",omitzero,"),
		})
	}
	fieldCache.Store(t, fs)
	return fs
}

// rawValue converts raw JSON.
func rawValue(b []byte) (ast.Value, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return ast.NullValue, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(x)
}

// viaJSON converts a value through its JSON encoding (the slow, general
// path for types the fast path does not know).
func viaJSON(x any) (ast.Value, error) {
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	return rawValue(b)
}
