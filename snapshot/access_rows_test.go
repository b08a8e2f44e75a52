package snapshot_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// TestDecodeKeepsAccessCompact: a decoded snapshot holds its projects'
// users_with_access in the file's form (no rows expanded), AccessRows
// gives exactly the collected rows, in order, and json.Marshal of the
// decoded snapshot leaves the rows out as it does for a collected one.
func TestDecodeKeepsAccessCompact(t *testing.T) {
	s := startAcme(t).collect(t, refNow)
	got, err := snapshot.Decode(marshal(t, s))
	if err != nil {
		t.Fatal(err)
	}
	want, have := s.AccessRows(), got.AccessRows()
	held := 0
	for i := range got.Projects {
		p := &got.Projects[i]
		if p.UsersWithAccess != nil {
			t.Errorf("project %d: Decode expanded %d rows", p.ID, len(p.UsersWithAccess))
		}
		if p.HasUsersWithAccess() != s.Projects[i].HasUsersWithAccess() {
			t.Fatalf("project %d: HasUsersWithAccess %v, collected %v", p.ID, p.HasUsersWithAccess(), s.Projects[i].HasUsersWithAccess())
		}
		w, err1 := want.Of(&s.Projects[i])
		g, err2 := have.Of(p)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if d := cmp.Diff(w, g); d != "" {
			t.Errorf("project %d rows (-collected +decoded):\n%s", p.ID, d)
		}
		var each []posthog.UserAccess
		if err := have.Each(p, func(u *posthog.UserAccess) { each = append(each, *u) }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(each, g) {
			t.Errorf("project %d: Each gives %d rows, Of %d", p.ID, len(each), len(g))
		}
		held += len(g)
	}
	if held == 0 {
		t.Fatal("the fixture has no users_with_access rows")
	}
	a, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"all_except"`) || strings.Contains(string(b), `"organization_membership_id"`) {
		t.Errorf("json.Marshal of a decoded snapshot carries its users_with_access")
	}
	var ja, jb map[string]any
	if json.Unmarshal(a, &ja) != nil || json.Unmarshal(b, &jb) != nil {
		t.Fatal("unparsable")
	}
	if d := cmp.Diff(ja["projects"], jb["projects"]); d != "" {
		t.Errorf("json.Marshal projects (-collected +decoded):\n%s", d)
	}
}

// TestAccessRowsBoundToDecodedMembers: the rows of a decoded snapshot are
// what the file said, whatever becomes of its Members afterwards (a member
// removed shifts every index after it, yet the rows stay), and Marshal
// then writes them against the members as they are: they read back the
// same. Near miss: a file form made by hand, which no Decode checked, is
// refused by AccessRows, Verify and Marshal's reader alike (never read as
// some rows).
func TestAccessRowsBoundToDecodedMembers(t *testing.T) {
	s := startAcme(t).collect(t, refNow)
	got, err := snapshot.Decode(marshal(t, s))
	if err != nil {
		t.Fatal(err)
	}
	p := &got.Projects[0]
	before, err := got.AccessRows().Of(p)
	if err != nil || len(before) == 0 {
		t.Fatalf("rows %d, %v", len(before), err)
	}
	got.Members = slices.Delete(slices.Clone(got.Members), 0, 1)
	after, err := got.AccessRows().Of(p)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("rows changed with the members (-before +after):\n%s", d)
	}
	b, err := snapshot.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Projects []struct {
			UsersWithAccess *snapshot.AccessFile `json:"users_with_access"`
		} `json:"projects"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if f := doc.Projects[0].UsersWithAccess; f == nil || len(f.Rows) == 0 {
		t.Errorf("the removed member's row is not kept verbatim: %+v", f)
	}

	if got, err = snapshot.Decode(marshal(t, s)); err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(); err != nil {
		t.Fatalf("a decoded snapshot does not verify: %v", err)
	}
	hand := &got.Projects[1]
	hand.SetUsersWithAccess(nil)
	hand.UsersWithAccessFile = &snapshot.AccessFile{AllExcept: &snapshot.AccessComplement{AccessLevel: "admin", AccessSource: "organization_admin"}}
	if _, err := got.AccessRows().Of(hand); !errors.Is(err, snapshot.ErrInconsistent) {
		t.Errorf("Of of a hand-made form: %v, want ErrInconsistent", err)
	}
	if err := got.AccessRows().Each(hand, func(*posthog.UserAccess) { t.Error("a row of a hand-made form") }); !errors.Is(err, snapshot.ErrInconsistent) {
		t.Errorf("Each of a hand-made form: %v, want ErrInconsistent", err)
	}
	if err := got.Verify(); err == nil || !strings.Contains(err.Error(), "a file form that no snapshot file held") {
		t.Errorf("Verify of a hand-made users_with_access form: %v", err)
	}
}
