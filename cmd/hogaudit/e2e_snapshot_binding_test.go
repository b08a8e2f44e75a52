package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot"
)

// TestCheckRefusesReorderedMembers: the demo's snapshot with its members
// sorted by email (as `jq '.members |= sort_by(.user.email)'` writes it)
// would, read by position, drop the critical PH212 for dan and make
// bi-bot, a plain member, an organization admin; check refuses it (exit
// 2, naming the cause, no findings). Near miss: the file as written gives
// the PH212.
func TestCheckRefusesReorderedMembers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	path := demoSnapshot(t, h)
	check := func(p string) result {
		return h.run("check", "--snapshot", p, "--matrix", h.path("access-matrix.yaml"), "--format", "json")
	}
	asWritten := check(path)
	if rep := decodeReport(t, []byte(asWritten.stdout)); !rep.has("PH212", "member:dan@acme.example", "production_project") {
		t.Fatalf("near miss: the demo snapshot's check has no PH212 for dan (exit %d):\n%s", asWritten.code, asWritten.stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	email := func(m any) string { return m.(map[string]any)["user"].(map[string]any)["email"].(string) }
	ms := doc["members"].([]any)
	slices.SortFunc(ms, func(a, b any) int { return strings.Compare(email(a), email(b)) })
	out, _ := json.Marshal(doc)
	res := check(writeTemp(t, h.dir, "sorted-by-email.json", string(out)))
	if res.code != 2 || !strings.Contains(res.stderr, "not sorted by membership id") || strings.Contains(res.stdout, `"findings"`) {
		t.Errorf("members sorted by email: exit %d\nstdout: %.300s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
}

// TestCheckReadsVersion1AndVersion2Alike: the same collection written as
// a version-1 file (every row listed) and as a version-2 file (compact)
// gives the same check JSON, generated_at aside.
func TestCheckReadsVersion1AndVersion2Alike(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	v2 := demoSnapshot(t, h)
	s, err := snapshot.Load(v2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(v2)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schema_version"] != float64(2) {
		t.Fatalf("the demo wrote schema_version %v", doc["schema_version"])
	}
	// Version 1: users_with_access as the list of rows.
	doc["schema_version"] = 1
	rows := s.AccessRows()
	listed := 0
	for i, p := range doc["projects"].([]any) {
		us, err := rows.Of(&s.Projects[i])
		if err != nil {
			t.Fatal(err)
		}
		p.(map[string]any)["users_with_access"] = us
		listed += len(us)
	}
	if listed == 0 {
		t.Fatal("the demo snapshot has no users_with_access rows")
	}
	out, _ := json.Marshal(doc)
	v1 := filepath.Join(t.TempDir(), filepath.Base(v2))
	if err := os.WriteFile(v1, out, 0o600); err != nil {
		t.Fatal(err)
	}
	report := func(p string) map[string]any {
		res := h.run("check", "--snapshot", p, "--matrix", h.path("access-matrix.yaml"), "--format", "json")
		if res.code != 1 {
			t.Fatalf("check %s: exit %d\n%s", p, res.code, res.stderr)
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
			t.Fatal(err)
		}
		delete(r, "generated_at")
		return r
	}
	r1, r2 := report(v1), report(v2)
	if d := cmp.Diff(r1, r2); d != "" {
		t.Errorf("check JSON (-v1 +v2):\n%s", d)
	}
	if len(r2["findings"].([]any)) == 0 {
		t.Error("no findings to compare")
	}
}
