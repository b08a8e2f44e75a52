package snapshot

import (
	"errors"
	"fmt"
	"time"
)

// Reading a personal API key's description is itself a use of the key.
// PostHog stamps last_used_at while it authenticates a request
// (posthog/auth.py, PersonalAPIKeyAuthentication.authenticate): it writes
// the request's time when the stored value is null or more than an hour
// old, and nothing otherwise. Newest PostHog writes with a queryset update
// (update_key_last_used_at), so the key object GET @current serializes
// still holds the value from before the request; older PostHog assigned the
// field on that object, so its answer shows the time it has just written.
// Either way the next reading shows hogaudit's own request, and a key used
// only by hogaudit looks used. KeyUses tells hogaudit's requests apart.

// OwnUseTolerance widens a collection's window of own requests on both sides
// for the difference between PostHog's clock, which stamps last_used_at,
// and the collector's, which stamps collected_at and introspected_at.
const OwnUseTolerance = time.Minute

// Statuses of a KeyUse.
const (
	// KeyUsed: At is the key's last use by someone other than hogaudit.
	KeyUsed = "used"
	// KeyNeverUsed: nothing but hogaudit has used the key, as far as
	// PostHog recorded.
	KeyNeverUsed = "never"
	// KeyUseUnknown: hogaudit's own request is the last recorded use and
	// hides the one before it.
	KeyUseUnknown = "unknown"
)

// KeyUse is a key's last use by anyone but hogaudit, read from PostHog's
// last_used_at with hogaudit's own introspections discounted.
type KeyUse struct {
	// Status is KeyUsed, KeyNeverUsed or KeyUseUnknown.
	Status string `json:"status"`
	// At is the last use by someone other than hogaudit; set only when
	// Status is KeyUsed.
	At *time.Time `json:"at"`
	// Own is the snapshot's last_used_at when it was recognised as
	// hogaudit's own request (this collection's or the previous one's); nil
	// when last_used_at was taken as it is.
	Own *time.Time `json:"own"`
	// Basis says in one lowercase phrase how the reading was made.
	Basis string `json:"basis"`
}

// Bases of a KeyUse.
const (
	basisNever       = "posthog reports no use"
	basisReported    = "posthog's last_used_at"
	basisOwnNow      = "posthog's last_used_at is this collection's own request, which hides any use before it"
	basisOwnPrevious = "posthog's last_used_at is the previous collection's own request; the previous snapshot's reading stands"
	basisUnchanged   = "posthog's last_used_at is unchanged since the previous collection; the previous snapshot's reading stands"
)

// KeyUses returns the last use of each of s.APIKeys (same order) by anyone
// but hogaudit.
//
// A last_used_at between s.CollectedAt and the key's IntrospectedAt (each
// widened by OwnUseTolerance) is this collection's own request: the use
// before it is unknown. With prev, the snapshot of the run before, a
// last_used_at inside prev's window for that key is prev's own request, and
// one equal to prev's last_used_at has not changed since: in both cases
// prev's reading of the key stands (its recorded Use, else prev read
// alone), so a chain of runs each given the one before walks back to the
// last use by anyone else. Without prev, a key's recorded Use stands when
// there is one, else s is read alone. A key prev did not introspect, or a
// last_used_at outside every window, is taken as it is: only hogaudit's
// requests are discounted, and hogaudit made none outside them.
//
// Because PostHog records at most one use an hour, a use by someone else
// within the hour after a hogaudit request is not recorded at all; it is
// read as no use (the key looks unused rather than used).
func (s *Snapshot) KeyUses(prev *Snapshot) []KeyUse {
	out := make([]KeyUse, len(s.APIKeys))
	for i := range s.APIKeys {
		k := &s.APIKeys[i]
		if prev == nil && k.Use != nil {
			out[i] = *k.Use
			continue
		}
		out[i] = readKeyUse(s, k, prev)
	}
	return out
}

// WithKeyUses returns a copy of s (sharing everything but its key list)
// whose keys' Use is set from KeyUses(prev).
func (s *Snapshot) WithKeyUses(prev *Snapshot) *Snapshot {
	uses := s.KeyUses(prev)
	c := *s
	if s.APIKeys != nil {
		c.APIKeys = make([]APIKey, len(s.APIKeys))
		for i, k := range s.APIKeys {
			u := uses[i]
			k.Use = &u
			c.APIKeys[i] = k
		}
	}
	return &c
}

func readKeyUse(s *Snapshot, k *APIKey, prev *Snapshot) KeyUse {
	last := k.LastUsedAt
	if last == nil {
		return KeyUse{Status: KeyNeverUsed, Basis: basisNever}
	}
	if ownRequest(s, k, *last) {
		return KeyUse{Status: KeyUseUnknown, Own: last, Basis: basisOwnNow}
	}
	reported := KeyUse{Status: KeyUsed, At: last, Basis: basisReported}
	if prev == nil {
		return reported
	}
	pk := prev.keyByID(k.ID)
	if pk == nil {
		return reported
	}
	before := func() KeyUse {
		if pk.Use != nil {
			return *pk.Use
		}
		return readKeyUse(prev, pk, nil)
	}
	switch {
	case ownRequest(prev, pk, *last):
		u := before()
		u.Own, u.Basis = last, basisOwnPrevious
		return u
	case pk.LastUsedAt != nil && pk.LastUsedAt.Equal(*last):
		u := before()
		if u.Status == KeyUsed && u.Own == nil {
			return reported // the previous reading was the value itself
		}
		u.Basis = basisUnchanged
		return u
	}
	return reported
}

// ownRequest reports whether t, a last_used_at, lies in the window of the
// requests s's collection made with k: from CollectedAt to k's
// IntrospectedAt, widened by OwnUseTolerance. A key without IntrospectedAt
// has no known window.
func ownRequest(s *Snapshot, k *APIKey, t time.Time) bool {
	if k.IntrospectedAt == nil {
		return false
	}
	return !t.Before(s.CollectedAt.Add(-OwnUseTolerance)) && !t.After(k.IntrospectedAt.Add(OwnUseTolerance))
}

func (s *Snapshot) keyByID(id string) *APIKey {
	for i := range s.APIKeys {
		if s.APIKeys[i].ID == id {
			return &s.APIKeys[i]
		}
	}
	return nil
}

// Errors of CheckPrevious.
var (
	// ErrPreviousOtherOrg: the previous snapshot describes another
	// organization.
	ErrPreviousOtherOrg = errors.New("the previous snapshot is of another organization")
	// ErrPreviousNotOlder: the previous snapshot was not collected before
	// the current one.
	ErrPreviousNotOlder = errors.New("the previous snapshot is not older than the current one")
)

// CheckPrevious reports whether prev can serve as the previous snapshot of
// cur: the same organization, collected strictly before. Its errors wrap
// ErrPreviousOtherOrg or ErrPreviousNotOlder.
func CheckPrevious(cur, prev *Snapshot) error {
	if prev.Org.ID != cur.Org.ID {
		return fmt.Errorf("%w: it describes %s, the current one %s", ErrPreviousOtherOrg, orgLabel(prev.Org), orgLabel(cur.Org))
	}
	if !prev.CollectedAt.Before(cur.CollectedAt) {
		return fmt.Errorf("%w: it was collected at %s, the current one at %s", ErrPreviousNotOlder,
			prev.CollectedAt.UTC().Format(time.RFC3339), cur.CollectedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

func orgLabel(o OrgRef) string {
	if o.Name == "" {
		return o.ID
	}
	return fmt.Sprintf("%q (%s)", o.Name, o.ID)
}
