package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The fault-injection suite of lists and objects (issue 8, items 1 and 2):
// the simulated PostHog answers 200 with pages that do not add up, bodies
// of the wrong shape, null or {} bodies and items without a required field.
// Each scan must end either in the snapshot a clean organization gives (the
// second read of a list heals a fault of the first) or in exit 2 with a
// missing record naming the endpoint and what was wrong: never exit 0 or 1
// on complete evidence, never a hang, never a panic.

// faultMissing is the part of a missing record the suite reads.
type faultMissing struct {
	Section   string `json:"section"`
	ProjectID *int64 `json:"project_id"`
	Endpoint  string `json:"endpoint"`
	Reason    string `json:"reason"`
	Detail    string `json:"detail"`
	Status    int    `json:"status"`
}

type faultReport struct {
	Snapshot struct {
		Complete bool           `json:"complete"`
		Missing  []faultMissing `json:"missing"`
	} `json:"snapshot"`
	Findings []struct {
		Rule    string `json:"rule"`
		Message string `json:"message"`
	} `json:"findings"`
}

// faultScan scans the harness organization with every fault injected,
// failing on nothing but incomplete evidence, within a deadline. It
// returns the run, its JSON report and the snapshot it kept.
func faultScan(t *testing.T, h *harness, faults ...posthogsim.Fault) (result, faultReport, *snapshot.Snapshot) {
	t.Helper()
	for _, f := range faults {
		h.sim.Inject(f)
	}
	done := make(chan result, 1)
	go func() {
		done <- h.run(scanArgs("--format", "json", "--fail-on", "none", "--snapshot-out", "snap.json")...)
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the scan hung")
	}
	if strings.Contains(res.stderr, "panic") || strings.Contains(res.stderr, "goroutine ") {
		t.Fatalf("the scan panicked:\n%s", res.stderr)
	}
	var rep faultReport
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("exit %d, no JSON report: %v\n%s", res.code, err, res.stderr)
	}
	s, err := snapshot.Load(h.path("snap.json"))
	if err != nil {
		t.Fatalf("the kept snapshot does not load: %v", err)
	}
	return res, rep, s
}

// comparable returns a snapshot's JSON without what differs between two
// harnesses (the loopback host) and runs (collected_at).
func comparable(t *testing.T, s *snapshot.Snapshot) []byte {
	t.Helper()
	c := *s
	c.Host, c.CollectedAt = "", time.Time{}
	// The call log counts the re-reads that healed a list: it is the
	// record of the requests made, not of the organization.
	c.Collection = nil
	b, err := snapshot.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFaultsListsEndToEnd(t *testing.T) {
	t.Parallel()
	mid := "/api/organizations/" + posthogsim.AcmeOrgID + "/"
	production := fmt.Sprintf("/api/projects/%d/", posthogsim.AcmeProductionID)
	access2025 := func(o *posthogsim.Org) {
		for i := range o.Projects {
			if o.Projects[i].ID == posthogsim.AcmeProductionID {
				o.Projects[i].AccessControl = true
			}
		}
	}
	newest := []posthogsim.Option{posthogsim.WithPageSize(3)}
	old := []posthogsim.Option{posthogsim.WithPageSize(3), posthogsim.WithDeployment(posthogsim.Deployment2025)}

	// clean is the snapshot of each setup without faults.
	type setup struct {
		name   string
		mutate func(*posthogsim.Org)
		opts   []posthogsim.Option
	}
	setups := map[string]setup{
		"newest": {"newest", nil, newest},
		"2025":   {"2025", access2025, old},
	}
	clean := map[string][]byte{}
	for name, su := range setups {
		h := newHarness(t, su.mutate, su.opts...)
		res, rep, s := faultScan(t, h)
		if res.code != 0 || !rep.Snapshot.Complete {
			t.Fatalf("%s without faults: exit %d, complete %v, missing %+v\n%s", name, res.code, rep.Snapshot.Complete, rep.Snapshot.Missing, res.stderr)
		}
		clean[name] = comparable(t, s)
	}

	tests := []struct {
		name   string
		setup  string
		faults []posthogsim.Fault
		// heals: the scan ends in the clean snapshot (exit 0). Otherwise it
		// exits 2 with a record of section for endpoint whose reason
		// contains reason.
		heals    bool
		section  string
		endpoint string
		reason   string
	}{
		// Pages that do not add up, once: the second read heals them.
		{name: "short page, once", faults: []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.FaultShortPage}}, heals: true},
		{name: "short later page, once", faults: []posthogsim.Fault{{Path: "/members/", Page: 3, Kind: posthogsim.FaultShortPage}}, heals: true},
		{name: "long page, once", faults: []posthogsim.Fault{{Path: "/invites/", Kind: posthogsim.FaultLongPage}}, heals: true},
		{name: "overlapping page, once", faults: []posthogsim.Fault{{Path: "/members/", Page: 2, Kind: posthogsim.FaultOverlapPage}}, heals: true},
		{name: "duplicated item, once", faults: []posthogsim.Fault{{Path: "/roles/", Kind: posthogsim.FaultDuplicateItem}}, heals: true},
		{name: "endless cursor, once", faults: []posthogsim.Fault{{Path: "/advanced_activity_logs/", Kind: posthogsim.FaultEndlessCursor, Times: 2}}, heals: true},

		// The same, persistently: missing evidence naming the numbers.
		{name: "short page", faults: []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.FaultShortPage, Times: 2}},
			section: "members", endpoint: mid + "members/",
			reason: "the list did not add up: the first page holds 2 items but links to the next page at offset 3 after 2 attempts"},
		{name: "short last page", faults: []posthogsim.Fault{{Path: "/members/", Page: 4, Kind: posthogsim.FaultShortPage, Times: 2}},
			section: "members", endpoint: mid + "members/",
			reason: "the list did not add up: the page at offset 9 holds 1 item where count 11 in pages of 3 calls for 2 after 2 attempts"},
		{name: "long page", faults: []posthogsim.Fault{{Path: "/invites/", Kind: posthogsim.FaultLongPage, Times: 2}},
			section: "invites", endpoint: mid + "invites/",
			reason: "the list did not add up: 4 distinct items of count 3 after 2 attempts"},
		{name: "overlapping page", faults: []posthogsim.Fault{{Path: "/members/", Page: 2, Kind: posthogsim.FaultOverlapPage, Times: 2}},
			section: "members", endpoint: mid + "members/", reason: "the list did not add up: 10 distinct items of count 11 (11 items: "},
		{name: "duplicated item", faults: []posthogsim.Fault{{Path: "/roles/", Kind: posthogsim.FaultDuplicateItem, Times: 2}},
			section: "roles", endpoint: mid + "roles/", reason: "the list did not add up: 1 distinct items of count 2 (2 items: "},
		{name: "duplicated project", faults: []posthogsim.Fault{{Path: mid + "projects/", Kind: posthogsim.FaultDuplicateItem, Times: 2}},
			section: "projects", endpoint: mid + "projects/", reason: `the list did not add up: 1 distinct items of count 2 (2 items: "12345" more than once) after 2 attempts`},
		{name: "endless cursor", faults: []posthogsim.Fault{{Path: "activity_log", Kind: posthogsim.FaultEndlessCursor, Times: 1000}},
			section: "activity_log", endpoint: "/api/projects/{project_id}/activity_log/",
			reason: "the list did not add up: page 2 returns no new rows (3 rows already read): the cursor chain repeats itself after 2 attempts"},
		{name: "endless cursor, 2025", setup: "2025", faults: []posthogsim.Fault{{Path: "/activity_log/", Kind: posthogsim.FaultEndlessCursor, Times: 1000}},
			section: "activity_log", endpoint: "/api/projects/{project_id}/activity_log/",
			reason: "the cursor chain repeats itself after 2 attempts"},

		// Answers of the wrong shape: malformed, recorded at once.
		{name: "results null", faults: []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.FaultResultsNull}},
			section: "members", endpoint: mid + "members/", reason: "malformed answer: results is null"},
		{name: "results absent", faults: []posthogsim.Fault{{Path: "/domains/", Kind: posthogsim.FaultResultsAbsent}},
			section: "domains", endpoint: mid + "domains/", reason: "malformed answer: results is missing"},
		{name: "bare array instead of a page", faults: []posthogsim.Fault{{Path: "/invites/", Kind: posthogsim.FaultBareArray}},
			section: "invites", endpoint: mid + "invites/", reason: "malformed answer: the body is a bare list where a page {count, next, results} is expected"},
		{name: "page instead of a bare array", setup: "2025", faults: []posthogsim.Fault{{Path: "/explicit_members/", Kind: posthogsim.FaultEnvelope}},
			section: "explicit_members", endpoint: production + "explicit_members/", reason: "malformed answer: the body is a page where a bare list is expected"},
		{name: "huge count", faults: []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.FaultHugeCount}},
			section: "members", endpoint: mid + "members/", reason: "the list is too long to read whole: posthog counts 1000000000000 items, more than the 1000000 one list may hold"},
		{name: "item without its id", faults: []posthogsim.Fault{{Path: "/members/", Page: 2, Kind: posthogsim.FaultDropField}},
			section: "members", endpoint: mid + "members/", reason: "malformed answer (the page at offset 3): results[0].id is missing"},
		{name: "member without user", faults: []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.FaultDropField, Field: "user"}},
			section: "members", endpoint: mid + "members/", reason: "malformed answer: results[0].user is missing"},
		{name: "member without email", faults: []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.FaultDropField, Field: "user.email"}},
			section: "members", endpoint: mid + "members/", reason: "malformed answer: results[0].user.email is missing"},
		{name: "member without level", faults: []posthogsim.Fault{{Path: "/members/", Kind: posthogsim.FaultDropField, Field: "level"}},
			section: "members", endpoint: mid + "members/", reason: "malformed answer: results[0].level is missing"},
		{name: "project without id", faults: []posthogsim.Fault{{Path: mid + "projects/", Kind: posthogsim.FaultDropField}},
			section: "projects", endpoint: mid + "projects/", reason: "malformed answer: results[0].id is missing"},
		{name: "role membership without user", faults: []posthogsim.Fault{{Path: "/roles/", Kind: posthogsim.FaultDropField, Field: "members.user", Times: 10}},
			section: "roles", endpoint: mid + "roles/", reason: "malformed answer: results[0].members[0].user is missing"},
		{name: "null organization", faults: []posthogsim.Fault{{Path: "/organizations/@current/", Kind: posthogsim.FaultNullBody}},
			section: "organization", endpoint: "/api/organizations/@current/", reason: "malformed answer: the body is null"},
		{name: "{} organization", faults: []posthogsim.Fault{{Path: "/organizations/@current/", Kind: posthogsim.FaultEmptyObject}},
			section: "organization", endpoint: "/api/organizations/@current/", reason: "malformed answer: id is missing"},
		{name: "{} current user", faults: []posthogsim.Fault{{Path: "/users/@me/", Kind: posthogsim.FaultEmptyObject}},
			section: "current_user", endpoint: "/api/users/@me/", reason: "malformed answer: id is missing"},
		{name: "null preflight", faults: []posthogsim.Fault{{Path: "/_preflight/", Kind: posthogsim.FaultNullBody}},
			section: "instance", endpoint: "/_preflight/", reason: "malformed answer: the body is null"},
		{name: "null key", faults: []posthogsim.Fault{{Path: "/personal_api_keys/@current/", Kind: posthogsim.FaultNullBody, Times: 10}},
			section: "api_keys", endpoint: "/api/personal_api_keys/@current/", reason: "malformed answer: the body is null"},
		{name: "{} access controls", faults: []posthogsim.Fault{{Path: production + "access_controls/", Kind: posthogsim.FaultEmptyObject}},
			section: "access_controls", endpoint: production + "access_controls/", reason: "malformed answer: access_controls is missing"},
		{name: "null access_controls", faults: []posthogsim.Fault{{Path: production + "resource_access_controls/", Kind: posthogsim.FaultDropField, Field: "access_controls"}},
			section: "resource_access_controls", endpoint: production + "resource_access_controls/", reason: "malformed answer: access_controls is missing"},
		{name: "null users_with_access", faults: []posthogsim.Fault{{Path: production + "users_with_access/", Kind: posthogsim.FaultNullBody}},
			section: "users_with_access", endpoint: production + "users_with_access/", reason: "malformed answer: the body is null"},
		{name: "{} users_with_access", faults: []posthogsim.Fault{{Path: production + "users_with_access/", Kind: posthogsim.FaultEmptyObject}},
			section: "users_with_access", endpoint: production + "users_with_access/", reason: "malformed answer: users is missing"},
		{name: "users_with_access without total_count", faults: []posthogsim.Fault{{Path: production + "users_with_access/", Kind: posthogsim.FaultDropField, Field: "total_count", Times: 2}},
			section: "users_with_access", endpoint: production + "users_with_access/", reason: "malformed answer: total_count is missing"},
		{name: "activity entry without created_at", faults: []posthogsim.Fault{{Path: "/advanced_activity_logs/", Kind: posthogsim.FaultDropField, Field: "created_at"}, {Path: "/activity_log/", Kind: posthogsim.FaultDropField, Field: "created_at", Times: 10}},
			section: "activity_log", endpoint: "/api/projects/{project_id}/activity_log/", reason: "malformed answer: results[0].created_at is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := tt.setup
			if name == "" {
				name = "newest"
			}
			su := setups[name]
			h := newHarness(t, su.mutate, su.opts...)
			res, rep, s := faultScan(t, h, tt.faults...)
			if tt.heals || tt.section == "" {
				if res.code != 0 || !rep.Snapshot.Complete {
					t.Fatalf("exit %d, complete %v, missing %+v; want the clean snapshot\n%s", res.code, rep.Snapshot.Complete, rep.Snapshot.Missing, res.stderr)
				}
				if got := comparable(t, s); !bytes.Equal(got, clean[name]) {
					t.Errorf("the healed snapshot differs from the clean one:\n%s", cmp.Diff(string(clean[name]), string(got)))
				}
				return
			}
			if res.code != 2 || rep.Snapshot.Complete || s.Complete() {
				t.Fatalf("exit %d, complete %v; want 2 and incomplete evidence\n%s", res.code, rep.Snapshot.Complete, res.stderr)
			}
			var found *faultMissing
			for i, m := range rep.Snapshot.Missing {
				if m.Section == tt.section && strings.Contains(m.Endpoint, tt.endpoint) {
					found = &rep.Snapshot.Missing[i]
				}
			}
			if found == nil {
				t.Fatalf("no missing record of %s for %s: %+v", tt.section, tt.endpoint, rep.Snapshot.Missing)
			}
			if !strings.Contains(found.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", found.Reason, tt.reason)
			}
			if !strings.Contains(found.Detail, "GET ") {
				t.Errorf("detail %q does not name the request", found.Detail)
			}
			if found.Status != 200 {
				t.Errorf("status %d, want 200: PostHog answered, unusably", found.Status)
			}
			ph901 := false
			for _, f := range rep.Findings {
				if f.Rule == "PH901" && strings.Contains(f.Message, "The "+tt.section+" section") && strings.Contains(f.Message, "(HTTP 200); ") && strings.Contains(f.Message, tt.reason) {
					ph901 = true
				}
			}
			if !ph901 {
				t.Errorf("no PH901 for %s naming %q: %+v", tt.section, tt.reason, rep.Findings)
			}
			if !strings.Contains(res.stderr, tt.section) {
				t.Errorf("stderr does not name %s:\n%s", tt.section, res.stderr)
			}
		})
	}
}
