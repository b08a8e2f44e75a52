package sarifcheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// validLog is a small log that GitHub would ingest: one rule, one result
// with a physical location, a fingerprint, and an invocation.
const validLog = `{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
      "tool": {
        "driver": {
          "name": "hogaudit",
          "version": "1.0.0",
          "informationUri": "https://github.com/hogaudit/hogaudit",
          "rules": [
            {
              "id": "PH204",
              "name": "project-access-exceeds-matrix",
              "shortDescription": {"text": "Project access exceeds the matrix"},
              "fullDescription": {"text": "A member can reach a project at a higher level than its groups allow."},
              "help": {"text": "Lower the access.", "markdown": "Lower the **access**."},
              "defaultConfiguration": {"level": "error"},
              "properties": {"security-severity": "8.0", "tags": ["security", "access"]}
            }
          ]
        }
      },
      "invocations": [{"executionSuccessful": true, "toolExecutionNotifications": [{"message": {"text": "No level: warning by default."}}]}],
      "results": [
        {
          "ruleId": "PH204",
          "ruleIndex": 0,
          "level": "error",
          "message": {"text": "bob@acme.io has admin access to web; the matrix allows viewer."},
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": {"uri": "access-matrix.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 12}
              }
            }
          ],
          "partialFingerprints": {"primaryLocationLineHash": "0123456789abcdef:1"},
          "properties": {"subject": "member:bob@acme.io", "anything": {"goes": ["here"]}}
        }
      ]
    }
  ]
}
`

func writeLog(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log.sarif")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSchema(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new string // replace old with new in validLog
		want     string // "" = valid; else a substring of a problem
	}{
		{"valid", "", "", ""},
		{"bad result level", `"level": "error",`, `"level": "fatal",`, "level"},
		{"bad default level", `"defaultConfiguration": {"level": "error"}`, `"defaultConfiguration": {"level": "severe"}`, "level"},
		{"unknown property", `"ruleIndex": 0,`, `"ruleIndex": 0, "severity": "high",`, `unknown field "severity"`},
		{"wrong type", `"startLine": 12`, `"startLine": "12"`, "startLine"},
		{"start line 0", `"startLine": 12`, `"startLine": 0`, "startLine"},
		{"wrong version", `"version": "2.1.0"`, `"version": "2.0.0"`, "version"},
		{"missing version", `"version": "2.1.0",`, ``, "version"},
		{"not json", `{`, `[`, "not a SARIF 2.1.0 log"},
		{"trailing data", "", "{}", "data after"},
		{"empty newlineSequences", `"tool": {`, `"newlineSequences": [], "tool": {`, "newlineSequences"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := validLog
			if tt.old == "" {
				content += tt.new
			} else {
				if !strings.Contains(content, tt.old) {
					t.Fatalf("%q not in the log", tt.old)
				}
				content = strings.Replace(content, tt.old, tt.new, 1)
			}
			problems, err := Schema(writeLog(t, content))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(problems) > 0 {
					t.Errorf("valid log: %v", problems)
				}
				return
			}
			var all []string
			for _, p := range problems {
				if p.Level != LevelError || p.Check != "schema" {
					t.Errorf("problem %v: want a schema error", p)
				}
				all = append(all, p.Message)
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Errorf("problems %q do not mention %q", all, tt.want)
			}
		})
	}
	if _, err := Schema(filepath.Join(t.TempDir(), "missing.sarif")); err == nil {
		t.Error("Schema of a missing file: no error")
	}
}

// multitoolOutput is the shape of the multitool's validation log: messages
// by id and arguments, levels on the result or the rule.
const multitoolOutput = `{
  "version": "2.1.0",
  "runs": [{
    "tool": {"driver": {"name": "SARIF Multitool", "rules": [
      {"id": "GH1011", "name": "GhasReferenceFinalSchema", "defaultConfiguration": {"level": "error"},
       "messageStrings": {"Error_Default": {"text": "{0}: The '$schema' property value '{2}' is not final."}}},
      {"id": "SARIF2017", "name": "SARIFProvideRequiredRegionProperties",
       "messageStrings": {"Warning_MissingRegion": {"text": "{0}: The 'region' property is absent."}}}
    ]}},
    "invocations": [{"executionSuccessful": true,
      "toolExecutionNotifications": [{"level": "error", "message": {"text": "Could not parse the file."}},
                                     {"level": "note", "message": {"text": "Just so you know."}}],
      "toolConfigurationNotifications": [{"message": {"text": "1 file(s) were skipped."}, "descriptor": {"id": "WRN997.Skipped"}}]}],
    "results": [
      {"ruleId": "GH1011", "ruleIndex": 0, "message": {"id": "Error_Default", "arguments": ["$schema", "GitHub", "https://x"]},
       "locations": [{"physicalLocation": {"region": {"startLine": 2}}}]},
      {"ruleId": "SARIF2017", "message": {"id": "Warning_MissingRegion", "arguments": ["runs[0].results[0]"]}},
      {"ruleId": "SARIF2017", "kind": "pass", "message": {"text": "fine"}},
      {"ruleId": "JSON0001", "level": "error", "message": {"id": "default", "arguments": ["runs[0]", "Unexpected end"]}}
    ]
  }]
}`

func TestParseMultitool(t *testing.T) {
	t.Parallel()
	problems, err := parseMultitool([]byte(multitoolOutput))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		"multitool error GH1011/GhasReferenceFinalSchema (line 2): $schema: The '$schema' property value 'https://x' is not final.",
		"multitool warning SARIF2017/SARIFProvideRequiredRegionProperties: runs[0].results[0]: The 'region' property is absent.",
		"multitool error JSON0001: default runs[0]; Unexpected end",
		"multitool error: multitool notification: Could not parse the file.",
		"multitool warning WRN997.Skipped: multitool notification: 1 file(s) were skipped.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := Count(problems); n[LevelError] != 3 || n[LevelWarning] != 2 {
		t.Errorf("Count = %v", n)
	}
	if _, err := parseMultitool([]byte("not json")); err == nil {
		t.Error("parseMultitool(not json): no error")
	}
}

// TestFindMultitool is not parallel: it sets $HOGAUDIT_SARIF_MULTITOOL,
// which the parallel tests read.
func TestFindMultitool(t *testing.T) {
	t.Setenv(EnvMultitool, "")
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := FindMultitool(sub); !errors.Is(err, ErrNoMultitool) {
		t.Errorf("without node_modules: %v, want ErrNoMultitool", err)
	}

	bin := filepath.Join(root, MultitoolPath())
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := FindMultitool(sub); err != nil || got != bin {
		t.Errorf("FindMultitool(%s) = %q, %v; want %q", sub, got, err, bin)
	}

	// The environment wins, and must name a file that exists.
	other := filepath.Join(t.TempDir(), "Sarif.Multitool")
	if err := os.WriteFile(other, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvMultitool, other)
	if got, err := FindMultitool(sub); err != nil || got != other {
		t.Errorf("with %s: %q, %v", EnvMultitool, got, err)
	}
	t.Setenv(EnvMultitool, other+".missing")
	if _, err := FindMultitool(sub); err == nil || errors.Is(err, ErrNoMultitool) {
		t.Errorf("with a missing %s: %v, want another error", EnvMultitool, err)
	}

	// No go.mod anywhere above.
	t.Setenv(EnvMultitool, "")
	if runtime.GOOS != "windows" {
		if _, err := FindMultitool("/"); !errors.Is(err, ErrNoMultitool) {
			t.Errorf("from /: %v, want ErrNoMultitool", err)
		}
	}
}

// fakeTB records what Validate does to a test. Fatal and Skip end the
// goroutine, as the real ones do.
type fakeTB struct {
	testing.TB
	mu      sync.Mutex
	errors  []string
	fatal   string
	skipped string
}

func (f *fakeTB) Helper()             {}
func (f *fakeTB) Logf(string, ...any) {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatal(args ...any) {
	f.mu.Lock()
	f.fatal = fmt.Sprint(args...)
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Skip(args ...any) {
	f.mu.Lock()
	f.skipped = fmt.Sprint(args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// runValidate calls Validate with a fakeTB in its own goroutine.
func runValidate(t *testing.T, path string) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Validate(f, path)
	}()
	<-done
	return f
}

// TestValidateWithoutMultitool: no multitool means skip, or fail in CI; the
// schema check runs either way. Not parallel: it sets $CI,
// $HOGAUDIT_SARIF_MULTITOOL and the working directory, which the parallel
// tests read.
func TestValidateWithoutMultitool(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := writeLog(t, validLog)
	bad := writeLog(t, strings.Replace(validLog, `"level": "error",`, `"level": "fatal",`, 1))
	t.Chdir(root)
	t.Setenv(EnvMultitool, "")

	for _, ci := range []string{"", "false", "FALSE"} {
		t.Setenv("CI", ci)
		f := runValidate(t, good)
		if !strings.Contains(f.skipped, "make tools") || f.fatal != "" || len(f.errors) > 0 {
			t.Errorf("CI=%q: skipped %q, fatal %q, errors %q; want a skip naming make tools", ci, f.skipped, f.fatal, f.errors)
		}
	}
	for _, ci := range []string{"true", "1", "yes"} {
		t.Setenv("CI", ci)
		f := runValidate(t, good)
		if !strings.Contains(f.fatal, "make tools") || f.skipped != "" {
			t.Errorf("CI=%q: fatal %q, skipped %q; want a failure", ci, f.fatal, f.skipped)
		}
	}

	t.Setenv("CI", "")
	f := runValidate(t, bad)
	if len(f.errors) == 0 || !strings.Contains(f.errors[0], "schema error") {
		t.Errorf("bad log: errors %q, want a schema error before the skip", f.errors)
	}

	// A configured but missing multitool is an error, CI or not.
	t.Setenv(EnvMultitool, filepath.Join(root, "nope"))
	if f := runValidate(t, good); f.fatal == "" {
		t.Error("missing $HOGAUDIT_SARIF_MULTITOOL did not fail")
	}
}

// multitool returns the installed multitool, or skips (fails in CI).
func multitool(t *testing.T) string {
	t.Helper()
	wd, _ := os.Getwd()
	bin, err := FindMultitool(wd)
	if err != nil {
		if inCI() || !errors.Is(err, ErrNoMultitool) {
			t.Fatal(err)
		}
		t.Skipf("%v; run `make tools`", err)
	}
	return bin
}

func TestMultitool(t *testing.T) {
	t.Parallel()
	bin := multitool(t)

	problems, err := Multitool(t.Context(), bin, writeLog(t, validLog))
	if err != nil {
		t.Fatal(err)
	}
	if n := Count(problems); n[LevelError] != 0 || n[LevelWarning] != 0 {
		t.Errorf("valid log: %v", problems)
	}

	// GitHub's rules: a $schema that is not the final one and a result
	// without a region.
	bad := strings.Replace(validLog, "json.schemastore.org/sarif-2.1.0.json", "example.com/old-sarif.json", 1)
	bad = strings.Replace(bad, `,
                "region": {"startLine": 12}`, "", 1)
	problems, err = Multitool(t.Context(), bin, writeLog(t, bad))
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, p := range problems {
		rules = append(rules, p.Level+" "+p.Rule)
	}
	joined := strings.Join(rules, "\n")
	for _, want := range []string{"error GH1011/", "error SARIF1011/", "warning SARIF2017/"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %q among %q", want, rules)
		}
	}

	// A file that is not JSON is an error too, though the multitool exits 0.
	problems, err = Multitool(t.Context(), bin, writeLog(t, `{"version": "2.1.0", "runs": [`))
	if err != nil {
		t.Fatal(err)
	}
	if Count(problems)[LevelError] == 0 {
		t.Errorf("truncated log: %v, want an error", problems)
	}

	// The multitool skips files over 10 MB and says so only in its log.
	big := strings.Replace(validLog, `"anything": {"goes": ["here"]}`, `"padding": "`+strings.Repeat("x", 11<<20)+`"`, 1)
	problems, err = Multitool(t.Context(), bin, writeLog(t, big))
	if err != nil {
		t.Fatal(err)
	}
	if Count(problems)[LevelError] == 0 {
		t.Errorf("skipped large log: %v, want an error", problems)
	}

	if _, err := Multitool(t.Context(), filepath.Join(t.TempDir(), "no-such-binary"), writeLog(t, validLog)); err == nil {
		t.Error("missing binary: no error")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	multitool(t) // skips when absent
	f := runValidate(t, writeLog(t, validLog))
	if f.fatal != "" || f.skipped != "" || len(f.errors) > 0 {
		t.Errorf("valid log: fatal %q, skipped %q, errors %q", f.fatal, f.skipped, f.errors)
	}
	bad := strings.Replace(validLog, "json.schemastore.org/sarif-2.1.0.json", "example.com/old-sarif.json", 1)
	f = runValidate(t, writeLog(t, bad))
	if len(f.errors) == 0 || !strings.Contains(strings.Join(f.errors, "\n"), "GH1011") {
		t.Errorf("old $schema: errors %q, want GH1011", f.errors)
	}
}
