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
// by severity; the counts per rule and severity; the unsuppressed findings
// grouped by rule (a heading, at most opts.MaxPerRule rows of subject,
// project, matrix line and message inside a <details> block, the
// remediation once); the findings grouped by framework control
// (mdControls); with --previous, the drift since the previous
// snapshot (mdDrift); the rules not evaluated; the missing evidence; the
// exceptions expiring within 14 days; and the suppressed findings in a
// <details> block. <details> and <summary> are the only raw HTML.
//
// The output is at most opts.MaxBytes long (see markdown_summary.go for
// what is left out first). Only if the counts and the other sections alone
// are too big is the document cut at a line, with a note.
func writeMarkdown(w io.Writer, r *Report, opts Options) error {
	_, err := io.WriteString(w, renderMarkdown(r, opts))
	return err
}

func renderMarkdown(r *Report, opts Options) string {
	maxBytes := opts.maxBytes()
	if r.Failure != nil {
		out := mdFailure(r)
		if len(out) > maxBytes {
			out = cutMarkdown(out, maxBytes)
		}
		return out
	}
	perRule := opts.maxPerRule()
	head := mdHead(r)
	rules, nFindings := mdRules(r, opts.Links, perRule)
	counts := mdRuleCounts(rules)
	// What the check could not judge comes before the drift, so that no
	// drift, however long, pushes it out of a capped summary.
	tail := mdControls(r) + mdNotEvaluated(r) + mdMissing(r) + mdExpiring(r) + mdDrift(r, perRule, maxBytes)
	supp, suppTotal, suppShown := mdSuppressedBlock(r, perRule)
	sarifNote := mdSARIFLeftOut(r, opts.maxResults())

	fixed := len(head) + len(counts) + len(sarifNote) + len(mdFindingsHeading) + len(tail)
	if nFindings == 0 {
		fixed += len(mdNoFindings)
	}
	if suppTotal > 0 {
		fixed += len(mdSuppressedHeading)
	}
	l := layoutMarkdown(rules, supp, mdSuppressedOmitted(suppTotal), fixed, maxBytes-noteReserve)

	var b strings.Builder
	b.WriteString(head)
	b.WriteString(counts)
	b.WriteString(mdLeftOut(rules, l, perRule, suppTotal, suppShown))
	b.WriteString(sarifNote)
	b.WriteString(mdFindingsHeading)
	if nFindings == 0 {
		b.WriteString(mdNoFindings)
	}
	for i, g := range rules {
		b.WriteString(g.render(l.shown[i]))
	}
	b.WriteString(tail)
	if suppTotal > 0 {
		b.WriteString(mdSuppressedHeading)
		if l.suppressed {
			b.WriteString(supp)
		} else {
			b.WriteString(mdSuppressedOmitted(suppTotal))
		}
	}
	out := b.String()
	if len(out) > maxBytes {
		out = cutMarkdown(out, maxBytes)
	}
	return out
}

// mdDrift is the report's drift section, "" without Report.Drift: the
// gaps and counts per group always, at most perGroup changes per group, and
// change rows of at most a quarter of maxBytes, so that the findings keep
// most of the summary.
func mdDrift(r *Report, perGroup, maxBytes int) string {
	if r.Drift == nil {
		return ""
	}
	return mdDriftSection(r.Drift, perGroup, maxBytes/4)
}

const (
	mdFindingsHeading   = "### Findings\n\n"
	mdSuppressedHeading = "### Suppressed findings\n\n"
)

const mdNoFindings = "No findings.\n\n"

// cutMarkdown is the last resort when the fixed sections alone exceed
// maxBytes: it cuts at the last line break that leaves room for a note,
// closes an open <details> block, and says that the report was cut.
func cutMarkdown(s string, maxBytes int) string {
	const note = "\n> [!NOTE]\n> This summary was cut to fit its size limit; the JSON report lists everything.\n"
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
	for _, m := range r.Snapshot.Missing[:min(len(r.Snapshot.Missing), maxListItems)] {
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
	if n := len(r.Snapshot.Missing); n > maxListItems {
		fmt.Fprintf(&b, "- and %d more: the JSON report lists every one.\n", n-maxListItems)
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
	for _, e := range r.ExpiringExceptions[:min(len(r.ExpiringExceptions), maxListItems)] {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %s |\n",
			mdText(e.Rule), cellCode(e.Subject), cellCode(e.Project), mdText(e.Expires), e.DaysLeft, mdCell(withTicket(e.Reason, e.Ticket)))
	}
	b.WriteString("\n")
	if n := len(r.ExpiringExceptions); n > maxListItems {
		fmt.Fprintf(&b, "%d more expiring exceptions not shown: the JSON report lists every one.\n\n", n-maxListItems)
	}
	return b.String()
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

// mdSARIFLeftOut says what the SARIF result cap of limit results left out
// of the SARIF report (Report.SARIFOmissions, set when one was written):
// never that SARIF lists every finding. At most mdMaxSARIFRules rules are
// named; the rest are counted.
func mdSARIFLeftOut(r *Report, limit int) string {
	if len(r.SARIFOmissions) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("> [!NOTE]\n> The SARIF report does not hold every finding as a result of its own:\n")
	for i, o := range r.SARIFOmissions {
		if i == mdMaxSARIFRules {
			n, word := len(r.SARIFOmissions)-i, "rules"
			if n == 1 {
				word = "rule"
			}
			fmt.Fprintf(&b, "> - and %d more %s.\n", n, word)
			break
		}
		fmt.Fprintf(&b, "> - %s\n", mdText(OmissionSentence(o, limit)))
	}
	b.WriteString(">\n> The JSON report lists every finding.\n\n")
	return b.String()
}

// mdMaxSARIFRules bounds the rules mdSARIFLeftOut names.
const mdMaxSARIFRules = 10
