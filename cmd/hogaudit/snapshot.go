package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/hogaudit/hogaudit/snapshot"
)

// count says "1 member", "2 members", "3 activity entries".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// snapshotCmd is `hogaudit snapshot`.
type snapshotCmd struct {
	connFlags
	Output       string `short:"o" placeholder:"FILE" help:"Write the snapshot to FILE (atomically, mode 0600) instead of stdout; a name ending in .gz (snap.json.gz) writes it gzip-compressed."`
	LookbackDays int    `default:"30" help:"How many days of the activity log to read."`
}

func (c *snapshotCmd) Run(ctx context.Context, g *globals, e *env) error {
	if c.LookbackDays < 1 || c.LookbackDays > 3650 {
		return fail(fmt.Errorf("--lookback-days %d is out of range", c.LookbackDays), "use a number of days from 1 to 3650 (default 30)")
	}
	plan, err := planOutputs(e, nil, outputTarget{flag: "--output", path: c.Output})
	if err != nil {
		return err
	}
	s, err := c.connect(g, e)
	if err != nil {
		return err
	}
	snap, err := c.collect(ctx, g, e, s, c.LookbackDays)
	if err != nil {
		return err
	}
	if t := plan.target("--output"); t == nil {
		b, err := snapshot.Marshal(snap)
		if err != nil {
			return fail(err)
		}
		if _, err := e.stdout.Write(e.secrets.Bytes(b)); err != nil {
			return fail(err)
		}
	} else {
		if err := t.writeSnapshot(g, e, snap); err != nil {
			return err
		}
		g.infof(e, "wrote %s: %s, %s, %s, %s", c.Output,
			count(len(snap.Members), "member"), count(len(snap.Projects), "project"),
			count(len(snap.ActivityLog), "activity entry"), count(len(snap.APIKeys), "API key"))
	}
	missingHints(g, e, snap)
	if !snap.Complete() {
		return exitCode(2)
	}
	return nil
}
