package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Item 5 of issue 10, end to end: the Markdown job summary is appended to
// $GITHUB_STEP_SUMMARY (and with --markdown-append to any file), keeps
// what was there byte for byte, names every rule with findings in its
// counts, links to the matrix lines on GitHub; annotations, one per rule,
// reach the runner without corrupting a machine-readable stdout.

const testSHA = "89abcdef0123456789abcdef0123456789abcdef"

// ghVars are the variables a GitHub Actions job sets, for summary.
func ghVars(summary string) map[string]string {
	return map[string]string{
		"GITHUB_STEP_SUMMARY": summary,
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_REPOSITORY":   "acme/posthog-access",
		"GITHUB_SHA":          testSHA,
	}
}

// unsuppressedRules are the rules with unsuppressed findings in r, and
// whether each has a failing one.
func unsuppressedRules(r jsonReport) map[string]bool {
	out := map[string]bool{}
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			continue
		}
		out[f.Rule] = out[f.Rule] || (!f.Advisory && (f.Severity == "critical" || f.Severity == "high"))
	}
	return out
}

func TestStepSummaryAppendsEndToEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	summary := h.path("step_summary")
	prior := "# Earlier step\n\n| a | b |\n|---|---|\n| 1 | 2 |\nno newline at the end"
	if err := os.WriteFile(summary, []byte(prior), 0o644); err != nil {
		t.Fatal(err)
	}
	res := h.runEnv(ghVars(summary), scanArgs("-q", "--markdown", summary, "--json", "scan.json")...)
	if res.code != 1 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	got := readFile(t, summary)
	if !strings.HasPrefix(got, prior) {
		t.Fatalf("the earlier content was not kept byte for byte:\n%.300q", got)
	}
	md := strings.TrimPrefix(got, prior)
	if !strings.HasPrefix(md, "## hogaudit: ") {
		t.Errorf("the report does not follow the earlier content:\n%.200s", md)
	}
	rep := decodeReport(t, []byte(readFile(t, h.path("scan.json"))))
	rules := unsuppressedRules(rep)
	if len(rules) < 3 {
		t.Fatalf("the simulated organization breaks only %d rules", len(rules))
	}
	counts := md[strings.Index(md, "### Findings by rule"):strings.Index(md, "### Findings\n")]
	for rule := range rules {
		if !regexp.MustCompile(`(?m)^\| ` + rule + " `[a-z0-9-]+` \\|").MatchString(counts) {
			t.Errorf("rule %s is not in the counts table:\n%s", rule, counts)
		}
	}
	link := "](https://github.com/acme/posthog-access/blob/" + testSHA + "/access-matrix.yaml#L"
	if n := strings.Count(md, link); n == 0 {
		t.Errorf("no links to the matrix lines in:\n%s", md)
	}
	if m := mode(t, summary); m != 0o644 {
		t.Errorf("the step summary's mode changed to %04o", m)
	}

	// A second step appends again: both reports follow the earlier content.
	// (Its findings differ: the first scan's reading of the keys counts
	// as their use in PostHog.)
	res = h.runEnv(ghVars(summary), scanArgs("-q", "--markdown", summary)...)
	if res.code != 1 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	if again := readFile(t, summary); !strings.HasPrefix(again, prior+md+"## hogaudit: ") {
		t.Errorf("the second run did not append to the first:\n%.300s", strings.TrimPrefix(again, prior+md))
	}

	// Near miss: without the repository variables, no links.
	other := h.path("plain.md")
	res = h.runEnv(map[string]string{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_SHA": testSHA},
		scanArgs("-q", "--markdown", other)...)
	if got := readFile(t, other); res.code != 1 || strings.Contains(got, "/blob/") || !strings.Contains(got, "| line ") {
		t.Errorf("exit %d; a summary without GITHUB_REPOSITORY has links or no lines:\n%.500s", res.code, got)
	}
}

func TestMarkdownAppendFlag(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	path := h.path("report.md")
	prior := "notes kept by hand\n"
	if err := os.WriteFile(path, []byte(prior), 0o600); err != nil {
		t.Fatal(err)
	}
	res := h.run(scanArgs("-q", "--markdown", path, "--markdown-append")...)
	if res.code != 1 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	got := readFile(t, path)
	if !strings.HasPrefix(got, prior+"## hogaudit: ") {
		t.Errorf("--markdown-append did not append:\n%.200s", got)
	}
	if strings.Contains(res.stderr, "can read") {
		t.Errorf("a warning for an owner-only file:\n%s", res.stderr)
	}

	// A file others can read is appended to, not tightened, with a
	// warning: the summary names people.
	shared := h.path("shared.md")
	if err := os.WriteFile(shared, []byte(prior), 0o644); err != nil {
		t.Fatal(err)
	}
	res = h.run(scanArgs("--markdown", "shared.md", "--markdown-append")...)
	if !strings.HasPrefix(readFile(t, shared), prior+"## hogaudit: ") || mode(t, shared) != 0o644 ||
		!strings.Contains(res.stderr, "hogaudit: warning: --markdown: appended to shared.md, which users other than its owner can read (mode 0644)") {
		t.Errorf("mode %04o, stderr:\n%s", mode(t, shared), res.stderr)
	}

	// Nothing to append to: the file is created, owner-only.
	fresh := h.path("fresh.md")
	res = h.run(scanArgs("-q", "--markdown", fresh, "--markdown-append")...)
	if got := readFile(t, fresh); res.code != 1 || !strings.HasPrefix(got, "## hogaudit: ") || mode(t, fresh) != 0o600 {
		t.Errorf("exit %d, mode %04o:\n%.200s", res.code, mode(t, fresh), got)
	}

	// Near miss: without the flag the file is replaced.
	res = h.run(scanArgs("-q", "--markdown", path)...)
	if got := readFile(t, path); res.code != 1 || strings.HasPrefix(got, prior) {
		t.Errorf("without --markdown-append the file was appended to:\n%.200s", got)
	}
}

func TestMarkdownMaxPerRuleFlag(t *testing.T) {
	t.Parallel()
	// Three more dormant members like grace: rules with several findings.
	h := newHarness(t, func(o *posthogsim.Org) {
		for _, m := range o.Members {
			if m.User.Email != "grace@acme.example" {
				continue
			}
			for i := range 3 {
				c := m
				c.ID = fmt.Sprintf("0190a1b2-2222-7000-8000-00000000b%03d", i)
				c.User.ID, c.User.UUID = 900+int64(i), fmt.Sprintf("0190a1b2-3333-7000-8000-00000000c%03d", i)
				c.User.DistinctID = c.User.UUID
				c.User.Email = fmt.Sprintf("grace%d@acme.example", i)
				o.Members = append(o.Members, c)
			}
			return
		}
		t.Fatal("no grace in Acme")
	})
	res := h.run(scanArgs("-q", "--markdown", "one.md", "--markdown-max-per-rule", "1")...)
	if res.code != 1 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	md := readFile(t, h.path("one.md"))
	summaries := regexp.MustCompile(`<summary>(.*)</summary>`).FindAllStringSubmatch(md, -1)
	capped := 0
	for _, s := range summaries {
		switch {
		case s[1] == "1 finding", strings.HasSuffix(s[1], "covered by matrix exceptions"):
		case regexp.MustCompile(`^1 of \d+ findings$`).MatchString(s[1]):
			capped++
		default:
			t.Errorf("a rule lists more than 1 finding: %q", s[1])
		}
	}
	if capped == 0 || !strings.Contains(md, "at most 1 per rule are listed (--markdown-max-per-rule)") {
		t.Errorf("no rule was capped at 1, or the note is missing:\n%s", md)
	}

	// Near miss: 0 is refused before any request.
	h = newHarness(t, nil)
	res = h.run(scanArgs("--markdown", "zero.md", "--markdown-max-per-rule", "0")...)
	if res.code != 2 || !strings.Contains(res.stderr, "hogaudit: --markdown-max-per-rule 0: want at least 1") {
		t.Errorf("exit %d:\n%s", res.code, res.stderr)
	}
	if n := h.sim.Stats().Requests; n != 0 {
		t.Errorf("%d requests", n)
	}
}

var annotationLine = regexp.MustCompile(`^::(error|warning) file=access-matrix\.yaml,line=(\d+),title=([A-Z]+[0-9]+) [^:]*::.+$`)

// annotationsIn returns the rules of the annotation lines of s (rule →
// command), failing on a malformed one or a rule annotated twice.
func annotationsIn(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "::") {
			continue
		}
		m := annotationLine.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("malformed annotation %q", l)
			continue
		}
		if _, dup := out[m[3]]; dup {
			t.Errorf("rule %s annotated twice", m[3])
		}
		out[m[3]] = m[1]
	}
	return out
}

func TestAnnotationsEndToEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	// JSON on stdout: the annotations go to stderr and the JSON stays
	// whole.
	rep, res := h.scanJSON()
	if res.code != 1 {
		t.Fatalf("exit %d", res.code)
	}
	rules := unsuppressedRules(rep)
	res = h.runEnv(map[string]string{"GITHUB_ACTIONS": "true"}, scanArgs("--format", "json")...)
	if again := decodeReport(t, []byte(res.stdout)); len(again.Findings) != len(rep.Findings) {
		t.Fatalf("stdout JSON changed: %d findings, want %d", len(again.Findings), len(rep.Findings))
	}
	got := annotationsIn(t, res.stderr)
	if len(got) != len(rules) {
		t.Errorf("%d annotations, want one per rule with findings (%d): %v", len(got), len(rules), got)
	}
	errs := 0
	for rule, failing := range rules {
		want := "warning"
		if failing {
			want = "error"
			errs++
		}
		if got[rule] != want {
			t.Errorf("%s: %q, want %q", rule, got[rule], want)
		}
	}
	if errs == 0 {
		t.Error("no failing rule in the simulated organization")
	}

	// The main report in a file (or the text table on stdout): the
	// annotations go to stdout, where the runner reads them.
	res = h.runEnv(map[string]string{"GITHUB_ACTIONS": "true"}, scanArgs("-q", "--format", "json", "-o", "scan.json")...)
	if got := annotationsIn(t, res.stdout); len(got) != len(rules) || strings.Contains(res.stderr, "::") {
		t.Errorf("with -o: %d annotations on stdout; stderr:\n%s", len(got), res.stderr)
	}
	res = h.runEnv(map[string]string{"GITHUB_ACTIONS": "true"}, scanArgs("-q")...)
	if got := annotationsIn(t, res.stdout); len(got) != len(rules) {
		t.Errorf("with the text table: %d annotations on stdout", len(got))
	}

	// Near miss: outside GitHub Actions (unset, or not "true"), none.
	for _, v := range []string{"", "false"} {
		res = h.runEnv(map[string]string{"GITHUB_ACTIONS": v}, scanArgs("-o", "scan.txt")...)
		if strings.Contains(res.stdout, "::") || strings.Contains(res.stderr, "::error") || strings.Contains(res.stderr, "::warning") {
			t.Errorf("GITHUB_ACTIONS=%q: annotations printed:\n%s\n%s", v, res.stdout, res.stderr)
		}
	}
}

// TestStepSummaryNeverReplaced: whatever report is written to the step
// summary, the earlier steps' content stays. Near miss: the same report to
// another file replaces it.
func TestStepSummaryNeverReplaced(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	summary := h.path("step_summary")
	prior := "earlier step\n"
	for _, f := range []string{summary, h.path("other.txt")} {
		if err := os.WriteFile(f, []byte(prior), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := h.runEnv(ghVars(summary), scanArgs("-q", "-o", "step_summary", "--format", "text", "--markdown", "other.txt")...)
	if res.code != 1 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	if got := readFile(t, summary); !strings.HasPrefix(got, prior) || len(got) == len(prior) {
		t.Errorf("the text report replaced the step summary or was not written:\n%.200s", got)
	}
	if got := readFile(t, h.path("other.txt")); strings.HasPrefix(got, prior) {
		t.Errorf("a plain file was appended to:\n%.200s", got)
	}
}
