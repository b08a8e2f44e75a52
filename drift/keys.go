package drift

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hogaudit/hogaudit/snapshot"
)

// keys compares the introspected personal API keys, matched by id (see
// Compare for keys seen on one side only).
func (c *comparer) keys() {
	if c.sectionGap(snapshot.SectionAPIKeys, c.old.APIKeys != nil, c.new.APIKeys != nil) {
		return
	}
	olds := map[string]snapshot.APIKey{}
	for _, k := range c.old.APIKeys {
		olds[k.ID] = k
	}
	news := map[string]snapshot.APIKey{}
	for _, k := range c.new.APIKeys {
		news[k.ID] = k
	}
	for _, k := range c.new.APIKeys {
		o, ok := olds[k.ID]
		if !ok {
			c.keyOneSide(k, c.old, "old", KindKeyAdded)
			continue
		}
		subject := "key:" + k.Label
		for _, f := range []struct {
			kind, field, noun string
			before, after     string
		}{
			{KindKeyScopes, "scopes", "scopes", joinScopes(o.Scopes), joinScopes(k.Scopes)},
			{KindKeyProjects, "scoped_teams", "projects", joinIDs(o.ScopedTeams), joinIDs(k.ScopedTeams)},
			{KindKeyOrgs, "scoped_organizations", "organizations", joinStrings(o.ScopedOrganizations), joinStrings(k.ScopedOrganizations)},
		} {
			if f.before == f.after {
				continue
			}
			by := c.log.find("PersonalAPIKey", k.ID, []string{"updated", "created", "revoked"}, changed(f.field))
			c.add(Change{Kind: f.kind, Subject: subject, Field: f.field, Before: f.before, After: f.after, By: by,
				Message: fmt.Sprintf("key %s: %s %s → %s%s", k.Label, f.noun, keyValue(f.kind, f.before), keyValue(f.kind, f.after), c.byPhrase(by, "changed"))})
		}
	}
	for _, o := range c.old.APIKeys {
		if _, ok := news[o.ID]; !ok {
			c.keyOneSide(o, c.new, "new", KindKeyRemoved)
		}
	}
}

// keyOneSide judges key k, seen in one snapshot only; other is the
// snapshot without it (otherSide its name).
func (c *comparer) keyOneSide(k snapshot.APIKey, other *snapshot.Snapshot, otherSide, kind string) {
	seenSide := "new"
	if otherSide == "new" {
		seenSide = "old"
	}
	var reason string
	switch {
	case k.Source == snapshot.KeySourceScanner:
		// Scanning with another key is no drift in PostHog, but this key
		// went unseen on the other side: whether it changed is unknown.
		reason = fmt.Sprintf("key %s was seen only as the %s snapshot's scanning key; whether it changed cannot be told", k.Label, seenSide)
	case !slices.Contains(other.AuditKeyEnvs, k.Env):
		reason = fmt.Sprintf("key %s (%s) was not audited in the %s snapshot: whether it is new or gone cannot be told", k.Label, k.Env, otherSide)
	}
	if reason != "" {
		if otherSide == "old" {
			c.gap(snapshot.SectionAPIKeys, nil, reason, "")
		} else {
			c.gap(snapshot.SectionAPIKeys, nil, "", reason)
		}
		return
	}
	ch := Change{Kind: kind, Subject: "key:" + k.Label, Detail: "--audit-key-env " + k.Env + " holds another key in the " + otherSide + " snapshot"}
	scopes := joinScopes(k.Scopes)
	if kind == KindKeyAdded {
		ch.After = scopes
		ch.By = c.log.find("PersonalAPIKey", k.ID, []string{"created"}, noChanges)
		ch.Message = fmt.Sprintf("key %s (%s) appeared with scopes %s%s", k.Label, k.Env, scopes, c.byPhrase(ch.By, "created"))
	} else {
		ch.Before = scopes
		ch.By = c.log.find("PersonalAPIKey", k.ID, []string{"deleted", "revoked"}, noChanges)
		ch.Message = fmt.Sprintf("key %s (%s) disappeared (had scopes %s)%s", k.Label, k.Env, scopes, c.byPhrase(ch.By, "deleted"))
	}
	c.add(ch)
}

// joinScopes is scopes sorted and comma-separated, "*" for all.
func joinScopes(scopes []string) string {
	if slices.Contains(scopes, "*") {
		return "*"
	}
	return joinStrings(scopes)
}

func joinStrings(xs []string) string {
	s := slices.Clone(xs)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ",")
}

func joinIDs(ids []int64) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	s = slices.Compact(s)
	out := make([]string, len(s))
	for i, id := range s {
		out[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(out, ",")
}

// keyValue shows a key field's value in a message.
func keyValue(kind, v string) string {
	switch {
	case v != "":
		return v
	case kind == KindKeyProjects:
		return "every project"
	case kind == KindKeyOrgs:
		return "every organization"
	}
	return "none"
}
