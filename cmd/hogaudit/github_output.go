package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hogaudit/hogaudit/report"
)

// --github-output FILE: the step outputs of GitHub Actions. After the run —
// a finished check or one that failed, was interrupted or could not start
// its work — hogaudit appends key=value lines to FILE (the action passes
// "$GITHUB_OUTPUT"), so that the action reads its outputs without parsing a
// report. The keys:
//
//	exit-code        the process's exit code (0, 1, 2 or 130)
//	findings         unsuppressed findings, advisory ones included
//	critical … low   unsuppressed findings per severity
//	checked          true when the check ran to its report (evidence
//	                 complete or not); false for a run that failed (a bad
//	                 matrix, a rejected key, an unreachable host …) or was
//	                 interrupted
//	complete         true only for a finished check on complete evidence
//	org-id           the organization checked ("" when not known)
//	sarif-file       absolute path of the --sarif report, "" when not written
//	json-file        absolute path of the --json report, "" when not written
//	markdown-file    absolute path of the --markdown report, "" when not written
//	sarif-dir        absolute path of the --sarif-dir directory, "" without one
//	sarif-<area>-file, sarif-<area>-category
//	                 for each area file manifest.json lists as written
//	incomplete-areas the areas the manifest lists as not written, comma-separated
//
// The file is opened for appending and never truncated: the other steps of
// the job write to it too. A value holding a line break is written in the
// heredoc form GitHub reads (key<<DELIMITER), with a random delimiter that
// the value does not contain.

// githubOutput is the --github-output file of a run.
type githubOutput struct {
	path string
	// ok is set once path passed the check.
	ok bool
}

// planGitHubOutput checks that o's --github-output file (nil without one)
// can be appended to, creating it (0600) when it does not exist, as
// GitHub's runner does.
func planGitHubOutput(e *env, o *outputFlags) (*githubOutput, error) {
	if o == nil || o.GitHubOutput == "" {
		return nil, nil
	}
	g := &githubOutput{path: o.GitHubOutput}
	f, err := os.OpenFile(e.path(g.path), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return g, fmt.Errorf("--github-output: %s is not writable: %w", g.path, unwrapPath(err))
	}
	if err := f.Close(); err != nil {
		return g, fmt.Errorf("--github-output: %w", e.asGiven(err, g.path))
	}
	g.ok = true
	return g, nil
}

// write appends the outputs of a run that ended with err, rep being the
// report its files hold (nil when it wrote none), to g's file. A failure to
// write is printed, not returned: the run's exit code stays the one the
// outputs would have stated.
func (g *githubOutput) write(ctx context.Context, e *env, p *outputPlan, rep *report.Report, err error) {
	if g == nil || !g.ok {
		return
	}
	data := e.secrets.Bytes([]byte(g.render(e, p, rep, exitCodeOf(ctx, err))))
	f, oerr := os.OpenFile(e.path(g.path), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if oerr != nil {
		printErr(e, fmt.Errorf("--github-output: %w", e.asGiven(oerr, g.path)))
		return
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		printErr(e, fmt.Errorf("--github-output: %w", e.asGiven(werr, g.path)))
	}
}

// render returns the output lines of a run that exits with code.
func (g *githubOutput) render(e *env, p *outputPlan, rep *report.Report, code int) string {
	var b strings.Builder
	set := func(k, v string) { writeOutput(&b, k, v) }
	set("exit-code", strconv.Itoa(code))
	var total int
	bySev := map[string]int{}
	complete, checked, orgID := false, false, ""
	if rep != nil {
		checked = rep.Failure == nil && code != exitInterrupted
		total, bySev = rep.Summary.Total, rep.Summary.BySeverity
		complete = rep.Failure == nil && code != exitInterrupted && rep.ExitCode() != report.ExitIncomplete
		orgID = rep.Snapshot.Org.ID
	}
	set("findings", strconv.Itoa(total))
	for _, sev := range report.Severities {
		set(sev, strconv.Itoa(bySev[sev]))
	}
	set("checked", strconv.FormatBool(checked))
	set("complete", strconv.FormatBool(complete))
	set("org-id", orgID)
	for _, x := range []struct{ key, flag string }{{"sarif-file", "--sarif"}, {"json-file", "--json"}, {"markdown-file", "--markdown"}} {
		v := ""
		if t := p.target(x.flag); t != nil && t.written {
			v = absPath(e, t.path)
		}
		set(x.key, v)
	}
	// The --sarif-dir target (a directory) is the plan's like every
	// output; its manifest says which area files the run wrote.
	dir := ""
	if t := p.target("--sarif-dir"); t != nil && t.written {
		dir = absPath(e, t.path)
	}
	set("sarif-dir", dir)
	if dir != "" {
		written, incomplete := readManifest(dir)
		for _, a := range written {
			set("sarif-"+a.Area+"-file", filepath.Join(dir, *a.File))
			set("sarif-"+a.Area+"-category", a.Category)
		}
		set("incomplete-areas", strings.Join(incomplete, ","))
	}
	return b.String()
}

// manifestArea is the part of an area of --sarif-dir's manifest.json the
// outputs state.
type manifestArea struct {
	Area     string  `json:"area"`
	Category string  `json:"category"`
	File     *string `json:"file"`
}

// readManifest returns the areas dir/manifest.json lists with a file, and
// the names of those it lists without one. A manifest that is missing or
// does not parse yields no written area: nothing is uploaded, so no alert
// closes.
func readManifest(dir string) (written []manifestArea, incomplete []string) {
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, nil
	}
	var m struct {
		Areas []manifestArea `json:"areas"`
	}
	if json.Unmarshal(data, &m) != nil {
		return nil, nil
	}
	for _, a := range m.Areas {
		if !validArea(a.Area) {
			continue
		}
		if a.File == nil || *a.File == "" || *a.File != filepath.Base(*a.File) {
			incomplete = append(incomplete, a.Area)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, *a.File)); errors.Is(err, fs.ErrNotExist) {
			incomplete = append(incomplete, a.Area)
			continue
		}
		written = append(written, a)
	}
	return written, incomplete
}

// validArea reports whether name can be part of an output key: lower-case
// letters, digits and dashes.
func validArea(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// absPath is path, as given in e's working directory, made absolute.
func absPath(e *env, path string) string {
	if abs, err := filepath.Abs(e.path(path)); err == nil {
		return abs
	}
	return e.path(path)
}

// writeOutput writes one output in the form GitHub's runner reads: key=value,
// or, when value holds a line break, key<<DELIMITER, the value and the
// delimiter on lines of their own.
func writeOutput(b *strings.Builder, key, value string) {
	if !strings.ContainsAny(value, "\r\n") {
		fmt.Fprintf(b, "%s=%s\n", key, value)
		return
	}
	delim := outputDelimiter(value)
	fmt.Fprintf(b, "%s<<%s\n%s\n%s\n", key, delim, value, delim)
}

// outputDelimiter returns a heredoc delimiter that value does not contain.
func outputDelimiter(value string) string {
	for {
		var r [12]byte
		_, _ = rand.Read(r[:])
		d := "ghadelimiter_" + hex.EncodeToString(r[:])
		if !strings.Contains(value, d) {
			return d
		}
	}
}
