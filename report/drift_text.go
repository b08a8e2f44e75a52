package report

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/snapshot"
)

// DriftFormats lists the formats WriteDrift accepts, the default (text)
// first.
var DriftFormats = []string{FormatText, FormatJSON, FormatMarkdown}

// DriftOptions tunes WriteDrift. The zero value is ready to use: no
// colour, the default width, every change listed.
type DriftOptions struct {
	// Color turns on ANSI colours in the text format (group headings, the
	// gaps, before and after); the CLI sets it when stdout is a terminal
	// and NO_COLOR is unset. Other formats ignore it.
	Color bool
	// Width is the text format's line width when Terminal is set, as
	// Options.Width.
	Width int
	// Terminal says the text format goes to a terminal Width cells wide:
	// long lines are wrapped at spaces (a word longer than a line split).
	// Without it (a file, a pipe) nothing is wrapped or split, as in the
	// text report (Options.Terminal): the header, each gap and each change
	// take one line whatever their length, so that grep finds a whole
	// record. Other formats ignore it.
	Terminal bool
	// MaxPerGroup caps the changes listed per group in the text and
	// Markdown formats (a line says how many were left out); values below
	// 1 list every change. The counts are always complete, and JSON always
	// holds every change.
	MaxPerGroup int
}

// WriteDrift renders the drift report d in format (one of DriftFormats) to
// w. The gaps (sections that could not be compared) always come first; a
// report without changes says so. It never modifies d, and the output
// depends only on d, format and opts.
func WriteDrift(w io.Writer, d *drift.Report, format string, opts DriftOptions) error {
	if d == nil {
		return errors.New("write drift report: nil report")
	}
	var err error
	switch format {
	case FormatText:
		err = writeDriftText(w, d, opts)
	case FormatJSON:
		err = writeDriftJSON(w, d)
	case FormatMarkdown:
		_, err = io.WriteString(w, renderDriftMarkdown(d, opts))
	default:
		return fmt.Errorf("write drift report: %w %q (want %s)", ErrUnknownFormat, format, strings.Join(DriftFormats, ", "))
	}
	if err != nil {
		return fmt.Errorf("write %s drift report: %w", format, err)
	}
	return nil
}

// ANSI styles of the drift text format.
const (
	ansiBold   = "\x1b[1m"
	ansiYellow = "\x1b[1;33m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
)

// writeDriftText renders d for a terminal: a header (organization, the two
// collection times and files), the gaps under "NOT COMPARED", then one
// heading per group with changes ("access (3)"), each change on its own
// line (wrapped to the width on a terminal), and a closing line of counts
// per group.
// Control characters in the data are neutralised (oneLine).
func writeDriftText(w io.Writer, d *drift.Report, opts DriftOptions) error {
	t := &textRenderer{width: max(Options{Width: opts.Width}.width(), TextMinWidth), color: opts.Color, long: !opts.Terminal}
	// lines breaks s as para does: on a terminal wrapped to width
	// (firstWidth for the first line), elsewhere whole.
	lines := func(s string, width, firstWidth int) []string {
		if t.long {
			return []string{s}
		}
		return wrap(s, width, firstWidth)
	}
	style := func(code, s string) string {
		if !t.color {
			return s
		}
		return code + s + ansiReset
	}
	t.para(0, 2, oneLine(fmt.Sprintf("drift: %s · %s → %s", driftOrgLabel(d.Org), driftSideLabel(d.Old), driftSideLabel(d.New))))
	if files := driftFiles(d); files != "" {
		t.para(2, 4, oneLine(files))
	}
	t.b.WriteString("\n")

	if len(d.Gaps) > 0 {
		head := fmt.Sprintf("NOT COMPARED (%d): drift in these sections is unknown, the diff is incomplete", len(d.Gaps))
		for i, l := range lines(head, t.width-2, t.width) {
			if i > 0 {
				l = "  " + l
			}
			t.b.WriteString(style(ansiYellow, l) + "\n")
		}
		for _, g := range d.Gaps {
			t.para(2, 4, "not compared: "+oneLine(gapText(g)))
		}
		t.b.WriteString("\n")
	}

	total := driftTotal(d)
	if total == 0 {
		if len(d.Gaps) > 0 {
			t.b.WriteString("No changes in the sections compared.\n\n")
		} else {
			t.b.WriteString("No changes.\n\n")
		}
	}
	for _, group := range driftGroupsShown() {
		changes := groupChanges(d, group)
		if len(changes) == 0 {
			continue
		}
		t.b.WriteString(style(ansiBold, fmt.Sprintf("%s (%d)", group, len(changes))) + "\n")
		shown := shownCount(len(changes), opts.MaxPerGroup)
		for _, c := range changes[:shown] {
			before, after := oneLine(levelLabel(c.Before)), oneLine(levelLabel(c.After))
			// The line is wrapped plain (colour codes take no cells), then
			// its "before → after" coloured where it is whole on a line.
			line := oneLine(changeLead(c)) + ": " + before + " → " + after
			if rest := changeTail(c, noActivityLog(d, c), oneLine); rest != "" {
				line += "; " + rest
			}
			for i, l := range lines(line, t.width-6, t.width-2) {
				n := 6
				if i == 0 {
					n = 2
				}
				if t.color {
					l = colourArrow(l, before, after)
				}
				t.b.WriteString(strings.TrimRight(strings.Repeat(" ", n)+l, " ") + "\n")
			}
		}
		if shown < len(changes) {
			t.para(2, 4, fmt.Sprintf("… and %d more %s changes: the JSON format lists every one", len(changes)-shown, group))
		}
		t.b.WriteString("\n")
	}
	t.para(0, 2, driftCountsLine(d))
	_, err := io.WriteString(w, t.b.String())
	return err
}

// colourArrow colours "before → after" in l, where it is whole on l.
func colourArrow(l, before, after string) string {
	arrow := before + " → " + after
	if i := strings.Index(l, arrow); i >= 0 {
		return l[:i] + ansiRed + before + ansiReset + " → " + ansiGreen + after + ansiReset + l[i+len(arrow):]
	}
	return l
}

// driftCountsLine is the closing line: "3 changes: 2 access, 1 keys; 1
// section not compared".
func driftCountsLine(d *drift.Report) string {
	var b strings.Builder
	b.WriteString(plural(driftTotal(d), "change", "changes"))
	if parts := driftCountParts(d); len(parts) > 0 {
		b.WriteString(": " + strings.Join(parts, ", "))
	}
	if len(d.Gaps) > 0 {
		fmt.Fprintf(&b, "; %s not compared", plural(len(d.Gaps), "section", "sections"))
	}
	return b.String()
}

// DriftSummary is a one-line summary of d for a status line, e.g. "drift
// since 2026-11-20 12:00 UTC: 3 access, 1 keys" or "…: no changes"; with
// gaps it adds how many sections were not compared.
func DriftSummary(d *drift.Report) string {
	var b strings.Builder
	b.WriteString("drift since " + driftTimeLabel(d.Old) + ": ")
	if parts := driftCountParts(d); len(parts) > 0 {
		b.WriteString(strings.Join(parts, ", "))
	} else {
		b.WriteString("no changes")
	}
	if len(d.Gaps) > 0 {
		fmt.Fprintf(&b, "; %s not compared", plural(len(d.Gaps), "section", "sections"))
	}
	return oneLine(b.String())
}

// driftCountParts are "N group" for every group with changes, in report
// order, counted from the changes (Counts is what Compare says; the
// changes are what the report shows, and the two must not disagree in
// print).
func driftCountParts(d *drift.Report) []string {
	var parts []string
	for _, g := range driftGroupsShown() {
		if n := len(groupChanges(d, g)); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, g))
		}
	}
	return parts
}

// driftTotal is the number of changes of d.
func driftTotal(d *drift.Report) int { return len(d.Changes) }

// groupChanges are d's changes in group, in report order. A change whose
// Group is empty or unknown is put in its kind's group, so that no change
// is left out of every heading.
func groupChanges(d *drift.Report, group string) []drift.Change {
	var out []drift.Change
	for _, c := range d.Changes {
		if changeGroup(c) == group {
			out = append(out, c)
		}
	}
	return out
}

// otherGroup collects changes whose group and kind are both unknown.
const otherGroup = "other"

func changeGroup(c drift.Change) string {
	if slices.Contains(drift.Groups, c.Group) {
		return c.Group
	}
	if g, ok := drift.KindGroup[c.Kind]; ok {
		return g
	}
	return otherGroup
}

// driftGroupsShown are the headings of the text and Markdown formats:
// drift.Groups, then otherGroup.
func driftGroupsShown() []string { return append(slices.Clone(drift.Groups), otherGroup) }

func shownCount(n, limit int) int {
	if limit < 1 || n <= limit {
		return n
	}
	return limit
}

func driftOrgLabel(o snapshot.OrgRef) string { return orgLabel(Org{ID: o.ID, Name: o.Name}) }

func driftTimeLabel(s drift.Side) string {
	if s.CollectedAt.IsZero() {
		return "an unknown time"
	}
	return s.CollectedAt.UTC().Format(timeLabel)
}

func driftSideLabel(s drift.Side) string { return driftTimeLabel(s) }

// driftFiles names the snapshots' files: "old: a.json · new: b.json".
func driftFiles(d *drift.Report) string {
	var parts []string
	if d.Old.File != "" {
		parts = append(parts, "old: "+d.Old.File)
	}
	if d.New.File != "" {
		parts = append(parts, "new: "+d.New.File)
	}
	return strings.Join(parts, " · ")
}

// gapText describes a gap: "access_controls (project 12), missing in the
// new snapshot: reason".
func gapText(g drift.Gap) string { return gapLabel(g, plain, plain) }

// gapLabel is gapText with code formatting the section name and text the
// rest.
func gapLabel(g drift.Gap, code, text func(string) string) string {
	s := code(g.Section)
	if g.ProjectID != nil {
		s += fmt.Sprintf(" (project %d)", *g.ProjectID)
	}
	switch g.Side {
	case "old":
		s += ", missing in the old snapshot"
	case "new":
		s += ", missing in the new snapshot"
	case "both":
		s += ", missing in both snapshots"
	}
	if g.Reason != "" {
		s += ": " + text(g.Reason)
	}
	return s
}

// levelLabel shows an empty before or after as "(none)".
func levelLabel(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// changeLead names what changed: "project_access alice@acme.com ·
// Payments (2) · resource insight · field enforce_2fa · member bob".
func changeLead(c drift.Change) string {
	parts := []string{c.Kind, c.Subject}
	if c.Project != nil {
		parts = append(parts, projectLabel(c.Project))
	}
	if c.Resource != "" {
		parts = append(parts, "resource "+c.Resource)
	}
	if c.Field != "" {
		parts = append(parts, c.Field)
	}
	if c.Member != "" {
		parts = append(parts, "member "+c.Member)
	}
	return strings.Join(parts, " · ")
}

func projectLabel(p *drift.Project) string {
	if p.Name == "" {
		return fmt.Sprintf("project %d", p.ID)
	}
	return fmt.Sprintf("%s (%d)", p.Name, p.ID)
}

// changeTail is the rest of a change after its levels: how each level was
// granted, who made the change (noLog: the activity log that would say was
// not collected, see noActivityLog), the detail; esc formats the free text.
func changeTail(c drift.Change, noLog bool, esc func(string) string) string {
	var parts []string
	if via := pathsLabel(c.BeforePath, c.AfterPath); via != "" {
		parts = append(parts, esc(via))
	}
	parts = append(parts, esc(attributionLabel(c.By, noLog)))
	if c.Detail != "" {
		parts = append(parts, esc(c.Detail))
	}
	return strings.Join(parts, "; ")
}

// pathsLabel is "was through role Finance's rule, now as an organization
// owner", or "still through role Product's rule" when the level changed
// along the same path (the rule itself changed): access.Path.Phrase, the
// findings' wording.
func pathsLabel(before, after *access.Path) string {
	switch {
	case before == nil && after == nil:
		return ""
	case before == nil:
		return "now " + after.Phrase()
	case after == nil:
		return "was " + before.Phrase()
	}
	if b, a := before.Phrase(), after.Phrase(); b != a {
		return "was " + b + ", now " + a
	}
	return "still " + after.Phrase()
}

// noActivityLog reports whether d has a gap in the new snapshot's activity
// log that covers change c (one for the whole log, or for c's project):
// then a change without attribution may have been logged, and who made it
// is unknown rather than unrecorded.
func noActivityLog(d *drift.Report, c drift.Change) bool {
	for _, g := range d.Gaps {
		if g.Section != snapshot.SectionActivityLog || g.Side == "old" {
			continue
		}
		if g.ProjectID == nil || (c.Project != nil && c.Project.ID == *g.ProjectID) {
			return true
		}
	}
	return false
}

// attributionLabel is "by dan@acme.com on 2026-11-30 14:02 UTC (activity
// log)", "actor unknown on … (activity log entry e1) (impersonated
// session)", or without attribution "actor not recorded by PostHog" —
// "actor unknown: the activity log does not cover it" when noLog says the
// log that would tell is missing.
func attributionLabel(a *drift.Attribution, noLog bool) string {
	if a == nil {
		if noLog {
			return "actor unknown: the activity log does not cover it"
		}
		return "actor not recorded by PostHog"
	}
	var b strings.Builder
	if a.Actor != "" {
		b.WriteString("by " + a.Actor)
	} else {
		b.WriteString("actor unknown")
	}
	if !a.At.IsZero() {
		b.WriteString(" on " + a.At.UTC().Format(timeLabel))
	}
	switch a.Source {
	case drift.FromActivityLog:
		b.WriteString(" (activity log")
		if a.EntryID != "" {
			b.WriteString(" entry " + a.EntryID)
		}
		b.WriteString(")")
	case drift.FromRuleCreator:
		b.WriteString(" (the rule's creator)")
	case drift.FromRoleJoinedAt:
		b.WriteString(" (role membership's joined_at)")
	case "":
	default:
		b.WriteString(" (" + a.Source + ")")
	}
	if a.Impersonated {
		b.WriteString(" (impersonated session)")
	}
	return b.String()
}
