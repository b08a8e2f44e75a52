package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// snapshotAt collects the harness organization into name at the time at.
func (h *harness) snapshotAt(name string, at time.Time) {
	h.t.Helper()
	h.setNow(at)
	if res := h.run(append([]string{"snapshot", "-q", "-o", name}, auditArgs...)...); res.code != 0 {
		h.t.Fatalf("snapshot %s: exit %d:\n%s", name, res.code, res.stderr)
	}
}

// promoteMember raises the first plain member of the harness organization
// to admin and returns the email.
func (h *harness) promoteMember() string {
	h.t.Helper()
	for i, m := range h.org.Members {
		if m.Level == posthogsim.LevelMember {
			h.org.Members[i].Level = posthogsim.LevelAdmin
			return m.User.Email
		}
	}
	h.t.Fatal("Acme has no plain member")
	return ""
}

// decodeDrift decodes a drift JSON document.
func decodeDrift(t *testing.T, b []byte) drift.Report {
	t.Helper()
	var d drift.Report
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("decode drift: %v\n%s", err, b)
	}
	return d
}

// Usage errors need no snapshot comparison: an unknown group is refused
// with the valid ones listed, before any file is read.
func TestDiffUnknownGroup(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("diff", "missing-old.json", "missing-new.json", "--fail-on-drift-kind", "acces")
	if res.code != 2 || !strings.Contains(res.stderr, `--fail-on-drift-kind "acces": unknown group`) ||
		!strings.Contains(res.stderr, "hint: the groups are members, access, roles, rules, keys, settings, projects, domains, invites") {
		t.Errorf("exit %d:\n%s", res.code, res.stderr)
	}
	if strings.Contains(res.stderr, "missing-old.json") {
		t.Errorf("a file was read before the flags were checked:\n%s", res.stderr)
	}
	// Near miss: every valid group passes the check (and fails later, on
	// the missing file).
	for _, g := range drift.Groups {
		res := h.run("diff", "missing-old.json", "missing-new.json", "--fail-on-drift-kind", g)
		if res.code != 2 || strings.Contains(res.stderr, "unknown group") || !strings.Contains(res.stderr, "missing-old.json") {
			t.Errorf("group %s: exit %d:\n%s", g, res.code, res.stderr)
		}
	}
}

func TestDiffUnreadableFile(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("old.json", refNow)
	res := h.run("diff", "old.json", "nope.json")
	if res.code != 2 || !strings.Contains(res.stderr, "NEW: ") || !strings.Contains(res.stderr, "nope.json") ||
		!strings.Contains(res.stderr, "hint: produce one with 'hogaudit snapshot -o FILE'") || res.stdout != "" {
		t.Errorf("exit %d, stdout %q:\n%s", res.code, res.stdout, res.stderr)
	}
	if err := os.WriteFile(h.path("junk.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := h.run("diff", "junk.json", "old.json"); res.code != 2 || !strings.Contains(res.stderr, "OLD: ") {
		t.Errorf("junk: exit %d:\n%s", res.code, res.stderr)
	}
}

// A snapshot of a newer schema version is refused, saying so.
func TestDiffNewerSchemaVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("old.json", refNow)
	h.snapshotAt("new.json", refNow.Add(time.Hour))
	editSnapshotDoc(t, h.path("new.json"), h.path("future.json"), func(doc map[string]any) { doc["schema_version"] = 999 })
	res := h.run("diff", "old.json", "future.json")
	if res.code != 2 || !strings.Contains(res.stderr, "unsupported snapshot schema version") || !strings.Contains(res.stderr, "999") ||
		!strings.Contains(res.stderr, "hint: read it with the hogaudit version that wrote it") {
		t.Errorf("exit %d:\n%s", res.code, res.stderr)
	}
}

// Snapshots of two organizations, and a NEW not newer than OLD, are
// refused with a hint.
func TestDiffRefusesOtherOrgAndOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("old.json", refNow)
	h.snapshotAt("new.json", refNow.Add(time.Hour))
	editSnapshotDoc(t, h.path("new.json"), h.path("other.json"), func(doc map[string]any) {
		doc["org"].(map[string]any)["id"] = "0190a1b2-ffff-7000-8000-000000000000"
	})

	res := h.run("diff", "old.json", "other.json")
	if res.code != 2 || !strings.Contains(res.stderr, "another organization") || !strings.Contains(res.stderr, "hint: diff compares two snapshots of one organization") || res.stdout != "" {
		t.Errorf("other org: exit %d, stdout %q:\n%s", res.code, res.stdout, res.stderr)
	}
	res = h.run("diff", "new.json", "old.json")
	if res.code != 2 || !strings.Contains(res.stderr, "not older") || !strings.Contains(res.stderr, "are OLD and NEW swapped?") {
		t.Errorf("swapped: exit %d:\n%s", res.code, res.stderr)
	}
	res = h.run("diff", "old.json", "old.json")
	if res.code != 2 || !strings.Contains(res.stderr, "not older") {
		t.Errorf("same snapshot: exit %d:\n%s", res.code, res.stderr)
	}
}

// The exit codes of a complete comparison (needs drift.Compare and
// Engine.Access): 0 with or without drift, 1 with --fail-on-drift when
// there is drift, and with --fail-on-drift-kind only for drift in the
// named groups.
func TestDiffExitCodes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("a.json", refNow)
	h.snapshotAt("b.json", refNow.Add(time.Hour))
	email := h.promoteMember()
	h.snapshotAt("c.json", refNow.Add(2*time.Hour))

	// No change: exit 0 even with --fail-on-drift, and it says so.
	res := h.run("diff", "a.json", "b.json", "--fail-on-drift")
	if res.code != 0 || !strings.Contains(res.stdout, "No changes.") {
		t.Fatalf("unchanged: exit %d:\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	res = h.run("diff", "b.json", "c.json", "-f", "json")
	if res.code != 0 {
		t.Fatalf("changed, no --fail-on-drift: exit %d:\n%s", res.code, res.stderr)
	}
	d := decodeDrift(t, []byte(res.stdout))
	found := false
	for _, c := range d.Changes {
		if c.Kind == drift.KindMemberLevel && c.Subject == "member:"+email && c.After == "admin" {
			found = true
		}
	}
	if !found || d.Counts[drift.GroupMembers] == 0 || len(d.Gaps) != 0 {
		t.Errorf("promotion of %s not in the diff:\n%s", email, res.stdout)
	}
	if d.Old.File != "b.json" || d.New.File != "c.json" {
		t.Errorf("files %q %q", d.Old.File, d.New.File)
	}
	if res := h.run("diff", "b.json", "c.json", "--fail-on-drift"); res.code != 1 {
		t.Errorf("--fail-on-drift: exit %d:\n%s", res.code, res.stderr)
	}
	if res := h.run("diff", "b.json", "c.json", "--fail-on-drift-kind", "members"); res.code != 1 {
		t.Errorf("--fail-on-drift-kind members: exit %d:\n%s", res.code, res.stderr)
	}
	// Near miss: drift only outside the named groups.
	if res := h.run("diff", "b.json", "c.json", "--fail-on-drift-kind", "keys", "--fail-on-drift-kind", "domains"); res.code != 0 {
		t.Errorf("--fail-on-drift-kind keys,domains: exit %d:\n%s", res.code, res.stderr)
	}
	// -o writes the file atomically, mode 0600, nothing on stdout.
	res = h.run("diff", "b.json", "c.json", "-f", "markdown", "-o", "drift.md")
	if res.code != 0 || res.stdout != "" {
		t.Fatalf("-o: exit %d, stdout %q:\n%s", res.code, res.stdout, res.stderr)
	}
	md, err := os.ReadFile(h.path("drift.md"))
	if err != nil || !strings.Contains(string(md), "### members (") {
		t.Errorf("drift.md: %v\n%s", err, md)
	}
	if fi, err := os.Stat(h.path("drift.md")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("drift.md mode: %v %v", fi.Mode(), err)
	}
}

// A section the new snapshot lacks is a gap: the diff is written, lists it
// first, and exits 2 whatever the drift flags.
func TestDiffGapsExit2(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("a.json", refNow)
	h.sim.DenyScope(posthogsim.AcmeScannerToken, "access_control:read")
	h.setNow(refNow.Add(time.Hour))
	if res := h.run(append([]string{"snapshot", "-q", "-o", "b.json"}, auditArgs...)...); res.code != 0 && res.code != 2 {
		t.Fatalf("snapshot: exit %d:\n%s", res.code, res.stderr)
	}
	res := h.run("diff", "a.json", "b.json")
	if res.code != 2 || !strings.Contains(res.stdout, "not compared: ") || !strings.Contains(res.stderr, "not compared") {
		t.Errorf("exit %d:\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if i, j := strings.Index(res.stdout, "NOT COMPARED"), strings.Index(res.stdout, "members ("); i < 0 || (j >= 0 && j < i) {
		t.Errorf("gaps not first:\n%s", res.stdout)
	}
	res = h.run("diff", "a.json", "b.json", "-f", "json", "--fail-on-drift-kind", "keys")
	if d := decodeDrift(t, []byte(res.stdout)); res.code != 2 || len(d.Gaps) == 0 {
		t.Errorf("json: exit %d, gaps %v", res.code, d.Gaps)
	}
}

// check --fail-on-drift without --previous is a usage error: there is no
// drift to fail on, and passing would be a false assurance.
func TestFailOnDriftNeedsPrevious(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("cur.json", refNow)
	res := h.run("check", "--snapshot", "cur.json", "--fail-on-drift")
	if res.code != 2 || !strings.Contains(res.stderr, "need --previous") {
		t.Errorf("check: exit %d:\n%s", res.code, res.stderr)
	}
	res = h.run(scanArgs("--fail-on-drift-kind", "access")...)
	if res.code != 2 || !strings.Contains(res.stderr, "need --previous") {
		t.Errorf("scan: exit %d:\n%s", res.code, res.stderr)
	}
	res = h.run("check", "--snapshot", "cur.json", "--previous", "cur.json", "--fail-on-drift-kind", "acl")
	if res.code != 2 || !strings.Contains(res.stderr, "unknown group") {
		t.Errorf("unknown group: exit %d:\n%s", res.code, res.stderr)
	}
}

// scan --previous and check --previous put the drift into the JSON report
// ("drift") and the Markdown ("Drift since …"), print a one-line summary
// with the text report, and fail on drift only when asked (needs
// drift.Compare and Engine.Access).
func TestPreviousPutsDriftInReports(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("prev.json", refNow)
	email := h.promoteMember()
	h.setNow(refNow.Add(time.Hour))

	res := h.run(scanArgs("-q", "--previous", "prev.json", "--format", "json", "--markdown", "summary.md", "--fail-on", "none")...)
	if res.code != 0 && res.code != 2 {
		t.Fatalf("scan --previous: exit %d:\n%s", res.code, res.stderr)
	}
	var rep struct {
		Drift *drift.Report `json:"drift"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil || rep.Drift == nil {
		t.Fatalf("no drift object (%v):\n%s", err, res.stdout)
	}
	found := false
	for _, c := range rep.Drift.Changes {
		if c.Kind == drift.KindMemberLevel && c.Subject == "member:"+email {
			found = true
		}
	}
	if !found || rep.Drift.Old.File != "prev.json" {
		t.Errorf("drift lacks the promotion of %s (old file %q):\n%s", email, rep.Drift.Old.File, res.stdout)
	}
	md, err := os.ReadFile(h.path("summary.md"))
	if err != nil || !strings.Contains(string(md), "### Drift since 2026-11-27 12:00 UTC") || !strings.Contains(string(md), "member_level") {
		t.Errorf("Markdown drift section (%v):\n%s", err, md)
	}

	// Near miss: without --previous there is no drift object or section.
	res = h.run(scanArgs("-q", "--format", "json", "--markdown", "plain.md", "--fail-on", "none")...)
	if strings.Contains(res.stdout, `"drift"`) {
		t.Errorf("drift without --previous:\n%s", res.stdout)
	}
	if md, _ := os.ReadFile(h.path("plain.md")); strings.Contains(string(md), "Drift since") {
		t.Errorf("drift section without --previous")
	}

	// The text report: a one-line summary on stderr.
	h.snapshotAt("cur.json", refNow.Add(2*time.Hour))
	res = h.run("check", "--snapshot", "cur.json", "--previous", "prev.json", "--fail-on", "none")
	if !strings.Contains(res.stderr, "hogaudit: drift since 2026-11-27 12:00 UTC: ") || !strings.Contains(res.stderr, "see --json/--markdown or 'hogaudit diff'") {
		t.Errorf("no drift line:\n%s", res.stderr)
	}
	complete := res.code == 0
	// --fail-on-drift: 1 for drift in the named groups only, unless the run
	// already exits 2.
	res = h.run("check", "--snapshot", "cur.json", "--previous", "prev.json", "--fail-on", "none", "--fail-on-drift-kind", "members")
	if complete && res.code != 1 {
		t.Errorf("--fail-on-drift-kind members: exit %d:\n%s", res.code, res.stderr)
	}
	res = h.run("check", "--snapshot", "cur.json", "--previous", "prev.json", "--fail-on", "none", "--fail-on-drift-kind", "domains")
	if complete && res.code != 0 {
		t.Errorf("--fail-on-drift-kind domains: exit %d:\n%s", res.code, res.stderr)
	}
	if !complete {
		t.Errorf("Acme's check is expected complete (exit 0 with --fail-on none), got exit %d:\n%s", res.code, res.stderr)
	}
}

// The text diff is coloured only on a terminal without NO_COLOR, and
// never in the other formats or in a file (needs drift.Compare and
// Engine.Access).
func TestDiffColorOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("a.json", refNow)
	h.promoteMember()
	h.snapshotAt("b.json", refNow.Add(time.Hour))
	runTTY := func(vars map[string]string, args ...string) result {
		var out, errb bytes.Buffer
		e := h.env(&out, &errb, vars)
		e.stdoutTTY = true
		code := run(context.Background(), args, e)
		return result{code: code, stdout: out.String(), stderr: errb.String()}
	}
	if res := runTTY(nil, "diff", "a.json", "b.json"); res.code != 0 || !strings.Contains(res.stdout, "\x1b[") {
		t.Errorf("terminal: exit %d, no colour:\n%s%s", res.code, res.stdout, res.stderr)
	}
	for name, res := range map[string]result{
		"no terminal": h.run("diff", "a.json", "b.json"),
		"NO_COLOR":    runTTY(map[string]string{"NO_COLOR": "1"}, "diff", "a.json", "b.json"),
		"markdown":    runTTY(nil, "diff", "a.json", "b.json", "-f", "markdown"),
		"json":        runTTY(nil, "diff", "a.json", "b.json", "-f", "json"),
		"-o":          runTTY(nil, "diff", "a.json", "b.json", "-o", "d.txt"),
	} {
		if res.code != 0 || strings.Contains(res.stdout, "\x1b") {
			t.Errorf("%s: exit %d, stdout %q", name, res.code, res.stdout)
		}
	}
	if b, err := os.ReadFile(h.path("d.txt")); err != nil || bytes.Contains(b, []byte("\x1b")) || !bytes.Contains(b, []byte("members (")) {
		t.Errorf("d.txt (%v):\n%s", err, b)
	}
}

func TestDiffHelpTeaches(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("diff", "--help")
	for _, want := range []string{"Examples:", "hogaudit diff monday.json next-monday.json", "--fail-on-drift-kind=GROUP", "Exit codes: 0", "not compared"} {
		if res.code != 0 || !strings.Contains(res.stdout, want) {
			t.Errorf("diff --help lacks %q:\n%s", want, res.stdout)
		}
	}
	if res := h.run("--help"); !strings.Contains(res.stdout, "diff") {
		t.Errorf("hogaudit --help does not list diff:\n%s", res.stdout)
	}
}

// editSnapshotDoc writes to the snapshot at from, edited as a JSON
// document (the way a hand or another tool would), to the file to.
func editSnapshotDoc(t *testing.T, from, to string, edit func(doc map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDriftGapsOutrankFindings: with a drift flag, a comparison that could
// not be made fully exits 2 even when the check's findings alone would
// exit 1; near miss: the same run without a drift flag keeps the check's 1,
// and a complete comparison with drift and findings exits 1.
func TestDriftGapsOutrankFindings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.snapshotAt("prev.json", refNow)
	h.snapshotAt("cur.json", refNow.Add(time.Hour))
	editSnapshotDoc(t, h.path("prev.json"), h.path("holed.json"), func(doc map[string]any) {
		doc["invites"] = nil
		doc["missing"] = append(doc["missing"].([]any), map[string]any{
			"section": "invites", "endpoint": "/api/organizations/@current/invites/", "status": 500,
			"detail": "A server error occurred.", "reason": "HTTP 500 from PostHog",
		})
	})
	check := func(args ...string) result {
		return h.run(append([]string{"check", "--snapshot", "cur.json", "--fail-on", "low"}, args...)...)
	}
	if res := check(); res.code != 1 {
		t.Fatalf("the check alone: exit %d, want 1 (findings):\n%s", res.code, res.stderr)
	}
	if res := check("--previous", "holed.json", "--fail-on-drift"); res.code != 2 || !strings.Contains(res.stderr, "not compared") {
		t.Errorf("gaps with --fail-on-drift: exit %d, want 2:\n%s", res.code, res.stderr)
	}
	if res := check("--previous", "holed.json"); res.code != 1 {
		t.Errorf("gaps without a drift flag: exit %d, want the check's 1:\n%s", res.code, res.stderr)
	}
	if res := check("--previous", "prev.json", "--fail-on-drift"); res.code != 1 {
		t.Errorf("complete comparison: exit %d, want 1:\n%s", res.code, res.stderr)
	}
}
