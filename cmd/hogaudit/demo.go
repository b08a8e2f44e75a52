package main

import (
	"cmp"
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
	previousFlag
	SnapshotOut string        `placeholder:"FILE" help:"Also keep the demo snapshot; a name ending in .gz (snap.json.gz) writes it gzip-compressed."`
	Matrix      string        `placeholder:"FILE" help:"Check the demo organization with this matrix (e.g. one drafted by 'hogaudit matrix init') instead of the built-in example."`
	Changed     bool          `help:"Serve Acme after the demo's deliberate changes, made since the --previous snapshot (else in the minute before the run): carol promotes erin to organization admin, gives role Product admin on the protected Production project by an access rule (not in PostHog's activity log) and clears SSO enforcement on acme.example; bi-bot widens its key bi-dashboard-readonly with feature_flag:write."`
	Deny        []string      `placeholder:"SCOPE" help:"Deny the scanning key a scope (e.g. activity_log:read) to see how missing evidence is reported. Repeatable."`
	Latency     time.Duration `default:"0s" help:"Simulated latency of every API request."`
}

func (c *demoCmd) Run(ctx context.Context, g *globals, e *env) error {
	plan, err := planOutputs(e, &c.outputFlags, outputTarget{flag: "--snapshot-out", path: c.SnapshotOut})
	if err == nil {
		c.textLimitWarnings(g, e)
		err = c.demo(ctx, g, e, plan)
	}
	return plan.finish(ctx, g, e, err, failedRun{matrix: cmp.Or(c.Matrix, examples.MatrixPath), failOn: c.FailOn, category: c.Category})
}

// matrix is the demo's matrix: --matrix, else the example in hogaudit's
// repository (not a file here).
func (c *demoCmd) matrix(g *globals, e *env, plan *outputPlan) (*matrix.Matrix, error) {
	if c.Matrix != "" {
		m, err := (&policyFlags{Matrix: c.Matrix}).loadMatrix(e)
		if err != nil {
			return nil, err
		}
		return m, plan.placeMatrix(g, e, m.Path, &c.outputFlags)
	}
	m, err := matrix.Parse(examples.MatrixPath, examples.Matrix)
	if err != nil {
		return nil, fail(fmt.Errorf("the built-in example matrix does not parse: %w", err))
	}
	plan.matrix = &matrixPlace{rel: examples.MatrixPath}
	return m, nil
}

func (c *demoCmd) demo(ctx context.Context, g *globals, e *env, plan *outputPlan) error {
	m, err := c.matrix(g, e, plan)
	if err != nil {
		return err
	}
	eng, err := (&policyFlags{}).engine(ctx, e)
	if err != nil {
		return err
	}
	prev, err := c.load(e)
	if err != nil {
		return err
	}
	if prev != nil {
		e.secrets.Scrub(prev)
	}

	// The simulator's clock is the run's, as PostHog's and the collector's
	// agree: keys' last_used_at is refreshed at the collection's time.
	sim := posthogsim.New(posthogsim.Acme(e.now()), posthogsim.WithLatency(c.Latency), posthogsim.WithClock(e.now))
	if c.Changed {
		// A diff from the previous snapshot must find every change inside
		// its window, however soon after it this run is.
		after := e.now().Add(-50 * time.Second)
		if prev != nil && prev.CollectedAt.After(after) {
			after = prev.CollectedAt
		}
		if err := posthogsim.ChangeAcme(sim, after, e.now()); err != nil {
			return fail(fmt.Errorf("the demo's changes: %w", err))
		}
		g.infof(e, "demo: changed since %s by %s: %s promoted to admin; role %s given admin on Production by an access rule (PostHog does not log it); SSO enforcement cleared on %s; and by %s: key %s widened with %s",
			after.UTC().Format(time.RFC3339), posthogsim.AcmeChangeActor, posthogsim.AcmePromoted, posthogsim.AcmeGrantedRole, posthogsim.AcmeClearedDomain,
			posthogsim.AcmeWidenedKeyOwner, posthogsim.AcmeWidenedKey, posthogsim.AcmeWidenedScope)
	}
	for _, scope := range c.Deny {
		sim.DenyScope(posthogsim.AcmeScannerToken, scope)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	g.infof(e, "demo: simulated PostHog organization \"Acme Analytics\" at %s", srv.URL)

	demoTimeout := 10 * time.Minute
	conn := connFlags{
		Host:        srv.URL,
		Concurrency: snapshot.DefaultConcurrency,
		Rate:        snapshot.DefaultRate,
		Timeout:     &demoTimeout,
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
	_, err = checkCollected(ctx, g, e, eng, m, snap, prev, &c.previousFlag, &c.outputFlags, plan)
	if _, ok := err.(exitCode); ok || err == nil {
		g.hintf(e, "scan your own organization: export POSTHOG_PERSONAL_API_KEY=phx_… (an organization admin's key) and run 'hogaudit scan --matrix access-matrix.yaml --audit-key-env VAR' with one --audit-key-env per key the matrix declares")
		return nil // the demo ran; its findings are the point
	}
	return err
}
