// Package report renders the result of a check — a Report of findings,
// rules that could not be evaluated, and expiring exceptions — as SARIF 2.1.0
// for GitHub code scanning, JSON for scripts, Markdown for job summaries, or a
// table for a terminal. Report is a neutral model: no policy-engine types
// appear in it, and each format lives in a file of its own.
package report
