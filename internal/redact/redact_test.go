package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	scanKey  = "phx_cLq0tI1jkszp88r7fYkDc96kVncLVPFjTTZ2bdC3"
	auditKey = "phx_7H4KVPRIVrEScHcEYpYGky8q06jrTAGiDO5psXGH"
)

func TestMask(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{scanKey, "phx_...bdC3"},
		{"phs_" + strings.Repeat("a", 16) + "wxyz", "phs_...wxyz"},
		// Fewer than 12 hidden characters: no tail at all.
		{"phx_abcdefghijklmno", "phx_..."},
		// No PostHog prefix: nothing of the start.
		{"0123456789abcdefghijKLMN", "...KLMN"},
		{"short-secret", "..."},
		// phc_ is the public project token, not a secret prefix.
		{"phc_0123456789abcdefghij", "...ghij"},
	} {
		if got := Mask(c.in); got != c.want {
			t.Errorf("Mask(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.Contains(Mask(c.in), c.in[len(c.in)-5:]) {
			t.Errorf("Mask(%q) shows more than the last 4 characters", c.in)
		}
	}
}

func TestLooksLikeKey(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{scanKey, scanKey},
		{"--host=" + scanKey, scanKey},
		{"https://" + scanKey + ".example.com", scanKey},
		{"phs_" + strings.Repeat("Z", 30), "phs_" + strings.Repeat("Z", 30)},
		// Near misses: too short, a public token, glued to a word, a
		// file named after the prefix.
		{"phx_" + strings.Repeat("a", 29), ""},
		{"phc_" + strings.Repeat("a", 40), ""},
		{"xphx_" + strings.Repeat("a", 40), ""},
		{"phx_matrix_production.yaml", ""},
		{"POSTHOG_PERSONAL_API_KEY", ""},
		{"https://us.posthog.com", ""},
	} {
		if got := LooksLikeKey(c.in); got != c.want {
			t.Errorf("LooksLikeKey(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func newSet(secrets ...string) *Set {
	s := &Set{}
	s.Add(secrets...)
	return s
}

func TestSetString(t *testing.T) {
	s := newSet(scanKey, auditKey, "", "tiny")
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (empty and short values are ignored)", s.Len())
	}
	in := "detail: key " + scanKey + " and " + auditKey + "; /api/x/?token=" + scanKey
	got := s.String(in)
	if strings.Contains(got, scanKey) || strings.Contains(got, auditKey) {
		t.Fatalf("String left a secret: %q", got)
	}
	if want := "detail: key phx_...bdC3 and phx_...sXGH; /api/x/?token=phx_...bdC3"; got != want {
		t.Errorf("String = %q", got)
	}
	if got := s.String("tiny and nothing else"); got != "tiny and nothing else" {
		t.Errorf("a short value was scrubbed: %q", got)
	}
	if b := s.Bytes([]byte("x" + auditKey)); bytes.Contains(b, []byte(auditKey)) {
		t.Errorf("Bytes left the secret: %q", b)
	}
	var nilSet *Set
	if nilSet.String(scanKey) != scanKey || nilSet.Contains(scanKey) {
		t.Error("a nil set scrubs nothing")
	}
}

func TestSetLongestFirst(t *testing.T) {
	// One secret inside another: the longer goes whole.
	inner := scanKey[:30]
	s := newSet(inner, scanKey)
	got := s.String("k=" + scanKey)
	if got != "k="+Mask(scanKey) {
		t.Errorf("String = %q, want the longer secret's mask", got)
	}
}

type inner struct {
	Note string
	raw  string // unexported: left alone
}

type sample struct {
	Name     string
	Ptr      *string
	List     []string
	Arr      [2]string
	Nested   []inner
	ByName   map[string]string
	Any      map[string]any
	Iface    any
	Raw      json.RawMessage
	RawPlain json.RawMessage
	Bytes    []byte
	When     time.Time
	N        int
	Named    namedString
}

type namedString string

func TestScrubWalksEveryString(t *testing.T) {
	p := "ptr " + scanKey
	v := &sample{
		Name:     "member " + scanKey,
		Ptr:      &p,
		List:     []string{"a", auditKey},
		Arr:      [2]string{scanKey, "b"},
		Nested:   []inner{{Note: "n " + auditKey, raw: scanKey}},
		ByName:   map[string]string{"k-" + scanKey: "v-" + auditKey, "plain": "x"},
		Any:      map[string]any{"deep": []any{map[string]any{"s": scanKey}}, "num": 1.5},
		Iface:    inner{Note: auditKey},
		Raw:      json.RawMessage(`{"before":"phx\u005f` + scanKey[4:] + `","n":1}`),
		RawPlain: json.RawMessage(`["` + auditKey + `"]`),
		Bytes:    []byte("b " + scanKey),
		When:     time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		N:        7,
		Named:    namedString(scanKey),
	}
	newSet(scanKey, auditKey).Scrub(v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, secret := range []string{scanKey, auditKey, scanKey[4:]} {
		if strings.Contains(out, secret) {
			t.Errorf("a secret survived Scrub: %s", out)
		}
	}
	if v.Nested[0].raw != scanKey {
		t.Error("an unexported field was changed")
	}
	if v.ByName["plain"] != "x" || v.ByName["k-"+Mask(scanKey)] != "v-"+Mask(auditKey) || len(v.ByName) != 2 {
		t.Errorf("map = %v", v.ByName)
	}
	if !v.When.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || v.N != 7 {
		t.Error("non-string values changed")
	}
	if !strings.Contains(string(v.Raw), `"n":1`) || !json.Valid(v.Raw) || !json.Valid(v.RawPlain) {
		t.Errorf("raw JSON broken: %s / %s", v.Raw, v.RawPlain)
	}
}

func TestScrubLeavesCleanValuesAlone(t *testing.T) {
	raw := json.RawMessage(`{ "spacing" : "kept" }`)
	v := &sample{Name: "alice", Raw: raw, Any: map[string]any{"k": "v"}}
	newSet(scanKey).Scrub(v)
	if v.Name != "alice" || string(v.Raw) != string(raw) || v.Any["k"] != "v" {
		t.Errorf("clean value changed: %+v", v)
	}
	// Empty sets and nil values are no-ops.
	(&Set{}).Scrub(v)
	newSet(scanKey).Scrub(nil)
}

type failingWriter struct{ got bytes.Buffer }

func (f *failingWriter) Write(p []byte) (int, error) {
	f.got.Write(p)
	return len(p) / 2, errors.New("disk full")
}

func TestWriter(t *testing.T) {
	s := newSet(scanKey)
	var buf bytes.Buffer
	w := s.Writer(&buf)
	msg := []byte("hogaudit: GET /api/?k=" + scanKey + " failed\n")
	n, err := w.Write(msg)
	if err != nil || n != len(msg) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(msg))
	}
	if strings.Contains(buf.String(), scanKey) || !strings.Contains(buf.String(), Mask(scanKey)) {
		t.Errorf("written %q", buf.String())
	}
	// Secrets added later are scrubbed too: the writer reads the set.
	s.Add(auditKey)
	buf.Reset()
	w.Write([]byte(auditKey))
	if buf.String() != Mask(auditKey) {
		t.Errorf("written %q", buf.String())
	}
	if n, err := s.Writer(&failingWriter{}).Write(msg); err == nil || n != 0 {
		t.Errorf("a failing writer: %d, %v", n, err)
	}
}

func TestMaskShapes(t *testing.T) {
	other := "phs_" + strings.Repeat("Q", 40)
	s := &Set{MaskShapes: true}
	in := "secret " + other + " beside " + scanKey + " and phc_" + strings.Repeat("p", 40) + " and phx_...abcd"
	got := s.String(in)
	want := "secret phs_...QQQQ beside phx_...bdC3 and phc_" + strings.Repeat("p", 40) + " and phx_...abcd"
	if got != want {
		t.Errorf("String = %q\nwant     %q", got, want)
	}
	if b := s.Bytes([]byte(in)); string(b) != want {
		t.Errorf("Bytes = %q", b)
	}
	v := &sample{Name: other}
	s.Scrub(v)
	if v.Name != Mask(other) {
		t.Errorf("Scrub left %q", v.Name)
	}
	// Without MaskShapes only the set's own secrets go.
	if got := newSet(scanKey).String(other); got != other {
		t.Errorf("a set without MaskShapes masked %q", got)
	}
}
