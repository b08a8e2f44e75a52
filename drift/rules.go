package drift

import (
	"fmt"
	"strings"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// rules compares each project's access rules (access_controls, the
// project's own, and resource_access_controls, its project-wide resource
// rules), for the projects both snapshots list. A rule is keyed by
// resource, resource id, member and role; its level is what changes.
// PostHog does not log access-control changes: a rule created between the
// snapshots carries its created_by and created_at (FromRuleCreator), any
// other change only a Detail naming its updated_at.
func (c *comparer) rules() {
	if lack(c.old, snapshot.SectionProjects, c.old.Projects != nil) != "" || lack(c.new, snapshot.SectionProjects, c.new.Projects != nil) != "" {
		return // the projects gap says why
	}
	olds := map[int64]*snapshot.Project{}
	for i := range c.old.Projects {
		olds[c.old.Projects[i].ID] = &c.old.Projects[i]
	}
	for i := range c.new.Projects {
		p := &c.new.Projects[i]
		o := olds[p.ID]
		if o == nil {
			continue
		}
		for _, sec := range []struct {
			name     string
			old, new *posthog.AccessControlList
		}{
			{snapshot.SectionAccessControls, o.AccessControls, p.AccessControls},
			{snapshot.SectionResourceAccessControls, o.ResourceAccessControls, p.ResourceAccessControls},
		} {
			id := p.ID
			if c.gap(sec.name, &id, lackProject(c.old, sec.name, id, sec.old != nil), lackProject(c.new, sec.name, id, sec.new != nil)) {
				continue
			}
			c.ruleList(id, sec.old.AccessControls, sec.new.AccessControls)
		}
	}
}

func ruleKey(r posthog.AccessControl) string {
	return strings.Join([]string{r.Resource, deref(r.ResourceID), deref(r.OrganizationMember), deref(r.Role)}, "\x00")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ruleSubject is member:EMAIL, role:NAME or everyone.
func (c *comparer) ruleSubject(r posthog.AccessControl) string {
	switch {
	case r.OrganizationMember != nil:
		return "member:" + c.email(*r.OrganizationMember)
	case r.Role != nil:
		return "role:" + c.roleName(*r.Role)
	}
	return "everyone"
}

func (c *comparer) ruleList(projectID int64, before, after []posthog.AccessControl) {
	olds := map[string]posthog.AccessControl{}
	for _, r := range before {
		if _, dup := olds[ruleKey(r)]; !dup {
			olds[ruleKey(r)] = r
		}
	}
	news := map[string]posthog.AccessControl{}
	for _, r := range after {
		if _, dup := news[ruleKey(r)]; dup {
			continue
		}
		news[ruleKey(r)] = r
		o, ok := olds[ruleKey(r)]
		switch {
		case !ok:
			c.ruleChange(KindRuleAdded, projectID, r, "", r.AccessLevel)
		case o.AccessLevel != r.AccessLevel:
			c.ruleChange(KindRuleChanged, projectID, r, o.AccessLevel, r.AccessLevel)
		}
	}
	gone := map[string]bool{}
	for _, o := range before {
		if _, ok := news[ruleKey(o)]; !ok && !gone[ruleKey(o)] {
			gone[ruleKey(o)] = true
			c.ruleChange(KindRuleRemoved, projectID, o, o.AccessLevel, "")
		}
	}
}

// ruleChange records one rule change; r is the rule as it is now (as it
// was, for a removal).
func (c *comparer) ruleChange(kind string, projectID int64, r posthog.AccessControl, before, after string) {
	ch := Change{Kind: kind, Subject: c.ruleSubject(r), Project: c.project(projectID), Resource: r.Resource, Before: before, After: after}
	if r.ResourceID != nil && r.Resource != "project" {
		ch.Field = "resource_id=" + *r.ResourceID
	}
	if kind != KindRuleRemoved && r.CreatedAt != nil && within(*r.CreatedAt, c.old.CollectedAt, c.new.CollectedAt) {
		ch.By = &Attribution{At: *r.CreatedAt, Source: FromRuleCreator}
		if r.CreatedBy != nil {
			if e := c.userEmails[*r.CreatedBy]; e != "" {
				ch.By.Actor = e
			} else {
				ch.Detail = fmt.Sprintf("created by user id %d, not a member of either snapshot", *r.CreatedBy)
			}
		}
	}
	if ch.By == nil && kind == KindRuleChanged && r.UpdatedAt != nil && within(*r.UpdatedAt, c.old.CollectedAt, c.new.CollectedAt) {
		ch.Detail = "rule updated " + day(*r.UpdatedAt) + ", not in the activity log"
	}
	if ch.Detail == "" && ch.By == nil {
		ch.Detail = "access-rule changes are not in PostHog's activity log"
	}
	where := c.projectName(projectID)
	if r.Resource != "project" {
		where += " " + r.Resource
	}
	who := strings.TrimPrefix(ch.Subject, "member:")
	if name, ok := strings.CutPrefix(ch.Subject, "role:"); ok {
		who = "role " + name
	}
	switch kind {
	case KindRuleAdded:
		ch.Message = fmt.Sprintf("%s: rule for %s added at %s%s", where, who, orNone(after), c.byPhrase(ch.By, "created"))
	case KindRuleRemoved:
		ch.Message = fmt.Sprintf("%s: rule for %s removed (was %s)", where, who, orNone(before))
	default:
		ch.Message = fmt.Sprintf("%s: rule for %s %s → %s%s", where, who, orNone(before), orNone(after), c.byPhrase(ch.By, "recreated"))
	}
	c.add(ch)
}
