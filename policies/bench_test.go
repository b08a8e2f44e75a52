package policies_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var benchNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// syntheticSnapshot collects a synthetic organization of the given size from
// the simulator (setup, not measured).
func syntheticSnapshot(tb testing.TB, members, projects int) (*snapshot.Snapshot, *posthogsim.Org) {
	tb.Helper()
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: members, Projects: projects, Seed: 7, Now: benchNow})
	srv := httptest.NewServer(posthogsim.New(org, posthogsim.WithPageSize(1000)))
	defer srv.Close()
	c, err := posthog.New(srv.URL, posthogsim.SyntheticScannerToken, posthog.WithBudget(posthog.NewBudget(8, 0)))
	if err != nil {
		tb.Fatal(err)
	}
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return benchNow }})
	if err != nil {
		tb.Fatal(err)
	}
	if !s.Complete() {
		tb.Fatalf("synthetic snapshot incomplete: %+v", s.Missing)
	}
	return s, org
}

// syntheticMatrix declares every role a group allowed on every project,
// the owners and admins groups of their own,
// and every project by id: a matrix the synthetic organization mostly
// follows, so the benchmark measures evaluation rather than reporting.
func syntheticMatrix(tb testing.TB, org *posthogsim.Org) *matrix.Matrix {
	tb.Helper()
	var b strings.Builder
	b.WriteString("version: 1\norganization:\n  require_2fa: true\n  max_owners: 2\n  max_admins: 500\n  allowed_email_domains: [synthetic.example]\n  dormant_after_days: 90\n")
	b.WriteString("api_keys:\n  max_age_days: 90\n  max_unused_days: 30\n  allow_wildcard: false\n  require_project_scoping: true\n")
	b.WriteString("projects:\n")
	for _, p := range org.Projects {
		fmt.Fprintf(&b, "  p%d:\n    id: %d\n    protected: true\n", p.ID, p.ID)
	}
	var owners, admins []string
	for _, m := range org.Members {
		switch m.Level {
		case posthogsim.LevelOwner:
			owners = append(owners, fmt.Sprintf("%q", m.User.Email))
		case posthogsim.LevelAdmin:
			admins = append(admins, fmt.Sprintf("%q", m.User.Email))
		}
	}
	b.WriteString("groups:\n  owners:\n    members: [" + strings.Join(owners, ", ") + "]\n    org_level: owner\n")
	b.WriteString("  org_admins:\n    members: [" + strings.Join(admins, ", ") + "]\n    org_level: admin\n")
	for i := range org.Roles {
		fmt.Fprintf(&b, "  team_%02d:\n    role: %q\n", i+1, org.Roles[i].Name)
	}
	b.WriteString("access_matrix:\n")
	for _, g := range []string{"owners", "org_admins"} {
		fmt.Fprintf(&b, "  %s:\n", g)
		for _, p := range org.Projects {
			fmt.Fprintf(&b, "    p%d: {role: admin}\n", p.ID)
		}
	}
	for i := range org.Roles {
		fmt.Fprintf(&b, "  team_%02d:\n", i+1)
		for _, p := range org.Projects {
			fmt.Fprintf(&b, "    p%d: {role: admin, can_create_insights: true}\n", p.ID)
		}
	}
	m, err := matrix.Parse("synthetic.yaml", []byte(b.String()))
	if err != nil {
		tb.Fatalf("synthetic matrix: %v", err)
	}
	return m
}

// BenchmarkCheck evaluates every built-in rule on synthetic organizations of
// 1,000 and 10,000 members with 100 projects each (input conversion
// included). Scaling is the ratio of the two ns/op for ten times the data.
func BenchmarkCheck(b *testing.B) {
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, members := range []int{1000, 10000} {
		s, org := syntheticSnapshot(b, members, 100)
		m := syntheticMatrix(b, org)
		rows := 0
		access := s.AccessRows()
		for i := range s.Projects {
			us, err := access.Of(&s.Projects[i])
			if err != nil {
				b.Fatal(err)
			}
			rows += len(us)
		}
		b.Run(fmt.Sprintf("members=%d/projects=100", members), func(b *testing.B) {
			var findings int
			for b.Loop() {
				rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m})
				if err != nil {
					b.Fatal(err)
				}
				findings = len(rep.Findings)
			}
			b.ReportMetric(float64(findings), "findings")
			b.ReportMetric(float64(rows), "access-rows")
		})
	}
}
