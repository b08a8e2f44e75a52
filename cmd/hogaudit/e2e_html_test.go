package main

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

var htmlCell = regexp.MustCompile(`<td class="[a-z0-9]+" title="`)

// TestHTMLFlag: --html FILE writes the HTML report beside the main one,
// with the access heat map of every member × project (Acme: 11 × 2) and
// the demo's findings; --format html writes it to stdout.
func TestHTMLFlag(t *testing.T) {
	h := newHarness(t, nil)
	res := h.run("demo", "-q", "--html", "demo.html", "--json", "demo.json")
	if res.code != 0 {
		t.Fatalf("demo exit %d:\n%s", res.code, res.stderr)
	}
	b, err := os.ReadFile(h.path("demo.html"))
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	if n := len(htmlCell.FindAllString(out, -1)); n != 11*2 {
		t.Errorf("heat map cells = %d, want 11 members × 2 projects", n)
	}
	for _, want := range []string{"hogaudit report: Acme Analytics", "PH212", `<span class="ok">complete</span>`,
		`title="admin · member rule · excess"`, `id="controls"`} {
		if !strings.Contains(out, want) {
			t.Errorf("demo.html lacks %q", want)
		}
	}
	if fi, err := os.Stat(h.path("demo.html")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("demo.html mode %v (%v), want 0600: it names the organization's people", fi.Mode().Perm(), err)
	}
	// The access map is the HTML report's: the JSON report does not grow.
	if j, _ := os.ReadFile(h.path("demo.json")); strings.Contains(string(j), `"cells"`) {
		t.Errorf("the JSON report carries the access map")
	}

	res = h.run(scanArgs("-q", "--format", "html")...)
	if res.code == 2 {
		t.Fatalf("scan exit 2:\n%s", res.stderr)
	}
	if !strings.HasPrefix(res.stdout, "<!DOCTYPE html>") || len(htmlCell.FindAllString(res.stdout, -1)) != 22 {
		t.Errorf("--format html did not write the report with its heat map to stdout:\n%.300s", res.stdout)
	}
	// Near miss: the Markdown report is unchanged by the access map.
	res = h.run(scanArgs("-q", "--format", "markdown")...)
	if strings.Contains(res.stdout, "<table") {
		t.Errorf("the Markdown report carries the heat map")
	}
}

// TestHTMLFailedRun: a scan that fails after the outputs were checked
// still writes the --html file, saying the check did not complete — never
// an old report, nor a heat map drawn from nothing.
func TestHTMLFailedRun(t *testing.T) {
	h := newWrappedHarness(t, nil, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"detail":"boom"}`, http.StatusInternalServerError)
		})
	})
	res := h.run(scanArgs("-q", "--html", "scan.html", "-o", "scan.txt")...)
	if res.code != 2 {
		t.Fatalf("scan exit %d, want 2:\n%s", res.code, res.stderr)
	}
	b, err := os.ReadFile(h.path("scan.html"))
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	if !strings.Contains(out, "The check did not complete") || strings.Contains(out, `<table id="hm"`) || strings.Contains(out, `class="ok"`) {
		t.Errorf("the failed run's HTML report does not say it did not complete:\n%.2000s", out)
	}
}
