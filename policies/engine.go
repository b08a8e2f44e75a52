package policies

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/sourcegraph/conc/pool"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// Options configure an Engine.
type Options struct {
	// PolicyDirs are directories of custom rules evaluated beside the
	// built-in ones.
	PolicyDirs []string
	// Disable lists rules to turn off, by id or name.
	Disable []string
}

// Engine evaluates snapshots with the built-in and custom rules. It is built
// once (modules compiled in strict mode, one prepared query per rule) and may
// evaluate many snapshots, concurrently.
type Engine struct {
	rules    []Rule // every loaded rule, sorted by id
	disabled map[string]bool
	queries  map[string]rego.PreparedEvalQuery // by rule id
	compiler *ast.Compiler
}

// New loads and compiles the rules. Errors name the file at fault: a Rego
// syntax or type error, a rule without complete METADATA, a duplicate id, or
// a --disable naming no rule.
func New(ctx context.Context, opts Options) (*Engine, error) {
	src, err := loadSources(opts.PolicyDirs, false)
	if err != nil {
		return nil, err
	}
	c, err := compile(src)
	if err != nil {
		return nil, err
	}
	rules, err := catalog(c, src)
	if err != nil {
		return nil, err
	}
	e := &Engine{rules: rules, disabled: map[string]bool{}, queries: map[string]rego.PreparedEvalQuery{}, compiler: c}
	for _, d := range opts.Disable {
		found := false
		for _, r := range rules {
			if r.Matches(d) {
				e.disabled[r.ID] = true
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("--disable %s: no such rule (hogaudit policies list shows the catalog)", d)
		}
	}
	for _, r := range rules {
		q, err := rego.New(
			rego.Compiler(c),
			rego.Query("data."+r.Package+".findings"),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: prepare rule %s: %w", r.File, r.ID, err)
		}
		e.queries[r.ID] = q
	}
	return e, nil
}

// loadSources parses the built-in modules and those of dirs.
func loadSources(dirs []string, withTests bool) (source, error) {
	mods, err := loadBuiltin(withTests)
	if err != nil {
		return source{}, err
	}
	src := source{modules: mods, custom: map[string]bool{}}
	for _, dir := range dirs {
		dm, err := loadDir(dir, withTests)
		if err != nil {
			return source{}, err
		}
		for name, m := range dm {
			if _, dup := src.modules[name]; dup {
				return source{}, fmt.Errorf("%s: loaded twice (is the directory given twice?)", name)
			}
			src.modules[name] = m
			src.custom[name] = true
		}
	}
	return src, nil
}

// compile compiles the modules once, in strict mode, type checked against
// the input schema (inputSchemas).
func compile(src source) (*ast.Compiler, error) {
	c, err := newCompiler(false)
	if err != nil {
		return nil, err
	}
	mapErrs, err := checkMapRefs(src.modules)
	if err != nil {
		return nil, err
	}
	c.Compile(src.modules)
	if c.Failed() || len(mapErrs) > 0 {
		return nil, compileError(append(c.Errors, mapErrs...), src)
	}
	return c, nil
}

// newCompiler returns the compiler the engine and the tests share: strict,
// Rego v1, and type checking every module against the input document's
// schema (a reference to a field input does not have is an error, with its
// file and line), the schemas: annotations of METADATA included.
func newCompiler(printStatements bool) (*ast.Compiler, error) {
	ss, err := inputSchemas()
	if err != nil {
		return nil, err
	}
	return ast.NewCompiler().
		WithStrict(true).
		WithEnablePrintStatements(printStatements).
		WithDefaultRegoVersion(ast.RegoV1).
		WithSchemas(ss).
		WithUseTypeCheckAnnotations(true), nil
}

// compileError lists Rego errors one per line as file:line:col: message.
func compileError(errs ast.Errors, src source) error {
	lines := make([]string, 0, len(errs))
	for _, e := range errs {
		loc := ""
		if e.Location != nil {
			loc = fmt.Sprintf("%s:%d:%d: ", displayPath(e.Location.File, src.custom[e.Location.File]), e.Location.Row, e.Location.Col)
		}
		lines = append(lines, loc+e.Message)
		if h := fieldHint(e); h != "" {
			lines = append(lines, h)
		}
	}
	return fmt.Errorf("policy compilation failed:\n%s", strings.Join(lines, "\n"))
}

// Rules returns every loaded rule, disabled ones included, sorted by id.
func (e *Engine) Rules() []Rule { return append([]Rule{}, e.rules...) }

// Disabled reports whether the rule with id was turned off.
func (e *Engine) Disabled(id string) bool { return e.disabled[id] }

// Rule returns the rule with the given id or name.
func (e *Engine) Rule(idOrName string) (Rule, bool) {
	for _, r := range e.rules {
		if r.Matches(idOrName) {
			return r, true
		}
	}
	return Rule{}, false
}

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
	doc := BuildInput(snap, bound, asOf)
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
			continue
		}
		rep.Rules = append(rep.Rules, r.Report())
		ne, skip := notEvaluated(r, missing)
		if g, ok := gaps.notEvaluated(r); ok {
			if skip {
				ne.Bindings, ne.Reason = g.Bindings, ne.Reason+"; "+g.Reason
			} else {
				ne, skip = g, true
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

// toFinding validates one finding object produced by rule r.
func toFinding(r Rule, item any) (report.Finding, error) {
	obj, ok := item.(map[string]any)
	if !ok {
		return report.Finding{}, fmt.Errorf("%s: rule %s produced a finding that is not an object: %v", r.File, r.ID, item)
	}
	f := report.Finding{
		Rule: r.ID, Name: r.Name, Severity: r.Severity, Remediation: r.Remediation,
		Evidence: map[string]any{},
	}
	var problems []string
	getStr := func(key string, required bool) string {
		v, ok := obj[key]
		if !ok || v == nil {
			if required {
				problems = append(problems, key+" is missing")
			}
			return ""
		}
		s, ok := v.(string)
		if !ok {
			problems = append(problems, key+" must be a string")
		}
		return s
	}
	f.Subject = getStr("subject", true)
	f.Message = getStr("message", true)
	f.Project = getStr("project", false)
	if _, given := obj["identity"]; given {
		f.Identity = getStr("identity", true)
		if problem := identityProblem(f.Identity); problem != "" {
			problems = append(problems, problem)
		}
	}
	if sev := getStr("severity", false); sev != "" {
		if report.SeverityRank(sev) == 0 {
			problems = append(problems, fmt.Sprintf("severity %q is not critical, high, medium or low", sev))
		} else {
			f.Severity = sev
		}
	}
	if v, ok := obj["evidence"]; ok && v != nil {
		ev, ok := v.(map[string]any)
		if !ok {
			problems = append(problems, "evidence must be an object")
		} else {
			f.Evidence = ev
		}
	}
	if v, ok := obj["line"]; ok && v != nil {
		n, ok := toInt(v)
		if !ok || n < 0 {
			problems = append(problems, "line must be a non-negative integer")
		}
		f.Line = n
	}
	if v, ok := obj["advisory"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			problems = append(problems, "advisory must be a boolean")
		}
		f.Advisory = b
	}
	if len(problems) > 0 {
		return f, fmt.Errorf("%s: rule %s produced an invalid finding (%s): %s", r.File, r.ID, f.Subject, strings.Join(problems, "; "))
	}
	return f, nil
}

// maxIdentity bounds a finding's identity, in bytes.
const maxIdentity = 1024

// identityProblem says what is wrong with an identity a rule gave, or "".
// An identity is the stable input of a finding's id: it must say something
// (not empty or blank) and be plain text (no control characters).
func identityProblem(id string) string {
	switch {
	case strings.TrimSpace(id) == "":
		return "identity must not be empty (leave it out to fall back to the subject)"
	case len(id) > maxIdentity:
		return fmt.Sprintf("identity is longer than %d bytes", maxIdentity)
	case strings.ContainsFunc(id, unicode.IsControl):
		return "identity must not contain control characters"
	}
	return ""
}

// fallbackIdentities gives every finding whose rule set no identity one made
// of its subject and project (report.SubjectIdentity), naming the project
// by the PostHog id its matrix key binds to, so that renaming the key keeps
// the alert.
func fallbackIdentities(fs []report.Finding, bound *matrix.Bound) {
	ids := map[string]int64{}
	for _, p := range bound.Projects() {
		if p.Bound {
			ids[p.Key] = p.ProjectID
		}
	}
	for i := range fs {
		f := &fs[i]
		if f.Identity != "" {
			continue
		}
		var pid *int64
		if id, ok := ids[f.Project]; ok && f.Project != "" {
			pid = &id
		}
		f.Identity = report.SubjectIdentity(f.Subject, f.Project, pid)
	}
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		if n == math.Trunc(n) {
			return int(n), true
		}
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

// applyExceptions marks findings covered by an exception that still applies,
// and lists the exceptions expiring soon. Expired exceptions never suppress
// (PH902 reports them).
func applyExceptions(rep *report.Report, excs []matrix.Exception, rules []Rule) {
	names := map[string]string{}
	for _, r := range rules {
		names[r.ID] = r.Name
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Rule == "PH902" {
			continue // an exception cannot hide the report about exceptions
		}
		for _, x := range excs {
			if !x.Applies(f.Rule, names[f.Rule], f.Subject, f.Project) {
				continue
			}
			f.Suppressed = &report.Suppression{
				Reason: x.Reason, Ticket: x.Ticket, Expires: x.Expires.Format(time.DateOnly), Line: x.Line,
			}
			break
		}
	}
	for _, x := range excs {
		if x.ExpiresSoon() {
			rep.ExpiringExceptions = append(rep.ExpiringExceptions, report.Exception{
				Rule: x.Rule, Subject: x.Subject, Project: x.Project, Reason: x.Reason,
				Ticket: x.Ticket, Expires: x.Expires.Format(time.DateOnly), DaysLeft: x.DaysLeft, Line: x.Line,
			})
		}
	}
}

func sortFindings(fs []report.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if ra, rb := report.SeverityRank(a.Severity), report.SeverityRank(b.Severity); ra != rb {
			return ra > rb
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Project != b.Project {
			return a.Project < b.Project
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if a.Message != b.Message {
			return a.Message < b.Message
		}
		return a.Identity < b.Identity
	})
}

func snapshotInfo(s *snapshot.Snapshot) report.SnapshotInfo {
	info := report.SnapshotInfo{
		Org:         report.Org{ID: s.Org.ID, Name: s.Org.Name},
		Host:        s.Host,
		CollectedAt: s.CollectedAt,
		Complete:    s.Complete(),
		Missing:     []report.Missing{},
	}
	for _, m := range s.Missing {
		if m.NotApplicable {
			continue
		}
		info.Missing = append(info.Missing, report.Missing{
			Section: m.Section, ProjectID: m.ProjectID, Endpoint: m.Endpoint, Status: m.Status,
			Detail: m.Detail, Scope: m.Scope, Feature: m.Feature, Reason: m.Reason,
		})
	}
	return info
}

// matrixInfo locates the matrix at path (repoPath relative to its
// repository, CheckInput.MatrixRepoPath) and reads the fallback locations
// from the normalized matrix.
func matrixInfo(path, repoPath string, doc MatrixDoc) report.MatrixInfo {
	if repoPath == "" && path != "" {
		repoPath = path
		if !filepath.IsLocal(path) {
			repoPath = filepath.Base(path)
		}
	}
	mi := report.MatrixInfo{Path: path, RepoPath: filepath.ToSlash(repoPath), TopLine: 1}
	if doc.Line > 0 {
		mi.TopLine = doc.Line
	}
	mi.GroupsLine = doc.Lines["groups"]
	mi.OrganizationLine = doc.Lines["organization"]
	return mi
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func knownSection(s string) bool { return contains(snapshot.Sections, s) }
