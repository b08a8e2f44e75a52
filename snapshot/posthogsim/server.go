package posthogsim

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Deployment selects which PostHog version the Server imitates.
type Deployment int

// Deployments.
const (
	// Newest is PostHog Cloud's current code: domains link identity provider
	// configs, users_with_access exists, explicit_members is gone, activity
	// entries carry team_id and org-level entries follow the project's
	// receive_org_level_activity_logs, the organization-wide
	// advanced_activity_logs endpoint exists (admins only), the activity
	// logs answer 402 without the audit_logs plan feature, and GET @current
	// shows a key's last_used_at from before the request refreshed it.
	Newest Deployment = iota
	// Deployment2025 is mid-2025 code, common on self-hosted installs: SAML
	// and SCIM fields on domains, no identity_provider_configs or
	// users_with_access, explicit_members served, activity entries without
	// team_id and org-level entries only with include_organization_scoped=1,
	// no organization-wide activity log, no audit_logs gate; GET @current
	// shows the last_used_at its own request has just written.
	Deployment2025
)

// String returns the deployment's name.
func (d Deployment) String() string {
	if d == Deployment2025 {
		return "2025"
	}
	return "newest"
}

// Option configures a Server.
type Option func(*Server)

// WithLatency delays every response by d (with a timer, so that it advances
// instantly inside a testing/synctest bubble).
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithPageSize makes a server that serves at most n items a page, as a
// deployment whose lists had a max_limit would: the default page size and
// the most a client's limit or page_size gets. Without it the server is
// PostHog's: pages of 100 by default, limit/offset lists honouring any
// limit (LimitOffsetPagination without max_limit), activity logs at most
// 1000 a page.
func WithPageSize(n int) Option {
	return func(s *Server) {
		if n > 0 {
			s.pageSize, s.maxPage = n, n
		}
	}
}

// pageLimit is the page size a limit/offset list serves for a request's
// limit (0 or less: none given).
func (s *Server) pageLimit(limit int) int {
	switch {
	case limit <= 0:
		return s.pageSize
	case s.maxPage > 0:
		return min(limit, s.maxPage)
	}
	return limit
}

// maxActivityPageSize is the most rows an activity log page holds
// (ActivityLogPagination's max_page_size).
const maxActivityPageSize = 1000

// WithDeployment selects the PostHog version to imitate (default Newest).
func WithDeployment(d Deployment) Option { return func(s *Server) { s.deployment = d } }

// WithClock sets the clock that stamps requests in Stats and drives the
// throttle (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithThrottle answers 429 once a key has made n requests in the last per,
// the way PostHog's throttle does: a sliding window per key, the detail
// "Request was throttled. Expected available in N seconds." and no
// Retry-After header. Throttled requests do not count against the window.
// It is WithThrottleWindows with one window.
func WithThrottle(n int, per time.Duration) Option {
	return WithThrottleWindows(ThrottleWindow{Requests: n, Per: per})
}

// ThrottleWindow is one of PostHog's rate throttles: at most Requests
// requests of a key in any period of length Per.
type ThrottleWindow struct {
	Requests int
	Per      time.Duration
}

// PostHogThrottles are the throttles PostHog Cloud applies to a personal
// API key on every endpoint the snapshot reads (posthog/rate_limit.py):
// BurstRateThrottle, 480 a minute, and SustainedRateThrottle, 4,800 an
// hour.
var PostHogThrottles = []ThrottleWindow{{Requests: 480, Per: time.Minute}, {Requests: 4800, Per: time.Hour}}

// WithThrottleWindows throttles every key by each window independently,
// as Django REST framework's SimpleRateThrottle does for each of PostHog's
// throttle classes: each window keeps its own history of the key's
// requests on the Server's clock, a request is refused (429) when any
// window already holds Requests requests newer than Per, a window that
// refused it does not record it, and a window that accepted it does, even
// when another window refused it (DRF asks every throttle, and each one
// that allows a request records it). The 429 asks for the longest wait of
// the refusing windows. Windows with no requests or no period are ignored;
// it replaces the windows of an earlier WithThrottle(Windows).
func WithThrottleWindows(windows ...ThrottleWindow) Option {
	return func(s *Server) {
		s.throttles = nil
		for _, w := range windows {
			if w.Requests > 0 && w.Per > 0 {
				s.throttles = append(s.throttles, w)
			}
		}
	}
}

// FaultKind is a failure the Server can inject.
type FaultKind int

// Fault kinds.
const (
	// Fault429 answers 429 with PostHog's body, the wait (Seconds) in its
	// detail and no Retry-After header.
	Fault429 FaultKind = iota + 1
	// Fault429RetryAfter answers 429 with a Retry-After header of Seconds
	// and a detail that names no wait.
	Fault429RetryAfter
	// Fault500 answers 500 with PostHog's server_error body.
	Fault500
	// FaultTruncate sends valid headers announcing the whole body, then half
	// of it, then closes the connection.
	FaultTruncate
	// FaultReset closes the connection without answering.
	FaultReset
	// FaultForeignNext serves the response with its next link pointing to
	// Target (default https://evil.example).
	FaultForeignNext
	// FaultHugeBody answers 200 with a JSON body larger than Seconds MiB.
	FaultHugeBody
	// FaultStallHeaders sends nothing, not even headers, until the client
	// goes away.
	FaultStallHeaders
	// FaultStallBody sends valid headers announcing the whole body and half
	// of it, then nothing more until the client goes away.
	FaultStallBody
	// FaultHTML answers Status (default 502) with an HTML page and
	// Content-Type text/html, as a proxy, a login portal or a web server
	// that is not PostHog does.
	FaultHTML
	// FaultRedirect answers 302 Found with a Location on Target (default
	// https://evil.example), same path and query.
	FaultRedirect
)

// Fault is one injected failure.
type Fault struct {
	// Path is matched as a substring of the request path; "" matches every
	// request.
	Path string
	// Times is how many matching requests the fault affects (at least 1).
	Times int
	Kind  FaultKind
	// Seconds is the wait a 429 asks for, or the size in MiB a huge body
	// exceeds.
	Seconds int
	// Page, if positive, limits the fault to that page (1-based) of a
	// paginated answer: the page an offset and limit, or a page number,
	// ask for.
	Page int
	// Field is the dotted path FaultDropField removes ("user.email"; "id"
	// when empty).
	Field string
	// Status is the status of FaultHTML.
	Status int
	// Target is the base URL (scheme and host) FaultRedirect and
	// FaultForeignNext point to.
	Target string
	// RetryAfter is the Retry-After header of Fault500 and FaultHTML (none
	// when empty), such as "0" for a retry at once.
	RetryAfter string
}

// defaultTarget is where FaultRedirect and FaultForeignNext point without a
// Target.
const defaultTarget = "https://evil.example"

// Stats describes the requests a Server received.
type Stats struct {
	// Requests is the number of requests received.
	Requests int
	// MaxInFlight is the largest number of requests handled at once.
	MaxInFlight int
	// Times are the arrival times of the requests, from the Server's clock,
	// in arrival order.
	Times []time.Time
	// ByPath counts requests by URL path.
	ByPath map[string]int
	// Throttled is the number of requests the throttle refused (429).
	Throttled int
}

// Server is a simulated PostHog API serving one Org. It implements
// http.Handler; serve it with httptest.NewServer, or in memory with
// InMemory. It is safe for concurrent use.
type Server struct {
	org      *Org
	latency  time.Duration
	pageSize int
	// maxPage caps every page (WithPageSize); 0: PostHog's caps.
	maxPage    int
	deployment Deployment
	now        func() time.Time
	throttles  []ThrottleWindow
	random     *randomFaults       // nil: none
	answered   func(*http.Request) // WithAnswered; nil: none
	retention  time.Duration       // WithAuditLogRetention; 0: none

	// state guards org and the indexes below against the changes of
	// changes.go: requests read under RLock, changes write under Lock.
	state   sync.RWMutex
	keys    map[string]*APIKey         // by token
	members map[int64]*Member          // by user id
	byMID   map[string]*Member         // by membership id
	roles   map[string]map[string]bool // membership id → role ids

	memberIndex map[string][]int    // membership id → indexes in org.Members
	admins      []int               // indexes in org.Members of admins and owners
	roleMembers map[string][]string // role id → membership ids

	// derivedMu guards the resolution indexes built lazily from the state
	// by the requests that read it (under state's RLock); index, under
	// state's Lock, drops them.
	derivedMu  sync.Mutex
	projRules  map[*Project]*projectRules
	projLogs   map[projectLogKey][]logRow
	orgLogRows []logRow // nil: not built
	// filteredLogs are logs filtered for numbered pages (filteredLog).
	filteredLogs map[string][]logRow
	// changing is set while a change runs (under state's Lock): what it
	// resolves is built afresh, not kept.
	changing bool

	mu          sync.Mutex
	faults      []*Fault
	denied      map[string]map[string]bool // token → scope
	history     map[string][][]time.Time   // token → per throttle window, ascending
	accepted    []time.Time                // arrivals the throttle let through, ascending
	requests    int
	throttledN  int
	inFlight    int
	maxInFlight int
	times       []time.Time
	byPath      map[string]int
}

// New returns a Server for org.
func New(org *Org, opts ...Option) *Server {
	s := &Server{
		org:      org,
		pageSize: 100,
		now:      time.Now,
		denied:   map[string]map[string]bool{},
		history:  map[string][][]time.Time{},
		byPath:   map[string]int{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	s.index()
	return s
}

// index builds the lookups of keys, members and role memberships from
// s.org.
func (s *Server) index() {
	org := s.org
	s.keys = map[string]*APIKey{}
	s.members = map[int64]*Member{}
	s.byMID = map[string]*Member{}
	s.roles = map[string]map[string]bool{}
	s.dropDerived()
	for i := range org.Keys {
		s.keys[org.Keys[i].Token] = &org.Keys[i]
	}
	s.memberIndex = map[string][]int{}
	s.admins = nil
	s.roleMembers = map[string][]string{}
	for i := range org.Members {
		m := &org.Members[i]
		s.members[m.User.ID] = m
		s.byMID[m.ID] = m
		s.memberIndex[m.ID] = append(s.memberIndex[m.ID], i)
		if m.Level >= LevelAdmin {
			s.admins = append(s.admins, i)
		}
	}
	for _, r := range org.Roles {
		for _, rm := range r.Members {
			s.roleMembers[r.ID] = append(s.roleMembers[r.ID], rm.MemberID)
			if s.roles[rm.MemberID] == nil {
				s.roles[rm.MemberID] = map[string]bool{}
			}
			s.roles[rm.MemberID][r.ID] = true
		}
	}
}

// dropDerived forgets what requests derived from the state (rules,
// projectLog, orgLog).
func (s *Server) dropDerived() {
	s.derivedMu.Lock()
	defer s.derivedMu.Unlock()
	s.projRules = map[*Project]*projectRules{}
	s.projLogs = map[projectLogKey][]logRow{}
	s.orgLogRows = nil
	s.filteredLogs = map[string][]logRow{}
}

// rules returns p's rows indexed for resolution (projectRules), built on
// first use after the last change.
func (s *Server) rules(p *Project) *projectRules {
	if s.changing {
		return newProjectRules(p)
	}
	s.derivedMu.Lock()
	defer s.derivedMu.Unlock()
	pr := s.projRules[p]
	if pr == nil {
		pr = newProjectRules(p)
		s.projRules[p] = pr
	}
	return pr
}

// Org returns the organization the Server serves. Reading or changing it
// while requests are served or a change (changes.go) runs is a race: use
// the change methods instead.
func (s *Server) Org() *Org { return s.org }

// Inject adds a fault; it affects the next f.Times requests whose path
// contains f.Path. Faults are matched in the order they were injected.
func (s *Server) Inject(f Fault) {
	f.Times = max(f.Times, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// DenyScope makes the key with this token lack scope from now on, whatever
// its scopes say (even "*"): requests that need it get PostHog's 403
// "API key missing required scope".
func (s *Server) DenyScope(token, scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denied[token] == nil {
		s.denied[token] = map[string]bool{}
	}
	s.denied[token][scope] = true
}

// Stats returns a copy of the request statistics.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Requests:    s.requests,
		Throttled:   s.throttledN,
		MaxInFlight: s.maxInFlight,
		Times:       slices.Clone(s.times),
		ByPath:      make(map[string]int, len(s.byPath)),
	}
	for k, v := range s.byPath {
		st.ByPath[k] = v
	}
	return st
}

// ResetStats clears the request statistics (faults, denials and the throttle
// are kept).
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.maxInFlight, s.throttledN = 0, s.inFlight, 0
	s.times = nil
	s.accepted = nil
	s.byPath = map[string]int{}
}

// enter records a request's arrival and returns its time.
func (s *Server) enter(r *http.Request) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	at := s.now()
	s.times = append(s.times, at)
	s.byPath[r.URL.Path]++
	return at
}

func (s *Server) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
}

// takeFault consumes one use of the first fault matching the request URL.
func (s *Server) takeFault(u *url.URL) (Fault, bool) {
	page := s.pageOf(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Times > 0 && (f.Path == "" || strings.Contains(u.Path, f.Path)) && (f.Page <= 0 || f.Page == page) {
			f.Times--
			got := *f
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
			return got, true
		}
	}
	return Fault{}, false
}

func (s *Server) isDenied(token, scope string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.denied[token][scope]
}

// throttled records a request of the key, which arrived at (on the
// Server's clock), against each throttle window and returns how long the
// key must wait when a window is full. The windows judge the request at the
// Server's time now, as PostHog's throttle runs when the view is reached; a
// request no window refuses is logged as accepted at its arrival.
func (s *Server) throttled(token string, arrival time.Time) (wait time.Duration, limited bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.throttles) > 0 {
		now := s.now()
		hs := s.history[token]
		if hs == nil {
			hs = make([][]time.Time, len(s.throttles))
			s.history[token] = hs
		}
		for i, w := range s.throttles {
			h := hs[i]
			j := 0
			for j < len(h) && !h[j].After(now.Add(-w.Per)) {
				j++
			}
			h = h[j:]
			if len(h) >= w.Requests {
				wait, limited = max(wait, w.Per-now.Sub(h[0])), true
			} else {
				h = append(h, now)
			}
			hs[i] = h
		}
	}
	if limited {
		s.throttledN++
	} else {
		s.accepted = append(s.accepted, arrival)
	}
	return wait, limited
}

// MaxInWindow returns the largest number of requests the throttle accepted
// (all requests that were authenticated and authorized, when there is no
// throttle) whose arrivals on the Server's clock (Stats.Times) fall within
// any period of length d, a period (t-d, t] as PostHog's throttle sees it.
// ResetStats clears the log.
func (s *Server) MaxInWindow(d time.Duration) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	times := slices.Clone(s.accepted)
	// Arrivals are logged under s.mu in the order of s.now, which is
	// monotonic for the clocks a test passes; sort anyway so that a clock
	// that is not does not skew the count.
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most, i := 0, 0
	for j, t := range times {
		for !times[i].After(t.Add(-d)) {
			i++
		}
		most = max(most, j-i+1)
	}
	return most
}
