package snapshot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// TestVersion1FilesStayReadable loads a real schema_version 1 file (kept
// at version 1 on purpose): every project's rows are exactly the file's,
// and writing it again gives a version 2 file that reads back the same.
func TestVersion1FilesStayReadable(t *testing.T) {
	const path = "testdata/v1/random-1.snapshot.json"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v1 struct {
		SchemaVersion int `json:"schema_version"`
		Projects      []struct {
			UsersWithAccess []posthog.UserAccess `json:"users_with_access"`
		} `json:"projects"`
	}
	if err := json.Unmarshal(raw, &v1); err != nil || v1.SchemaVersion != 1 {
		t.Fatalf("%s is not a version 1 snapshot: %v (schema_version %d)", path, err, v1.SchemaVersion)
	}
	s, err := snapshot.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for i, r := range accessRows(t, s) {
		if d := cmp.Diff(v1.Projects[i].UsersWithAccess, r); d != "" {
			t.Errorf("project %d rows (-file +loaded):\n%s", s.Projects[i].ID, d)
		}
		rows += len(r)
	}
	if rows == 0 || s.SchemaVersion != snapshot.SchemaVersion {
		t.Fatalf("%d rows, schema_version %d", rows, s.SchemaVersion)
	}
	b := marshal(t, s)
	if bytes.Contains(b, []byte(`"organization_membership_id"`)) {
		t.Errorf("the rewritten file still lists member rows verbatim")
	}
	again, err := snapshot.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(accessRows(t, s), accessRows(t, again)); d != "" {
		t.Errorf("version 2 round trip rows (-v1 +v2):\n%s", d)
	}
	if d := cmp.Diff(withoutAccess(s), withoutAccess(again)); d != "" {
		t.Errorf("version 2 round trip (-v1 +v2):\n%s", d)
	}
}

// accessRows returns the users_with_access rows of every project of s.
func accessRows(t *testing.T, s *snapshot.Snapshot) [][]posthog.UserAccess {
	t.Helper()
	r := s.AccessRows()
	out := make([][]posthog.UserAccess, len(s.Projects))
	for i := range s.Projects {
		rows, err := r.Of(&s.Projects[i])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = rows
	}
	return out
}

// withoutAccess is a copy of s without its projects' users_with_access
// (in whatever form), for comparing the rest.
func withoutAccess(s *snapshot.Snapshot) *snapshot.Snapshot {
	c := *s
	c.Projects = slices.Clone(s.Projects)
	for i := range c.Projects {
		c.Projects[i].SetUsersWithAccess(nil)
	}
	return &c
}

// TestWriteGzipByExtension: a .json.gz path is written gzip-compressed
// (atomically, mode 0600) and loads back equal; a .json path is plain
// JSON; a gzip file is recognised by its magic bytes whatever its name.
func TestWriteGzipByExtension(t *testing.T) {
	s := startAcme(t).collect(t, refNow)
	dir := t.TempDir()
	gz, plain := filepath.Join(dir, "s.json.gz"), filepath.Join(dir, "s.json")
	for _, p := range []string{gz, plain} {
		if err := snapshot.Write(p, s); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != snapshot.FileMode {
			t.Fatalf("%s: %v, mode %v", p, err, fi.Mode())
		}
		got, err := snapshot.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(marshal(t, s), marshal(t, got)) {
			t.Errorf("%s: round trip changed the snapshot", p)
		}
	}
	zb, _ := os.ReadFile(gz)
	pb, _ := os.ReadFile(plain)
	if !bytes.HasPrefix(zb, []byte{0x1f, 0x8b}) || pb[0] != '{' || len(zb) >= len(pb) {
		t.Fatalf("gz starts %x (%d bytes), plain starts %q (%d bytes)", zb[:2], len(zb), pb[:1], len(pb))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("the atomic writes left files behind: %v", entries)
	}
	misnamed := filepath.Join(dir, "gzip-inside.json")
	if err := os.WriteFile(misnamed, zb, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Load(misnamed); err != nil {
		t.Errorf("a gzip file named .json: %v", err)
	}
	// Near miss: a truncated gzip stream is an error, not a snapshot.
	if _, err := snapshot.Decode(zb[:len(zb)/2]); err == nil {
		t.Error("a truncated gzip snapshot decoded")
	}
}

// TestDecodeRefusesDoctoredAccessAsInconsistent: in a real snapshot, an
// index list doctored out of range, or listing a member twice, is refused
// as ErrInconsistent naming the project, never read as fewer rows.
func TestDecodeRefusesDoctoredAccessAsInconsistent(t *testing.T) {
	b := marshal(t, startAcme(t).collect(t, refNow))
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	// The first project's first index list.
	p := doc["projects"].([]any)[0].(map[string]any)
	uwa := p["users_with_access"].(map[string]any)
	var list map[string]any
	var source string
	for _, sources := range uwa["members"].(map[string]any) {
		for s := range sources.(map[string]any) {
			list, source = sources.(map[string]any), s
		}
	}
	if list == nil {
		t.Fatalf("no compact rows in %v", uwa)
	}
	original := list[source].(string)
	decode := func(indexes string) error {
		list[source] = indexes
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		_, err = snapshot.Decode(out)
		return err
	}
	if err := decode(original); err != nil {
		t.Fatalf("near miss, the list as written: %v", err)
	}
	first := strings.SplitN(strings.SplitN(original, ",", 2)[0], "-", 2)[0]
	for _, bad := range []string{"999", original + ",999", first + "," + original, "x"} {
		err := decode(bad)
		if !errors.Is(err, snapshot.ErrInconsistent) || !strings.Contains(err.Error(), fmt.Sprintf("project %v users_with_access", p["id"])) {
			t.Errorf("index list %q: %v, want ErrInconsistent naming the project", bad, err)
		}
	}
}
