package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/internal/version"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/review"
	"github.com/hogaudit/hogaudit/snapshot"
)

// reviewCmd is `hogaudit review`.
type reviewCmd struct {
	Export reviewExportCmd `cmd:"" help:"Write a user-access review bundle from a snapshot: access.csv (every member × entitlement, with the path that grants it, the matrix verdict and empty decision columns), keys.csv, settings.csv, findings.csv, controls.csv and manifest.json (provenance, API calls, coverage, SHA-256 of every file)."`
	Verify reviewVerifyCmd `cmd:"" help:"Verify a completed review bundle: its digests, a decision by someone else than the member on every access row, and with --snapshot that every revoked access is gone."`
}

// reviewExportCmd is `hogaudit review export`.
type reviewExportCmd struct {
	Snapshot string `required:"" placeholder:"FILE" help:"The snapshot to review (from 'hogaudit snapshot' or 'hogaudit scan --snapshot-out')."`
	Output   string `short:"o" required:"" placeholder:"DIR" help:"The bundle directory, written atomically; an existing one must be empty (or --force)."`
	Force    bool   `help:"Replace an existing, non-empty bundle directory."`
	policyFlags
}

func (c *reviewExportCmd) Run(ctx context.Context, g *globals, e *env) error {
	m, eng, err := prepare(ctx, e, &c.policyFlags)
	if err != nil {
		return err
	}
	if err := checkBundleDir(e, c.Output, c.Force); err != nil {
		return err
	}
	data, err := os.ReadFile(e.path(c.Snapshot))
	if err != nil {
		return fail(fmt.Errorf("read snapshot: %w", e.asGiven(err, c.Snapshot)))
	}
	snap, err := snapshot.Decode(data)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", c.Snapshot, err), "produce one with 'hogaudit snapshot -o FILE'")
	}
	e.secrets.Scrub(snap)
	warnIfStale(g, e, snap)
	rep, err := checkForReview(ctx, e, eng, m, snap)
	if err != nil {
		return err
	}
	inputs := []review.InputFile{{Role: "snapshot", Path: c.Snapshot, SHA256: review.Digest(data)}}
	return writeReview(ctx, g, e, eng, m, snap, rep, nil, inputs, nil, c.Output, c.Force, &c.policyFlags)
}

// checkBundleDir fails early on a bundle directory that is not empty
// (without --force).
func checkBundleDir(e *env, dir string, force bool) error {
	ents, err := os.ReadDir(e.path(dir))
	if err == nil && len(ents) > 0 && !force {
		return fail(fmt.Errorf("the review directory %s exists and is not empty", dir), "pass an empty or new directory, or --force to replace it")
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		if fi, serr := os.Stat(e.path(dir)); serr == nil && !fi.IsDir() {
			return fail(fmt.Errorf("the review directory %s is a file", dir))
		}
		return fail(e.asGiven(err, dir))
	}
	return nil
}

// checkForReview is the check of snap against m the bundle's verdicts read.
func checkForReview(ctx context.Context, e *env, eng *policies.Engine, m *matrix.Matrix, snap *snapshot.Snapshot) (*report.Report, error) {
	rep, err := eng.Check(ctx, policies.CheckInput{
		Snapshot: snap, Matrix: m, MatrixRepoPath: locateMatrix(e, m.Path).rel, GeneratedAt: e.now(),
		Tool: report.Tool{Name: "hogaudit", Version: version.String(), InformationURI: "https://github.com/hogaudit/hogaudit"},
	})
	if err != nil {
		return nil, fail(err)
	}
	rep.Finalize(report.SeverityHigh)
	return rep, nil
}

// writeReview builds the bundle of snap checked in rep and writes it to
// dir. It returns exit code 2 (after writing) when the evidence is not
// complete, as the manifest's coverage says.
func writeReview(ctx context.Context, g *globals, e *env, eng *policies.Engine, m *matrix.Matrix, snap *snapshot.Snapshot, rep *report.Report,
	table *access.Table, inputs []review.InputFile, extra map[string][]byte, dir string, force bool, pf *policyFlags) error {
	if table == nil {
		var err error
		if table, err = eng.Access(ctx, snap, snapshot.RuledResources(snap)); err != nil {
			return fail(err)
		}
	}
	sso, err := eng.SSOEnforcement(ctx, snap)
	if err != nil {
		return fail(err)
	}
	members, projects := policies.AccessMapAxes(snap, policies.CheckInput{Snapshot: snap, Matrix: m})
	mdata, err := os.ReadFile(e.path(m.Path))
	if err != nil {
		return fail(fmt.Errorf("read matrix: %w", e.asGiven(err, m.Path)))
	}
	inputs = append(inputs, review.InputFile{Role: "matrix", Path: m.Path, SHA256: review.Digest(mdata)})
	disabled := []string{}
	for _, r := range eng.Rules() {
		if eng.Disabled(r.ID) {
			disabled = append(disabled, r.ID)
		}
	}
	files, err := review.Build(review.Input{
		Snapshot: snap, Report: rep, Table: table, Members: members, Projects: projects, SSO: sso, Inputs: inputs,
		Filters:     review.Filters{DisabledRules: disabled, PolicyDirs: pf.PolicyDir, LookbackDays: snap.LookbackDays},
		ToolVersion: version.String(), GeneratedAt: e.now(), Extra: extra, Mask: e.secrets.Bytes,
	})
	if err != nil {
		return fail(err)
	}
	if err := review.Write(e.path(dir), files, force); err != nil {
		if errors.Is(err, review.ErrNotEmpty) {
			return fail(fmt.Errorf("the review directory %s exists and is not empty", dir), "pass an empty or new directory, or --force to replace it")
		}
		return fail(fmt.Errorf("write the review bundle %s: %w", dir, e.asGiven(err, dir)))
	}
	g.infof(e, "wrote the review bundle %s: %d members × %d projects", dir, len(members), len(projects))
	if !rep.Snapshot.Complete || len(rep.NotEvaluated) > 0 || rep.Failure != nil {
		return fail(errors.New("the review bundle rests on incomplete evidence: access the snapshot cannot tell is marked unknown, and manifest.json's coverage names the gaps"),
			"collect a complete snapshot ('hogaudit snapshot -o FILE' with a key holding the read scopes) and export again")
	}
	return nil
}

// reviewVerifyCmd is `hogaudit review verify`.
type reviewVerifyCmd struct {
	Dir       string   `arg:"" placeholder:"DIR" help:"The review bundle, its access.csv completed."`
	Snapshot  string   `placeholder:"LATER" help:"A later snapshot of the same organization: every row decided \"revoke\" must be gone from it."`
	PolicyDir []string `placeholder:"DIR" help:"Custom Rego rules to load beside the built-in ones (as the export had them)."`
	All       bool     `help:"List every problem (by default the first ${review_max_problems}, then how many more)."`
}

// maxReviewProblems is how many problems review verify lists without --all:
// an untouched bundle of a large organization has several per row.
const maxReviewProblems = 50

func (c *reviewVerifyCmd) Run(ctx context.Context, g *globals, e *env) error {
	var later *review.Later
	if c.Snapshot != "" {
		snap, err := loadSnapshot(e, c.Snapshot)
		if err != nil {
			return fail(fmt.Errorf("--snapshot: %w", err))
		}
		e.secrets.Scrub(snap)
		eng, err := (&policyFlags{PolicyDir: c.PolicyDir}).engine(ctx, e)
		if err != nil {
			return err
		}
		later = &review.Later{Snapshot: snap, Resolve: func(s *snapshot.Snapshot, res []string) (*access.Table, error) {
			return eng.Access(ctx, s, res)
		}}
	}
	res, err := review.Verify(e.path(c.Dir), nil)
	if err != nil {
		return fail(fmt.Errorf("cannot verify the review bundle %s: %w", c.Dir, err), "pass the directory 'hogaudit review export -o DIR' wrote")
	}
	if later != nil {
		if later.Snapshot.Org.ID != res.Manifest.Org.ID {
			return fail(fmt.Errorf("--snapshot %s describes organization %s, the review %s", c.Snapshot, later.Snapshot.Org.ID, res.Manifest.Org.ID),
				"pass a later snapshot of the reviewed organization")
		}
		at, perr := time.Parse(time.RFC3339, res.Manifest.CollectedAt)
		if perr != nil || !later.Snapshot.CollectedAt.After(at) {
			return fail(fmt.Errorf("--snapshot %s was collected at %s, not after the review's snapshot (%s)", c.Snapshot, later.Snapshot.CollectedAt.UTC().Format(time.RFC3339), res.Manifest.CollectedAt),
				"pass a snapshot collected after the review's decisions were carried out")
		}
		if res, err = review.Verify(e.path(c.Dir), later); err != nil {
			return fail(fmt.Errorf("cannot verify the review bundle %s: %w", c.Dir, err))
		}
	}
	shown := len(res.Failures)
	if !c.All {
		shown = min(shown, maxReviewProblems)
	}
	for _, f := range res.Failures[:shown] {
		fmt.Fprintf(e.stderr, "hogaudit: review: %s\n", f)
	}
	if len(res.Failures) > 0 {
		if shown < len(res.Failures) {
			fmt.Fprintf(e.stderr, "hogaudit: review: … and %d more problem(s); --all lists every one\n", len(res.Failures)-shown)
		}
		fmt.Fprintf(e.stderr, "hogaudit: the review fails: %d problem(s); %d of %d access rows decided\n", len(res.Failures), res.Decided, res.Rows)
		return exitCode(1)
	}
	g.infof(e, "the review verifies: every digest matches, %d access rows decided (%d revoke)", res.Rows, res.Revokes)
	if later != nil {
		g.infof(e, "every revoked access is gone from %s", c.Snapshot)
	}
	return nil
}
