package snapshot

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// randomAccess returns members (sorted by id, as a snapshot holds them)
// and users_with_access rows for them, most exactly a member's, some odd:
// an unknown membership id, a user_id that is not the member's uuid, a
// membership level that disagrees with the member's, a member of a level
// PostHog has no name for, an empty membership id (2025 PostHog), and,
// with open set, most members at one level and source (the complement
// form).
func randomAccess(rng *rand.Rand, open bool) ([]posthog.Member, []posthog.UserAccess) {
	n := rng.IntN(40)
	levels := []int{1, 1, 1, 8, 15, 5}
	members := make([]posthog.Member, n)
	for i := range members {
		members[i] = posthog.Member{
			ID:    fmt.Sprintf("m-%03d", rng.IntN(1000)),
			User:  posthog.UserBasic{UUID: fmt.Sprintf("u-%03d", rng.IntN(1000))},
			Level: levels[rng.IntN(len(levels))],
		}
	}
	sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
	accessLevels := []string{"none", "member", "admin", ""}
	sources := []string{"default", "explicit_member", "explicit_role", "organization_admin", "creator"}
	var rows []posthog.UserAccess
	for _, m := range members {
		if rng.IntN(5) == 0 {
			continue // no row for this member
		}
		name, _ := membershipLevelName(m.Level)
		r := posthog.UserAccess{UserID: m.User.UUID, AccessLevel: accessLevels[rng.IntN(len(accessLevels))],
			AccessSource: sources[rng.IntN(len(sources))], OrganizationMembershipID: m.ID, OrganizationMembershipLevel: name}
		if open && rng.IntN(10) > 0 {
			r.AccessLevel, r.AccessSource = "member", "default"
		}
		switch rng.IntN(12) {
		case 0:
			r.OrganizationMembershipID = "m-gone"
		case 1:
			r.UserID = "u-other" + m.User.UUID
		case 2:
			r.OrganizationMembershipLevel = "owner"
		case 3:
			r.OrganizationMembershipID = ""
		}
		if r.AccessSource == "organization_admin" && r.OrganizationMembershipLevel == "member" {
			r.AccessSource = "explicit_member" // PostHog never writes that row (TestAccessFileRefusesOrganizationAdminBelowAdmin)
		}
		rows = append(rows, r)
	}
	for range rng.IntN(3) {
		rows = append(rows, posthog.UserAccess{UserID: fmt.Sprintf("u-%03d", rng.IntN(1000)), AccessLevel: "member", AccessSource: "default"})
	}
	if rng.IntN(4) > 0 {
		// collected rows are sorted by user_id; unsorted ones (and
		// repeats) must round-trip too
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].UserID < rows[j].UserID })
	}
	return members, rows
}

// TestAccessFileRoundTrip: any rows, odd ones included, come back exactly
// (order too) through the file form and its JSON.
func TestAccessFileRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 5))
	compact, complements := 0, 0
	for i := range 3000 {
		members, rows := randomAccess(rng, i%3 == 0)
		if i%50 == 0 {
			rows = nil // not collected
		}
		index := map[string]int{}
		for j, m := range members {
			index[m.ID] = j
		}
		f := compactAccess(rows, members, index)
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var back *AccessFile
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		got, err := newAccessExpander(members).expand(back)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, b)
		}
		if rows == nil && got != nil || rows != nil && got == nil {
			t.Fatalf("case %d: nil-ness changed: %v → %v", i, rows == nil, got == nil)
		}
		if d := cmp.Diff(rows, got); d != "" {
			t.Fatalf("case %d: round trip changed the rows (-want +got):\n%s\nfile: %s", i, d, b)
		}
		if f != nil && len(f.Members) > 0 {
			compact++
		}
		if f != nil && f.AllExcept != nil {
			complements++
		}
	}
	if compact < 1000 || complements < 100 {
		t.Errorf("the random rows exercised the compact form %d times and the complement %d times", compact, complements)
	}
}

// TestAccessFileCompactsMembersRows: rows exactly a member's are stored as
// indexes (no membership id in the file), odd ones verbatim.
func TestAccessFileCompactsMembersRows(t *testing.T) {
	members := []posthog.Member{
		{ID: "m-a", User: posthog.UserBasic{UUID: "u-3"}, Level: 1},
		{ID: "m-b", User: posthog.UserBasic{UUID: "u-2"}, Level: 8},
		{ID: "m-c", User: posthog.UserBasic{UUID: "u-1"}, Level: 1},
		{ID: "m-d", User: posthog.UserBasic{UUID: "u-4"}, Level: 1},
	}
	index := map[string]int{"m-a": 0, "m-b": 1, "m-c": 2, "m-d": 3}
	rows := []posthog.UserAccess{
		{UserID: "u-1", AccessLevel: "member", AccessSource: "default", OrganizationMembershipID: "m-c", OrganizationMembershipLevel: "member"},
		{UserID: "u-2", AccessLevel: "admin", AccessSource: "organization_admin", OrganizationMembershipID: "m-b", OrganizationMembershipLevel: "admin"},
		{UserID: "u-3", AccessLevel: "member", AccessSource: "default", OrganizationMembershipID: "m-a", OrganizationMembershipLevel: "admin"}, // level disagrees
		{UserID: "u-4", AccessLevel: "member", AccessSource: "default", OrganizationMembershipID: "m-d", OrganizationMembershipLevel: "member"},
	}
	f := compactAccess(rows, members, index)
	b, _ := json.Marshal(f)
	want := `{"members":{"admin":{"organization_admin":"1"},"member":{"default":"2-3"}},"rows":[{"user_id":"u-3","access_level":"member","access_source":"default","organization_membership_id":"m-a","organization_membership_level":"admin"}],"member_count":4,"member_sha256":"` + membersDigest(members) + `"}`
	if string(b) != want {
		t.Errorf("file form\n got %s\nwant %s", b, want)
	}
	// Three of four at member/default: the complement form.
	rows[2].OrganizationMembershipLevel = "member"
	rows[1].AccessLevel, rows[1].AccessSource = "member", "default"
	rows = append(rows[:0:0], rows[1:]...) // u-1 (m-c) has no row
	b, _ = json.Marshal(compactAccess(rows, members, index))
	if want := `{"all_except":{"access_level":"member","access_source":"default","members":"2"},"member_count":4,"member_sha256":"` + membersDigest(members) + `"}`; string(b) != want {
		t.Errorf("complement form\n got %s\nwant %s", b, want)
	}
}

// TestAccessFileRefusesDoctoredIndexes: an index list that cannot be
// expanded is an error, never a row dropped.
func TestAccessFileRefusesDoctoredIndexes(t *testing.T) {
	members := []posthog.Member{
		{ID: "m-a", User: posthog.UserBasic{UUID: "u-1"}, Level: 1},
		{ID: "m-b", User: posthog.UserBasic{UUID: "u-2"}, Level: 1},
		{ID: "m-c", User: posthog.UserBasic{UUID: "u-3"}, Level: 5},
	}
	row := posthog.UserAccess{UserID: "u-1", AccessLevel: "member", AccessSource: "default", OrganizationMembershipID: "m-a", OrganizationMembershipLevel: "member"}
	ok := AccessFile{Members: map[string]map[string]string{"member": {"default": "0-1"}}}
	if _, err := newAccessExpander(members).expand(&ok); err != nil {
		t.Fatalf("near miss: %v", err)
	}
	for name, f := range map[string]AccessFile{
		"out of range":        {Members: map[string]map[string]string{"member": {"default": "3"}}},
		"range out of range":  {Members: map[string]map[string]string{"member": {"default": "0-3"}}},
		"twice in a list":     {Members: map[string]map[string]string{"member": {"default": "0,0"}}},
		"descending":          {Members: map[string]map[string]string{"member": {"default": "1,0"}}},
		"overlapping ranges":  {Members: map[string]map[string]string{"member": {"default": "0-1,1"}}},
		"in two groups":       {Members: map[string]map[string]string{"member": {"default": "0"}, "admin": {"default": "0"}}},
		"in the complement":   {AllExcept: &AccessComplement{AccessLevel: "none", AccessSource: "default", Members: "2"}, Members: map[string]map[string]string{"member": {"default": "0"}}},
		"a verbatim repeat":   {Members: map[string]map[string]string{"member": {"default": "0"}}, Rows: []posthog.UserAccess{row}},
		"no PostHog level":    {Members: map[string]map[string]string{"member": {"default": "2"}}},
		"leading zero":        {Members: map[string]map[string]string{"member": {"default": "01"}}},
		"not a number":        {Members: map[string]map[string]string{"member": {"default": "x"}}},
		"empty part":          {Members: map[string]map[string]string{"member": {"default": "0,,1"}}},
		"negative":            {Members: map[string]map[string]string{"member": {"default": "-1"}}},
		"complement too wide": {AllExcept: &AccessComplement{AccessLevel: "none", AccessSource: "default", Members: "0-5"}},
	} {
		if rows, err := newAccessExpander(members).expand(&f); err == nil {
			t.Errorf("%s: expanded to %v, want an error", name, rows)
		}
	}
}

// TestAccessFileRefusesOrganizationAdminBelowAdmin: a member index in an
// organization_admin group, or a verbatim row, giving that source to a
// membership of level member is refused; for an admin or owner it reads.
func TestAccessFileRefusesOrganizationAdminBelowAdmin(t *testing.T) {
	members := []posthog.Member{
		{ID: "m-a", User: posthog.UserBasic{UUID: "u-1"}, Level: 1},
		{ID: "m-b", User: posthog.UserBasic{UUID: "u-2"}, Level: 8},
		{ID: "m-c", User: posthog.UserBasic{UUID: "u-3"}, Level: 15},
	}
	admins := func(indexes string) *AccessFile {
		return &AccessFile{Members: map[string]map[string]string{"admin": {"organization_admin": indexes}}}
	}
	if _, err := newAccessExpander(members).expand(admins("1-2")); err != nil {
		t.Errorf("near miss, an admin and an owner: %v", err)
	}
	if _, err := newAccessExpander(members).expand(admins("0-2")); err == nil {
		t.Error("organization_admin for a member expanded")
	}
	row := posthog.UserAccess{UserID: "u-9", AccessLevel: "admin", AccessSource: "organization_admin", OrganizationMembershipLevel: "member"}
	if _, err := newAccessExpander(members).expand(&AccessFile{Rows: []posthog.UserAccess{row}}); err == nil {
		t.Error("a verbatim organization_admin row for a member expanded")
	}
	row.OrganizationMembershipLevel = "owner"
	if _, err := newAccessExpander(members).expand(&AccessFile{Rows: []posthog.UserAccess{row}}); err != nil {
		t.Errorf("near miss, a verbatim row for an owner: %v", err)
	}
}
