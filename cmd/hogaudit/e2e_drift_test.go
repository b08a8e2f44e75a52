package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// wantChange is a change the acceptance flow must show exactly once.
type wantChange struct {
	kind, subject string
	project       int64 // 0: none
	field         string
	before, after string
	actor         string // "": PostHog logged no actor; anyActor: either way
	source        string // "": no attribution
}

// anyActor accepts a change attributed or not: erin's new access follows
// from her logged promotion, and joining it to that entry is the drift's
// choice.
const anyActor = "?"

func (w wantChange) matches(c drift.Change) bool {
	if c.Kind != w.kind || c.Subject != w.subject || c.Before != w.before || c.After != w.after {
		return false
	}
	if (w.project == 0) != (c.Project == nil) || (c.Project != nil && c.Project.ID != w.project) {
		return false
	}
	return w.field == "" || c.Field == w.field
}

// protect marks the drafted matrix's project with id pid protected, the
// decision a person makes after matrix init, by editing the text as a
// person would (the draft's comments and dates stay as written). A draft
// that already marks it protected is left alone.
func protect(t *testing.T, path string, pid int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	idLine := fmt.Sprintf("id: %d", pid)
	for i, l := range lines {
		if strings.TrimSpace(l) != idLine {
			continue
		}
		if i+1 < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i+1]), "protected: true") {
			return
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
		lines = slices.Insert(lines, i+1, indent+"protected: true")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("the drafted matrix binds no project to id %d:\n%s", pid, b)
}

// driftReport is the part of the JSON report this test reads.
type driftReport struct {
	jsonReport
	Drift *drift.Report `json:"drift"`
}

func TestDriftEndToEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)

	// Last quarter's review: a snapshot, a drafted matrix, a clean check.
	h.setNow(refNow.Add(-24 * time.Hour))
	if res := h.run(scanArgs("--snapshot-out", "before.json", "--format", "json")...); res.code == 2 {
		t.Fatalf("first scan exit 2:\n%s", res.stderr)
	}
	if res := h.run("matrix", "init", "--snapshot", "before.json", "-o", "acme-matrix.yaml"); res.code != 0 {
		t.Fatalf("matrix init exit %d:\n%s", res.code, res.stderr)
	}
	protect(t, h.path("acme-matrix.yaml"), posthogsim.AcmeProductionID)
	res := h.run("check", "--snapshot", "before.json", "--matrix", "acme-matrix.yaml", "--format", "json")
	if res.code == 2 {
		t.Fatalf("check exit 2:\n%s", res.stderr)
	}
	clean := decodeReport(t, []byte(res.stdout))
	for _, f := range clean.Findings {
		// A pending admin invite has no matrix entry that allows it: the
		// draft records it as an exception (DECIDE), so it stays
		// suppressed rather than failing.
		if f.Suppressed != nil && f.Rule == "PH210" {
			continue
		}
		if strings.HasPrefix(f.Rule, "PH2") || strings.HasPrefix(f.Rule, "PH3") {
			t.Errorf("the drafted matrix leaves an access finding: %s %s: %s", f.Rule, f.Subject, f.Message)
		}
	}
	for _, ne := range clean.NotEvaluated {
		if ne.Rule == "PH404" {
			t.Error("without --previous PH404 is listed as not evaluated")
		}
	}

	// The deliberate changes, through PostHog's API as the simulator
	// imitates it, shortly before today's scan.
	at := func(secs int) time.Time { return refNow.Add(-time.Duration(secs) * time.Second) }
	sim := h.sim
	steps := []error{
		sim.SetMemberLevel("carol@acme.example", "erin@acme.example", posthogsim.LevelAdmin, at(40)),
		sim.SetAccessRule("carol@acme.example", posthogsim.AcmeProductionID, "project", posthogsim.RuleSubject{Role: "Product"}, "admin", at(30)),
		sim.SetKeyScopes("bi-bot@acme.example", "bi-dashboard-readonly", []string{"insight:read", "dashboard:read", "query:read", "feature_flag:write"}, at(20)),
		sim.SetSSOEnforcement("carol@acme.example", "acme.example", "", at(10)),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("change %d: %v", i+1, err)
		}
	}

	h.setNow(refNow)
	res = h.run(scanArgs("--matrix", "acme-matrix.yaml", "--previous", "before.json", "--snapshot-out", "after.json", "--format", "json")...)
	if res.code == 2 {
		t.Fatalf("scan --previous exit 2:\n%s", res.stderr)
	}
	var rep driftReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Drift == nil {
		t.Fatalf("the JSON report has no drift:\n%s", res.stdout)
	}
	if len(rep.Drift.Gaps) != 0 {
		t.Errorf("gaps: %+v", rep.Drift.Gaps)
	}

	prod := posthogsim.AcmeProductionID
	want := []wantChange{
		{kind: drift.KindMemberLevel, subject: "member:erin@acme.example", before: "member", after: "admin", actor: "carol@acme.example", source: drift.FromActivityLog},
		{kind: drift.KindRuleChanged, subject: "role:Product", project: prod, before: "member", after: "admin"},
		{kind: drift.KindProjectAccess, subject: "member:frank@acme.example", project: prod, before: "member", after: "admin"},
		{kind: drift.KindProjectAccess, subject: "member:grace@acme.example", project: prod, before: "member", after: "admin"},
		{kind: drift.KindProjectAccess, subject: "member:heidi@contractor.example", project: prod, before: "member", after: "admin"},
		{kind: drift.KindProjectAccess, subject: "member:erin@acme.example", project: prod, before: "member", after: "admin", actor: anyActor},
		{kind: drift.KindKeyScopes, subject: "key:bi-dashboard-readonly", before: "dashboard:read,insight:read,query:read", after: "dashboard:read,feature_flag:write,insight:read,query:read", actor: "bi-bot@acme.example", source: drift.FromActivityLog},
		{kind: drift.KindDomainSetting, subject: "domain:acme.example", field: "sso_enforcement", before: "google-oauth2", after: "", actor: "carol@acme.example", source: drift.FromActivityLog},
	}
	checkChanges(t, "scan --previous", rep.Drift, want)

	// PH404: each unlogged admin grant on protected Production; not erin's,
	// who is admin as an organization admin (PH403's and PH207's).
	for _, who := range []string{"frank@acme.example", "grace@acme.example", "heidi@contractor.example"} {
		if !rep.has("PH404", "member:"+who+"/project:production", "*") {
			t.Errorf("no PH404 for %s; findings:\n%s", who, listFindings(rep.jsonReport))
		}
	}
	if rep.has("PH404", "member:erin@acme.example/project:production", "*") {
		t.Error("PH404 for erin's organization promotion")
	}
	// The widened key exceeds what the drafted matrix grants it: its owner's
	// other key (bi-legacy, *) lends it nothing.
	if !rep.has("PH302", "key:"+posthogsim.AcmeWidenedKey, "*") {
		t.Errorf("no PH302 for the widened key %s; findings:\n%s", posthogsim.AcmeWidenedKey, listFindings(rep.jsonReport))
	}
	for _, ne := range rep.NotEvaluated {
		if ne.Rule == "PH404" {
			t.Errorf("PH404 not evaluated: %+v", ne)
		}
	}

	// diff shows the same changes, from the two files.
	res = h.run("diff", "before.json", "after.json", "-f", "json")
	if res.code != 0 {
		t.Fatalf("diff exit %d:\n%s", res.code, res.stderr)
	}
	var d drift.Report
	if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
		t.Fatalf("diff -f json: %v\n%s", err, res.stdout)
	}
	checkChanges(t, "diff", &d, want)
	if res := h.run("diff", "before.json", "after.json", "--fail-on-drift"); res.code != 1 {
		t.Errorf("diff --fail-on-drift exit %d, want 1", res.code)
	}
	if res := h.run("diff", "before.json", "after.json", "--fail-on-drift", "--fail-on-drift-kind", drift.GroupInvites); res.code != 0 {
		t.Errorf("diff --fail-on-drift-kind invites exit %d, want 0 (no invite changed)", res.code)
	}
	// The text shows each change with its source and, where logged, its
	// actor.
	text := h.run("diff", "before.json", "after.json").stdout
	for _, s := range []string{"erin@acme.example", "carol@acme.example", "role Product", "bi-dashboard-readonly", "feature_flag:write", "acme.example"} {
		if !strings.Contains(text, s) {
			t.Errorf("diff text lacks %q:\n%s", s, text)
		}
	}
	// The near miss: NEW must be newer than OLD; a snapshot against itself
	// cannot be compared as drift (exit 2), never "no drift".
	if res := h.run("diff", "after.json", "after.json"); res.code != 2 {
		t.Errorf("diff of a snapshot with itself: exit %d, want 2 (not newer)", res.code)
	}
}

// checkChanges checks that every wanted change appears exactly once with its
// attribution, and that nothing outside what was changed drifted.
func checkChanges(t *testing.T, where string, d *drift.Report, want []wantChange) {
	t.Helper()
	subjects := map[string]bool{"everyone": false}
	for _, w := range want {
		subjects[w.subject] = true
		var got []drift.Change
		for _, c := range d.Changes {
			if w.matches(c) {
				got = append(got, c)
			}
		}
		if len(got) != 1 {
			t.Errorf("%s: %d changes %s %s %s→%s, want 1; changes:\n%s", where, len(got), w.kind, w.subject, w.before, w.after, changeList(d))
			continue
		}
		c := got[0]
		switch {
		case w.actor == anyActor:
			if c.By != nil && c.By.Actor != "" && c.By.Actor != "carol@acme.example" {
				t.Errorf("%s: %s %s attributed to %s", where, w.kind, w.subject, c.By.Actor)
			}
		case w.actor == "" && c.By != nil && c.By.Actor != "":
			t.Errorf("%s: %s %s attributed to %s; PostHog logs no actor for it", where, w.kind, w.subject, c.By.Actor)
		case w.actor != "" && (c.By == nil || c.By.Actor != w.actor || c.By.Source != w.source):
			t.Errorf("%s: %s %s by %+v, want %s from %s", where, w.kind, w.subject, c.By, w.actor, w.source)
		}
		if c.Message == "" {
			t.Errorf("%s: %s %s has no message", where, w.kind, w.subject)
		}
		if w.kind == drift.KindProjectAccess && (c.AfterPath == nil || (w.subject == "member:erin@acme.example") != (c.AfterPath.Via == "org_admin")) {
			t.Errorf("%s: %s after path %+v", where, w.subject, c.AfterPath)
		}
	}
	for _, c := range d.Changes {
		if !subjects[c.Subject] {
			t.Errorf("%s: drift nobody made: %s %s %s→%s", where, c.Kind, c.Subject, c.Before, c.After)
		}
	}
	if n := slices.IndexFunc(d.Changes, func(c drift.Change) bool { return c.Group != drift.KindGroup[c.Kind] }); n >= 0 {
		t.Errorf("%s: change %+v in the wrong group", where, d.Changes[n])
	}
}

func changeList(d *drift.Report) string {
	var b strings.Builder
	for _, c := range d.Changes {
		fmt.Fprintf(&b, "  %s %s %v %s→%s by %+v\n", c.Kind, c.Subject, c.Project, c.Before, c.After, c.By)
	}
	return b.String()
}
