package policies_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// Bindings that fail closed (issue 8, item 3), at the engine: a protected
// matrix project bound to no single PostHog project, or any key matching
// several, keeps every rule that judges projects from running.

func bindingSnapshot(projects ...snapshot.Project) *snapshot.Snapshot {
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	return &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		Org:           snapshot.OrgRef{ID: "org", Name: "Acme"},
		CollectedAt:   at,
		Organization:  &posthog.Organization{ID: "org", Name: "Acme"},
		Members:       []posthog.Member{},
		Roles:         []snapshot.Role{},
		Projects:      projects,
		Missing:       []snapshot.Missing{},
	}
}

func checkBindings(t *testing.T, eng *policies.Engine, yaml string, s *snapshot.Snapshot) *report.Report {
	t.Helper()
	m, err := matrix.Parse("m.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m, GeneratedAt: s.CollectedAt})
	if err != nil {
		t.Fatal(err)
	}
	rep.Finalize("high")
	return rep
}

// projectRules are the built-in rules that read the projects section,
// but for the drift rules: these checks have no previous snapshot, so those
// judge nothing and lack nothing.
func projectRules(eng *policies.Engine) []string {
	var ids []string
	for _, r := range eng.Rules() {
		if slices.Contains(r.Requires, snapshot.SectionProjects) && !r.Drift {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func notEvaluatedFor(rep *report.Report, key string) []string {
	var ids []string
	for _, ne := range rep.NotEvaluated {
		if slices.Contains(ne.Bindings, key) {
			ids = append(ids, ne.Rule)
		}
	}
	return ids
}

func TestAmbiguousProtectedProjectIsNotEvaluated(t *testing.T) {
	t.Parallel()
	eng := policies.SharedBuiltinEngine(t)
	twoProductions := bindingSnapshot(
		snapshot.Project{ID: 12345, Name: "Production"},
		snapshot.Project{ID: 12399, Name: "Production"},
		snapshot.Project{ID: 7, Name: "Staging"},
	)
	const byName = "projects:\n  production_project:\n    name: Production\n    protected: true\naccess_matrix: {}\n"
	rep := checkBindings(t, eng, byName, twoProductions)

	want := projectRules(eng)
	if len(want) < 5 {
		t.Fatalf("only %v read projects", want)
	}
	if diff := cmp.Diff(want, notEvaluatedFor(rep, "production_project")); diff != "" {
		t.Errorf("rules not evaluated for the binding (-want +got):\n%s", diff)
	}
	for _, ne := range rep.NotEvaluated {
		if !slices.Contains(ne.Bindings, "production_project") {
			t.Errorf("%s not evaluated for another reason: %s", ne.Rule, ne.Reason)
			continue
		}
		for _, w := range []string{"production_project (protected)", "12345 \"Production\"", "12399 \"Production\"", "projects.production_project.id"} {
			if !strings.Contains(ne.Reason, w) {
				t.Errorf("%s reason %q lacks %q", ne.Rule, ne.Reason, w)
			}
		}
	}
	for _, f := range rep.Findings {
		if slices.Contains(want, f.Rule) {
			t.Errorf("%s reported although not evaluated: %s", f.Rule, f.Message)
		}
	}
	ph905 := false
	for _, f := range rep.Findings {
		if f.Rule == "PH905" && f.Subject == "matrix:projects.production_project" && f.Severity == "high" {
			ph905 = true
		}
		if f.Rule == "PH903" {
			t.Errorf("PH903 for a protected key: %s", f.Message)
		}
	}
	if !ph905 {
		t.Errorf("no high PH905 finding: %+v", rep.Findings)
	}
	if rep.ExitCode() != report.ExitIncomplete {
		t.Errorf("exit %d, want 2", rep.ExitCode())
	}

	// Near miss: the same project bound by id is judged.
	const byID = "projects:\n  production_project:\n    id: 12399\n    protected: true\naccess_matrix: {}\n"
	rep = checkBindings(t, eng, byID, twoProductions)
	if len(rep.NotEvaluated) != 0 {
		t.Errorf("bound by id, yet not evaluated: %+v", rep.NotEvaluated)
	}
	for _, f := range rep.Findings {
		if f.Rule == "PH905" || f.Rule == "PH903" {
			t.Errorf("bound by id, yet %s: %s", f.Rule, f.Message)
		}
	}
}

func TestUnmatchedBindings(t *testing.T) {
	t.Parallel()
	eng := policies.SharedBuiltinEngine(t)
	s := bindingSnapshot(snapshot.Project{ID: 12345, Name: "Production EU"}, snapshot.Project{ID: 7, Name: "Staging"})

	// A protected key matching nothing: not evaluated, the nearest project
	// suggested.
	rep := checkBindings(t, eng, "projects:\n  production_project:\n    name: Production\n    protected: true\naccess_matrix: {}\n", s)
	if got := notEvaluatedFor(rep, "production_project"); !slices.Equal(got, projectRules(eng)) {
		t.Errorf("not evaluated %v", got)
	}
	if r := rep.NotEvaluated[0].Reason; !strings.Contains(r, "matches no PostHog project (looked for a project named \"Production\"); nearest: 12345 \"Production EU\"") {
		t.Errorf("reason %q", r)
	}

	// Near miss: an unprotected key matching nothing governs nothing: a
	// PH903 finding (medium), the rules still run.
	rep = checkBindings(t, eng, "projects:\n  production_project:\n    name: Production\naccess_matrix: {}\n", s)
	if len(rep.NotEvaluated) != 0 {
		t.Errorf("not evaluated: %+v", rep.NotEvaluated)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || (f.Rule == "PH903" && f.Severity == "medium" && strings.Contains(f.Message, "nearest: 12345 \"Production EU\""))
	}
	if !found {
		t.Errorf("no PH903: %+v", rep.Findings)
	}
}

// TestAmbiguousUnprotectedProjectIsNotEvaluated: two "Staging" projects and
// an unprotected staging_project: which one's access the matrix governs is
// unknown, so the project rules do not run; PH903 names both.
func TestAmbiguousUnprotectedProjectIsNotEvaluated(t *testing.T) {
	t.Parallel()
	eng := policies.SharedBuiltinEngine(t)
	s := bindingSnapshot(snapshot.Project{ID: 7, Name: "Staging"}, snapshot.Project{ID: 8, Name: "staging"})
	s.Missing = []snapshot.Missing{{Section: snapshot.SectionAccessControls, Endpoint: "/api/projects/{project_id}/access_controls/", Status: 403, Scope: "access_control:read", Reason: "missing scope access_control:read"}}
	rep := checkBindings(t, eng, "access_matrix:\n  g:\n    staging_project: {}\n", s)
	if got := notEvaluatedFor(rep, "staging_project"); !slices.Equal(got, projectRules(eng)) {
		t.Errorf("not evaluated for the binding: %v", got)
	}
	for _, ne := range rep.NotEvaluated {
		if ne.Rule == "PH204" && (!slices.Contains(ne.Sections, snapshot.SectionAccessControls) || !strings.Contains(ne.Reason, "access_control:read") || !strings.Contains(ne.Reason, "7 \"Staging\", 8 \"staging\"")) {
			t.Errorf("PH204 should name both the missing section and the binding: %+v", ne)
		}
	}
	found := false
	for _, f := range rep.Findings {
		found = found || (f.Rule == "PH903" && strings.Contains(f.Message, "matches 2 PostHog projects (7 \"Staging\", 8 \"staging\")"))
	}
	if !found {
		t.Errorf("no PH903 naming the candidates: %+v", rep.Findings)
	}
}
