package matrix

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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

// withKeys returns an inventory holding keys with the labels given.
func withKeys(labels ...string) *Inventory {
	inv := snap([]project{{7, "Production"}}, []role{})
	inv.KeyLabels = labels
	return inv
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
	// Without an inventory, or without keys, nothing is audited; a matrix
	// without keys: declares none.
	for _, kb := range m.Bind(nil, time.Now()).Keys() {
		if kb.Audited {
			t.Errorf("%s audited without an inventory", kb.Label)
		}
	}
	if ks := mustParse(t, "groups:\n  eng: {role: Engineering}\n").Bind(withKeys("x"), time.Now()).Keys(); len(ks) != 0 {
		t.Errorf("keys = %+v, want none", ks)
	}
}

// TestBindPartialProjectListIsUnknown: a project list the inventory does
// not vouch for (policies.Inventory leaves ProjectsKnown false for a partial
// section) cannot tell a project is gone; the matrix does not read it.
func TestBindPartialProjectListIsUnknown(t *testing.T) {
	m := mustParse(t, bindMatrix)
	inv := snap([]project{{7, "Production"}}, []role{{"r1", "Platform Team"}})
	inv.ProjectsKnown = false
	b := m.Bind(inv, time.Now())
	if !b.UnknownProjects() || b.UnknownGroups() {
		t.Errorf("a partial project list cannot tell a project is gone: projects unknown %v, groups unknown %v", b.UnknownProjects(), b.UnknownGroups())
	}
	if pb := bindingOf(t, b, "by_id"); pb.Bound || !pb.Unknown {
		t.Errorf("by_id bound to a list not known complete: %+v", pb)
	}
	// Near miss: the same list, known complete, binds.
	inv.ProjectsKnown = true
	b = m.Bind(inv, time.Now())
	if b.UnknownProjects() {
		t.Error("a complete project list must not leave the bindings unknown")
	}
	if pb := bindingOf(t, b, "by_id"); !pb.Bound || pb.ProjectID != 7 {
		t.Errorf("by_id = %+v, want bound to 7", pb)
	}
}
