package snapshot_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot"
)

// acmeDoc is a collected Acme snapshot as written, and as a JSON document
// to edit; redecode writes the document back and decodes it.
func acmeDoc(t *testing.T) ([]byte, map[string]any) {
	t.Helper()
	b := marshal(t, startAcme(t).collect(t, refNow))
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return b, doc
}

func redecode(t *testing.T, doc map[string]any) error {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = snapshot.Decode(b)
	return err
}

func members(doc map[string]any) []any { return doc["members"].([]any) }

// TestDecodeRefusesMembersTheIndexesDoNotName: users_with_access indexes
// are positions in the members array as written; members reordered (by
// email, as jq's sort_by would), removed, with two users swapped, or with
// a level edited would make them name other members, so each is refused
// as ErrInconsistent — never loaded with other people's access.
func TestDecodeRefusesMembersTheIndexesDoNotName(t *testing.T) {
	_, doc := acmeDoc(t)
	if err := redecode(t, doc); err != nil {
		t.Fatalf("near miss, the file as written: %v", err)
	}
	original := slices.Clone(members(doc))
	email := func(m any) string { return m.(map[string]any)["user"].(map[string]any)["email"].(string) }
	id := func(m any) string { return m.(map[string]any)["id"].(string) }
	for name, c := range map[string]struct {
		edit func([]any) []any
		want string
	}{
		"sorted by email": {func(ms []any) []any {
			slices.SortFunc(ms, func(a, b any) int { return strings.Compare(email(a), email(b)) })
			return ms
		}, "not sorted by membership id"},
		"a member removed": {func(ms []any) []any { return slices.Delete(ms, 3, 4) }, "reordered, edited, or had members added or removed"},
		"two users swapped": {func(ms []any) []any {
			a, b := ms[0].(map[string]any), ms[1].(map[string]any)
			a["user"], b["user"] = b["user"], a["user"]
			return ms
		}, "reordered, edited"},
		"a level edited": {func(ms []any) []any {
			for _, m := range ms {
				if m := m.(map[string]any); m["level"].(float64) == 1 {
					m["level"] = float64(15)
					break
				}
			}
			return ms
		}, "reordered, edited"},
		"a member listed twice": {func(ms []any) []any { return slices.Insert(ms, 1, ms[1]) }, "listed twice"},
	} {
		ms := c.edit(cloneMembers(original))
		if len(ms) > 1 && name == "sorted by email" && id(ms[0]) == id(original[0]) && id(ms[1]) == id(original[1]) {
			t.Fatalf("sorting by email left the order as it was")
		}
		doc["members"] = ms
		err := redecode(t, doc)
		if !errors.Is(err, snapshot.ErrInconsistent) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrInconsistent saying %q", name, err, c.want)
		}
	}
	// Near miss: the members sorted back by id read as written.
	ms := cloneMembers(original)
	slices.SortFunc(ms, func(a, b any) int { return strings.Compare(email(a), email(b)) })
	slices.SortFunc(ms, func(a, b any) int { return strings.Compare(id(a), id(b)) })
	doc["members"] = ms
	if err := redecode(t, doc); err != nil {
		t.Errorf("near miss, members sorted back by id: %v", err)
	}

	// The indexes without the name of their members, or with a count that
	// is not theirs.
	uwa := doc["projects"].([]any)[0].(map[string]any)["users_with_access"].(map[string]any)
	sum, count := uwa["member_sha256"], uwa["member_count"]
	delete(uwa, "member_sha256")
	delete(uwa, "member_count")
	if err := redecode(t, doc); !errors.Is(err, snapshot.ErrInconsistent) || !strings.Contains(err.Error(), "without member_count and member_sha256") {
		t.Errorf("indexes without member_sha256: %v", err)
	}
	uwa["member_sha256"], uwa["member_count"] = sum, count.(float64)+1
	if err := redecode(t, doc); !errors.Is(err, snapshot.ErrInconsistent) {
		t.Errorf("a member_count off by one: %v", err)
	}
	uwa["member_count"] = count
	if err := redecode(t, doc); err != nil {
		t.Errorf("near miss, member_count restored: %v", err)
	}
}

func cloneMembers(ms []any) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		c := map[string]any{}
		for k, v := range m.(map[string]any) {
			c[k] = v
		}
		out[i] = c
	}
	return out
}

// TestMarshalSortsMembersById: a snapshot built with members out of order
// is written in id order, its indexes against that order, and reads back
// with the same rows; two members with one id cannot be written.
func TestMarshalSortsMembersById(t *testing.T) {
	s := startAcme(t).collect(t, refNow)
	want := accessRows(t, s)
	shuffled := *s
	shuffled.Members = slices.Clone(s.Members)
	slices.Reverse(shuffled.Members)
	back, err := snapshot.Decode(marshal(t, &shuffled))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Members) != len(s.Members) {
		t.Fatalf("members %d → %d", len(s.Members), len(back.Members))
	}
	for i := range back.Members {
		if back.Members[i].ID != s.Members[i].ID {
			t.Fatalf("member %d is %s, want %s (sorted by id)", i, back.Members[i].ID, s.Members[i].ID)
		}
	}
	got := accessRows(t, back)
	for i := range want {
		if !slices.Equal(want[i], got[i]) {
			t.Errorf("project %d rows changed through a shuffled members array", s.Projects[i].ID)
		}
	}
	shuffled.Members = append(shuffled.Members, shuffled.Members[0])
	if _, err := snapshot.Marshal(&shuffled); !errors.Is(err, snapshot.ErrInconsistent) {
		t.Errorf("two members with one id marshaled: %v", err)
	}
}

// TestDecodeRefusesASecondSchemaVersion: encoding/json takes the last of
// repeated keys and matches keys regardless of case, so a second
// schema_version, in any case, is refused rather than read past the one
// the document was judged by.
func TestDecodeRefusesASecondSchemaVersion(t *testing.T) {
	b, _ := acmeDoc(t)
	if _, err := snapshot.Decode(b); err != nil {
		t.Fatalf("near miss: %v", err)
	}
	end := bytes.LastIndexByte(b, '}')
	appendKey := func(kv string) []byte {
		return append(append(slices.Clone(b[:end]), ","+kv...), b[end:]...)
	}
	v1 := bytes.Replace(b, []byte(`"schema_version": 2`), []byte(`"schema_version": 1`), 1)
	for name, doc := range map[string][]byte{
		"a second, newer":      appendKey(`"schema_version": 3`),
		"a case variant":       appendKey(`"Schema_Version": 3`),
		"the same one twice":   appendKey(`"schema_version": 2`),
		"a null second":        appendKey(`"schema_version": null`),
		"1 first, then 2":      append(append(slices.Clone(v1[:end]), `,"schema_version": 2`...), v1[end:]...),
		"not first, repeated":  append([]byte(`{"SCHEMA_VERSION": 3,`), b[1:]...),
		"not first, one twice": append([]byte(`{"org": {"id": "x"}, `), appendKey(`"schema_version": 1`)[1:]...),
	} {
		_, err := snapshot.Decode(doc)
		if !errors.Is(err, snapshot.ErrSchemaVersion) && (err == nil || !strings.Contains(err.Error(), "schema_version")) {
			t.Errorf("%s: %v, want a refusal naming schema_version", name, err)
		}
	}
	// Near miss: schema_version not first (the two-pass path), once.
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	sorted, _ := json.Marshal(doc) // keys sorted: schema_version is not first
	if _, err := snapshot.Decode(sorted); err != nil {
		t.Errorf("near miss, schema_version once but not first: %v", err)
	}
}

// TestDecodeRefusesUnknownAccessKeys: a users_with_access object with a
// key it does not have (a misspelt "members" would read as no access), a
// key in another case, a key twice, or an unknown key in all_except or a
// row, is refused naming the key; the file as written loads.
func TestDecodeRefusesUnknownAccessKeys(t *testing.T) {
	b, _ := acmeDoc(t)
	at := bytes.Index(b, []byte(`"users_with_access": {`))
	if at < 0 {
		t.Fatal("no compact users_with_access in the file")
	}
	open := at + len(`"users_with_access": {`)
	insert := func(s string) []byte { return append(append(slices.Clone(b[:open]), s...), b[open:]...) }
	for name, c := range map[string]struct {
		doc  []byte
		want string
	}{
		"misspelt members": {bytes.Replace(b, []byte(`"users_with_access": {
        "members"`), []byte(`"users_with_access": {
        "membres"`), 1), `unknown key "membres"`},
		"members in another case": {insert(`"Members": {},`), `unknown key "Members"`},
		"members twice":           {insert(`"members": {},`), `"members" twice`},
		"a level twice":           {insert(`"members": {"member": {"default": ""}, "member": {"default": ""}},`), `"member" twice`},
		"all_except's extra key":  {insert(`"all_except": {"access_level": "member", "access_source": "default", "members": "", "except": "0"},`), `unknown key "except"`},
		"all_except incomplete":   {insert(`"all_except": {"access_level": "member", "access_source": "default"},`), "needs all of"},
		"a row's extra key":       {insert(`"rows": [{"user_id": "u", "access_level": "member", "access_source": "default", "note": 1}],`), `unknown field "note"`},
		"an index list a number":  {insert(`"all_except": {"access_level": "member", "access_source": "default", "members": 0},`), "not a string"},
	} {
		_, err := snapshot.Decode(c.doc)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
	if _, err := snapshot.Decode(b); err != nil {
		t.Errorf("near miss: %v", err)
	}
}

// TestDecodeRefusesOrganizationAdminBelowAdmin: PostHog answers
// access_source organization_admin for admins and owners only
// (get_access_source_for_object); a row giving it to a member is refused,
// in a version-1 file as in a compact one.
func TestDecodeRefusesOrganizationAdminBelowAdmin(t *testing.T) {
	const path = "testdata/v1/random-1.snapshot.json"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var row map[string]any
	for _, p := range doc["projects"].([]any) {
		for _, r := range p.(map[string]any)["users_with_access"].([]any) {
			if r := r.(map[string]any); r["access_source"] == "organization_admin" && row == nil {
				row = r
			}
		}
	}
	if row == nil {
		t.Fatal("no organization_admin row in the v1 file")
	}
	level := row["organization_membership_level"]
	row["organization_membership_level"] = "member"
	if err := redecode(t, doc); !errors.Is(err, snapshot.ErrInconsistent) || !strings.Contains(err.Error(), "organization_admin with organization_membership_level member") {
		t.Errorf("organization_admin for a member: %v", err)
	}
	// Near miss: the row as PostHog wrote it, for an admin or owner.
	row["organization_membership_level"] = level
	if err := redecode(t, doc); err != nil {
		t.Errorf("near miss, organization_admin for an %v: %v", level, err)
	}
}

// TestGzipSnapshotTrailingData: bytes after the gzip stream's end — fewer
// than a gzip header, more, or a second stream — are named as trailing
// data, never "unexpected EOF"; the stream alone loads.
func TestGzipSnapshotTrailingData(t *testing.T) {
	b, _ := acmeDoc(t)
	zb, err := snapshot.Compress("s.json.gz", b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Decode(zb); err != nil {
		t.Fatalf("near miss, the stream alone: %v", err)
	}
	for _, tail := range [][]byte{[]byte("x"), []byte("garbage\n"), bytes.Repeat([]byte("z"), 40), zb} {
		_, err := snapshot.Decode(append(slices.Clone(zb), tail...))
		if err == nil || !strings.Contains(err.Error(), "trailing data after the compressed snapshot") {
			t.Errorf("%d trailing bytes: %v", len(tail), err)
		}
	}
}
