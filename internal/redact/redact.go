// Package redact keeps secret values out of hogaudit's output. A Set holds
// the secrets of one run (the scanning key, the audited keys) and replaces
// every occurrence of them — in a string, in bytes, in every string reachable
// from a value, in what passes through a writer — with Mask of the secret:
// its type prefix and last four characters, the form PostHog itself shows
// (mask_key_value in posthog/models/personal_api_key.py), never more.
//
// LooksLikeKey recognizes PostHog secrets by their shape, for values that
// should never hold one (command-line flags).
package redact

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// MinSecretLen is the length below which Add ignores a value: PostHog's
// keys are 40 characters and more, and replacing every occurrence of a
// short string would corrupt ordinary text (names, emails) without
// protecting anything worth the name.
const MinSecretLen = 8

// secretPrefixes are the type prefixes of PostHog's secrets
// (posthog/models/utils.py): personal API keys, project secret tokens and
// secret API keys, OAuth access and refresh tokens. The prefix says what a
// secret is and is no part of it. phc_ (the public project token) is not a
// secret.
var secretPrefixes = []string{"phx_", "phs_", "pha_", "phr_"}

// Mask returns the form of secret that may be shown: its PostHog type
// prefix when it has one, "...", and its last four characters when at
// least twelve more stay hidden — "phx_...abcd", as PostHog's mask_value.
// Without a known prefix nothing of the start is shown.
func Mask(secret string) string {
	prefix := ""
	for _, p := range secretPrefixes {
		if strings.HasPrefix(secret, p) {
			prefix = p
			break
		}
	}
	rest := secret[len(prefix):]
	if len(rest) >= 16 {
		return prefix + "..." + rest[len(rest)-4:]
	}
	return prefix + "..."
}

// keyShape matches a PostHog secret: a secret prefix and at least 30
// base-62 characters (PostHog makes them from 32 or 35 random bytes, 43 to
// 48 characters), not preceded by a letter or digit.
var keyShape = regexp.MustCompile(`(?:^|[^A-Za-z0-9])((?:phx|phs|pha|phr)_[A-Za-z0-9]{30,})`)

// LooksLikeKey returns the first PostHog secret in s (see keyShape), or ""
// when there is none.
func LooksLikeKey(s string) string {
	m := keyShape.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// anyKey matches a PostHog secret anywhere, for Set.MaskShapes.
var anyKey = regexp.MustCompile(`(?:phx|phs|pha|phr)_[A-Za-z0-9]{30,}`)

// Set is a set of secrets to scrub. The zero value is an empty set, ready to
// use; a nil *Set scrubs nothing. It is safe for concurrent use.
type Set struct {
	// MaskShapes makes the set mask, beside its secrets, every string
	// shaped like a PostHog secret (see LooksLikeKey): keys hogaudit was not
	// given, such as another user's key or a project secret token a server
	// echoes. Set it before the set is used.
	MaskShapes bool

	mu      sync.RWMutex
	secrets []string // longest first, so that a secret inside another goes with it
}

// Add adds secrets to the set. Empty values and values shorter than
// MinSecretLen are ignored; surrounding white space is not part of a secret.
func (s *Set) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		v = strings.TrimSpace(v)
		if len(v) < MinSecretLen || slices.Contains(s.secrets, v) {
			continue
		}
		s.secrets = append(s.secrets, v)
	}
	slices.SortStableFunc(s.secrets, func(a, b string) int { return len(b) - len(a) })
}

// Len returns the number of secrets in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.secrets)
}

func (s *Set) shapes() bool { return s != nil && s.MaskShapes }

func (s *Set) list() []string {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.secrets
}

// String returns text with every secret of the set replaced by its Mask.
func (s *Set) String(text string) string {
	for _, v := range s.list() {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, Mask(v))
		}
	}
	if s.shapes() && anyKey.MatchString(text) {
		text = anyKey.ReplaceAllStringFunc(text, Mask)
	}
	return text
}

// Bytes returns b with every secret of the set replaced by its Mask; b
// itself is returned when it holds none.
func (s *Set) Bytes(b []byte) []byte {
	for _, v := range s.list() {
		if bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), []byte(Mask(v)))
		}
	}
	if s.shapes() && anyKey.Match(b) {
		b = anyKey.ReplaceAllFunc(b, func(k []byte) []byte { return []byte(Mask(string(k))) })
	}
	return b
}

// Contains reports whether text holds a secret of the set (or, with
// MaskShapes, anything shaped like one).
func (s *Set) Contains(text string) bool {
	for _, v := range s.list() {
		if strings.Contains(text, v) {
			return true
		}
	}
	return s.shapes() && anyKey.MatchString(text)
}

// Writer returns a writer that scrubs each Write's bytes before passing them
// to w. A secret split across two Write calls is not caught: write each
// message in one call, as fmt.Fprintf does. Write reports len(p) written when
// w took the whole scrubbed text, else 0 and w's error.
func (s *Set) Writer(w io.Writer) io.Writer { return &writer{set: s, w: w} }

type writer struct {
	set *Set
	w   io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	if _, err := w.w.Write(w.set.Bytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Scrub replaces, in place, every secret of the set in the strings reachable
// from v, which must be a pointer (or a map or slice): exported struct
// fields, slice and array elements, map keys and values, pointers and
// interfaces, and json.RawMessage values, whose JSON is decoded so that
// escaped forms are caught too. Unexported fields are left alone. A value
// reached twice (two pointers to it) is scrubbed twice, which is harmless:
// a mask holds no secret.
func (s *Set) Scrub(v any) {
	if (s.Len() == 0 && !s.shapes()) || v == nil {
		return
	}
	s.walk(reflect.ValueOf(v))
}

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

func (s *Set) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			s.walk(v.Elem())
		}
	case reflect.Interface:
		if v.IsNil() || !v.CanSet() {
			return
		}
		c := reflect.New(v.Elem().Type()).Elem()
		c.Set(v.Elem())
		s.walk(c)
		v.Set(c)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				s.walk(f)
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if v.CanSet() {
				b := v.Bytes()
				if v.Type() == rawMessageType {
					b = s.raw(b)
				} else {
					b = s.Bytes(b)
				}
				v.SetBytes(b)
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			s.walk(v.Index(i))
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if e := v.Index(i); e.CanSet() {
				s.walk(e)
			}
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			val := reflect.New(v.Type().Elem()).Elem()
			val.Set(v.MapIndex(k))
			s.walk(val)
			nk := k
			if k.Kind() == reflect.String && s.Contains(k.String()) {
				nk = reflect.New(k.Type()).Elem()
				nk.SetString(s.String(k.String()))
				v.SetMapIndex(k, reflect.Value{})
			}
			v.SetMapIndex(nk, val)
		}
	case reflect.String:
		if v.CanSet() {
			if str := v.String(); s.Contains(str) {
				v.SetString(s.String(str))
			}
		}
	}
}

// raw scrubs a JSON document: decoded, scrubbed and re-encoded when a
// decoded string holds a secret (an escaped form, say), else replaced
// bytewise; b is returned untouched when it holds no secret at all.
func (s *Set) raw(b []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return s.Bytes(b)
	}
	found := false
	var visit func(any)
	visit = func(x any) {
		switch t := x.(type) {
		case string:
			found = found || s.Contains(t)
		case []any:
			for _, e := range t {
				visit(e)
			}
		case map[string]any:
			for k, e := range t {
				found = found || s.Contains(k)
				visit(e)
			}
		}
	}
	visit(doc)
	if !found {
		return s.Bytes(b)
	}
	s.walk(reflect.ValueOf(&doc))
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return []byte(`"[redacted]"`)
	}
	return bytes.TrimRight(out.Bytes(), "\n")
}
