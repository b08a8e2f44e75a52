package policies

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// The pieces of Engine.Check one at a time: a rule's finding objects are
// validated (toFinding, identityProblem), exceptions suppress what they
// name and nothing else (applyExceptions), and a rule without its evidence
// is not evaluated, with the true remedy (notEvaluated, gapList). Each case
// has its near miss: the smallest change that turns the verdict.

// pieceRule is a rule as the catalog reads it from METADATA.
var pieceRule = Rule{
	ID: "PH999", Name: "piece-probe", Severity: "high", Remediation: "Fix it.",
	File: "policies/builtin/rules/ph999.rego", Package: "hogaudit.rules.ph999",
	Requires: []string{snapshot.SectionMembers, snapshot.SectionActivityLog},
}

func TestToFinding(t *testing.T) {
	t.Parallel()
	valid := func() map[string]any {
		return map[string]any{"subject": "member:ann@acme.example", "message": "Ann is an owner."}
	}
	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		f, err := toFinding(pieceRule, valid())
		if err != nil {
			t.Fatal(err)
		}
		// The rule's METADATA fills what the object leaves out.
		if f.Rule != "PH999" || f.Name != "piece-probe" || f.Severity != "high" || f.Remediation != "Fix it." ||
			f.Subject != "member:ann@acme.example" || f.Message != "Ann is an owner." || f.Evidence == nil || f.Identity != "" || f.Line != 0 || f.Advisory {
			t.Errorf("finding %+v", f)
		}
	})
	t.Run("every field", func(t *testing.T) {
		t.Parallel()
		obj := valid()
		obj["project"], obj["identity"], obj["severity"] = "production_project", "member:0190", "critical"
		obj["evidence"], obj["line"], obj["advisory"] = map[string]any{"level": "admin"}, json.Number("12"), true
		f, err := toFinding(pieceRule, obj)
		if err != nil {
			t.Fatal(err)
		}
		if f.Project != "production_project" || f.Identity != "member:0190" || f.Severity != "critical" ||
			f.Evidence["level"] != "admin" || f.Line != 12 || !f.Advisory {
			t.Errorf("finding %+v", f)
		}
	})
	for _, c := range []struct {
		name string
		edit func(map[string]any)
		want string
	}{
		{"not an object", nil, "produced a finding that is not an object"},
		{"no subject", func(o map[string]any) { delete(o, "subject") }, "subject is missing"},
		{"null subject", func(o map[string]any) { o["subject"] = nil }, "subject is missing"},
		{"no message", func(o map[string]any) { delete(o, "message") }, "message is missing"},
		{"subject not a string", func(o map[string]any) { o["subject"] = json.Number("7") }, "subject must be a string"},
		{"project not a string", func(o map[string]any) { o["project"] = []any{"p"} }, "project must be a string"},
		{"bad severity", func(o map[string]any) { o["severity"] = "urgent" }, `severity "urgent" is not critical, high, medium or low`},
		{"severity in capitals", func(o map[string]any) { o["severity"] = "High" }, `severity "High" is not`},
		{"evidence not an object", func(o map[string]any) { o["evidence"] = []any{"a"} }, "evidence must be an object"},
		{"evidence a string", func(o map[string]any) { o["evidence"] = "admin" }, "evidence must be an object"},
		{"negative line", func(o map[string]any) { o["line"] = json.Number("-1") }, "line must be a non-negative integer"},
		{"fractional line", func(o map[string]any) { o["line"] = json.Number("1.5") }, "line must be a non-negative integer"},
		{"line a string", func(o map[string]any) { o["line"] = "3" }, "line must be a non-negative integer"},
		{"advisory not a boolean", func(o map[string]any) { o["advisory"] = "yes" }, "advisory must be a boolean"},
		{"null identity", func(o map[string]any) { o["identity"] = nil }, "identity is missing"},
		{"empty identity", func(o map[string]any) { o["identity"] = "" }, "identity must not be empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var item any = []any{"subject", "message"}
			if c.edit != nil {
				obj := valid()
				c.edit(obj)
				item = obj
			}
			_, err := toFinding(pieceRule, item)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			// Every error names the file and the rule, so that a custom
			// rule's author can find the object.
			if !strings.HasPrefix(err.Error(), pieceRule.File+": rule PH999 produced ") {
				t.Errorf("err = %v, want it to name %s and PH999", err, pieceRule.File)
			}
		})
	}
	// Near misses: the smallest values that are right.
	for name, edit := range map[string]func(map[string]any){
		"line 0":            func(o map[string]any) { o["line"] = json.Number("0") },
		"line as a float":   func(o map[string]any) { o["line"] = float64(4) },
		"null evidence":     func(o map[string]any) { o["evidence"] = nil },
		"empty evidence":    func(o map[string]any) { o["evidence"] = map[string]any{} },
		"null project":      func(o map[string]any) { o["project"] = nil },
		"null advisory":     func(o map[string]any) { o["advisory"] = nil },
		"advisory false":    func(o map[string]any) { o["advisory"] = false },
		"empty severity":    func(o map[string]any) { o["severity"] = "" },
		"severity low":      func(o map[string]any) { o["severity"] = "low" },
		"one-byte identity": func(o map[string]any) { o["identity"] = "x" },
	} {
		obj := valid()
		edit(obj)
		f, err := toFinding(pieceRule, obj)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if name == "empty severity" && f.Severity != "high" {
			t.Errorf("an empty severity keeps the rule's, got %q", f.Severity)
		}
	}
}

func TestIdentityProblem(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"":                                 "must not be empty",
		" \t ":                             "must not be empty",
		"a\nb":                             "control characters",
		"a\x00b":                           "control characters",
		"a\u0085b":                         "control characters",
		strings.Repeat("a", maxIdentity+1): "longer than 1024 bytes",
		// bytes, not characters: 513 two-byte ones are too many
		strings.Repeat("é", maxIdentity/2+1): "longer than 1024 bytes",
		// Near misses: right at the bounds, and text beyond ASCII.
		strings.Repeat("a", maxIdentity):   "",
		strings.Repeat("é", maxIdentity/2): "",
		"member:ann@acme.example/flag/7":   "",
		"projet:Équipe ☃":                  "",
		" padded ":                         "",
	} {
		got := identityProblem(id)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("identityProblem(%.40q) = %q, want %q", id, got, want)
		}
	}
}

// exceptionFindings are findings of three rules, the exceptions' targets.
func exceptionFindings() *report.Report {
	return &report.Report{Findings: []report.Finding{
		{Rule: "PH208", Subject: "member:grace@acme.example"},
		{Rule: "PH208", Subject: "member:heidi@contractor.example"},
		{Rule: "PH212", Subject: "member:dan@acme.example", Project: "production_project"},
		{Rule: "PH212", Subject: "member:dan@acme.example", Project: "staging_project"},
		{Rule: "PH902", Subject: "matrix:exceptions.PH208.member:grace@acme.example"},
	}}
}

var exceptionRules = []Rule{{ID: "PH208", Name: "dormant-member"}, {ID: "PH212", Name: "protected-project-access"}, {ID: "PH902", Name: "exception-expired"}}

// suppressed lists the findings an exception hid, as "rule subject project
// reason".
func suppressed(rep *report.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.Suppressed != nil {
			out = append(out, strings.TrimSpace(f.Rule+" "+f.Subject+" "+f.Project)+" ("+f.Suppressed.Reason+")")
		}
	}
	return out
}

func TestApplyExceptions(t *testing.T) {
	t.Parallel()
	expires := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	x := func(rule, subject, project string, days int) matrix.Exception {
		return matrix.Exception{Rule: rule, Subject: subject, Project: project, Reason: "r:" + rule + subject + project,
			Expires: expires, DaysLeft: days, Expired: days < 0, Line: 40}
	}
	for _, c := range []struct {
		name string
		excs []matrix.Exception
		want []string
	}{
		{"by id", []matrix.Exception{x("PH208", "member:grace@acme.example", "", 60)},
			[]string{"PH208 member:grace@acme.example (r:PH208member:grace@acme.example)"}},
		{"by id in lower case", []matrix.Exception{x("ph208", "member:grace@acme.example", "", 60)},
			[]string{"PH208 member:grace@acme.example (r:ph208member:grace@acme.example)"}},
		{"by name", []matrix.Exception{x("dormant-member", "member:grace@acme.example", "", 60)},
			[]string{"PH208 member:grace@acme.example (r:dormant-membermember:grace@acme.example)"}},
		{"a subject pattern", []matrix.Exception{x("PH208", "member:*@acme.example", "", 60)},
			[]string{"PH208 member:grace@acme.example (r:PH208member:*@acme.example)"}},
		{"any project", []matrix.Exception{x("PH212", "member:dan@acme.example", "", 60)},
			[]string{"PH212 member:dan@acme.example production_project (r:PH212member:dan@acme.example)", "PH212 member:dan@acme.example staging_project (r:PH212member:dan@acme.example)"}},
		{"one project", []matrix.Exception{x("PH212", "member:dan@acme.example", "staging_project", 60)},
			[]string{"PH212 member:dan@acme.example staging_project (r:PH212member:dan@acme.examplestaging_project)"}},
		{"the last day", []matrix.Exception{x("PH208", "member:grace@acme.example", "", 0)},
			[]string{"PH208 member:grace@acme.example (r:PH208member:grace@acme.example)"}},
		{"the first that applies", []matrix.Exception{x("PH208", "member:heidi@contractor.example", "", -1), x("PH208", "member:*", "", 60), x("PH208", "member:heidi@contractor.example", "", 60)},
			[]string{"PH208 member:grace@acme.example (r:PH208member:*)", "PH208 member:heidi@contractor.example (r:PH208member:*)"}},
		// Near misses: each one thing off.
		{"another rule", []matrix.Exception{x("PH209", "member:grace@acme.example", "", 60)}, nil},
		{"another subject", []matrix.Exception{x("PH208", "member:grace@acme.exampl", "", 60)}, nil},
		{"another project", []matrix.Exception{x("PH212", "member:dan@acme.example", "dev_project", 60)}, nil},
		{"a project on a finding without one", []matrix.Exception{x("PH208", "member:grace@acme.example", "production_project", 60)}, nil},
		{"expired yesterday", []matrix.Exception{x("PH208", "member:grace@acme.example", "", -1)}, nil},
		// PH902 reports the exceptions: none hides it.
		{"the report about exceptions", []matrix.Exception{x("PH902", "*", "", 60), x("exception-expired", "matrix:*", "", 60)}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep := exceptionFindings()
			applyExceptions(rep, c.excs, exceptionRules)
			if got := suppressed(rep); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("suppressed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}

	// A suppression carries the exception's reason, ticket, expiry and
	// line; exceptions expiring within ExpiryWarningDays are listed, the
	// expired and the later ones are not.
	rep := exceptionFindings()
	soon := x("PH208", "member:grace@acme.example", "", matrix.ExpiryWarningDays-1)
	soon.Ticket = "SEC-1"
	later := x("PH212", "member:dan@acme.example", "production_project", matrix.ExpiryWarningDays)
	applyExceptions(rep, []matrix.Exception{soon, later, x("PH208", "member:heidi@contractor.example", "", -3)}, exceptionRules)
	if s := rep.Findings[0].Suppressed; s == nil || s.Ticket != "SEC-1" || s.Expires != "2026-12-31" || s.Line != 40 || s.Reason != soon.Reason {
		t.Errorf("suppression = %+v", s)
	}
	if rep.Findings[1].Suppressed != nil {
		t.Error("an expired exception suppressed heidi's finding")
	}
	if len(rep.ExpiringExceptions) != 1 || rep.ExpiringExceptions[0].Subject != "member:grace@acme.example" ||
		rep.ExpiringExceptions[0].DaysLeft != matrix.ExpiryWarningDays-1 || rep.ExpiringExceptions[0].Ticket != "SEC-1" {
		t.Errorf("expiring = %+v, want grace's alone", rep.ExpiringExceptions)
	}
}

func TestNotEvaluated(t *testing.T) {
	t.Parallel()
	pid := int64(12345)
	missing := func(ms ...snapshot.Missing) map[string][]snapshot.Missing {
		out := map[string][]snapshot.Missing{}
		for _, m := range ms {
			out[m.Section] = append(out[m.Section], m)
		}
		return out
	}
	for _, c := range []struct {
		name     string
		missing  map[string][]snapshot.Missing
		skip     bool
		sections []string
		scopes   []string
		reason   []string // parts of the reason
		not      []string // what the reason must not say
	}{
		{"a scope", missing(snapshot.Missing{Section: snapshot.SectionActivityLog, Status: 403, Scope: "activity_log:read", Reason: "missing scope activity_log:read"}),
			true, []string{"activity_log"}, []string{"activity_log:read"},
			[]string{"the snapshot lacks activity_log", "the scanning key needs activity_log:read"}, []string{"plan"}},
		{"a plan feature, not a scope", missing(snapshot.Missing{Section: snapshot.SectionActivityLog, Status: 402, Feature: "audit_logs", Reason: "payment required"}),
			true, []string{"activity_log"}, []string{},
			[]string{"the organization's PostHog plan needs audit_logs"}, []string{"scanning key", "payment required"}},
		{"a server error, its own cause", missing(snapshot.Missing{Section: snapshot.SectionMembers, Status: 500, Reason: "server error (HTTP 500)"}),
			true, []string{"members"}, []string{},
			[]string{"the snapshot lacks members (members: server error (HTTP 500))"}, []string{"needs", "scope"}},
		{"both sections, each remedy once", missing(
			snapshot.Missing{Section: snapshot.SectionMembers, Status: 403, Scope: "organization_member:read"},
			snapshot.Missing{Section: snapshot.SectionActivityLog, ProjectID: &pid, Status: 403, Scope: "activity_log:read"},
			snapshot.Missing{Section: snapshot.SectionActivityLog, Status: 403, Scope: "activity_log:read"},
			snapshot.Missing{Section: snapshot.SectionActivityLog, Status: 402, Feature: "audit_logs"}),
			true, []string{"members", "activity_log"}, []string{"organization_member:read", "activity_log:read"},
			[]string{"the snapshot lacks members, activity_log", "needs organization_member:read, activity_log:read", "plan needs audit_logs"}, nil},
		{"a partial section: an admin's key", missing(snapshot.Missing{Section: snapshot.SectionMembers, Status: 200, Cause: snapshot.CauseScannerNotAdmin, Reason: "partial"}),
			true, []string{"members"}, []string{},
			[]string{"the scanning key is not an organization admin's", "only part of members", "scan with an organization admin's or owner's key"}, []string{"needs", "(members: partial)"}},
		// Near misses: gaps the rule does not read, and none at all.
		{"a section the rule does not read", missing(snapshot.Missing{Section: snapshot.SectionRoles, Status: 403, Scope: "organization:read"}), false, nil, nil, nil, nil},
		{"nothing missing", missing(), false, nil, nil, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ne, skip := notEvaluated(pieceRule, c.missing)
			if skip != c.skip {
				t.Fatalf("not evaluated %v, want %v (%+v)", skip, c.skip, ne)
			}
			if !skip {
				if ne.Rule != "" || ne.Reason != "" {
					t.Errorf("an evaluated rule has a record: %+v", ne)
				}
				return
			}
			if ne.Rule != "PH999" || ne.Name != "piece-probe" || strings.Join(ne.Sections, ",") != strings.Join(c.sections, ",") ||
				ne.Scopes == nil || strings.Join(ne.Scopes, ",") != strings.Join(c.scopes, ",") {
				t.Errorf("record %+v, want sections %v, scopes %v", ne, c.sections, c.scopes)
			}
			for _, w := range c.reason {
				if !strings.Contains(ne.Reason, w) {
					t.Errorf("reason %q lacks %q", ne.Reason, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(ne.Reason, w) {
					t.Errorf("reason %q says %q", ne.Reason, w)
				}
			}
		})
	}
}

func TestBindingGapsNotEvaluated(t *testing.T) {
	t.Parallel()
	readsProjects := pieceRule
	readsProjects.Requires = []string{snapshot.SectionMembers, snapshot.SectionProjects}
	gaps := gapList{
		{Key: "production_project", Protected: true, By: matrix.ByName, MatchName: "Production",
			Candidates: []matrix.Candidate{{ID: 12399, Name: "Produktion"}}},
		{Key: "staging_project", By: matrix.ByName, MatchName: "Staging", Ambiguous: []int64{12346, 12347},
			Candidates: []matrix.Candidate{{ID: 12346, Name: "Staging"}, {ID: 12347, Name: "Staging"}}},
	}
	ne, skip := gaps.notEvaluated(readsProjects)
	if !skip || ne.Rule != "PH999" || strings.Join(ne.Bindings, ",") != "production_project,staging_project" || len(ne.Sections) != 0 || ne.Scopes == nil {
		t.Fatalf("not evaluated %v: %+v", skip, ne)
	}
	for _, w := range []string{
		`matrix project production_project (protected) matches no PostHog project (looked for a project named "Production"); nearest: 12399 "Produktion"`,
		`matrix project staging_project matches 2 PostHog projects: 12346 "Staging", 12347 "Staging"; give it the id: of the one it means (projects.staging_project.id)`,
	} {
		if !strings.Contains(ne.Reason, w) {
			t.Errorf("reason %q lacks %q", ne.Reason, w)
		}
	}
	// Near misses: a rule that does not read projects, and no gap.
	if ne, skip := gaps.notEvaluated(pieceRule); skip {
		t.Errorf("a rule without the projects section was held back: %+v", ne)
	}
	if ne, skip := (gapList{}).notEvaluated(readsProjects); skip {
		t.Errorf("no gap held the rule back: %+v", ne)
	}
}
