package draft

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
)

// wildcard reports whether a key may do anything: it holds "*", or it is a
// legacy key without scopes.
func wildcard(k *snapshot.APIKey) bool {
	return len(k.Scopes) == 0 || slices.Contains(k.Scopes, "*")
}

// grantedScopes are the api_key_scopes that cover key k's scopes: "*" for
// a legacy key without scopes, else its scopes.
func grantedScopes(k *snapshot.APIKey) []string {
	if len(k.Scopes) == 0 {
		return []string{"*"}
	}
	return slices.Clone(k.Scopes)
}

func (d *drafted) auditKeys() []*snapshot.APIKey {
	var out []*snapshot.APIKey
	for i := range d.snap.APIKeys {
		if k := &d.snap.APIKeys[i]; k.Source == snapshot.KeySourceAudit {
			out = append(out, k)
		}
	}
	return out
}

// serviceAccounts adds a group per label of the audited keys: keys:
// [label] (no members: a key belongs to every group of its owner, so an
// owner listed here would lend this key's scopes to all their keys), and
// per project the key reaches its scopes; keys without a label are bound by
// their owners as members:. The entries' role and resources mirror the
// owners' own levels, so the group allows its owners nothing they do not
// have.
func (d *drafted) serviceAccounts(now time.Time, keyOf map[int64]string, byUserID map[int64]*member, names keyNamer,
	grant func(int64, string) access.Grant, resGrant func(int64, string, string) access.Grant, res map[int64][]string) {
	byLabel := map[string][]*snapshot.APIKey{}
	for _, k := range d.auditKeys() {
		byLabel[k.Label] = append(byLabel[k.Label], k)
	}
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	for _, label := range labels {
		ks := byLabel[label]
		g := &dGroup{}
		var owners []*member
		for _, k := range ks {
			if m := byUserID[k.UserID]; m != nil && !slices.Contains(owners, m) {
				owners = append(owners, m)
			}
		}
		slices.SortFunc(owners, func(a, b *member) int { return strings.Compare(a.email, b.email) })
		var ownerEmails []string
		for _, m := range owners {
			ownerEmails = append(ownerEmails, m.email)
		}
		if label == "" {
			// Without a label only the owners can bind the keys: every key
			// of theirs then holds the group's scopes.
			g.members = ownerEmails
			if len(owners) == 0 {
				for _, k := range ks {
					d.except("PH302", keySubject(d.snap, k), "drafted by hogaudit matrix init: the key has no label and its owner is no member, so no group can hold it",
						fmt.Sprintf("DECIDE: key %s has no label and its owner (user id %d) is not a member of this organization: the matrix cannot grant it anything", k.ID, k.UserID))
				}
				continue
			}
			g.key = names.name("key_"+ks[0].ID, "key")
			g.above = append(g.above, "service account: keys without a label, bound by their owners",
				"DECIDE: every key of these owners holds the scopes below; give the keys labels to grant them one by one")
		} else {
			g.key = names.name("key_"+label, "key")
			// Bound by its label alone: an owner listed as a member would
			// give every other key of the owner this key's scopes.
			g.keys = []string{label}
			g.above = append(g.above, fmt.Sprintf("service account: personal API key %q", oneLine(label)))
		}
		if len(owners) > 0 {
			g.above = append(g.above, "owned by "+strings.Join(ownerEmails, ", ")+"; the entries' role and resources are the owner's own today")
		} else {
			g.above = append(g.above, fmt.Sprintf("DECIDE: the key's owner (user id %d) is not a member of this organization", ks[0].UserID))
		}
		scopes := map[int64]map[string]bool{}
		for _, k := range ks {
			if wildcard(k) {
				g.above = append(g.above, fmt.Sprintf("DECIDE: key %s holds * (all scopes)", oneLine(keySubject(d.snap, k))))
			}
			for _, s := range k.Scopes {
				if s != "*" && matrix.ScopeProblem(s) != "" {
					g.above = append(g.above, fmt.Sprintf("DECIDE: scope %s is not in hogaudit's scope list (%s): an exception below accepts it (PH307) until hogaudit knows it", oneLine(s), matrix.ScopeProblem(s)))
				}
			}
			var reach []int64
			if len(k.ScopedTeams) == 0 {
				g.above = append(g.above, fmt.Sprintf("DECIDE: key %s is not limited to projects (scoped_teams is empty): it reaches every project", oneLine(keySubject(d.snap, k))))
				for pid := range keyOf {
					reach = append(reach, pid)
				}
			} else {
				var foreign []string
				for _, pid := range k.ScopedTeams {
					if _, ok := keyOf[pid]; ok {
						reach = append(reach, pid)
					} else {
						foreign = append(foreign, strconv.FormatInt(pid, 10))
					}
				}
				if len(foreign) > 0 {
					g.above = append(g.above, fmt.Sprintf("DECIDE: key %s is scoped to projects this organization does not have: %s", oneLine(keySubject(d.snap, k)), strings.Join(foreign, ", ")))
				}
				if len(reach) == 0 {
					d.except("PH302", keySubject(d.snap, k), "drafted by hogaudit matrix init: the key reaches no project of this organization, so no entry can grant its scopes")
				}
			}
			for _, pid := range reach {
				if scopes[pid] == nil {
					scopes[pid] = map[string]bool{}
				}
				for _, s := range grantedScopes(k) {
					scopes[pid][s] = true
				}
			}
		}
		for _, p := range d.snap.Projects {
			set := scopes[p.ID]
			if set == nil {
				continue
			}
			e := dEntry{project: keyOf[p.ID], role: access.LevelNone, scopes: sortedSet(set)}
			top := 0
			resTop := map[string]int{}
			for _, m := range owners {
				top = max(top, projRank[grant(p.ID, m.id).Level])
				for _, r := range res[p.ID] {
					resTop[r] = max(resTop[r], resRank[resGrant(p.ID, r, m.id).Level])
				}
			}
			e.role = projName[top]
			for _, r := range res[p.ID] {
				e.resources = append(e.resources, kv{r, resName[resTop[r]]})
			}
			if len(owners) > 0 && top == 0 {
				e.beside = "the owner has no access here, so the key cannot use these scopes today"
			}
			for _, sc := range e.scopes {
				if sc == "*" || matrix.ScopeProblem(sc) == "" {
					continue
				}
				d.except("PH307", "matrix:access_matrix."+g.key+"."+e.project+scopeSubjectInfix+sc,
					"drafted by hogaudit matrix init: the key holds a scope hogaudit does not know; remove this exception once hogaudit knows it",
					fmt.Sprintf("DECIDE: group %s's key holds scope %s, which hogaudit does not know (%s): is it one PostHog added, or a mistake?", g.key, oneLine(sc), matrix.ScopeProblem(sc)))
			}
			g.entries = append(g.entries, e)
		}
		d.groups = append(d.groups, g)
	}
}

// scopeSubjectInfix comes before the scope in PH307's subject,
// matrix:access_matrix.GROUP.PROJECT.api_key_scopes.SCOPE.
const scopeSubjectInfix = ".api_key_scopes."

// keySettings writes api_keys: the documented defaults, relaxed to what
// the audited keys meet today.
func (d *drafted) keySettings(now time.Time, keyOf map[int64]string) {
	keys := d.auditKeys()
	age, ageKey, rotated := 0, "", false
	unused, unusedKey := 0, ""
	uses := d.snap.KeyUses(nil)
	wild := []string{}
	unscoped := []string{}
	for i := range d.snap.APIKeys {
		k := &d.snap.APIKeys[i]
		if k.Source != snapshot.KeySourceAudit {
			continue
		}
		since := k.CreatedAt
		if k.LastRolledAt != nil {
			since = *k.LastRolledAt
		}
		if n := ceilDays(now, since); n > age {
			age, ageKey, rotated = n, keySubject(d.snap, k), k.LastRolledAt != nil
		}
		u := uses[i]
		last := k.CreatedAt
		if u.Status == snapshot.KeyUsed && u.At != nil {
			last = *u.At
		}
		if n := ceilDays(now, last); n > unused {
			unused, unusedKey = n, keySubject(d.snap, k)
		}
		if wildcard(k) {
			wild = append(wild, keySubject(d.snap, k))
		}
		scoped := len(k.ScopedTeams) > 0
		for _, pid := range k.ScopedTeams {
			if _, ok := keyOf[pid]; !ok {
				scoped = false
			}
		}
		if !scoped {
			unscoped = append(unscoped, keySubject(d.snap, k))
		}
	}
	slices.Sort(wild)
	slices.Sort(unscoped)
	s := setting{key: "max_age_days", value: strconv.Itoa(max(DefaultKeyMaxAgeDays, age))}
	if age > DefaultKeyMaxAgeDays {
		what := "was created %d days ago (rounded up) and never rotated"
		if rotated {
			what = "was last rotated %d days ago (rounded up)"
		}
		s.above = []string{fmt.Sprintf("DECIDE: %s "+what+": is that what you want?", oneLine(ageKey), age)}
	}
	d.keys = append(d.keys, s)
	s = setting{key: "max_unused_days", value: strconv.Itoa(max(DefaultKeyMaxUnusedDays, unused))}
	if unused > DefaultKeyMaxUnusedDays {
		s.above = []string{fmt.Sprintf("DECIDE: %s has not been used for %d days (rounded up), or cannot be shown to have been: is that what you want?", oneLine(unusedKey), unused)}
	}
	d.keys = append(d.keys, s)
	s = setting{key: "allow_wildcard", value: strconv.FormatBool(len(wild) > 0)}
	if len(wild) > 0 {
		s.above = []string{"DECIDE: wildcard keys today: " + oneLine(strings.Join(wild, ", "))}
	}
	d.keys = append(d.keys, s)
	s = setting{key: "require_project_scoping", value: strconv.FormatBool(len(unscoped) == 0)}
	if len(unscoped) > 0 {
		s.above = []string{"DECIDE: keys not limited to this organization's projects today: " + oneLine(strings.Join(unscoped, ", "))}
	}
	d.keys = append(d.keys, s)
	if len(keys) == 0 {
		d.keys[0].above = append([]string{"no audited key today (--audit-key-env): these are hogaudit's defaults"}, d.keys[0].above...)
	}
}

// scannerExceptions excepts the scanning key's scopes beyond the read
// scopes hogaudit needs (PH306), which no matrix entry governs.
func (d *drafted) scannerExceptions() {
	for i := range d.snap.APIKeys {
		k := &d.snap.APIKeys[i]
		if k.Source != snapshot.KeySourceScanner {
			continue
		}
		var extra []string
		if len(k.Scopes) == 0 {
			extra = []string{"*"}
		}
		for _, s := range k.Scopes {
			if !slices.Contains(snapshot.RequiredScopes, s) {
				extra = append(extra, s)
			}
		}
		if len(extra) == 0 {
			continue
		}
		slices.Sort(extra)
		d.except("PH306", keySubject(d.snap, k), "drafted by hogaudit matrix init: the scanning key holds more than it needs; give it only the read scopes, then remove this exception",
			fmt.Sprintf("DECIDE: the scanning key holds more than the read scopes hogaudit needs: %s", oneLine(strings.Join(extra, ", "))))
	}
}
