package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
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
	Format     string `short:"f" enum:"text,json,sarif,markdown,html" default:"text" help:"Format of the main report: text, json, sarif, markdown or html."`
	Output     string `short:"o" placeholder:"FILE" help:"Write the main report to FILE (atomically) instead of stdout."`
	SARIF      string `name:"sarif" placeholder:"FILE" help:"Also write a SARIF 2.1.0 report for GitHub code scanning."`
	SARIFDir   string `name:"sarif-dir" placeholder:"DIR" help:"Also write SARIF split by rule area into DIR (created if missing): <area>.sarif for each area whose evidence is complete (category hogaudit/<org id>/<area>/), evidence.sarif (PH901) and manifest.json. Upload only these, so that missing evidence never closes an alert."`
	JSON       string `name:"json" placeholder:"FILE" help:"Also write a JSON report."`
	Markdown   string `placeholder:"FILE" help:"Also write a Markdown report (for $GITHUB_STEP_SUMMARY)."`
	HTML       string `name:"html" placeholder:"FILE" help:"Also write an HTML report: one self-contained page (it loads nothing) with the findings, the controls and a heat map of every member's access to every project and the path that grants it."`
	FailOn     string `enum:"critical,high,medium,low,none" default:"high" help:"Lowest severity that makes the exit code 1: critical, high, medium, low or none."`
	Category   string `placeholder:"NAME" help:"SARIF runAutomationDetails.id (default: none, so the upload action's category applies)."`
	MaxResults int    `placeholder:"N" default:"5000" help:"Cap on SARIF results per run (per file with --sarif-dir), shared fairly among the rules: a rule over its share gets one result per project and access source, listing the members. 0: no cap."`

	// The text report's findings per rule (text_layout.go).
	Limit *int `placeholder:"N" help:"Findings per rule the text report lists (default 20); a rule with more says how many more, after the complete counts per rule."`
	All   bool `help:"List every finding in the text report (not with --limit)."`

	// The Markdown job summary: appended rather than replaced, findings per rule.
	MarkdownAppend     bool `help:"Append the Markdown report to the --markdown file instead of replacing it; automatic when the file is $GITHUB_STEP_SUMMARY."`
	MarkdownMaxPerRule int  `placeholder:"N" default:"20" help:"Findings per rule the Markdown report lists (the counts per rule are always complete)."`

	// GitHub Actions step outputs (github_output.go).
	GitHubOutput string `name:"github-output" placeholder:"FILE" help:"After the run, append the step outputs (exit-code, findings, counts per severity, complete, report paths) to FILE as key=value lines: pass \"$GITHUB_OUTPUT\"."`
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
	Previous string `placeholder:"FILE" help:"The previous run's snapshot (kept with --snapshot-out), of the same organization: hogaudit's own reading of a key in that run refreshed the key's last_used_at, and with this flag it is not counted as use (PH304). Without it a key used only by scheduled scans looks used. The reports also carry the access drift since it: the JSON report's \"drift\" object and a \"Drift since\" section in the Markdown (see 'hogaudit diff')."`
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
