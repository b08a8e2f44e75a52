package policies

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// toValue converts a value of the snapshot model or of the input document
// (Input) into the OPA value its JSON encoding would decode to, in one
// pass: no JSON text, no intermediate maps. Large snapshots (100,000 access
// rows) spend most of a check here, so this replaces json.Marshal +
// json.Unmarshal + ast.InterfaceToValue. It honours the json tags'
// omitempty and omitzero as encoding/json does; a test holds it equal to
// that round trip.
func toValue(v any) (ast.Value, error) {
	return valueOf(reflect.ValueOf(v))
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

func valueOf(v reflect.Value) (ast.Value, error) {
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
		return valueOf(v.Elem())
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
			e, err := valueOf(v.Index(i))
			if err != nil {
				return nil, err
			}
			terms[i] = ast.NewTerm(e)
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
			e, err := valueOf(iter.Value())
			if err != nil {
				return nil, err
			}
			items = append(items, ast.Item(ast.StringTerm(iter.Key().String()), ast.NewTerm(e)))
		}
		return ast.NewObject(items...), nil
	case reflect.Struct:
		var items [][2]*ast.Term
		if err := appendFields(&items, v); err != nil {
			return nil, err
		}
		return ast.NewObject(items...), nil
	}
	return viaJSON(v.Interface())
}

// appendFields adds v's JSON fields to items, inlining embedded structs the
// way encoding/json does.
func appendFields(items *[][2]*ast.Term, v reflect.Value) error {
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if f.inline {
			if err := appendFields(items, fv); err != nil {
				return err
			}
			continue
		}
		if f.omitEmpty && isEmpty(fv) || f.omitZero && isZero(fv) {
			continue
		}
		e, err := valueOf(fv)
		if err != nil {
			return err
		}
		*items = append(*items, ast.Item(ast.StringTerm(f.name), ast.NewTerm(e)))
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
