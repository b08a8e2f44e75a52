package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/internal/atomicfile"
	"github.com/hogaudit/hogaudit/internal/version"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// The files a run writes. Before any request or file read, every output
// path is checked (its directory exists and takes new files; it is not a
// directory), so a run never collects for an hour to fail at the end. A run
// that fails after that still writes every report it was asked for, one
// that says the check did not complete, so that no report of an earlier run
// is left where this run's should be. Reports and snapshots are written
// mode 0600, a file that was wider is tightened (and the run says so);
// devices, pipes and GitHub's step summary (appended to) keep their modes.

// outputTarget is one file a run writes.
type outputTarget struct {
	flag, path string
	// format is the report format, "" for a snapshot.
	format string
	// dir is set for --sarif-dir: path is a directory that gets the
	// split SARIF report (report.SplitSARIF).
	dir bool
	// appendTo is set for GitHub's step summary (others write to it too)
	// and for --markdown-append: the report is appended to the existing
	// file, whose content and mode are left alone. check clears it when
	// the file does not exist yet: it is then written like any report.
	appendTo bool
	// stepSummary is set when path is $GITHUB_STEP_SUMMARY's file.
	stepSummary bool
	// oldPerm is the permission of the regular file path named when the
	// run began (0: no such file), to say when a write tightened it.
	oldPerm os.FileMode
	// ok is set once path passed the check.
	ok bool
	// written is set once this run wrote path.
	written bool
}

// outputPlan is every file a run writes, checked.
type outputPlan struct {
	targets []*outputTarget
	// github is the --github-output file, nil without one.
	github *githubOutput
	// report is the report the run wrote, nil before it wrote one.
	report *report.Report
	// matrix is where the run's matrix is (placeMatrix), nil until known.
	matrix *matrixPlace
	// drift is what a run with --previous does with the drift (diff.go).
	drift driftRun
	// access is the checked snapshot's access table, resolved at most once
	// per run (currentAccess) for the drift, the HTML report and the
	// review bundle.
	access *access.Table
}

// currentAccess is snap's access table over the resources any
// project-wide rule names in snap or prev (nil without a previous
// snapshot): resolved on first use, then the same table for every report
// of the run.
func (p *outputPlan) currentAccess(ctx context.Context, eng *policies.Engine, snap, prev *snapshot.Snapshot) (*access.Table, error) {
	if p.access != nil {
		return p.access, nil
	}
	snaps := []*snapshot.Snapshot{snap}
	if prev != nil {
		snaps = append(snaps, prev)
	}
	t, err := eng.Access(ctx, snap, snapshot.RuledResources(snaps...))
	if err != nil {
		return nil, err
	}
	p.access = t
	return t, nil
}

// target returns the plan's target for flag, or nil.
func (p *outputPlan) target(flag string) *outputTarget {
	if p == nil {
		return nil
	}
	for _, t := range p.targets {
		if t.flag == flag {
			return t
		}
	}
	return nil
}

// reportTargets are the report files of o, each with its format.
func (o *outputFlags) reportTargets() []*outputTarget {
	var out []*outputTarget
	if o.Output != "" {
		out = append(out, &outputTarget{flag: "--output", path: o.Output, format: o.Format})
	}
	for _, x := range []struct{ flag, path, format string }{
		{"--sarif", o.SARIF, report.FormatSARIF}, {"--json", o.JSON, report.FormatJSON}, {"--markdown", o.Markdown, report.FormatMarkdown},
		{"--html", o.HTML, report.FormatHTML},
	} {
		if x.path != "" {
			out = append(out, &outputTarget{flag: x.flag, path: x.path, format: x.format, appendTo: x.flag == "--markdown" && o.MarkdownAppend})
		}
	}
	if o.SARIFDir != "" {
		out = append(out, &outputTarget{flag: "--sarif-dir", path: o.SARIFDir, format: report.FormatSARIF, dir: true})
	}
	return out
}

// planOutputs checks the files a run will write: the reports of o (nil for
// none) and extra (snapshots; those with an empty path are left out). Two
// flags naming one file are an error, and the plan has no targets: nothing
// but the --github-output lines is written then. A path that cannot be
// written is an error naming it, with a plan whose other targets are usable.
func planOutputs(e *env, o *outputFlags, extra ...outputTarget) (*outputPlan, error) {
	p := &outputPlan{}
	gh, ghErr := planGitHubOutput(e, o)
	p.github = gh
	if o != nil {
		if o.MarkdownMaxPerRule < 1 {
			return &outputPlan{github: gh}, fail(fmt.Errorf("--markdown-max-per-rule %d: want at least 1", o.MarkdownMaxPerRule),
				"the counts per rule are always complete; N only limits the findings listed under each rule")
		}
		if o.MaxResults < 0 {
			return &outputPlan{github: gh}, fail(fmt.Errorf("--max-results %d: want a number of results, or 0 for no cap", o.MaxResults))
		}
		if err := o.checkTextLimit(); err != nil {
			return &outputPlan{github: gh}, err
		}
		p.targets = o.reportTargets()
	}
	for _, x := range extra {
		if x.path != "" {
			p.targets = append(p.targets, &x)
		}
	}
	seen := map[string]string{}
	for _, t := range p.targets {
		abs, err := filepath.Abs(e.path(t.path))
		if err != nil {
			abs = t.path
		}
		if prev, ok := seen[abs]; ok {
			return &outputPlan{github: gh}, fail(fmt.Errorf("%s and %s both write %s", prev, t.flag, t.path), "give each report its own file")
		}
		seen[abs] = t.flag
	}
	var bad []error
	if ghErr != nil {
		bad = append(bad, ghErr)
	}
	for _, t := range p.targets {
		if err := t.check(e); err != nil {
			bad = append(bad, fmt.Errorf("%s: %w", t.flag, err))
			continue
		}
		t.ok = true
	}
	if len(bad) > 0 {
		return p, fail(errors.Join(bad...), "create the directory, or choose a path hogaudit can write; nothing was collected")
	}
	return p, nil
}

// check tests that t can be written and notes how.
func (t *outputTarget) check(e *env) error {
	if t.dir {
		return t.checkDir(e)
	}
	// GitHub's step summary is never replaced, whatever the format: the
	// steps before this one wrote to it.
	if t.format != "" && isStepSummary(e, t.path) {
		t.appendTo, t.stepSummary = true, true
	}
	if t.appendTo {
		fi, err := os.Stat(e.path(t.path))
		if err == nil && fi.Mode().IsRegular() {
			f, err := os.OpenFile(e.path(t.path), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return fmt.Errorf("%s is not writable: %w", t.path, unwrapPath(err))
			}
			f.Close()
			if runtime.GOOS != "windows" {
				t.oldPerm = fi.Mode().Perm()
			}
			return nil
		}
		// Nothing to append to (or a device or pipe, written in place):
		// written like any report.
		t.appendTo = false
	}
	if err := atomicfile.Check(e.path(t.path)); err != nil {
		return e.asGiven(err, t.path)
	}
	if fi, err := os.Stat(e.path(t.path)); err == nil && fi.Mode().IsRegular() && runtime.GOOS != "windows" {
		t.oldPerm = fi.Mode().Perm()
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// isStepSummary reports whether path is the file $GITHUB_STEP_SUMMARY names.
func isStepSummary(e *env, path string) bool {
	summary := e.getenv("GITHUB_STEP_SUMMARY")
	if summary == "" {
		return false
	}
	a, err := os.Stat(e.path(path))
	if err != nil {
		return false
	}
	b, err := os.Stat(e.path(summary))
	return err == nil && os.SameFile(a, b)
}

// write replaces (or, for the step summary, appends to) t's file with data,
// masking the run's secrets, and says so when it tightened the file's mode.
func (t *outputTarget) write(g *globals, e *env, perm os.FileMode, data []byte) error {
	return t.writeMasked(g, e, perm, e.secrets.Bytes(data))
}

// writeMasked is write of data whose secrets are masked already (or, for
// compressed data, were masked before it was compressed).
func (t *outputTarget) writeMasked(g *globals, e *env, perm os.FileMode, data []byte) error {
	var err error
	if t.appendTo {
		err = atomicfile.AppendBytes(e.path(t.path), data)
	} else {
		err = atomicfile.WriteBytes(e.path(t.path), perm, data)
	}
	if err != nil {
		return fail(fmt.Errorf("%s: %w", t.flag, e.asGiven(err, t.path)))
	}
	t.written = true
	switch {
	case t.oldPerm&0o077 != 0 && t.appendTo && !t.stepSummary:
		g.warnf(e, "%s: appended to %s, which users other than its owner can read (mode %04o): the report names the organization's people", t.flag, t.path, t.oldPerm)
		t.oldPerm = 0
	case t.oldPerm&0o077 != 0 && !t.appendTo:
		g.infof(e, "%s was accessible to users other than its owner (mode %04o); it is now %04o, like every file hogaudit writes: it names the organization's people", t.path, t.oldPerm, perm)
		t.oldPerm = perm
	}
	return nil
}

// writeReport renders rep in t's format and writes it.
func (t *outputTarget) writeReport(g *globals, e *env, rep *report.Report, opts report.Options) error {
	if t.dir {
		return t.writeSARIFDir(e, rep, opts)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, rep, t.format, opts); err != nil {
		return fail(fmt.Errorf("write %s: %w", t.path, err))
	}
	return t.write(g, e, report.FileMode, buf.Bytes())
}

// writeSnapshot writes snap to t's file, gzip-compressed when its name
// ends in .gz (snapshot.Compress), masking the run's secrets before it is
// compressed.
func (t *outputTarget) writeSnapshot(g *globals, e *env, snap *snapshot.Snapshot) error {
	b, err := snapshot.Marshal(snap)
	if err != nil {
		return fail(err)
	}
	if b, err = snapshot.Compress(t.path, e.secrets.Bytes(b)); err != nil {
		return fail(err)
	}
	return t.writeMasked(g, e, snapshot.FileMode, b)
}

// failedRun describes a run for the report that says it did not complete.
type failedRun struct {
	host, org, matrix string
	failOn, category  string
}

// finish ends a run that was to write the plan's reports: when err is a
// failure (not the exit code of a run whose reports are written), every
// report target that passed its check gets a report saying the check did
// not complete and why. It returns err.
func (p *outputPlan) finish(ctx context.Context, g *globals, e *env, err error, run failedRun) error {
	if p == nil {
		return err
	}
	p.finishReports(ctx, g, e, err, run)
	p.github.write(ctx, e, p, p.report, err)
	return err
}

// finishReports writes, for a run that failed, the reports saying so.
func (p *outputPlan) finishReports(ctx context.Context, g *globals, e *env, err error, run failedRun) {
	var code exitCode
	if err == nil || errors.As(err, &code) {
		return
	}
	cause, hints := describeFailure(ctx, e, err)
	base := &report.Report{
		Tool: report.Tool{
			Name:           "hogaudit",
			Version:        version.String(),
			InformationURI: "https://github.com/hogaudit/hogaudit",
		},
		GeneratedAt: e.now(),
	}
	base.Snapshot.Host = run.host
	if run.org != "@current" {
		base.Snapshot.Org.ID = run.org
	}
	matrixPath := run.matrix
	if matrixPath == "" {
		matrixPath = defaultMatrix
	}
	place := p.matrixPlace(e, matrixPath)
	base.Matrix = report.MatrixInfo{Path: matrixPath, RepoPath: place.rel, Root: place.root}
	rep := report.NotCompleted(base, report.Rule{}, cause, hints, run.failOn)
	p.report = rep
	for _, t := range p.targets {
		if !t.ok || t.format == "" {
			continue
		}
		if werr := t.writeReport(g, e, rep, report.Options{Category: run.category}); werr != nil {
			printErr(e, werr)
		}
	}
}

// describeFailure returns err as its message and hints, the way hogaudit
// prints them, with the run's secrets masked.
func describeFailure(ctx context.Context, e *env, err error) (string, []string) {
	if ctx.Err() != nil {
		return "the run was interrupted (SIGINT or SIGTERM)", nil
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(err.Error(), "\n"), "\n") {
		if l = strings.TrimSuffix(strings.TrimSpace(l), "."); l != "" {
			lines = append(lines, lowerFirst(l))
		}
	}
	var hints []string
	var xe *exitError
	if errors.As(err, &xe) {
		for _, h := range xe.hints {
			hints = append(hints, e.secrets.String(h))
		}
	}
	return e.secrets.String(strings.Join(lines, "; ")), hints
}
