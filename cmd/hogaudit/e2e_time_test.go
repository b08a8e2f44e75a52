package main

// End-to-end tests of point-in-time checks (issue 7, item 7) and of PH304
// without hogaudit's own introspection counting as use (item 8).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// shift is how far back the shifted snapshots are moved.
const shift = -100 * 24 * time.Hour

// shiftTimes moves every RFC 3339 timestamp among v's string values by d,
// wherever it is (collected_at, members, keys, invites, the activity log and
// the values inside its changes …), and returns how many it moved.
func shiftTimes(v any, d time.Duration) (any, int) {
	switch x := v.(type) {
	case map[string]any:
		n := 0
		for k, e := range x {
			var m int
			x[k], m = shiftTimes(e, d)
			n += m
		}
		return x, n
	case []any:
		n := 0
		for i, e := range x {
			var m int
			x[i], m = shiftTimes(e, d)
			n += m
		}
		return x, n
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t.Add(d).UTC().Format(time.RFC3339Nano), 1
		}
	}
	return v, 0
}

// shiftSnapshotFile writes a copy of the snapshot at path with every
// timestamp moved by d.
func shiftSnapshotFile(t *testing.T, h *harness, path, name string, d time.Duration) string {
	t.Helper()
	var doc any
	if err := json.Unmarshal([]byte(readFile(t, path)), &doc); err != nil {
		t.Fatal(err)
	}
	doc, n := shiftTimes(doc, d)
	if n < 50 {
		t.Fatalf("only %d timestamps shifted; the demo snapshot should have many", n)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, h.dir, name, string(b))
}

// datesIn matches the dates and times in findings' messages.
var datesIn = regexp.MustCompile(`\d{4}-\d{2}-\d{2}(T[0-9:.]+Z)?`)

// shiftDates moves every date in s by d, as the shifted world writes it.
func shiftDates(s string, d time.Duration) string {
	return datesIn.ReplaceAllStringFunc(s, func(m string) string {
		if t, err := time.Parse(time.RFC3339Nano, m); err == nil {
			return t.Add(d).UTC().Format(time.RFC3339Nano)
		}
		t, _ := time.Parse(time.DateOnly, m)
		return t.Add(d).Format(time.DateOnly)
	})
}

// exceptionsMatrix is the example matrix with exceptions dated around
// collected: one that applies and expires within 14 days, one expired, one
// that applies for long.
func exceptionsMatrix(collected time.Time) string {
	day := func(days int) string { return collected.AddDate(0, 0, days).Format(time.DateOnly) }
	return string(examples.Matrix) + fmt.Sprintf(`
exceptions:
  - rule: PH212
    subject: "member:dan@acme.example"
    project: production_project
    reason: incident commander rotation
    ticket: SEC-123
    expires: %s
  - rule: PH209
    subject: "member:heidi@contractor.example"
    reason: contract under renewal
    expires: %s
  - rule: PH305
    subject: "key:flag-service"
    reason: rotation scheduled with the flag team
    expires: %s
`, day(5), day(-3), day(60))
}

// verdict is what "the same findings" compares: each finding's rule,
// subject, project, severity, message, suppression and advisory flag, and
// the exceptions expiring soon.
type verdict struct {
	Findings []string
	Expiring []string
}

func verdictOf(r jsonReport, d time.Duration) verdict {
	var v verdict
	for _, f := range r.Findings {
		v.Findings = append(v.Findings, fmt.Sprintf("%s|%s|%s|%s|%s|suppressed=%v|advisory=%v",
			f.Rule, f.Subject, f.Project, f.Severity, shiftDates(f.Message, d), f.Suppressed != nil, f.Advisory))
	}
	for _, x := range r.ExpiringExceptions {
		v.Expiring = append(v.Expiring, fmt.Sprintf("%s|%s|%d", x.Rule, x.Subject, x.DaysLeft))
	}
	return v
}

// The acceptance test of item 7: the demo snapshot with every timestamp
// moved 100 days back, and the matrix's exception dates with it, gives the
// findings the original gives; the run's clock stays at the original's
// collection, so judging at the clock would tell them apart.
//
// "The same findings" for exceptions means: expiry is judged at the
// snapshot's collected_at, so an exception valid at collection still applies
// to it, and one expired then is reported then. The exceptions' expires are
// absolute dates, so the shifted world's matrix has them shifted too;
// TestExceptionExpiryIsJudgedAtCollection checks an unshifted matrix.
func TestCheckOfTheDemoSnapshotShifted100DaysBackGivesTheSameFindings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	orig := demoSnapshot(t, h)
	shifted := shiftSnapshotFile(t, h, orig, "shifted.json", shift)
	origMatrix := writeTemp(t, h.dir, "orig.yaml", exceptionsMatrix(refNow))
	shiftedMatrix := writeTemp(t, h.dir, "shifted.yaml", exceptionsMatrix(refNow.Add(shift)))

	a := h.run("check", "--snapshot", orig, "--matrix", origMatrix, "--format", "json")
	b := h.run("check", "--snapshot", shifted, "--matrix", shiftedMatrix, "--format", "json", "--markdown", "shifted.md")
	if a.code != 1 || b.code != 1 {
		t.Fatalf("exit %d and %d, want 1 and 1:\n%s\n%s", a.code, b.code, a.stderr, b.stderr)
	}
	ra, rb := decodeReport(t, []byte(a.stdout)), decodeReport(t, []byte(b.stdout))
	expected, got := verdictOf(ra, shift), verdictOf(rb, 0)
	if diff := cmp.Diff(expected, got); diff != "" {
		t.Errorf("the shifted snapshot's findings differ (-original, dates shifted +shifted):\n%s", diff)
	}

	// Not vacuous: the verdict holds every kind of time-based finding.
	for _, w := range []want{
		{"PH208", "member:grace@acme.example", ""},                            // dormant: last login 200 days ago
		{"PH210", "invite:ivan@acme.example", ""},                             // a pending invite
		{"PH304", "key:flag-service", ""},                                     // unused for 60 days
		{"PH305", "key:flag-service", ""},                                     // rotated 200 days ago (suppressed)
		{"PH401", "member:erin@acme.example/flag/4711", "production_project"}, // inside the lookback window
		{"PH902", "matrix:exceptions.PH209.member:heidi@contractor.example", ""},
		{"PH902", "matrix:exceptions.PH212.member:dan@acme.example", "production_project"},
	} {
		if !rb.has(w.rule, w.subject, w.project) {
			t.Errorf("the shifted check lacks %v:\n%s", w, listFindings(rb))
		}
	}
	if f, _ := rb.find(want{"PH212", "member:dan@acme.example", "production_project"}); f.Suppressed == nil {
		t.Error("the exception valid at collection no longer suppresses PH212")
	}
	if f, _ := rb.find(want{"PH209", "member:heidi@contractor.example", ""}); f.Suppressed != nil {
		t.Error("the exception expired at collection still suppresses PH209")
	}

	// The report says when the snapshot was collected, in every format,
	// and that it is old.
	if !strings.Contains(b.stdout, `"collected_at": "2026-08-19T12:00:00Z"`) {
		t.Errorf("the JSON report does not state the shifted collected_at")
	}
	if md := readFile(t, h.path("shifted.md")); !strings.Contains(md, "**Collected:** 2026-08-19 12:00 UTC") {
		t.Errorf("the Markdown report does not state collected_at:\n%s", md)
	}
	text := h.run("check", "--snapshot", shifted, "--matrix", shiftedMatrix)
	if !strings.Contains(text.stdout, "collected 2026-08-19 12:00 UTC") {
		t.Errorf("the text report does not state collected_at:\n%s", text.stdout)
	}
	if !strings.Contains(b.stderr, "hogaudit: warning: the snapshot was collected 100 days ago (2026-08-19)") {
		t.Errorf("no staleness warning for a snapshot 100 days old:\n%s", b.stderr)
	}
	if strings.Contains(a.stderr, "warning") {
		t.Errorf("a snapshot collected now was warned about:\n%s", a.stderr)
	}

	// Near miss: the shifted snapshot against the unshifted matrix is a
	// different verdict (its exceptions are 100 days further off), so the
	// exception dates really are judged against collected_at.
	c := h.run("check", "--snapshot", shifted, "--matrix", origMatrix, "--format", "json")
	if rc := decodeReport(t, []byte(c.stdout)); cmp.Equal(verdictOf(rc, 0), got) {
		t.Error("moving the exceptions' dates did not change the verdict")
	}
}

// Exception expiry is judged at collected_at: a check run long after the
// collection applies an exception that was valid then, and reports one that
// had expired then.
func TestExceptionExpiryIsJudgedAtCollection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	snap := demoSnapshot(t, h) // collected at refNow
	exception := func(expires time.Time) string {
		return writeTemp(t, h.dir, "m.yaml", string(examples.Matrix)+fmt.Sprintf(`
exceptions:
  - rule: PH212
    subject: "member:dan@acme.example"
    project: production_project
    reason: incident commander rotation
    expires: %s
`, expires.Format(time.DateOnly)))
	}
	h.setNow(refNow.AddDate(0, 0, 30)) // the exception has long expired by the clock

	res := h.run("check", "--snapshot", snap, "--matrix", exception(refNow.AddDate(0, 0, 3)), "--format", "json")
	rep := decodeReport(t, []byte(res.stdout))
	if f, ok := rep.find(want{"PH212", "member:dan@acme.example", "production_project"}); !ok || f.Suppressed == nil {
		t.Errorf("an exception valid at collection does not apply: %+v", f)
	}
	if len(rep.ExpiringExceptions) != 1 || rep.ExpiringExceptions[0].DaysLeft != 3 {
		t.Errorf("expiring %+v, want the exception with 3 days left at collection", rep.ExpiringExceptions)
	}
	if f, _ := rep.find(want{"PH902", "matrix:exceptions.PH212.*", "*"}); !f.Advisory {
		t.Errorf("PH902 should be the advisory note of an exception expiring soon, got %+v", f)
	}

	// Near miss: expired the day before the collection.
	res = h.run("check", "--snapshot", snap, "--matrix", exception(refNow.AddDate(0, 0, -1)), "--format", "json")
	rep = decodeReport(t, []byte(res.stdout))
	if f, _ := rep.find(want{"PH212", "member:dan@acme.example", "production_project"}); f.Suppressed != nil {
		t.Error("an exception expired at collection still applies")
	}
	if f, ok := rep.find(want{"PH902", "matrix:exceptions.PH212.*", "*"}); !ok || f.Advisory || !strings.Contains(f.Message, "ended on "+refNow.AddDate(0, 0, -1).Format(time.DateOnly)) {
		t.Errorf("PH902 should report the expired exception, got %+v", f)
	}
}

func TestCheckOfAnOldSnapshotWarns(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	snap := demoSnapshot(t, h) // collected at refNow
	check := func() result {
		return h.run("check", "--snapshot", snap, "--format", "json")
	}
	fresh := check()

	h.setNow(refNow.Add(8 * 24 * time.Hour))
	old := check()
	for _, w := range []string{
		"hogaudit: warning: the snapshot was collected 8 days ago (2026-11-27); every time-based rule judges the organization as it was then\n",
		"hogaudit: hint: for its state today, collect a new snapshot ('hogaudit snapshot -o FILE') or run 'hogaudit scan'\n",
	} {
		if !strings.Contains(old.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, old.stderr)
		}
	}
	vo, vf := verdictOf(decodeReport(t, []byte(old.stdout)), 0), verdictOf(decodeReport(t, []byte(fresh.stdout)), 0)
	if len(vo.Findings) == 0 || !cmp.Equal(vo, vf) {
		t.Errorf("an old snapshot gets another verdict (-fresh +old):\n%s", cmp.Diff(vf, vo))
	}
	if q := h.run("check", "-q", "--snapshot", snap, "--format", "json"); strings.Contains(q.stderr, "warning") {
		t.Errorf("--quiet still warns:\n%s", q.stderr)
	}

	// Near misses: exactly 7 days old, and a fresh scan, are not warned about.
	h.setNow(refNow.Add(7 * 24 * time.Hour))
	if res := check(); strings.Contains(res.stderr, "warning") {
		t.Errorf("a snapshot 7 days old was warned about:\n%s", res.stderr)
	}
	h.setNow(refNow.AddDate(0, 0, 30))
	if _, res := h.scanJSON(); strings.Contains(res.stderr, "warning") {
		t.Errorf("a fresh scan was warned about:\n%s", res.stderr)
	}
}

// auditArgs are the audit keys' flags.
var auditArgs = []string{"--audit-key-env", "ACME_BI_KEY", "--audit-key-env", "ACME_FLAG_KEY", "--audit-key-env", "ACME_LEGACY_KEY"}

const biKey = "key:bi-dashboard-readonly"

// use reads a finding's evidence.last_use.
func use(f jsonFinding) map[string]any {
	u, _ := f.Evidence["last_use"].(map[string]any)
	return u
}

// useAt makes the BI key last used (by someone else) at the given time.
func useAt(at time.Time) func(*posthogsim.Org) {
	return func(o *posthogsim.Org) { key(o, "bi-dashboard-readonly").LastUsedAt = ptrTime(at) }
}

// use the key with token as an integration would: an authenticated request,
// which PostHog records (at most hourly) as the key's use.
func (h *harness) useKey(token string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.url+"/api/personal_api_keys/@current/", nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		h.t.Fatalf("using the key: status %d", resp.StatusCode)
	}
}

// firstScan serves Acme with the BI key last used 15 days before refNow,
// scans it at refNow into prev.json, and moves the clock 20 days on.
func firstScan(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, useAt(refNow.AddDate(0, 0, -15)))
	if rep, _ := h.scanJSON("--snapshot-out", "prev.json"); rep.has("PH304", biKey, "") {
		t.Fatalf("the key used 15 days ago is reported unused:\n%s", listFindings(rep))
	}
	if got := h.sim.KeyLastUsedAt(posthogsim.AcmeBIKeyToken); got == nil || !got.Equal(refNow) {
		t.Fatalf("PostHog's last_used_at after the scan = %v, want the scan's own request at %v", got, refNow)
	}
	h.setNow(refNow.AddDate(0, 0, 20))
	return h
}

// The BI key was last used 15 days before the first scan. That scan's own
// introspection refreshes last_used_at, so 20 days later PostHog says the
// key was used 20 days ago — by hogaudit. With --previous, PH304 counts the
// 35 days since the real use.
func TestPH304DiscountsThePreviousRunsIntrospection(t *testing.T) {
	t.Parallel()
	h := firstScan(t)
	if res := h.run(append([]string{"snapshot", "-o", "cur.json"}, auditArgs...)...); res.code != 0 {
		t.Fatalf("snapshot exit %d:\n%s", res.code, res.stderr)
	}

	// Without --previous: as before, hogaudit's own use looks like a use.
	res := h.run("check", "--snapshot", "cur.json", "--format", "json")
	if rep := decodeReport(t, []byte(res.stdout)); rep.has("PH304", biKey, "") {
		t.Errorf("without --previous PH304 should see last_used_at as it is:\n%s", listFindings(rep))
	}

	// With it, the previous collection's request is discounted.
	res = h.run("check", "--snapshot", "cur.json", "--previous", "prev.json", "--format", "json")
	rep := decodeReport(t, []byte(res.stdout))
	f, ok := rep.find(want{"PH304", biKey, ""})
	if !ok {
		t.Fatalf("PH304 does not fire with --previous:\n%s", listFindings(rep))
	}
	if want := "Key bi-dashboard-readonly has not been used for 35 days, not counting hogaudit's own introspection; the matrix allows 30 days unused."; f.Message != want {
		t.Errorf("message %q, want %q", f.Message, want)
	}
	u := use(f)
	if f.Evidence["last_used_at"] != "2026-11-27T12:00:00Z" || u["status"] != "used" || u["at"] != "2026-11-12T12:00:00Z" || u["own"] != "2026-11-27T12:00:00Z" {
		t.Errorf("evidence %v", f.Evidence)
	}
	// The legacy key, used 2 days before the first scan, stays used.
	if rep.has("PH304", "key:bi-legacy", "") {
		t.Errorf("a key used 22 days ago is reported unused:\n%s", listFindings(rep))
	}

	// scan --previous gives the same verdict, and records it in the kept
	// snapshot, which a check without --previous repeats.
	h = firstScan(t)
	scan, _ := h.scanJSON("--previous", "prev.json", "--snapshot-out", "kept.json")
	if g, _ := scan.find(want{"PH304", biKey, ""}); g.Message != f.Message {
		t.Errorf("scan --previous: %q, want %q", g.Message, f.Message)
	}
	again := h.run("check", "--snapshot", "kept.json", "--format", "json")
	if g, _ := decodeReport(t, []byte(again.stdout)).find(want{"PH304", biKey, ""}); g.Message != f.Message {
		t.Errorf("check of the kept snapshot: %q, want %q", g.Message, f.Message)
	}
}

// Near miss: someone used the key after the previous collection; that is a
// use, --previous or not.
func TestPH304CountsAUseAfterThePreviousRun(t *testing.T) {
	t.Parallel()
	h := firstScan(t)
	h.setNow(refNow.AddDate(0, 0, 1))
	h.useKey(posthogsim.AcmeBIKeyToken)
	h.setNow(refNow.AddDate(0, 0, 20))
	rep, _ := h.scanJSON("--previous", "prev.json")
	if rep.has("PH304", biKey, "") {
		t.Errorf("a key used 19 days ago is reported unused:\n%s", listFindings(rep))
	}
}

// Every scan given the one before records its reading, so the walk back
// through hogaudit's own uses goes as far as the chain: 10 days apart, a key
// last used 15 days before the first scan is 35 days unused at the third.
func TestPH304WalksBackThroughTheRecordedReadings(t *testing.T) {
	t.Parallel()
	// chain scans Acme at refNow, +10 and +20 days, the second time with
	// second (after the clock), and returns the third's check against the
	// second's snapshot.
	chain := func(second ...string) jsonReport {
		h := newHarness(t, useAt(refNow.AddDate(0, 0, -15)))
		h.scanJSON("--snapshot-out", "1.json")
		h.setNow(refNow.AddDate(0, 0, 10))
		if res := h.run(second...); res.code > 1 {
			t.Fatalf("%v: exit %d:\n%s", second, res.code, res.stderr)
		}
		h.setNow(refNow.AddDate(0, 0, 20))
		if res := h.run(append([]string{"snapshot", "-o", "3.json"}, auditArgs...)...); res.code != 0 {
			t.Fatalf("snapshot exit %d:\n%s", res.code, res.stderr)
		}
		res := h.run("check", "--snapshot", "3.json", "--previous", "2.json", "--format", "json")
		return decodeReport(t, []byte(res.stdout))
	}
	rep := chain(scanArgs("--previous", "1.json", "--snapshot-out", "2.json")...)
	f, ok := rep.find(want{"PH304", biKey, ""})
	if !ok || !strings.Contains(f.Message, "has not been used for 35 days, not counting hogaudit's own introspection") {
		t.Errorf("the walk back through the recorded reading: %q", f.Message)
	}

	// Near miss: a previous snapshot without a recorded reading (written
	// by 'hogaudit snapshot') ends the walk at its last_used_at, which was
	// itself hogaudit's first scan, 20 days ago: not reported.
	rep = chain(append([]string{"snapshot", "-o", "2.json"}, auditArgs...)...)
	if rep.has("PH304", biKey, "") {
		t.Errorf("without a recorded reading the walk cannot go back further:\n%s", listFindings(rep))
	}
}

// PostHog before the queryset update answered @current with the
// last_used_at its own request had just written: that is never a use.
func TestPH304OnPostHogThatShowsItsOwnRefresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil, posthogsim.WithDeployment(posthogsim.Deployment2025))
	rep, _ := h.scanJSON()
	f, ok := rep.find(want{"PH304", "key:flag-service", ""})
	if !ok || f.Message != "Key flag-service cannot be shown to have been used in the 200 days since it was created: its last_used_at is hogaudit's own introspection, which hides any earlier use; the matrix allows 30 days unused." {
		t.Errorf("PH304 on a key whose answer shows the collection's own request: %+v", f)
	}
	if u := use(f); u["status"] != "unknown" || u["own"] != "2026-11-27T12:00:00Z" {
		t.Errorf("evidence %v", f.Evidence)
	}
	// A key younger than max_unused_days cannot have been unused that long.
	if rep.has("PH304", biKey, "") {
		t.Errorf("a key created 20 days ago is reported:\n%s", listFindings(rep))
	}

	// Near miss: newest PostHog shows the use before the request.
	newest := newHarness(t, nil)
	rep, _ = newest.scanJSON()
	if f, _ := rep.find(want{"PH304", "key:flag-service", ""}); !strings.Contains(f.Message, "has not been used for 60 days;") {
		t.Errorf("newest PostHog: %q", f.Message)
	}
}

func TestPreviousMustBeOlderAndOfTheSameOrganization(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.scanJSON("--snapshot-out", "prev.json")
	h.setNow(refNow.AddDate(0, 0, 1))
	h.scanJSON("--snapshot-out", "cur.json")
	var doc map[string]any
	if err := json.Unmarshal([]byte(readFile(t, h.path("prev.json"))), &doc); err != nil {
		t.Fatal(err)
	}
	doc["org"] = map[string]any{"id": "0190a1b2-ffff-7000-8000-000000000000", "name": "Other"}
	b, _ := json.Marshal(doc)
	other := writeTemp(t, h.dir, "other.json", string(b))

	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"another organization", []string{"check", "--snapshot", "cur.json", "--previous", other}, []string{
			"hogaudit: --previous " + other + ": the previous snapshot is of another organization: it describes \"Other\" (0190a1b2-ffff-7000-8000-000000000000), the current one \"Acme Analytics\"",
			"hogaudit: hint: pass a snapshot of the organization being checked, or leave out --previous",
		}},
		{"swapped", []string{"check", "--snapshot", "prev.json", "--previous", "cur.json"}, []string{
			"the previous snapshot is not older than the current one",
			"hogaudit: hint: --previous takes the snapshot of an earlier run; are --snapshot and --previous swapped?",
		}},
		{"not a snapshot", []string{"check", "--snapshot", "cur.json", "--previous", "nothing.json"}, []string{
			"hogaudit: --previous: read snapshot: open nothing.json",
			"hogaudit: hint: pass the snapshot an earlier run kept with --snapshot-out",
		}},
		{"scan: another organization", scanArgs("--previous", other), []string{
			"the previous snapshot is of another organization",
		}},
		{"scan: --org names another organization", scanArgs("--org", "0190a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b", "--previous", other), []string{
			"the previous snapshot is of another organization: it describes 0190a1b2-ffff-7000-8000-000000000000, --org names 0190a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b",
		}},
		{"scan: a previous from the future", scanArgs("--previous", "cur.json"), []string{
			"hogaudit: --previous cur.json was collected at 2026-11-28T12:00:00Z, not before now",
		}},
	} {
		// Not parallel: the cases share h, its clock and its statistics.
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasSuffix(tt.name, "future") {
				h.setNow(refNow)
				defer h.setNow(refNow.AddDate(0, 0, 1))
			}
			h.sim.ResetStats()
			res := h.run(tt.args...)
			if res.code != 2 || res.stdout != "" {
				t.Errorf("exit %d, stdout %q; want 2 and no report", res.code, res.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
				}
			}
			if tt.args[0] == "scan" && !strings.HasPrefix(tt.name, "scan: another") && h.sim.Stats().Requests != 0 {
				t.Errorf("a scan whose --previous cannot fit made %d requests", h.sim.Stats().Requests)
			}
		})
	}
	// Near miss: the right previous snapshot is accepted.
	if res := h.run("check", "--snapshot", "cur.json", "--previous", "prev.json"); res.code != 1 {
		t.Errorf("check with a valid --previous: exit %d\n%s", res.code, res.stderr)
	}
}

func TestHelpTeachesPrevious(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	for _, cmd := range []string{"check", "scan"} {
		res := h.run(cmd, "--help")
		if res.code != 0 || !strings.Contains(res.stdout, "--previous=FILE") || !strings.Contains(res.stdout, "not counted as use (PH304)") {
			t.Errorf("%s --help does not teach --previous:\n%s", cmd, res.stdout)
		}
	}
}
