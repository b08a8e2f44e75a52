package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hogaudit/hogaudit/report"
)

// textLayout is how the text report on stdout is laid out: terminal is
// set when stdout is a terminal (the report is then fitted to width,
// cutting over-long cells with "…"); elsewhere nothing is cut or wrapped
// (report.Options.Terminal). width is $COLUMNS when it is a positive
// integer (anything else is ignored: an exported COLUMNS overrides what
// the terminal says, as in less and ls), else the terminal's width, else 0
// (report.DefaultWidth). Widths below report.TextMinWidth are raised to
// it by the report.
func textLayout(e *env) (width int, terminal bool) {
	width = envColumns(e)
	if width == 0 && e.stdoutTTY {
		width = e.cols
	}
	return width, e.stdoutTTY
}

// envColumns is $COLUMNS when it is a positive integer (spaces around it
// allowed), else 0: the width every text output takes from the
// environment.
func envColumns(e *env) int {
	if v, ok := lookup(e, "COLUMNS"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// checkTextLimit refuses a --limit below 1 and --limit with --all.
func (o *outputFlags) checkTextLimit() error {
	switch {
	case o.Limit != nil && o.All:
		return fail(fmt.Errorf("--limit %d and --all: choose one", *o.Limit),
			"--all lists every finding; --limit N the first N of each rule")
	case o.Limit != nil && *o.Limit < 1:
		return fail(fmt.Errorf("--limit %d: want at least 1 finding per rule", *o.Limit),
			"--all lists every finding; the counts per rule are always complete")
	}
	return nil
}

// textLimitWarnings warns when --limit or --all cannot apply: they shape
// only the text report, and the main report (stdout or -o) is in another
// format; the other formats list every finding (Markdown has its own
// --markdown-max-per-rule).
func (o *outputFlags) textLimitWarnings(g *globals, e *env) {
	if o.Format == report.FormatText || o.Limit == nil && !o.All {
		return
	}
	flag := "--all"
	if o.Limit != nil {
		flag = fmt.Sprintf("--limit %d", *o.Limit)
	}
	g.warnf(e, "%s applies only to the text report; the %s report (-f %s) is written in full", flag, o.Format, o.Format)
	switch o.Format {
	case report.FormatMarkdown:
		g.hintf(e, "--markdown-max-per-rule N limits the findings the markdown report lists per rule")
	default:
		g.hintf(e, "leave %s out, or use -f text for the table with the counts per rule and the first findings of each", flag)
	}
}

// textLimit is --limit or --all as report.Options.Limit.
func (o *outputFlags) textLimit() int {
	switch {
	case o.All:
		return report.NoLimit
	case o.Limit != nil:
		return *o.Limit
	}
	return 0
}
