package policies

import (
	"fmt"
	"strings"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// keyCoverage fills rep.Coverage.Keys from the bound matrix and records each
// declared key no audited key carries as missing evidence, which makes the
// report incomplete (exit 2): the key rules PH301–PH305 cannot judge a key
// hogaudit never saw, and PostHog lets a personal API key read only itself,
// so only --audit-key-env can show it. Rule PH901 reports each one too.
func keyCoverage(rep *report.Report, b *matrix.Bound) {
	kc := report.KeyCoverage{Unaudited: []string{}}
	for _, k := range b.Keys() {
		kc.Declared++
		if k.Audited {
			kc.Audited++
			continue
		}
		kc.Unaudited = append(kc.Unaudited, k.Label)
		rep.Snapshot.Missing = append(rep.Snapshot.Missing, report.Missing{
			Section: snapshot.SectionAPIKeys,
			Key:     k.Label,
			Reason: fmt.Sprintf("declared under keys: of %s but not audited: PostHog lets a personal API key read only itself, "+
				"so the key rules (PH301–PH305) cannot judge it", groupList(k.Groups)),
		})
		rep.Snapshot.Complete = false
	}
	rep.Coverage.Keys = kc
}

func groupList(groups []string) string {
	if len(groups) == 1 {
		return "group " + groups[0]
	}
	return "groups " + strings.Join(groups, ", ")
}

// remedy is what would let a missing section be collected whole.
type remedy struct {
	// scopes are the personal API key scopes that would.
	scopes []string
	// notAdmin says the section is partial because the scanning key is not
	// an organization admin's (snapshot.CauseScannerNotAdmin).
	notAdmin bool
}

// sectionRemedies maps every section with an applicable Missing record to
// its remedy: a record of a key below admin calls for an admin's key, not a
// scope; a record naming its own scope (an unconfirmed section needs
// organization:read) calls for that scope; any other record for the scope
// that reads the section.
func sectionRemedies(s *snapshot.Snapshot) map[string]remedy {
	out := map[string]remedy{}
	for _, m := range s.Missing {
		if m.NotApplicable {
			continue
		}
		r := out[m.Section]
		sc := snapshot.SectionScopes[m.Section]
		switch {
		case m.Cause == snapshot.CauseScannerNotAdmin:
			r.notAdmin, sc = true, ""
		case m.Cause != "":
			sc = m.Scope
		}
		if sc != "" && !contains(r.scopes, sc) {
			r.scopes = append(r.scopes, sc)
		}
		out[m.Section] = r
	}
	return out
}
