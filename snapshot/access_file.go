package snapshot

import (
	"bytes"
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
// Decode expands an AccessFile back into exactly the rows it was made from,
// sorted by user_id, and refuses (ErrInconsistent) one that cannot be: an
// index out of range, a member listed twice (in two groups, in a group and
// its complement's exceptions, or as a row of Rows with the same user_id),
// a malformed index list.
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
}

// UnmarshalJSON reads an AccessFile, or a version-1 users_with_access list
// of rows as an AccessFile holding them verbatim (see upgrade.go).
func (f *AccessFile) UnmarshalJSON(b []byte) error {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		var rows []posthog.UserAccess
		if err := json.Unmarshal(b, &rows); err != nil {
			return err
		}
		*f = AccessFile{Rows: nonNilRows(rows)}
		return nil
	}
	type plain AccessFile // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*f = AccessFile(p)
	if f.Rows == nil {
		f.Rows = []posthog.UserAccess{}
	}
	return nil
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
	return f
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

// accessExpander expands the AccessFiles of one snapshot's projects. It
// holds what every project shares: the members in user uuid order, their
// level names, and a slot per member reused from project to project.
type accessExpander struct {
	members []posthog.Member
	byUUID  []int32  // member indexes sorted by user uuid (stable)
	levels  []string // organization_membership_level of each member; "" when PostHog has no such level
	slot    []int32  // per member: 1 + the group holding it in the current project, 0 for none
}

func newAccessExpander(members []posthog.Member) *accessExpander {
	x := &accessExpander{members: members, slot: make([]int32, len(members)), levels: make([]string, len(members))}
	x.byUUID = make([]int32, len(members))
	for i := range members {
		x.byUUID[i] = int32(i)
		x.levels[i], _ = membershipLevelName(members[i].Level)
	}
	slices.SortStableFunc(x.byUUID, func(a, b int32) int {
		return strings.Compare(members[a].User.UUID, members[b].User.UUID)
	})
	return x
}

type accessGroup struct{ level, source string }

// expand returns f's rows, sorted by user_id, or an error saying why f is
// inconsistent with the snapshot's members.
func (x *accessExpander) expand(f *AccessFile) ([]posthog.UserAccess, error) {
	if f == nil {
		return nil, nil
	}
	n := len(x.members)
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
			return nil, fmt.Errorf("all_except: %w", err)
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
				return nil, fmt.Errorf("members.%s.%s: %w", level, source, err)
			}
		}
	}
	rows := make([]posthog.UserAccess, 0, count+len(f.Rows))
	verbatim := f.Rows
	for _, i := range x.byUUID {
		g := x.slot[i]
		if g == 0 {
			continue
		}
		m := &x.members[i]
		if x.levels[i] == "" {
			return nil, fmt.Errorf("member index %d has membership level %d, which no PostHog row names", i, m.Level)
		}
		for len(verbatim) > 0 && verbatim[0].UserID < m.User.UUID {
			rows = append(rows, verbatim[0])
			verbatim = verbatim[1:]
		}
		grp := groups[g-1]
		rows = append(rows, posthog.UserAccess{
			UserID:                      m.User.UUID,
			AccessLevel:                 grp.level,
			AccessSource:                grp.source,
			OrganizationMembershipID:    m.ID,
			OrganizationMembershipLevel: x.levels[i],
		})
	}
	rows = append(rows, verbatim...)
	if len(f.Members) > 0 || f.AllExcept != nil {
		// The compact form is written only for rows strictly ascending by
		// user_id; a repeat means a member listed twice or a verbatim row
		// duplicating one.
		for i := 1; i < len(rows); i++ {
			if rows[i-1].UserID >= rows[i].UserID {
				return nil, fmt.Errorf("user %q has two rows, or rows are not sorted by user_id", rows[i].UserID)
			}
		}
	}
	return rows, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// expandAccess replaces every project's UsersWithAccessFile of s, just
// decoded, by its UsersWithAccess rows. A project whose file form does not
// expand gets no rows (an empty list) and the first such project is the
// error, which Decode refuses the snapshot with: first, unless the members
// list is empty or null, when every index is out of range and Verify names
// the cause (the members list emptied, or a record of it forged).
func (s *Snapshot) expandAccess() error {
	var x *accessExpander
	var first error
	for i := range s.Projects {
		p := &s.Projects[i]
		if p.UsersWithAccessFile == nil {
			p.UsersWithAccess = nil
			continue
		}
		if x == nil {
			x = newAccessExpander(s.Members)
		}
		rows, err := x.expand(p.UsersWithAccessFile)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("%w: project %d users_with_access: %v", ErrInconsistent, p.ID, err)
			}
			rows = []posthog.UserAccess{}
		}
		p.UsersWithAccess, p.UsersWithAccessFile = rows, nil
	}
	return first
}

// fileForm returns a shallow copy of s whose projects carry their
// users_with_access in the file's form.
func (s *Snapshot) fileForm() *Snapshot {
	c := *s
	c.SchemaVersion = SchemaVersion
	if s.Projects == nil {
		return &c
	}
	index := make(map[string]int, len(s.Members))
	for i, m := range s.Members {
		index[m.ID] = i
	}
	c.Projects = make([]Project, len(s.Projects))
	for i, p := range s.Projects {
		p.UsersWithAccessFile = compactAccess(p.UsersWithAccess, s.Members, index)
		c.Projects[i] = p
	}
	return &c
}

// gzipMagic starts every gzip stream (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

func isGzip(b []byte) bool { return bytes.HasPrefix(b, gzipMagic) }
