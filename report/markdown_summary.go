package report

import (
	"cmp"
	"fmt"
	"net/url"
	"strings"
)

// The Markdown report is a job summary that scales: it starts with the
// counts per rule and severity, which it always shows, and lists at most
// Options.MaxPerRule findings per rule, each rule's inside a <details>
// block. When the whole would still exceed Options.MaxBytes it leaves out
// the suppressed findings first, then the findings of one rule after the
// other from the least severe rule up (the most severe rule's last), and
// says so in a note under the counts: the JSON report lists every finding.

// DefaultMaxPerRule is the number of findings per rule the Markdown report
// lists when Options.MaxPerRule is zero.
const DefaultMaxPerRule = 20

// maxListItems caps the missing-evidence and expiring-exception lists of
// the Markdown report: an organization whose plan lacks a feature misses it
// in each of its hundreds of projects.
const maxListItems = 50

// noteReserve is the room kept for the note that says what the Markdown
// left out; the note is numbers and fixed text, never this long.
const noteReserve = 700

// LineLinks locate the matrix on GitHub, so that the Markdown can link each
// finding to its matrix line:
// ServerURL/Repository/blob/SHA/<matrix repo path>#L<line>. The CLI fills it
// from $GITHUB_SERVER_URL, $GITHUB_REPOSITORY and $GITHUB_SHA. Links are
// made only when all three are set, ServerURL is an http(s) URL with a host
// and the report has the matrix's repository path.
type LineLinks struct {
	ServerURL  string
	Repository string
	SHA        string
}

// url returns the link to line of the file at repoPath, or "".
func (l LineLinks) url(repoPath string, line int) string {
	if l.ServerURL == "" || l.Repository == "" || l.SHA == "" || repoPath == "" || line < 1 {
		return ""
	}
	base, err := url.Parse(strings.TrimRight(l.ServerURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" ||
		base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return ""
	}
	var p strings.Builder
	p.WriteString(strings.TrimRight(base.String(), "/"))
	for _, part := range [][]string{strings.Split(l.Repository, "/"), {"blob", l.SHA}, strings.Split(strings.TrimPrefix(repoPath, "./"), "/")} {
		for _, seg := range part {
			if seg == "" || seg == "." || seg == ".." {
				return ""
			}
			p.WriteString("/" + linkSegment(seg))
		}
	}
	fmt.Fprintf(&p, "#L%d", line)
	return p.String()
}

// linkSegment percent-encodes a path segment for a Markdown link
// destination inside a table cell: everything but unreserved characters,
// so that no space, parenthesis, pipe or bracket ends the link or the cell.
func linkSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// mdRule is one rule's part of the Markdown findings.
type mdRule struct {
	id, label, severity string
	// counts are the rule's unsuppressed findings per severity.
	counts map[string]int
	// head is the heading and title, foot the remediation: always shown.
	head, foot string
	// total counts the rule's unsuppressed findings; rows are the table
	// rows of the first of them (at most the per-rule cap), in report
	// order.
	total int
	rows  []string
}

// mdRules groups the unsuppressed findings of r by rule, in the order the
// rules first appear (the report sorts findings most severe first), with
// the rows of at most perRule findings each, and returns them with the
// number of findings.
func mdRules(r *Report, links LineLinks, perRule int) ([]mdRule, int) {
	rules := ruleIndex(r)
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
	out := make([]mdRule, 0, len(order))
	for _, id := range order {
		fs := byRule[id]
		rule, known := rules[id]
		g := mdRule{id: id, counts: map[string]int{}, severity: fs[0].Severity, total: len(fs)}
		for _, f := range fs {
			g.counts[f.Severity]++
			if SeverityRank(f.Severity) > SeverityRank(g.severity) {
				g.severity = f.Severity
			}
		}
		g.label = mdText(id) + " " + cellCode(cmp.Or(rule.Name, fs[0].Name, id))
		var h strings.Builder
		fmt.Fprintf(&h, "#### %s %s · %s\n\n", mdText(id), codeSpan(cmp.Or(rule.Name, fs[0].Name, id)), mdText(g.severity))
		if known && rule.Title != "" {
			fmt.Fprintf(&h, "%s\n\n", mdText(rule.Title))
		}
		g.head = h.String()
		if rem := cmp.Or(rule.Remediation, fs[0].Remediation); rem != "" {
			g.foot = fmt.Sprintf("**Remediation:** %s\n\n", mdText(rem))
		}
		g.rows = make([]string, min(len(fs), perRule))
		for i, f := range fs[:len(g.rows)] {
			msg := mdCell(findingMessage(f))
			if f.Severity != g.severity {
				msg = "**" + mdText(f.Severity) + ":** " + msg
			}
			if f.Advisory {
				msg = "_advisory:_ " + msg
			}
			g.rows[i] = fmt.Sprintf("| %s | %s | %s | %s |\n", cellCode(f.Subject), cellCode(f.Project), matrixCell(r, rule.Area, f, links), msg)
		}
		out = append(out, g)
	}
	return out, n
}

// matrixCell names the matrix line of f, linked to it on GitHub when links
// allow.
func matrixCell(r *Report, area string, f Finding, links LineLinks) string {
	line := findingLine(f, area, r.Matrix)
	if u := links.url(r.Matrix.RepoPath, line); u != "" {
		return fmt.Sprintf("[line %d](%s)", line, u)
	}
	return fmt.Sprintf("line %d", line)
}

const mdRuleTableHead = "| subject | project | matrix | message |\n|---|---|---|---|\n"

// render writes the rule's part with its first shown rows (none: a line
// saying that its findings are not shown).
func (g mdRule) render(shown int) string {
	var b strings.Builder
	b.WriteString(g.head)
	total := g.total
	if shown > 0 {
		label := plural(total, "finding", "findings")
		if shown < total {
			label = fmt.Sprintf("%d of %d findings", shown, total)
		}
		fmt.Fprintf(&b, "<details>\n<summary>%s</summary>\n\n", label)
		b.WriteString(mdRuleTableHead)
		for _, r := range g.rows[:shown] {
			b.WriteString(r)
		}
		b.WriteString("\n")
		if shown < total {
			fmt.Fprintf(&b, "%d of %d findings not shown: the JSON report lists every finding.\n\n", total-shown, total)
		}
		b.WriteString("</details>\n\n")
	} else {
		fmt.Fprintf(&b, "%s not shown, to keep this summary within its size limit: the JSON report lists every finding.\n\n",
			plural(total, "finding", "findings"))
	}
	b.WriteString(g.foot)
	return b.String()
}

// mdRuleCounts is the table of findings per rule and severity, one row per
// rule with unsuppressed findings, in the order of rules.
func mdRuleCounts(rules []mdRule) string {
	if len(rules) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Findings by rule\n\n| rule | ")
	b.WriteString(strings.Join(Severities, " | "))
	b.WriteString(" | total |\n|---|")
	b.WriteString(strings.Repeat("---:|", len(Severities)+1))
	b.WriteString("\n")
	for _, g := range rules {
		fmt.Fprintf(&b, "| %s |", g.label)
		for _, sev := range Severities {
			fmt.Fprintf(&b, " %d |", g.counts[sev])
		}
		fmt.Fprintf(&b, " %d |\n", g.total)
	}
	b.WriteString("\n")
	return b.String()
}

// mdSuppressedBlock returns the suppressed findings, at most perRule per
// rule, as one table inside a <details> block ("" when there are none), and
// how many there are and are shown.
func mdSuppressedBlock(r *Report, perRule int) (block string, total, shown int) {
	var rows []string
	perRuleShown := map[string]int{}
	for _, f := range r.Findings {
		s := f.Suppressed
		if s == nil {
			continue
		}
		total++
		if perRuleShown[f.Rule] >= perRule {
			continue
		}
		perRuleShown[f.Rule]++
		exc := withTicket(s.Reason, s.Ticket)
		if s.Expires != "" {
			exc += " (until " + s.Expires + ")"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s |\n",
			mdText(f.Rule), mdText(f.Severity), cellCode(f.Subject), cellCode(f.Project), mdCell(f.Message), mdCell(exc)))
	}
	if total == 0 {
		return "", 0, 0
	}
	var b strings.Builder
	label := plural(total, "finding", "findings")
	if len(rows) < total {
		label = fmt.Sprintf("%d of %d findings", len(rows), total)
	}
	fmt.Fprintf(&b, "<details>\n<summary>%s covered by matrix exceptions</summary>\n\n", label)
	b.WriteString("| rule | severity | subject | project | message | exception |\n|---|---|---|---|---|---|\n")
	for _, row := range rows {
		b.WriteString(row)
	}
	b.WriteString("\n")
	if len(rows) < total {
		fmt.Fprintf(&b, "%d of %d suppressed findings not shown: the JSON report lists every one.\n\n", total-len(rows), total)
	}
	b.WriteString("</details>\n\n")
	return b.String(), total, len(rows)
}

// mdSuppressedOmitted stands for the suppressed findings' block when it is
// left out.
func mdSuppressedOmitted(total int) string {
	return fmt.Sprintf("%s not shown, to keep this summary within its size limit: the JSON report lists every finding.\n\n",
		plural(total, "finding", "findings"))
}

// mdLayout is what the Markdown shows of the findings.
type mdLayout struct {
	// shown[i] is the number of rows of rules[i] shown.
	shown []int
	// suppressed is false when the suppressed findings' block is left out.
	suppressed bool
}

// layoutMarkdown decides what fits in budget bytes besides fixed: every
// rule's rows (at most the per-rule cap); if that is too big, suppOmitted
// instead of suppBlock (the suppressed findings); then no rows for one rule
// after the other, from the last (least severe) up; the last rule so
// emptied gets back as many rows as the room left takes.
func layoutMarkdown(rules []mdRule, suppBlock, suppOmitted string, fixed, budget int) mdLayout {
	l := mdLayout{shown: make([]int, len(rules)), suppressed: suppBlock != ""}
	sizes := make([]int, len(rules))
	size := fixed + len(suppBlock)
	for i, g := range rules {
		l.shown[i] = len(g.rows)
		sizes[i] = len(g.render(l.shown[i]))
		size += sizes[i]
	}
	if size <= budget {
		return l
	}
	if l.suppressed {
		l.suppressed = false
		size += len(suppOmitted) - len(suppBlock)
	}
	last := -1
	for i := len(rules) - 1; i >= 0 && size > budget; i-- {
		empty := len(rules[i].render(0))
		size += empty - sizes[i]
		sizes[i], l.shown[i], last = empty, 0, i
	}
	if last >= 0 && size <= budget {
		for k := len(rules[last].rows) - 1; k > 0; k-- {
			if s := len(rules[last].render(k)); size-sizes[last]+s <= budget {
				l.shown[last] = k
				break
			}
		}
	}
	return l
}

// mdLeftOut is the note under the counts saying what the Markdown left
// out, "" when it lists everything. It is the one place where the Markdown
// says what a report does not show: what SARIF left out (--max-results)
// belongs here too, read from the report model, never "SARIF lists all".
func mdLeftOut(rules []mdRule, l mdLayout, perRule, suppTotal, suppShown int) string {
	total, shown, capped, cut := 0, 0, false, 0
	for i, g := range rules {
		total += g.total
		shown += l.shown[i]
		if g.total > len(g.rows) {
			capped = true
		}
		if l.shown[i] < len(g.rows) {
			cut++
		}
	}
	var b strings.Builder
	if shown < total {
		var why []string
		if capped {
			why = append(why, fmt.Sprintf("at most %d per rule are listed (--markdown-max-per-rule)", perRule))
		}
		if cut > 0 {
			why = append(why, fmt.Sprintf("to keep this summary within its size limit, the findings of %s are left out, the least severe first",
				plural(cut, "rule", "rules")))
		}
		fmt.Fprintf(&b, "%d of %d findings are not listed below: %s.", total-shown, total, strings.Join(why, "; "))
	}
	switch {
	case !l.suppressed && suppTotal > 0:
		fmt.Fprintf(&b, " The %s covered by matrix exceptions are not listed, to keep this summary within its size limit.",
			plural(suppTotal, "finding", "findings"))
	case suppShown < suppTotal:
		fmt.Fprintf(&b, " %d of %d findings covered by matrix exceptions are listed.", suppShown, suppTotal)
	}
	if b.Len() == 0 {
		return ""
	}
	return "> [!NOTE]\n> " + strings.TrimSpace(b.String()) + " The counts above are complete; the JSON report lists every finding.\n\n"
}
