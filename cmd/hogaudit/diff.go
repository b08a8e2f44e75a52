package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// diffCmd is `hogaudit diff OLD NEW`.
type diffCmd struct {
	Old    string `arg:"" placeholder:"OLD" help:"The earlier snapshot (from 'hogaudit snapshot' or 'scan --snapshot-out')."`
	New    string `arg:"" placeholder:"NEW" help:"The later snapshot, of the same organization, collected after OLD."`
	Format string `short:"f" enum:"text,json,markdown" default:"text" help:"Format: text (grouped, coloured on a terminal), json (the documented drift document) or markdown (a job summary or review ticket)."`
	Output string `short:"o" placeholder:"FILE" help:"Write the diff to FILE (atomically) instead of stdout."`
	driftFailFlags
}

// Help is the diff command's long help.
func (c *diffCmd) Help() string {
	return `Shows the access drift between two snapshots of one organization, as data: members who
joined, left or changed level; project and resource access gained or lost with the path that
grants it (organization admin, member rule, role rule, rule for everyone, default); roles and
their members; access rules; keys and their scopes; SSO, SAML, JIT and 2FA settings; projects,
domains and invites. Where PostHog's activity log records a change, it names who made it and when.

Effective access is resolved by the same Rego library the rules use; no matrix is needed.

A section either snapshot lacks cannot be compared: the diff lists it first under "not compared"
and exits 2, never "no change".

Examples:
  hogaudit snapshot -o monday.json              # ... and a week later:
  hogaudit snapshot -o next-monday.json
  hogaudit diff monday.json next-monday.json
  hogaudit diff monday.json next-monday.json -f markdown >> "$GITHUB_STEP_SUMMARY"
  hogaudit diff old.json new.json -f json -o drift.json
  hogaudit diff old.json new.json --fail-on-drift-kind access --fail-on-drift-kind keys

Exit codes: 0 compared completely (with or without drift, unless --fail-on-drift), 1 drift with
--fail-on-drift (only in the named groups with --fail-on-drift-kind), 2 could not compare fully
(a file unreadable or of a newer schema version, other organizations, NEW not newer than OLD,
or a section not compared).`
}

// driftFailFlags make drift fail a run.
type driftFailFlags struct {
	FailOnDrift     bool     `help:"Exit 1 when there is any drift (scan and check: since --previous), unless the run exits 2 anyway."`
	FailOnDriftKind []string `placeholder:"GROUP" help:"Exit 1 when there is drift in GROUP: members, access, roles, rules, keys, settings, projects, domains or invites. Repeatable; implies --fail-on-drift for those groups only."`
}

// check refuses an unknown group.
func (f *driftFailFlags) check() error {
	for _, g := range f.FailOnDriftKind {
		if !slices.Contains(drift.Groups, g) {
			return fail(fmt.Errorf("--fail-on-drift-kind %q: unknown group", g), "the groups are "+strings.Join(drift.Groups, ", "))
		}
	}
	return nil
}

// driftRun is what a check with --previous does with the drift: the
// snapshots' files for the report, and when drift fails the run.
type driftRun struct {
	options drift.Options
	fail    driftFailFlags
}

// planDrift checks the drift flags of a scan or check and notes them in
// plan: they need --previous.
func planDrift(plan *outputPlan, f *driftFailFlags, previous, current string) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.set() && previous == "" {
		return fail(errors.New("--fail-on-drift and --fail-on-drift-kind need --previous: drift is measured from the previous run's snapshot"),
			"pass --previous FILE (the snapshot an earlier run kept with --snapshot-out), or 'hogaudit diff OLD NEW' for two snapshots")
	}
	plan.drift = driftRun{options: drift.Options{OldFile: previous, NewFile: current}, fail: *f}
	return nil
}

// set reports whether either flag is given.
func (f *driftFailFlags) set() bool { return f.FailOnDrift || len(f.FailOnDriftKind) > 0 }

// failing returns the groups of d's changes that fail the run under the
// flags, in report order (none without either flag).
func (f *driftFailFlags) failing(d *drift.Report) []string {
	if d == nil || !f.set() {
		return nil
	}
	var out []string
	for _, g := range drift.Groups {
		if len(f.FailOnDriftKind) > 0 && !slices.Contains(f.FailOnDriftKind, g) {
			continue
		}
		for _, c := range d.Changes {
			if changeGroup(c) == g {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// changeGroup is a change's group, from its kind when Group is not one.
func changeGroup(c drift.Change) string {
	if slices.Contains(drift.Groups, c.Group) {
		return c.Group
	}
	return drift.KindGroup[c.Kind]
}

func (c *diffCmd) Run(ctx context.Context, g *globals, e *env) error {
	if err := c.check(); err != nil {
		return err
	}
	var out *outputTarget
	if c.Output != "" {
		out = &outputTarget{flag: "--output", path: c.Output, format: c.Format}
		if err := out.check(e); err != nil {
			return fail(fmt.Errorf("--output: %w", err), "create the directory, or choose a path hogaudit can write")
		}
	}
	old, err := loadDiffSnapshot(e, "OLD", c.Old)
	if err != nil {
		return err
	}
	cur, err := loadDiffSnapshot(e, "NEW", c.New)
	if err != nil {
		return err
	}
	// Refused before the access is resolved, which takes a while on a big
	// organization; Compare refuses them too.
	switch err := snapshot.CheckPrevious(cur, old); {
	case errors.Is(err, snapshot.ErrPreviousOtherOrg):
		return fail(fmt.Errorf("%s and %s: %w", c.Old, c.New, err), diffOtherOrgHint)
	case errors.Is(err, snapshot.ErrPreviousNotOlder):
		return fail(fmt.Errorf("%s and %s: %w", c.Old, c.New, err), diffNotOlderHint)
	case err != nil:
		return fail(err)
	}
	eng, err := (&policyFlags{}).engine(ctx, e)
	if err != nil {
		return err
	}
	d, err := computeDrift(ctx, eng, old, cur, nil, drift.Options{OldFile: c.Old, NewFile: c.New})
	if err != nil {
		switch {
		case errors.Is(err, drift.ErrOtherOrg):
			return fail(err, diffOtherOrgHint)
		case errors.Is(err, drift.ErrNotOlder):
			return fail(err, diffNotOlderHint)
		}
		return fail(err)
	}

	var buf bytes.Buffer
	opts := report.DriftOptions{Color: c.Format == report.FormatText && out == nil && e.stdoutTTY && e.getenv("NO_COLOR") == ""}
	if out == nil {
		// Wrapped only on a terminal; in a pipe (or -o FILE) one line a
		// record, nothing split.
		opts.Width, opts.Terminal = textLayout(e)
	}
	if err := report.WriteDrift(&buf, d, c.Format, opts); err != nil {
		return fail(err)
	}
	if out != nil {
		if err := out.write(g, e, report.FileMode, buf.Bytes()); err != nil {
			return err
		}
	} else if _, err := e.stdout.Write(e.secrets.Bytes(buf.Bytes())); err != nil {
		return fail(fmt.Errorf("write %s diff: %w", c.Format, err))
	}
	return driftExit(g, e, d, &c.driftFailFlags, true)
}

const (
	diffOtherOrgHint = "diff compares two snapshots of one organization: pass snapshots collected with the same --org"
	diffNotOlderHint = "OLD comes first and must be collected before NEW: are OLD and NEW swapped?"
)

// driftExit is the exit a drift report calls for: 2 (after saying so) when
// gaps is set and the report has gaps, else 1 when the flags fail on its
// drift, else nil.
func driftExit(g *globals, e *env, d *drift.Report, f *driftFailFlags, gaps bool) error {
	if gaps && len(d.Gaps) > 0 {
		g.warnf(e, "the comparison is incomplete: %d section(s) not compared, drift there is unknown", len(d.Gaps))
		return exitCode(2)
	}
	if groups := f.failing(d); len(groups) > 0 {
		g.infof(e, "drift in %s", strings.Join(groups, ", "))
		return exitCode(1)
	}
	return nil
}

// loadDiffSnapshot reads one of diff's snapshots, with check's hints, and
// masks anything in it shaped like a secret.
func loadDiffSnapshot(e *env, which, path string) (*snapshot.Snapshot, error) {
	snap, err := loadSnapshot(e, path)
	if err != nil {
		hint := "produce one with 'hogaudit snapshot -o FILE'"
		switch {
		case errors.Is(err, snapshot.ErrSchemaVersion):
			hint = "read it with the hogaudit version that wrote it, or collect a new snapshot"
		case errors.Is(err, snapshot.ErrInconsistent):
			hint = "the file was edited or truncated: collect a new one with 'hogaudit snapshot -o FILE'"
		}
		return nil, fail(fmt.Errorf("%s: %w", which, err), hint)
	}
	e.secrets.Scrub(snap)
	return snap, nil
}

// computeDrift resolves both snapshots' access with eng (the same Rego
// resolution the rules judge) and compares them. newAccess is cur's table
// when the run has resolved it already (outputPlan.currentAccess, over the
// same resources), else nil.
func computeDrift(ctx context.Context, eng *policies.Engine, old, cur *snapshot.Snapshot, newAccess *access.Table, opt drift.Options) (*drift.Report, error) {
	// Every resource a project-wide rule names in either snapshot: one no
	// rule names has its default level in both, and what changes it (an
	// organization level) shows under members.
	resources := snapshot.RuledResources(cur, old)
	oldAccess, err := eng.Access(ctx, old, resources)
	if err != nil {
		return nil, fmt.Errorf("resolve the old snapshot's access: %w", err)
	}
	if newAccess == nil {
		if newAccess, err = eng.Access(ctx, cur, resources); err != nil {
			return nil, fmt.Errorf("resolve the new snapshot's access: %w", err)
		}
	}
	return drift.Compare(old, cur, oldAccess, newAccess, opt)
}
