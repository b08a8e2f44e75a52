package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/internal/version"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// policyFlags choose the matrix and the rules.
type policyFlags struct {
	Matrix    string   `env:"HOGAUDIT_MATRIX" placeholder:"FILE" help:"The access matrix (default: access-matrix.yaml in the current directory)."`
	PolicyDir []string `placeholder:"DIR" help:"Directory of custom Rego rules evaluated beside the built-in ones (repeatable)."`
	Disable   []string `placeholder:"RULE" help:"Turn off a rule, by id (PH204) or name (project-access-exceeds-matrix). Repeatable."`
}

// outputFlags choose the reports a check writes and when it fails.
type outputFlags struct {
	Format   string `short:"f" enum:"text,json,sarif,markdown" default:"text" help:"Format of the main report: text, json, sarif or markdown."`
	Output   string `short:"o" placeholder:"FILE" help:"Write the main report to FILE (atomically) instead of stdout."`
	SARIF    string `name:"sarif" placeholder:"FILE" help:"Also write a SARIF 2.1.0 report for GitHub code scanning."`
	JSON     string `name:"json" placeholder:"FILE" help:"Also write a JSON report."`
	Markdown string `placeholder:"FILE" help:"Also write a Markdown report (for $GITHUB_STEP_SUMMARY)."`
	FailOn   string `enum:"critical,high,medium,low,none" default:"high" help:"Lowest severity that makes the exit code 1: critical, high, medium, low or none."`
	Category string `placeholder:"NAME" help:"SARIF runAutomationDetails.id (default: none, so the upload action's category applies)."`
}

// defaultMatrix is the matrix file used when --matrix is not given.
const defaultMatrix = "access-matrix.yaml"

// loadMatrix reads the matrix and reports its errors as file:line:col lines.
func (f *policyFlags) loadMatrix(e *env) (*matrix.Matrix, error) {
	path := f.Matrix
	if path == "" {
		if _, err := os.Stat(e.path(defaultMatrix)); err != nil {
			return nil, fail(errors.New("no access matrix: --matrix is not set and there is no access-matrix.yaml here"),
				"pass --matrix FILE (or set HOGAUDIT_MATRIX)",
				"'hogaudit demo' shows an example matrix at work; the format is in docs/matrix.md of hogaudit's repository")
		}
		path = defaultMatrix
	}
	m, err := readMatrix(e, path)
	if err != nil {
		var errs matrix.Errors
		if errors.As(err, &errs) {
			return nil, fail(err, fmt.Sprintf("fix the %d problem(s) above; 'hogaudit matrix validate %s' checks the file alone", len(errs), path))
		}
		return nil, fail(err)
	}
	return m, nil
}

// readMatrix is matrix.Load of path in e's working directory, the matrix
// and its errors naming path as given.
func readMatrix(e *env, path string) (*matrix.Matrix, error) {
	data, err := os.ReadFile(e.path(path))
	if err != nil {
		return nil, fmt.Errorf("read matrix: %w", e.asGiven(err, path))
	}
	return matrix.Parse(path, data)
}

// engine builds the policy engine.
func (f *policyFlags) engine(ctx context.Context, e *env) (*policies.Engine, error) {
	build := e.newEngine
	if build == nil {
		build = policies.New
	}
	eng, err := build(ctx, policies.Options{PolicyDirs: e.paths(f.PolicyDir), Disable: f.Disable})
	if err != nil {
		return nil, fail(e.asGiven(err, f.PolicyDir...))
	}
	return eng, nil
}

// prepare does everything a check can get wrong offline — the matrix, the
// rules; the output paths are planOutputs' — so that it fails before any
// request or file read.
func prepare(ctx context.Context, e *env, p *policyFlags) (*matrix.Matrix, *policies.Engine, error) {
	m, err := p.loadMatrix(e)
	if err != nil {
		return nil, nil, err
	}
	eng, err := p.engine(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	return m, eng, nil
}

// previousFlag names the snapshot of the run before this one.
type previousFlag struct {
	Previous string `placeholder:"FILE" help:"The previous run's snapshot (kept with --snapshot-out), of the same organization: hogaudit's own reading of a key in that run refreshed the key's last_used_at, and with this flag it is not counted as use (PH304). Without it a key used only by scheduled scans looks used."`
}

// load reads the --previous snapshot; nil when the flag is not given.
func (f *previousFlag) load(e *env) (*snapshot.Snapshot, error) {
	if f.Previous == "" {
		return nil, nil
	}
	prev, err := loadSnapshot(e, f.Previous)
	if err != nil {
		return nil, fail(fmt.Errorf("--previous: %w", err), "pass the snapshot an earlier run kept with --snapshot-out (or wrote with 'hogaudit snapshot -o FILE')")
	}
	return prev, nil
}

// fits checks that prev can be cur's previous snapshot.
func (f *previousFlag) fits(cur, prev *snapshot.Snapshot) error {
	err := snapshot.CheckPrevious(cur, prev)
	switch {
	case errors.Is(err, snapshot.ErrPreviousOtherOrg):
		return fail(fmt.Errorf("--previous %s: %w", f.Previous, err), "pass a snapshot of the organization being checked, or leave out --previous")
	case errors.Is(err, snapshot.ErrPreviousNotOlder):
		return fail(fmt.Errorf("--previous %s: %w", f.Previous, err), "--previous takes the snapshot of an earlier run; are --snapshot and --previous swapped?")
	case err != nil:
		return fail(err)
	}
	return nil
}

// staleAfter is how old a checked snapshot may be before hogaudit warns that
// its verdict is the one of its collection day.
const staleAfter = 7 * 24 * time.Hour

// loadSnapshot is snapshot.Load of path in e's working directory, its
// errors naming path as given.
func loadSnapshot(e *env, path string) (*snapshot.Snapshot, error) {
	s, err := snapshot.Load(e.path(path))
	return s, e.asGiven(err, path)
}

// warnIfStale warns when snap was collected more than staleAfter ago by the
// real clock: the check judges the organization as it was then.
func warnIfStale(g *globals, e *env, snap *snapshot.Snapshot) {
	age := e.now().Sub(snap.CollectedAt)
	if age <= staleAfter {
		return
	}
	g.warnf(e, "the snapshot was collected %d days ago (%s); every time-based rule judges the organization as it was then",
		int(age/(24*time.Hour)), snap.CollectedAt.UTC().Format(time.DateOnly))
	g.hintf(e, "for its state today, collect a new snapshot ('hogaudit snapshot -o FILE') or run 'hogaudit scan'")
}

// checkCmd is `hogaudit check`.
type checkCmd struct {
	Snapshot string `required:"" placeholder:"FILE" help:"The snapshot to check (from 'hogaudit snapshot' or 'hogaudit scan --snapshot-out'). Time-based rules judge it as of its collected_at, so an old snapshot gets the verdict of its day."`
	previousFlag
	policyFlags
	outputFlags
}

func (c *checkCmd) Run(ctx context.Context, g *globals, e *env) error {
	plan, err := planOutputs(e, &c.outputFlags)
	if err == nil {
		err = c.check(ctx, g, e, plan)
	}
	return plan.finish(ctx, g, e, err, failedRun{matrix: c.Matrix, failOn: c.FailOn, category: c.Category})
}

func (c *checkCmd) check(ctx context.Context, g *globals, e *env, plan *outputPlan) error {
	m, eng, err := prepare(ctx, e, &c.policyFlags)
	if err != nil {
		return err
	}
	snap, err := loadSnapshot(e, c.Snapshot)
	if err != nil {
		hint := "produce one with 'hogaudit snapshot -o FILE'"
		switch {
		case errors.Is(err, snapshot.ErrSchemaVersion):
			hint = "use the hogaudit version that wrote it, or collect a new snapshot"
		case errors.Is(err, snapshot.ErrInconsistent):
			hint = "the file was edited or truncated, or written by an older hogaudit: collect a new one with 'hogaudit snapshot -o FILE'"
		}
		return fail(err, hint)
	}
	// A snapshot written by another tool or edited by hand may hold
	// something shaped like a secret: no report shows it.
	e.secrets.Scrub(snap)
	prev, err := c.load(e)
	if err != nil {
		return err
	}
	if prev != nil {
		e.secrets.Scrub(prev)
		if err := c.fits(snap, prev); err != nil {
			return err
		}
	}
	warnIfStale(g, e, snap)
	return evaluate(ctx, g, e, eng, m, snap, prev, &c.outputFlags, plan)
}

// evaluate checks snap (with prev, the previous run's snapshot, or nil)
// against m and writes every requested report. It returns exitCode 1 or 2
// when the report calls for it.
func evaluate(ctx context.Context, g *globals, e *env, eng *policies.Engine, m *matrix.Matrix, snap, prev *snapshot.Snapshot, o *outputFlags, plan *outputPlan) error {
	rep, err := eng.Check(ctx, policies.CheckInput{
		Snapshot:       snap,
		Previous:       prev,
		Matrix:         m,
		MatrixRepoPath: repoPath(e, m.Path),
		GeneratedAt:    e.now(),
		Tool: report.Tool{
			Name:           "hogaudit",
			Version:        version.String(),
			InformationURI: "https://github.com/hogaudit/hogaudit",
		},
	})
	if err != nil {
		return fail(err)
	}
	rep.Finalize(o.FailOn)

	if err := writeReports(g, e, rep, o, plan); err != nil {
		return err
	}
	summarize(g, e, rep)
	bindingHints(g, e, m, snap)
	if code := rep.ExitCode(); code != 0 {
		return exitCode(code)
	}
	return nil
}

// writeReports writes the main report (to stdout without --output) and the
// extra ones, to the plan's checked targets.
func writeReports(g *globals, e *env, rep *report.Report, o *outputFlags, plan *outputPlan) error {
	base := report.Options{Category: o.Category}
	if o.Output == "" {
		opts := base
		opts.Color = o.Format == "text" && e.stdoutTTY && e.getenv("NO_COLOR") == ""
		var buf bytes.Buffer
		if err := report.Write(&buf, rep, o.Format, opts); err != nil {
			return fail(fmt.Errorf("write %s report: %w", o.Format, err))
		}
		if _, err := e.stdout.Write(e.secrets.Bytes(buf.Bytes())); err != nil {
			return fail(fmt.Errorf("write %s report: %w", o.Format, err))
		}
	}
	for _, t := range plan.targets {
		if t.format == "" {
			continue
		}
		if err := t.writeReport(g, e, rep, base); err != nil {
			return err
		}
	}
	return nil
}

// summarize tells stderr what the exit code will mean.
func summarize(g *globals, e *env, rep *report.Report) {
	for _, ne := range rep.NotEvaluated {
		hint := ne.Reason
		if len(ne.Sections) == 0 && len(ne.Bindings) > 0 {
			// bindingHints names the candidates once for every rule
			hint = "matrix project " + strings.Join(ne.Bindings, ", ") + " binds to no single PostHog project"
		}
		g.infof(e, "%s %s not evaluated: %s", ne.Rule, ne.Name, hint)
	}
	if len(rep.NotEvaluated) > 0 || !rep.Snapshot.Complete {
		scopes := map[string]bool{}
		var list []string
		for _, m := range rep.Snapshot.Missing {
			if m.Scope != "" && !scopes[m.Scope] {
				scopes[m.Scope] = true
				list = append(list, m.Scope)
			}
		}
		if len(list) > 0 {
			g.hintf(e, "give the scanning key %s and scan again for a complete check", strings.Join(list, ", "))
		}
	}
	if k := rep.Coverage.Keys; len(k.Unaudited) > 0 {
		g.infof(e, "%d of %d keys the matrix declares were audited; not audited: %s", k.Audited, k.Declared, strings.Join(k.Unaudited, ", "))
		g.hintf(e, "PostHog lets a personal API key read only itself: hand hogaudit each declared key with --audit-key-env VAR (VAR holding the key) and scan again")
	}
	for _, x := range rep.ExpiringExceptions {
		g.infof(e, "exception for %s %s expires %s (%d days left)", x.Rule, x.Subject, x.Expires, x.DaysLeft)
	}
}

// bindingHints names, for each matrix project key whose binding keeps
// rules from running, the PostHog projects it could mean (ids and names)
// and the fix.
func bindingHints(g *globals, e *env, m *matrix.Matrix, snap *snapshot.Snapshot) {
	for _, pb := range m.Bind(policies.Inventory(snap), snap.CollectedAt).Projects() {
		if pb.Failing() {
			g.hintf(e, "%s", policies.BindingProblem(pb))
		}
	}
}

// repoPath returns the matrix path relative to the repository root, the form
// GitHub code scanning needs: relative to $GITHUB_WORKSPACE when the file is
// inside it, else to the nearest directory above it that holds .git, else to
// the working directory, else (a file elsewhere) its base name. SARIF
// locations must be relative references.
func repoPath(e *env, path string) string {
	abs, err := filepath.Abs(e.path(path))
	if err != nil {
		return filepath.ToSlash(filepath.Base(path))
	}
	within := func(root string) (string, bool) {
		rel, err := filepath.Rel(root, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "", false
		}
		return filepath.ToSlash(rel), true
	}
	if ws := e.getenv("GITHUB_WORKSPACE"); ws != "" {
		if rel, ok := within(ws); ok {
			return rel
		}
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			if rel, ok := within(dir); ok {
				return rel
			}
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	if wd, err := e.workDir(); err == nil {
		if rel, ok := within(wd); ok {
			return rel
		}
	}
	return filepath.Base(abs)
}

// scanCmd is `hogaudit scan`.
type scanCmd struct {
	connFlags
	previousFlag
	policyFlags
	outputFlags
	SnapshotOut string `placeholder:"FILE" help:"Also keep the snapshot (for 'hogaudit check' later, or the next scan's --previous)."`
}

func (c *scanCmd) Run(ctx context.Context, g *globals, e *env) error {
	plan, err := planOutputs(e, &c.outputFlags, outputTarget{flag: "--snapshot-out", path: c.SnapshotOut})
	if err == nil {
		err = c.scan(ctx, g, e, plan)
	}
	return plan.finish(ctx, g, e, err, failedRun{host: c.Host, org: c.Org, matrix: c.Matrix, failOn: c.FailOn, category: c.Category})
}

func (c *scanCmd) scan(ctx context.Context, g *globals, e *env, plan *outputPlan) error {
	m, eng, err := prepare(ctx, e, &c.policyFlags)
	if err != nil {
		return err
	}
	prev, err := c.load(e)
	if err != nil {
		return err
	}
	if prev != nil {
		e.secrets.Scrub(prev)
		if !prev.CollectedAt.Before(e.now()) {
			return fail(fmt.Errorf("--previous %s was collected at %s, not before now", c.Previous, prev.CollectedAt.UTC().Format(time.RFC3339)),
				"--previous takes the snapshot of an earlier run; check this machine's clock")
		}
		if c.Org != "@current" && c.Org != "" && c.Org != prev.Org.ID {
			return fail(fmt.Errorf("--previous %s: %w: it describes %s, --org names %s", c.Previous, snapshot.ErrPreviousOtherOrg, prev.Org.ID, c.Org),
				"pass a snapshot of the organization being checked, or leave out --previous")
		}
	}
	s, err := c.connect(g, e)
	if err != nil {
		return err
	}
	snap, err := c.collect(ctx, g, e, s, m.LookbackDays())
	if err != nil {
		return err
	}
	if prev != nil {
		if err := c.fits(snap, prev); err != nil {
			return err
		}
		// The kept snapshot records each key's reading, which the next
		// run's --previous walks back through.
		snap = snap.WithKeyUses(prev)
	}
	if t := plan.target("--snapshot-out"); t != nil {
		if err := t.writeSnapshot(g, e, snap); err != nil {
			return err
		}
	}
	missingHints(g, e, snap)
	return evaluate(ctx, g, e, eng, m, snap, prev, &c.outputFlags, plan)
}
