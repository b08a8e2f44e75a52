package drift

import (
	"fmt"
	"strings"

	"github.com/hogaudit/hogaudit/snapshot"
)

// roles compares the RBAC roles, keyed by id, and their memberships, keyed
// by the member (roleKey: a role membership removed and made again for the
// same organization member is no change).
// PostHog does not log role memberships: an added one carries its
// joined_at (FromRoleJoinedAt) when that falls between the snapshots.
func (c *comparer) roles() {
	if c.sectionGap(snapshot.SectionRoles, c.old.Roles != nil, c.new.Roles != nil) {
		return
	}
	olds := map[string]snapshot.Role{}
	for _, r := range c.old.Roles {
		olds[r.ID] = r
	}
	news := map[string]snapshot.Role{}
	for _, r := range c.new.Roles {
		news[r.ID] = r
	}
	for _, r := range c.new.Roles {
		o, ok := olds[r.ID]
		if !ok {
			c.add(Change{Kind: KindRoleAdded, Subject: "role:" + r.Name, After: r.Name,
				Message: fmt.Sprintf("role %s was added", r.Name)})
		} else if o.Name != r.Name {
			c.add(Change{Kind: KindRoleRenamed, Subject: "role:" + r.Name, Field: "name", Before: o.Name, After: r.Name,
				Message: fmt.Sprintf("role %s was renamed %s", o.Name, r.Name)})
		}
		c.roleMembers(r.Name, o.Members, r.Members)
	}
	for _, o := range c.old.Roles {
		if _, ok := news[o.ID]; ok {
			continue
		}
		c.add(Change{Kind: KindRoleRemoved, Subject: "role:" + o.Name, Before: o.Name,
			Message: fmt.Sprintf("role %s was removed", o.Name)})
		c.roleMembers(o.Name, o.Members, nil)
	}
}

// roleKey is the one identity of a role membership's member in snapshot s:
// its organization membership id — the role member's own, else the one s's
// member list (then the other snapshot's) gives its user uuid, else its
// email — then "user:UUID", "email:EMAIL", and last the role membership's
// id. Keying every member the same way whichever fields a side carries
// keeps a side without user_uuid (or membership_id) from reading as one
// member removed and another added; a member who left and rejoined holds a
// new organization membership, so their role membership is another one.
func (c *comparer) roleKey(s *snapshot.Snapshot, m snapshot.RoleMember) string {
	if m.MembershipID != "" {
		return m.MembershipID
	}
	sides := []*snapshot.Snapshot{c.old, c.new}
	if s == c.new {
		sides = []*snapshot.Snapshot{c.new, c.old}
	}
	for _, side := range sides {
		for _, om := range side.Members {
			if (m.UserUUID != "" && om.User.UUID == m.UserUUID) || (m.Email != "" && strings.EqualFold(om.User.Email, m.Email)) {
				return om.ID
			}
		}
	}
	switch {
	case m.UserUUID != "":
		return "user:" + m.UserUUID
	case m.Email != "":
		return "email:" + strings.ToLower(m.Email)
	}
	return "role_membership:" + m.ID
}

// membershipOf is the organization membership id a role key names, or "".
func membershipOf(key string) string {
	if strings.Contains(key, ":") {
		return ""
	}
	return key
}

func (c *comparer) roleMemberEmail(m snapshot.RoleMember) string {
	switch {
	case m.Email != "":
		return m.Email
	case m.MembershipID != "":
		return c.email(m.MembershipID)
	case m.UserUUID != "":
		return c.email(m.UserUUID)
	}
	return m.ID
}

func (c *comparer) roleMembers(role string, before, after []snapshot.RoleMember) {
	olds := map[string]bool{}
	for _, m := range before {
		olds[c.roleKey(c.old, m)] = true
	}
	news := map[string]bool{}
	for _, m := range after {
		key := c.roleKey(c.new, m)
		if news[key] {
			continue
		}
		news[key] = true
		if olds[key] {
			continue
		}
		email := c.roleMemberEmail(m)
		var by *Attribution
		if within(m.JoinedAt, c.old.CollectedAt, c.new.CollectedAt) {
			by = &Attribution{At: m.JoinedAt, Source: FromRoleJoinedAt}
		}
		c.addFor(membershipOf(key), Change{Kind: KindRoleMemberAdded, Subject: "role:" + role, Member: email, After: role, By: by,
			Detail:  "role memberships are not in PostHog's activity log",
			Message: fmt.Sprintf("%s was added to role %s%s", email, role, c.byPhrase(by, "added"))})
	}
	gone := map[string]bool{}
	for _, m := range before {
		key := c.roleKey(c.old, m)
		if news[key] || gone[key] {
			continue
		}
		gone[key] = true
		email := c.roleMemberEmail(m)
		c.addFor(membershipOf(key), Change{Kind: KindRoleMemberRemoved, Subject: "role:" + role, Member: email, Before: role,
			Detail:  "role memberships are not in PostHog's activity log",
			Message: fmt.Sprintf("%s was removed from role %s", email, role)})
	}
}
