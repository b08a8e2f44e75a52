package report

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/hogaudit/hogaudit/policies/frameworks"
)

// ANSI colours of the severities in the text format.
var severityColors = map[string]string{
	SeverityCritical: "\x1b[1;31m", // bold red
	SeverityHigh:     "\x1b[31m",   // red
	SeverityMedium:   "\x1b[33m",   // yellow
	SeverityLow:      "\x1b[36m",   // cyan
}

const ansiReset = "\x1b[0m"

// TextMinWidth is the narrowest text layout; smaller Options.Width values
// are raised to it.
const TextMinWidth = 40

// Column limits of the findings table.
const (
	textGap        = 2
	textSevWidth   = len(SeverityCritical)
	textMaxRule    = 12
	textMaxProject = 16
	textMinMessage = 24
)

// Column limits of the findings table in a file or pipe (Options.Terminal
// unset): columns are as wide as their widest value up to these, and a
// longer value is written whole, pushing the rest of its own row right.
const (
	textLongRule    = 16
	textLongSubject = 48
	textLongProject = 24
)

// writeText renders r as a table: a header line (organization, host,
// collection time, evidence status); when the findings are many
// (more than DefaultTextLimit) or some are left out, their counts per
// rule; the unsuppressed findings (severity, rule, subject, project,
// message) in the order given, or, when a rule has more than the limit
// (Options.Limit), its first findings grouped by rule, each cut rule
// followed by a line saying how many more it has; then short lists of
// suppressed findings, rules not evaluated, missing evidence and
// exceptions expiring soon, and a final summary line.
//
// On a terminal (Options.Terminal) the lines fit opts.Width: messages are
// wrapped, subject and project cut with "…" when too long. Elsewhere
// nothing is cut or wrapped (see Options.Terminal). Control characters in
// the data are neutralised (see oneLine) and widths are measured in
// terminal cells (see cells), so a report can neither move the cursor or
// change the terminal's colours nor shift the columns. ANSI colour codes
// mark the severities only when opts.Color is set.
func writeText(w io.Writer, r *Report, opts Options) error {
	t := &textRenderer{width: max(opts.width(), TextMinWidth), color: opts.Color, long: !opts.Terminal, limit: opts.limit()}
	if r.Failure != nil {
		t.failure(r)
		_, err := io.WriteString(w, t.b.String())
		return err
	}
	t.header(r)
	t.findings(r)
	t.suppressed(r)
	t.notEvaluated(r)
	t.missing(r)
	t.expiring(r)
	t.controls(r)
	t.summary(r)
	_, err := io.WriteString(w, t.b.String())
	return err
}

type textRenderer struct {
	b     strings.Builder
	width int
	color bool
	// long: lines are never wrapped nor cells cut (a file or a pipe).
	long bool
	// limit is the findings per rule of the table, -1 for all; 0 is
	// taken as -1 (the drift report does not use it).
	limit int
}

// sev returns severity s, coloured when colour is on.
func (t *textRenderer) sev(s string) string {
	c, ok := severityColors[s]
	if !t.color || !ok {
		return s
	}
	return c + s + ansiReset
}

// para writes s wrapped to the width, continuation lines indented by
// indent spaces, the first line by first spaces; on one line when t.long.
func (t *textRenderer) para(first, indent int, s string) {
	if t.long {
		t.b.WriteString(strings.TrimRight(strings.Repeat(" ", first)+s, " ") + "\n")
		return
	}
	lines := wrap(s, t.width-indent, t.width-first)
	for i, l := range lines {
		n := indent
		if i == 0 {
			n = first
		}
		t.b.WriteString(strings.TrimRight(strings.Repeat(" ", n)+l, " ") + "\n")
	}
}

func (t *textRenderer) header(r *Report) {
	s := r.Snapshot
	parts := []string{orgLabel(s.Org)}
	if s.Host != "" {
		parts = append(parts, s.Host)
	}
	if !s.CollectedAt.IsZero() {
		parts = append(parts, "collected "+s.CollectedAt.UTC().Format(timeLabel))
	}
	if s.Complete {
		parts = append(parts, "evidence complete")
	} else {
		parts = append(parts, "evidence incomplete: "+plural(len(s.Missing), "section", "sections")+" missing")
	}
	if k := r.Coverage.Keys; k.Declared > 0 {
		parts = append(parts, keyCoverageLabel(k))
	}
	// Break the header between its parts where possible; continuation
	// lines are indented.
	var lines []string
	for _, p := range parts {
		p = oneLine(p)
		last := len(lines) - 1
		indent := 0
		if last > 0 {
			indent = 2
		}
		if last >= 0 && (t.long || indent+cells(lines[last])+3+cells(p) <= t.width) {
			lines[last] += " · " + p
		} else {
			lines = append(lines, p)
		}
	}
	for i, l := range lines {
		if i == 0 {
			t.para(0, 2, l)
		} else {
			t.para(2, 2, l)
		}
	}
	t.b.WriteString("\n")
}

// ruleGroup is one rule's unsuppressed findings, in the order given.
type ruleGroup struct {
	rule, name string
	severity   string // the most severe of its findings
	findings   []Finding
}

// groupByRule groups fs by rule, the groups in the order of their rules'
// first findings.
func groupByRule(fs []Finding) []*ruleGroup {
	var groups []*ruleGroup
	byRule := map[string]*ruleGroup{}
	for _, f := range fs {
		g := byRule[f.Rule]
		if g == nil {
			g = &ruleGroup{rule: f.Rule, name: f.Name, severity: f.Severity}
			byRule[f.Rule] = g
			groups = append(groups, g)
		}
		if severityRank(f.Severity) < severityRank(g.severity) {
			g.severity = f.Severity
		}
		g.findings = append(g.findings, f)
	}
	return groups
}

// severityRank orders severities, most severe first; unknown ones last.
func severityRank(s string) int {
	for i, sev := range Severities {
		if sev == s {
			return i
		}
	}
	return len(Severities)
}

func (t *textRenderer) findings(r *Report) {
	var fs []Finding
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		t.b.WriteString("No findings.\n\n")
		return
	}
	groups := groupByRule(fs)
	cut := false
	if t.limit > 0 {
		for _, g := range groups {
			cut = cut || len(g.findings) > t.limit
		}
	}
	if cut || len(fs) > DefaultTextLimit {
		t.ruleCounts(groups, len(fs))
	}
	// The rows shown, and after which row how many of its rule's findings
	// are left out.
	shown := fs
	more := map[int]*ruleGroup{}
	if cut {
		shown = nil
		for _, g := range groups {
			n := min(len(g.findings), t.limit)
			shown = append(shown, g.findings[:n]...)
			if n < len(g.findings) {
				more[len(shown)-1] = g
			}
		}
	}

	ruleW, subjW, projW := len("RULE"), len("SUBJECT"), len("PROJECT")
	for _, f := range shown {
		ruleW = max(ruleW, cells(oneLine(f.Rule)))
		subjW = max(subjW, cells(oneLine(f.Subject)))
		projW = max(projW, cells(oneLine(f.Project)))
	}
	if t.long {
		ruleW, subjW, projW = min(ruleW, textLongRule), min(subjW, textLongSubject), min(projW, textLongProject)
	} else {
		ruleW = min(ruleW, textMaxRule)
		projW = min(projW, textMaxProject)
		subjW = min(subjW, max(len("SUBJECT"), t.width/4))
	}
	// On a narrow terminal, narrow the widest columns until the table fits;
	// at TextMinWidth it always does.
narrow:
	for !t.long && textSevWidth+ruleW+subjW+projW+4*textGap > t.width {
		switch {
		case projW > len("PROJECT") && projW >= subjW:
			projW--
		case subjW > len("SUBJECT"):
			subjW--
		case projW > len("PROJECT"):
			projW--
		case ruleW > len("RULE"):
			ruleW--
		default:
			break narrow // cannot happen at TextMinWidth or more
		}
	}
	msgCol := textSevWidth + ruleW + subjW + projW + 4*textGap
	msgW := t.width - msgCol
	ownLine := !t.long && msgW < textMinMessage

	gap := strings.Repeat(" ", textGap)
	cell := func(s string, w int) string {
		if t.long {
			return padRight(s, w)
		}
		return padRight(fitCells(s, w), w)
	}
	row := func(sev, plainSev, rule, subj, proj string) string {
		return sev + pad(plainSev, textSevWidth) + gap + cell(rule, ruleW) + gap + cell(subj, subjW) + gap + cell(proj, projW)
	}
	head := row("SEVERITY", "SEVERITY", "RULE", "SUBJECT", "PROJECT")
	if ownLine {
		t.b.WriteString(strings.TrimRight(head, " ") + "\n")
	} else {
		t.b.WriteString(head + gap + "MESSAGE\n")
	}
	for i, f := range shown {
		msg := oneLine(findingMessage(f))
		if f.Advisory {
			msg = "(advisory) " + msg
		}
		sev := oneLine(f.Severity)
		line := row(t.sev(sev), sev, oneLine(f.Rule), oneLine(f.Subject), oneLine(f.Project))
		switch {
		case t.long:
			t.b.WriteString(strings.TrimRight(line+gap+msg, " ") + "\n")
		case ownLine:
			t.b.WriteString(strings.TrimRight(line, " ") + "\n")
			if msg != "" {
				t.para(4, 4, msg)
			}
		default:
			lines := wrap(msg, msgW, msgW)
			t.b.WriteString(strings.TrimRight(line+gap+lines[0], " ") + "\n")
			for _, l := range lines[1:] {
				t.b.WriteString(strings.Repeat(" ", msgCol) + l + "\n")
			}
		}
		if g := more[i]; g != nil {
			n := len(g.findings) - t.limit
			t.para(2, 4, fmt.Sprintf("… %s more %s %s: --all or --format json lists every one",
				Thousands(n), oneLine(g.rule), plural1(n, "finding", "findings")))
		}
	}
	t.b.WriteString("\n")
}

// ruleCounts writes the counts per rule (id, name, most severe severity,
// findings), complete whatever the limit.
func (t *textRenderer) ruleCounts(groups []*ruleGroup, total int) {
	t.para(0, 2, fmt.Sprintf("Findings by rule (%s, %s):", plural(len(groups), "rule", "rules"), thousandsPlural(total, "finding", "findings")))
	ruleW, nameW, countW := len("RULE"), len("NAME"), len("FINDINGS")
	for _, g := range groups {
		ruleW = max(ruleW, cells(oneLine(g.rule)))
		nameW = max(nameW, cells(oneLine(g.name)))
		countW = max(countW, len(Thousands(len(g.findings))))
	}
	if t.long {
		ruleW, nameW = min(ruleW, textLongRule), min(nameW, textLongSubject)
	} else {
		ruleW = min(ruleW, textMaxRule)
		// The name gives way on a narrow terminal; at TextMinWidth it
		// keeps its heading's width.
		nameW = max(len("NAME"), min(nameW, t.width-(2+ruleW+textSevWidth+countW+4*textGap)))
	}
	gap := strings.Repeat(" ", textGap)
	cell := func(s string, w int) string {
		if t.long {
			return padRight(s, w)
		}
		return padRight(fitCells(s, w), w)
	}
	row := func(rule, name, sev, plainSev, count string) string {
		return "  " + cell(rule, ruleW) + gap + cell(name, nameW) + gap + sev + pad(plainSev, textSevWidth) + gap + pad(count, countW) + count
	}
	t.b.WriteString(row("RULE", "NAME", "SEVERITY", "SEVERITY", "FINDINGS") + "\n")
	for _, g := range groups {
		sev := oneLine(g.severity)
		t.b.WriteString(row(oneLine(g.rule), oneLine(g.name), t.sev(sev), sev, Thousands(len(g.findings))) + "\n")
	}
	t.b.WriteString("\n")
}

// Thousands formats n with commas between groups of three digits
// (5,000): the counts of the text report, the plan line and the progress.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// thousandsPlural is plural with n formatted by thousands.
func thousandsPlural(n int, one, many string) string {
	return Thousands(n) + " " + plural1(n, one, many)
}

// plural1 is one or many, as n asks.
func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// pad returns the padding that brings s (already written) to width
// terminal cells.
func pad(s string, width int) string {
	return strings.Repeat(" ", max(0, width-cells(s)))
}

func padRight(s string, width int) string { return s + pad(s, width) }

// Cells is the number of terminal cells s takes, as the text report
// counts them: 2 for East Asian wide and fullwidth characters and most
// emoji, 0 for combining marks, 1 otherwise.
func Cells(s string) int { return cells(s) }

// cells is the number of terminal cells s takes (see runeCells).
func cells(s string) int {
	n := 0
	for _, r := range s {
		n += runeCells(r)
	}
	return n
}

// runeCells approximates the cells a rune takes in a terminal: 0 for
// combining marks and zero-width characters, 2 for East Asian wide and
// fullwidth characters and most emoji, 1 otherwise.
func runeCells(r rune) int {
	switch {
	case r == 0x200b || r == 0x200c || r == 0x200d || r == 0xfeff,
		unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	case r >= 0x1100 && r <= 0x115f, // Hangul Jamo
		r >= 0x2e80 && r <= 0x303e, // CJK radicals, punctuation
		r >= 0x3041 && r <= 0x33ff, // kana, CJK symbols
		r >= 0x3400 && r <= 0x4dbf, // CJK extension A
		r >= 0x4e00 && r <= 0x9fff, // CJK unified ideographs
		r >= 0xa000 && r <= 0xa4cf, // Yi
		r >= 0xac00 && r <= 0xd7a3, // Hangul syllables
		r >= 0xf900 && r <= 0xfaff, // CJK compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60, // fullwidth forms
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f, // emoji
		r >= 0x1f900 && r <= 0x1f9ff,
		r >= 0x20000 && r <= 0x3fffd: // CJK extensions B and later
		return 2
	}
	return 1
}

// fitCells shortens s to at most n cells, ending it with "…" when cut.
func fitCells(s string, n int) string {
	if cells(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		c := runeCells(r)
		if used+c > n-1 {
			break
		}
		b.WriteRune(r)
		used += c
	}
	return b.String() + "…"
}

// subjectIn names a subject with its project, if any.
func subjectIn(subject, project string) string {
	if project == "" {
		return subject
	}
	return subject + " [" + project + "]"
}

func (t *textRenderer) suppressed(r *Report) {
	var items []string
	for _, f := range r.Findings {
		s := f.Suppressed
		if s == nil {
			continue
		}
		item := fmt.Sprintf("%s %s: %s", f.Rule, subjectIn(f.Subject, f.Project), cmp.Or(withTicket(s.Reason, s.Ticket), "no reason given"))
		if s.Expires != "" {
			item += "; expires " + s.Expires
		}
		items = append(items, item)
	}
	t.list(fmt.Sprintf("Suppressed by matrix exceptions (%d):", len(items)), items)
}

func (t *textRenderer) notEvaluated(r *Report) {
	items := make([]string, 0, len(r.NotEvaluated))
	for _, ne := range r.NotEvaluated {
		item := ne.Rule
		if ne.Name != "" {
			item += " " + ne.Name
		}
		// The reason names what is missing (the engine's also what would
		// fix it): the sections speak only without one, and scopes only
		// where it does not name them.
		switch {
		case ne.Reason != "":
			item += ": " + ne.Reason
		case len(ne.Sections) == 0 && len(ne.Bindings) > 0:
			item += ": needs matrix project " + strings.Join(ne.Bindings, ", ") + " bound to one PostHog project"
		default:
			item += ": needs " + cmp.Or(strings.Join(ne.Sections, ", "), "missing evidence")
		}
		var unnamed []string
		for _, sc := range ne.Scopes {
			if !strings.Contains(ne.Reason, sc) {
				unnamed = append(unnamed, sc)
			}
		}
		if len(unnamed) > 0 {
			item += "; scopes that would fix it: " + strings.Join(unnamed, ", ")
		}
		items = append(items, item)
	}
	t.list(fmt.Sprintf("Not evaluated, evidence missing (%d):", len(items)), items)
}

func (t *textRenderer) missing(r *Report) {
	items := make([]string, 0, len(r.Snapshot.Missing))
	for _, m := range r.Snapshot.Missing {
		item := sectionLabel(m, plain)
		if st := missingStatus(m, plain, plain); st != "" {
			item += ": " + st
		}
		if fix := missingFix(m, plain); fix != "" {
			item += "; to fix it, " + fix
		}
		items = append(items, item)
	}
	t.list(fmt.Sprintf("Missing evidence (%d):", len(items)), items)
}

func (t *textRenderer) expiring(r *Report) {
	items := make([]string, 0, len(r.ExpiringExceptions))
	for _, e := range r.ExpiringExceptions {
		item := fmt.Sprintf("%s %s: expires %s (%s)", e.Rule, subjectIn(e.Subject, e.Project), e.Expires, daysLeft(e.DaysLeft))
		if reason := withTicket(e.Reason, e.Ticket); reason != "" {
			item += "; " + reason
		}
		items = append(items, item)
	}
	t.list(fmt.Sprintf("Exceptions expiring soon (%d):", len(items)), items)
}

// controls lists the framework controls that fail or could not be
// judged, each with its failing or unjudged rules, and counts the rest
// (the JSON and Markdown reports list every control).
func (t *textRenderer) controls(r *Report) {
	var failing, unjudged []string
	passing := 0
	for _, c := range Controls(r) {
		name := c.Control
		if f, ok := frameworks.Lookup(c.Framework); ok {
			name = f.Short + " " + c.Control
		}
		var rules []string
		for _, cr := range c.Rules {
			switch {
			case c.Status == ControlFail && cr.Status == ControlFail:
				rules = append(rules, fmt.Sprintf("%s (%d)", cr.Rule, cr.Findings))
			case c.Status == ControlNotEvaluated && cr.Status == RuleDisabled:
				rules = append(rules, cr.Rule+" (disabled)")
			case c.Status == ControlNotEvaluated && cr.Status != ControlPass && cr.Status != ControlFail:
				rules = append(rules, cr.Rule)
			}
		}
		item := name + ": " + strings.Join(rules, ", ")
		switch c.Status {
		case ControlFail:
			failing = append(failing, item)
		case ControlNotEvaluated:
			unjudged = append(unjudged, item)
		default:
			passing++
		}
	}
	t.list(fmt.Sprintf("Controls failing (%d; %d pass):", len(failing), passing), failing)
	t.list(fmt.Sprintf("Controls not evaluated (%d):", len(unjudged)), unjudged)
}

func daysLeft(n int) string {
	switch {
	case n <= 0:
		return "today"
	case n == 1:
		return "in 1 day"
	}
	return fmt.Sprintf("in %d days", n)
}

// list writes a titled list of items, wrapped with a hanging indent; nothing
// when items is empty.
func (t *textRenderer) list(title string, items []string) {
	if len(items) == 0 {
		return
	}
	t.b.WriteString(title + "\n")
	for _, it := range items {
		t.para(2, 4, oneLine(it))
	}
	t.b.WriteString("\n")
}

// summary writes the final line, e.g. "11 findings: 1 critical, 3 high;
// 2 suppressed; exit threshold high", wrapped if need be; it is never
// coloured.
func (t *textRenderer) summary(r *Report) {
	s := r.Summary
	var b strings.Builder
	b.WriteString(thousandsPlural(s.Total, "finding", "findings"))
	var counts []string
	for _, sev := range Severities {
		if n := s.BySeverity[sev]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	if len(counts) > 0 {
		b.WriteString(": " + strings.Join(counts, ", "))
	}
	if s.Suppressed > 0 {
		fmt.Fprintf(&b, "; %d suppressed", s.Suppressed)
	}
	if s.NotEvaluated > 0 {
		fmt.Fprintf(&b, "; %s not evaluated", plural(s.NotEvaluated, "rule", "rules"))
	}
	if s.FailOn != "" {
		fmt.Fprintf(&b, "; exit threshold %s", s.FailOn)
		if s.Failing > 0 {
			fmt.Fprintf(&b, " (%d failing)", s.Failing)
		}
	}
	t.para(0, 2, b.String())
}

// wrap breaks s into lines of at most width terminal cells (firstWidth for
// the first line) at spaces, splitting words longer than a line. It always
// returns at least one line.
func wrap(s string, width, firstWidth int) []string {
	width, firstWidth = max(width, 2), max(firstWidth, 2)
	var lines []string
	var cur strings.Builder
	used, limit := 0, firstWidth
	flush := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		used, limit = 0, width
	}
	for _, word := range strings.Fields(s) {
		wc := cells(word)
		if used > 0 && used+1+wc > limit {
			flush()
		}
		if used > 0 {
			cur.WriteByte(' ')
			used++
		}
		if used+wc <= limit {
			cur.WriteString(word)
			used += wc
			continue
		}
		for _, r := range word { // longer than a line: split it
			c := runeCells(r)
			if used+c > limit {
				flush()
			}
			cur.WriteRune(r)
			used += c
		}
	}
	if cur.Len() > 0 || len(lines) == 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
