package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/internal/version"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// checkCmd is `hogaudit check`.
type checkCmd struct {
	Snapshot string `required:"" placeholder:"FILE" help:"The snapshot to check (from 'hogaudit snapshot' or 'hogaudit scan --snapshot-out'). Time-based rules judge it as of its collected_at, so an old snapshot gets the verdict of its day."`
	previousFlag
	driftFailFlags
	policyFlags
	outputFlags
}

func (c *checkCmd) Run(ctx context.Context, g *globals, e *env) error {
	plan, err := planOutputs(e, &c.outputFlags)
	if err == nil {
		c.textLimitWarnings(g, e)
		err = c.check(ctx, g, e, plan)
	}
	return plan.finish(ctx, g, e, err, failedRun{matrix: c.Matrix, failOn: c.FailOn, category: c.Category})
}

func (c *checkCmd) check(ctx context.Context, g *globals, e *env, plan *outputPlan) error {
	if err := planDrift(plan, &c.driftFailFlags, c.Previous, c.Snapshot); err != nil {
		return err
	}
	m, eng, err := prepare(ctx, e, &c.policyFlags)
	if err != nil {
		return err
	}
	if err := plan.placeMatrix(g, e, m.Path, &c.outputFlags); err != nil {
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
// against m and writes every requested report. With prev, the report
// carries the drift from prev to snap (plan.drift names the files). It
// returns exitCode 1 or 2 when the report calls for it, else exitCode 1
// when the drift fails the run (--fail-on-drift, --fail-on-drift-kind) or
// 2 when those flags are given and the drift has gaps.
func evaluate(ctx context.Context, g *globals, e *env, eng *policies.Engine, m *matrix.Matrix, snap, prev *snapshot.Snapshot, o *outputFlags, plan *outputPlan) error {
	var d *drift.Report
	if prev != nil {
		cur, err := plan.currentAccess(ctx, eng, snap, prev)
		if err == nil {
			d, err = computeDrift(ctx, eng, prev, snap, cur, plan.drift.options)
		}
		if err != nil {
			return fail(fmt.Errorf("--previous: drift since the previous snapshot: %w", err))
		}
	}
	in := policies.CheckInput{
		Drift:          d,
		Snapshot:       snap,
		Previous:       prev,
		Matrix:         m,
		MatrixRepoPath: plan.matrixPlace(e, m.Path).rel,
		GeneratedAt:    e.now(),
		Tool: report.Tool{
			Name:           "hogaudit",
			Version:        version.String(),
			InformationURI: "https://github.com/hogaudit/hogaudit",
		},
	}
	rep, err := eng.Check(ctx, in)
	if err != nil {
		return fail(err)
	}
	rep.Matrix.Root = plan.matrixPlace(e, m.Path).root
	rep.Finalize(o.FailOn)
	if o.wantsHTML() {
		table, err := plan.currentAccess(ctx, eng, snap, prev)
		if err != nil {
			return fail(fmt.Errorf("the access map of the HTML report: %w", err))
		}
		members, projects := policies.AccessMapAxes(snap, in)
		rep.Access = report.BuildAccessMap(rep, table, members, projects)
	}

	plan.report = rep
	if err := writeReports(g, e, rep, o, plan); err != nil {
		return err
	}
	if err := annotate(e, rep, o); err != nil {
		return err
	}
	summarize(g, e, rep)
	if rep.Drift != nil && o.Format == report.FormatText {
		g.infof(e, "%s; see --json/--markdown or 'hogaudit diff'", report.DriftSummary(rep.Drift))
	}
	bindingHints(g, e, m, snap)
	// The exit code is the worst of the check's and, with a drift flag, the
	// drift's: an incomplete comparison (2) outranks findings (1).
	code := rep.ExitCode()
	if rep.Drift != nil && code != 2 {
		var dc exitCode
		if err := driftExit(g, e, rep.Drift, &plan.drift.fail, plan.drift.fail.set()); errors.As(err, &dc) {
			code = max(code, int(dc))
		}
	}
	if code != 0 {
		return exitCode(code)
	}
	return nil
}

// writeReports writes the main report (to stdout without --output) and the
// extra ones, to the plan's checked targets.
func writeReports(g *globals, e *env, rep *report.Report, o *outputFlags, plan *outputPlan) error {
	base := report.Options{Category: o.Category, MaxResults: o.resultCap(), MaxPerRule: o.MarkdownMaxPerRule, Links: report.LineLinks{
		ServerURL:  e.getenv("GITHUB_SERVER_URL"),
		Repository: e.getenv("GITHUB_REPOSITORY"),
		SHA:        e.getenv("GITHUB_SHA"),
	}, Limit: o.textLimit()}
	noteSARIFOmissions(g, e, rep, o, base)
	if o.Output == "" {
		opts := base
		opts.Color = o.Format == "text" && e.stdoutTTY && e.getenv("NO_COLOR") == ""
		opts.Width, opts.Terminal = textLayout(e)
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

// annotate writes, in a GitHub Actions job (GITHUB_ACTIONS=true), one
// workflow command per rule with findings, which GitHub shows as an
// annotation on the matrix: to stdout, where the runner reads them, unless
// the main report is there in a machine format (JSON, SARIF, Markdown),
// which the lines would corrupt; to stderr then.
func annotate(e *env, rep *report.Report, o *outputFlags) error {
	w := workflowCommands(e, o)
	if w == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := report.WriteAnnotations(&buf, rep); err != nil {
		return fail(fmt.Errorf("write annotations: %w", err))
	}
	if _, err := w.Write(e.secrets.Bytes(buf.Bytes())); err != nil {
		return fail(fmt.Errorf("write annotations: %w", err))
	}
	return nil
}

// workflowCommands is where GitHub workflow commands (::error, ::warning)
// go, nil outside GitHub Actions (GITHUB_ACTIONS=true): stdout, where
// GitHub reads them, unless stdout carries the main report as JSON, SARIF
// or Markdown, whose readers they would break; stderr then.
func workflowCommands(e *env, o *outputFlags) io.Writer {
	if e.getenv("GITHUB_ACTIONS") != "true" {
		return nil
	}
	if o.Output == "" && o.Format != report.FormatText {
		return e.stderr
	}
	return e.stdout
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

// matrixPlace is where the matrix file is, as SARIF locations name it.
type matrixPlace struct {
	// rel is the file's path relative to root, slash-separated: the URI of
	// every SARIF location. Outside any repository it is a best guess
	// (relative to the working directory when the file is inside it, else
	// its base name) that reports show but SARIF must not rely on.
	rel string
	// root is the git top level holding the file, "" outside any.
	root string
}

// inRepo reports whether the matrix is in a git repository.
func (p matrixPlace) inRepo() bool { return p.root != "" }

// locateMatrix finds the git top level that contains the matrix file at
// path: the nearest directory above the file, its symlinks resolved, that
// holds .git (a directory, or the file of a worktree or submodule), found
// without git. GitHub code scanning maps a SARIF location against the
// analyzed repository's root, which is that top level; $GITHUB_WORKSPACE is
// not a root of its own (a workspace that is the top level is found as
// such, and a matrix in a repository checked out below it is relative to
// that repository).
func locateMatrix(e *env, path string) matrixPlace {
	abs, err := filepath.Abs(e.path(path))
	if err != nil {
		return matrixPlace{rel: filepath.ToSlash(filepath.Base(path))}
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	within := func(root string) (string, bool) {
		rel, err := filepath.Rel(root, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "", false
		}
		return filepath.ToSlash(rel), true
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			if rel, ok := within(dir); ok {
				return matrixPlace{rel: rel, root: dir}
			}
			break
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	if wd, err := e.workDir(); err == nil {
		if wd, err := filepath.EvalSymlinks(wd); err == nil {
			if rel, ok := within(wd); ok {
				return matrixPlace{rel: rel}
			}
		}
	}
	return matrixPlace{rel: filepath.ToSlash(filepath.Base(abs))}
}

// wantsSARIF reports whether o writes SARIF: --sarif, --sarif-dir or a
// main report in the sarif format.
// wantsHTML reports whether the run writes an HTML report, the only one
// that shows the access map.
func (o *outputFlags) wantsHTML() bool {
	return o.HTML != "" || o.Format == report.FormatHTML
}

func (o *outputFlags) wantsSARIF() bool {
	return o.SARIF != "" || o.SARIFDir != "" || o.Format == report.FormatSARIF
}

// placeMatrix locates the matrix at path for the run's reports, before
// anything is collected: a matrix in no git repository has no location
// GitHub can map, which is an error when the run writes SARIF and a
// warning otherwise.
func (p *outputPlan) placeMatrix(g *globals, e *env, path string, o *outputFlags) error {
	place := locateMatrix(e, path)
	p.matrix = &place
	if place.inRepo() {
		return nil
	}
	if o.wantsSARIF() {
		return fail(fmt.Errorf("the matrix %s is in no git repository, so SARIF cannot locate findings in it: GitHub code scanning maps locations relative to the repository's top level", path),
			"keep the matrix in the repository the workflow checks out (a directory above it holds .git), or write no SARIF (--sarif, --sarif-dir, --format sarif)")
	}
	g.warnf(e, "the matrix %s is in no git repository: reports name it %s", path, place.rel)
	return nil
}

// matrixPlace is where the run's matrix is: the place placeMatrix found,
// else (a run that failed before it) path located now.
func (p *outputPlan) matrixPlace(e *env, path string) matrixPlace {
	if p != nil && p.matrix != nil {
		return *p.matrix
	}
	return locateMatrix(e, path)
}
