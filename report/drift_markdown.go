package report

import (
	"fmt"
	"strings"

	"github.com/hogaudit/hogaudit/drift"
)

// renderDriftMarkdown renders d as a GitHub-flavoured Markdown document
// for a job summary or a review ticket: a heading naming the organization,
// the two snapshots, then the drift body (mdDriftBody) with every change
// (at most opts.MaxPerGroup per group when set).
func renderDriftMarkdown(d *drift.Report, opts DriftOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## hogaudit diff: %s\n\n", mdText(driftOrgLabel(d.Org)))
	fmt.Fprintf(&b, "- **Old:** %s%s\n", driftTimeLabel(d.Old), mdSideFile(d.Old))
	fmt.Fprintf(&b, "- **New:** %s%s\n\n", driftTimeLabel(d.New), mdSideFile(d.New))
	b.WriteString(mdDriftBody(d, "###", opts.MaxPerGroup, -1))
	return b.String()
}

func mdSideFile(s drift.Side) string {
	if s.File == "" {
		return ""
	}
	return " (" + codeSpan(s.File) + ")"
}

// mdDriftSection is the "Drift since <old collected_at>" section of the
// Markdown report: at most perGroup changes per group, and at most budget
// bytes of change rows (a note says what was left out; the gaps and the
// counts always show).
func mdDriftSection(d *drift.Report, perGroup, budget int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Drift since %s\n\n", driftTimeLabel(d.Old))
	b.WriteString(mdDriftBody(d, "####", perGroup, budget))
	return b.String()
}

// mdDriftBody is the gaps (first, as a warning), "No changes." or the
// table of counts per group, then a heading per group with changes and a
// table of its changes: at most perGroup per group (all when perGroup < 1)
// and, when budget >= 0, no more rows than fit in budget bytes; a note says
// what was left out and that the JSON report holds everything. Untrusted
// strings (names, emails, PostHog's values) are escaped (mdText, mdCell,
// cellCode).
func mdDriftBody(d *drift.Report, level string, perGroup, budget int) string {
	var b strings.Builder
	if len(d.Gaps) > 0 {
		b.WriteString("> [!WARNING]\n> **Not compared:** drift in these sections is unknown, so this comparison is incomplete.\n>\n")
		limit := shownCount(len(d.Gaps), perGroup)
		for _, g := range d.Gaps[:limit] {
			fmt.Fprintf(&b, "> - not compared: %s\n", gapLabel(g, codeSpan, mdText))
		}
		if limit < len(d.Gaps) {
			fmt.Fprintf(&b, "> - … and %d more sections not compared: the JSON report lists every one\n", len(d.Gaps)-limit)
		}
		b.WriteString("\n")
	}
	total := driftTotal(d)
	if total == 0 {
		if len(d.Gaps) > 0 {
			b.WriteString("No changes in the sections compared.\n\n")
		} else {
			b.WriteString("No changes.\n\n")
		}
		return b.String()
	}
	b.WriteString("| group | changes |\n|---|---:|\n")
	for _, g := range driftGroupsShown() {
		n := len(groupChanges(d, g))
		if g == otherGroup && n == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d |\n", g, n)
	}
	fmt.Fprintf(&b, "| **total** | **%d** |\n\n", total)

	var groups strings.Builder
	used, shownAll, capped, cut := 0, 0, false, false
	for _, g := range driftGroupsShown() {
		changes := groupChanges(d, g)
		if len(changes) == 0 {
			continue
		}
		fmt.Fprintf(&groups, "%s %s (%d)\n\n", level, g, len(changes))
		limit := shownCount(len(changes), perGroup)
		capped = capped || limit < len(changes)
		var rows strings.Builder
		shown := 0
		for _, c := range changes[:limit] {
			row := mdDriftRow(c, noActivityLog(d, c))
			if budget >= 0 && used+len(row)+len(mdDriftTableHead) > budget {
				cut = true
				break
			}
			rows.WriteString(row)
			used += len(row)
			shown++
		}
		if shown > 0 {
			used += len(mdDriftTableHead)
			groups.WriteString(mdDriftTableHead)
			groups.WriteString(rows.String())
			groups.WriteString("\n")
		}
		if shown < len(changes) {
			fmt.Fprintf(&groups, "%d of %d %s changes not listed: the JSON report lists every one.\n\n", len(changes)-shown, len(changes), g)
		}
		shownAll += shown
	}
	if shownAll < total {
		var why []string
		if capped {
			why = append(why, fmt.Sprintf("at most %d per group are listed", perGroup))
		}
		if cut {
			why = append(why, "the rest are left out to keep this summary within its size limit")
		}
		fmt.Fprintf(&b, "> [!NOTE]\n> %d of %d changes are not listed below: %s. The counts above are complete; the JSON report lists every change.\n\n",
			total-shownAll, total, strings.Join(why, "; "))
	}
	b.WriteString(groups.String())
	return b.String()
}

const mdDriftTableHead = "| change | subject | where | before | after | how | by |\n|---|---|---|---|---|---|---|\n"

// mdDriftRow is one change as a table row; noLog as changeTail's.
func mdDriftRow(c drift.Change, noLog bool) string {
	var where []string
	if c.Project != nil {
		where = append(where, mdCell(projectLabel(c.Project)))
	}
	if c.Resource != "" {
		where = append(where, "resource "+cellCode(c.Resource))
	}
	if c.Field != "" {
		where = append(where, cellCode(c.Field))
	}
	if c.Member != "" {
		where = append(where, "member "+cellCode(c.Member))
	}
	by := mdCell(attributionLabel(c.By, noLog))
	if c.Detail != "" {
		by += "; " + mdCell(c.Detail)
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |\n",
		cellCode(c.Kind), cellCode(c.Subject), strings.Join(where, " · "),
		cellCode(truncate(levelLabel(c.Before), maxCell)), cellCode(truncate(levelLabel(c.After), maxCell)),
		mdCell(pathsLabel(c.BeforePath, c.AfterPath)), by)
}
