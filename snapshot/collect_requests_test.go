package snapshot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// collectSim collects h's organization with the synthetic scanner key,
// width requests at a time.
func collectSim(t *testing.T, h http.Handler, width int, opts snapshot.Options, copts ...posthog.Option) (*snapshot.Snapshot, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	copts = append([]posthog.Option{posthog.WithBudget(posthog.NewBudget(width, 0))}, copts...)
	c, err := posthog.New(srv.URL, posthogsim.SyntheticScannerToken, copts...)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return refNow }
	}
	return snapshot.Collect(context.Background(), c, opts)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// pathsLike sums the requests of the paths containing part.
func pathsLike(st posthogsim.Stats, part string) int {
	n := 0
	for p, c := range st.ByPath {
		if strings.Contains(p, part) {
			n += c
		}
	}
	return n
}

// TestCollectRequestsQuietOrg: a quiet organization costs at most
// 3·P + ⌈M/1000⌉ + 12 requests (limit=1000 lists, the organization-wide
// activity log, no request per role, no project detail), and is complete.
func TestCollectRequestsQuietOrg(t *testing.T) {
	t.Parallel()
	for _, size := range []struct{ members, projects int }{{2, 1}, {120, 7}, {2500, 30}} {
		org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: size.members, Projects: size.projects, Seed: 5, Now: refNow})
		sim := posthogsim.New(org)
		s, err := collectSim(t, sim, 8, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !s.Complete() || len(s.Members) != size.members || len(s.Projects) != size.projects {
			t.Fatalf("%d×%d: incomplete: %d members, %d projects, missing %+v", size.members, size.projects, len(s.Members), len(s.Projects), s.Missing)
		}
		st := sim.Stats()
		bound := 3*size.projects + ceilDiv(size.members, 1000) + 12
		if st.Requests > bound {
			t.Errorf("%d×%d: %d requests, want ≤ 3·P + ⌈M/1000⌉ + 12 = %d (%v)", size.members, size.projects, st.Requests, bound, st.ByPath)
		}
		// Near miss: the floor is real, every project's three requests.
		if st.Requests < 3*size.projects {
			t.Errorf("%d×%d: %d requests, fewer than the 3·P floor", size.members, size.projects, st.Requests)
		}
		for _, part := range []string{"role_memberships", "/activity_log/"} {
			if n := pathsLike(st, part); n != 0 {
				t.Errorf("%d×%d: %d requests of %s", size.members, size.projects, n, part)
			}
		}
		for _, p := range org.Projects {
			if n := st.ByPath["/api/projects/"+itoa(p.ID)+"/"]; n != 0 {
				t.Errorf("project %d's detail read %d times: no rule needs it when the organization-wide log is read", p.ID, n)
			}
		}
		if n := st.ByPath["/api/organizations/"+org.ID+"/members/"]; n != ceilDiv(size.members, 1000) {
			t.Errorf("%d members in %d requests, want %d", size.members, n, ceilDiv(size.members, 1000))
		}
		// Every role's members came embedded in /roles/.
		for _, r := range org.Roles {
			for _, got := range s.Roles {
				if got.ID == r.ID && len(got.Members) != len(r.Members) {
					t.Errorf("role %s: %d members, want %d", r.ID, len(got.Members), len(r.Members))
				}
			}
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestCollectRequestsBusyOrg: with E activity entries the organization-wide
// log costs ⌈E/1000⌉ requests more: ≤ 3·P + ⌈E/1000⌉ + ⌈M/1000⌉ + 12.
func TestCollectRequestsBusyOrg(t *testing.T) {
	t.Parallel()
	const members, projects, perProject = 300, 12, 700
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: members, Projects: projects, Seed: 6, Now: refNow, ActivityPerProject: perProject})
	sim := posthogsim.New(org)
	s, err := collectSim(t, sim, 8, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete() {
		t.Fatalf("incomplete: %+v", s.Missing)
	}
	e := len(s.ActivityLog)
	if e < projects*perProject {
		t.Fatalf("%d activity entries, want at least %d", e, projects*perProject)
	}
	st := sim.Stats()
	bound := 3*projects + ceilDiv(e, 1000) + ceilDiv(members, 1000) + 12
	if st.Requests > bound {
		t.Errorf("%d requests, want ≤ %d (%v)", st.Requests, bound, st.ByPath)
	}
	if n := st.ByPath["/api/organizations/"+org.ID+"/advanced_activity_logs/"]; n != ceilDiv(e, 1000) {
		t.Errorf("the organization-wide log of %d entries took %d requests, want %d", e, n, ceilDiv(e, 1000))
	}
}

// TestCollectRequests2025: a deployment without users_with_access is asked
// for it once (one at a time) or at most once per request in flight, and
// every project gets the same not-applicable record either way; each
// project's activity log (no organization-wide one) is one numbered page of
// up to 1000 entries, with the detail it needs.
func TestCollectRequests2025(t *testing.T) {
	t.Parallel()
	const projects = 9
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 40, Projects: projects, Seed: 8, Now: refNow})
	records := map[int]string{}
	for _, width := range []int{1, 8} {
		sim := posthogsim.New(org, posthogsim.WithDeployment(posthogsim.Deployment2025))
		s, err := collectSim(t, sim, width, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		st := sim.Stats()
		n := pathsLike(st, "/users_with_access/")
		switch {
		case width == 1 && n != 1:
			t.Errorf("one at a time: users_with_access asked %d times, want once", n)
		case n > width:
			t.Errorf("%d at a time: users_with_access asked %d times", width, n)
		}
		var got []string
		for _, m := range s.Missing {
			if m.Section == snapshot.SectionUsersWithAccess {
				if !m.NotApplicable || m.Status != 404 {
					t.Errorf("users_with_access record %+v, want not applicable (404)", m)
				}
				got = append(got, m.Endpoint+" "+m.Reason)
			}
		}
		if len(got) == 0 {
			t.Fatalf("width %d: no users_with_access record", width)
		}
		records[width] = strings.Join(got, "\n")
		for _, p := range s.Projects {
			if !s.NotApplicable(snapshot.SectionUsersWithAccess) || p.UsersWithAccess != nil {
				t.Errorf("project %d: users_with_access %v", p.ID, p.UsersWithAccess)
			}
		}
		if n := pathsLike(st, "/activity_log/"); n != projects {
			t.Errorf("%d activity log requests for %d projects, want one each", n, projects)
		}
		if bound := 5*projects + 12; st.Requests > bound {
			t.Errorf("%d requests, want ≤ %d", st.Requests, bound)
		}
	}
	if records[1] != records[8] {
		t.Errorf("the records differ with the requests in flight:\none at a time:\n%s\neight:\n%s", records[1], records[8])
	}
}

// TestCollectSixtyThousandMemberRole: a 60,000-member organization with one
// role holding everyone is collected completely: /roles/ (one body of some
// 90 MB) and users_with_access get a body cap sized from member_count. It
// takes about 30 s without the race detector (minutes under make test's
// -race), so it runs with -large-org (make bench); the same path at 3,000
// members under a 1 MiB client cap runs always
// (TestRolesBodyCapFollowsMemberCount).
func TestCollectSixtyThousandMemberRole(t *testing.T) {
	if !*largeOrg {
		t.Skip("collects 60,000 members: run with -large-org (make bench)")
	}
	const members = 60000
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: members, Projects: 1, Seed: 9, Now: refNow, OneRole: true})
	sim := posthogsim.New(org)
	start := time.Now()
	s, err := collectSim(t, sim, 4, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// make bench quotes this line in docs/performance.md.
	t.Logf("60,000 members in one role: collected in %.1f s with %d requests (no latency, concurrency 4)",
		time.Since(start).Seconds(), sim.Stats().Requests)
	if !s.Complete() {
		t.Fatalf("incomplete: %+v", s.Missing)
	}
	if len(s.Members) != members || len(s.Roles) != 1 || len(s.Roles[0].Members) != members {
		t.Fatalf("%d members, %d roles", len(s.Members), len(s.Roles))
	}
	for _, rm := range s.Roles[0].Members {
		if rm.MembershipID == "" {
			t.Fatalf("role member %s has no membership id", rm.ID)
		}
	}
	if n := len(s.Projects[0].UsersWithAccess); n != members {
		t.Errorf("users_with_access holds %d users, want %d", n, members)
	}
}

// TestRolesBodyCapFollowsMemberCount: the cap of /roles/ grows with the
// organization's member_count, so a large role is read under a small
// client cap; a server whose body outgrows the count it gave is cut off
// and the roles recorded missing (the cap still defends).
func TestRolesBodyCapFollowsMemberCount(t *testing.T) {
	t.Parallel()
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 3000, Projects: 1, Seed: 10, Now: refNow, OneRole: true})
	cap1MiB := posthog.WithMaxBodyBytes(1 << 20)
	s, err := collectSim(t, posthogsim.New(org), 4, snapshot.Options{}, cap1MiB)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete() || len(s.Roles) != 1 || len(s.Roles[0].Members) != 3000 {
		t.Fatalf("roles %d, missing %+v", len(s.Roles), s.Missing)
	}
	// Near miss: the same body from a server that claims 10 members.
	lying := rewrite(posthogsim.New(org), "/api/organizations/@current/", func(b map[string]any) { b["member_count"] = 10 })
	s, err = collectSim(t, lying, 4, snapshot.Options{}, cap1MiB)
	if err != nil {
		t.Fatal(err)
	}
	if s.Roles != nil {
		t.Errorf("roles read past the cap: %d", len(s.Roles))
	}
	found := false
	for _, m := range s.Missing {
		found = found || (m.Section == snapshot.SectionRoles && strings.Contains(m.Reason+m.Detail, "exceeds"))
	}
	if !found {
		t.Errorf("no roles record naming the body cap: %+v", s.Missing)
	}
}

// TestCollectEmbeddedMembersMustAddUp: a role list whose embedded
// memberships contradict themselves (a membership twice, another role's
// membership) proves no role's membership: the section is missing.
func TestCollectEmbeddedMembersMustAddUp(t *testing.T) {
	t.Parallel()
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 200, Projects: 1, Seed: 12, Now: refNow})
	roles := "/api/organizations/" + org.ID + "/roles/"
	for name, edit := range map[string]func([]any){
		"a membership twice": func(ms []any) { ms[1] = ms[0] },
		"another role's":     func(ms []any) { ms[0].(map[string]any)["role_id"] = "0000ffff-0000-7000-8000-000000000000" },
	} {
		h := rewrite(posthogsim.New(org), roles, func(b map[string]any) {
			r := b["results"].([]any)[0].(map[string]any)
			edit(r["members"].([]any))
		})
		s, err := collectSim(t, h, 4, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Roles != nil || s.Complete() {
			t.Errorf("%s: roles kept (%d), complete %v", name, len(s.Roles), s.Complete())
		}
	}
	// Near miss: the list as PostHog gives it.
	s, err := collectSim(t, posthogsim.New(org), 4, snapshot.Options{})
	if err != nil || !s.Complete() || len(s.Roles) != len(org.Roles) {
		t.Errorf("untouched: %v, missing %+v", err, s)
	}
}

// arrivals records when each request arrived and when each response was
// sent, by path.
type arrivals struct {
	next  http.Handler
	delay map[string]time.Duration
	// gate, if set, ends the delays early when closed.
	gate chan struct{}

	mu       sync.Mutex
	arrived  map[string][]time.Time
	answered map[string][]time.Time
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.arrived[r.URL.Path] = append(a.arrived[r.URL.Path], time.Now())
	a.mu.Unlock()
	if d, ok := a.delay[r.URL.Path]; ok {
		if a.gate != nil {
			// Held until the gate opens (or d passes).
			select {
			case <-a.gate:
			case <-time.After(d):
			}
		} else {
			time.Sleep(d)
		}
	}
	a.next.ServeHTTP(w, r)
	a.mu.Lock()
	a.answered[r.URL.Path] = append(a.answered[r.URL.Path], time.Now())
	a.mu.Unlock()
}

// TestCollectNoBarrier: per-project requests start as soon as the project
// list has arrived, while a slow organization-wide listing (members) is
// still being answered; the per-project activity logs wait for the
// organization-wide log's answer (near miss: the one dependency kept).
func TestCollectNoBarrier(t *testing.T) {
	t.Parallel()
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 30, Projects: 3, Seed: 13, Now: refNow})
	members := "/api/organizations/" + org.ID + "/members/"
	orgLog := "/api/organizations/" + org.ID + "/advanced_activity_logs/"
	a := &arrivals{
		next:     posthogsim.New(org, posthogsim.WithDeployment(posthogsim.Deployment2025)),
		delay:    map[string]time.Duration{members: 400 * time.Millisecond, orgLog: 200 * time.Millisecond},
		arrived:  map[string][]time.Time{},
		answered: map[string][]time.Time{},
	}
	s, err := collectSim(t, a, 8, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Members) != 30 {
		t.Fatalf("%d members", len(s.Members))
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	membersDone := a.answered[members][0]
	logDone := a.answered[orgLog][0]
	for _, p := range org.Projects {
		path := "/api/projects/" + itoa(p.ID) + "/access_controls/"
		if at := a.arrived[path]; len(at) == 0 || !at[0].Before(membersDone) {
			t.Errorf("%s arrived %v, want before the member list's answer at %v", path, at, membersDone)
		}
		path = "/api/projects/" + itoa(p.ID) + "/activity_log/"
		if at := a.arrived[path]; len(at) == 0 || at[0].Before(logDone) {
			t.Errorf("%s arrived %v, want after the organization-wide log's answer at %v", path, at, logDone)
		}
	}
}

// TestCollectPlan: OnPlan is called once, when the organization-wide
// listings have arrived, with their counts and the requests left; the
// plan's total is the run's request count.
func TestCollectPlan(t *testing.T) {
	t.Parallel()
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 1500, Projects: 6, Seed: 14, Now: refNow})
	// Slow users_with_access answers: the plan is made while the
	// projects' requests (started with the project list) are under way.
	sim := posthogsim.New(org)
	gate := make(chan struct{})
	slow := &arrivals{next: sim, delay: map[string]time.Duration{}, gate: gate, arrived: map[string][]time.Time{}, answered: map[string][]time.Time{}}
	for _, p := range org.Projects {
		slow.delay["/api/projects/"+itoa(p.ID)+"/users_with_access/"] = time.Minute
	}
	var plans []snapshot.Plan
	s, err := collectSim(t, slow, 8, snapshot.Options{OnPlan: func(p snapshot.Plan) { plans = append(plans, p); close(gate) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 1 {
		t.Fatalf("%d plans, want 1", len(plans))
	}
	p := plans[0]
	if p.Projects != 6 || p.Members != 1500 || p.Roles != len(org.Roles) || p.ActivityEntries != len(s.ActivityLog) {
		t.Errorf("plan %+v, want 6 projects, 1500 members, %d roles, %d entries", p, len(org.Roles), len(s.ActivityLog))
	}
	if got := sim.Stats().Requests; p.Total() != got {
		t.Errorf("plan total %d (sent %d, remaining %d), the run made %d", p.Total(), p.Sent, p.Remaining, got)
	}
	// Near miss: the plan is made before the per-project requests are done.
	if p.Remaining == 0 || p.Sent < 8 {
		t.Errorf("plan %+v: made after the per-project requests, or before the listings", p)
	}
}

// TestCollectTimeoutFor: the deadline TimeoutFor derives from the plan
// applies from the collection's start: past it the per-project requests
// fail as past ctx's deadline and are recorded missing, and what arrived is
// kept; a generous one collects everything (near miss). PlanningTimeout
// bounds the run until the plan is known.
func TestCollectTimeoutFor(t *testing.T) {
	t.Parallel()
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 20, Projects: 4, Seed: 15, Now: refNow})
	slow := func() http.Handler { return posthogsim.New(org, posthogsim.WithLatency(100*time.Millisecond)) }

	// The projects' rules are answered only once the plan has set the
	// deadline (or after a minute): they cannot arrive before it.
	gate := make(chan struct{})
	held := &arrivals{next: slow(), delay: map[string]time.Duration{}, gate: gate, arrived: map[string][]time.Time{}, answered: map[string][]time.Time{}}
	for _, p := range org.Projects {
		held.delay["/api/projects/"+itoa(p.ID)+"/access_controls/"] = time.Minute
	}
	var seen snapshot.Plan
	s, err := collectSim(t, held, 8, snapshot.Options{
		TimeoutFor: func(p snapshot.Plan) time.Duration {
			seen = p
			defer func() { go func() { time.Sleep(50 * time.Millisecond); close(gate) }() }()
			return time.Nanosecond
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen.Projects != 4 {
		t.Errorf("TimeoutFor saw %+v", seen)
	}
	if len(s.Members) != 20 || s.Projects == nil {
		t.Errorf("the listings that arrived were not kept: %d members", len(s.Members))
	}
	deadlined := 0
	for _, m := range s.Missing {
		// The record names the derived deadline, not a --timeout the
		// caller never gave.
		if m.Section == snapshot.SectionAccessControls && m.Reason == "not collected: the collection's derived --timeout of 1ns (from its request plan) passed first" {
			deadlined++
		}
	}
	for _, p := range s.Projects {
		if p.AccessControls != nil {
			t.Errorf("project %d's rules read past the deadline", p.ID)
		}
	}
	if deadlined == 0 || s.Complete() {
		t.Errorf("no deadline record: %+v", s.Missing)
	}

	s, err = collectSim(t, slow(), 8, snapshot.Options{
		TimeoutFor: func(snapshot.Plan) time.Duration { return time.Hour },
	})
	if err != nil || !s.Complete() {
		t.Errorf("an hour: %v, missing %+v", err, s)
	}

	// Before the plan: the planning deadline.
	_, err = collectSim(t, slow(), 8, snapshot.Options{
		TimeoutFor:      func(snapshot.Plan) time.Duration { return time.Hour },
		PlanningTimeout: 10 * time.Millisecond,
	})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("planning timeout: err = %v, want one matching context.DeadlineExceeded", err)
	}
}
