package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// AccessFile is a project's users_with_access rows as a snapshot file of
// schema version 2 stores them. A row that is exactly what PostHog answers
// for a member of the snapshot — its organization_membership_id is the
// member's id, its user_id the member's user uuid, its
// organization_membership_level the member's level by name ("member",
// "admin", "owner", as PostHog's OrganizationMembership.Level(...).name
// .lower() writes it) — is stored as that member's index in the snapshot's
// members array, grouped by access level and access source; every other row
// is kept verbatim in Rows. A project where most members share one level
// and source stores that group as its complement (AllExcept).
//
// Indexes, not membership ids: a membership id is a 36-character uuid, an
// index one to five digits, and runs of consecutive indexes are written as
// a range; at 50,000 members × 300 projects the ids alone would take ~70 MB
// of the file. An index list is a string ("0-2499,2612,2700-2710":
// ascending, each index once, inclusive ranges) so that the indented file
// does not put every number on a line of its own.
//
// An index means something only against the exact members array it was
// written against, so a form with indexes names that array: MemberCount
// and MemberSHA256 (membersDigest) of the members' ids, user uuids and
// levels in order. Members reordered (sorted by email, say), added,
// removed or edited after the file was written would make every index
// name another member; Decode refuses such a file (ErrInconsistent)
// instead.
//
// Decode expands an AccessFile back into exactly the rows it was made from,
// sorted by user_id, and refuses (ErrInconsistent) one that cannot be: an
// index out of range, a member listed twice (in two groups, in a group and
// its complement's exceptions, or as a row of Rows with the same user_id),
// a malformed index list, indexes without the digest of the members they
// index or with another one, a row whose access_source is
// organization_admin for a membership below admin (PostHog's
// get_access_source_for_object gives that source to admins and owners
// only). An AccessFile object with a key it does not have, or a key twice,
// is refused too: a misspelt "members" would otherwise read as no access.
type AccessFile struct {
	// Members maps an access level to an access source to the index list of
	// the members holding that level from that source.
	Members map[string]map[string]string `json:"members,omitempty"`
	// AllExcept, when present, gives its level and source to every member
	// of the snapshot except those of its index list.
	AllExcept *AccessComplement `json:"all_except,omitempty"`
	// Rows are the rows the compact form cannot reproduce, verbatim and
	// sorted by user_id.
	Rows []posthog.UserAccess `json:"rows,omitempty"`
	// MemberCount and MemberSHA256 name the members array the indexes of
	// Members and AllExcept are positions in: its length and its
	// membersDigest. Written with every form that has indexes, required
	// on one that has.
	MemberCount  int    `json:"member_count,omitempty"`
	MemberSHA256 string `json:"member_sha256,omitempty"`

	// table is set by Decode once the form is checked: the members it
	// indexes, as the file had them (AccessRows).
	table *accessTable
}

// UnmarshalJSON reads an AccessFile, or a version-1 users_with_access list
// of rows as an AccessFile holding them verbatim (see upgrade.go). The
// object's keys, and all_except's, must be exactly theirs, each once, and
// a row's keys UserAccess's: *AccessFileError otherwise.
func (f *AccessFile) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		var rows []posthog.UserAccess
		if err := json.Unmarshal(b, &rows); err != nil {
			return err
		}
		*f = AccessFile{Rows: nonNilRows(rows)}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // in rows: a row has only UserAccess's keys
	var p AccessFile
	err := strictObject(dec, "users_with_access", func(key string) error {
		switch key {
		case "members":
			m, err := readMembersGroups(dec)
			p.Members = m
			return err
		case "all_except":
			c, err := readComplement(dec)
			p.AllExcept = c
			return err
		case "rows":
			return dec.Decode(&p.Rows)
		case "member_count":
			return dec.Decode(&p.MemberCount)
		case "member_sha256":
			return dec.Decode(&p.MemberSHA256)
		}
		return &AccessFileError{fmt.Sprintf("users_with_access has an unknown key %q (it has members, all_except, rows, member_count, member_sha256; a key misspelt would read as no access)", key)}
	})
	if err != nil {
		return err
	}
	*f = p
	if f.Rows == nil {
		f.Rows = []posthog.UserAccess{}
	}
	return nil
}

// AccessFileError is an AccessFile object that is not one: a key it does
// not have, a key twice, a value of the wrong kind.
type AccessFileError struct{ msg string }

func (e *AccessFileError) Error() string { return e.msg }

// strictObject reads the JSON object that dec is at (null: nothing),
// calling field for each key with dec at its value, which field must
// read; a key twice is an *AccessFileError naming where (what).
func strictObject(dec *json.Decoder, what string, field func(key string) error) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('{') {
		return &AccessFileError{fmt.Sprintf("%s is %v, not an object", what, describeToken(t))}
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key := t.(string) // the decoder gives only string keys
		if seen[key] {
			return &AccessFileError{fmt.Sprintf("%s has the key %q twice", what, key)}
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	_, err = dec.Token() // '}'
	return err
}

func describeToken(t json.Token) string {
	switch t.(type) {
	case json.Delim:
		if t == json.Delim('[') {
			return "an array"
		}
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprint(t)
}

// readMembersGroups reads AccessFile.Members: level → source → index
// list, each key once.
func readMembersGroups(dec *json.Decoder) (map[string]map[string]string, error) {
	var out map[string]map[string]string
	err := strictObject(dec, "users_with_access.members", func(level string) error {
		if out == nil {
			out = map[string]map[string]string{}
		}
		sources := map[string]string{}
		out[level] = sources
		return strictObject(dec, "users_with_access.members."+level, func(source string) error {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			s, ok := t.(string)
			if !ok {
				return &AccessFileError{fmt.Sprintf("users_with_access.members.%s.%s is %s, not an index list", level, source, describeToken(t))}
			}
			sources[source] = s
			return nil
		})
	})
	return out, err
}

// readComplement reads AccessFile.AllExcept, with exactly its three keys.
func readComplement(dec *json.Decoder) (*AccessComplement, error) {
	var c *AccessComplement
	keys := 0
	err := strictObject(dec, "users_with_access.all_except", func(key string) error {
		if c == nil {
			c = &AccessComplement{}
		}
		keys++
		var dst *string
		switch key {
		case "access_level":
			dst = &c.AccessLevel
		case "access_source":
			dst = &c.AccessSource
		case "members":
			dst = &c.Members
		default:
			return &AccessFileError{fmt.Sprintf("users_with_access.all_except has an unknown key %q (it has access_level, access_source, members)", key)}
		}
		t, err := dec.Token()
		if err != nil {
			return err
		}
		s, ok := t.(string)
		if !ok {
			return &AccessFileError{fmt.Sprintf("users_with_access.all_except.%s is %s, not a string", key, describeToken(t))}
		}
		*dst = s
		return nil
	})
	if err == nil && c != nil && keys != 3 {
		return nil, &AccessFileError{"users_with_access.all_except needs all of access_level, access_source and members"}
	}
	return c, err
}

// MarshalJSON writes f, except a form Decode keeps as a project's rows
// (bound to the members it read): that one is the rows themselves, which
// the snapshot's JSON form leaves out (null, as for Project.UsersWithAccess;
// the rules read them from input.index), and Marshal writes a fresh
// compaction of them instead.
func (f AccessFile) MarshalJSON() ([]byte, error) {
	if f.table != nil {
		return []byte("null"), nil
	}
	type plain AccessFile // without this method
	return json.Marshal(plain(f))
}

func nonNilRows(rows []posthog.UserAccess) []posthog.UserAccess {
	if rows == nil {
		return []posthog.UserAccess{}
	}
	return rows
}

// AccessComplement is AccessFile.AllExcept.
type AccessComplement struct {
	AccessLevel  string `json:"access_level"`
	AccessSource string `json:"access_source"`
	// Members is the index list of the members the group leaves out.
	Members string `json:"members"`
}

// membershipLevelName is the organization_membership_level PostHog writes
// for a membership level; ok is false for a level PostHog does not have.
func membershipLevelName(level int) (name string, ok bool) {
	switch level {
	case 1:
		return "member", true
	case 8:
		return "admin", true
	case 15:
		return "owner", true
	}
	return "", false
}

// compactAccess returns rows in the file's form, given the snapshot's
// members by membership id (their index in the members array). Rows that
// are not strictly ascending by user_id (never the case in a collected
// snapshot) are all kept verbatim, so that the file reproduces their order.
func compactAccess(rows []posthog.UserAccess, members []posthog.Member, index map[string]int) *AccessFile {
	if rows == nil {
		return nil
	}
	f := &AccessFile{}
	sorted := true
	for i := 1; i < len(rows); i++ {
		if rows[i-1].UserID >= rows[i].UserID {
			sorted = false
			break
		}
	}
	if !sorted {
		f.Rows = rows
		return f
	}
	type group struct{ level, source string }
	groups := map[group][]int{}
	for _, r := range rows {
		i, ok := index[r.OrganizationMembershipID]
		if ok {
			m := members[i]
			name, known := membershipLevelName(m.Level)
			ok = known && r.UserID == m.User.UUID && r.OrganizationMembershipLevel == name
		}
		if !ok {
			f.Rows = append(f.Rows, r)
			continue
		}
		g := group{r.AccessLevel, r.AccessSource}
		groups[g] = append(groups[g], i)
	}
	for g, idx := range groups {
		sort.Ints(idx)
		if 2*len(idx) > len(members) {
			// Every index is distinct (user_ids are, and each member has
			// one uuid), so the complement is what is left.
			f.AllExcept = &AccessComplement{AccessLevel: g.level, AccessSource: g.source, Members: formatIndexes(complement(idx, len(members)))}
			continue
		}
		if f.Members == nil {
			f.Members = map[string]map[string]string{}
		}
		if f.Members[g.level] == nil {
			f.Members[g.level] = map[string]string{}
		}
		f.Members[g.level][g.source] = formatIndexes(idx)
	}
	if len(f.Members) > 0 || f.AllExcept != nil {
		f.MemberCount, f.MemberSHA256 = len(members), membersDigest(members)
	}
	return f
}

// membersDigest is the hex SHA-256 that names a members array in an
// AccessFile: of, for each member in order, its membership id and its
// user uuid, each as its length in bytes in decimal, ':' and its bytes,
// then its level in decimal and '\n' ("4:m-01" "3:u-1" "8\n" …), so that
// no two arrays share one. It covers what the expansion of an index reads
// from the member: the row's organization_membership_id, user_id and
// organization_membership_level.
func membersDigest(members []posthog.Member) string {
	h := sha256.New()
	var b []byte
	for i := range members {
		m := &members[i]
		b = b[:0]
		b = strconv.AppendInt(b, int64(len(m.ID)), 10)
		b = append(b, ':')
		b = append(b, m.ID...)
		b = strconv.AppendInt(b, int64(len(m.User.UUID)), 10)
		b = append(b, ':')
		b = append(b, m.User.UUID...)
		b = strconv.AppendInt(b, int64(m.Level), 10)
		b = append(b, '\n')
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// complement returns the indexes below n that sorted idx lacks.
func complement(idx []int, n int) []int {
	out := make([]int, 0, n-len(idx))
	j := 0
	for i := range n {
		if j < len(idx) && idx[j] == i {
			j++
			continue
		}
		out = append(out, i)
	}
	return out
}

// formatIndexes writes ascending distinct indexes as an index list.
func formatIndexes(idx []int) string {
	var b strings.Builder
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(idx[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(idx[j]))
		}
		i = j + 1
	}
	return b.String()
}

// errIndexList describes a malformed index list.
var errIndexList = errors.New("malformed member index list")

// eachIndex calls fn with every index of the list s in order, refusing a
// malformed list, an index not below n, and one not above its predecessor.
func eachIndex(s string, n int, fn func(int) error) error {
	if s == "" {
		return nil
	}
	prev := -1
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := parseIndex(lo)
		if err != nil {
			return err
		}
		b := a
		if isRange {
			if b, err = parseIndex(hi); err != nil {
				return err
			}
			if b <= a {
				return fmt.Errorf("%w: range %q does not ascend", errIndexList, part)
			}
		}
		if a <= prev {
			return fmt.Errorf("%w: %q is not above the index before it (each member once, ascending)", errIndexList, part)
		}
		if b >= n {
			return fmt.Errorf("member index %d is out of range (the snapshot has %d members)", b, n)
		}
		for i := a; i <= b; i++ {
			if err := fn(i); err != nil {
				return err
			}
		}
		prev = b
	}
	return nil
}

// parseIndex parses one decimal index: digits only, no sign, no leading
// zero.
func parseIndex(s string) (int, error) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%w: %q is not an index", errIndexList, s)
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q is not an index", errIndexList, s)
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// accessTable is what the AccessFiles of one snapshot's projects share:
// its members as Decode read them (user uuid, membership id, level name),
// and their indexes in user uuid order. It is never changed once made, so
// the rows a file form stands for stay what the file said whatever later
// becomes of the snapshot's Members.
type accessTable struct {
	uuids  []string
	ids    []string
	levels []string // organization_membership_level of each member; "" when PostHog has no such level
	mlevel []int    // each member's membership level, for errors
	byUUID []int32  // member indexes sorted by user uuid (stable)
	digest string   // membersDigest of the members
}

// bound checks that f's indexes are positions in t's members: that f
// names them by their count and digest. A form without indexes needs no
// name; one it has must be right all the same.
func (t *accessTable) bound(f *AccessFile) error {
	indexes := len(f.Members) > 0 || f.AllExcept != nil
	if !indexes && f.MemberCount == 0 && f.MemberSHA256 == "" {
		return nil
	}
	if f.MemberSHA256 == "" {
		return errors.New("member indexes without member_count and member_sha256, which name the members array they are positions in")
	}
	if f.MemberCount != len(t.uuids) || f.MemberSHA256 != t.digest {
		return fmt.Errorf("the member indexes were written against %d members (member_sha256 %s), but the snapshot's members are %d (%s): the members array was reordered, edited, or had members added or removed after the file was written, and the indexes would name other members", f.MemberCount, short(f.MemberSHA256), len(t.uuids), short(t.digest))
	}
	return nil
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12] + "…"
	}
	return digest
}

func newAccessTable(members []posthog.Member) *accessTable {
	n := len(members)
	t := &accessTable{uuids: make([]string, n), ids: make([]string, n), levels: make([]string, n), mlevel: make([]int, n), byUUID: make([]int32, n)}
	for i := range members {
		t.uuids[i], t.ids[i], t.mlevel[i] = members[i].User.UUID, members[i].ID, members[i].Level
		t.levels[i], _ = membershipLevelName(members[i].Level)
		t.byUUID[i] = int32(i)
	}
	slices.SortStableFunc(t.byUUID, func(a, b int32) int {
		return strings.Compare(t.uuids[a], t.uuids[b])
	})
	t.digest = membersDigest(members)
	return t
}

// accessExpander expands AccessFiles against one accessTable, with a slot
// per member reused from project to project; it is not safe for
// concurrent use.
type accessExpander struct {
	t    *accessTable
	slot []int32 // per member: 1 + the group holding it in the current project, 0 for none
}

func newAccessExpander(members []posthog.Member) *accessExpander {
	return &accessExpander{t: newAccessTable(members), slot: make([]int32, len(members))}
}

type accessGroup struct{ level, source string }

// sourceOrganizationAdmin is the access_source PostHog's
// get_access_source_for_object (posthog/rbac/user_access_control.py)
// answers for a membership of level admin or above that did not create
// the object, and for no other.
const sourceOrganizationAdmin = "organization_admin"

// expand returns f's rows, sorted by user_id, or an error saying why f is
// inconsistent with the snapshot's members.
func (x *accessExpander) expand(f *AccessFile) ([]posthog.UserAccess, error) {
	if f == nil {
		return nil, nil
	}
	var rows []posthog.UserAccess
	err := x.walk(f, func(n int) { rows = make([]posthog.UserAccess, 0, n) }, func(u *posthog.UserAccess) {
		rows = append(rows, *u)
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// walk calls fn with each of f's rows in user_id order (size first, with
// their number), or returns an error saying why f is inconsistent with
// the snapshot's members; fn may have seen some rows by then. The row fn
// gets is valid during the call only.
func (x *accessExpander) walk(f *AccessFile, size func(int), fn func(*posthog.UserAccess)) error {
	n := len(x.t.uuids)
	clear(x.slot)
	var groups []accessGroup
	count := 0
	if c := f.AllExcept; c != nil {
		groups = append(groups, accessGroup{c.AccessLevel, c.AccessSource})
		for i := range x.slot {
			x.slot[i] = 1
		}
		count = n
		err := eachIndex(c.Members, n, func(i int) error {
			x.slot[i] = 0
			count--
			return nil
		})
		if err != nil {
			return fmt.Errorf("all_except: %w", err)
		}
	}
	// Levels and sources in a fixed order, so that an error names the same
	// group every time.
	for _, level := range sortedKeys(f.Members) {
		for _, source := range sortedKeys(f.Members[level]) {
			groups = append(groups, accessGroup{level, source})
			g := int32(len(groups))
			err := eachIndex(f.Members[level][source], n, func(i int) error {
				if x.slot[i] != 0 {
					return fmt.Errorf("member index %d is listed twice", i)
				}
				x.slot[i] = g
				count++
				return nil
			})
			if err != nil {
				return fmt.Errorf("members.%s.%s: %w", level, source, err)
			}
		}
	}
	size(count + len(f.Rows))
	// The compact form is written only for rows strictly ascending by
	// user_id; a repeat means a member listed twice or a verbatim row
	// duplicating one.
	compact := len(f.Members) > 0 || f.AllExcept != nil
	prev, started := "", false
	emit := func(u *posthog.UserAccess) error {
		if compact && started && prev >= u.UserID {
			return fmt.Errorf("user %q has two rows, or rows are not sorted by user_id", u.UserID)
		}
		if u.AccessSource == sourceOrganizationAdmin && u.OrganizationMembershipLevel == "member" {
			return fmt.Errorf("user %q has access_source organization_admin with organization_membership_level member: PostHog gives that source to organization admins and owners only", u.UserID)
		}
		prev, started = u.UserID, true
		fn(u)
		return nil
	}
	verbatim := f.Rows
	var row posthog.UserAccess
	for _, i := range x.t.byUUID {
		g := x.slot[i]
		if g == 0 {
			continue
		}
		if x.t.levels[i] == "" {
			return fmt.Errorf("member index %d has membership level %d, which no PostHog row names", i, x.t.mlevel[i])
		}
		uuid := x.t.uuids[i]
		for len(verbatim) > 0 && verbatim[0].UserID < uuid {
			if err := emit(&verbatim[0]); err != nil {
				return err
			}
			verbatim = verbatim[1:]
		}
		grp := groups[g-1]
		row = posthog.UserAccess{
			UserID:                      uuid,
			AccessLevel:                 grp.level,
			AccessSource:                grp.source,
			OrganizationMembershipID:    x.t.ids[i],
			OrganizationMembershipLevel: x.t.levels[i],
		}
		if err := emit(&row); err != nil {
			return err
		}
	}
	for i := range verbatim {
		if err := emit(&verbatim[i]); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkAccess checks every project's UsersWithAccessFile of s, just
// decoded, against s's members, and keeps it, bound to those members
// (accessTable), as the project's rows: read them with AccessRows.
// Expanding 50,000 members × 300 projects into rows would take ~140 MB.
// A project whose file form does not expand gets no rows (an empty list
// in UsersWithAccess, its file form dropped) and the first such project
// is the error, which Decode refuses the snapshot with: first, unless the
// members list is empty or null, when every index is out of range and
// Verify names the cause (the members list emptied, or a record of it
// forged).
func (s *Snapshot) checkAccess() error {
	var x *accessExpander
	var first error
	for i := range s.Projects {
		p := &s.Projects[i]
		p.UsersWithAccess = nil
		f := p.UsersWithAccessFile
		if f == nil {
			continue
		}
		if x == nil {
			x = newAccessExpander(s.Members)
		}
		err := x.t.bound(f)
		if err == nil {
			err = x.walk(f, func(int) {}, func(*posthog.UserAccess) {})
		}
		if err != nil {
			if first == nil {
				first = fmt.Errorf("%w: project %d users_with_access: %v", ErrInconsistent, p.ID, err)
			}
			p.UsersWithAccess, p.UsersWithAccessFile = []posthog.UserAccess{}, nil
			continue
		}
		f.table = x.t
	}
	return first
}

// HasUsersWithAccess reports whether p holds its users_with_access, as
// rows (UsersWithAccess) or in the file's form as Decode read it
// (UsersWithAccessFile): false when they were not collected.
func (p *Project) HasUsersWithAccess() bool {
	return p.UsersWithAccess != nil || p.UsersWithAccessFile != nil
}

// SetUsersWithAccess makes rows p's users_with_access (nil: not
// collected), dropping the file form Decode kept.
func (p *Project) SetUsersWithAccess(rows []posthog.UserAccess) {
	p.UsersWithAccess, p.UsersWithAccessFile = rows, nil
}

// AccessRows reads projects' users_with_access rows: a project's
// UsersWithAccess when it holds them, else its file form as Decode read it
// against the snapshot's members of then. One reader serves the projects
// of one snapshot; it is not safe for concurrent use.
type AccessRows struct {
	x *accessExpander
}

// AccessRows returns a reader of s's projects' users_with_access rows.
func (s *Snapshot) AccessRows() *AccessRows { return &AccessRows{} }

// Of returns p's rows, sorted by user_id; nil when p has none
// (HasUsersWithAccess is false). The error is a file form that Decode did
// not read and check (one made by hand).
func (r *AccessRows) Of(p *Project) ([]posthog.UserAccess, error) {
	if p.UsersWithAccess != nil || p.UsersWithAccessFile == nil {
		return p.UsersWithAccess, nil
	}
	x, err := r.expander(p)
	if err != nil {
		return nil, err
	}
	rows, err := x.expand(p.UsersWithAccessFile)
	if err != nil {
		return nil, fmt.Errorf("%w: project %d users_with_access: %v", ErrInconsistent, p.ID, err)
	}
	return rows, nil
}

// Each calls fn with each of p's rows in user_id order, without making
// the list: the row is valid during the call only. Errors as Of's; fn may
// have seen some rows by then.
func (r *AccessRows) Each(p *Project, fn func(*posthog.UserAccess)) error {
	if p.UsersWithAccess != nil || p.UsersWithAccessFile == nil {
		for i := range p.UsersWithAccess {
			fn(&p.UsersWithAccess[i])
		}
		return nil
	}
	x, err := r.expander(p)
	if err != nil {
		return err
	}
	if err := x.walk(p.UsersWithAccessFile, func(int) {}, fn); err != nil {
		return fmt.Errorf("%w: project %d users_with_access: %v", ErrInconsistent, p.ID, err)
	}
	return nil
}

func (r *AccessRows) expander(p *Project) (*accessExpander, error) {
	t := p.UsersWithAccessFile.table
	if t == nil {
		return nil, fmt.Errorf("%w: project %d users_with_access: a file form that no snapshot file held", ErrInconsistent, p.ID)
	}
	if r.x == nil || r.x.t != t {
		r.x = &accessExpander{t: t, slot: make([]int32, len(t.uuids))}
	}
	return r.x, nil
}

// fileForm returns a shallow copy of s whose projects carry their
// users_with_access in the file's form, its members sorted by id (the
// order the indexes are positions in; a collected snapshot's already). Two
// members with one id are an error: Decode refuses such a file.
func (s *Snapshot) fileForm() (*Snapshot, error) {
	c := *s
	c.SchemaVersion = SchemaVersion
	if err := checkMemberOrder(s.Members); err != nil {
		c.Members = slices.Clone(s.Members)
		slices.SortStableFunc(c.Members, func(a, b posthog.Member) int { return strings.Compare(a.ID, b.ID) })
		if err := checkMemberOrder(c.Members); err != nil {
			return nil, err
		}
	}
	if s.Projects == nil {
		return &c, nil
	}
	index := make(map[string]int, len(c.Members))
	for i, m := range c.Members {
		index[m.ID] = i
	}
	c.Projects = make([]Project, len(s.Projects))
	rows := s.AccessRows()
	for i, p := range s.Projects {
		if p.UsersWithAccess == nil && p.UsersWithAccessFile != nil {
			// Decoded: compacted again from its rows against the
			// members as they are now. A form without rows to give (made
			// by hand) is written as it is, for Decode to judge.
			if us, err := rows.Of(&p); err == nil {
				p.UsersWithAccess = us
			}
		}
		if p.UsersWithAccess != nil {
			p.UsersWithAccessFile = compactAccess(p.UsersWithAccess, c.Members, index)
		}
		p.UsersWithAccess = nil
		c.Projects[i] = p
	}
	return &c, nil
}

// checkMemberOrder refuses members that are not strictly ascending by
// membership id, as the collection writes them (sorted by id; PostHog's
// list is verified distinct by id): the order the users_with_access
// indexes are positions in.
func checkMemberOrder(members []posthog.Member) error {
	for i := 1; i < len(members); i++ {
		switch a, b := members[i-1].ID, members[i].ID; {
		case a == b:
			return fmt.Errorf("%w: members: membership id %q is listed twice", ErrInconsistent, b)
		case a > b:
			return fmt.Errorf("%w: members are not sorted by membership id (%q at index %d follows %q), as hogaudit writes them", ErrInconsistent, b, i, a)
		}
	}
	return nil
}

// gzipMagic starts every gzip stream (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

func isGzip(b []byte) bool { return bytes.HasPrefix(b, gzipMagic) }
