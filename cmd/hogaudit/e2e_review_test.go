package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// reviewFormulaName is a member's first name a spreadsheet would run.
const reviewFormulaName = "=HYPERLINK(\"http://evil.example\",\"x\")"

// reviewHarness is Acme with one member's first name a formula, scanned
// into snap.json.
func reviewHarness(t *testing.T, mutate func(*posthogsim.Org)) *harness {
	t.Helper()
	h := newHarness(t, func(o *posthogsim.Org) {
		o.Members[0].User.FirstName = reviewFormulaName
		if mutate != nil {
			mutate(o)
		}
	})
	if res := h.run(scanArgs("--snapshot-out", "snap.json", "-q")...); res.code == 2 {
		t.Fatalf("scan: exit 2\n%s", res.stderr)
	}
	return h
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("%s does not parse as CSV: %v", path, err)
	}
	return recs
}

func writeCSVFile(t *testing.T, path string, recs [][]string) {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// colOf is the index of name in header.
func colOf(t *testing.T, header []string, name string) int {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, header)
	}
	return i
}

// fillDecisions completes every row of dir's access.csv with keep by an
// auditor, then lets edit change rows (header first).
func fillDecisions(t *testing.T, dir string, edit func(recs [][]string)) {
	t.Helper()
	path := filepath.Join(dir, "access.csv")
	recs := readCSVFile(t, path)
	h := recs[0]
	for _, r := range recs[1:] {
		r[colOf(t, h, "decision")] = "keep"
		r[colOf(t, h, "reviewer")] = "Auditor@Review.example"
		r[colOf(t, h, "reviewed_at")] = "2026-11-28"
	}
	if edit != nil {
		edit(recs)
	}
	writeCSVFile(t, path, recs)
}

// copyDir copies the bundle src to a new directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "bundle")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

type reviewManifest struct {
	Org         struct{ ID, Name string } `json:"org"`
	CollectedAt string                    `json:"collected_at"`
	APICalls    *[]struct {
		Endpoint string `json:"endpoint"`
		Requests int    `json:"requests"`
		Pages    int    `json:"pages"`
		Items    int    `json:"items"`
		Count    *int   `json:"count"`
	} `json:"api_calls"`
	APICallsNote string            `json:"api_calls_note"`
	Files        map[string]string `json:"files"`
	Inputs       []struct {
		Role, Path, SHA256 string
	} `json:"inputs"`
	Coverage struct {
		Complete bool `json:"complete"`
	} `json:"coverage"`
	Filters struct {
		DisabledRules []string `json:"disabled_rules"`
		LookbackDays  int      `json:"lookback_days"`
	} `json:"filters"`
}

func readReviewManifest(t *testing.T, dir string) reviewManifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m reviewManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.json: %v\n%s", err, b)
	}
	return m
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestReviewExportBundle: the demo org's bundle parses back with
// encoding/csv, has one access row per member × entitlement, digests that
// match, the API calls of the collection, and an escaped formula cell.
func TestReviewExportBundle(t *testing.T) {
	h := reviewHarness(t, nil)
	res := h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle", "--disable", "PH208")
	if res.code != 0 {
		t.Fatalf("review export: exit %d\n%s", res.code, res.stderr)
	}
	dir := h.path("bundle")
	snapBytes, err := os.ReadFile(h.path("snap.json"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.Decode(snapBytes)
	if err != nil {
		t.Fatal(err)
	}

	// The expected rows, counted from the snapshot: per member the org
	// level, each project, each project's resources with project-wide
	// rules, each key it owns.
	want := 0
	for _, m := range snap.Members {
		want++
		for _, p := range snap.Projects {
			want++
			seen := map[string]bool{}
			if p.ResourceAccessControls != nil {
				for _, r := range p.ResourceAccessControls.AccessControls {
					if r.Resource != "" && (r.ResourceID == nil || *r.ResourceID == "") && !seen[r.Resource] {
						seen[r.Resource] = true
						want++
					}
				}
			}
		}
		for _, k := range snap.APIKeys {
			if k.UserID == m.User.ID {
				want++
			}
		}
	}
	access := readCSVFile(t, filepath.Join(dir, "access.csv"))
	if got := len(access) - 1; got != want || want <= len(snap.Members)*(1+len(snap.Projects)) {
		t.Errorf("access.csv has %d rows, want %d (%d members × %d projects, resources and keys)", got, want, len(snap.Members), len(snap.Projects))
	}
	hdr := access[0]
	kinds := map[string]int{}
	for _, r := range access[1:] {
		kinds[r[colOf(t, hdr, "entitlement")]]++
		if r[colOf(t, hdr, "decision")] != "" || r[colOf(t, hdr, "reviewer")] != "" {
			t.Errorf("row %s has a decision before review", r[0])
		}
	}
	if kinds["org_level"] != len(snap.Members) || kinds["project"] != len(snap.Members)*len(snap.Projects) || kinds["resource"] == 0 || kinds["key"] == 0 {
		t.Errorf("entitlement kinds = %v", kinds)
	}
	// Some row is granted through a role, with its name in words.
	var viaRole, excess bool
	for _, r := range access[1:] {
		if strings.HasPrefix(r[colOf(t, hdr, "path_machine")], "role_rule:") && strings.Contains(r[colOf(t, hdr, "path")], "through role") {
			viaRole = true
		}
		if r[colOf(t, hdr, "verdict")] == "excess" {
			excess = true
		}
	}
	if !viaRole || !excess {
		t.Errorf("no row through a role rule (%v) or with verdict excess (%v)", viaRole, excess)
	}
	// The formula is escaped, never a cell starting with =.
	escaped := false
	for _, name := range []string{"access.csv", "keys.csv", "settings.csv", "findings.csv", "controls.csv"} {
		recs := readCSVFile(t, filepath.Join(dir, name))
		if len(recs) < 2 {
			t.Errorf("%s has no rows", name)
		}
		for _, r := range recs {
			for _, c := range r {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					t.Errorf("%s: a cell starts with %q: %q", name, c[0], c)
				}
				if strings.HasPrefix(c, "'"+reviewFormulaName) {
					escaped = true
				}
			}
		}
	}
	if !escaped {
		t.Error("the member name that is a formula is not in the bundle with a leading apostrophe")
	}

	m := readReviewManifest(t, dir)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() == "manifest.json" {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if m.Files[e.Name()] != sha(b) {
			t.Errorf("manifest digest of %s = %q, the file's %s", e.Name(), m.Files[e.Name()], sha(b))
		}
	}
	if len(m.Files) != len(ents)-1 {
		t.Errorf("manifest lists %d files, the bundle has %d", len(m.Files), len(ents)-1)
	}
	if len(m.Inputs) != 2 || m.Inputs[0].Role != "snapshot" || m.Inputs[0].SHA256 != sha(snapBytes) || m.Inputs[1].Role != "matrix" {
		t.Errorf("inputs = %+v", m.Inputs)
	}
	if m.Org.ID != snap.Org.ID || !slices.Equal(m.Filters.DisabledRules, []string{"PH208"}) || m.Filters.LookbackDays == 0 {
		t.Errorf("manifest org %+v, filters %+v", m.Org, m.Filters)
	}
	if m.APICalls == nil {
		t.Fatal("manifest api_calls is null for a snapshot that records its calls")
	}
	var members bool
	for _, c := range *m.APICalls {
		if strings.HasSuffix(c.Endpoint, "/members/") && c.Count != nil && *c.Count == len(snap.Members) && c.Items == len(snap.Members) && c.Requests >= 1 {
			members = true
		}
	}
	if !members {
		t.Errorf("api_calls lack the members list with its count %d: %+v", len(snap.Members), *m.APICalls)
	}
	// Each key introspected once: the scanning key and every audit key.
	for _, c := range *m.APICalls {
		if c.Endpoint == "/api/personal_api_keys/@current/" && c.Requests != len(snap.APIKeys) {
			t.Errorf("api_calls: %d introspections, want one per key (%d)", c.Requests, len(snap.APIKeys))
		}
	}

	// An existing, non-empty directory is refused; --force replaces it.
	if res := h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle"); res.code != 2 || !strings.Contains(res.stderr, "not empty") {
		t.Errorf("export into a full directory: exit %d\n%s", res.code, res.stderr)
	}
	if res := h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle", "--force", "-q"); res.code == 2 && !strings.Contains(res.stderr, "incomplete evidence") {
		t.Errorf("export --force: exit %d\n%s", res.code, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		t.Error(err)
	}
}

// TestReviewOldSnapshotHasNoAPICalls: a snapshot without its collection
// record gives api_calls null with a note, never an empty list.
func TestReviewOldSnapshotHasNoAPICalls(t *testing.T) {
	h := reviewHarness(t, nil)
	var doc map[string]any
	b, _ := os.ReadFile(h.path("snap.json"))
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["collection"]; !ok {
		t.Fatal("a new snapshot has no collection field")
	}
	delete(doc, "collection")
	b, _ = json.Marshal(doc)
	if err := os.WriteFile(h.path("old.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	h.run("review", "export", "--snapshot", "old.json", "-o", "old", "-q")
	m := readReviewManifest(t, h.path("old"))
	if m.APICalls != nil || !strings.Contains(m.APICallsNote, "did not record") {
		t.Errorf("api_calls = %v, note %q", m.APICalls, m.APICallsNote)
	}
}

// TestReviewVerify: a completed bundle verifies; a tampered, missing or
// extra file, a missing decision, a self-review, a changed evidence cell
// and a revoke still present each fail, named.
func TestReviewVerify(t *testing.T) {
	h := reviewHarness(t, nil)
	h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle", "-q")
	fresh := h.path("bundle")

	// Untouched, no row is decided.
	res := h.run("review", "verify", fresh)
	if res.code != 1 || !strings.Contains(res.stderr, "access.csv line 2: org_level:") || !strings.Contains(res.stderr, "no decision") {
		t.Errorf("verify of an undecided bundle: exit %d\n%s", res.code, res.stderr)
	}
	// Its problems are listed up to a cap, then counted; --all lists them
	// all (near miss).
	listed := strings.Count(res.stderr, "hogaudit: review: access.csv")
	if listed != maxReviewProblems || !strings.Contains(res.stderr, "more problem(s); --all lists every one") {
		t.Errorf("verify listed %d problems, want the first %d and a count of the rest:\n%s", listed, maxReviewProblems, res.stderr)
	}
	if all := h.run("review", "verify", fresh, "--all"); strings.Count(all.stderr, "hogaudit: review: access.csv") <= maxReviewProblems || strings.Contains(all.stderr, "--all lists") {
		t.Errorf("verify --all listed %d problems", strings.Count(all.stderr, "hogaudit: review: access.csv"))
	}

	done := copyDir(t, fresh)
	fillDecisions(t, done, nil)
	if res := h.run("review", "verify", done); res.code != 0 {
		t.Fatalf("verify of a completed bundle: exit %d\n%s", res.code, res.stderr)
	}

	cases := []struct {
		name   string
		change func(dir string)
		want   []string
	}{
		{"tampered file", func(dir string) {
			p := filepath.Join(dir, "findings.csv")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("PH"), []byte("XX"), 1), 0o644)
		}, []string{"findings.csv: changed"}},
		{"missing file", func(dir string) { os.Remove(filepath.Join(dir, "controls.csv")) }, []string{"controls.csv: missing"}},
		{"extra file", func(dir string) { os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644) }, []string{"notes.txt: extra"}},
		{"missing decision", func(dir string) {
			fillDecisions(t, dir, func(recs [][]string) { recs[3][colOf(t, recs[0], "decision")] = "" })
		}, []string{"access.csv line 4: ", "no decision"}},
		{"unknown decision", func(dir string) {
			fillDecisions(t, dir, func(recs [][]string) { recs[2][colOf(t, recs[0], "decision")] = "maybe" })
		}, []string{"access.csv line 3: ", `decision "maybe"`}},
		{"self-review", func(dir string) {
			fillDecisions(t, dir, func(recs [][]string) {
				recs[1][colOf(t, recs[0], "reviewer")] = strings.ToUpper(recs[1][colOf(t, recs[0], "member_email")])
			})
		}, []string{"access.csv line 2: ", "self-review"}},
		{"not a date", func(dir string) {
			fillDecisions(t, dir, func(recs [][]string) { recs[5][colOf(t, recs[0], "reviewed_at")] = "last week" })
		}, []string{"access.csv line 6: ", "not a date"}},
		{"evidence cell changed", func(dir string) {
			fillDecisions(t, dir, func(recs [][]string) { recs[2][colOf(t, recs[0], "level")] = "none" })
		}, []string{"access.csv line 3: the level cell changed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, done)
			tc.change(dir)
			res := h.run("review", "verify", dir)
			if res.code != 1 {
				t.Fatalf("exit %d, want 1\n%s", res.code, res.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
				}
			}
		})
	}

	// A bad manifest cannot be verified: exit 2.
	bad := copyDir(t, done)
	os.WriteFile(filepath.Join(bad, "manifest.json"), []byte("{"), 0o644)
	if res := h.run("review", "verify", bad); res.code != 2 || !strings.Contains(res.stderr, "cannot verify") {
		t.Errorf("bad manifest: exit %d\n%s", res.code, res.stderr)
	}
}

// TestReviewVerifyRevokes: with a later snapshot, a revoke whose access is
// still there fails; once the member is gone it passes.
func TestReviewVerifyRevokes(t *testing.T) {
	h := reviewHarness(t, nil)
	h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle", "-q")
	recs := readCSVFile(t, filepath.Join(h.path("bundle"), "access.csv"))
	hdr := recs[0]
	// Revoke a project access of a member that is not none, and that
	// member's organization membership.
	b, _ := os.ReadFile(h.path("snap.json"))
	snap, err := snapshot.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	var target string
	for _, r := range recs[1:] {
		// Not the scanning key's owner: the later scan needs it.
		if strings.EqualFold(r[colOf(t, hdr, "member_email")], snap.CurrentUser.Email) {
			continue
		}
		if r[colOf(t, hdr, "entitlement")] == "project" && r[colOf(t, hdr, "level")] != "none" && r[colOf(t, hdr, "level")] != "unknown" {
			target = r[colOf(t, hdr, "member_email")]
			break
		}
	}
	if target == "" {
		t.Fatal("no member with project access")
	}
	dir := copyDir(t, h.path("bundle"))
	revoked := 0
	fillDecisions(t, dir, func(recs [][]string) {
		for _, r := range recs[1:] {
			if r[colOf(t, hdr, "member_email")] == target && (r[colOf(t, hdr, "entitlement")] == "org_level" || r[colOf(t, hdr, "entitlement")] == "project" && r[colOf(t, hdr, "level")] != "none") {
				r[colOf(t, hdr, "decision")] = "Revoke"
				revoked++
			}
		}
	})

	// Later, nothing changed: every revoke is still there.
	h.setNow(refNow.Add(24 * time.Hour))
	if res := h.run(scanArgs("--snapshot-out", "later.json", "-q")...); res.code == 2 {
		t.Fatalf("later scan: exit 2\n%s", res.stderr)
	}
	res := h.run("review", "verify", dir, "--snapshot", "later.json")
	if res.code != 1 || strings.Count(res.stderr, "revoked, but") != revoked || !strings.Contains(res.stderr, "still in the organization") || !strings.Contains(res.stderr, "the member is still") {
		t.Errorf("verify with the access still there: exit %d, want 1 and %d revokes named\n%s", res.code, revoked, res.stderr)
	}

	// The member removed: the revokes are carried out.
	h2 := newHarness(t, func(o *posthogsim.Org) {
		o.Members = slices.DeleteFunc(o.Members, func(m posthogsim.Member) bool { return strings.EqualFold(m.User.Email, target) })
	})
	h2.setNow(refNow.Add(24 * time.Hour))
	if res := h2.run(scanArgs("--snapshot-out", "later.json", "-q")...); res.code == 2 {
		t.Fatalf("later scan: exit 2\n%s", res.stderr)
	}
	if res := h.run("review", "verify", dir, "--snapshot", h2.path("later.json")); res.code != 0 {
		t.Errorf("verify after the member left: exit %d\n%s", res.code, res.stderr)
	}
	// A snapshot not after the review's cannot confirm anything.
	if res := h.run("review", "verify", dir, "--snapshot", "snap.json"); res.code != 2 || !strings.Contains(res.stderr, "not after") {
		t.Errorf("verify with the same snapshot: exit %d\n%s", res.code, res.stderr)
	}
}

// TestScanReview: scan --review writes the bundle beside the reports, with
// the snapshot in it, and the scan's own exit code.
func TestScanReview(t *testing.T) {
	h := newHarness(t, nil)
	scan := h.run(scanArgs("-q")...)
	res := h.run(scanArgs("--review", "rb", "-q")...)
	if res.code != scan.code {
		t.Errorf("scan --review: exit %d, the scan alone %d\n%s", res.code, scan.code, res.stderr)
	}
	m := readReviewManifest(t, h.path("rb"))
	b, err := os.ReadFile(filepath.Join(h.path("rb"), "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Files["snapshot.json"] != sha(b) || m.Inputs[0].SHA256 != sha(b) || m.APICalls == nil {
		t.Errorf("manifest files %v inputs %+v", m.Files, m.Inputs)
	}
	if _, err := snapshot.Decode(b); err != nil {
		t.Errorf("the bundle's snapshot does not load: %v", err)
	}
	if res := h.run(scanArgs("--review", "rb", "-q")...); res.code != 2 || !strings.Contains(res.stderr, "not empty") {
		t.Errorf("scan --review into a full directory: exit %d\n%s", res.code, res.stderr)
	}
}

// TestReviewExportMissingEvidence: a snapshot without the projects' access
// rules gives a bundle whose project rows are unknown, never a level, a
// manifest that says the evidence is incomplete, and exit 2.
func TestReviewExportMissingEvidence(t *testing.T) {
	h := newHarness(t, nil, posthogsim.WithDeployment(posthogsim.Deployment2025))
	h.sim.Inject(posthogsim.Fault{Path: "/access_controls/", Times: 1000, Kind: posthogsim.Fault429, Seconds: 3600})
	if res := h.run(scanArgs("--snapshot-out", "snap.json", "-q")...); res.code != 2 {
		t.Fatalf("scan exit %d, want 2", res.code)
	}
	res := h.run("review", "export", "--snapshot", "snap.json", "-o", "bundle")
	if res.code != 2 || !strings.Contains(res.stderr, "incomplete evidence") {
		t.Fatalf("export: exit %d, want 2\n%s", res.code, res.stderr)
	}
	recs := readCSVFile(t, filepath.Join(h.path("bundle"), "access.csv"))
	hdr := recs[0]
	projects := 0
	for _, r := range recs[1:] {
		if r[colOf(t, hdr, "entitlement")] != "project" {
			continue
		}
		projects++
		if r[colOf(t, hdr, "level")] != "unknown" || r[colOf(t, hdr, "verdict")] != "unknown" || !strings.Contains(r[colOf(t, hdr, "path")], "cannot be told") {
			t.Errorf("row %s told without the rules: level %q verdict %q", r[0], r[colOf(t, hdr, "level")], r[colOf(t, hdr, "verdict")])
		}
	}
	if projects == 0 {
		t.Error("no project rows")
	}
	m := readReviewManifest(t, h.path("bundle"))
	if m.Coverage.Complete {
		t.Error("manifest coverage complete with the access rules missing")
	}
}
