package report

import (
	"cmp"
	"fmt"
	"io"
	"strings"
)

// maxCell caps the runes of free text (messages, reasons) in a Markdown
// table cell, so that a row stays readable in a pager.
const maxCell = 500

// writeMarkdown renders r as GitHub-flavoured Markdown for
// $GITHUB_STEP_SUMMARY and pull-request comments: a heading naming the
// organization, host, collection time and evidence status; a summary table
// by severity; the unsuppressed findings grouped by rule (a heading, a table
// of subject, project and message, the remediation once); the rules not
// evaluated; the missing evidence; the exceptions expiring within 14 days;
// and the suppressed findings in a <details> block, the only raw HTML.
//
// The output is at most opts.MaxBytes long. When the whole report does not
// fit, findings keep the room the summary and the other sections leave
// (the first, most severe ones stay), suppressed findings get what is left
// after them, and each cut list ends with a note saying how many were left
// out. Only if the summary and the other sections alone are too big is the
// document cut at a line, with a note.
func writeMarkdown(w io.Writer, r *Report, opts Options) error {
	_, err := io.WriteString(w, renderMarkdown(r, opts.maxBytes()))
	return err
}

// mdTable is a table whose rows can be cut to fit: head and foot are
// written whenever at least one row is.
type mdTable struct {
	head string
	rows []string
	foot string
}

func (t mdTable) size(rows int) int {
	n := len(t.head) + len(t.foot)
	for _, r := range t.rows[:rows] {
		n += len(r)
	}
	return n
}

func (t mdTable) render(b *strings.Builder, rows int) {
	b.WriteString(t.head)
	for _, r := range t.rows[:rows] {
		b.WriteString(r)
	}
	b.WriteString(t.foot)
}

// fit decides how many rows of each table fit in budget bytes, taking
// tables and rows in order and stopping at the first row that does not
// fit; a table's head and foot count once it has a row.
func fit(tables []mdTable, budget int) []int {
	rows := make([]int, len(tables))
	for i, t := range tables {
		if len(t.rows) == 0 || budget < t.size(1) {
			break
		}
		budget -= t.size(0)
		for _, r := range t.rows {
			if len(r) > budget {
				break
			}
			budget -= len(r)
			rows[i]++
		}
		if rows[i] < len(t.rows) {
			break
		}
	}
	return rows
}

func renderMarkdown(r *Report, maxBytes int) string {
	if r.Failure != nil {
		out := mdFailure(r)
		if len(out) > maxBytes {
			out = cutMarkdown(out, maxBytes)
		}
		return out
	}
	head := mdHead(r)
	groups, nFindings := mdFindingGroups(r, ruleIndex(r))
	tail := mdNotEvaluated(r) + mdMissing(r) + mdExpiring(r)
	supp, nSupp := mdSuppressed(r)

	fixed := len(head) + len(mdFindingsHeading) + len(tail)
	if nFindings == 0 {
		fixed += len(mdNoFindings)
	}
	if nSupp > 0 {
		fixed += len(mdSuppressedHeading)
	}
	findingRows, suppRows := allRows(groups), allRows(supp)
	if fixed+tablesSize(groups, findingRows)+tablesSize(supp, suppRows) > maxBytes {
		// Findings first, then suppressed findings, each with room for its
		// note; the suppressed block keeps room for its frame.
		fixed += len(omittedNote(nFindings, nFindings, "findings")) +
			len(omittedNote(nSupp, nSupp, "suppressed findings"))
		frame := 0
		for _, t := range supp {
			frame += t.size(0)
		}
		findingRows = fit(groups, maxBytes-fixed-frame)
		suppRows = fit(supp, maxBytes-fixed-tablesSize(groups, findingRows))
	}

	var b strings.Builder
	b.WriteString(head)
	b.WriteString(mdFindingsHeading)
	if nFindings == 0 {
		b.WriteString(mdNoFindings)
	}
	renderTables(&b, groups, findingRows, nFindings, "findings")
	b.WriteString(tail)
	if nSupp > 0 {
		b.WriteString(mdSuppressedHeading)
	}
	renderTables(&b, supp, suppRows, nSupp, "suppressed findings")
	out := b.String()
	if len(out) > maxBytes {
		out = cutMarkdown(out, maxBytes)
	}
	return out
}

// allRows returns the number of rows of each table.
func allRows(tables []mdTable) []int {
	n := make([]int, len(tables))
	for i, t := range tables {
		n[i] = len(t.rows)
	}
	return n
}

// tablesSize is the size of what renderTables writes for tables with
// rows[i] rows each, the omitted-rows note aside.
func tablesSize(tables []mdTable, rows []int) int {
	n := 0
	for i, t := range tables {
		if rows[i] > 0 {
			n += t.size(rows[i])
		}
	}
	return n
}

// renderTables writes each table with its rows[i] rows (none when 0) and,
// when fewer than total rows made it, a note saying how many were left out.
func renderTables(b *strings.Builder, tables []mdTable, rows []int, total int, what string) {
	shown := 0
	for i, t := range tables {
		if rows[i] > 0 {
			t.render(b, rows[i])
			shown += rows[i]
		}
	}
	if shown < total {
		b.WriteString(omittedNote(total-shown, total, what))
	}
}

const (
	mdFindingsHeading   = "### Findings\n\n"
	mdSuppressedHeading = "### Suppressed findings\n\n"
)

const mdNoFindings = "No findings.\n\n"

// omittedNote says that omitted of total items are not shown.
func omittedNote(omitted, total int, what string) string {
	return fmt.Sprintf("> [!NOTE]\n> %d of %d %s are not shown, to keep this summary within GitHub's size limit. "+
		"The JSON report lists all of them.\n\n", omitted, total, what)
}

// cutMarkdown is the last resort when the fixed sections alone exceed
// maxBytes: it cuts at the last line break that leaves room for a note,
// closes an open <details> block, and says that the report was cut.
func cutMarkdown(s string, maxBytes int) string {
	const note = "\n> [!NOTE]\n> This summary was cut to fit GitHub's size limit; see the SARIF and JSON reports.\n"
	const closeDetails = "\n</details>\n"
	budget := maxBytes - len(note) - len(closeDetails)
	if budget <= 0 {
		return truncateBytes(s, maxBytes)
	}
	cut := strings.LastIndexByte(s[:budget], '\n')
	if cut < 0 {
		return truncateBytes(s, maxBytes)
	}
	s = s[:cut+1]
	if strings.Count(s, "<details>") > strings.Count(s, "</details>") {
		s += closeDetails
	}
	return s + note
}

func mdHead(r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## hogaudit: %s\n\n", mdText(orgLabel(r.Snapshot.Org)))
	if r.Snapshot.Host != "" {
		fmt.Fprintf(&b, "- **Host:** %s\n", mdText(r.Snapshot.Host))
	}
	if !r.Snapshot.CollectedAt.IsZero() {
		fmt.Fprintf(&b, "- **Collected:** %s\n", r.Snapshot.CollectedAt.UTC().Format(timeLabel))
	}
	if r.Snapshot.Complete {
		b.WriteString("- **Evidence:** ✅ complete\n")
	} else {
		fmt.Fprintf(&b, "- **Evidence:** ⚠️ incomplete: %s missing\n", plural(len(r.Snapshot.Missing), "section", "sections"))
	}
	if p := cmp.Or(r.Matrix.RepoPath, r.Matrix.Path); p != "" {
		fmt.Fprintf(&b, "- **Matrix:** %s\n", codeSpan(p))
	}
	if k := r.Coverage.Keys; k.Declared > 0 {
		mark := "✅"
		if k.Audited < k.Declared {
			mark = "⚠️"
		}
		fmt.Fprintf(&b, "- **Keys:** %s %s\n", mark, mdText(keyCoverageLabel(k)))
	}
	switch s := r.Summary; {
	case s.FailOn == "none":
		b.WriteString("- **Fails on:** nothing (`--fail-on none`)\n")
	case s.FailOn != "":
		fmt.Fprintf(&b, "- **Fails on:** %s and above: %s\n", codeSpan(s.FailOn), plural(s.Failing, "failing finding", "failing findings"))
	}
	b.WriteString("\n### Summary\n\n| severity | findings |\n|---|---:|\n")
	for _, sev := range Severities {
		fmt.Fprintf(&b, "| %s | %d |\n", sev, r.Summary.BySeverity[sev])
	}
	fmt.Fprintf(&b, "| **total** | **%d** |\n", r.Summary.Total)
	fmt.Fprintf(&b, "| suppressed | %d |\n", r.Summary.Suppressed)
	fmt.Fprintf(&b, "| not evaluated (rules) | %d |\n\n", r.Summary.NotEvaluated)
	return b.String()
}

// mdFindingGroups returns one table per rule of the unsuppressed findings,
// in the order the rules first appear, and the number of findings.
func mdFindingGroups(r *Report, rules map[string]Rule) ([]mdTable, int) {
	var order []string
	byRule := map[string][]Finding{}
	n := 0
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			continue
		}
		if _, ok := byRule[f.Rule]; !ok {
			order = append(order, f.Rule)
		}
		byRule[f.Rule] = append(byRule[f.Rule], f)
		n++
	}
	groups := make([]mdTable, 0, len(order))
	for _, id := range order {
		fs := byRule[id]
		rule, known := rules[id]
		sev := fs[0].Severity
		for _, f := range fs[1:] {
			if SeverityRank(f.Severity) > SeverityRank(sev) {
				sev = f.Severity
			}
		}
		var h strings.Builder
		fmt.Fprintf(&h, "#### %s %s · %s\n\n", mdText(id), codeSpan(cmp.Or(rule.Name, fs[0].Name, id)), mdText(sev))
		if known && rule.Title != "" {
			fmt.Fprintf(&h, "%s\n\n", mdText(rule.Title))
		}
		h.WriteString("| subject | project | message |\n|---|---|---|\n")
		rows := make([]string, len(fs))
		for i, f := range fs {
			msg := mdCell(findingMessage(f))
			if f.Severity != sev {
				msg = "**" + mdText(f.Severity) + ":** " + msg
			}
			if f.Advisory {
				msg = "_advisory:_ " + msg
			}
			rows[i] = fmt.Sprintf("| %s | %s | %s |\n", cellCode(f.Subject), cellCode(f.Project), msg)
		}
		foot := "\n"
		if rem := cmp.Or(rule.Remediation, fs[0].Remediation); rem != "" {
			foot = fmt.Sprintf("\n**Remediation:** %s\n\n", mdText(rem))
		}
		groups = append(groups, mdTable{head: h.String(), rows: rows, foot: foot})
	}
	return groups, n
}

func mdNotEvaluated(r *Report) string {
	if len(r.NotEvaluated) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Not evaluated\n\nThese rules neither passed nor failed: evidence they need is missing.\n\n")
	b.WriteString("| rule | missing sections | scopes that would fix it | reason |\n|---|---|---|---|\n")
	for _, ne := range r.NotEvaluated {
		rule := mdText(ne.Rule)
		if ne.Name != "" {
			rule += " " + cellCode(ne.Name)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", rule, cellCodeList(ne.Sections), cellCodeList(ne.Scopes), mdCell(ne.Reason))
	}
	b.WriteString("\n")
	return b.String()
}

func mdMissing(r *Report) string {
	if len(r.Snapshot.Missing) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Missing evidence\n\n")
	for _, m := range r.Snapshot.Missing {
		fmt.Fprintf(&b, "- %s", sectionLabel(m, codeSpan))
		if st := missingStatus(m, codeSpan, mdCell); st != "" {
			b.WriteString(": " + st)
		}
		b.WriteString(".")
		if fix := missingFix(m, codeSpan); fix != "" {
			fmt.Fprintf(&b, " **Fix:** %s.", fix)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

func mdExpiring(r *Report) string {
	if len(r.ExpiringExceptions) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Exceptions expiring within 14 days\n\n")
	b.WriteString("| rule | subject | project | expires | days left | reason |\n|---|---|---|---|---:|---|\n")
	for _, e := range r.ExpiringExceptions {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %s |\n",
			mdText(e.Rule), cellCode(e.Subject), cellCode(e.Project), mdText(e.Expires), e.DaysLeft, mdCell(withTicket(e.Reason, e.Ticket)))
	}
	b.WriteString("\n")
	return b.String()
}

// mdSuppressed returns the suppressed findings as one table inside a
// <details> block (nil when there are none) and their number.
func mdSuppressed(r *Report) ([]mdTable, int) {
	var rows []string
	for _, f := range r.Findings {
		s := f.Suppressed
		if s == nil {
			continue
		}
		exc := withTicket(s.Reason, s.Ticket)
		if s.Expires != "" {
			exc += " (until " + s.Expires + ")"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s |\n",
			mdText(f.Rule), mdText(f.Severity), cellCode(f.Subject), cellCode(f.Project), mdCell(f.Message), mdCell(exc)))
	}
	if len(rows) == 0 {
		return nil, 0
	}
	head := fmt.Sprintf("<details>\n<summary>%s covered by matrix exceptions</summary>\n\n",
		plural(len(rows), "finding", "findings")) +
		"| rule | severity | subject | project | message | exception |\n|---|---|---|---|---|---|\n"
	return []mdTable{{head: head, rows: rows, foot: "\n</details>\n\n"}}, len(rows)
}

// withTicket appends an exception's ticket to its reason.
func withTicket(reason, ticket string) string {
	if ticket == "" {
		return reason
	}
	if reason == "" {
		return ticket
	}
	return reason + " (" + ticket + ")"
}

// mdEscaper backslash-escapes the characters that could start Markdown
// markup inside a line: emphasis, links, images, raw HTML, code, tables.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, `~`, `\~`,
)

// mdText renders s as literal inline Markdown text on one line.
func mdText(s string) string { return mdEscaper.Replace(oneLine(s)) }

// mdCell renders free text for a table cell: literal, on one line, at most
// maxCell runes.
func mdCell(s string) string { return mdEscaper.Replace(truncate(oneLine(s), maxCell)) }

// codeSpan renders s as an inline code span, on one line, whatever
// backticks it holds. It returns "" for "".
func codeSpan(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") ||
		(strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.Trim(s, " ") != "") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// cellCode is codeSpan for a table cell: GFM splits cells at "|" even in a
// code span unless it is escaped, and drops the backslash when it is.
func cellCode(s string) string { return strings.ReplaceAll(codeSpan(s), "|", `\|`) }

// cellCodeList renders items as comma-separated code spans in a cell.
func cellCodeList(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = cellCode(s)
	}
	return strings.Join(parts, ", ")
}
