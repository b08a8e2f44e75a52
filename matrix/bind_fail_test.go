package matrix

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Bindings that fail closed (issue 8, item 3): which bindings leave rules
// unable to judge, and what they tell about their candidates.

const failMatrix = `projects:
  production_project:
    name: Production
    protected: true
  pinned_project:
    id: 12399
    protected: true
  staging_project:
    name: Staging
  lost_project:
    name: Lost
  vault_project:
    name: Vault
    protected: true
access_matrix: {}
`

func bindingOf(t *testing.T, b *Bound, key string) ProjectBinding {
	t.Helper()
	for _, pb := range b.Projects() {
		if pb.Key == key {
			return pb
		}
	}
	t.Fatalf("no binding for %s", key)
	return ProjectBinding{}
}

func TestBindingsThatFail(t *testing.T) {
	m := mustParse(t, failMatrix)
	// Two projects named "Production" (a normal PostHog state), two
	// "Staging" ones, the list repeating 7 twice; no "Lost", no "Vault".
	b := m.Bind(snap([]project{
		{12345, "Production"}, {12399, "production"}, {7, "Staging"}, {7, "Staging"}, {8, "staging"}, {9, "Vaults"},
	}, []role{}), mustDate(t, "2026-11-27"))

	cases := []struct {
		key        string
		failing    bool
		bound      int64
		candidates []Candidate
	}{
		// protected and ambiguous: fails, both candidates named
		{"production_project", true, 0, []Candidate{{12345, "Production"}, {12399, "production"}}},
		// near miss: the same project bound by id is judged
		{"pinned_project", false, 12399, nil},
		// unprotected but ambiguous (7 listed twice counts once): fails too
		{"staging_project", true, 0, []Candidate{{7, "Staging"}, {8, "staging"}}},
		// unprotected, matching nothing: governs nothing, PH903 reports it
		{"lost_project", false, 0, []Candidate{{9, "Vaults"}, {7, "Staging"}, {8, "staging"}}},
		// protected, matching nothing: fails, the nearest name suggested
		{"vault_project", true, 0, []Candidate{{9, "Vaults"}, {7, "Staging"}, {8, "staging"}}},
	}
	for _, c := range cases {
		pb := bindingOf(t, b, c.key)
		if pb.Failing() != c.failing || pb.ProjectID != c.bound || pb.Bound != (c.bound != 0) {
			t.Errorf("%s: failing %v bound %v (%d), want failing %v bound to %d", c.key, pb.Failing(), pb.Bound, pb.ProjectID, c.failing, c.bound)
		}
		if diff := cmp.Diff(c.candidates, pb.Candidates); diff != "" {
			t.Errorf("%s candidates (-want +got):\n%s", c.key, diff)
		}
	}

}

// TestUnknownBindingsDoNotFail: without the project list (or with a partial
// one) whether a key binds cannot be told; the missing section, not the
// binding, keeps the rules from running.
func TestUnknownBindingsDoNotFail(t *testing.T) {
	m := mustParse(t, failMatrix)
	b := m.Bind(snap(nil, []role{}), mustDate(t, "2026-11-27"))
	for _, pb := range b.Projects() {
		if !pb.Unknown || pb.Failing() || len(pb.Candidates) > 0 {
			t.Errorf("%s: unknown %v failing %v candidates %v", pb.Key, pb.Unknown, pb.Failing(), pb.Candidates)
		}
	}
}
