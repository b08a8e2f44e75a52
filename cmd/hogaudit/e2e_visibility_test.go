package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// End-to-end tests of what the scanning key itself may see (issue 7, item
// 5) and of the keys the matrix declares (item 6): a simulated organization
// is scanned by the real command and the JSON report read back.

// memberKeyToken is a scanning key with exactly the read scopes hogaudit
// needs, owned by bi-bot: an organization member (level 1) whom a rule lets
// into Production, and nothing into Staging.
const memberKeyToken = "phx_e2eMemberScanningKeyOfBiBot000000000000"

// withMemberKey adds memberKeyToken to the organization.
func withMemberKey(o *posthogsim.Org) {
	o.Keys = append(o.Keys, posthogsim.APIKey{
		ID: "0190a1b2-8888-7000-8000-0000000000e2", Label: "bi-bot-scanner", Token: memberKeyToken,
		UserID: member(o, "bi-bot@acme.example").User.ID, Scopes: posthogsim.MinimalScopes(),
		ScopedOrganizations: []string{posthogsim.AcmeOrgID}, CreatedAt: refNow.AddDate(0, 0, -1),
	})
}

// visibilityReport is the part of the JSON report these tests read beyond
// jsonReport.
type visibilityReport struct {
	Snapshot struct {
		Complete bool `json:"complete"`
		Missing  []struct {
			Section  string `json:"section"`
			Key      string `json:"key"`
			Endpoint string `json:"endpoint"`
			Status   int    `json:"status"`
			Reason   string `json:"reason"`
		} `json:"missing"`
	} `json:"snapshot"`
	Coverage struct {
		Keys struct {
			Declared  int      `json:"declared"`
			Audited   int      `json:"audited"`
			Unaudited []string `json:"unaudited"`
		} `json:"keys"`
	} `json:"coverage"`
	NotEvaluated []struct {
		Rule   string `json:"rule"`
		Reason string `json:"reason"`
	} `json:"not_evaluated"`
}

func decodeVisibility(t *testing.T, stdout string) visibilityReport {
	t.Helper()
	var r visibilityReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("decode JSON report: %v\n%s", err, stdout)
	}
	return r
}

// missingSections lists the sections of the report's missing records.
func (r visibilityReport) missingSections() []string {
	var out []string
	for _, m := range r.Snapshot.Missing {
		out = append(out, m.Section)
	}
	return out
}

func (r visibilityReport) missingReason(section string) string {
	for _, m := range r.Snapshot.Missing {
		if m.Section == section {
			return m.Reason
		}
	}
	return ""
}

func (r visibilityReport) notEvaluated(rule string) (string, bool) {
	for _, n := range r.NotEvaluated {
		if n.Rule == rule {
			return n.Reason, true
		}
	}
	return "", false
}

func TestScanWithAMembersKeyIsIncompleteAndNamesTheCause(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withMemberKey)
	h.vars["POSTHOG_PERSONAL_API_KEY"] = memberKeyToken
	rep, res := h.scanJSON()
	if res.code != 2 {
		t.Fatalf("a member's scan: exit %d, want 2\n%s", res.code, res.stderr)
	}
	f, ok := rep.find(want{"PH904", "key:bi-bot-scanner", ""})
	if !ok {
		t.Fatalf("no PH904 for the scanning key:\n%s", listFindings(rep))
	}
	for _, w := range []string{"organization member (level 1)", "projects", "organization admin's or owner's key"} {
		if !strings.Contains(f.Message, w) {
			t.Errorf("PH904 message %q lacks %q", f.Message, w)
		}
	}
	if f.Severity != "high" || f.Evidence["membership_level"] != float64(1) {
		t.Errorf("PH904 severity %s evidence %v", f.Severity, f.Evidence)
	}
	vr := decodeVisibility(t, res.stdout)
	if vr.Snapshot.Complete {
		t.Error("a snapshot missing the private projects must not be complete")
	}
	reason := vr.missingReason("projects")
	if !strings.Contains(reason, "organization member (level 1)") || !strings.Contains(reason, "private projects") {
		t.Errorf("the projects record should name the level and what is missing, got %q (records %v)", reason, vr.missingSections())
	}
	// The rules that need projects do not run on the partial list, and say
	// why — not a scope the key already has.
	why, ok := vr.notEvaluated("PH204")
	if !ok || !strings.Contains(why, "not an organization admin's") || strings.Contains(why, "project:read") {
		t.Errorf("PH204 not evaluated: %v %q", ok, why)
	}
	// Staging is hidden from the key, not gone: no unbound-project finding.
	if rep.has("PH903", "matrix:projects.staging_project", "staging_project") {
		t.Error("a project hidden from the scanning key is not an unbound matrix project")
	}
	// PH904, not PH901, reports the partial project list.
	if rep.has("PH901", "section:projects", "*") {
		t.Error("the partial project list is PH904's, not PH901's")
	}
	if !strings.Contains(res.stderr, "organization member (level 1)") || !strings.Contains(res.stderr, "organization admin's or owner's key") {
		t.Errorf("stderr should name the cause and the remedy:\n%s", res.stderr)
	}

	// Near miss: the owner's key of the same organization.
	h.vars["POSTHOG_PERSONAL_API_KEY"] = posthogsim.AcmeScannerToken
	rep, res = h.scanJSON()
	if res.code != 1 {
		t.Errorf("the owner's scan: exit %d, want 1 (findings)\n%s", res.code, res.stderr)
	}
	if _, ok := rep.find(want{"PH904", "*", "*"}); ok {
		t.Errorf("PH904 for an owner's key:\n%s", listFindings(rep))
	}
	if vr := decodeVisibility(t, res.stdout); !vr.Snapshot.Complete || len(vr.Snapshot.Missing) != 0 {
		t.Errorf("the owner's snapshot should be complete: %v", vr.missingSections())
	}
}

func TestScanWithAMembersKeyWhenMembersAreHidden(t *testing.T) {
	t.Parallel()
	hidden := func(o *posthogsim.Org) {
		withMemberKey(o)
		no := false
		o.MembersCanSeeOrgMembers = &no
	}
	h := newHarness(t, hidden)
	h.vars["POSTHOG_PERSONAL_API_KEY"] = memberKeyToken
	rep, res := h.scanJSON()
	if res.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", res.code, res.stderr)
	}
	vr := decodeVisibility(t, res.stdout)
	if r := vr.missingReason("members"); !strings.Contains(r, "members_can_see_org_members is off") {
		t.Errorf("members record %q (records %v)", r, vr.missingSections())
	}
	if r := vr.missingReason("roles"); !strings.Contains(r, "role memberships") {
		t.Errorf("roles record %q", r)
	}
	// Too many owners cannot be judged on a member list the owners are
	// hidden from.
	if _, ok := vr.notEvaluated("PH201"); !ok || rep.has("PH201", "org:Acme Analytics", "") {
		t.Errorf("PH201 must not be evaluated on a partial member list:\n%s", listFindings(rep))
	}
	f, ok := rep.find(want{"PH904", "key:bi-bot-scanner", ""})
	if !ok || !strings.Contains(f.Message, "members") {
		t.Errorf("PH904 should name the partial member list: %+v", f)
	}

	// Near miss: the setting on (PostHog's default) with the same member
	// key: projects are partial, members are not.
	h2 := newHarness(t, withMemberKey)
	h2.vars["POSTHOG_PERSONAL_API_KEY"] = memberKeyToken
	rep, res = h2.scanJSON()
	vr = decodeVisibility(t, res.stdout)
	if vr.missingReason("members") != "" || vr.missingReason("roles") != "" {
		t.Errorf("members are visible to every member by default, got records %v", vr.missingSections())
	}
	if !rep.has("PH201", "org:Acme Analytics", "") {
		t.Errorf("with the whole member list PH201 runs and finds Acme's three owners:\n%s", listFindings(rep))
	}
	// And the owner's key with the setting off: everything is visible.
	h.vars["POSTHOG_PERSONAL_API_KEY"] = posthogsim.AcmeScannerToken
	_, res = h.scanJSON()
	if vr := decodeVisibility(t, res.stdout); !vr.Snapshot.Complete {
		t.Errorf("an owner sees every member whatever the setting: %v", vr.missingSections())
	}
}

func TestDeclaredKeyNotAuditedExitsIncomplete(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	// flag-service is declared under flag_service_account's keys: but not
	// handed over.
	res := h.run("scan", "--audit-key-env", "ACME_BI_KEY", "--audit-key-env", "ACME_LEGACY_KEY", "--format", "json")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", res.code, res.stderr)
	}
	vr := decodeVisibility(t, res.stdout)
	k := vr.Coverage.Keys
	if k.Declared != 2 || k.Audited != 1 || len(k.Unaudited) != 1 || k.Unaudited[0] != "flag-service" {
		t.Errorf("coverage %+v, want 1 of 2 with flag-service unaudited", k)
	}
	var found bool
	for _, m := range vr.Snapshot.Missing {
		if m.Section == "api_keys" && m.Key == "flag-service" && strings.Contains(m.Reason, "flag_service_account") {
			found = true
		}
	}
	if !found || vr.Snapshot.Complete {
		t.Errorf("want a missing record for flag-service and an incomplete report, got %+v", vr.Snapshot)
	}
	rep := decodeReport(t, []byte(res.stdout))
	f, ok := rep.find(want{"PH901", "key:flag-service", ""})
	if !ok || !strings.Contains(f.Message, "--audit-key-env") || f.Line == 0 {
		t.Errorf("PH901 for the unaudited key: %+v\n%s", f, listFindings(rep))
	}
	// The stale-key finding about flag-service cannot exist: the key was
	// never seen.
	if rep.has("PH304", "key:flag-service", "*") {
		t.Error("PH304 cannot judge a key hogaudit never saw")
	}
	for _, w := range []string{"not audited: flag-service", "--audit-key-env"} {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
		}
	}

	// Near miss: every declared key handed over; the exit follows the
	// findings, and the key rules judge flag-service.
	rep, res = h.scanJSON()
	if res.code != 1 {
		t.Errorf("every key audited: exit %d, want 1 (findings)\n%s", res.code, res.stderr)
	}
	vr = decodeVisibility(t, res.stdout)
	if k := vr.Coverage.Keys; k.Declared != 2 || k.Audited != 2 || len(k.Unaudited) != 0 || !vr.Snapshot.Complete {
		t.Errorf("coverage %+v complete %v, want 2 of 2", k, vr.Snapshot.Complete)
	}
	if rep.has("PH901", "key:flag-service", "") || strings.Contains(res.stderr, "--audit-key-env") {
		t.Errorf("nothing to hand over, yet:\n%s%s", listFindings(rep), res.stderr)
	}
	if !rep.has("PH304", "key:flag-service", "*") {
		t.Errorf("with flag-service audited, its staleness is judged:\n%s", listFindings(rep))
	}
}

func TestCheckOfASnapshotCountsDeclaredKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("snapshot", "-o", "partial-keys.json", "--audit-key-env", "ACME_BI_KEY")
	if res.code != 0 {
		t.Fatalf("snapshot: exit %d\n%s", res.code, res.stderr)
	}
	// The snapshot itself is complete; the matrix declares a key it lacks.
	res = h.run("check", "--snapshot", "partial-keys.json", "--format", "json")
	if res.code != 2 || !strings.Contains(res.stderr, "--audit-key-env") {
		t.Fatalf("check: exit %d, want 2 naming --audit-key-env\n%s", res.code, res.stderr)
	}
	if k := decodeVisibility(t, res.stdout).Coverage.Keys; k.Audited != 1 || k.Declared != 2 {
		t.Errorf("coverage %+v", k)
	}
	// Near miss: a matrix that declares only the key the snapshot holds.
	h.writeMatrix(strings.Replace(readFile(t, h.path("access-matrix.yaml")), `    keys: ["flag-service"]`+"\n", "", 1))
	res = h.run("check", "--snapshot", "partial-keys.json", "--format", "json")
	if res.code != 1 {
		t.Errorf("check with only audited keys declared: exit %d, want 1\n%s", res.code, res.stderr)
	}
	if k := decodeVisibility(t, res.stdout).Coverage.Keys; k.Audited != 1 || k.Declared != 1 {
		t.Errorf("coverage %+v, want 1 of 1", k)
	}
}

func TestDemoAuditsEveryDeclaredKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("demo", "--format", "json")
	if res.code != 0 {
		t.Fatalf("demo exit %d:\n%s", res.code, res.stderr)
	}
	vr := decodeVisibility(t, res.stdout)
	if k := vr.Coverage.Keys; k.Declared != 2 || k.Audited != 2 || !vr.Snapshot.Complete {
		t.Errorf("the demo hands over its audit keys: coverage %+v complete %v", k, vr.Snapshot.Complete)
	}
	if rep := decodeReport(t, []byte(res.stdout)); rep.has("PH904", "key:access-snapshot", "") {
		t.Error("the demo scans with an owner's key")
	}
}
