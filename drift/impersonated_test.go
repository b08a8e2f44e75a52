package drift

import (
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// An entry written in an impersonated session never names the impersonated
// user as the actor (PH404 trusts a grant by an actor in an owner group):
// the attribution is Impersonated without Actor, the message says whose
// session it was. The near miss, the same entry not impersonated, names
// the actor.
func TestImpersonatedSession(t *testing.T) {
	for _, tc := range []struct {
		name       string
		imp        *bool
		actor      string
		impersonal bool
		phrase     string
	}{
		{name: "impersonated", imp: ptr(true), impersonal: true, phrase: "changed in an impersonated session of dan@acme.example on 2026-11-30"},
		{name: "near miss: not impersonated", imp: ptr(false), actor: "dan@acme.example", phrase: "changed by dan@acme.example on 2026-11-30"},
		{name: "near miss: not said", actor: "dan@acme.example", phrase: "changed by dan@acme.example on 2026-11-30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := baseSnapshot()
			n := later(t, o, t1)
			member(n, "m-bob").Level = posthog.LevelAdmin
			e := entry("e1", "dan@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 8))
			e.WasImpersonated = tc.imp
			n.ActivityLog = append(n.ActivityLog, e)
			r := compare(t, o, n)
			var level, access *Change
			for i, c := range r.Changes {
				switch {
				case c.Kind == KindMemberLevel:
					level = &r.Changes[i]
				case c.Kind == KindProjectAccess && c.Project.ID == 1:
					access = &r.Changes[i]
				}
			}
			if level == nil || level.By == nil || access == nil || access.By == nil {
				t.Fatalf("no attributed level and access changes: %v", showAll(r.Changes))
			}
			for _, c := range []*Change{level, access} {
				if c.By.Actor != tc.actor || c.By.Impersonated != tc.impersonal || c.By.EntryID != "e1" {
					t.Errorf("%s: by %+v", c.Kind, *c.By)
				}
			}
			if !strings.Contains(level.Message, tc.phrase) {
				t.Errorf("message %q does not say %q", level.Message, tc.phrase)
			}
			if tc.impersonal && strings.Contains(level.Message+access.Detail, "by dan") {
				t.Errorf("the impersonated user is named as the actor: %q / %q", level.Message, access.Detail)
			}
		})
	}
}

// Two latest entries at one time, by one user, one of them impersonated,
// are two different actors: nothing is attributed.
func TestImpersonatedAmbiguous(t *testing.T) {
	o := baseSnapshot()
	n := later(t, o, t1)
	member(n, "m-bob").Level = posthog.LevelAdmin
	a := entry("e1", "dan@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 8))
	b := entry("e2", "dan@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 8))
	b.WasImpersonated = ptr(true)
	n.ActivityLog = append(n.ActivityLog, a, b)
	r := compare(t, o, n)
	for _, c := range r.Changes {
		if c.Kind == KindMemberLevel && c.By != nil {
			t.Errorf("attributed: %+v", *c.By)
		}
	}
}
