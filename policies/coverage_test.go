package policies_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

const coverageMatrix = `version: 1
groups:
  bots:
    keys: [ci-deploy, exporter]
`

// coverageCheck checks a minimal complete snapshot holding keys with the
// given labels, changed by mutate.
func coverageCheck(t *testing.T, mutate func(*snapshot.Snapshot), labels ...string) *report.Report {
	t.Helper()
	level := posthog.LevelOwner
	s := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion, Org: snapshot.OrgRef{ID: "o", Name: "Org"},
		CollectedAt:  time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
		Organization: &posthog.Organization{ID: "o", Name: "Org", MembershipLevel: &level},
		CurrentUser:  &posthog.CurrentUser{UUID: "u", Email: "a@x.example"},
		Members:      []posthog.Member{}, Invites: []posthog.Invite{}, Domains: []posthog.Domain{},
		IdentityProviderConfigs: []posthog.IdentityProviderConfig{}, Roles: []snapshot.Role{},
		Projects: []snapshot.Project{}, ActivityLog: []snapshot.ActivityEntry{}, APIKeys: []snapshot.APIKey{},
		Missing: []snapshot.Missing{},
	}
	for _, l := range labels {
		s.APIKeys = append(s.APIKeys, snapshot.APIKey{Source: snapshot.KeySourceAudit, PersonalAPIKey: posthog.PersonalAPIKey{ID: "k-" + l, Label: l}})
	}
	if mutate != nil {
		mutate(s)
	}
	m, err := matrix.Parse("m.yaml", []byte(coverageMatrix))
	if err != nil {
		t.Fatal(err)
	}
	eng := policies.SharedBuiltinEngine(t)
	rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m, GeneratedAt: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	rep.Finalize("high")
	return rep
}

func TestUnauditedDeclaredKeyMakesTheReportIncomplete(t *testing.T) {
	t.Parallel()
	rep := coverageCheck(t, nil, "exporter")
	if k := rep.Coverage.Keys; k.Declared != 2 || k.Audited != 1 || len(k.Unaudited) != 1 || k.Unaudited[0] != "ci-deploy" {
		t.Errorf("coverage %+v", k)
	}
	if rep.Snapshot.Complete || rep.ExitCode() != report.ExitIncomplete {
		t.Errorf("complete %v exit %d, want incomplete and 2", rep.Snapshot.Complete, rep.ExitCode())
	}
	var rec *report.Missing
	for i, m := range rep.Snapshot.Missing {
		if m.Key == "ci-deploy" {
			rec = &rep.Snapshot.Missing[i]
		}
	}
	if rec == nil || rec.Section != snapshot.SectionAPIKeys || !strings.Contains(rec.Reason, "group bots") {
		t.Errorf("missing record %+v", rec)
	}
	// Near miss: both keys audited; the snapshot's completeness stands.
	rep = coverageCheck(t, nil, "exporter", "ci-deploy")
	if k := rep.Coverage.Keys; k.Declared != 2 || k.Audited != 2 || len(k.Unaudited) != 0 || !rep.Snapshot.Complete {
		t.Errorf("coverage %+v complete %v", k, rep.Snapshot.Complete)
	}
}

func TestNotEvaluatedNamesTheTrueRemedy(t *testing.T) {
	t.Parallel()
	reason := func(rep *report.Report, rule string) (report.NotEvaluated, bool) {
		for _, n := range rep.NotEvaluated {
			if n.Rule == rule {
				return n, true
			}
		}
		return report.NotEvaluated{}, false
	}
	// A member's key: the project list is partial; an admin's key, not a
	// scope, is the remedy.
	rep := coverageCheck(t, func(s *snapshot.Snapshot) {
		one := 1
		s.Organization.MembershipLevel = &one
		s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionProjects, Status: 200, Cause: snapshot.CauseScannerNotAdmin, ScannerLevel: &one})
	}, "exporter", "ci-deploy")
	n, ok := reason(rep, "PH204")
	if !ok || len(n.Scopes) != 0 || !strings.Contains(n.Reason, "organization admin's or owner's key") {
		t.Errorf("PH204 not evaluated %v: %+v", ok, n)
	}
	// An unconfirmed project list: the organization's scope is the remedy.
	rep = coverageCheck(t, func(s *snapshot.Snapshot) {
		s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionProjects, Status: 200, Cause: snapshot.CauseScannerLevelUnknown, Scope: "organization:read"})
	}, "exporter", "ci-deploy")
	if n, _ := reason(rep, "PH204"); len(n.Scopes) != 1 || n.Scopes[0] != "organization:read" {
		t.Errorf("PH204 scopes %v, want organization:read", n.Scopes)
	}
	// Near miss: a failed project list keeps its own scope.
	rep = coverageCheck(t, func(s *snapshot.Snapshot) {
		s.Projects = nil
		s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionProjects, Status: 403, Scope: "project:read"})
	}, "exporter", "ci-deploy")
	if n, _ := reason(rep, "PH204"); len(n.Scopes) != 1 || n.Scopes[0] != "project:read" || strings.Contains(n.Reason, "admin") {
		t.Errorf("PH204 %+v", n)
	}
}
