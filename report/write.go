package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hogaudit/hogaudit/internal/atomicfile"
)

// The formats Write renders.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatSARIF    = "sarif"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

// Formats lists the formats Write accepts, the default (text) first.
var Formats = []string{FormatText, FormatJSON, FormatSARIF, FormatMarkdown, FormatHTML}

// Defaults of the Options fields whose zero value means "the default".
const (
	// DefaultWidth is the text width used when Options.Width is zero.
	DefaultWidth = 100
	// DefaultMaxResults is how many results of a run GitHub code scanning
	// shows (it accepts 25,000 but displays 5,000).
	DefaultMaxResults = 5000
	// DefaultMaxBytes keeps Markdown under 100 KB, a tenth of GitHub's
	// 1 MiB limit for a step summary: a summary is read, not searched (the
	// JSON report holds everything), and other steps append to the file.
	DefaultMaxBytes = 100_000 - 4_000
	// DefaultTextLimit is the findings per rule the text table lists when
	// Options.Limit is zero; it is also the number of findings above which
	// the table is preceded by the counts per rule.
	DefaultTextLimit = 20
	// NoLimit as Options.Limit lists every finding in the text table.
	NoLimit = -1
)

// ErrUnknownFormat is returned (wrapped) by Write and WriteFile for a format
// not in Formats.
var ErrUnknownFormat = errors.New("unknown report format")

// Options tunes the formats. The zero value is ready to use: no colour, the
// default width and limits, no SARIF category.
type Options struct {
	// Color turns on ANSI colours in the text format. The CLI sets it when
	// stdout is a terminal and NO_COLOR is unset; other formats ignore it.
	Color bool
	// Width is the text format's line width when Terminal is set; values
	// below 1 mean DefaultWidth, values from 1 to TextMinWidth mean
	// TextMinWidth. Other formats ignore it.
	Width int
	// Terminal says the text format goes to a terminal Width cells wide:
	// lines are fitted to it, messages and lists wrapped, and a subject or
	// project too long for its column cut with "…". Without it (a file, a
	// pipe) nothing is cut or wrapped: the header, each finding and each
	// list item take one line whatever their length, so that grep finds a
	// whole record and a pager wraps or chops (less -S) as its reader
	// chooses. Other formats ignore it.
	Terminal bool
	// Limit is the number of findings per rule the text format's table
	// lists: 0 means DefaultTextLimit, NoLimit (any negative value) all of
	// them. A rule with more says how many more there are, and the counts
	// per rule, always complete, come first. Other formats ignore it.
	Limit int
	// Category becomes the SARIF run's automationDetails.id (the
	// runAutomationDetails object), with a trailing "/" added as the upload
	// action does for its category input, so both spellings name the same
	// category; "" leaves the id out so that the upload action's category
	// applies.
	Category string
	// MaxResults caps the SARIF results: 0 means DefaultMaxResults,
	// NoMaxResults (any negative value) no cap. The results are shared
	// fairly among the rules and aggregated where a rule exceeds its
	// share (sarif_cap.go); a notification says what was left out.
	MaxResults int
	// MaxBytes caps the size of the Markdown report; values below 1 mean
	// DefaultMaxBytes. Findings are cut first, with a note saying how many
	// were left out.
	MaxBytes int
	// MaxPerRule is the number of findings per rule the Markdown report
	// lists; values below 1 mean DefaultMaxPerRule. The counts per rule
	// are always complete.
	MaxPerRule int
	// Links, when complete, link the Markdown's findings to their matrix
	// lines on GitHub.
	Links LineLinks
}

func (o Options) width() int {
	if o.Width < 1 {
		return DefaultWidth
	}
	return o.Width
}

// limit is the text table's findings per rule, -1 for all.
func (o Options) limit() int {
	switch {
	case o.Limit == 0:
		return DefaultTextLimit
	case o.Limit < 0:
		return NoLimit
	}
	return o.Limit
}

// maxResults is the SARIF result cap, -1 for none.
func (o Options) maxResults() int {
	switch {
	case o.MaxResults == 0:
		return DefaultMaxResults
	case o.MaxResults < 0:
		return NoMaxResults
	}
	return o.MaxResults
}

func (o Options) maxPerRule() int {
	if o.MaxPerRule < 1 {
		return DefaultMaxPerRule
	}
	return o.MaxPerRule
}

func (o Options) maxBytes() int {
	if o.MaxBytes < 1 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

// Write renders r in format (one of Formats) to w. It never modifies r. The
// output depends only on r, format and opts, so the same input always gives
// the same bytes. An error names the format; nothing is guaranteed about
// what reached w before it.
func Write(w io.Writer, r *Report, format string, opts Options) error {
	if r == nil {
		return errors.New("write report: nil report")
	}
	var err error
	switch format {
	case FormatText:
		err = writeText(w, r, opts)
	case FormatJSON:
		err = writeJSON(w, r)
	case FormatSARIF:
		err = writeSARIF(w, r, opts)
	case FormatMarkdown:
		err = writeMarkdown(w, r, opts)
	case FormatHTML:
		err = writeHTML(w, r)
	default:
		return fmt.Errorf("write report: %w %q (want %s)", ErrUnknownFormat, format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("write %s report: %w", format, err)
	}
	return nil
}

// FileMode is the permission of written report files: reports name the
// organization's members and their access, so only the owner may read them.
const FileMode = 0o600

// WriteFile writes r in format to path atomically: readers see the old file
// or the whole new report, never part of one. The file gets mode FileMode,
// also when it replaces a file others could read; a device or pipe is
// written in place, its mode untouched. An unknown format is reported
// before the file system is touched.
func WriteFile(path string, r *Report, format string, opts Options) error {
	if !validFormat(format) {
		return fmt.Errorf("write report: %w %q (want %s)", ErrUnknownFormat, format, strings.Join(Formats, ", "))
	}
	return atomicfile.Write(path, FileMode, func(w io.Writer) error {
		return Write(w, r, format, opts)
	})
}

func validFormat(format string) bool { return slices.Contains(Formats, format) }

// ruleIndex maps rule ids to the catalog entries of r.
func ruleIndex(r *Report) map[string]Rule {
	m := make(map[string]Rule, len(r.Rules))
	for _, rule := range r.Rules {
		if _, dup := m[rule.ID]; !dup {
			m[rule.ID] = rule
		}
	}
	return m
}

// orgLabel names the organization for humans: its name, else its id.
func orgLabel(o Org) string {
	switch {
	case o.Name != "":
		return o.Name
	case o.ID != "":
		return o.ID
	}
	return "unknown organization"
}

// timeLabel formats collection and generation times for humans, in UTC.
const timeLabel = "2006-01-02 15:04 UTC"

// plural returns "1 finding" or "2 findings".
func plural(n int, one, many string) string {
	return strconv.Itoa(n) + " " + plural1(n, one, many)
}

// keyCoverageLabel says how many of the keys the matrix declares were
// audited: "2 of 3 declared keys audited".
func keyCoverageLabel(k KeyCoverage) string {
	return fmt.Sprintf("%d of %s audited", k.Audited, plural(k.Declared, "declared key", "declared keys"))
}

// plain is the formatter of plain-text output: the identity.
func plain(s string) string { return s }

// sectionLabel names a missing section, with its project when it has one;
// code formats the section name.
func sectionLabel(m Missing, code func(string) string) string {
	if m.Key != "" {
		return fmt.Sprintf("%s (key %s)", code(m.Section), code(m.Key))
	}
	if m.ProjectID != nil {
		return fmt.Sprintf("%s (project %d)", code(m.Section), *m.ProjectID)
	}
	return code(m.Section)
}

// missingStatus describes the failed request of a missing section, as
// "GET <endpoint> returned HTTP <status>: <detail>"; code formats the
// endpoint and text the server's detail (or hogaudit's reason).
func missingStatus(m Missing, code, text func(string) string) string {
	var parts []string
	switch {
	case m.Endpoint != "" && m.Status > 0:
		parts = append(parts, fmt.Sprintf("GET %s returned HTTP %d", code(m.Endpoint), m.Status))
	case m.Endpoint != "":
		parts = append(parts, fmt.Sprintf("GET %s failed", code(m.Endpoint)))
	case m.Status > 0:
		parts = append(parts, fmt.Sprintf("HTTP %d", m.Status))
	}
	if why := cmp.Or(strings.TrimRight(m.Detail, ". "), m.Reason); why != "" {
		parts = append(parts, text(why))
	}
	return strings.Join(parts, ": ")
}

// missingFix says what would let a missing section be collected, or "";
// code formats the scope and feature names.
func missingFix(m Missing, code func(string) string) string {
	switch {
	case m.Key != "":
		return fmt.Sprintf("hand the key to hogaudit with %s, VAR naming the environment variable that holds it", code("--audit-key-env VAR"))
	case m.Scope != "" && m.Feature != "":
		return fmt.Sprintf("grant the scanning key the %s scope and enable the %s feature on the organization's PostHog plan", code(m.Scope), code(m.Feature))
	case m.Scope != "":
		return fmt.Sprintf("grant the scanning key the %s scope", code(m.Scope))
	case m.Feature != "":
		return fmt.Sprintf("enable the %s feature on the organization's PostHog plan", code(m.Feature))
	}
	return ""
}

// oneLine replaces line breaks and other control characters so that s
// cannot break a table row or smuggle terminal escape sequences: \r\n, \n,
// \r and \t become a space, other control characters a visible \xNN or
// \u escape. Invalid UTF-8 becomes U+FFFD.
func oneLine(s string) string {
	if !needsCleaning(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			b.WriteByte(' ')
			size = 2
		case r == '\r', r == '\n', r == '\t', r == '\u2028', r == '\u2029', r == '\u0085':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsCleaning(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' ||
			unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return true
		}
	}
	return false
}

// truncate shortens s to at most n runes, ending it with "…" when cut.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

// truncateBytes shortens s to at most n bytes on a rune boundary, ending it
// with "…" when cut.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut, tail := n-len(ellipsis), ellipsis
	if cut < 0 {
		cut, tail = max(n, 0), ""
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + tail
}

// findingMessage is f's message, or for a finding without one a stand-in
// naming its rule and subject.
func findingMessage(f Finding) string {
	if strings.TrimSpace(f.Message) != "" {
		return f.Message
	}
	name := f.Name
	if name == "" {
		name = "violation"
	}
	return fmt.Sprintf("%s %s: %s", f.Rule, name, f.Subject)
}
