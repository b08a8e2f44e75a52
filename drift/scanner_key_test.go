package drift

import (
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot"
)

// A key seen on one side only as the scanning key went unseen on the
// other: an api_keys gap, not silence. Near misses: the same scanning key
// on both sides compares normally; the old scanning key audited in the
// new snapshot is compared too.
func TestScanningKeyOneSide(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(o, n *snapshot.Snapshot)
		gaps    []string
		reasons []string
		changes []string
	}{
		{name: "the new snapshot scanned with another key", edit: func(o, n *snapshot.Snapshot) {
			n.APIKeys[0].ID, n.APIKeys[0].Label = "k-scan2", "other-scanner"
		}, gaps: []string{"api_keys new", "api_keys old"}, reasons: []string{
			"key access-snapshot was seen only as the old snapshot's scanning key; whether it changed cannot be told",
			"key other-scanner was seen only as the new snapshot's scanning key; whether it changed cannot be told",
		}},
		{name: "near miss: the same scanning key, scopes widened", edit: func(o, n *snapshot.Snapshot) {
			n.APIKeys[0].Scopes = []string{"*"}
		}, changes: []string{"key_scopes key:access-snapshot scopes organization:read→*"}},
		{name: "near miss: the old scanning key is the new snapshot's audit key", edit: func(o, n *snapshot.Snapshot) {
			k := n.APIKeys[0]
			k.Source, k.Env = snapshot.KeySourceAudit, "SCAN_KEY"
			n.APIKeys[0].ID, n.APIKeys[0].Label = "k-scan2", "other-scanner"
			n.APIKeys = append(n.APIKeys, k)
			n.AuditKeyEnvs = append(n.AuditKeyEnvs, "SCAN_KEY")
		}, gaps: []string{"api_keys old"}, reasons: []string{"key other-scanner was seen only as the new snapshot's scanning key"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := compareEdited(t, tc.edit)
			wantGaps(t, r, tc.gaps)
			wantChanges(t, r, tc.changes)
			for _, want := range tc.reasons {
				found := false
				for _, g := range r.Gaps {
					found = found || strings.Contains(g.Reason, want)
				}
				if !found {
					t.Errorf("no gap says %q: %+v", want, r.Gaps)
				}
			}
		})
	}
}
