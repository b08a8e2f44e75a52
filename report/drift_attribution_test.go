package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/drift"
)

// A change without attribution reads "actor not recorded by PostHog" only
// when the activity log was collected; with a gap in the new snapshot's log
// (whole, or the change's project's) its actor is unknown, and the text and
// Markdown formats say so. An impersonated session names no actor.
func TestDriftAttributionWording(t *testing.T) {
	const unrecorded, unknown = "actor not recorded by PostHog", "actor unknown: the activity log does not cover it"
	report := func(gaps ...drift.Gap) *drift.Report {
		d := everyKindReport()
		d.Changes = []drift.Change{
			driftChange(drift.KindMemberLevel, "member:alice@acme.com", "member", "admin"),
			driftChange(drift.KindProjectRenamed, "project:Web", "Website", "Web", inProject(3, "Web")),
			driftChange(drift.KindKeyScopes, "key:bi-export", "insight:read", "*", func(c *drift.Change) {
				c.By = &drift.Attribution{At: driftAt, Source: drift.FromActivityLog, EntryID: "e9", Impersonated: true}
			}),
		}
		d.Gaps = append([]drift.Gap{}, gaps...)
		return d
	}
	render := func(t *testing.T, d *drift.Report, format string) string {
		var b bytes.Buffer
		if err := WriteDrift(&b, d, format, DriftOptions{Width: 400}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	// line returns the rendered line naming s.
	line := func(out, s string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, s) {
				return l
			}
		}
		return ""
	}
	p3 := int64(3)
	cases := []struct {
		name                 string
		gaps                 []drift.Gap
		member, project, imp string // the wording wanted on each change's line
	}{
		{name: "log collected", member: unrecorded, project: unrecorded},
		{name: "log missing in new", gaps: []drift.Gap{{Section: "activity_log", Side: "new", Reason: "plan feature audit_logs: the changes' actors cannot be told"}},
			member: unknown, project: unknown},
		{name: "one project's log missing", gaps: []drift.Gap{{Section: "activity_log", ProjectID: &p3, Side: "new", Reason: "x"}},
			member: unrecorded, project: unknown},
		{name: "near miss: another section's gap", gaps: []drift.Gap{{Section: "invites", Side: "new", Reason: "x"}},
			member: unrecorded, project: unrecorded},
	}
	for _, tc := range cases {
		for _, format := range []string{FormatText, FormatMarkdown} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				out := render(t, report(tc.gaps...), format)
				for subject, want := range map[string]string{"alice@acme.com": tc.member, "project:Web": tc.project} {
					l := line(out, subject)
					if !strings.Contains(l, want) {
						t.Errorf("%s: want %q in %q", subject, want, l)
					}
					other := unknown
					if want == unknown {
						other = unrecorded
					}
					if strings.Contains(l, other) {
						t.Errorf("%s: %q in %q", subject, other, l)
					}
				}
				if l := line(out, "bi-export"); !strings.Contains(l, "actor unknown on") || !strings.Contains(l, "(impersonated session)") {
					t.Errorf("impersonated change: %q", l)
				}
			})
		}
	}
}
