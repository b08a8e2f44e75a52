package drift

import (
	"fmt"

	"github.com/hogaudit/hogaudit/snapshot"
)

// roles compares the RBAC roles, keyed by id, and their memberships, keyed
// by the member's user (a membership removed and made again is no change).
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

// roleKey identifies a role membership's member: the user, else the
// organization membership, else the role membership itself.
func roleKey(m snapshot.RoleMember) string {
	switch {
	case m.UserUUID != "":
		return "user:" + m.UserUUID
	case m.MembershipID != "":
		return "membership:" + m.MembershipID
	}
	return "role_membership:" + m.ID
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
		olds[roleKey(m)] = true
	}
	news := map[string]bool{}
	for _, m := range after {
		news[roleKey(m)] = true
		if olds[roleKey(m)] {
			continue
		}
		email := c.roleMemberEmail(m)
		var by *Attribution
		if within(m.JoinedAt, c.old.CollectedAt, c.new.CollectedAt) {
			by = &Attribution{At: m.JoinedAt, Source: FromRoleJoinedAt}
		}
		c.add(Change{Kind: KindRoleMemberAdded, Subject: "role:" + role, Member: email, After: role, By: by,
			Detail:  "role memberships are not in PostHog's activity log",
			Message: fmt.Sprintf("%s was added to role %s%s", email, role, c.byPhrase(by, "added"))})
	}
	for _, m := range before {
		if news[roleKey(m)] {
			continue
		}
		email := c.roleMemberEmail(m)
		c.add(Change{Kind: KindRoleMemberRemoved, Subject: "role:" + role, Member: email, Before: role,
			Detail:  "role memberships are not in PostHog's activity log",
			Message: fmt.Sprintf("%s was removed from role %s", email, role)})
	}
}
