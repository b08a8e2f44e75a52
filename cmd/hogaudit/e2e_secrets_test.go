package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/internal/redact"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Item 6 of issue 8, end to end: whatever the server sends back — an error
// detail, a next link, an activity-log detail, a member's name — the
// scanning key's and the audited keys' values never reach stdout, stderr,
// a snapshot or a report, in any format.

// allKeys are the values no output may hold.
var allKeys = []string{
	posthogsim.AcmeScannerToken, posthogsim.AcmeBIKeyToken,
	posthogsim.AcmeFlagKeyToken, posthogsim.AcmeLegacyKeyToken,
}

// leakyServer answers like a server that echoes keys in every string it
// controls:
//   - the next links of the member list and the activity log carry the
//     scanning key and an audit key in their paths (the next pages are
//     served all the same);
//   - the invite list's next link carries an audit key and leads to a page
//     that is not JSON, so the failing path lands in a missing record;
//   - the roles list is refused with a 403 whose detail quotes two keys.
func leakyServer(next http.Handler) http.Handler {
	scan, audit := posthogsim.AcmeScannerToken, posthogsim.AcmeBIKeyToken
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.Contains(p, "/invites/"+audit+"/"):
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>gateway " + scan + "</html>"))
			return
		case strings.Contains(p, "/"+scan+"/"):
			// Undo the key segment the activity logs' next links got.
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.Replace(p, scan+"/"+audit+"/", "", 1)
			next.ServeHTTP(w, r2)
			return
		case strings.HasSuffix(p, "/roles/"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(map[string]any{
				"type": "authentication_error", "code": "permission_denied", "attr": nil,
				"detail": "key " + scan + " (and " + audit + ") may not list roles",
			})
			return
		}
		if strings.HasSuffix(p, "activity_logs/") || strings.HasSuffix(p, "/activity_log/") {
			// Serve the activity logs as cursor chains (a deployment
			// without numbered pages), which the client follows link by
			// link, so that the key-bearing next links below are read.
			r = r.Clone(r.Context())
			q := r.URL.Query()
			q.Del("page")
			r.URL.RawQuery = q.Encode()
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var insert string
		switch {
		case strings.HasSuffix(p, "activity_logs/"), strings.HasSuffix(p, "/activity_log/"):
			// A cursor chain follows its next links; a limit/offset list
			// whose next link leaves its path does not add up (the member
			// list is then missing: its names must arrive, so it is left
			// alone).
			insert = scan + "/" + audit + "/"
		case strings.HasSuffix(p, "/invites/"):
			insert = audit + "/"
		}
		if insert != "" && rec.Code == http.StatusOK {
			var doc map[string]any
			if json.Unmarshal(body, &doc) == nil {
				if nx, ok := doc["next"].(string); ok && nx != "" {
					doc["next"] = strings.Replace(nx, p, p+insert, 1)
					body, _ = json.Marshal(doc)
				}
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// withKeysInData puts keys into data fields: a member's name and email, an
// activity entry's name and a change's values.
func withKeysInData(o *posthogsim.Org) {
	scan, audit := posthogsim.AcmeScannerToken, posthogsim.AcmeFlagKeyToken
	m := member(o, "dan@acme.example")
	m.User.FirstName = "Dan " + scan
	m.User.LastName = audit
	m.User.Email = "dan+" + scan + "@acme.example"
	p := project(o, "Production")
	p.Activity[1].Detail.Name = "flag " + audit
	p.Activity[1].Detail.Changes[0].Before = "was " + scan
	p.Activity[1].Detail.Changes[0].After = map[string]any{"nested": []any{audit}}
}

// assertNoKeys fails t if any output of res or any file under dir holds a
// key value. It looks for the random part of each key, after "phx_", so
// that an escaped prefix (Markdown's phx\_) does not hide a leak.
func assertNoKeys(t *testing.T, res result, dir string) {
	t.Helper()
	for _, k := range allKeys {
		if strings.Contains(res.stdout, k[4:]) {
			t.Errorf("stdout holds the key %s", redact.Mask(k))
		}
		if strings.Contains(res.stderr, k[4:]) {
			t.Errorf("stderr holds the key %s:\n%s", redact.Mask(k), res.stderr)
		}
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(path) == "access-matrix.yaml" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Error(err)
			return nil
		}
		for _, k := range allKeys {
			if bytes.Contains(b, []byte(k[4:])) {
				t.Errorf("%s holds the key %s", filepath.Base(path), redact.Mask(k))
			}
		}
		return nil
	})
}

// unescapeMD undoes the Markdown escape of "_" that masks get.
func unescapeMD(s string) string { return strings.ReplaceAll(s, `\_`, "_") }

func TestServerStringsNeverShowKeys(t *testing.T) {
	t.Parallel()
	h := newWrappedHarness(t, withKeysInData, leakyServer, posthogsim.WithPageSize(2))
	// Every output, the GitHub ones included: the split SARIF, the step
	// outputs, annotations (GITHUB_ACTIONS) and aggregated SARIF results
	// (a cap of 3), whose messages list subjects.
	res := h.runEnv(map[string]string{"GITHUB_ACTIONS": "true"}, scanArgs("-v", "--sarif", "scan.sarif", "--json", "scan.json", "--markdown", "scan.md",
		"-o", "scan.txt", "--snapshot-out", "snap.json", "--sarif-dir", "sarif", "--github-output", "gh.out", "--max-results", "3")...)
	if res.code != 2 {
		t.Fatalf("exit %d, want 2 (roles and invites are missing):\n%s", res.code, res.stderr)
	}
	assertNoKeys(t, res, h.dir)
	for _, f := range []string{"sarif/manifest.json", "sarif/evidence.sarif", "gh.out"} {
		if _, err := os.Stat(h.path(f)); err != nil {
			t.Errorf("%s was not written, so not checked: %v", f, err)
		}
	}
	if !strings.Contains(res.stdout, "::") {
		t.Errorf("no workflow command reached stdout, so none was checked:\n%s", res.stdout)
	}

	// Near miss: the strings did arrive, masked, not dropped — the member
	// name, the refused request's detail, the next links' paths.
	snap := readFile(t, h.path("snap.json"))
	scanMask, biMask := redact.Mask(posthogsim.AcmeScannerToken), redact.Mask(posthogsim.AcmeBIKeyToken)
	for _, want := range []string{
		"Dan " + scanMask, redact.Mask(posthogsim.AcmeFlagKeyToken),
		"(and " + biMask + ") may not list roles",
		"flag " + redact.Mask(posthogsim.AcmeFlagKeyToken),
	} {
		if !strings.Contains(snap, want) {
			t.Errorf("the snapshot lacks %q", want)
		}
	}
	if !strings.Contains(res.stderr, "/invites/"+biMask+"/") || !strings.Contains(res.stderr, "activity_logs/"+scanMask+"/"+biMask+"/") {
		t.Errorf("--verbose did not show the masked next link:\n%s", res.stderr)
	}
	for _, f := range []string{"scan.json", "scan.md", "scan.txt", "scan.sarif"} {
		if !strings.Contains(unescapeMD(readFile(t, h.path(f))), biMask) {
			t.Errorf("%s lacks the masked detail", f)
		}
	}
	// Every format is a valid document still.
	var doc map[string]any
	if err := json.Unmarshal([]byte(readFile(t, h.path("scan.json"))), &doc); err != nil {
		t.Errorf("scan.json: %v", err)
	}
	if err := json.Unmarshal([]byte(snap), &doc); err != nil {
		t.Errorf("snap.json: %v", err)
	}
}

func TestKeysInStdoutFormats(t *testing.T) {
	t.Parallel()
	// The main report on stdout, in each format, and the snapshot on stdout.
	for _, format := range []string{"text", "json", "sarif", "markdown"} {
		h := newWrappedHarness(t, withKeysInData, leakyServer)
		res := h.run(scanArgs("-q", "--format", format)...)
		if res.code != 2 {
			t.Fatalf("%s: exit %d:\n%s", format, res.code, res.stderr)
		}
		assertNoKeys(t, res, h.dir)
		if !strings.Contains(unescapeMD(res.stdout), redact.Mask(posthogsim.AcmeBIKeyToken)) {
			t.Errorf("%s on stdout lacks the masked detail", format)
		}
	}
	h := newWrappedHarness(t, withKeysInData, leakyServer)
	res := h.run("snapshot", "--audit-key-env", "ACME_BI_KEY")
	assertNoKeys(t, res, h.dir)
	if !strings.Contains(res.stdout, "Dan "+redact.Mask(posthogsim.AcmeScannerToken)) {
		t.Errorf("the snapshot on stdout lacks the masked name")
	}
}

func TestFailedRunNeverShowsKeys(t *testing.T) {
	t.Parallel()
	// A 401 whose detail quotes the key: the message on stderr and the
	// reports saying the check did not complete mask it.
	echo401 := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/users/@me/" {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{
				"type": "authentication_error", "code": "authentication_failed", "attr": nil,
				"detail": "Personal API key " + posthogsim.AcmeScannerToken + " is invalid, unlike " + posthogsim.AcmeLegacyKeyToken,
			})
		})
	}
	h := newWrappedHarness(t, nil, echo401)
	res := h.run(scanArgs("--sarif", "scan.sarif", "--json", "scan.json", "--markdown", "scan.md", "-o", "scan.txt")...)
	if res.code != 2 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	assertNoKeys(t, res, h.dir)
	// The client masks its own key, the run the audit key it knows
	// (Markdown escapes the underscore).
	mask := redact.Mask(posthogsim.AcmeLegacyKeyToken)
	if !strings.Contains(res.stderr, mask) || !strings.Contains(res.stderr, "Personal API key "+redact.Mask(posthogsim.AcmeScannerToken)+" is invalid") {
		t.Errorf("stderr lacks the masked detail:\n%s", res.stderr)
	}
	for _, f := range []string{"scan.sarif", "scan.json", "scan.md", "scan.txt"} {
		b := readFile(t, h.path(f))
		if !strings.Contains(b, "did not complete") || !strings.Contains(unescapeMD(b), mask) {
			t.Errorf("%s is not a not-completed report with the masked cause:\n%s", f, b)
		}
	}
}

func TestCheckMasksKeyShapesInASnapshot(t *testing.T) {
	t.Parallel()
	// check has no keys of its own: a snapshot that holds something shaped
	// like a PostHog secret (a project secret token an older tool stored, a
	// hand edit) still never shows it.
	h := newHarness(t, nil)
	if res := h.run(scanArgs("-q", "--snapshot-out", "snap.json", "-o", os.DevNull)...); res.code != 1 {
		t.Fatalf("scan: exit %d:\n%s", res.code, res.stderr)
	}
	secret := "phs_" + strings.Repeat("S3cr3t", 7)
	snap := strings.ReplaceAll(readFile(t, h.path("snap.json")), "dan@acme.example", "dan+"+secret+"@acme.example")
	snap = strings.ReplaceAll(snap, `"first_name": "`, `"first_name": "`+secret+` `)
	if err := os.WriteFile(h.path("snap.json"), []byte(snap), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json", "sarif", "markdown"} {
		res := h.run("check", "-q", "--snapshot", "snap.json", "--format", format, "--json", "r.json", "--markdown", "r.md")
		if res.code != 1 && res.code != 2 {
			t.Fatalf("check: exit %d:\n%s", res.code, res.stderr)
		}
		for _, out := range []string{res.stdout, res.stderr, readFile(t, h.path("r.json")), readFile(t, h.path("r.md"))} {
			if strings.Contains(out, secret[4:]) {
				t.Errorf("%s: the secret is shown", format)
			}
		}
		// Near miss: the masked email is there (an unknown member now).
		if !strings.Contains(readFile(t, h.path("r.json")), "dan+"+redact.Mask(secret)+"@acme.example") {
			t.Errorf("no masked email in the JSON report")
		}
	}
}

// TestNewCommandsMaskKeyShapesInASnapshot: the commands that read a saved
// snapshot — diff, matrix init, explain member, review export, check's HTML
// report — never show something in it shaped like a PostHog secret (here
// in a member's email and name, and a role's name); near miss: the masked
// form reaches each output, so the string was there and was masked, not
// dropped.
func TestNewCommandsMaskKeyShapesInASnapshot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("old.json", refNow)
	h.snapshotAt("plain.json", refNow.Add(time.Hour))
	secret := "phs_" + strings.Repeat("S3cr3t", 7)
	snap := strings.ReplaceAll(readFile(t, h.path("plain.json")), "dan@acme.example", "dan+"+secret+"@acme.example")
	snap = strings.ReplaceAll(snap, `"first_name": "`, `"first_name": "`+secret+` `)
	snap = strings.ReplaceAll(snap, `"name": "Engineering"`, `"name": "Engineering `+secret+`"`)
	if err := os.WriteFile(h.path("new.json"), []byte(snap), 0o600); err != nil {
		t.Fatal(err)
	}
	masked := redact.Mask(secret)
	runs := []struct {
		name  string
		args  []string
		files []string
	}{
		{"diff", []string{"diff", "old.json", "new.json", "-f", "json"}, nil},
		{"diff markdown", []string{"diff", "old.json", "new.json", "-f", "markdown", "-o", "d.md"}, []string{"d.md"}},
		{"matrix init", []string{"matrix", "init", "--snapshot", "new.json", "-o", "m.yaml"}, []string{"m.yaml"}},
		{"explain member", []string{"explain", "member:dan+" + secret + "@acme.example", "--snapshot", "new.json", "-f", "json"}, nil},
		{"review export", []string{"review", "export", "--snapshot", "new.json", "-o", "bundle"}, []string{"bundle/access.csv", "bundle/manifest.json"}},
		{"check --html", []string{"check", "--snapshot", "new.json", "--html", "r.html", "-o", os.DevNull}, []string{"r.html"}},
	}
	for _, r := range runs {
		res := h.run(r.args...)
		outs := []string{res.stdout, res.stderr}
		for _, f := range r.files {
			outs = append(outs, readFile(t, h.path(f)))
		}
		shown := false
		for _, out := range outs {
			if strings.Contains(out, secret[4:]) {
				t.Errorf("%s (exit %d): the secret is shown", r.name, res.code)
			}
			shown = shown || strings.Contains(unescapeMD(out), masked) || strings.Contains(out, url.QueryEscape(masked))
		}
		if !shown {
			t.Errorf("%s (exit %d): no masked form in its output, so nothing was checked:\n%.600s\n%s", r.name, res.code, res.stdout, res.stderr)
		}
	}
}
