package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const failureCause = "posthog rejected the scanning key: GET /api/users/@me/: 401 authentication_failed: Invalid personal API key"

func notCompletedReport() *Report {
	base := &Report{
		Tool:        Tool{Name: "hogaudit", Version: "1.2.3", InformationURI: "https://github.com/hogaudit/hogaudit"},
		Snapshot:    SnapshotInfo{Host: "https://us.posthog.com"},
		Matrix:      MatrixInfo{Path: "access-matrix.yaml", RepoPath: "access-matrix.yaml"},
		GeneratedAt: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
	}
	return NotCompleted(base, Rule{}, failureCause,
		[]string{"check POSTHOG_PERSONAL_API_KEY (or --api-key-file)"}, SeverityHigh)
}

func TestNotCompletedEveryFormatSaysSo(t *testing.T) {
	t.Parallel()
	r := notCompletedReport()
	if r.ExitCode() != ExitIncomplete {
		t.Errorf("ExitCode = %d, want %d", r.ExitCode(), ExitIncomplete)
	}
	want := "check did not complete: " + failureCause
	for _, format := range Formats {
		out := string(render(t, r, format, Options{Width: 400}))
		if !strings.Contains(out, want) && !strings.Contains(out, mdText(want)) {
			t.Errorf("%s report lacks %q:\n%s", format, want, out)
		}
		// No verdict: nothing a reader could take for a clean pass.
		for _, clean := range []string{"evidence complete", "✅", "0 findings"} {
			if strings.Contains(out, clean) {
				t.Errorf("%s report of a failed run says %q:\n%s", format, clean, out)
			}
		}
	}
	var doc struct {
		Failure  *Failure `json:"failure"`
		Snapshot struct {
			Complete bool `json:"complete"`
		} `json:"snapshot"`
		Findings []Finding `json:"findings"`
	}
	if err := json.Unmarshal(render(t, r, FormatJSON, Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Failure == nil || doc.Failure.Message != want || doc.Failure.Cause != failureCause || len(doc.Failure.Hints) != 1 {
		t.Errorf("JSON failure = %+v", doc.Failure)
	}
	if doc.Snapshot.Complete || len(doc.Findings) != 1 || doc.Findings[0].Rule != EvidenceMissingRule || doc.Findings[0].Subject != NotCompletedSubject {
		t.Errorf("JSON: complete %v, findings %+v", doc.Snapshot.Complete, doc.Findings)
	}
}

func TestNotCompletedSARIF(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "failed.sarif")
	if err := WriteFile(path, notCompletedReport(), FormatSARIF, Options{}); err != nil {
		t.Fatal(err)
	}
	sarifs.Validate(t, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Invocations []struct {
				ExecutionSuccessful        *bool `json:"executionSuccessful"`
				ToolExecutionNotifications []struct {
					Level   string `json:"level"`
					Message struct {
						Text string `json:"text"`
					} `json:"message"`
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs", len(log.Runs))
	}
	run := log.Runs[0]
	if len(run.Invocations) != 1 || run.Invocations[0].ExecutionSuccessful == nil || *run.Invocations[0].ExecutionSuccessful {
		t.Errorf("invocations %+v, want one with executionSuccessful false", run.Invocations)
	}
	if n := run.Invocations[0].ToolExecutionNotifications; len(n) != 1 || n[0].Level != "error" || !strings.Contains(n[0].Message.Text, failureCause) {
		t.Errorf("notifications %+v, want the cause", n)
	}
	if len(run.Results) != 1 || run.Results[0].RuleID != EvidenceMissingRule || run.Results[0].Level != "error" ||
		!strings.Contains(run.Results[0].Message.Text, failureCause) {
		t.Errorf("results %+v, want one PH901 error naming the cause", run.Results)
	}
	// Only PH901 is described: the run does not claim the other rules ran.
	if rules := run.Tool.Driver.Rules; len(rules) != 1 || rules[0].ID != EvidenceMissingRule {
		t.Errorf("rules %+v, want PH901 alone", rules)
	}
}

func TestNotCompletedKeepsTheCatalogsPH901(t *testing.T) {
	t.Parallel()
	rule := Rule{ID: EvidenceMissingRule, Name: "evidence-missing", Title: "From the catalog", Severity: SeverityHigh, Area: "tool"}
	r := NotCompleted(&Report{}, rule, "", nil, "none")
	if len(r.Rules) != 1 || r.Rules[0].Title != "From the catalog" {
		t.Errorf("rules %+v", r.Rules)
	}
	if r.Failure.Cause != "unknown error" || r.ExitCode() != ExitIncomplete {
		t.Errorf("failure %+v exit %d", r.Failure, r.ExitCode())
	}
	// Another rule passed as PH901 is not used.
	r = NotCompleted(&Report{}, Rule{ID: "PH204"}, "x", nil, "high")
	if r.Rules[0].ID != EvidenceMissingRule {
		t.Errorf("rules %+v", r.Rules)
	}
}
