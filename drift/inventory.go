package drift

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// projects compares the project list, keyed by id.
func (c *comparer) projects() {
	if c.sectionGap(snapshot.SectionProjects, c.old.Projects != nil, c.new.Projects != nil) {
		return
	}
	olds := map[int64]snapshot.Project{}
	for _, p := range c.old.Projects {
		olds[p.ID] = p
	}
	news := map[int64]snapshot.Project{}
	for _, p := range c.new.Projects {
		news[p.ID] = p
	}
	// PostHog logs a project's creation and deletion under both scopes
	// (posthog/api/project.py writes Project and Team entries).
	find := func(id int64, activity string, match func(*snapshot.ActivityEntry) bool) *Attribution {
		item := strconv.FormatInt(id, 10)
		if by := c.log.find("Project", item, []string{activity}, match); by != nil {
			return by
		}
		return c.log.find("Team", item, []string{activity}, match)
	}
	for _, p := range c.new.Projects {
		o, ok := olds[p.ID]
		switch {
		case !ok:
			by := find(p.ID, "created", nil)
			c.add(Change{Kind: KindProjectAdded, Subject: "project:" + p.Name, Project: &Project{ID: p.ID, Name: p.Name}, After: p.Name, By: by,
				Message: fmt.Sprintf("project %s (%d) was added%s", p.Name, p.ID, c.byPhrase(by, "created"))})
		case o.Name != p.Name:
			by := find(p.ID, "updated", changedTo(p.Name, "name"))
			c.add(Change{Kind: KindProjectRenamed, Subject: "project:" + p.Name, Project: &Project{ID: p.ID, Name: p.Name}, Field: "name",
				Before: o.Name, After: p.Name, By: by,
				Message: fmt.Sprintf("project %s (%d) was renamed %s%s", o.Name, p.ID, p.Name, c.byPhrase(by, "renamed"))})
		}
	}
	for _, o := range c.old.Projects {
		if _, ok := news[o.ID]; ok {
			continue
		}
		by := find(o.ID, "deleted", nil)
		c.add(Change{Kind: KindProjectRemoved, Subject: "project:" + o.Name, Project: &Project{ID: o.ID, Name: o.Name}, Before: o.Name, By: by,
			Message: fmt.Sprintf("project %s (%d) was removed%s", o.Name, o.ID, c.byPhrase(by, "deleted"))})
	}
}

// invites compares the pending (unexpired) invites, keyed by id.
func (c *comparer) invites() {
	if c.sectionGap(snapshot.SectionInvites, c.old.Invites != nil, c.new.Invites != nil) {
		return
	}
	pending := func(s *snapshot.Snapshot) map[string]posthog.Invite {
		m := map[string]posthog.Invite{}
		for _, inv := range s.Invites {
			if !inv.IsExpired {
				m[inv.ID] = inv
			}
		}
		return m
	}
	olds, news := pending(c.old), pending(c.new)
	all := map[string]posthog.Invite{}
	for _, inv := range c.new.Invites {
		all[inv.ID] = inv
	}
	for _, inv := range c.new.Invites {
		if _, ok := news[inv.ID]; !ok {
			continue
		}
		if _, ok := olds[inv.ID]; ok {
			continue
		}
		by := c.log.find("OrganizationInvite", inv.ID, []string{"created"}, nil)
		c.add(Change{Kind: KindInviteAdded, Subject: "invite:" + inv.TargetEmail, After: levelName(inv.Level), By: by,
			Message: fmt.Sprintf("%s was invited as %s%s", inv.TargetEmail, levelName(inv.Level), c.byPhrase(by, "invited"))})
	}
	for _, inv := range c.old.Invites {
		if _, ok := olds[inv.ID]; !ok {
			continue
		}
		if _, ok := news[inv.ID]; ok {
			continue
		}
		ch := Change{Kind: KindInviteRemoved, Subject: "invite:" + inv.TargetEmail, Before: levelName(inv.Level)}
		how := "accepted or deleted"
		switch by := c.log.find("OrganizationInvite", inv.ID, []string{"deleted"}, nil); {
		case all[inv.ID].ID != "":
			how = "expired"
		case by != nil:
			how, ch.By = "deleted", by
		case c.joined(inv.TargetEmail):
			how = "accepted"
		}
		ch.Detail = how
		ch.Message = fmt.Sprintf("the invite of %s as %s is gone (%s)%s", inv.TargetEmail, levelName(inv.Level), how, c.byPhrase(ch.By, "deleted"))
		c.add(ch)
	}
}

// joined reports whether email is a member of the new snapshot and not of
// the old one.
func (c *comparer) joined(email string) bool {
	in := func(s *snapshot.Snapshot) bool {
		for _, m := range s.Members {
			if strings.EqualFold(m.User.Email, email) {
				return true
			}
		}
		return false
	}
	return c.new.Members != nil && c.old.Members != nil && in(c.new) && !in(c.old)
}
