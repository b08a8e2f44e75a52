package drift

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// Attribution from PostHog's activity log.
//
// The entries a change may be joined to are the new snapshot's, created
// inside (old.CollectedAt, new.CollectedAt], of the scope and item PostHog
// writes for that change (read from PostHog's source):
//
//   - OrganizationMembership, item_id the membership id: "created" when a
//     member joins, "deleted" when one leaves, "updated" with a change of
//     field "level" (before/after 1, 8, 15) — posthog/models/organization.py
//     through ModelActivityMixin, posthog/api/organization_member.py.
//   - Organization, item_id the organization id, "updated": its changes'
//     fields are renamed by field_name_overrides
//     (posthog/models/activity_logging/activity_log.py): enforce_2fa →
//     "two-factor authentication requirement", members_can_invite →
//     "member invitation permissions", members_can_use_personal_api_keys →
//     "personal API key permissions", allow_publicly_shared_resources →
//     "public sharing permissions"; both names match.
//   - OrganizationDomain, item_id the domain id: "created", "deleted",
//     "updated" with fields sso_enforcement ("SSO enforcement"),
//     jit_provisioning_enabled ("just-in-time provisioning"), verified_at
//     ("domain verification"), the SAML fields ("SAML entity ID", "SAML ACS
//     URL", "SAML X.509 certificate"; _saml_* in the newest model) and
//     _scim_enabled ("SCIM provisioning").
//   - OrganizationInvite, item_id the invite id: "created", "deleted"
//     (posthog/api/organization.py, handle_organization_invite_change).
//   - PersonalAPIKey, item_id the key id: "created" (no changes) when made,
//     "deleted" or "revoked" when removed, and a change of scopes,
//     scoped_teams or scoped_organizations logged as "created" (access
//     gained) or "revoked" (lost) carrying the changes, or "updated"
//     (posthog/models/activity_logging/personal_api_key_utils.py); one
//     entry per organization or scoped project, so several entries of one
//     write are the same actor's.
//   - Team and Project, item_id the project id: "created", "deleted",
//     "updated" with field "name" (posthog/api/team.py, project.py).
//
// An entry matches when its scope, item id and activity fit and, where the
// entry records the new value, that value is the new snapshot's. The
// latest matching entry is the attribution (the last write that left the
// state as found); two latest entries at the same time by different actors
// are ambiguous and attribute nothing.
//
// An entry written in an impersonated session (was_impersonated: PostHog
// staff logged in as the user, and log_activity records request.user, the
// impersonated user) names no actor: the attribution has Impersonated set
// and Actor empty, and the message says whose session it was, never that
// the user made the change.

// activityWindow is the new snapshot's activity-log entries inside the
// window, by scope and item id.
type activityWindow struct {
	byItem map[[2]string][]*snapshot.ActivityEntry
	// sessions maps the id of an entry written in an impersonated session
	// to the email of the user impersonated.
	sessions map[string]string
}

func newActivityWindow(s *snapshot.Snapshot, from, to time.Time) activityWindow {
	w := activityWindow{byItem: map[[2]string][]*snapshot.ActivityEntry{}, sessions: map[string]string{}}
	for i := range s.ActivityLog {
		e := &s.ActivityLog[i]
		if e.ItemID == nil || !within(e.CreatedAt, from, to) {
			continue
		}
		k := [2]string{e.Scope, *e.ItemID}
		w.byItem[k] = append(w.byItem[k], e)
	}
	return w
}

// find attributes the change to the latest entry of scope and itemID whose
// activity is one of activities and that match accepts (nil: any).
func (w activityWindow) find(scope, itemID string, activities []string, match func(*snapshot.ActivityEntry) bool) *Attribution {
	var best []*snapshot.ActivityEntry
	for _, e := range w.byItem[[2]string{scope, itemID}] {
		if !slices.Contains(activities, e.Activity) || (match != nil && !match(e)) {
			continue
		}
		switch {
		case len(best) == 0 || e.CreatedAt.After(best[0].CreatedAt):
			best = []*snapshot.ActivityEntry{e}
		case e.CreatedAt.Equal(best[0].CreatedAt):
			best = append(best, e)
		}
	}
	if len(best) == 0 {
		return nil
	}
	actor, imp := actorOf(best[0])
	for _, e := range best[1:] {
		if a, i := actorOf(e); a != actor || i != imp {
			return nil
		}
	}
	by := &Attribution{At: best[0].CreatedAt, Source: FromActivityLog, EntryID: best[0].ID}
	if imp {
		by.Impersonated = true
		w.sessions[best[0].ID] = actor
	} else {
		by.Actor = actor
	}
	return by
}

// actorOf is the entry's user's email ("" for the system) and whether the
// entry was written in an impersonated session.
func actorOf(e *snapshot.ActivityEntry) (string, bool) {
	imp := e.WasImpersonated != nil && *e.WasImpersonated
	if e.User == nil {
		return "", imp
	}
	return e.User.Email, imp
}

// change returns the entry's change of one of fields, or nil.
func change(e *snapshot.ActivityEntry, fields ...string) *posthog.ActivityChange {
	if e.Detail == nil {
		return nil
	}
	for i := range e.Detail.Changes {
		ch := &e.Detail.Changes[i]
		if ch.Field != nil && slices.Contains(fields, *ch.Field) {
			return ch
		}
	}
	return nil
}

// changed returns a matcher of entries with a change of one of fields.
func changed(fields ...string) func(*snapshot.ActivityEntry) bool {
	return func(e *snapshot.ActivityEntry) bool { return change(e, fields...) != nil }
}

// changedTo returns a matcher of entries with a change of one of fields
// whose after is want (compared as JSON). A field cleared to "" matches a
// change without an after too: PostHog's changes_between logs a value that
// became empty as "deleted", with the before alone.
func changedTo(want any, fields ...string) func(*snapshot.ActivityEntry) bool {
	w, err := json.Marshal(want)
	cleared := want == ""
	return func(e *snapshot.ActivityEntry) bool {
		ch := change(e, fields...)
		if err != nil || ch == nil {
			return false
		}
		return jsonEqual(ch.After, w) || (cleared && jsonEqual(ch.After, []byte("null")))
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y bytes.Buffer
	if len(bytes.TrimSpace(a)) == 0 {
		a = []byte("null")
	}
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// noChanges matches entries without field changes (a key's creation, as
// against a scope change logged as "created").
func noChanges(e *snapshot.ActivityEntry) bool { return e.Detail == nil || len(e.Detail.Changes) == 0 }
