package matrix

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

const keysMatrix = `groups:
  bots:
    keys: [ci-deploy, nightly-export]
  exporters:
    members: ["export@acme.example"]
    keys:
      - nightly-export
      - Nightly-Export
`

func withKeys(labels ...string) *snapshot.Snapshot {
	s := snap([]project{{7, "Production"}}, []role{})
	for _, l := range labels {
		s.APIKeys = append(s.APIKeys, snapshot.APIKey{Source: snapshot.KeySourceAudit, PersonalAPIKey: posthog.PersonalAPIKey{Label: l}})
	}
	return s
}

func TestBindKeysMarksTheAuditedOnes(t *testing.T) {
	m := mustParse(t, keysMatrix)
	b := m.Bind(withKeys("nightly-export", "undeclared"), time.Now())
	want := []KeyBinding{
		// Labels compare exactly: Nightly-Export is another label.
		{Label: "Nightly-Export", Pos: Pos{Line: 8, Col: 9}, Groups: []string{"exporters"}},
		{Label: "ci-deploy", Pos: Pos{Line: 3, Col: 12}, Groups: []string{"bots"}},
		{Label: "nightly-export", Pos: Pos{Line: 3, Col: 23}, Groups: []string{"bots", "exporters"}, Audited: true},
	}
	if diff := cmp.Diff(want, b.Keys()); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	// Near miss: every label handed over.
	b = m.Bind(withKeys("ci-deploy", "nightly-export", "Nightly-Export"), time.Now())
	for _, k := range b.Keys() {
		if !k.Audited {
			t.Errorf("%s should be audited", k.Label)
		}
	}
	// Without a snapshot, or without keys, nothing is audited; a matrix
	// without keys: declares none.
	for _, kb := range m.Bind(nil, time.Now()).Keys() {
		if kb.Audited {
			t.Errorf("%s audited without a snapshot", kb.Label)
		}
	}
	if ks := mustParse(t, "groups:\n  eng: {role: Engineering}\n").Bind(withKeys("x"), time.Now()).Keys(); len(ks) != 0 {
		t.Errorf("keys = %+v, want none", ks)
	}
}

func TestBindPartialProjectListIsUnknown(t *testing.T) {
	m := mustParse(t, bindMatrix)
	s := snap([]project{{7, "Production"}}, []role{{"r1", "Platform Team"}})
	level := 1
	s.Missing = append(s.Missing, snapshot.Missing{
		Section: snapshot.SectionProjects, Cause: snapshot.CauseScannerNotAdmin, ScannerLevel: &level, Status: 200,
	})
	if b := m.Bind(s, time.Now()); !b.UnknownProjects() || b.UnknownGroups() {
		t.Errorf("a partial project list cannot tell a project is gone: projects unknown %v, groups unknown %v", b.UnknownProjects(), b.UnknownGroups())
	}
	// Near miss: a per-project record with a cause does not make the list
	// partial.
	pid := int64(7)
	s.Missing[0].ProjectID = &pid
	if m.Bind(s, time.Now()).UnknownProjects() {
		t.Error("a record for one project must not make the project list unknown")
	}
}
