package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/review"
	"github.com/hogaudit/hogaudit/snapshot"
)

// scanCmd is `hogaudit scan`.
type scanCmd struct {
	connFlags
	previousFlag
	driftFailFlags
	policyFlags
	outputFlags
	SnapshotOut string `placeholder:"FILE" help:"Also keep the snapshot (for 'hogaudit check' later, or the next scan's --previous); a name ending in .gz (snap.json.gz) writes it gzip-compressed."`
	Review      string `placeholder:"DIR" help:"Also write a user-access review bundle into DIR (see 'hogaudit review export'), with the snapshot as snapshot.json; an existing DIR must be empty."`
}

func (c *scanCmd) Run(ctx context.Context, g *globals, e *env) error {
	plan, err := planOutputs(e, &c.outputFlags, outputTarget{flag: "--snapshot-out", path: c.SnapshotOut})
	if err == nil {
		c.textLimitWarnings(g, e)
		err = c.scan(ctx, g, e, plan)
	}
	return plan.finish(ctx, g, e, err, failedRun{host: c.shownHost(), org: c.Org, matrix: c.Matrix, failOn: c.FailOn, category: c.Category})
}

func (c *scanCmd) scan(ctx context.Context, g *globals, e *env, plan *outputPlan) error {
	if err := planDrift(plan, &c.driftFailFlags, c.Previous, ""); err != nil {
		return err
	}
	m, eng, err := prepare(ctx, e, &c.policyFlags)
	if err != nil {
		return err
	}
	if err := plan.placeMatrix(g, e, m.Path, &c.outputFlags); err != nil {
		return err
	}
	if c.Review != "" {
		if err := checkBundleDir(e, c.Review, false); err != nil {
			return err
		}
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
	snap, err = checkCollected(ctx, g, e, eng, m, snap, prev, &c.previousFlag, &c.outputFlags, plan)
	if snap == nil {
		return err
	}
	var code exitCode
	if c.Review != "" && plan.report != nil && (err == nil || errors.As(err, &code)) {
		data, merr := snapshot.Marshal(snap)
		if merr != nil {
			return fail(merr)
		}
		inputs := []review.InputFile{{Role: "snapshot", Path: review.FileSnapshot, SHA256: review.Digest(e.secrets.Bytes(data))}}
		table, aerr := plan.currentAccess(ctx, eng, snap, prev)
		if aerr != nil {
			return fail(aerr)
		}
		if rerr := writeReview(ctx, g, e, eng, m, snap, plan.report, table, inputs, map[string][]byte{review.FileSnapshot: data}, c.Review, false, &c.policyFlags); rerr != nil {
			return rerr
		}
	}
	return err
}

// checkCollected finishes a run that has just collected snap (scan, demo):
// with prev, the previous run's snapshot, it checks that prev fits and
// records each key's reading in snap (the next run's --previous walks back
// through them); it keeps snap for --snapshot-out, names what is missing,
// and checks it. It returns the snapshot as kept, nil when the run stopped
// before the check, and the check's error.
func checkCollected(ctx context.Context, g *globals, e *env, eng *policies.Engine, m *matrix.Matrix, snap, prev *snapshot.Snapshot,
	pf *previousFlag, o *outputFlags, plan *outputPlan) (*snapshot.Snapshot, error) {
	if prev != nil {
		if err := pf.fits(snap, prev); err != nil {
			return nil, err
		}
		snap = snap.WithKeyUses(prev)
	}
	if t := plan.target("--snapshot-out"); t != nil {
		if err := t.writeSnapshot(g, e, snap); err != nil {
			return nil, err
		}
	}
	missingHints(g, e, snap)
	return snap, evaluate(ctx, g, e, eng, m, snap, prev, o, plan)
}
