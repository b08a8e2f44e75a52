package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/snapshot"
)

var (
	driftOld = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	driftNew = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	driftAt  = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
)

// driftChange builds a change of kind with its group from drift.KindGroup.
func driftChange(kind, subject, before, after string, mod ...func(*drift.Change)) drift.Change {
	c := drift.Change{Kind: kind, Group: drift.KindGroup[kind], Subject: subject, Before: before, After: after,
		Message: subject + ": " + kind}
	for _, m := range mod {
		m(&c)
	}
	return c
}

func inProject(id int64, name string) func(*drift.Change) {
	return func(c *drift.Change) { c.Project = &drift.Project{ID: id, Name: name} }
}

func byActor(actor, source string) func(*drift.Change) {
	return func(c *drift.Change) {
		c.By = &drift.Attribution{Actor: actor, At: driftAt, Source: source, EntryID: "e1"}
	}
}

// everyKindReport is a drift report with one change of every kind in
// drift.KindGroup, in report order, and counts to match.
func everyKindReport() *drift.Report {
	payments := inProject(2, "Payments")
	changes := []drift.Change{
		driftChange(drift.KindMemberJoined, "member:erin@acme.com", "", "member", byActor("dan@acme.com", drift.FromActivityLog)),
		driftChange(drift.KindMemberLeft, "member:frank@acme.com", "admin", ""),
		driftChange(drift.KindMemberLevel, "member:alice@acme.com", "member", "admin", byActor("dan@acme.com", drift.FromActivityLog)),
		driftChange(drift.KindMember2FA, "member:bob@acme.com", "enabled", "disabled"),
		driftChange(drift.KindProjectAccess, "member:alice@acme.com", "member", "admin", payments, func(c *drift.Change) {
			c.BeforePath = &access.Path{Via: access.ViaDefault}
			c.AfterPath = &access.Path{Via: access.ViaRoleRule, Roles: []string{"role-finance"}, RoleNames: []string{"Finance"}}
			c.Detail = "rule updated 2026-11-25, not in the activity log"
		}),
		driftChange(drift.KindProjectAccess, "member:dave@acme.com", "member", "admin", payments, func(c *drift.Change) {
			// The role's rule itself changed: the same path, a higher level.
			c.BeforePath = &access.Path{Via: access.ViaRoleRule, Roles: []string{"role-product"}, RoleNames: []string{"Product"}}
			c.AfterPath = &access.Path{Via: access.ViaRoleRule, Roles: []string{"role-product"}, RoleNames: []string{"Product"}}
		}),
		driftChange(drift.KindProjectAccess, "member:carol@acme.com", "member", "admin", payments, func(c *drift.Change) {
			c.BeforePath = &access.Path{Via: access.ViaMemberRule}
			c.AfterPath = &access.Path{Via: access.ViaOrgAdmin, OrgLevel: "owner"}
		}),
		driftChange(drift.KindResourceAccess, "member:bob@acme.com", "editor", "viewer", payments, func(c *drift.Change) {
			c.Resource = "insight"
			c.BeforePath = &access.Path{Via: access.ViaDefault}
			c.AfterPath = &access.Path{Via: access.ViaEveryoneRule}
		}),
		driftChange(drift.KindRoleAdded, "role:Support", "", "Support"),
		driftChange(drift.KindRoleRemoved, "role:Interns", "Interns", ""),
		driftChange(drift.KindRoleRenamed, "role:Finance", "Money", "Finance"),
		driftChange(drift.KindRoleMemberAdded, "role:Finance", "", "alice@acme.com", func(c *drift.Change) {
			c.Member = "alice@acme.com"
			c.By = &drift.Attribution{At: driftAt, Source: drift.FromRoleJoinedAt}
		}),
		driftChange(drift.KindRoleMemberRemoved, "role:Finance", "carol@acme.com", "", func(c *drift.Change) { c.Member = "carol@acme.com" }),
		driftChange(drift.KindRuleAdded, "role:Finance", "", "admin", payments, func(c *drift.Change) {
			c.Resource = "project"
			c.By = &drift.Attribution{Actor: "dan@acme.com", At: driftAt, Source: drift.FromRuleCreator}
		}),
		driftChange(drift.KindRuleRemoved, "everyone", "member", "", payments, func(c *drift.Change) { c.Resource = "project" }),
		driftChange(drift.KindRuleChanged, "member:bob@acme.com", "viewer", "editor", payments, func(c *drift.Change) { c.Resource = "dashboard" }),
		driftChange(drift.KindKeyAdded, "key:ci-deploy", "", "*"),
		driftChange(drift.KindKeyRemoved, "key:old-export", "insight:read", ""),
		driftChange(drift.KindKeyScopes, "key:bi-export", "insight:read", "*", byActor("bob@acme.com", drift.FromActivityLog)),
		driftChange(drift.KindKeyProjects, "key:bi-export", "2", ""),
		driftChange(drift.KindKeyOrgs, "key:bi-export", "org-1", "org-1,org-2"),
		driftChange(drift.KindOrgSetting, "org:Acme Analytics", "true", "false", func(c *drift.Change) { c.Field = "enforce_2fa" }),
		driftChange(drift.KindDomainSetting, "domain:acme.com", "required", "", func(c *drift.Change) { c.Field = "sso_enforcement" }),
		driftChange(drift.KindProjectAdded, "project:Sandbox", "", "Sandbox", inProject(9, "Sandbox")),
		driftChange(drift.KindProjectRemoved, "project:Legacy", "Legacy", "", inProject(4, "Legacy")),
		driftChange(drift.KindProjectRenamed, "project:Web", "Website", "Web", inProject(3, "Web")),
		driftChange(drift.KindDomainAdded, "domain:acme.io", "", "acme.io"),
		driftChange(drift.KindDomainRemoved, "domain:acme.dev", "acme.dev", ""),
		driftChange(drift.KindInviteAdded, "invite:gina@acme.com", "", "member"),
		driftChange(drift.KindInviteRemoved, "invite:hank@acme.com", "admin", "", func(c *drift.Change) { c.Detail = "accepted" }),
	}
	d := &drift.Report{
		SchemaVersion: drift.SchemaVersion,
		Org:           snapshot.OrgRef{ID: "org-1", Name: "Acme Analytics"},
		Old:           drift.Side{CollectedAt: driftOld, SchemaVersion: 3, ToolVersion: "v0.9.0", File: "prev.json"},
		New:           drift.Side{CollectedAt: driftNew, SchemaVersion: 3, ToolVersion: "v0.9.1", File: "cur.json"},
		Changes:       changes,
		Gaps:          []drift.Gap{},
		Counts:        map[string]int{},
	}
	for _, g := range drift.Groups {
		d.Counts[g] = 0
	}
	for _, c := range changes {
		d.Counts[c.Group]++
	}
	return d
}

// emptyDriftReport has no changes and no gaps.
func emptyDriftReport() *drift.Report {
	d := everyKindReport()
	d.Changes = nil
	d.Counts = nil
	return d
}

// gapsDriftReport has one change and two gaps.
func gapsDriftReport() *drift.Report {
	d := everyKindReport()
	d.Changes = d.Changes[4:5]
	pid := int64(2)
	d.Gaps = []drift.Gap{
		{Section: "access_controls", ProjectID: &pid, Side: "new", Reason: "HTTP 403: missing scope access_control:read"},
		{Section: "activity_log", Side: "both", Reason: "not collected"},
	}
	d.Counts = map[string]int{drift.GroupAccess: 1}
	return d
}

// gapsOnlyDriftReport has gaps and no changes.
func gapsOnlyDriftReport() *drift.Report {
	d := gapsDriftReport()
	d.Changes = nil
	d.Counts = nil
	return d
}

var driftFixtures = []struct {
	name string
	d    func() *drift.Report
}{
	{"every-kind", everyKindReport},
	{"empty", emptyDriftReport},
	{"gaps", gapsDriftReport},
	{"gaps-only", gapsOnlyDriftReport},
}

func renderDrift(t *testing.T, d *drift.Report, format string, opts DriftOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteDrift(&buf, d, format, opts); err != nil {
		t.Fatalf("WriteDrift(%s): %v", format, err)
	}
	return buf.String()
}

// TestDriftGolden pins every fixture in every format.
func TestDriftGolden(t *testing.T) {
	t.Parallel()
	ext := map[string]string{FormatText: "txt", FormatJSON: "json", FormatMarkdown: "md"}
	for _, fx := range driftFixtures {
		for _, format := range DriftFormats {
			golden(t, "drift/"+fx.name+"."+ext[format]+".golden", []byte(renderDrift(t, fx.d(), format, DriftOptions{})))
		}
	}
	golden(t, "drift/every-kind.color-60.txt.golden", []byte(renderDrift(t, everyKindReport(), FormatText, DriftOptions{Color: true, Width: 60, Terminal: true})))
}

// TestDriftEveryKindShown: every kind of drift.KindGroup is in the
// fixture, and every format names each change's kind under its group.
func TestDriftEveryKindShown(t *testing.T) {
	t.Parallel()
	d := everyKindReport()
	seen := map[string]bool{}
	for _, c := range d.Changes {
		seen[c.Kind] = true
	}
	for kind := range drift.KindGroup {
		if !seen[kind] {
			t.Errorf("fixture lacks kind %s", kind)
		}
	}
	for _, format := range DriftFormats {
		out := renderDrift(t, d, format, DriftOptions{})
		for kind := range drift.KindGroup {
			if !strings.Contains(out, kind) {
				t.Errorf("%s output does not name %s", format, kind)
			}
		}
	}
	// Text: each kind comes after its group's heading and before the next.
	out := renderDrift(t, d, FormatText, DriftOptions{})
	for _, c := range d.Changes {
		head := strings.Index(out, "\n"+c.Group+" (")
		at := strings.Index(out[head+1:], c.Kind)
		next := strings.Index(out[head+1:], "\n\n")
		if head < 0 || at < 0 || at > next {
			t.Errorf("text: %s not under heading %s", c.Kind, c.Group)
		}
	}
}

func TestDriftJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, fx := range driftFixtures {
		out := renderDrift(t, fx.d(), FormatJSON, DriftOptions{})
		var back drift.Report
		if err := json.Unmarshal([]byte(out), &back); err != nil {
			t.Fatalf("%s: %v", fx.name, err)
		}
		want := fx.d()
		if diff := cmp.Diff(len(want.Changes), len(back.Changes)); diff != "" {
			t.Errorf("%s: changes: %s", fx.name, diff)
		}
		for _, g := range drift.Groups {
			if _, ok := back.Counts[g]; !ok {
				t.Errorf("%s: counts lacks group %s", fx.name, g)
			}
		}
		if !strings.Contains(out, `"changes": [`) || !strings.Contains(out, `"gaps": [`) {
			t.Errorf("%s: changes and gaps must be arrays, never null:\n%s", fx.name, out)
		}
	}
	// Counts missing from the report are filled from its changes.
	d := gapsDriftReport()
	d.Counts = nil
	var back drift.Report
	if err := json.Unmarshal([]byte(renderDrift(t, d, FormatJSON, DriftOptions{})), &back); err != nil {
		t.Fatal(err)
	}
	if back.Counts[drift.GroupAccess] != 1 || back.Counts[drift.GroupKeys] != 0 {
		t.Errorf("counts = %v, want access 1 and the rest 0", back.Counts)
	}
}

// TestDriftNoChanges: an empty report says so, and never when it has a
// change; with gaps it says the compared sections have none.
func TestDriftNoChanges(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatText, FormatMarkdown} {
		if out := renderDrift(t, emptyDriftReport(), format, DriftOptions{}); !strings.Contains(out, "No changes.") {
			t.Errorf("%s: empty report does not say so:\n%s", format, out)
		}
		if out := renderDrift(t, everyKindReport(), format, DriftOptions{}); strings.Contains(out, "No changes") {
			t.Errorf("%s: report with changes says none:\n%s", format, out)
		}
		out := renderDrift(t, gapsOnlyDriftReport(), format, DriftOptions{})
		if strings.Contains(out, "No changes.") || !strings.Contains(out, "No changes in the sections compared.") {
			t.Errorf("%s: a report with gaps must not claim no changes:\n%s", format, out)
		}
	}
}

// TestDriftGapsFirst: the gaps come before any change, in every format
// that has a layout.
func TestDriftGapsFirst(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatText, FormatMarkdown} {
		out := renderDrift(t, gapsDriftReport(), format, DriftOptions{})
		gap := max(strings.Index(out, "not compared: access_controls (project 2), missing in the new snapshot"),
			strings.Index(out, "not compared: `access_controls` (project 2), missing in the new snapshot"))
		change := strings.Index(out, "project_access")
		if gap < 0 || change < 0 || gap > change {
			t.Errorf("%s: gap at %d, first change at %d:\n%s", format, gap, change, out)
		}
		if !strings.Contains(out, "activity_log, missing in both snapshots") && !strings.Contains(out, "`activity_log`, missing in both snapshots") {
			t.Errorf("%s: second gap missing:\n%s", format, out)
		}
	}
	// Without gaps, nothing says "not compared".
	for _, format := range []string{FormatText, FormatMarkdown} {
		if out := renderDrift(t, everyKindReport(), format, DriftOptions{}); strings.Contains(strings.ToLower(out), "not compared") {
			t.Errorf("%s: complete report mentions gaps:\n%s", format, out)
		}
	}
}

// hostileDriftReport has names that try to break out of a Markdown table
// or a terminal line.
func hostileDriftReport() *drift.Report {
	d := everyKindReport()
	d.Org.Name = "Evil <b>Org</b>"
	d.Changes = []drift.Change{
		driftChange(drift.KindMemberJoined, "member:<script>alert(1)</script>@x.com", "", "member|admin\n| injected | row |"),
		driftChange(drift.KindProjectAccess, "member:a|b@x.com", "member", "admin", inProject(2, "Pay|ments\n## heading"), func(c *drift.Change) {
			c.By = &drift.Attribution{Actor: "[click](http://evil)\x1b[31m", At: driftAt, Source: drift.FromActivityLog}
			c.Detail = "line1\r\nline2 **bold** `code`"
		}),
	}
	return d
}

func TestDriftMarkdownEscapesHostileNames(t *testing.T) {
	t.Parallel()
	out := renderDrift(t, hostileDriftReport(), FormatMarkdown, DriftOptions{})
	prose := withoutCodeSpans(out)
	for _, bad := range []string{"<script>", "<b>", "[click](", "\n| injected", "\n## heading", "\x1b", "**bold**", "\nline2"} {
		if strings.Contains(prose, bad) {
			t.Errorf("Markdown holds %q unescaped:\n%s", bad, out)
		}
	}
	// Every table row keeps its columns: count unescaped pipes.
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "| `member:") {
			continue
		}
		if n := unescapedPipes(line); n != 8 {
			t.Errorf("row has %d cell separators, want 8: %q", n, line)
		}
	}
	// The names are still there, escaped.
	if !strings.Contains(out, "`member:<script>alert(1)</script>@x.com`") {
		t.Errorf("hostile member name not shown as code:\n%s", out)
	}
}

// withoutCodeSpans is s with its single-backtick code spans (whose
// content Markdown shows literally) removed.
func withoutCodeSpans(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		parts := strings.Split(line, "`")
		for i, p := range parts {
			if i%2 == 0 || i == len(parts)-1 {
				b.WriteString(p)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func unescapedPipes(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '|' {
			n++
		}
	}
	return n
}

func TestDriftTextNeutralisesHostileNames(t *testing.T) {
	t.Parallel()
	out := renderDrift(t, hostileDriftReport(), FormatText, DriftOptions{Width: 200})
	if strings.Contains(out, "\x1b") {
		t.Errorf("text holds an escape character:\n%q", out)
	}
	if strings.Contains(out, "\n| injected") || strings.Contains(out, "\nline2") || strings.Contains(out, "\n## heading") {
		t.Errorf("a name broke the line:\n%s", out)
	}
	if !strings.Contains(out, `[click](http://evil)\x1b[31m`) {
		t.Errorf("escape not shown visibly:\n%s", out)
	}
}

// TestDriftTextColor: colour only with Color, and the coloured text
// without its codes is the plain text.
func TestDriftTextColor(t *testing.T) {
	t.Parallel()
	for _, fx := range driftFixtures {
		for _, format := range DriftFormats {
			if out := renderDrift(t, fx.d(), format, DriftOptions{}); strings.Contains(out, "\x1b") {
				t.Errorf("%s %s: escape character without Color", fx.name, format)
			}
		}
		if out := renderDrift(t, fx.d(), FormatMarkdown, DriftOptions{Color: true}); strings.Contains(out, "\x1b") {
			t.Errorf("%s: Markdown coloured", fx.name)
		}
	}
	colored := renderDrift(t, gapsDriftReport(), FormatText, DriftOptions{Color: true})
	for _, want := range []string{ansiYellow + "NOT COMPARED", ansiBold + "access (1)" + ansiReset, ansiRed + "member" + ansiReset + " → " + ansiGreen + "admin" + ansiReset} {
		if !strings.Contains(colored, want) {
			t.Errorf("coloured output lacks %q:\n%q", want, colored)
		}
	}
	strip := strings.NewReplacer(ansiReset, "", ansiBold, "", ansiYellow, "", ansiRed, "", ansiGreen, "")
	for _, fx := range driftFixtures {
		for _, width := range []int{40, 100} {
			c := renderDrift(t, fx.d(), FormatText, DriftOptions{Color: true, Width: width, Terminal: true})
			p := renderDrift(t, fx.d(), FormatText, DriftOptions{Width: width, Terminal: true})
			if diff := cmp.Diff(p, strip.Replace(c)); diff != "" {
				t.Errorf("%s at %d: coloured minus codes differs from plain:\n%s", fx.name, width, diff)
			}
		}
	}
}

func TestDriftTextWidth(t *testing.T) {
	t.Parallel()
	for _, fx := range append(driftFixtures, struct {
		name string
		d    func() *drift.Report
	}{"hostile", hostileDriftReport}) {
		for _, width := range []int{1, 40, 60, 100, 140} {
			out := renderDrift(t, fx.d(), FormatText, DriftOptions{Width: width, Terminal: true})
			for i, line := range strings.Split(out, "\n") {
				if n := cells(line); n > max(width, TextMinWidth) {
					t.Errorf("%s at %d: line %d takes %d cells: %q", fx.name, width, i+1, n, line)
				}
				if strings.TrimRight(line, " ") != line {
					t.Errorf("%s at %d: line %d has trailing spaces", fx.name, width, i+1)
				}
			}
		}
	}
}

// TestDriftMaxPerGroup: the cap lists fewer changes and says how many were
// left out; the counts stay complete.
func TestDriftMaxPerGroup(t *testing.T) {
	t.Parallel()
	d := everyKindReport()
	txt := renderDrift(t, d, FormatText, DriftOptions{MaxPerGroup: 1})
	if !strings.Contains(txt, "… and 3 more members changes") || strings.Contains(txt, "member_left") {
		t.Errorf("text cap:\n%s", txt)
	}
	if !strings.Contains(txt, "30 changes: 4 members") {
		t.Errorf("text counts not complete:\n%s", txt)
	}
	md := renderDrift(t, d, FormatMarkdown, DriftOptions{MaxPerGroup: 1})
	if !strings.Contains(md, "3 of 4 members changes not listed") || !strings.Contains(md, "at most 1 per group") || !strings.Contains(md, "| members | 4 |") {
		t.Errorf("Markdown cap:\n%s", md)
	}
	// The JSON has everything.
	if js := renderDrift(t, d, FormatJSON, DriftOptions{MaxPerGroup: 1}); !strings.Contains(js, "member_left") {
		t.Error("JSON was capped")
	}
}

func TestDriftUnknownFormat(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"sarif", "", "yaml"} {
		err := WriteDrift(&bytes.Buffer{}, everyKindReport(), format, DriftOptions{})
		if !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("%q: err = %v, want ErrUnknownFormat", format, err)
		}
	}
	if err := WriteDrift(&bytes.Buffer{}, nil, FormatText, DriftOptions{}); err == nil {
		t.Error("nil report accepted")
	}
}

func TestDriftSummary(t *testing.T) {
	t.Parallel()
	if got, want := DriftSummary(gapsDriftReport()), "drift since 2026-11-20 12:00 UTC: 1 access; 2 sections not compared"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := DriftSummary(emptyDriftReport()), "drift since 2026-11-20 12:00 UTC: no changes"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
