package drift

import (
	"fmt"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// levelName names an organization membership level.
func levelName(level int) string {
	switch level {
	case posthog.LevelMember:
		return "member"
	case posthog.LevelAdmin:
		return "admin"
	case posthog.LevelOwner:
		return "owner"
	}
	return fmt.Sprintf("level %d", level)
}

// members compares the member lists, keyed by membership id: joins,
// departures, organization level and 2FA.
func (c *comparer) members() {
	if c.sectionGap(snapshot.SectionMembers, c.old.Members != nil, c.new.Members != nil) {
		return
	}
	olds := map[string]posthog.Member{}
	for _, m := range c.old.Members {
		olds[m.ID] = m
	}
	news := map[string]posthog.Member{}
	for _, m := range c.new.Members {
		news[m.ID] = m
	}
	for _, m := range c.new.Members {
		subject := "member:" + m.User.Email
		o, ok := olds[m.ID]
		if !ok {
			by := c.log.find("OrganizationMembership", m.ID, []string{"created"}, nil)
			c.addFor(m.ID, Change{Kind: KindMemberJoined, Subject: subject, After: levelName(m.Level), By: by,
				Message: fmt.Sprintf("%s joined the organization as %s%s", m.User.Email, levelName(m.Level), c.byPhrase(by, "added"))})
			continue
		}
		if o.Level != m.Level {
			by := c.log.find("OrganizationMembership", m.ID, []string{"updated"}, changedTo(m.Level, "level"))
			c.addFor(m.ID, Change{Kind: KindMemberLevel, Subject: subject, Field: "level", Before: levelName(o.Level), After: levelName(m.Level), By: by,
				Message: fmt.Sprintf("%s: organization %s → %s%s", m.User.Email, levelName(o.Level), levelName(m.Level), c.byPhrase(by, "changed"))})
		}
		if o.Is2FAEnabled != m.Is2FAEnabled {
			c.addFor(m.ID, Change{Kind: KindMember2FA, Subject: subject, Field: "is_2fa_enabled", Before: twoFA(o.Is2FAEnabled), After: twoFA(m.Is2FAEnabled),
				Message: fmt.Sprintf("%s: two-factor authentication %s → %s", m.User.Email, twoFA(o.Is2FAEnabled), twoFA(m.Is2FAEnabled))})
		}
	}
	for _, o := range c.old.Members {
		if _, ok := news[o.ID]; ok {
			continue
		}
		by := c.log.find("OrganizationMembership", o.ID, []string{"deleted"}, nil)
		c.addFor(o.ID, Change{Kind: KindMemberLeft, Subject: "member:" + o.User.Email, Before: levelName(o.Level), By: by,
			Message: fmt.Sprintf("%s left the organization (was %s)%s", o.User.Email, levelName(o.Level), c.byPhrase(by, "removed"))})
	}
}

func twoFA(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}
