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
