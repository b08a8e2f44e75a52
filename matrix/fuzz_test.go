package matrix

import (
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/internal/fuzzcorpus"
)

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzParse from the example matrix (TestWriteFuzzSeeds)")

// fuzzNow is the evaluation time of the fuzzed bindings.
var fuzzNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic; an
// accepted document must bind to an inventory, and parse and bind the same
// a second time (Parse is deterministic). policies.FuzzCheck takes the
// bound matrix on to the rules' document.
func FuzzParse(f *testing.F) {
	s := snap(
		[]project{{1, "Production"}, {2, "Staging"}, {3, "Production"}},
		[]role{{"r-eng", "Engineering"}, {"r-prod", "Product"}},
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("fuzz.yaml", data)
		if err != nil {
			if m != nil {
				t.Fatalf("Parse returned a matrix with the error %v", err)
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("Parse failed without a message")
			}
			return
		}
		b := m.Bind(s, fuzzNow)
		again, err := Parse("fuzz.yaml", data)
		if err != nil {
			t.Fatalf("the second Parse of the same bytes failed: %v", err)
		}
		if !reflect.DeepEqual(m, again) {
			t.Fatal("two Parses of the same bytes gave different matrices")
		}
		b2 := again.Bind(s, fuzzNow)
		if !reflect.DeepEqual(b.Projects(), b2.Projects()) || !reflect.DeepEqual(b.Groups(), b2.Groups()) ||
			!reflect.DeepEqual(b.Keys(), b2.Keys()) || !reflect.DeepEqual(b.Exceptions(), b2.Exceptions()) {
			t.Fatal("two Parses of the same bytes bound differently")
		}
		// Without the sections a binding needs, binding still works.
		_ = m.Bind(snap(nil, nil), fuzzNow).Projects()
	})
}

// fuzzSeeds are the seed inputs of FuzzParse, besides the example matrix:
// each exercises a part of the grammar.
var fuzzSeeds = map[string]string{
	"minimal": "version: 1\n",
	"empty":   "",
	"exceptions": `version: 1
projects:
  production_project: {name: Production, protected: true}
  by_id: {id: 2}
exceptions:
  - rule: PH212
    subject: "member:dan@acme.example"
    project: production_project
    reason: incident commander rotation
    ticket: SEC-123
    expires: 2027-01-31
  - rule: key-unused
    subject: "key:*"
    reason: migration
    expires: 2026-12-01
`,
	"aliases": `access_matrix:
  bi:
    prod: &readonly
      api_key_scopes: [insight:read, "*", not-a-scope, feature_flags:write]
      can_create_flags: false
      resources: {session_recording: none, insight: viewer}
    staging: *readonly
`,
	"groups": `version: 1
organization:
  enforce_sso: any
  sso_domains: [Acme.example, acme-labs.example]
  allowed_email_domains: []
  dormant_after_days: 1
groups:
  admins: {members: ["*@acme.example"], org_level: owner, keys: [ci, ci]}
  engineering: {role: Engineering}
  nobody: {}
access_matrix:
  admins:
    production: {role: admin}
  nobody:
    staging: {role: none}
`,
	"errors": "version: 2\nprojects: [a, b]\ngroups:\n  \"\": {role: 1}\nunknown_key: true\n\taccess_matrix: x\n",
}

// TestWriteFuzzSeeds rewrites FuzzParse's seed corpus when run with
// -write-fuzz-seeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeFuzzSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite testdata/fuzz/FuzzParse")
	}
	if err := fuzzcorpus.Write(".", "FuzzParse", "example", examples.Matrix); err != nil {
		t.Fatal(err)
	}
	for name, src := range fuzzSeeds {
		if err := fuzzcorpus.Write(".", "FuzzParse", name, []byte(src)); err != nil {
			t.Fatal(err)
		}
	}
}
