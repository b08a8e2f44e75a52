package snapshot_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// A project deleted after the project list was served answers 404 to
// everything; on the newest PostHog that 404 is the project's, not the
// deployment's: every other project keeps its own users_with_access.
func TestCollectProjectDeletedMidRunKeepsTheOthersUsersWithAccess(t *testing.T) {
	t.Parallel()
	const projects = 6
	for _, width := range []int{1, 4} {
		org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 30, Projects: projects, Seed: 13, Now: refNow})
		gone := org.Projects[0].ID
		var sim *posthogsim.Server
		var once sync.Once
		sim = posthogsim.New(org, posthogsim.WithAnswered(func(r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/projects/") && strings.HasPrefix(r.URL.Path, "/api/organizations/") {
				once.Do(func() { sim.DeleteProject(gone) })
			}
		}))
		s, err := collectSim(t, sim, width, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range s.Projects {
			if p.ID == gone {
				if p.UsersWithAccess != nil {
					t.Errorf("width %d: the deleted project has users_with_access %v", width, p.UsersWithAccess)
				}
				continue
			}
			if p.UsersWithAccess == nil {
				t.Errorf("width %d: project %d lost its users_with_access to the deleted project's 404", width, p.ID)
			}
		}
		var recs int
		for _, m := range s.Missing {
			if m.Section != snapshot.SectionUsersWithAccess {
				continue
			}
			recs++
			if m.ProjectID == nil || *m.ProjectID != gone {
				t.Errorf("width %d: users_with_access record %+v is not the deleted project's", width, m)
			}
		}
		if recs != 1 {
			t.Errorf("width %d: %d users_with_access records, want the deleted project's one", width, recs)
		}
		if n := pathsLike(sim.Stats(), "/users_with_access/"); n != projects {
			t.Errorf("width %d: users_with_access asked %d times, want once per project (%d)", width, n, projects)
		}
	}
}

// An entry written between page 1 and page 2 of the organization-wide
// activity log shifts no page: end_date (the collection's start) fixes the
// head, so the log is read once, completely, without a retry.
func TestCollectOrgActivityLogWrittenDuringTheRead(t *testing.T) {
	t.Parallel()
	const projects, perProject = 3, 900
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 20, Projects: projects, Seed: 14, Now: refNow, ActivityPerProject: perProject})
	var owner, member string
	for _, m := range org.Members {
		switch {
		case m.Level == posthogsim.LevelOwner && owner == "":
			owner = m.User.Email
		case m.Level == posthogsim.LevelMember && member == "":
			member = m.User.Email
		}
	}
	var sim *posthogsim.Server
	var once sync.Once
	var changeErr error
	sim = posthogsim.New(org, posthogsim.WithAnswered(func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/advanced_activity_logs/") && r.URL.Query().Get("page") == "1" {
			// After the collection started (opts.Now is refNow).
			once.Do(func() { changeErr = sim.SetMemberLevel(owner, member, posthogsim.LevelAdmin, refNow.Add(time.Minute)) })
		}
	}))
	s, err := collectSim(t, sim, 1, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if changeErr != nil {
		t.Fatal(changeErr)
	}
	if !s.Complete() {
		t.Fatalf("incomplete: %+v", s.Missing)
	}
	if s.ActivityLogSource == nil || s.ActivityLogSource.Source != snapshot.ActivitySourceOrganization {
		t.Fatalf("activity log source %+v, want the organization-wide log", s.ActivityLogSource)
	}
	want := 0
	since := refNow.AddDate(0, 0, -snapshot.DefaultLookbackDays)
	for _, p := range sim.Org().Projects {
		for _, e := range p.Activity {
			if !e.CreatedAt.Before(since) && !e.CreatedAt.After(refNow) {
				want++
			}
		}
	}
	for _, e := range sim.Org().Activity {
		if !e.CreatedAt.Before(since) && !e.CreatedAt.After(refNow) {
			want++
		}
	}
	if len(s.ActivityLog) != want {
		t.Errorf("%d activity entries, want the %d written before the collection started", len(s.ActivityLog), want)
	}
	for _, e := range s.ActivityLog {
		if e.CreatedAt.After(refNow) {
			t.Errorf("entry %s of %s, written after the collection started, was collected", e.ID, e.CreatedAt)
		}
	}
	st := sim.Stats()
	if n := st.ByPath["/api/organizations/"+org.ID+"/advanced_activity_logs/"]; n != ceilDiv(want, 1000) {
		t.Errorf("the organization-wide log of %d entries took %d requests, want %d (no retry)", want, n, ceilDiv(want, 1000))
	}
	if n := pathsLike(st, "/activity_log/"); n != 0 {
		t.Errorf("%d per-project activity log requests, want none", n)
	}
}

// When the lookback reaches past PostHog's audit-log retention, entries age
// out of the organization-wide log between its pages: the read still
// succeeds (no fallback to every project's log), and the lookback's
// coverage is a named hole. The near miss: a retention longer than the
// lookback cuts nothing and leaves the snapshot complete.
func TestCollectOrgActivityLogTailAgesOut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		retentionDays int
		cut           bool
	}{{20, true}, {40, false}} {
		org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 20, Projects: 3, Seed: 15, Now: refNow, ActivityPerProject: 900})
		var ticks atomic.Int64
		// Each request moves the server's clock on by six hours.
		clock := func() time.Time { return refNow.Add(time.Duration(ticks.Add(1)) * 6 * time.Hour) }
		sim := posthogsim.New(org, posthogsim.WithClock(clock),
			posthogsim.WithAuditLogRetention(time.Duration(tc.retentionDays)*24*time.Hour))
		s, err := collectSim(t, sim, 1, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.ActivityLogSource == nil || s.ActivityLogSource.Source != snapshot.ActivitySourceOrganization {
			t.Fatalf("retention %d days: activity log source %+v, want the organization-wide log (%+v)", tc.retentionDays, s.ActivityLogSource, s.Missing)
		}
		if n := pathsLike(sim.Stats(), "/activity_log/"); n != 0 {
			t.Errorf("retention %d days: %d per-project activity log requests, want none", tc.retentionDays, n)
		}
		var recs []snapshot.Missing
		for _, m := range s.Missing {
			if m.Section == snapshot.SectionActivityLog {
				recs = append(recs, m)
			}
		}
		switch {
		case tc.cut && (len(recs) != 1 || !strings.Contains(recs[0].Reason, "retention") || !strings.Contains(recs[0].Reason, "30 days")):
			t.Errorf("retention %d days: activity_log records %+v, want one naming the retention cut", tc.retentionDays, recs)
		case !tc.cut && (len(recs) != 0 || !s.Complete()):
			t.Errorf("retention %d days: records %+v, want a complete snapshot", tc.retentionDays, s.Missing)
		}
	}
}

// When the organization-wide log is refused on the newest PostHog (here a
// persistent 5xx), every project's log is read along its cursor chain of
// 1000-entry pages: an entry written between two pages shifts nothing, so
// each log is read once, where numbered pages would change count mid-read.
func TestCollectProjectActivityCursorSurvivesAWrite(t *testing.T) {
	t.Parallel()
	const projects, perProject = 2, 1500
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 20, Projects: projects, Seed: 16, Now: refNow, ActivityPerProject: perProject})
	target := org.Projects[0].ID
	var sim *posthogsim.Server
	var once sync.Once
	sim = posthogsim.New(org, posthogsim.WithAnswered(func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/activity_log/") && strings.HasPrefix(r.URL.Path, "/api/projects/") {
			once.Do(func() {
				sim.AppendProjectActivity(target, posthogsim.ActivityEntry{
					ID: "0193b4c5-dddd-7000-8000-000000000001", Scope: "FeatureFlag", Activity: "updated",
					ItemID: "1", CreatedAt: refNow.Add(time.Minute),
				})
			})
		}
	}))
	sim.Inject(posthogsim.Fault{Path: "/advanced_activity_logs/", Kind: posthogsim.Fault500, Times: 100, RetryAfter: "0"})
	s, err := collectSim(t, sim, 1, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range s.Missing {
		if m.Section == snapshot.SectionActivityLog {
			t.Errorf("activity log record %+v", m)
		}
	}
	st := sim.Stats()
	for _, p := range org.Projects {
		path := "/api/projects/" + strconv.FormatInt(p.ID, 10) + "/activity_log/"
		if n := st.ByPath[path]; n != ceilDiv(perProject, 1000) {
			t.Errorf("project %d: %d activity log requests for %d entries, want %d (cursor pages of 1000, no retry)", p.ID, n, perProject, ceilDiv(perProject, 1000))
		}
	}
	n := 0
	for _, e := range s.ActivityLog {
		if e.ProjectID != nil && *e.ProjectID == target {
			n++
		}
	}
	if n < perProject {
		t.Errorf("project %d: %d entries collected, want at least its %d", target, n, perProject)
	}
}

// When the organization-wide log is refused for a reason every project's
// log shares (the audit_logs plan feature, the activity_log:read scope),
// one project is asked first: the others send nothing and get a record
// with the same cause. The near miss (a 5xx, which may be the endpoint's
// alone) is TestCollectProjectActivityCursorSurvivesAWrite: every project
// is asked.
func TestCollectActivityFallbackAsksOneProjectFirst(t *testing.T) {
	t.Parallel()
	const projects = 7
	for _, tc := range []struct {
		name   string
		status int
		org    func(*posthogsim.Org)
		sim    func(*posthogsim.Server)
	}{
		{name: "no audit_logs feature", status: 402, org: func(o *posthogsim.Org) {
			o.Features = slices.DeleteFunc(o.Features, func(f string) bool { return f == "audit_logs" })
		}},
		{name: "no activity_log:read", status: 403, sim: func(s *posthogsim.Server) {
			s.DenyScope(posthogsim.SyntheticScannerToken, "activity_log:read")
		}},
	} {
		org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 20, Projects: projects, Seed: 17, Now: refNow})
		if tc.org != nil {
			tc.org(org)
		}
		sim := posthogsim.New(org)
		if tc.sim != nil {
			tc.sim(sim)
		}
		s, err := collectSim(t, sim, 4, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if n := pathsLike(sim.Stats(), "/activity_log/"); n != 1 {
			t.Errorf("%s: %d per-project activity log requests, want the one probe", tc.name, n)
		}
		// Every project failed identically: one record for the section,
		// with the probe's cause (collapseMissing).
		var recs []snapshot.Missing
		for _, m := range s.Missing {
			if m.Section == snapshot.SectionActivityLog {
				recs = append(recs, m)
			}
		}
		if len(recs) != 1 || recs[0].ProjectID != nil || recs[0].Status != tc.status ||
			recs[0].Endpoint != "/api/projects/{project_id}/activity_log/" {
			t.Errorf("%s: activity_log records %+v, want one for every project with status %d", tc.name, recs, tc.status)
		}
		if s.ActivityLog != nil {
			t.Errorf("%s: %d activity entries, want none (no log was readable)", tc.name, len(s.ActivityLog))
		}
	}
}

// The plan is made once every listing has told its count, not when the
// last ends: an organization-wide activity log of many pages, whose pages
// after the first are held until the plan exists, gets its plan (and the
// deadline TimeoutFor derives from it) after its first page. Before, the
// plan waited for the whole log and the planning deadline ended the run.
// The plan's Remaining includes the log's pages still to read, so its
// total is the run's request count.
func TestCollectPlanAfterTheFirstPages(t *testing.T) {
	t.Parallel()
	const projects, perProject = 5, 1000
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 30, Projects: projects, Seed: 18, Now: refNow, ActivityPerProject: perProject})
	sim := posthogsim.New(org)
	planned := make(chan struct{})
	var heldOff atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/advanced_activity_logs/") && r.URL.Query().Get("page") != "1" {
			select {
			case <-planned:
			case <-time.After(20 * time.Second):
				heldOff.Add(1)
			}
		}
		sim.ServeHTTP(w, r)
	})
	var plans []snapshot.Plan
	s, err := collectSim(t, h, 4, snapshot.Options{
		PlanningTimeout: 5 * time.Second,
		TimeoutFor:      func(snapshot.Plan) time.Duration { return time.Minute },
		OnPlan:          func(p snapshot.Plan) { plans = append(plans, p); close(planned) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 1 {
		t.Fatalf("%d plans, want 1", len(plans))
	}
	if heldOff.Load() != 0 {
		t.Errorf("%d log pages waited 20 s for a plan that came only after the log", heldOff.Load())
	}
	if !s.Complete() {
		t.Fatalf("incomplete: %+v", s.Missing)
	}
	p := plans[0]
	e := len(s.ActivityLog)
	if p.ActivityEntries != e || p.Projects != projects {
		t.Errorf("plan %+v, want %d entries and %d projects", p, e, projects)
	}
	if got := sim.Stats().Requests; p.Total() != got {
		t.Errorf("plan total %d (sent %d, remaining %d), the run made %d", p.Total(), p.Sent, p.Remaining, got)
	}
	if p.Remaining < ceilDiv(e, 1000)-1 {
		t.Errorf("plan remaining %d, want at least the log's %d pages after the first", p.Remaining, ceilDiv(e, 1000)-1)
	}
}
