package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/hogaudit/hogaudit/internal/atomicfile"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/matrix/draft"
	"github.com/hogaudit/hogaudit/snapshot"
)

// matrixInitCmd is `hogaudit matrix init`.
type matrixInitCmd struct {
	Snapshot string `placeholder:"FILE" help:"Draft from this snapshot (from 'hogaudit snapshot -o FILE'). Without it, hogaudit collects the organization first, with the connection flags below (as 'hogaudit snapshot' does)."`
	Output   string `short:"o" placeholder:"FILE" default:"access-matrix.yaml" help:"Write the matrix to FILE (atomically; default access-matrix.yaml), never over an existing file without --force; '-' writes it to stdout."`
	Force    bool   `help:"Overwrite FILE when it exists."`
	connFlags
	LookbackDays int `default:"30" help:"Live only: how many days of the activity log to read (the draft's audit.lookback_days)."`
}

// Help is shown by 'hogaudit matrix init --help'.
func (c *matrixInitCmd) Help() string {
	return `Write an access matrix that the organization satisfies today: every project bound by id, a group per
PostHog role (and one per member no role explains, per organization level, per audited key and per pending
invite that grants project access), each group's current highest level per project and its levels on the
resources with rules, the keys' scopes, and the organization's settings as they are.

'hogaudit check' with the drafted matrix on the same snapshot reports no access or key finding (PH2xx,
PH3xx): the draft describes today, it does not judge it. Every place a person should decide carries a
comment beginning with DECIDE: read them, tighten the matrix, and commit it.

The draft needs complete evidence: a missing section (a key without a scope, a partial member list) is an
error naming it (exit 2), never a matrix that says nobody has access.

Examples:
  hogaudit snapshot -o snapshot.json --audit-key-env BI_KEY
  hogaudit matrix init --snapshot snapshot.json          # writes access-matrix.yaml
  hogaudit matrix init --snapshot snapshot.json -o -     # prints it
  hogaudit matrix init --audit-key-env BI_KEY --force    # collects live, replaces the file`
}

func (c *matrixInitCmd) Run(ctx context.Context, g *globals, e *env, kctx *kong.Context) error {
	toStdout := c.Output == "-"
	if !toStdout {
		if err := c.checkOutput(e); err != nil {
			return err
		}
	}
	if c.Snapshot != "" {
		if err := liveOnlyFlags(kctx, len(c.AuditKeyEnv) > 0); err != nil {
			return err
		}
	}
	snap, source, err := c.load(ctx, g, e)
	if err != nil {
		return err
	}
	if err := draft.CheckEvidence(snap); err != nil {
		return incomplete(err)
	}
	eng, err := (&policyFlags{}).engine(ctx, e)
	if err != nil {
		return err
	}
	table, err := eng.Access(ctx, snap, draft.Resources(snap))
	if err != nil {
		return fail(fmt.Errorf("resolve access: %w", err))
	}
	out, err := draft.Draft(snap, table, draft.Options{Source: source})
	if err != nil {
		return incomplete(err)
	}
	// Validate exactly the bytes that are written: the draft must be a
	// matrix hogaudit reads, and a bug here must not reach a file.
	out = e.secrets.Bytes(out)
	if _, err := matrix.Parse(c.Output, out); err != nil {
		return fail(fmt.Errorf("the drafted matrix does not validate (a bug in hogaudit): %w", err))
	}
	if toStdout {
		if _, err := e.stdout.Write(out); err != nil {
			return fail(err)
		}
		return nil
	}
	// A live collection takes minutes: a file created at the output path
	// meanwhile is not replaced without --force either.
	if err := c.checkOutput(e); err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(e.path(c.Output), 0o644, out); err != nil {
		return fail(fmt.Errorf("write %s: %w", c.Output, e.asGiven(err, c.Output)))
	}
	next := fmt.Sprintf("'hogaudit check --snapshot %s --matrix %s'", c.Snapshot, c.Output)
	if c.Snapshot == "" {
		next = fmt.Sprintf("'hogaudit scan --matrix %s' (with the same connection flags)", c.Output)
	}
	g.infof(e, "wrote %s: %s, %s; read its DECIDE comments, then run %s",
		c.Output, count(len(snap.Projects), "project"), count(len(snap.Members), "member"), next)
	return nil
}

// checkOutput refuses an output path that is a directory, that exists
// (without --force), or that cannot be written.
func (c *matrixInitCmd) checkOutput(e *env) error {
	path := e.path(c.Output)
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fail(fmt.Errorf("%s is a directory", c.Output), "-o names the file to write, for example -o "+filepath.Join(c.Output, "access-matrix.yaml"))
	}
	if _, err := os.Lstat(path); err == nil && !c.Force {
		return fail(fmt.Errorf("%s exists; matrix init does not overwrite it", c.Output),
			"pass --force to replace it, or -o FILE to write elsewhere (-o - prints the draft)")
	}
	if err := atomicfile.Check(path); err != nil {
		return fail(fmt.Errorf("cannot write %s: %w", c.Output, e.asGiven(err, c.Output)))
	}
	return nil
}

// liveOnly are the flags of a live collection, which --snapshot does not
// read.
var liveOnly = []string{"host", "org", "api-key-file", "concurrency", "rate", "timeout", "request-timeout", "insecure-http", "lookback-days"}

// liveOnlyFlags refuses, with --snapshot, a live collection's flag given
// on the command line (from its environment variable it is not an error:
// POSTHOG_HOST may well be set): it would be silently ignored.
func liveOnlyFlags(kctx *kong.Context, auditKeys bool) error {
	if auditKeys {
		return fail(errors.New("--audit-key-env is for a live collection; --snapshot drafts from the keys the snapshot holds"),
			"pass --audit-key-env to 'hogaudit snapshot' when collecting the snapshot, or drop --snapshot to collect live")
	}
	if kctx == nil {
		return nil
	}
	for _, p := range kctx.Path {
		if p.Flag == nil || p.Resolved || !slices.Contains(liveOnly, p.Flag.Name) {
			continue
		}
		return fail(fmt.Errorf("--%s is for a live collection; --snapshot drafts from the snapshot as it was collected", p.Flag.Name),
			"pass --"+p.Flag.Name+" to 'hogaudit snapshot' when collecting the snapshot, or drop --snapshot to collect live")
	}
	return nil
}

// load reads --snapshot, or collects the organization live.
func (c *matrixInitCmd) load(ctx context.Context, g *globals, e *env) (*snapshot.Snapshot, string, error) {
	if c.Snapshot != "" {
		snap, err := loadSnapshot(e, c.Snapshot)
		if err != nil {
			return nil, "", fail(err, "produce one with 'hogaudit snapshot -o FILE'")
		}
		e.secrets.Scrub(snap)
		// the base name only: the header is committed, and must not
		// depend on where the snapshot was read from
		return snap, filepath.Base(c.Snapshot), nil
	}
	if c.LookbackDays < 1 || c.LookbackDays > 3650 {
		return nil, "", fail(fmt.Errorf("--lookback-days %d is out of range", c.LookbackDays), "use a number of days from 1 to 3650 (default 30)")
	}
	s, err := c.connect(g, e)
	if err != nil {
		return nil, "", err
	}
	snap, err := c.collect(ctx, g, e, s, c.LookbackDays)
	if err != nil {
		return nil, "", err
	}
	missingHints(g, e, snap)
	return snap, "live collection", nil
}

// incomplete is the failure of a draft refused for missing evidence, or
// for a name it would have to write as a pattern (exit 2), with the remedy.
func incomplete(err error) error {
	if errors.Is(err, draft.ErrPattern) {
		return fail(err, "rename the member's address or the key in PostHog, or write that part of the matrix by hand (docs/matrix.md, \"Drafting a matrix\")")
	}
	if errors.Is(err, draft.ErrIncomplete) {
		return fail(err, "collect a complete snapshot (the scanning key needs "+strings.Join(snapshot.RequiredScopes, ", ")+
			", its owner must be an organization admin, and every key the matrix should hold goes in with --audit-key-env) and run matrix init again")
	}
	return fail(err)
}
