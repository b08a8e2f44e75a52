package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestJSONRoundTrip decodes the JSON back into a Report: everything but the
// fields docs/cli.md keeps out of JSON (the catalog, the matrix lines) survives.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			out := render(t, fx.r(), FormatJSON, Options{})
			if !bytes.HasSuffix(out, []byte("}\n")) {
				t.Error("output does not end with a newline")
			}
			if !strings.HasPrefix(string(out), "{\n  \"tool\": {") {
				t.Errorf("output is not indented JSON starting with tool: %.40q", out)
			}
			dec := json.NewDecoder(bytes.NewReader(out))
			dec.DisallowUnknownFields()
			var doc struct {
				Report
				Controls []ControlStatus `json:"controls"`
			}
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("decode: %v", err)
			}
			got := doc.Report
			if diff := cmp.Diff(Controls(fx.r()), doc.Controls, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("controls (-want +got):\n%s", diff)
			}
			want := fx.r()
			want.AssignIDs()
			want.Rules = nil
			want.Matrix.TopLine, want.Matrix.GroupsLine, want.Matrix.OrganizationLine = 0, 0, 0
			want.Matrix.Root = "" // not in the JSON: only SARIF names it
			for i, f := range want.Findings {
				// Evidence numbers come back as float64.
				var ev map[string]any
				b, _ := json.Marshal(f.Evidence)
				_ = json.Unmarshal(b, &ev)
				want.Findings[i].Evidence = ev
			}
			if diff := cmp.Diff(want, &got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// TestJSONShape checks docs/cli.md's shape on the clean report, whose lists are
// all empty or nil: they must be arrays, never null.
func TestJSONShape(t *testing.T) {
	t.Parallel()
	r := cleanReport()
	r.Snapshot.Missing = nil
	r.NotEvaluated = []NotEvaluated{{Rule: "PH401"}} // nil sections and scopes
	r.Summary.BySeverity = map[string]int{SeverityHigh: 0}
	out := render(t, r, FormatJSON, Options{})
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"tool", "snapshot", "summary", "findings", "not_evaluated", "exceptions_expiring", "generated_at"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("no %q in %s", key, out)
		}
	}
	isArray := func(v any, what string) {
		if _, ok := v.([]any); !ok {
			t.Errorf("%s = %#v, want an array", what, v)
		}
	}
	isArray(doc["findings"], "findings")
	isArray(doc["not_evaluated"], "not_evaluated")
	isArray(doc["exceptions_expiring"], "exceptions_expiring")
	snap := doc["snapshot"].(map[string]any)
	isArray(snap["missing"], "snapshot.missing")
	for _, key := range []string{"org", "host", "collected_at", "complete"} {
		if _, ok := snap[key]; !ok {
			t.Errorf("no snapshot.%s", key)
		}
	}
	ne := doc["not_evaluated"].([]any)[0].(map[string]any)
	isArray(ne["sections"], "not_evaluated[0].sections")
	isArray(ne["scopes"], "not_evaluated[0].scopes")
	by := doc["summary"].(map[string]any)["by_severity"].(map[string]any)
	for _, s := range Severities {
		if _, ok := by[s]; !ok {
			t.Errorf("summary.by_severity has no %s", s)
		}
	}
}

// TestJSONFindings checks the finding fields of docs/cli.md, suppressed ones
// included.
func TestJSONFindings(t *testing.T) {
	t.Parallel()
	out := render(t, fullReport(), FormatJSON, Options{})
	var doc struct {
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := len(doc.Findings), len(fullReport().Findings); got != want {
		t.Fatalf("%d findings, want %d (suppressed ones included)", got, want)
	}
	suppressed := 0
	for _, f := range doc.Findings {
		for _, key := range []string{"rule", "name", "severity", "message", "subject", "evidence", "remediation"} {
			if _, ok := f[key]; !ok {
				t.Errorf("finding %v has no %q", f["subject"], key)
			}
		}
		if s, ok := f["suppressed"].(map[string]any); ok {
			suppressed++
			if s["reason"] == "" || s["expires"] == "" {
				t.Errorf("suppressed finding %v without reason or expiry", f["subject"])
			}
		}
	}
	if suppressed != 2 {
		t.Errorf("%d suppressed findings, want 2", suppressed)
	}
	if bytes.Contains(out, []byte(`\u003c`)) {
		t.Error("HTML characters are escaped")
	}
}
