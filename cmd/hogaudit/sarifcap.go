package main

import (
	"fmt"

	"github.com/hogaudit/hogaudit/report"
)

// resultCap is --max-results as report.Options.MaxResults: 0 (no cap)
// becomes report.NoMaxResults.
func (o *outputFlags) resultCap() int {
	if o.MaxResults == 0 {
		return report.NoMaxResults
	}
	return o.MaxResults
}

// noteSARIFOmissions records in rep what the SARIF result cap of opts
// leaves out of the SARIF the run writes — with --sarif-dir the area files
// (the ones uploaded, each capped on its own), else the --sarif or main
// SARIF report; nothing when no SARIF is written — so that the other
// formats can say so, and tells the user: a warning per rule on stderr and,
// in GitHub Actions (GITHUB_ACTIONS=true), a ::warning:: workflow command
// per rule, on stdout when the main report does not go there as JSON,
// SARIF or Markdown (GitHub reads workflow commands from stdout), else on
// stderr. The workflow commands are written even with --quiet: they are
// how the job's page learns of the cut.
func noteSARIFOmissions(g *globals, e *env, rep *report.Report, o *outputFlags, opts report.Options) {
	switch {
	case o.SARIFDir != "":
		// The files the action uploads are the area files, each capped
		// on its own: say what they leave out, not the single log.
		rep.SARIFOmissions = report.SplitSARIFOmissions(rep, opts)
	case o.SARIF != "" || o.Format == report.FormatSARIF:
		rep.SARIFOmissions = report.SARIFOmissions(rep, opts)
	default:
		return
	}
	if len(rep.SARIFOmissions) == 0 {
		return
	}
	limit := o.MaxResults
	for _, om := range rep.SARIFOmissions {
		g.warnf(e, "sarif: %s", lowerFirst(report.OmissionSentence(om, limit)))
	}
	g.hintf(e, "the JSON report has every finding; --max-results N raises the cap (GitHub shows 5000 results of a run and accepts at most 25000), 0 removes it")
	w := workflowCommands(e, o)
	if w == nil {
		return
	}
	for _, om := range rep.SARIFOmissions {
		fmt.Fprintf(w, "::warning title=hogaudit SARIF results capped (%s)::%s\n",
			report.WorkflowProperty(om.Rule), report.WorkflowData(report.OmissionSentence(om, limit)+" The JSON report has every finding."))
	}
}
