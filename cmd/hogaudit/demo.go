package main

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// demoCmd is `hogaudit demo`: a whole scan of a simulated organization.
type demoCmd struct {
	outputFlags
	SnapshotOut string        `placeholder:"FILE" help:"Also keep the demo snapshot."`
	Deny        []string      `placeholder:"SCOPE" help:"Deny the scanning key a scope (e.g. activity_log:read) to see how missing evidence is reported. Repeatable."`
	Latency     time.Duration `default:"0s" help:"Simulated latency of every API request."`
}

func (c *demoCmd) Run(ctx context.Context, g *globals, e *env) error {
	plan, err := planOutputs(e, &c.outputFlags, outputTarget{flag: "--snapshot-out", path: c.SnapshotOut})
	if err == nil {
		err = c.demo(ctx, g, e, plan)
	}
	return plan.finish(ctx, g, e, err, failedRun{matrix: examples.MatrixPath, failOn: c.FailOn, category: c.Category})
}

func (c *demoCmd) demo(ctx context.Context, g *globals, e *env, plan *outputPlan) error {
	m, err := matrix.Parse(examples.MatrixPath, examples.Matrix)
	if err != nil {
		return fail(fmt.Errorf("the built-in example matrix does not parse: %w", err))
	}
	// The demo's matrix is the example in hogaudit's repository, not a
	// file here.
	plan.matrix = &matrixPlace{rel: examples.MatrixPath}
	eng, err := (&policyFlags{}).engine(ctx, e)
	if err != nil {
		return err
	}

	// The simulator's clock is the run's, as PostHog's and the collector's
	// agree: keys' last_used_at is refreshed at the collection's time.
	sim := posthogsim.New(posthogsim.Acme(e.now()), posthogsim.WithLatency(c.Latency), posthogsim.WithClock(e.now))
	for _, scope := range c.Deny {
		sim.DenyScope(posthogsim.AcmeScannerToken, scope)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	g.infof(e, "demo: simulated PostHog organization \"Acme Analytics\" at %s", srv.URL)

	conn := connFlags{
		Host:        srv.URL,
		Concurrency: snapshot.DefaultConcurrency,
		Rate:        snapshot.DefaultRate,
		Timeout:     10 * time.Minute,
	}
	var audit []auditKey
	for _, name := range slices.Sorted(maps.Keys(posthogsim.AcmeAuditKeys)) {
		audit = append(audit, auditKey{env: name, token: posthogsim.AcmeAuditKeys[name]})
	}
	s, err := conn.open(g, e, posthogsim.AcmeScannerToken, audit)
	if err != nil {
		return err
	}
	snap, err := conn.collect(ctx, g, e, s, m.LookbackDays())
	if err != nil {
		return err
	}
	if t := plan.target("--snapshot-out"); t != nil {
		if err := t.writeSnapshot(g, e, snap); err != nil {
			return err
		}
	}
	missingHints(g, e, snap)
	err = evaluate(ctx, g, e, eng, m, snap, nil, &c.outputFlags, plan)
	if _, ok := err.(exitCode); ok || err == nil {
		g.hintf(e, "scan your own organization: export POSTHOG_PERSONAL_API_KEY=phx_… (an organization admin's key) and run 'hogaudit scan --matrix access-matrix.yaml --audit-key-env VAR' with one --audit-key-env per key the matrix declares")
		return nil // the demo ran; its findings are the point
	}
	return err
}
