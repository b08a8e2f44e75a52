package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// End-to-end tests of bindings that fail closed (issue 8, item 3): the
// simulated Acme, changed a little, is scanned by the real command; the JSON
// report and stderr must show the behaviour, and the near miss must not.

// bindingReport is the part of the JSON report these tests read.
type bindingReport struct {
	Snapshot struct {
		Complete bool `json:"complete"`
		Missing  []struct {
			Section  string `json:"section"`
			Endpoint string `json:"endpoint"`
			Reason   string `json:"reason"`
		} `json:"missing"`
	} `json:"snapshot"`
	NotEvaluated []struct {
		Rule     string   `json:"rule"`
		Sections []string `json:"sections"`
		Bindings []string `json:"bindings"`
		Reason   string   `json:"reason"`
	} `json:"not_evaluated"`
}

func decodeBindings(t *testing.T, out string) bindingReport {
	t.Helper()
	var r bindingReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	return r
}

// secondProject adds a project named name to Acme, with the rules of
// Production (so it is just as closed).
func secondProject(id int64, name string) orgChange {
	return func(o *posthogsim.Org) {
		p := *project(o, "Production")
		p.ID, p.UUID, p.Name = id, "0186d2c1-5b2e-0000-9a61-7f3c2a1b0e99", name
		p.Activity = nil
		o.Projects = append(o.Projects, p)
	}
}

// projectRuleIDs are the built-in rules that read the projects section.
var projectRuleIDs = []string{"PH204", "PH205", "PH206", "PH210", "PH211", "PH212", "PH302", "PH303", "PH401"}

func TestE2ETwoProductionsLeaveTheProtectedProjectUnevaluated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, secondProject(12399, "Production"))
	rep, res := h.scanJSON()
	if res.code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", res.code, res.stderr)
	}
	b := decodeBindings(t, res.stdout)
	var got []string
	for _, ne := range b.NotEvaluated {
		if !slices.Equal(ne.Bindings, []string{"production_project"}) {
			t.Errorf("%s not evaluated for %v (%s)", ne.Rule, ne.Bindings, ne.Reason)
			continue
		}
		got = append(got, ne.Rule)
		if !strings.Contains(ne.Reason, `12345 "Production", 12399 "Production"`) {
			t.Errorf("%s reason %q lacks the candidates", ne.Rule, ne.Reason)
		}
	}
	if !slices.Equal(got, projectRuleIDs) {
		t.Errorf("not evaluated %v, want %v", got, projectRuleIDs)
	}
	// The evidence is complete: the binding, not the snapshot, is at fault.
	if !b.Snapshot.Complete {
		t.Errorf("missing %+v", b.Snapshot.Missing)
	}
	f := requireFinding(t, rep, want{"PH905", "matrix:projects.production_project", "production_project"})
	if f.Severity != "high" || !strings.Contains(f.Message, `matches 2 PostHog projects (12345 "Production", 12399 "Production")`) {
		t.Errorf("PH905 %s: %s", f.Severity, f.Message)
	}
	requireAbsent(t, rep, want{"PH903", "matrix:projects.production_project", "*"})
	// PH212's finding on the real Production cannot be reported: not
	// evaluated is neither pass nor fail.
	requireAbsent(t, rep, want{"PH212", "*", "*"})
	// The hint names both candidates by id and name, and the fix.
	for _, w := range []string{
		"hogaudit: PH212 protected-project-access-exceeds-matrix not evaluated: matrix project production_project binds to no single PostHog project",
		`hogaudit: hint: matrix project production_project (protected) matches 2 PostHog projects: 12345 "Production", 12399 "Production"; give it the id: of the one it means (projects.production_project.id)`,
	} {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
		}
	}

	// Near miss: bound by id, the protected project is judged again.
	h.writeMatrix(strings.Replace(string(examples.Matrix), "    name: Production\n", "    id: 12345\n", 1))
	rep, res = h.scanJSON()
	if res.code != 1 {
		t.Fatalf("bound by id: exit %d, want 1:\n%s", res.code, res.stderr)
	}
	if b := decodeBindings(t, res.stdout); len(b.NotEvaluated) != 0 {
		t.Errorf("bound by id, not evaluated: %+v", b.NotEvaluated)
	}
	requireFinding(t, rep, want{"PH212", "member:dan@acme.example", "production_project"})
	requireAbsent(t, rep, want{"PH905", "*", "*"})
	// The other Production is now a project no key binds.
	requireFinding(t, rep, want{"PH211", "project:Production*", "*"})
}

func TestE2EProtectedProjectRenamedAway(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *posthogsim.Org) { project(o, "Production").Name = "Production EU" })
	rep, res := h.scanJSON()
	if res.code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", res.code, res.stderr)
	}
	f := requireFinding(t, rep, want{"PH905", "matrix:projects.production_project", "production_project"})
	if !strings.Contains(f.Message, `matches no PostHog project (looked for a project named "Production"); nearest: 12345 "Production EU"`) {
		t.Errorf("PH905 message %q", f.Message)
	}
	if !strings.Contains(res.stderr, `hint: matrix project production_project (protected) matches no PostHog project (looked for a project named "Production"); nearest: 12345 "Production EU"`) {
		t.Errorf("stderr:\n%s", res.stderr)
	}
	// Near miss: the unprotected staging key renamed away is a finding,
	// and the rules still run (exit 1).
	h2 := newHarness(t, func(o *posthogsim.Org) { project(o, "Staging").Name = "Staging EU" })
	rep, res = h2.scanJSON()
	if res.code != 1 {
		t.Fatalf("unprotected: exit %d, want 1:\n%s", res.code, res.stderr)
	}
	requireFinding(t, rep, want{"PH903", "matrix:projects.staging_project", "staging_project"})
	requireFinding(t, rep, want{"PH212", "member:dan@acme.example", "production_project"})
}

// TestE2ETwoStagingsFailClosed: an unprotected key matching two projects
// is not guessed either: which project the matrix governs is unknown, so
// the project rules are not evaluated, and PH903 names both.
func TestE2ETwoStagingsFailClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, secondProject(12400, "staging"))
	rep, res := h.scanJSON()
	if res.code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", res.code, res.stderr)
	}
	f := requireFinding(t, rep, want{"PH903", "matrix:projects.staging_project", "staging_project"})
	if f.Severity != "medium" || !strings.Contains(f.Message, `(12346 "Staging", 12400 "staging")`) {
		t.Errorf("PH903 %s: %s", f.Severity, f.Message)
	}
	for _, ne := range decodeBindings(t, res.stdout).NotEvaluated {
		if !slices.Equal(ne.Bindings, []string{"staging_project"}) {
			t.Errorf("%s: bindings %v", ne.Rule, ne.Bindings)
		}
	}
	// Near miss: a second project of another name binds to nothing, and
	// the matrix still means one project per key.
	h2 := newHarness(t, secondProject(12400, "Sandbox"))
	rep, res = h2.scanJSON()
	if res.code != 1 {
		t.Fatalf("another name: exit %d, want 1:\n%s", res.code, res.stderr)
	}
	requireAbsent(t, rep, want{"PH903", "*", "*"})
	requireFinding(t, rep, want{"PH211", "project:Sandbox", "*"})
}

// TestE2EDuplicatedProjectList: PostHog listing a project twice makes a
// list that does not add up (count distinct items): the client reads it
// again, then the section is missing, naming the endpoint and the numbers,
// and the check exits 2 — the repeated project is never judged twice, and
// the list is never taken for the whole.
func TestE2EDuplicatedProjectList(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *posthogsim.Org) { o.Projects = append(o.Projects, *project(o, "Production")) })
	_, res := h.scanJSON("--snapshot-out", "dup.json")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", res.code, res.stderr)
	}
	s, err := snapshot.Load(h.path("dup.json"))
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "/api/organizations/" + posthogsim.AcmeOrgID + "/projects/"
	named := false
	for _, m := range s.Missing {
		named = named || (m.Section == snapshot.SectionProjects && m.Endpoint == endpoint && strings.Contains(m.Reason, "did not add up"))
	}
	if s.Complete() || s.Projects != nil || !named {
		t.Errorf("complete %v, projects %d, missing %+v; want the project list missing, named", s.Complete(), len(s.Projects), s.Missing)
	}
	// Near miss: the same organization without the repeat is complete.
	if rep, res := newHarness(t, nil).scanJSON(); res.code != 1 || !rep.Snapshot.Complete {
		t.Errorf("exit %d complete %v", res.code, rep.Snapshot.Complete)
	}
}
