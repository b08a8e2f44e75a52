package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"time"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/internal/version"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
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
	if err := c.outputFlags.validate(); err != nil {
		return err
	}
	m, err := matrix.Parse(examples.MatrixPath, examples.Matrix)
	if err != nil {
		return fail(fmt.Errorf("the built-in example matrix does not parse: %w", err))
	}
	eng, err := (&policyFlags{}).engine(ctx)
	if err != nil {
		return err
	}

	sim := posthogsim.New(posthogsim.Acme(e.now()), posthogsim.WithLatency(c.Latency))
	for _, scope := range c.Deny {
		sim.DenyScope(posthogsim.AcmeScannerToken, scope)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	g.infof(e, "demo: simulated PostHog organization \"Acme Analytics\" at %s", srv.URL)

	prog := newProgress(g, e)
	budget := posthog.NewBudget(snapshot.DefaultConcurrency, 400)
	opts := []posthog.Option{
		posthog.WithBudget(budget),
		posthog.WithUserAgent(version.UserAgent()),
		posthog.WithObserver(prog.observe),
	}
	client, err := posthog.New(srv.URL, posthogsim.AcmeScannerToken, opts...)
	if err != nil {
		return fail(err)
	}
	envs := make([]string, 0, len(posthogsim.AcmeAuditKeys))
	for name := range posthogsim.AcmeAuditKeys {
		envs = append(envs, name)
	}
	sort.Strings(envs)
	var audit []snapshot.AuditKey
	for _, name := range envs {
		ac, err := posthog.New(srv.URL, posthogsim.AcmeAuditKeys[name], opts...)
		if err != nil {
			return fail(err)
		}
		audit = append(audit, snapshot.AuditKey{Env: name, Client: ac})
	}

	prog.start(srv.URL)
	snap, err := snapshot.Collect(ctx, client, snapshot.Options{
		Concurrency:  snapshot.DefaultConcurrency,
		LookbackDays: m.LookbackDays(),
		AuditKeys:    audit,
		Now:          e.now,
		ToolVersion:  version.String(),
	})
	prog.finish()
	if err != nil {
		return fail(fmt.Errorf("demo collection failed: %w", err))
	}
	if c.SnapshotOut != "" {
		if err := snapshot.Write(c.SnapshotOut, snap); err != nil {
			return fail(err)
		}
	}
	missingHints(g, e, snap)
	err = evaluate(ctx, g, e, eng, m, snap, &c.outputFlags)
	if _, ok := err.(exitCode); ok || err == nil {
		g.hintf(e, "scan your own organization: export POSTHOG_PERSONAL_API_KEY=phx_… and run 'hogaudit scan --matrix access-matrix.yaml'")
		return nil // the demo ran; its findings are the point
	}
	return err
}
