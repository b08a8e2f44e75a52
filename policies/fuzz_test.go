package policies_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/internal/fuzzcorpus"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzCheck from the example matrix and the simulator (TestWriteFuzzSeeds)")

// FuzzCheck runs the whole check pipeline on arbitrary bytes: a matrix
// (matrix.Parse), a snapshot (snapshot.Decode), the engine's Check with every
// built-in rule, and every report format. Inputs either side rejects are
// skipped; for the others nothing may panic, Check must succeed (a rule
// that fails on some evidence stops every check of it), every format must
// render, the SARIF must be JSON, every finding must have an id and an
// identity, and a check of incomplete evidence must exit 2, never 0 or 1.
func FuzzCheck(f *testing.F) {
	eng := policies.SharedBuiltinEngine(f)
	generated := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, matrixYAML, snapshotJSON []byte) {
		m, err := matrix.Parse("access-matrix.yaml", matrixYAML)
		if err != nil {
			return
		}
		s, err := snapshot.Decode(snapshotJSON)
		if err != nil {
			return
		}
		rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m, GeneratedAt: generated})
		if err != nil {
			t.Fatalf("check failed on a matrix and a snapshot both accepted: %v", err)
		}
		rep.Finalize(report.SeverityHigh)
		for _, f := range rep.Findings {
			if f.ID == "" || f.Identity == "" {
				t.Fatalf("%s %s: id %q identity %q", f.Rule, f.Subject, f.ID, f.Identity)
			}
		}
		if !s.Complete() && rep.ExitCode() != report.ExitIncomplete {
			t.Fatalf("incomplete evidence (%d missing records) gave exit %d", len(s.Missing), rep.ExitCode())
		}
		for _, format := range report.Formats {
			var buf bytes.Buffer
			if err := report.Write(&buf, rep, format, report.Options{}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			if format == report.FormatSARIF && !json.Valid(buf.Bytes()) {
				t.Fatal("the SARIF log is not JSON")
			}
		}
	})
}

// fuzzCollect collects org from the simulator at now with its scanning
// token and audit keys, and returns the snapshot's JSON.
func fuzzCollect(t *testing.T, org *posthogsim.Org, token string, audit map[string]string, opts ...posthogsim.Option) []byte {
	t.Helper()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(posthogsim.New(org, append([]posthogsim.Option{posthogsim.WithClock(func() time.Time { return now })}, opts...)...))
	defer srv.Close()
	client := func(tok string) *posthog.Client {
		c, err := posthog.New(srv.URL, tok)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var keys []snapshot.AuditKey
	for env, tok := range audit {
		keys = append(keys, snapshot.AuditKey{Env: env, Client: client(tok)})
	}
	s, err := snapshot.Collect(context.Background(), client(token), snapshot.Options{AuditKeys: keys, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	b, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWriteFuzzSeeds rewrites FuzzCheck's seed corpus when run with
// -write-fuzz-seeds: the example matrix against the simulated Acme
// (complete, on the 2025 deployment, and with a section denied), and small
// matrices against a small synthetic organization.
func TestWriteFuzzSeeds(t *testing.T) {
	t.Parallel()
	if !*writeFuzzSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite testdata/fuzz/FuzzCheck")
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	acme := fuzzCollect(t, posthogsim.Acme(now), posthogsim.AcmeScannerToken, posthogsim.AcmeAuditKeys)
	acme2025 := fuzzCollect(t, posthogsim.Acme(now), posthogsim.AcmeScannerToken, posthogsim.AcmeAuditKeys,
		posthogsim.WithDeployment(posthogsim.Deployment2025))
	small := fuzzCollect(t, posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 4, Projects: 2, Seed: 5, Now: now}),
		posthogsim.SyntheticScannerToken, nil)

	denyOrg := posthogsim.Acme(now)
	deniedSim := posthogsim.New(denyOrg)
	deniedSim.DenyScope(posthogsim.AcmeScannerToken, "activity_log:read")
	srv := httptest.NewServer(deniedSim)
	c, err := posthog.New(srv.URL, posthogsim.AcmeScannerToken)
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return now }})
	srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	denied, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}

	withExceptions := strings.Replace(string(examples.Matrix), "# exceptions:", "exceptions:", 1)
	for _, l := range []string{"rule", "subject", "project", "reason", "ticket", "expires"} {
		withExceptions = strings.Replace(withExceptions, "#   - "+l+":", "  - "+l+":", 1)
		withExceptions = strings.Replace(withExceptions, "#     "+l+":", "    "+l+":", 1)
	}
	small1 := "version: 1\norganization:\n  max_owners: 1\n  require_2fa: true\n  dormant_after_days: 1\napi_keys:\n  max_age_days: 1\n" +
		"projects:\n  p1: {name: Project 001, protected: true}\ngroups:\n  team: {role: Team 01}\naccess_matrix:\n  team:\n    p1: {role: member, can_create_flags: false}\n"
	for name, seed := range map[string][2][]byte{
		"acme":                 {examples.Matrix, acme},
		"acme-2025-exceptions": {[]byte(withExceptions), acme2025},
		"acme-no-activity-log": {examples.Matrix, denied},
		"small":                {[]byte(small1), small},
		"minimal":              {[]byte("version: 1\n"), small},
	} {
		if err := fuzzcorpus.Write(".", "FuzzCheck", name, seed[0], seed[1]); err != nil {
			t.Fatal(err)
		}
	}
}
