package policies

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var updateInputGolden = flag.Bool("update-input-golden", false, "rewrite testdata/input_golden from BuildInput (TestInputGolden)")

// inputGoldenDir holds, per case, the JSON of BuildInput's document
// (<name>.json) and, for the randomized organizations, the snapshot it was
// built from (<name>.snapshot.json).
const inputGoldenDir = "testdata/input_golden"

// goldenRandomOrgs are the randomized organizations (TestCrossCheckAccessResolution's
// generator, seed 20261201) whose input is pinned beside the fuzz seeds.
const goldenRandomOrgs = 3

// goldenCase is one matrix and snapshot whose input document is pinned.
type goldenCase struct {
	name   string
	matrix []byte
	snap   *snapshot.Snapshot
}

// goldenCases are FuzzCheck's seeds (the simulated Acme on both
// deployments, with exceptions and with a section denied, a small synthetic
// organization) and a few randomized organizations checked against the
// example matrix.
func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", "FuzzCheck")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenCase
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		vals := decodeFuzzSeed(t, e.Name(), b)
		out = append(out, goldenCase{name: "seed-" + e.Name(), matrix: vals[0], snap: decodeSnapshot(t, vals[1])})
		if e.Name() == "acme" {
			out = append(out, goldenCase{name: "edge", matrix: vals[0], snap: edgeSnapshot(decodeSnapshot(t, vals[1]))})
		}
	}
	for i := range goldenRandomOrgs {
		name := "random-" + strconv.Itoa(i)
		p := filepath.Join(inputGoldenDir, name+".snapshot.json")
		if *updateInputGolden {
			writeRandomSnapshot(t, i, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run with -update-input-golden)", err)
		}
		out = append(out, goldenCase{name: name, matrix: examples.Matrix, snap: decodeSnapshot(t, b)})
	}
	return out
}

// writeRandomSnapshot collects the i-th randomized organization and writes
// its snapshot to p.
func writeRandomSnapshot(t *testing.T, i int, p string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(20261201, 7))
	var g generated
	for j := 0; j <= i; j++ {
		g = generateOrg(rng, j)
	}
	sim := posthogsim.New(g.org, posthogsim.WithDeployment(g.deployment), posthogsim.WithPageSize(1000))
	if g.explicitMembersFail {
		sim.Inject(posthogsim.Fault{Path: "/explicit_members/", Times: 1 << 20, Kind: posthogsim.Fault500})
	}
	b, err := snapshot.Marshal(collectInMemory(t, sim))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// edgeSnapshot is s (Acme) with what the other cases lack: a project named
// like another (an ambiguous matrix key), a key whose owner is no member,
// and roles that could not be read (group bindings unknown).
func edgeSnapshot(s *snapshot.Snapshot) *snapshot.Snapshot {
	twin := s.Projects[0]
	twin.ID, twin.UUID = 999999, "0190-twin"
	s.Projects = append(s.Projects, twin)
	s.APIKeys[0].UserID = 424242
	s.Roles = nil
	s.Missing = append(s.Missing, snapshot.Missing{
		Section: snapshot.SectionRoles, Endpoint: "/api/organizations/@current/roles/", Status: 403,
		Scope: "organization:read", Reason: "missing scope organization:read",
	})
	return s
}

func decodeSnapshot(t *testing.T, b []byte) *snapshot.Snapshot {
	t.Helper()
	s, err := snapshot.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// decodeFuzzSeed reads a "go test fuzz v1" file of []byte values.
func decodeFuzzSeed(t *testing.T, name string, b []byte) [][]byte {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || lines[0] != "go test fuzz v1" {
		t.Fatalf("%s: not a FuzzCheck seed", name)
	}
	var out [][]byte
	for _, l := range lines[1:] {
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(l, "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, []byte(s))
	}
	return out
}

// inputJSON returns the input document Check evaluates for the case, as
// indented JSON with sorted keys.
func inputJSON(t *testing.T, c goldenCase) []byte {
	t.Helper()
	m, err := matrix.Parse("access-matrix.yaml", c.matrix)
	if err != nil {
		t.Fatal(err)
	}
	s := c.snap
	asOf := s.CollectedAt.UTC()
	snap := s.WithKeyUses(nil)
	v, err := inputValue(snap, m.Bind(Inventory(snap), asOf), asOf)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInputGolden pins the input document the rules read (policies/INPUT.md)
// for every case: a field added, removed, renamed, or turned from absent to
// null shows here first. Run with -update-input-golden to rewrite the files
// after a deliberate change to the input contract.
func TestInputGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		got := inputJSON(t, c)
		p := filepath.Join(inputGoldenDir, c.name+".json")
		if *updateInputGolden {
			if err := os.WriteFile(p, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run with -update-input-golden)", err)
		}
		if diff := cmp.Diff(decodeJSON(t, want), decodeJSON(t, got)); diff != "" {
			t.Errorf("%s: the input document changed (-golden +now):\n%s", c.name, diff)
		}
	}
}

// decodeJSON decodes b keeping numbers exact.
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// inputValue is BuildInput's document as JSON values.
func inputValue(s *snapshot.Snapshot, b *matrix.Bound, now time.Time) (any, error) {
	in, err := BuildInput(s, b, now)
	if err != nil {
		return nil, err
	}
	v, err := toValue(in)
	if err != nil {
		return nil, err
	}
	return ast.JSON(v)
}

// TestInputToValueEqualsJSONRoundTrip holds the fast conversion of the
// whole input document equal to what its JSON encoding decodes to, so that
// omitempty and omitzero mean to the rules what they mean to encoding/json
// (and to the golden files).
func TestInputToValueEqualsJSONRoundTrip(t *testing.T) {
	for _, c := range goldenCases(t) {
		m, err := matrix.Parse("access-matrix.yaml", c.matrix)
		if err != nil {
			t.Fatal(err)
		}
		asOf := c.snap.CollectedAt.UTC()
		snap := c.snap.WithKeyUses(nil)
		in, err := BuildInput(snap, m.Bind(Inventory(snap), asOf), asOf)
		if err != nil {
			t.Fatal(err)
		}
		fast, err := toValue(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		slow, err := ast.InterfaceToValue(decodeJSON(t, b))
		if err != nil {
			t.Fatal(err)
		}
		if fast.Compare(slow) != 0 {
			t.Errorf("%s: toValue differs from the JSON round trip", c.name)
		}
	}
}
