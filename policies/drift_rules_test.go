package policies_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var driftNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// acmeSnapshot collects the demo organization.
func acmeSnapshot(t *testing.T) *snapshot.Snapshot {
	t.Helper()
	hc, base, closeFn := posthogsim.New(posthogsim.Acme(driftNow), posthogsim.WithClock(func() time.Time { return driftNow })).InMemory()
	defer closeFn()
	c, err := posthog.New(base, posthogsim.AcmeScannerToken, posthog.WithHTTPClient(hc), posthog.WithBudget(posthog.NewBudget(8, 0)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return driftNow }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// grant is frank's Production member → admin via role Product, by actor
// ("": not logged).
func grant(actor string) drift.Change {
	c := drift.Change{
		Kind: drift.KindProjectAccess, Group: drift.GroupAccess, Subject: "member:frank@acme.example",
		Project: &drift.Project{ID: posthogsim.AcmeProductionID, Name: "Production"},
		Before:  access.LevelMember, After: access.LevelAdmin,
		BeforePath: &access.Path{Via: access.ViaRoleRule, Roles: []string{"r"}},
		AfterPath:  &access.Path{Via: access.ViaRoleRule, Roles: []string{"r"}},
		Message:    "frank@acme.example: Production member through role Product's rule → admin through role Product's rule",
	}
	if actor != "" {
		c.By = &drift.Attribution{Actor: actor, At: driftNow.Add(-time.Minute), Source: drift.FromActivityLog, EntryID: "e"}
	}
	return c
}

func driftOf(changes []drift.Change, gaps ...drift.Gap) *drift.Report {
	return &drift.Report{
		SchemaVersion: drift.SchemaVersion, Org: snapshot.OrgRef{ID: posthogsim.AcmeOrgID, Name: "Acme Analytics"},
		Old:     drift.Side{CollectedAt: driftNow.Add(-24 * time.Hour), SchemaVersion: snapshot.SchemaVersion},
		New:     drift.Side{CollectedAt: driftNow, SchemaVersion: snapshot.SchemaVersion},
		Changes: changes, Gaps: append([]drift.Gap{}, gaps...), Counts: map[string]int{},
	}
}

func checkDrift(t *testing.T, s *snapshot.Snapshot, d *drift.Report) *report.Report {
	t.Helper()
	m, err := matrix.Parse(examples.MatrixPath, examples.Matrix)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := policies.SharedBuiltinEngine(t).Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m, GeneratedAt: driftNow, Drift: d})
	if err != nil {
		t.Fatal(err)
	}
	rep.Finalize("high")
	return rep
}

func ph404(rep *report.Report) (findings []report.Finding, notEvaluated *report.NotEvaluated) {
	for _, f := range rep.Findings {
		if f.Rule == "PH404" {
			findings = append(findings, f)
		}
	}
	for i, ne := range rep.NotEvaluated {
		if ne.Rule == "PH404" {
			notEvaluated = &rep.NotEvaluated[i]
		}
	}
	return findings, notEvaluated
}

func TestPH404WithoutDriftJudgesNothingAndLacksNothing(t *testing.T) {
	t.Parallel()
	s := acmeSnapshot(t)
	rep := checkDrift(t, s, nil)
	fs, ne := ph404(rep)
	if len(fs) != 0 || ne != nil || rep.Drift != nil {
		t.Errorf("without drift: findings %v, not evaluated %v, drift %v", fs, ne, rep.Drift)
	}
	if !slices.ContainsFunc(rep.Rules, func(r report.Rule) bool { return r.ID == "PH404" }) {
		t.Error("PH404 is not listed among the rules")
	}
	// Even with its sections missing, no previous snapshot is no missing
	// evidence for it.
	s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionMembers, Status: 500, Reason: "server error"})
	if _, ne := ph404(checkDrift(t, s, nil)); ne != nil {
		t.Errorf("without drift PH404 is not evaluated: %+v", ne)
	}
}

func TestPH404JudgesTheDrift(t *testing.T) {
	t.Parallel()
	s := acmeSnapshot(t)
	d := driftOf([]drift.Change{grant("")})
	rep := checkDrift(t, s, d)
	if rep.Drift != d {
		t.Error("the report does not carry the drift")
	}
	fs, ne := ph404(rep)
	if ne != nil || len(fs) != 1 {
		t.Fatalf("findings %v, not evaluated %v; want one finding", fs, ne)
	}
	if fs[0].Subject != "member:frank@acme.example/project:production_project" || !strings.Contains(fs[0].Message, "by someone PostHog did not record") {
		t.Errorf("finding %s: %s", fs[0].Subject, fs[0].Message)
	}
	if rep.ExitCode() != report.ExitFindings && rep.ExitCode() != report.ExitIncomplete {
		t.Errorf("exit %d", rep.ExitCode())
	}

	// By an owner of the matrix: trusted. By an engineer: reported.
	if fs, _ := ph404(checkDrift(t, s, driftOf([]drift.Change{grant("carol@acme.example")}))); len(fs) != 0 {
		t.Errorf("a trusted granter: %v", fs)
	}
	if fs, _ := ph404(checkDrift(t, s, driftOf([]drift.Change{grant("dan@acme.example")}))); len(fs) != 1 {
		t.Errorf("an untrusted granter: %d findings", len(fs))
	}
}

func TestPH404IsNotEvaluatedWhereTheDriftHasGaps(t *testing.T) {
	t.Parallel()
	s := acmeSnapshot(t)
	prod, staging := posthogsim.AcmeProductionID, posthogsim.AcmeStagingID
	cases := []struct {
		name string
		gap  drift.Gap
		want bool // not evaluated
	}{
		{"rules of the protected project", drift.Gap{Section: snapshot.SectionAccessControls, ProjectID: &prod, Side: "old", Reason: "403"}, true},
		{"members of the organization", drift.Gap{Section: snapshot.SectionMembers, Side: "new", Reason: "500"}, true},
		{"a section this build does not know", drift.Gap{Section: "access", ProjectID: &prod, Side: "both"}, true},
		{"rules of an unprotected project", drift.Gap{Section: snapshot.SectionAccessControls, ProjectID: &staging, Side: "old"}, false},
		{"invites", drift.Gap{Section: snapshot.SectionInvites, Side: "old"}, false},
		{"the activity log", drift.Gap{Section: snapshot.SectionOrganizationActivityLog, Side: "new"}, false},
		{"an organization setting not reported", drift.Gap{Section: drift.KindOrgSetting, Side: "old", Reason: "PostHog did not report members_can_see_org_members"}, false},
		{"a domain setting not reported", drift.Gap{Section: drift.KindDomainSetting, Side: "old"}, false},
		{"the organization (its access resolution not reported)", drift.Gap{Section: snapshot.SectionOrganization, Side: "new"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := checkDrift(t, s, driftOf([]drift.Change{grant("")}, c.gap))
			fs, ne := ph404(rep)
			if got := ne != nil; got != c.want {
				t.Fatalf("not evaluated = %v, want %v (findings %v)", got, c.want, fs)
			}
			if !c.want {
				if len(fs) != 1 {
					t.Errorf("evaluated but %d findings", len(fs))
				}
				return
			}
			if len(fs) != 0 || rep.ExitCode() != report.ExitIncomplete {
				t.Errorf("findings %v, exit %d; want none and exit 2", fs, rep.ExitCode())
			}
			if !slices.Contains(ne.Sections, c.gap.Section) || !strings.Contains(ne.Reason, c.gap.Section) {
				t.Errorf("not evaluated %+v does not name the gap %s", ne, c.gap.Section)
			}
		})
	}
}
