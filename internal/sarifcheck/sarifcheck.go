// Package sarifcheck validates SARIF 2.1.0 logs for hogaudit's tests, in
// two independent ways:
//
//   - Schema: the log must decode into go-sarif's model without unknown
//     properties and then pass the OASIS SARIF 2.1.0 JSON schema that
//     go-sarif embeds, so no copy of the schema is needed at test time.
//   - Multitool: Microsoft's SARIF multitool ("Sarif.Multitool validate
//     --rule-kind Sarif;Gh"), whose Gh rules check what GitHub code scanning
//     needs to ingest a log. It is installed by `make tools` (npm, pinned in
//     package-lock.json) and found beside the module's go.mod, or at
//     $HOGAUDIT_SARIF_MULTITOOL.
//
// The multitool exits 0 even when it finds errors and misses some schema
// violations (an invalid level, an unknown property), which is why both
// checks exist. Validate combines them into a test helper; Schema and
// Multitool are usable on their own.
package sarifcheck

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// EnvMultitool names the environment variable that overrides where the
// multitool binary is.
const EnvMultitool = "HOGAUDIT_SARIF_MULTITOOL"

// ErrNoMultitool is returned (wrapped) by FindMultitool when the multitool
// is not installed.
var ErrNoMultitool = errors.New("sarif multitool not installed")

// Levels of a Problem.
const (
	LevelError   = "error"
	LevelWarning = "warning"
	LevelNote    = "note"
)

// Problem is one thing a check found in a log.
type Problem struct {
	// Check is "schema" or "multitool".
	Check string
	// Rule is the multitool rule, as "GH1001/ProvideRequiredLocationProperties";
	// "" for schema problems.
	Rule string
	// Level is error, warning or note. Schema problems are errors.
	Level string
	// Message says what is wrong, with the JSON path or line where the
	// check gives one.
	Message string
	// Line is the line of the log the problem is on, 0 when unknown.
	Line int
	// File is the log the multitool tied the problem to, as the absolute
	// path it was given; "" when it named none (its notifications, a run
	// that did not complete) and for schema problems.
	File string
}

// String formats p as "multitool error GH1001/Name (line 12): message".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Check + " " + p.Level)
	if p.Rule != "" {
		b.WriteString(" " + p.Rule)
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", p.Line)
	}
	b.WriteString(": " + p.Message)
	return b.String()
}

// Schema checks the log at path against the SARIF 2.1.0 schema. A log that
// is not JSON, or has properties SARIF does not define outside property
// bags, yields one problem and no further checks. The schema then checks
// go-sarif's model of the log, in which absent arrays are empty and the
// absent properties go-sarif would otherwise write as "" or [] (language,
// notification level, newlineSequences) have their SARIF defaults, so
// leaving optional properties out is not reported. Absent integers read as
// 0, so the schema cannot tell an absent index from a present 0; the
// multitool checks indexes. The error is for a file that cannot be read;
// problems are not errors.
func Schema(path string) ([]Problem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("schema check: %w", err)
	}
	// First pass: strict, for unknown properties and wrong types.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var strict sarif.Report
	if err := dec.Decode(&strict); err != nil {
		return []Problem{{Check: "schema", Level: LevelError, Message: "not a SARIF 2.1.0 log: " + err.Error()}}, nil
	}
	if dec.More() {
		return []Problem{{Check: "schema", Level: LevelError, Message: "not a SARIF 2.1.0 log: data after the top-level object"}}, nil
	}
	// Second pass: go-sarif's own reader, which turns absent arrays into
	// empty ones (go-sarif would encode them as null) for the schema.
	rep, err := sarif.FromBytes(data)
	if err != nil {
		return []Problem{{Check: "schema", Level: LevelError, Message: "not a SARIF 2.1.0 log: " + err.Error()}}, nil
	}
	applyDefaults(rep, &strict)
	if err := rep.Validate(); err != nil {
		var problems []Problem
		for _, msg := range splitValidation(err.Error()) {
			problems = append(problems, Problem{Check: "schema", Level: LevelError, Message: msg})
		}
		return problems, nil
	}
	return nil, nil
}

// applyDefaults sets the SARIF defaults of the properties go-sarif encodes
// even when they are absent: language, notification level, and
// newlineSequences (an array of at least one item, turned empty by
// go-sarif's reader when absent — strict tells absent from empty).
func applyDefaults(rep, strict *sarif.Report) {
	component := func(c *sarif.ToolComponent) {
		if c != nil && c.Language == "" {
			c.Language = "en-US"
		}
	}
	notifications := func(ns []*sarif.Notification) {
		for _, n := range ns {
			if n != nil && n.Level == "" {
				n.Level = sarif.LevelWarning
			}
		}
	}
	for i, run := range rep.Runs {
		if run == nil {
			continue
		}
		if run.Language == "" {
			run.Language = "en-US"
		}
		if len(run.NewlineSequences) == 0 && i < len(strict.Runs) && strict.Runs[i] != nil && strict.Runs[i].NewlineSequences == nil {
			run.NewlineSequences = []string{"\r\n", "\n"}
		}
		if run.Tool != nil {
			component(run.Tool.Driver)
			for _, ext := range run.Tool.Extensions {
				component(ext)
			}
		}
		for _, inv := range run.Invocations {
			if inv != nil {
				notifications(inv.ToolExecutionNotifications)
				notifications(inv.ToolConfigurationNotifications)
			}
		}
	}
}

// splitValidation splits go-sarif's "validation failed: [a\n b\n]" into its
// messages.
func splitValidation(s string) []string {
	s = strings.TrimPrefix(s, "validation failed: ")
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		out = []string{s}
	}
	return out
}

// MultitoolPath is where `make tools` (npm ci) puts the multitool binary
// for this operating system, relative to the module root.
func MultitoolPath() string {
	platform, exe := runtime.GOOS, "Sarif.Multitool"
	switch runtime.GOOS {
	case "windows":
		platform, exe = "win32", "Sarif.Multitool.exe"
	}
	return filepath.Join("node_modules", "@microsoft", "sarif-multitool-"+platform, exe)
}

// FindMultitool returns the multitool binary: $HOGAUDIT_SARIF_MULTITOOL when
// set (it must exist), else MultitoolPath under the first directory from
// start upward that holds a go.mod. The error wraps ErrNoMultitool when the
// binary is simply not installed.
func FindMultitool(start string) (string, error) {
	if p := os.Getenv(EnvMultitool); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s: %w", EnvMultitool, err)
		}
		return p, nil
	}
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			bin := filepath.Join(dir, MultitoolPath())
			if _, err := os.Stat(bin); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return "", fmt.Errorf("%w: no %s", ErrNoMultitool, bin)
				}
				return "", err
			}
			return bin, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no go.mod above %s", ErrNoMultitool, start)
		}
		dir = parent
	}
}

// Multitool runs `bin validate path --rule-kind Sarif;Gh` (directly, no
// shell) and returns every failure it reports, at error and warning level
// (the multitool's default filter), plus the error and warning
// notifications of its own run and an error when that run did not
// complete — which is how it reports a file it skipped (larger than its
// 10 MB default limit) or could not read. The error is for a multitool that
// could not run or whose output cannot be read.
func Multitool(ctx context.Context, bin, path string) ([]Problem, error) {
	return MultitoolSized(ctx, bin, path, 0)
}

// MultitoolSized is Multitool with the multitool's file size limit set to
// maxKB kilobytes (--max-file-size-in-kb), for logs larger than its 10 MB
// default; 0 keeps the default.
func MultitoolSized(ctx context.Context, bin, path string, maxKB int) ([]Problem, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	var extra []string
	if maxKB > 0 {
		extra = []string{"--max-file-size-in-kb", strconv.Itoa(maxKB)}
	}
	return runMultitool(ctx, bin, []string{abs}, extra...)
}

// runMultitool runs the multitool once over the logs at paths (absolute),
// with extra arguments, and returns what it reports, as Multitool
// describes. It names no log it cannot read, so the caller checks that
// they exist.
func runMultitool(ctx context.Context, bin string, paths []string, extra ...string) ([]Problem, error) {
	tmp, err := os.MkdirTemp("", "sarifcheck-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "validation.sarif")

	args := append([]string{"validate"}, paths...)
	args = append(args, "--rule-kind", "Sarif;Gh", "-o", out, "--log", "ForceOverwrite", "--quiet", "true")
	args = append(args, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	runErr := cmd.Run()
	data, err := os.ReadFile(out)
	if err != nil {
		// No log: the multitool did not run, or failed before writing it.
		if runErr != nil {
			err = runErr
		}
		return nil, fmt.Errorf("run %s: %w\n%s", bin, err, bytes.TrimSpace(output.Bytes()))
	}
	problems, err := parseMultitool(data)
	if err != nil {
		return nil, err
	}
	if runErr != nil {
		// It exits 0 even for invalid logs, but not when it cannot analyse
		// the file at all; its log says why.
		problems = append(problems, Problem{Check: "multitool", Level: LevelError,
			Message: fmt.Sprintf("the multitool failed (%v): %s", runErr, bytes.TrimSpace(output.Bytes()))})
	}
	return problems, nil
}

// multitoolLog is the part of the multitool's own SARIF output that
// parseMultitool reads.
type multitoolLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []multitoolRule `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful            *bool                   `json:"executionSuccessful"`
			ToolExecutionNotifications     []multitoolNotification `json:"toolExecutionNotifications"`
			ToolConfigurationNotifications []multitoolNotification `json:"toolConfigurationNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string              `json:"ruleId"`
			RuleIndex *int                `json:"ruleIndex"`
			Kind      string              `json:"kind"`
			Level     string              `json:"level"`
			Message   multitoolMessage    `json:"message"`
			Locations []multitoolLocation `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

type multitoolLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine int `json:"startLine"`
		} `json:"region"`
	} `json:"physicalLocation"`
}

// file returns the local path the location's URI names: a file: URI or a
// plain path, as the multitool writes either; "" for none.
func (l multitoolLocation) file() string {
	uri := l.PhysicalLocation.ArtifactLocation.URI
	if rest, ok := strings.CutPrefix(uri, "file://"); ok {
		if u, err := url.Parse(uri); err == nil && u.Path != "" {
			return filepath.FromSlash(u.Path)
		}
		return filepath.FromSlash(rest)
	}
	return filepath.FromSlash(uri)
}

type multitoolRule struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	MessageStrings map[string]struct {
		Text string `json:"text"`
	} `json:"messageStrings"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type multitoolMessage struct {
	Text      string   `json:"text"`
	ID        string   `json:"id"`
	Arguments []string `json:"arguments"`
}

type multitoolNotification struct {
	Level      string              `json:"level"`
	Message    multitoolMessage    `json:"message"`
	Locations  []multitoolLocation `json:"locations"`
	Descriptor struct {
		ID string `json:"id"`
	} `json:"descriptor"`
}

// parseMultitool turns the multitool's output log into problems. A result's
// level defaults to its rule's default level, then to warning; its message
// is the rule's message string for message.id with the arguments filled in.
func parseMultitool(data []byte) ([]Problem, error) {
	var log multitoolLog
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, fmt.Errorf("parse multitool output: %w", err)
	}
	var problems []Problem
	for _, run := range log.Runs {
		rules := run.Tool.Driver.Rules
		for _, res := range run.Results {
			if res.Kind != "" && res.Kind != "fail" {
				continue
			}
			p := Problem{Check: "multitool", Rule: res.RuleID, Level: res.Level}
			msg := res.Message.Text
			var ruleAt int
			if res.RuleIndex != nil && *res.RuleIndex >= 0 && *res.RuleIndex < len(rules) {
				ruleAt = *res.RuleIndex
			} else {
				ruleAt = slices.IndexFunc(rules, func(r multitoolRule) bool { return r.ID == res.RuleID })
			}
			if ruleAt >= 0 {
				rule := rules[ruleAt]
				if rule.Name != "" {
					p.Rule += "/" + rule.Name
				}
				if p.Level == "" {
					p.Level = rule.DefaultConfiguration.Level
				}
				if msg == "" {
					msg = rule.MessageStrings[res.Message.ID].Text
				}
			}
			if p.Level == "" {
				p.Level = LevelWarning
			}
			p.Message = fillArguments(msg, res.Message)
			if len(res.Locations) > 0 {
				p.Line = res.Locations[0].PhysicalLocation.Region.StartLine
				p.File = res.Locations[0].file()
			}
			problems = append(problems, p)
		}
		for _, inv := range run.Invocations {
			for _, n := range append(inv.ToolExecutionNotifications, inv.ToolConfigurationNotifications...) {
				level := cmp.Or(n.Level, LevelWarning) // SARIF's default
				if level == LevelError || level == LevelWarning {
					p := Problem{Check: "multitool", Rule: n.Descriptor.ID, Level: level,
						Message: "multitool notification: " + fillArguments(n.Message.Text, n.Message)}
					if len(n.Locations) > 0 {
						p.File = n.Locations[0].file()
					}
					problems = append(problems, p)
				}
			}
			if inv.ExecutionSuccessful != nil && !*inv.ExecutionSuccessful {
				problems = append(problems, Problem{Check: "multitool", Level: LevelError, Message: "the multitool's run did not complete"})
			}
		}
	}
	return problems, nil
}

// fillArguments replaces {0}, {1}, … in text with m's arguments; with no
// text, it lists the message id and arguments.
func fillArguments(text string, m multitoolMessage) string {
	if text == "" {
		return strings.TrimSpace(m.ID + " " + strings.Join(m.Arguments, "; "))
	}
	for i, a := range m.Arguments {
		text = strings.ReplaceAll(text, "{"+strconv.Itoa(i)+"}", a)
	}
	return strings.TrimSpace(text)
}

// Count returns how many problems have each level.
func Count(problems []Problem) map[string]int {
	n := map[string]int{LevelError: 0, LevelWarning: 0, LevelNote: 0}
	for _, p := range problems {
		n[p.Level]++
	}
	return n
}

// inCI reports whether $CI asks for strictness: set to anything but "" or
// "false".
func inCI() bool {
	v := strings.TrimSpace(os.Getenv("CI"))
	return v != "" && !strings.EqualFold(v, "false")
}

// Validate checks the SARIF log at path with Schema and Multitool, failing
// t with every error-level problem (check, rule id, message) and logging
// the warnings; it returns all problems. When the multitool is not
// installed it skips t with a hint to run `make tools` — after the schema
// check, whose failures still count — unless $CI is set (to anything but
// "false"), where a missing validator fails the test instead.
func Validate(t testing.TB, path string) []Problem {
	t.Helper()
	problems := checkSchema(t, path)
	bin := requireMultitool(t)
	mt, err := Multitool(t.Context(), bin, path)
	if err != nil {
		t.Fatal(err)
	}
	reportProblems(t, path, mt)
	return append(problems, mt...)
}

// checkSchema runs Schema on the log at path, failing t with every
// error-level problem and logging the warnings, and returns the problems.
func checkSchema(t testing.TB, path string) []Problem {
	t.Helper()
	problems, err := Schema(path)
	if err != nil {
		t.Fatal(err)
	}
	reportProblems(t, path, problems)
	return problems
}

// reportProblems fails t with ps's error-level problems and logs the
// warnings, each prefixed with path.
func reportProblems(t testing.TB, path string, ps []Problem) {
	t.Helper()
	for _, p := range ps {
		switch p.Level {
		case LevelError:
			t.Errorf("%s: %s", path, p)
		case LevelWarning:
			t.Logf("%s: %s", path, p)
		}
	}
}

// requireMultitool returns the multitool binary, or skips t with a hint to
// run `make tools` when it is not installed — failing t instead under $CI,
// or when it is there but unusable.
func requireMultitool(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := FindMultitool(wd)
	if err != nil {
		msg := fmt.Sprintf("SARIF multitool unavailable (%v); run `make tools` to install it", err)
		if inCI() || !errors.Is(err, ErrNoMultitool) {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}
