package policies

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/sourcegraph/conc/pool"
)

// CheckInput is what one check evaluates.
//
// Every time-based judgment — dormancy, key age and use, the activity-log
// lookback window, exceptions' expiry, input.now and Rego's time.now_ns() —
// is made at the snapshot's CollectedAt, never at the clock: a check of a
// saved snapshot gives the findings it gave when it was collected.
type CheckInput struct {
	Snapshot *snapshot.Snapshot
	// Previous is the snapshot of the run before, or nil. With it a key's
	// last_used_at that is hogaudit's own earlier introspection does not
	// count as use (snapshot.Snapshot.KeyUses). It must be of the same
	// organization and older (snapshot.CheckPrevious).
	Previous *snapshot.Snapshot
	Matrix   *matrix.Matrix
	// MatrixRepoPath is the matrix file's path relative to the root of the
	// repository that holds it, slash-separated: the artifact location of
	// every SARIF result (report.MatrixInfo.RepoPath). Empty, the engine
	// uses Matrix.Path, slash-separated, when it is a local path (relative
	// and inside the working directory, filepath.IsLocal), else the file's
	// base name, so that the location stays a relative reference; a matrix
	// without a Path has no location.
	MatrixRepoPath string
	// GeneratedAt is when the check ran; the report states it and nothing
	// is judged against it.
	GeneratedAt time.Time
	// Tool describes hogaudit in the report.
	Tool report.Tool
	// Drift is the drift from Previous to Snapshot (drift.Compare), or nil
	// without Previous. The report carries it and rules read it as
	// input.drift.
	Drift *drift.Report
}

// Check evaluates every enabled rule whose evidence is present and returns
// the report: findings (exceptions applied, each with its Identity and ID),
// rules not evaluated for lack of evidence, and exceptions expiring soon. Summary is left for the caller to
// fill with report.Finalize, which knows --fail-on.
func (e *Engine) Check(ctx context.Context, in CheckInput) (*report.Report, error) {
	if in.Snapshot.CollectedAt.IsZero() {
		return nil, fmt.Errorf("the snapshot has no collected_at: time-based rules cannot be judged")
	}
	asOf := in.Snapshot.CollectedAt.UTC()
	if in.Previous != nil {
		if err := snapshot.CheckPrevious(in.Snapshot, in.Previous); err != nil {
			return nil, err
		}
	}
	snap := in.Snapshot.WithKeyUses(in.Previous)
	bound := in.Matrix.Bind(Inventory(snap), asOf)
	doc, err := BuildInput(snap, bound, asOf)
	if err != nil {
		return nil, err
	}
	doc.Drift = in.Drift
	value, err := toValue(doc)
	if err != nil {
		return nil, fmt.Errorf("convert policy input: %w", err)
	}

	rep := &report.Report{
		Tool:               in.Tool,
		Snapshot:           snapshotInfo(in.Snapshot),
		Matrix:             matrixInfo(in.Matrix.Path, in.MatrixRepoPath, doc.Matrix),
		Findings:           []report.Finding{},
		NotEvaluated:       []report.NotEvaluated{},
		ExpiringExceptions: []report.Exception{},
		GeneratedAt:        in.GeneratedAt.UTC(),
		Drift:              in.Drift,
	}
	keyCoverage(rep, bound)

	missing := map[string][]snapshot.Missing{}
	for _, m := range in.Snapshot.Missing {
		if !m.NotApplicable {
			missing[m.Section] = append(missing[m.Section], m)
		}
	}
	gaps := bindingGaps(bound)
	var runnable []Rule
	for _, r := range e.rules {
		if e.disabled[r.ID] {
			rep.DisabledRules = append(rep.DisabledRules, r.Report())
			continue
		}
		rep.Rules = append(rep.Rules, r.Report())
		if r.Drift && in.Drift == nil {
			continue // no previous snapshot: nothing to judge, no evidence lacking
		}
		ne, skip := notEvaluated(r, missing)
		if g, ok := gaps.notEvaluated(r); ok {
			if skip {
				ne.Bindings, ne.Reason = g.Bindings, ne.Reason+"; "+g.Reason
			} else {
				ne, skip = g, true
			}
		}
		if r.Drift {
			if g, ok := driftNotEvaluated(r, in.Drift, bound); ok {
				if skip {
					ne.Sections = mergeSorted(ne.Sections, g.Sections)
					ne.Reason += "; " + g.Reason
				} else {
					ne, skip = g, true
				}
			}
		}
		if skip {
			rep.NotEvaluated = append(rep.NotEvaluated, ne)
			continue
		}
		runnable = append(runnable, r)
	}

	var mu sync.Mutex
	p := pool.New().WithErrors().WithContext(ctx).WithMaxGoroutines(runtime.GOMAXPROCS(0))
	for _, r := range runnable {
		p.Go(func(ctx context.Context) error {
			fs, err := e.evalRule(ctx, r, value, asOf)
			if err != nil {
				return err
			}
			mu.Lock()
			rep.Findings = append(rep.Findings, fs...)
			mu.Unlock()
			return nil
		})
	}
	if err := p.Wait(); err != nil {
		return nil, err
	}

	fallbackIdentities(rep.Findings, bound)
	applyExceptions(rep, bound.Exceptions(), e.rules)
	sortFindings(rep.Findings)
	rep.AssignIDs()
	return rep, nil
}

// notEvaluated reports whether r lacks evidence, and how to describe it. The
// remedy comes from the Missing records themselves: an organization admin's
// key for a section partial because the scanning key is not one, the scopes
// the records name, the plan features they name, else the first record's
// reason — never a scope guessed from the section, so a 402 or a 500 is not
// blamed on the key.
func notEvaluated(r Rule, missing map[string][]snapshot.Missing) (report.NotEvaluated, bool) {
	var secs, scopes, features, partial []string
	cause := ""
	for _, s := range r.Requires {
		ms := missing[s]
		if len(ms) == 0 {
			continue
		}
		secs = append(secs, s)
		for _, m := range ms {
			if m.Cause == snapshot.CauseScannerNotAdmin {
				if !contains(partial, s) {
					partial = append(partial, s)
				}
				continue
			}
			if m.Scope != "" && !contains(scopes, m.Scope) {
				scopes = append(scopes, m.Scope)
			}
			if m.Feature != "" && !contains(features, m.Feature) {
				features = append(features, m.Feature)
			}
			if cause == "" && m.Reason != "" {
				cause = s + ": " + m.Reason
			}
		}
	}
	if len(secs) == 0 {
		return report.NotEvaluated{}, false
	}
	reason := "the snapshot lacks " + strings.Join(secs, ", ")
	switch {
	case len(scopes) > 0 || len(features) > 0:
		if len(scopes) > 0 {
			reason += "; the scanning key needs " + strings.Join(scopes, ", ")
		}
		if len(features) > 0 {
			reason += "; the organization's PostHog plan needs " + strings.Join(features, ", ")
		}
	case cause != "":
		reason += " (" + cause + ")"
	}
	if len(partial) > 0 {
		reason += "; the scanning key is not an organization admin's, so PostHog showed it only part of " +
			strings.Join(partial, ", ") + ": scan with an organization admin's or owner's key"
	}
	return report.NotEvaluated{
		Rule: r.ID, Name: r.Name, Sections: secs, Scopes: nonNilStrings(scopes), Reason: reason,
	}, true
}

// gapList are the project bindings that keep rules from judging what the
// matrix means (matrix.ProjectBinding.Failing), sorted by key.
type gapList []matrix.ProjectBinding

func bindingGaps(b *matrix.Bound) gapList {
	var out gapList
	for _, pb := range b.Projects() {
		if pb.Failing() {
			out = append(out, pb)
		}
	}
	return out
}

// notEvaluated reports whether r must not run for the bindings' sake: every
// rule that reads the projects section judges projects through their
// matrix keys, so while one key cannot be told from its candidates none of
// those rules can pass (fail closed). The reason names each key and its
// candidates by id and name.
func (g gapList) notEvaluated(r Rule) (report.NotEvaluated, bool) {
	if len(g) == 0 || !contains(r.Requires, snapshot.SectionProjects) {
		return report.NotEvaluated{}, false
	}
	keys := make([]string, 0, len(g))
	reasons := make([]string, 0, len(g))
	for _, pb := range g {
		keys = append(keys, pb.Key)
		reasons = append(reasons, BindingProblem(pb))
	}
	return report.NotEvaluated{
		Rule: r.ID, Name: r.Name, Sections: []string{}, Scopes: []string{}, Bindings: keys,
		Reason: strings.Join(reasons, "; "),
	}, true
}

// BindingProblem describes, for people, why a failing project binding
// leaves its rules unable to judge, naming the candidate projects by id and
// name and the fix: "matrix project production_project (protected) matches
// 2 PostHog projects: 12345 "Production", 12399 "Production"; give it the
// id: of the one it means".
func BindingProblem(pb matrix.ProjectBinding) string {
	what := "matrix project " + pb.Key
	if pb.Protected {
		what += " (protected)"
	}
	var cands []string
	for _, c := range pb.Candidates {
		cands = append(cands, fmt.Sprintf("%d %q", c.ID, c.Name))
	}
	list := strings.Join(cands, ", ")
	if len(pb.Ambiguous) > 0 {
		return fmt.Sprintf("%s matches %d PostHog projects: %s; give it the id: of the one it means (projects.%s.id)", what, len(pb.Ambiguous), list, pb.Key)
	}
	looked := "a project named " + strconv.Quote(pb.MatchName)
	if pb.By == matrix.ByID {
		looked = "id " + strconv.FormatInt(pb.DeclaredID, 10)
	}
	s := fmt.Sprintf("%s matches no PostHog project (looked for %s)", what, looked)
	if list != "" {
		s += "; nearest: " + list
	}
	return s + fmt.Sprintf("; give it the id: of its project (projects.%s.id), or remove it", pb.Key)
}

// evalRule runs one rule's prepared query at time asOf (what
// time.now_ns() returns to it) and converts its findings.
func (e *Engine) evalRule(ctx context.Context, r Rule, input ast.Value, asOf time.Time) ([]report.Finding, error) {
	rs, err := e.queries[r.ID].Eval(ctx, rego.EvalParsedInput(input), rego.EvalTime(asOf))
	if err != nil {
		return nil, fmt.Errorf("evaluate %s (%s): %w", r.ID, r.File, err)
	}
	var out []report.Finding
	for _, res := range rs {
		for _, ex := range res.Expressions {
			set, ok := ex.Value.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: rule %s: findings must be a set of objects", r.File, r.ID)
			}
			for _, item := range set {
				f, err := toFinding(r, item)
				if err != nil {
					return nil, err
				}
				out = append(out, f)
			}
		}
	}
	return out, nil
}
