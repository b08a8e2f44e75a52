package policies

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// Input is the document every rule reads as input (policies/INPUT.md): the
// snapshot as written, section availability, the bound matrix, and the
// lookups computed once so that rules stay linear in the snapshot's size.
// Its JSON names are the contract with the rules; input.schema.json, which
// the compiler type-checks every rule against, is generated from these
// types (TestInputSchemaUpToDate). Lists the document always has are [],
// never null.
type Input struct {
	// Now is the time the rules judge at, RFC 3339 in UTC; NowNS the same
	// in nanoseconds since the epoch.
	Now   string   `json:"now"`
	NowNS int64    `json:"now_ns"`
	Org   InputOrg `json:"org"`
	Tool  Tool     `json:"tool"`
	// Sections says, for every section name, "ok", "missing" or
	// "not_applicable".
	Sections Sections `json:"sections"`
	// Snapshot is the snapshot as written (snapshot/schema.json), except
	// that its projects' users_with_access is always null: the rows are in
	// Index.UsersWithAccess, and the model keeps them out of the
	// snapshot's JSON form (snapshot.Project.UsersWithAccess).
	Snapshot *snapshot.Snapshot `json:"snapshot"`
	Index    Index              `json:"index"`
	Matrix   MatrixDoc          `json:"matrix"`
	// Drift is the drift since the previous snapshot (drift.Report's JSON),
	// absent without one (CheckInput.Drift).
	Drift *drift.Report `json:"drift,omitempty"`
}

// InputOrg is input.org: the organization the snapshot describes.
type InputOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Tool is input.tool: what hogaudit knows of PostHog's API scopes.
type Tool struct {
	// RequiredScopes are the read scopes hogaudit needs
	// (snapshot.RequiredScopes).
	RequiredScopes []string `json:"required_scopes"`
	// KnownScopeObjects are the objects a personal API key may hold a
	// scope on (matrix.ScopeObjects); InternalScopeObjects those no
	// personal API key can hold (matrix.InternalScopeObjects).
	KnownScopeObjects    []string `json:"known_scope_objects"`
	InternalScopeObjects []string `json:"internal_scope_objects"`
}

// Section states (input.sections).
const (
	SectionOK            = "ok"
	SectionMissing       = "missing"
	SectionNotApplicable = "not_applicable"
)

// Sections is input.sections: the state of every section of
// snapshot.Sections.
type Sections map[string]string

// Index is input.index: lookups computed once from the snapshot and the
// matrix, keyed by PostHog's ids as strings.
type Index struct {
	// Members are the members by membership id.
	Members map[string]IndexMember `json:"members"`
	// MemberByUserUUID, MemberByUserID and MemberByEmail give a member's
	// membership id by its user's uuid, numeric id and email (lower case).
	MemberByUserUUID map[string]string `json:"member_by_user_uuid"`
	MemberByUserID   map[string]string `json:"member_by_user_id"`
	MemberByEmail    map[string]string `json:"member_by_email"`
	// Profiles are the distinct (roles, groups) pairs of members, by
	// profile key; MembersByProfile their members' membership ids.
	Profiles         map[string]Profile  `json:"profiles"`
	MembersByProfile map[string][]string `json:"members_by_profile"`
	// UsersWithAccess is PostHog's own resolution, for projects whose rows
	// were collected: project id → profile key → access level → membership
	// ids, sorted.
	UsersWithAccess map[string]map[string]map[string][]string `json:"users_with_access"`
	// Projects are the snapshot's projects by id, with their matrix key.
	Projects map[string]IndexProject `json:"projects"`
	// Keys are the snapshot's personal API keys, in snapshot order.
	Keys []IndexKey `json:"keys"`
}

// IndexMember is input.index.members[membership id].
type IndexMember struct {
	ID string `json:"id"`
	// Email is lower case; EmailDomain is what follows its last "@" ("" when
	// it has none).
	Email       string `json:"email"`
	EmailDomain string `json:"email_domain"`
	UserUUID    string `json:"user_uuid"`
	UserID      int64  `json:"user_id"`
	// Level is PostHog's membership level (1, 8, 15); OrgLevel its name as
	// the matrix writes it: "member", "admin" or "owner".
	Level    int    `json:"level"`
	OrgLevel string `json:"org_level"`
	// Groups are the matrix groups the member is in, Roles its PostHog
	// role ids, both sorted; Profile its key into Index.Profiles.
	Groups     []string `json:"groups"`
	Roles      []string `json:"roles"`
	Profile    string   `json:"profile"`
	JoinedAt   string   `json:"joined_at"`
	JoinedAtNS int64    `json:"joined_at_ns"`
	// LastLogin and LastLoginNS are null when the member never logged in.
	LastLogin     *string `json:"last_login"`
	LastLoginNS   *int64  `json:"last_login_ns"`
	Is2FAEnabled  bool    `json:"is_2fa_enabled"`
	HasSocialAuth bool    `json:"has_social_auth"`
}

// Profile is input.index.profiles[key]: members with the same roles and
// groups share a profile, because they are allowed the same.
type Profile struct {
	Roles  []string `json:"roles"`
	Groups []string `json:"groups"`
}

// IndexProject is input.index.projects[project id].
type IndexProject struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Key is the matrix project key bound to the project; absent when none
	// is. Protected is that key's protected setting.
	Key       string `json:"key,omitempty"`
	Protected bool   `json:"protected"`
}

// IndexKey is one entry of input.index.keys.
type IndexKey struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Source string `json:"source"`
	Env    string `json:"env"`
	// Owner and OwnerEmail name the member owning the key; null when its
	// user is no member.
	Owner      *string `json:"owner"`
	OwnerEmail *string `json:"owner_email"`
	// Groups are the key's matrix groups (matrix.Bound.KeyGroups).
	Groups []string `json:"groups"`
	Use    KeyUse   `json:"use"`
}

// KeyUse is a key's last use by anyone but hogaudit (snapshot.KeyUse), its
// times RFC 3339 with nanoseconds, null when unknown.
type KeyUse struct {
	Status string  `json:"status"`
	At     *string `json:"at"`
	Own    *string `json:"own"`
	Basis  string  `json:"basis"`
}

// BuildInput assembles the document the rules read. now is the time the
// rules judge at (input.now): the snapshot's collected_at when checking a
// snapshot. A key's last use (index.keys[].use) is its recorded Use, else s
// read alone (snapshot.Snapshot.KeyUses). The error is a project's
// users_with_access that does not fit the snapshot's members
// (snapshot.AccessRows).
func BuildInput(s *snapshot.Snapshot, b *matrix.Bound, now time.Time) (*Input, error) {
	mdoc := matrixDoc(b)
	members := indexMembers(s, b)
	access, err := usersWithAccess(s, members)
	if err != nil {
		return nil, err
	}
	return &Input{
		Now:   now.UTC().Format(time.RFC3339),
		NowNS: now.UnixNano(),
		Org:   InputOrg{ID: s.Org.ID, Name: s.Org.Name},
		Tool: Tool{
			RequiredScopes:       nonNil(snapshot.RequiredScopes),
			KnownScopeObjects:    nonNil(matrix.ScopeObjects()),
			InternalScopeObjects: nonNil(matrix.InternalScopeObjects()),
		},
		Sections: sections(s),
		Snapshot: s,
		Index: Index{
			Members:          members,
			MemberByUserUUID: memberByUserUUID(s),
			MemberByUserID:   memberByUserID(s),
			MemberByEmail:    memberByEmail(s, members),
			Profiles:         profiles(s, members),
			MembersByProfile: membersByProfile(s, members),
			UsersWithAccess:  access,
			Projects:         indexProjects(s, b),
			Keys:             indexKeys(s, b, members),
		},
		Matrix: mdoc,
	}, nil
}

func sections(s *snapshot.Snapshot) Sections {
	out := make(Sections, len(snapshot.Sections))
	for _, name := range snapshot.Sections {
		out[name] = SectionOK
	}
	for _, m := range s.Missing {
		switch {
		case !m.NotApplicable:
			out[m.Section] = SectionMissing
		case out[m.Section] == SectionOK:
			out[m.Section] = SectionNotApplicable
		}
	}
	return out
}

// orgLevel names a PostHog membership level as the matrix does: "owner"
// from 15, "admin" from 8, else "member".
func orgLevel(level int) string {
	switch {
	case level >= 15:
		return matrix.LevelOwner
	case level >= 8:
		return matrix.LevelAdmin
	}
	return matrix.LevelMember
}

// profileKey is the key of the profile of members with roles and groups
// (both sorted).
func profileKey(roles, groups []string) string {
	return strings.Join(roles, ",") + "|" + strings.Join(groups, ",")
}

// indexMembers is input.index.members: every member with its matrix
// groups, roles and profile.
func indexMembers(s *snapshot.Snapshot, b *matrix.Bound) map[string]IndexMember {
	rolesOf := map[string][]string{}
	for _, r := range s.Roles {
		for _, m := range r.Members {
			if m.MembershipID != "" {
				rolesOf[m.MembershipID] = append(rolesOf[m.MembershipID], r.ID)
			}
		}
	}
	out := make(map[string]IndexMember, len(s.Members))
	for _, m := range s.Members {
		email := strings.ToLower(m.User.Email)
		roles := nonNil(rolesOf[m.ID])
		sort.Strings(roles)
		groups := b.MemberGroups(email, roles)
		domain := ""
		if at := strings.LastIndex(email, "@"); at >= 0 {
			domain = email[at+1:] // a quoted local part may hold an @ too
		}
		im := IndexMember{
			ID:            m.ID,
			Email:         email,
			EmailDomain:   domain,
			UserUUID:      m.User.UUID,
			UserID:        m.User.ID,
			Level:         m.Level,
			OrgLevel:      orgLevel(m.Level),
			Groups:        groups,
			Roles:         roles,
			Profile:       profileKey(roles, groups),
			JoinedAt:      m.JoinedAt.UTC().Format(time.RFC3339),
			JoinedAtNS:    m.JoinedAt.UnixNano(),
			Is2FAEnabled:  m.Is2FAEnabled,
			HasSocialAuth: m.HasSocialAuth,
		}
		if m.LastLogin != nil {
			at, ns := m.LastLogin.UTC().Format(time.RFC3339), m.LastLogin.UnixNano()
			im.LastLogin, im.LastLoginNS = &at, &ns
		}
		out[m.ID] = im
	}
	return out
}

// memberByUserUUID is input.index.member_by_user_uuid.
func memberByUserUUID(s *snapshot.Snapshot) map[string]string {
	out := make(map[string]string, len(s.Members))
	for _, m := range s.Members {
		out[m.User.UUID] = m.ID
	}
	return out
}

// memberByUserID is input.index.member_by_user_id, keyed by the decimal id.
func memberByUserID(s *snapshot.Snapshot) map[string]string {
	out := make(map[string]string, len(s.Members))
	for _, m := range s.Members {
		out[strconv.FormatInt(m.User.ID, 10)] = m.ID
	}
	return out
}

// memberByEmail is input.index.member_by_email, keyed by the lower-cased
// email.
func memberByEmail(s *snapshot.Snapshot, members map[string]IndexMember) map[string]string {
	out := make(map[string]string, len(s.Members))
	for _, m := range s.Members {
		out[members[m.ID].Email] = m.ID
	}
	return out
}

// profiles is input.index.profiles.
func profiles(s *snapshot.Snapshot, members map[string]IndexMember) map[string]Profile {
	out := map[string]Profile{}
	for _, m := range s.Members {
		im := members[m.ID]
		if _, ok := out[im.Profile]; !ok {
			out[im.Profile] = Profile{Roles: im.Roles, Groups: im.Groups}
		}
	}
	return out
}

// membersByProfile is input.index.members_by_profile, each list in
// snapshot order (by membership id).
func membersByProfile(s *snapshot.Snapshot, members map[string]IndexMember) map[string][]string {
	out := map[string][]string{}
	for _, m := range s.Members {
		p := members[m.ID].Profile
		out[p] = append(out[p], m.ID)
	}
	return out
}

// usersWithAccess is input.index.users_with_access: PostHog's own
// resolution per project, grouped by profile and level (project id →
// profile → level → membership ids), so that a rule checks each profile
// and level once instead of every row. A row names its membership, or on
// 2025 PostHog only its user; a row of no active member is left out.
func usersWithAccess(s *snapshot.Snapshot, members map[string]IndexMember) (map[string]map[string]map[string][]string, error) {
	byUUID := memberByUserUUID(s)
	rows := s.AccessRows()
	out := map[string]map[string]map[string][]string{}
	for i := range s.Projects {
		p := &s.Projects[i]
		if !p.HasUsersWithAccess() {
			continue
		}
		groups := map[string]map[string][]string{}
		err := rows.Each(p, func(u *posthog.UserAccess) {
			mid := u.OrganizationMembershipID
			m, ok := members[mid]
			if !ok {
				if mid = byUUID[u.UserID]; mid == "" {
					return // not an active member any more
				}
				m = members[mid]
			}
			profile := m.Profile
			if groups[profile] == nil {
				groups[profile] = map[string][]string{}
			}
			groups[profile][u.AccessLevel] = append(groups[profile][u.AccessLevel], mid)
		})
		if err != nil {
			return nil, err
		}
		for _, levels := range groups {
			for _, mids := range levels {
				sort.Strings(mids)
			}
		}
		out[strconv.FormatInt(p.ID, 10)] = groups
	}
	return out, nil
}

// indexProjects is input.index.projects.
func indexProjects(s *snapshot.Snapshot, b *matrix.Bound) map[string]IndexProject {
	protected := map[string]bool{}
	for _, pb := range b.Projects() {
		protected[pb.Key] = pb.Protected
	}
	out := make(map[string]IndexProject, len(s.Projects))
	for _, p := range s.Projects {
		ip := IndexProject{ID: p.ID, Name: p.Name}
		if key, ok := b.ProjectKey(p.ID); ok {
			ip.Key, ip.Protected = key, protected[key]
		}
		out[strconv.FormatInt(p.ID, 10)] = ip
	}
	return out
}

// indexKeys is input.index.keys: each key with its owner, groups and last
// use.
func indexKeys(s *snapshot.Snapshot, b *matrix.Bound, members map[string]IndexMember) []IndexKey {
	byUserID := memberByUserID(s)
	uses := s.KeyUses(nil)
	out := make([]IndexKey, 0, len(s.APIKeys))
	for i, k := range s.APIKeys {
		ik := IndexKey{ID: k.ID, Label: k.Label, Source: k.Source, Env: k.Env, Use: keyUse(uses[i])}
		var ownerGroups []string
		if id, ok := byUserID[strconv.FormatInt(k.UserID, 10)]; ok {
			owner := members[id]
			ik.Owner, ik.OwnerEmail = &owner.ID, &owner.Email
			ownerGroups = owner.Groups
		}
		ik.Groups = b.KeyGroups(k.Label, ownerGroups)
		out = append(out, ik)
	}
	return out
}

// keyUse is a snapshot.KeyUse as the rules read it.
func keyUse(u snapshot.KeyUse) KeyUse {
	stamp := func(t *time.Time) *string {
		if t == nil {
			return nil
		}
		s := t.UTC().Format(time.RFC3339Nano)
		return &s
	}
	return KeyUse{Status: u.Status, At: stamp(u.At), Own: stamp(u.Own), Basis: u.Basis}
}
