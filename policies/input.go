package policies

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
)

// BuildInput assembles the document the rules read (policies/INPUT.md): the
// snapshot as written, section availability, the bound matrix, and the
// lookups computed once so that rules stay linear in the snapshot's size.
// now is the time the rules judge at (input.now): the snapshot's
// collected_at when checking a snapshot. A key's last use (index.keys[].use)
// is its recorded Use, else s read alone (snapshot.Snapshot.KeyUses).
func BuildInput(s *snapshot.Snapshot, b *matrix.Bound, now time.Time) (map[string]any, error) {
	snap, err := toValue(withoutAccessRows(s))
	if err != nil {
		return nil, fmt.Errorf("policy input: %w", err)
	}
	mdoc := b.Document() // a fresh copy each call: make it once
	return map[string]any{
		"now":    now.UTC().Format(time.RFC3339),
		"now_ns": now.UnixNano(),
		"org":    map[string]any{"id": s.Org.ID, "name": s.Org.Name},
		"tool": map[string]any{
			"required_scopes":        stringsToAny(snapshot.RequiredScopes),
			"known_scope_objects":    stringsToAny(matrix.ScopeObjects()),
			"internal_scope_objects": stringsToAny(matrix.InternalScopeObjects()),
		},
		"sections": sections(s),
		"snapshot": snap,
		"index":    buildIndex(s, b, mdoc),
		"matrix":   mdoc,
	}, nil
}

func sections(s *snapshot.Snapshot) map[string]any {
	out := make(map[string]any, len(snapshot.Sections))
	for _, name := range snapshot.Sections {
		out[name] = "ok"
	}
	for _, m := range s.Missing {
		switch {
		case !m.NotApplicable:
			out[m.Section] = "missing"
		case out[m.Section] == "ok":
			out[m.Section] = "not_applicable"
		}
	}
	return out
}

// withoutAccessRows returns a shallow copy of s whose projects leave out
// their users_with_access rows: input.index.users_with_access carries them
// compactly (membership id → level), and at 100,000 rows converting both
// would double the cost of a check.
func withoutAccessRows(s *snapshot.Snapshot) *snapshot.Snapshot {
	if s.Projects == nil {
		return s
	}
	c := *s
	c.Projects = make([]snapshot.Project, len(s.Projects))
	for i, p := range s.Projects {
		p.UsersWithAccess = nil
		c.Projects[i] = p
	}
	return &c
}

// orgLevel names a membership level as the matrix does.
func orgLevel(level int) string {
	switch {
	case level >= 15:
		return "owner"
	case level >= 8:
		return "admin"
	}
	return "member"
}

// buildIndex computes input.index; mdoc is b's normalized document.
func buildIndex(s *snapshot.Snapshot, b *matrix.Bound, mdoc map[string]any) map[string]any {
	rolesOf := map[string][]string{}
	for _, r := range s.Roles {
		for _, m := range r.Members {
			if m.MembershipID != "" {
				rolesOf[m.MembershipID] = append(rolesOf[m.MembershipID], r.ID)
			}
		}
	}
	members := make(map[string]any, len(s.Members))
	byUUID := make(map[string]any, len(s.Members))
	byUserID := make(map[string]any, len(s.Members))
	byEmail := make(map[string]any, len(s.Members))
	groupsByUserID := map[int64][]string{}
	profiles := map[string]any{}
	byProfile := map[string][]string{}
	for _, m := range s.Members {
		email := strings.ToLower(m.User.Email)
		roles := rolesOf[m.ID]
		sort.Strings(roles)
		groups := b.MemberGroups(email, roles)
		groupsByUserID[m.User.ID] = groups
		var lastLogin, lastLoginNS any
		if m.LastLogin != nil {
			lastLogin = m.LastLogin.UTC().Format(time.RFC3339)
			lastLoginNS = m.LastLogin.UnixNano()
		}
		// Members with the same roles and groups share a profile: they are
		// allowed the same, and the same rules apply to them.
		profile := strings.Join(roles, ",") + "|" + strings.Join(groups, ",")
		if _, ok := profiles[profile]; !ok {
			profiles[profile] = map[string]any{"roles": stringsToAny(roles), "groups": stringsToAny(groups)}
		}
		byProfile[profile] = append(byProfile[profile], m.ID)
		_, domain, _ := strings.Cut(email, "@")
		members[m.ID] = map[string]any{
			"id":              m.ID,
			"email":           email,
			"email_domain":    domain,
			"user_uuid":       m.User.UUID,
			"user_id":         m.User.ID,
			"level":           m.Level,
			"org_level":       orgLevel(m.Level),
			"groups":          stringsToAny(groups),
			"roles":           stringsToAny(roles),
			"profile":         profile,
			"joined_at":       m.JoinedAt.UTC().Format(time.RFC3339),
			"joined_at_ns":    m.JoinedAt.UnixNano(),
			"last_login":      lastLogin,
			"last_login_ns":   lastLoginNS,
			"is_2fa_enabled":  m.Is2FAEnabled,
			"has_social_auth": m.HasSocialAuth,
		}
		byUUID[m.User.UUID] = m.ID
		byUserID[strconv.FormatInt(m.User.ID, 10)] = m.ID
		byEmail[email] = m.ID
	}

	membersByProfile := make(map[string]any, len(byProfile))
	for p, ids := range byProfile {
		membersByProfile[p] = stringsToAny(ids)
	}

	// PostHog's own resolution, per project, grouped by profile and level:
	// project id → profile → level → membership ids. Grouped, a rule checks
	// each profile and level once instead of every row.
	usersWithAccess := map[string]any{}
	for _, p := range s.Projects {
		if p.UsersWithAccess == nil {
			continue
		}
		groups := map[string]map[string][]string{}
		for _, u := range p.UsersWithAccess {
			mid := u.OrganizationMembershipID
			if _, ok := members[mid]; !ok {
				// 2025 PostHog may not name the membership; the user does.
				mid, _ = byUUID[u.UserID].(string)
			}
			if mid == "" {
				continue // not an active member any more
			}
			profile := members[mid].(map[string]any)["profile"].(string)
			if groups[profile] == nil {
				groups[profile] = map[string][]string{}
			}
			groups[profile][u.AccessLevel] = append(groups[profile][u.AccessLevel], mid)
		}
		byProfile := make(map[string]any, len(groups))
		for profile, levels := range groups {
			byLevel := make(map[string]any, len(levels))
			for level, mids := range levels {
				sort.Strings(mids)
				byLevel[level] = stringsToAny(mids)
			}
			byProfile[profile] = byLevel
		}
		usersWithAccess[strconv.FormatInt(p.ID, 10)] = byProfile
	}

	mprojects, _ := mdoc["projects"].(map[string]any)
	projects := make(map[string]any, len(s.Projects))
	for _, p := range s.Projects {
		entry := map[string]any{"id": p.ID, "name": p.Name, "protected": false}
		if key, ok := b.ProjectKey(p.ID); ok {
			entry["key"] = key
			if mp, ok := mprojects[key].(map[string]any); ok {
				if prot, ok := mp["protected"].(bool); ok {
					entry["protected"] = prot
				}
			}
		}
		projects[strconv.FormatInt(p.ID, 10)] = entry
	}

	keys := make([]any, 0, len(s.APIKeys))
	uses := s.KeyUses(nil)
	for i, k := range s.APIKeys {
		var owner, ownerEmail any
		ownerGroups := []string(nil)
		if id, ok := byUserID[strconv.FormatInt(k.UserID, 10)]; ok {
			owner = id
			ownerEmail = members[id.(string)].(map[string]any)["email"]
			ownerGroups = groupsByUserID[k.UserID]
		}
		keys = append(keys, map[string]any{
			"id":          k.ID,
			"label":       k.Label,
			"source":      k.Source,
			"env":         k.Env,
			"owner":       owner,
			"owner_email": ownerEmail,
			"groups":      stringsToAny(b.KeyGroups(k.Label, ownerGroups)),
			"use":         keyUse(uses[i]),
		})
	}

	return map[string]any{
		"members":             members,
		"member_by_user_uuid": byUUID,
		"member_by_user_id":   byUserID,
		"member_by_email":     byEmail,
		"profiles":            profiles,
		"members_by_profile":  membersByProfile,
		"users_with_access":   usersWithAccess,
		"projects":            projects,
		"keys":                keys,
	}
}

// keyUse is a snapshot.KeyUse as the rules read it.
func keyUse(u snapshot.KeyUse) map[string]any {
	stamp := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return map[string]any{"status": u.Status, "at": stamp(u.At), "own": stamp(u.Own), "basis": u.Basis}
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
