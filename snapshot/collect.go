package snapshot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hogaudit/hogaudit/internal/version"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// Options tune Collect. The zero value collects the scanning key's current
// organization with the defaults of the command line.
type Options struct {
	// Org is the organization id, or "@current" (the default) for the
	// scanning key owner's current organization.
	Org string
	// LookbackDays is how far back the activity log is read (default 30).
	LookbackDays int
	// AuditKeys are further keys to introspect with
	// GET /api/personal_api_keys/@current/, each through its own client. They
	// are used for nothing else.
	AuditKeys []AuditKey
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// ToolVersion is recorded in the snapshot.
	ToolVersion string
	// Timeout is the collection's deadline as the caller set it (--timeout).
	// It only names the deadline in Missing records; the deadline itself is
	// ctx's.
	Timeout time.Duration
	// OnPlan, when set, is called once with the request plan, as soon as
	// every organization-wide listing has told its count (a listing of
	// several pages by its first page, any other by its end), from one of
	// the collection's goroutines.
	OnPlan func(Plan)
	// TimeoutFor, when set, gives the collection a deadline derived from
	// its plan: until the plan is known the collection runs under
	// PlanningTimeout (default 10 minutes), then under TimeoutFor(plan)
	// from its start. A deadline ctx already has still applies. Past the
	// deadline the collection behaves as past ctx's deadline: what arrived
	// is kept and the rest is recorded missing.
	TimeoutFor TimeoutFunc
	// PlanningTimeout bounds the collection until its plan is known, when
	// TimeoutFor is set (default 10 minutes).
	PlanningTimeout time.Duration
}

// AuditKey is a --audit-key-env key: the variable's name and a client
// authenticated with its value.
type AuditKey struct {
	Env    string
	Client *posthog.Client
}

// DefaultLookbackDays is the default of Options.LookbackDays.
const DefaultLookbackDays = 30

// The request budget of a collection, which bounds every fan-out of it: the
// defaults of --concurrency and --rate, and the highest --rate, PostHog's
// own limit. The command line's help shows these values.
const (
	// DefaultConcurrency is the default number of requests in flight at once.
	DefaultConcurrency = posthog.DefaultConcurrency
	// DefaultRate is the default number of requests started in any minute
	// (and ten times it in any hour).
	DefaultRate = posthog.DefaultPerMinute
	// MaxRate is PostHog's own limit of requests a minute: a higher rate
	// only earns 429 answers.
	MaxRate = posthog.LimitPerMinute
)

// FatalError is an error that stops a collection: the scanning key was
// rejected (401) or is scoped to projects (ErrKeyScopedToProjects), the host
// could not be reached or is not PostHog (ErrHostNotPostHog), the
// organization could not be identified or is not the key's (*OrgError), or
// the context was cancelled. Any other failure, the context's deadline
// included, becomes a Missing record instead: what arrived is kept.
type FatalError struct {
	Err error
}

func (e *FatalError) Error() string { return e.Err.Error() }
func (e *FatalError) Unwrap() error { return e.Err }

// ErrHostNotPostHog matches a FatalError for a host that does not answer
// like PostHog's API: GET /api/users/@me/, which every PostHog serves to
// every key's user, answered 404, a page that is not JSON, or a redirect to
// another host.
var ErrHostNotPostHog = errors.New("does not answer like PostHog's API")

// OrgError is a FatalError for an organization the scanning key cannot
// read: PostHog answered GET /api/organizations/{Org}/ with 404 (the key's
// user is not a member, or there is no such organization) or with 403
// "API key does not have access to the requested organization" (the key is
// scoped to other organizations).
type OrgError struct {
	// Org is the organization id asked for (--org).
	Org string
	// Orgs are the organizations the key's user belongs to, from
	// GET /api/users/@me/; nil when it could not be read.
	Orgs []posthog.OrganizationRef
	// ScopedOrganizations are the organizations the key is limited to, from
	// GET /api/personal_api_keys/@current/; nil when unlimited or unread.
	ScopedOrganizations []string
	// Err is PostHog's answer.
	Err error
}

// Error names the organization and PostHog's answer.
func (e *OrgError) Error() string {
	return fmt.Sprintf("organization %s cannot be read with the scanning key: %v", e.Org, e.Err)
}

// Unwrap returns PostHog's answer.
func (e *OrgError) Unwrap() error { return e.Err }

// Collect reads the organization's access state through c and returns the
// snapshot. A section that cannot be read (missing scope, endpoint absent on
// this deployment, server error after retries, a throttle asking for a
// longer wait than the client allows, no complete response within the
// request timeout, ctx's deadline) is recorded in Snapshot.Missing and the
// collection carries on, so a deadline keeps what arrived before it;
// Collect returns an error (a *FatalError) only when no trustworthy
// snapshot can be made.
func Collect(ctx context.Context, c *posthog.Client, opts Options) (*Snapshot, error) {
	opts = withDefaults(opts)
	col := &collector{
		c:     c,
		opts:  opts,
		since: opts.Now().UTC().AddDate(0, 0, -opts.LookbackDays),
		snap: &Snapshot{
			SchemaVersion: SchemaVersion,
			Tool:          Tool{Name: "hogaudit", Version: opts.ToolVersion},
			Host:          c.Host(),
			CollectedAt:   opts.Now().UTC().Truncate(time.Second),
			LookbackDays:  opts.LookbackDays,
			AuditKeyEnvs:  auditKeyEnvs(opts.AuditKeys),
			Missing:       []Missing{},
		},
		activity:         map[string]ActivityEntry{},
		activityRead:     map[int64]bool{},
		detailRead:       map[int64]bool{},
		logWithoutTeamID: map[int64]bool{},

		orgActivityEntries: -1,
	}
	col.start = time.Now()
	col.startedAt = opts.Now().UTC()
	if opts.TimeoutFor != nil {
		// Until the plan is known, the planning deadline; then the one the
		// plan gives (col.planned).
		dctx, release := newDeadlineCtx(ctx, col.start.Add(opts.PlanningTimeout))
		defer release()
		col.deadline, ctx = dctx, dctx
	}
	// Phase 1: who we are and which organization this is.
	if err := col.run(ctx, col.phase1()); err != nil {
		return nil, err
	}
	if err := col.checkPhase1(); err != nil {
		return nil, &FatalError{Err: err}
	}
	if err := col.resolveOrg(); err != nil {
		return nil, &FatalError{Err: err}
	}
	col.sizing = posthog.NewMemberSizing(0)
	if o := col.snap.Organization; o != nil {
		// The responses that grow with the organization size their body
		// cap from its member count: member_count (at most
		// posthog.MaxClaimedMembers) until the member list has arrived,
		// then the list's length.
		col.sizing = posthog.NewMemberSizing(o.MemberCount)
		col.claimedMembers = o.MemberCount
	}
	ctx = posthog.WithMemberSizing(ctx, col.sizing)
	// The rest, with no barrier: the organization-wide lists, and what
	// depends on them as soon as it has arrived.
	col.sched = newScheduler(ctx, col.width())
	for _, t := range col.listings() {
		col.sched.spawn(t)
	}
	if err := col.sched.wait(ctx); err != nil {
		return nil, err
	}

	col.finish()
	// What was collected must account for its own holes, as Load will
	// require of the file: a mismatch is a hogaudit bug, never a pass.
	if err := col.snap.Verify(); err != nil {
		return nil, &FatalError{Err: fmt.Errorf("%w (a hogaudit bug: please report it)", err)}
	}
	return col.snap, nil
}

// auditKeyEnvs returns the variables of the audit keys, sorted, never nil.
func auditKeyEnvs(keys []AuditKey) []string {
	envs := make([]string, 0, len(keys))
	for _, k := range keys {
		envs = append(envs, k.Env)
	}
	slices.Sort(envs)
	return slices.Compact(envs)
}

func withDefaults(o Options) Options {
	if o.Org == "" {
		o.Org = "@current"
	}
	if o.LookbackDays <= 0 {
		o.LookbackDays = DefaultLookbackDays
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ToolVersion == "" {
		o.ToolVersion = version.String()
	}
	if o.PlanningTimeout <= 0 {
		o.PlanningTimeout = 10 * time.Minute
	}
	return o
}

// collector holds one collection's state. Tasks run concurrently and write
// through mu.
type collector struct {
	c     *posthog.Client
	opts  Options
	since time.Time

	mu    sync.Mutex
	snap  *Snapshot
	orgID string
	// meOrgID is the current user's organization, the fallback when the
	// organization itself cannot be read.
	meOrgID string
	// orgErr and meErr are why the organization and the current user could
	// not be read in phase 1; me is the current user when it was.
	orgErr, meErr error
	me            *posthog.CurrentUser
	// roleList is the role list, each role with its embedded memberships.
	roleList []posthog.Role
	// activity holds the activity entries by id (org-level entries appear
	// in several projects' logs).
	activity map[string]ActivityEntry
	// orgActivityOK is set by the listings when the organization-wide activity
	// log was read (then no project's log is requested); orgActivityErr is
	// why it was not.
	orgActivityOK  bool
	orgActivityErr error
	// activityRead and detailRead mark the projects whose activity log and
	// detail (receive_org_level_activity_logs) were read; logWithoutTeamID
	// those whose log came in 2025 PostHog's shape (entries without
	// team_id), whose viewset honours include_organization_scoped=1.
	activityRead     map[int64]bool
	detailRead       map[int64]bool
	logWithoutTeamID map[int64]bool

	// start is when the collection started; deadline, when
	// Options.TimeoutFor is set, the context whose deadline the plan sets.
	start    time.Time
	deadline *deadlineCtx
	// derived is the deadline TimeoutFor gave (a time.Duration; 0 until
	// the plan), for the Missing records it cuts off.
	derived atomic.Int64
	// startedAt is the collection's start by opts.Now: the end_date of the
	// organization-wide activity log, whose head it fixes.
	startedAt time.Time
	// sched runs everything after phase 1.
	sched *scheduler
	// listingStates are the organization-wide listings' counts as far as
	// they are known (the plan is made once all are, planMade); joinLeft
	// counts the two of them the per-project activity logs wait for (the
	// projects and the organization-wide activity log).
	listingStates []listingState
	planMade      bool
	joinLeft      int
	// perProjectSpawned and perProjectDone count the per-project requests
	// (tasks) started and finished, for the plan's Remaining.
	perProjectSpawned, perProjectDone int
	// orgActivityEntries is how many entries the organization-wide log
	// held (-1 until it was read).
	orgActivityEntries int
	// usersWithAccessGone is a PostHog 404 of users_with_access shown to
	// be the deployment's (no such endpoint), not the project's: asked no
	// more. accessControlsOK marks the projects whose access_controls
	// answered, usersWithAccess404 the projects whose users_with_access
	// answered PostHog's 404 (see usersWithAccess).
	usersWithAccessGone error
	// sizing sizes the body caps of the responses that grow with the
	// organization; claimedMembers is its member_count.
	sizing         *posthog.MemberSizing
	claimedMembers int
	// rolesAfterMembers is the role list while it waits for the member
	// list (listings).
	rolesAfterMembers  task
	accessControlsOK   map[int64]bool
	usersWithAccess404 map[int64]error
}

// phase1 reads who we are and which organization this is: the
// organization, the current user, the scanning key, the deployment and
// every audit key.
func (col *collector) phase1() []task {
	c, org := col.c, col.opts.Org
	tasks := []task{
		fetch(col, source{section: SectionOrganization, endpoint: "/api/organizations/" + org + "/"},
			noted(col, &col.orgErr, bind(c.Organization, org)),
			func(o *posthog.Organization) { col.snap.Organization, col.orgID = o, o.ID }),
		fetch(col, source{section: SectionCurrentUser, endpoint: "/api/users/@me/"},
			noted(col, &col.meErr, c.CurrentUser),
			func(me *posthog.CurrentUser) { col.me, col.snap.CurrentUser, col.meOrgID = me, me, me.OrganizationID }),
		fetch(col, source{section: SectionAPIKeys, endpoint: "/api/personal_api_keys/@current/"},
			c.CurrentPersonalAPIKey,
			func(k *posthog.PersonalAPIKey) {
				col.addKey(APIKey{Source: KeySourceScanner, PersonalAPIKey: *k, IntrospectedAt: col.introspected()})
			}),
		// The deployment's preflight: Cloud or self-hosted and the social
		// sign-in providers it has configured.
		fetch(col, source{section: SectionInstance, endpoint: "/_preflight/"},
			c.Preflight,
			func(pf *posthog.Preflight) { col.snap.Instance = pf }),
	}
	for _, ak := range col.opts.AuditKeys {
		tasks = append(tasks, col.auditKey(ak))
	}
	return tasks
}

// auditKey introspects an audit key through its own client. A rejected
// audit key is a finding about that key, not a reason to stop: only an
// unreachable host or a cancelled collection are fatal.
func (col *collector) auditKey(ak AuditKey) task {
	return func(ctx context.Context) error {
		k, err := ak.Client.CurrentPersonalAPIKey(ctx)
		if err != nil && (errors.Is(err, posthog.ErrUnreachable) || errors.Is(err, context.Canceled)) {
			return err
		}
		col.mu.Lock()
		defer col.mu.Unlock()
		if err != nil {
			m := col.missingFor(SectionAPIKeys, "/api/personal_api_keys/@current/", err)
			m.AuditKeyEnv = ak.Env
			if errors.Is(err, posthog.ErrUnauthorized) {
				m.Reason = "the key in $" + ak.Env + " was rejected (invalid, expired or deleted)"
			}
			col.snap.Missing = append(col.snap.Missing, m)
			return nil
		}
		col.addKey(APIKey{Source: KeySourceAudit, Env: ak.Env, PersonalAPIKey: *k, IntrospectedAt: col.introspected()})
		return nil
	}
}

// introspected returns the time a key's GET @current has just been
// answered, from the collector's clock, rounded up to the second: the upper
// bound of the last_used_at PostHog may have written for it (see
// APIKey.IntrospectedAt).
func (col *collector) introspected() *time.Time {
	now := col.opts.Now().UTC()
	t := now.Truncate(time.Second)
	if t.Before(now) {
		t = t.Add(time.Second)
	}
	return &t
}

// addKey adds an introspected key to the snapshot; the caller holds col.mu.
func (col *collector) addKey(k APIKey) {
	sort.Strings(k.Scopes)
	sort.Slice(k.ScopedTeams, func(i, j int) bool { return k.ScopedTeams[i] < k.ScopedTeams[j] })
	sort.Strings(k.ScopedOrganizations)
	col.snap.APIKeys = append(col.snap.APIKeys, k)
}

// checkPhase1 stops the collection when phase 1 showed that nothing more
// can be trusted: the host is not PostHog's API (ErrHostNotPostHog), or
// --org names an organization the key cannot read (*OrgError).
func (col *collector) checkPhase1() error {
	if err := col.meErr; err != nil {
		var apiErr *posthog.APIError
		notPostHog := errors.As(err, &apiErr) && (apiErr.Status == 404 || (apiErr.NotPostHog && apiErr.Status < 500))
		if notPostHog || errors.Is(err, posthog.ErrForeignURL) {
			return fmt.Errorf("%s %w: %w", col.c.Host(), ErrHostNotPostHog, err)
		}
	}
	if col.opts.Org == "@current" || col.orgErr == nil {
		return nil
	}
	var apiErr *posthog.APIError
	if !errors.As(col.orgErr, &apiErr) || apiErr.NotPostHog ||
		!(apiErr.Status == 404 || (apiErr.Status == 403 && strings.Contains(apiErr.Detail, "does not have access to the requested organization"))) {
		return nil
	}
	e := &OrgError{Org: col.opts.Org, Err: col.orgErr}
	if col.me != nil {
		e.Orgs = col.me.Organizations
	}
	for _, k := range col.snap.APIKeys {
		if k.Source == KeySourceScanner {
			e.ScopedOrganizations = k.ScopedOrganizations
		}
	}
	return e
}

// resolveOrg settles the organization id the rest of the collection uses.
func (col *collector) resolveOrg() error {
	switch {
	case col.orgID != "":
	case col.opts.Org != "@current":
		col.orgID = col.opts.Org
	case col.meOrgID != "":
		col.orgID = col.meOrgID
	default:
		// Name why each source failed, with its own scope only when
		// PostHog's 403 named one.
		var why []string
		for _, m := range col.snap.Missing {
			if m.Section == SectionOrganization || m.Section == SectionCurrentUser {
				why = append(why, fmt.Sprintf("GET %s: %s", m.Endpoint, m.Reason))
			}
		}
		sort.Strings(why)
		cause := col.orgErr
		if cause == nil {
			cause = col.meErr
		}
		if col.me != nil && col.meErr == nil {
			why = append(why, "GET /api/users/@me/ names no current organization: pass --org")
		}
		return &noOrgError{why: why, cause: cause}
	}
	col.snap.Org.ID = col.orgID
	if col.snap.Organization != nil {
		col.snap.Org.Name = col.snap.Organization.Name
	}
	return nil
}

// noOrgError is an organization that could not be identified: why lists
// each source's failure; errors.Is and errors.As reach the first one's
// error.
type noOrgError struct {
	why   []string
	cause error
}

func (e *noOrgError) Error() string {
	return "cannot identify the organization: " + strings.Join(e.why, "; ")
}

func (e *noOrgError) Unwrap() error { return e.cause }

// orgPath is the organization's endpoint suffix:
// /api/organizations/{id}/{suffix}/.
func (col *collector) orgPath(suffix string) string {
	return "/api/organizations/" + col.orgID + "/" + suffix + "/"
}

// listings are the tasks that read the organization-wide lists and the
// organization-wide activity log, which when readable spares every
// project's. The project list starts the per-project requests the moment it
// arrives (projectTasks); the activity logs and details of the projects
// wait for the organization-wide log too (joined).
func (col *collector) listings() []task {
	c, org := col.c, col.orgID
	at := func(section, suffix string) source {
		return source{section: section, endpoint: col.orgPath(suffix)}
	}
	tasks := []task{
		col.membersListing(fetch(col, at(SectionMembers, "members"), bind(c.Members, org), func(ms []posthog.Member) {
			sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
			col.snap.Members = nonNil(ms)
			col.sizing.Listed(len(ms))
		})),
		fetch(col, at(SectionInvites, "invites"), bind(c.Invites, org), func(is []posthog.Invite) {
			for i := range is {
				ppa := is[i].PrivateProjectAccess
				sort.Slice(ppa, func(a, b int) bool { return ppa[a].ID < ppa[b].ID })
			}
			sort.Slice(is, func(i, j int) bool { return is[i].ID < is[j].ID })
			col.snap.Invites = nonNil(is)
		}),
		fetch(col, at(SectionDomains, "domains"), bind(c.Domains, org), func(ds []posthog.Domain) {
			sort.Slice(ds, func(i, j int) bool {
				if ds[i].Domain != ds[j].Domain {
					return ds[i].Domain < ds[j].Domain
				}
				return ds[i].ID < ds[j].ID
			})
			col.snap.Domains = nonNil(ds)
		}),
		fetch(col, at(SectionIdentityProviderConfigs, "identity_provider_configs"), bind(c.IdentityProviderConfigs, org), func(cs []posthog.IdentityProviderConfig) {
			sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
			col.snap.IdentityProviderConfigs = nonNil(cs)
		}),
		col.joined(fetch(col, at(SectionProjects, "projects"), bind(c.Projects, org), func(ps []posthog.ProjectSummary) {
			// The client refuses a list that repeats an id (it does not add
			// up), so each project is here once.
			sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
			col.snap.Projects = make([]Project, len(ps))
			for i, p := range ps {
				col.snap.Projects[i] = Project{
					ID: p.ID, UUID: p.UUID, Name: p.Name,
					AccessControl: p.AccessControl, IsDemo: p.IsDemo,
				}
			}
			for _, t := range col.projectTasks() {
				col.spawnPerProject(t)
			}
		})),
		col.joined(col.organizationActivity),
		// Last: each role embeds its memberships (RoleSerializer.members, every
		// valid membership, unpaginated, filtered like role_memberships
		// for a restricted viewer): no request per role.
		fetch(col, at(SectionRoles, "roles"), bind(c.Roles, org), func(rs []posthog.Role) {
			col.roleList = nonNil(rs)
		}),
	}
	col.joinLeft = 2
	col.listingStates = make([]listingState, len(tasks))
	col.listingStates[listingMembers].members = true
	col.listingStates[listingRoles].roles = true
	col.listingStates[listingProjects].projects = true
	col.listingStates[listingOrgActivity].activity = true
	for i, t := range tasks {
		tasks[i] = col.listing(i, t)
	}
	if col.claimedMembers > posthog.MaxClaimedMembers {
		// The organization claims more members than its word alone may
		// size a cap for: the role list waits for the member list, whose
		// own length then sizes the cap of /roles/ (it starts when the
		// member list ends, in no scheduler place meanwhile).
		last := len(tasks) - 1 // the role list
		col.rolesAfterMembers, tasks = tasks[last], tasks[:last]
	}
	return tasks
}

// membersListing is t, the member list; when it ends it starts the role
// list if that waits for it (rolesAfterMembers).
func (col *collector) membersListing(t task) task {
	return func(ctx context.Context) error {
		err := t(ctx)
		col.mu.Lock()
		roles := col.rolesAfterMembers
		col.rolesAfterMembers = nil
		col.mu.Unlock()
		if roles != nil {
			col.sched.spawn(roles)
		}
		return err
	}
}

// The places in listings() of the listings whose counts the plan reports.
const (
	listingMembers     = 0
	listingRoles       = 6
	listingProjects    = 4
	listingOrgActivity = 5
)

// listingState is what an organization-wide listing has told the plan.
type listingState struct {
	members, roles, projects, activity bool // which listing it is
	// known is set once the listing's count is known: its first page of
	// several told it (posthog.WithPagesLeft), or the listing ended.
	known, ended bool
	count, left  int // the count and the pages still to read
}

// listing is t, the i-th organization-wide listing: the plan is made as
// soon as every listing has told its count (a listing of several pages by
// its first page, any other by its end), so a huge listing (thousands of
// activity-log pages) does not hold the plan, and its deadline, back.
func (col *collector) listing(i int, t task) task {
	return func(ctx context.Context) error {
		ctx = posthog.WithPagesLeft(ctx, func(count, left int) {
			if left == 0 {
				return // all but read: its end reports it
			}
			col.mu.Lock()
			st := &col.listingStates[i]
			st.known, st.count, st.left = true, count, left
			col.mu.Unlock()
			col.maybePlan()
		})
		err := t(ctx)
		col.mu.Lock()
		st := &col.listingStates[i]
		st.known, st.ended, st.left = true, true, 0
		col.mu.Unlock()
		if err == nil {
			col.maybePlan()
		}
		return err
	}
}

// maybePlan makes the plan once every listing's count is known.
func (col *collector) maybePlan() {
	col.mu.Lock()
	if col.planMade {
		col.mu.Unlock()
		return
	}
	for _, st := range col.listingStates {
		if !st.known {
			col.mu.Unlock()
			return
		}
	}
	col.planMade = true
	col.mu.Unlock()
	col.planned()
}

// joined is t, one of the two listings the per-project activity logs wait
// for: the last of the two to end starts them.
func (col *collector) joined(t task) task {
	return func(ctx context.Context) error {
		err := t(ctx)
		col.mu.Lock()
		defer col.mu.Unlock()
		col.joinLeft--
		if col.joinLeft == 0 && err == nil {
			for _, t := range col.activityTasks() {
				col.spawnPerProject(t)
			}
		}
		return err
	}
}

// spawnPerProject starts a per-project request, counted for the plan; the
// caller holds col.mu.
func (col *collector) spawnPerProject(t task) {
	col.perProjectSpawned++
	col.sched.spawn(func(ctx context.Context) error {
		err := t(ctx)
		col.mu.Lock()
		col.perProjectDone++
		col.mu.Unlock()
		return err
	})
}

// planned reports the plan (Options.OnPlan) once every organization-wide
// listing has told its count, and sets the deadline it gives
// (Options.TimeoutFor). It runs once (maybePlan). Remaining counts the
// listings' pages still to read and the per-project requests: those
// started and not finished once the project list has ended, else three
// per project by the list's count (access_controls,
// resource_access_controls, users_with_access).
func (col *collector) planned() {
	col.mu.Lock()
	plan := Plan{
		Sent:            col.sent(),
		Remaining:       col.perProjectSpawned - col.perProjectDone,
		Projects:        len(col.snap.Projects),
		Members:         len(col.snap.Members),
		Roles:           len(col.roleList),
		ActivityEntries: col.orgActivityEntries,
	}
	for _, st := range col.listingStates {
		if st.ended {
			continue
		}
		plan.Remaining += st.left
		switch {
		case st.members:
			plan.Members = st.count
		case st.roles:
			plan.Roles = st.count
		case st.projects:
			plan.Projects = st.count
			plan.Remaining += 3 * st.count
		case st.activity:
			plan.ActivityEntries = st.count
		}
	}
	if col.snap.Members == nil && col.listingStates[listingMembers].ended && col.snap.Organization != nil {
		// The member list failed: the organization's own count.
		plan.Members = col.snap.Organization.MemberCount
	}
	col.mu.Unlock()
	if col.opts.OnPlan != nil {
		col.opts.OnPlan(plan)
	}
	if col.deadline != nil && col.deadline.Err() == nil {
		// (Past the planning deadline there is nothing left to derive:
		// the collection was cut off under PlanningTimeout.)
		d := col.opts.TimeoutFor(plan)
		col.derived.Store(int64(d))
		col.deadline.setDeadline(col.start.Add(d))
	}
}

// sent is the number of requests made so far by every client of the
// collection, as their call logs count them (Call.Requests: a retried
// request once).
func (col *collector) sent() int {
	lists := [][]posthog.Call{col.c.Calls()}
	for _, ak := range col.opts.AuditKeys {
		if ak.Client != nil {
			lists = append(lists, ak.Client.Calls())
		}
	}
	n := 0
	for _, calls := range lists {
		for _, c := range calls {
			n += c.Requests
		}
	}
	return n
}

// projectTasks are the requests of every project that depend on nothing
// but the project list: its access rules, resource rules, resolved access
// and, for a legacy private project, explicit members. The caller holds
// col.mu.
func (col *collector) projectTasks() []task {
	c := col.c
	var tasks []task
	for i := range col.snap.Projects {
		p := &col.snap.Projects[i]
		id := p.ID
		at := col.projectSource(id)
		tasks = append(tasks,
			fetch(col, at(SectionAccessControls, "access_controls"), bind(c.AccessControls, id),
				func(l *posthog.AccessControlList) {
					p.AccessControls = l
					col.noteUsersWithAccessEvidence(id, true, nil)
				}),
			fetch(col, at(SectionResourceAccessControls, "resource_access_controls"), bind(c.ResourceAccessControls, id),
				func(l *posthog.AccessControlList) { p.ResourceAccessControls = l }),
			col.usersWithAccess(at(SectionUsersWithAccess, "users_with_access"), p),
		)
		if p.AccessControl {
			// The legacy private-project flag: on deployments that still have
			// the old per-project membership, read it too.
			tasks = append(tasks, fetch(col, at(SectionExplicitMembers, "explicit_members"), bind(c.ExplicitMembers, id), func(ms []posthog.ExplicitMember) {
				sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
				p.ExplicitMembers = nonNil(ms)
			}))
		}
	}
	return tasks
}

// usersWithAccess reads a project's users_with_access, unless the
// deployment has shown it has no such endpoint: a 404 of users_with_access
// for a project whose access_controls answered (the project exists, so the
// route is what is missing: 2025 PostHog). Then the projects not asked yet
// get the record that 404 makes. A 404 alone may be the project's own (one
// deleted during the run, which PostHog's team lookup answers with 404):
// the other projects keep asking and keep their own evidence.
func (col *collector) usersWithAccess(src source, p *Project) task {
	get := func(ctx context.Context) ([]posthog.UserAccess, error) {
		col.mu.Lock()
		gone := col.usersWithAccessGone
		col.mu.Unlock()
		if gone != nil {
			return nil, gone
		}
		us, err := col.c.UsersWithAccess(ctx, p.ID)
		var apiErr *posthog.APIError
		if errors.As(err, &apiErr) && apiErr.Status == 404 && !apiErr.NotPostHog {
			col.mu.Lock()
			col.noteUsersWithAccessEvidence(p.ID, false, err)
			col.mu.Unlock()
		}
		return us, err
	}
	return fetch(col, src, get, func(us []posthog.UserAccess) {
		sort.Slice(us, func(i, j int) bool { return us[i].UserID < us[j].UserID })
		p.UsersWithAccess = nonNil(us)
	})
}

// noteUsersWithAccessEvidence records that project id's access_controls
// answered (acOK) or that its users_with_access answered PostHog's 404
// (notFound), and sets usersWithAccessGone once both hold for one project,
// in either order. The caller holds col.mu.
func (col *collector) noteUsersWithAccessEvidence(id int64, acOK bool, notFound error) {
	if col.accessControlsOK == nil {
		col.accessControlsOK, col.usersWithAccess404 = map[int64]bool{}, map[int64]error{}
	}
	if acOK {
		col.accessControlsOK[id] = true
	}
	if notFound != nil {
		col.usersWithAccess404[id] = notFound
	}
	if err := col.usersWithAccess404[id]; err != nil && col.accessControlsOK[id] && col.usersWithAccessGone == nil {
		col.usersWithAccessGone = err
	}
}

// activityTasks are, when the organization-wide activity log could not be
// read, every project's activity log and detail (whose
// receive_org_level_activity_logs says whether the log carries the
// organization-level entries); nothing else needs the detail. The caller
// holds col.mu.
func (col *collector) activityTasks() []task {
	if col.orgActivityOK {
		return nil
	}
	c := col.c
	// A deployment that has the organization-wide endpoint (it refused
	// for another reason than 404) is the newest PostHog, whose cursor
	// pages honour page_size=1000 and do not shift when an entry is
	// written during the read; 2025 PostHog's cursor pages hold 100, so
	// there the numbered pages of 1000 are read.
	cursor := col.orgActivityErr != nil && !errors.Is(col.orgActivityErr, posthog.ErrNotFound)
	projectTasks := func(i int) []task {
		p := &col.snap.Projects[i]
		id := p.ID
		at := col.projectSource(id)
		return []task{
			fetch(col, at(SectionActivityLog, "activity_log"),
				func(ctx context.Context) ([]posthog.ActivityLogEntry, error) {
					if cursor {
						return c.ActivityLogCursor(ctx, id, col.since)
					}
					return c.ActivityLog(ctx, id, col.since)
				},
				func(es []posthog.ActivityLogEntry) { col.keepActivity(id, es) }),
			fetch(col, at(SectionProjects, ""), bind(c.Project, id), func(d *posthog.ProjectDetail) { col.keepDetail(p, d) }),
		}
	}
	if len(col.snap.Projects) > 1 && refusedForEveryProject(col.orgActivityErr) {
		return []task{col.activityProbe(projectTasks)}
	}
	var tasks []task
	for i := range col.snap.Projects {
		tasks = append(tasks, projectTasks(i)...)
	}
	return tasks
}

// refusedForEveryProject reports whether the organization-wide activity
// log's refusal is one PostHog gives every project's log too: the audit_logs
// plan feature (PremiumFeaturePermission gates both viewsets: 402, or a 403
// naming the feature) or the key's missing activity_log:read scope (both
// need it). Not the organization-wide log's own admin requirement, nor a
// server error.
func refusedForEveryProject(err error) bool {
	var apiErr *posthog.APIError
	if !errors.As(err, &apiErr) || apiErr.NotPostHog {
		return false
	}
	detail := strings.ToLower(apiErr.Detail)
	return apiErr.Status == 402 ||
		(apiErr.Status == 403 && (strings.Contains(detail, "'activity_log:") || strings.Contains(detail, "audit log")))
}

// activityProbe reads the first project's activity log alone, and starts
// the other projects' logs only if it answered: when the organization-wide
// log's refusal applies to every project (refusedForEveryProject), the
// other projects' requests would all fail the same way. If the first
// project's log is refused too, every other project gets a Missing record
// with the same cause and sends nothing.
func (col *collector) activityProbe(projectTasks func(int) []task) task {
	c := col.c
	p := &col.snap.Projects[0]
	id := p.ID
	at := col.projectSource(id)
	var probeErr error
	first := fetch(col, at(SectionActivityLog, "activity_log"),
		func(ctx context.Context) ([]posthog.ActivityLogEntry, error) {
			es, err := c.ActivityLogCursor(ctx, id, col.since)
			probeErr = err
			return es, err
		},
		func(es []posthog.ActivityLogEntry) { col.keepActivity(id, es) })
	return func(ctx context.Context) error {
		if err := first(ctx); err != nil {
			return err
		}
		if refusedForEveryProject(probeErr) {
			for i := range col.snap.Projects[1:] {
				src := col.projectSource(col.snap.Projects[1+i].ID)(SectionActivityLog, "activity_log")
				if err := col.fail(src, probeErr); err != nil {
					return err
				}
			}
			return nil
		}
		col.mu.Lock()
		defer col.mu.Unlock()
		col.spawnPerProject(projectTasks(0)[1]) // the first project's detail
		for i := 1; i < len(col.snap.Projects); i++ {
			for _, t := range projectTasks(i) {
				col.spawnPerProject(t)
			}
		}
		return nil
	}
}

// projectSource returns the source of project id's requests.
func (col *collector) projectSource(id int64) func(section, suffix string) source {
	pid := &id
	return func(section, suffix string) source {
		endpoint := fmt.Sprintf("/api/projects/%d/", id)
		if suffix != "" {
			endpoint += suffix + "/"
		}
		return source{section: section, projectID: pid, endpoint: endpoint}
	}
}

// keepDetail keeps what a project's detail adds to p; the caller holds
// col.mu.
func (col *collector) keepDetail(p *Project, d *posthog.ProjectDetail) {
	id := p.ID
	if d.CreatedAt == nil {
		// Every PostHog project has one: the detail is not trustworthy,
		// and a snapshot without it must say so.
		col.snap.Missing = append(col.snap.Missing, Missing{
			Section: SectionProjects, ProjectID: &id, Endpoint: fmt.Sprintf("/api/projects/%d/", id), Status: 200,
			Reason: "the project's detail has no created_at",
		})
		return
	}
	col.detailRead[p.ID] = true
	p.CreatedAt = d.CreatedAt
	p.ReceiveOrgLevelActivityLogs = d.ReceiveOrgLevelActivityLogs
	if d.Name != "" {
		p.Name = d.Name
	}
}

// legacyProjectPermissioning reports whether org's features make a project
// with the legacy access_control flag private on PostHog 2024 and before
// (posthog/user_permissions.py of that vintage checks
// project_based_permissioning): it has that key and not advanced_permissions,
// under which the 2025 code ignores the flag. access_control plays no part:
// no deployment that still honours the flag checks it.
func legacyProjectPermissioning(org *posthog.Organization) bool {
	if org == nil {
		return false
	}
	fs := org.AvailableProductFeatures
	return slices.Contains(fs, "project_based_permissioning") && !slices.Contains(fs, "advanced_permissions")
}

// settleExplicitMembers decides, once every request is done, what an
// explicit_members 404 means, by the rule Load applies too
// (Snapshot.NotApplicable): newer PostHog removed the endpoint, so it is
// "not applicable" — except in an organization whose features make the
// legacy access_control flag private on PostHog 2024 and before, where the
// project admits only its explicit members and, unless the deployment
// showed itself the newest PostHog (which ignores the flag), its access is
// unknown without them.
func (col *collector) settleExplicitMembers() {
	s := col.snap
	if !legacyProjectPermissioning(s.Organization) {
		return
	}
	applicable := !s.NotApplicable(SectionExplicitMembers)
	for i := range s.Missing {
		m := &s.Missing[i]
		if m.Section != SectionExplicitMembers || m.Status != 404 || !m.NotApplicable {
			continue
		}
		if applicable {
			m.NotApplicable = false
			m.Reason = "the organization has project_based_permissioning without advanced_permissions, so on PostHog 2024 and before this private project admits only its explicit members, and the deployment did not serve them"
		} else {
			m.Reason = "not applicable on this deployment: the newest PostHog ignores project_based_permissioning and the legacy access_control flag"
		}
	}
}

// keepActivity keeps the entries of a project's activity log within the
// lookback; the caller holds col.mu.
func (col *collector) keepActivity(projectID int64, entries []posthog.ActivityLogEntry) {
	col.activityRead[projectID] = true
	for _, e := range entries {
		if !e.HasTeamID {
			col.logWithoutTeamID[projectID] = true
		}
		if e.CreatedAt.Before(col.since) {
			continue
		}
		a := activityEntry(e, projectID)
		if prev, ok := col.activity[a.ID]; ok && prev.ProjectID == nil {
			continue
		}
		col.activity[a.ID] = a
	}
}

// errNoTeamID marks an organization-wide activity log whose entries do not
// say which project they belong to.
var errNoTeamID = errors.New("the organization-wide activity log does not say which project each entry belongs to (no team_id)")

// organizationActivity reads GET /api/organizations/{id}/advanced_activity_logs/,
// every project's entries and the organization-level ones. Any refusal is
// kept for finish, which decides whether the projects' logs made up for it.
func (col *collector) organizationActivity(ctx context.Context) error {
	var entries []posthog.ActivityLogEntry
	w, err := col.c.OrganizationActivityLogWindow(ctx, col.orgID, col.since, col.startedAt)
	if err == nil {
		entries = w.Entries
		for _, e := range entries {
			if !e.HasTeamID {
				err = errNoTeamID
				break
			}
		}
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	if err != nil {
		if isFatal(err) {
			return err
		}
		col.orgActivityErr = err
		return nil
	}
	col.orgActivityOK = true
	col.orgActivityEntries = len(entries)
	if !w.CompleteFrom.IsZero() && w.CompleteFrom.After(col.since) {
		// PostHog's audit-log retention ended inside the lookback: what
		// it no longer serves is evidence neither way, so the lookback's
		// coverage is a hole, not a quiet pass.
		col.snap.Missing = append(col.snap.Missing, Missing{
			Section:  SectionActivityLog,
			Endpoint: col.orgPath("advanced_activity_logs"),
			Reason: fmt.Sprintf("PostHog's audit-log retention cut the organization-wide activity log while it was read: it is complete only from about %s, not the %d days --lookback-days asks for (the plan keeps less)",
				w.CompleteFrom.UTC().Format(time.RFC3339), col.opts.LookbackDays),
		})
	}
	for _, e := range entries {
		if e.CreatedAt.Before(col.since) {
			continue
		}
		a := activityEntry(e, 0) // every entry has team_id: readFrom is unused
		col.activity[a.ID] = a
	}
	return nil
}

// orgActivityCoverage settles the organization_activity_log section: from
// the organization-wide log when it was read, else from a project's log
// known to carry the organization-level entries. A log in 2025 PostHog's
// shape (entries without team_id) does: that viewset adds them for
// include_organization_scoped=1, which is always sent. A log in the newest
// shape does only when the project detail was read and says
// receive_org_level_activity_logs: true (newest PostHog ignores the
// parameter; the field alone proves nothing, 2025 PostHog has it too). An
// empty log in no known shape proves nothing. When no log qualifies, the
// section is missing, with the organization endpoint's refusal and why the
// projects' logs could not stand in.
func (col *collector) orgActivityCoverage() {
	s := col.snap
	endpoint := col.orgPath("advanced_activity_logs")
	if col.orgActivityOK {
		s.OrganizationActivity = &ActivitySource{Source: ActivitySourceOrganization, Endpoint: endpoint}
		return
	}
	var via []int64
	readAny := false
	for _, p := range s.Projects {
		if !col.activityRead[p.ID] {
			continue
		}
		readAny = true
		flagged := col.detailRead[p.ID] && p.ReceiveOrgLevelActivityLogs != nil && *p.ReceiveOrgLevelActivityLogs
		if col.logWithoutTeamID[p.ID] || flagged {
			via = append(via, p.ID)
		}
	}
	if len(via) > 0 {
		s.OrganizationActivity = &ActivitySource{
			Source: ActivitySourceProjects, Endpoint: "/api/projects/{project_id}/activity_log/", ProjectIDs: via,
		}
		return
	}
	var fallback string
	switch {
	case len(s.Projects) == 0:
		fallback = "no project's activity log could stand in for it"
	case !readAny:
		fallback = "no project's activity log could be read either"
	default:
		fallback = "no project whose activity log was read has receive_org_level_activity_logs on, so PostHog leaves organization-level entries out of them"
	}
	m := Missing{Section: SectionOrganizationActivityLog, Endpoint: endpoint}
	switch {
	case col.orgActivityErr == nil:
		// The organization id could not be settled before the listings; cannot
		// happen after resolveOrg, but a missing cause must still be named.
		m.Reason = "organization-level activity could not be read; " + fallback
	case errors.Is(col.orgActivityErr, posthog.ErrNotFound):
		// An older deployment: the projects' logs were the only source, so
		// their failure is the cause.
		m = col.missingFor(SectionOrganizationActivityLog, endpoint, col.orgActivityErr)
		m.Reason = "the organization-wide activity log does not exist on this deployment, and " + fallback
		for _, pm := range s.Missing {
			if pm.Section == SectionActivityLog && !pm.NotApplicable {
				m.Endpoint, m.Status, m.Detail, m.Scope, m.Feature = pm.Endpoint, pm.Status, pm.Detail, pm.Scope, pm.Feature
				m.Reason += ": " + pm.Reason
				break
			}
		}
	default:
		m = col.missingFor(SectionOrganizationActivityLog, endpoint, col.orgActivityErr)
		m.Reason += "; " + fallback
	}
	s.Missing = append(s.Missing, m)
}

// orgScopes are activity scopes that describe the organization, not a
// project; 2025 PostHog does not say which rows are organization-level.
var orgScopes = map[string]bool{
	"Organization": true, "OrganizationDomain": true, "OrganizationMembership": true,
	"OrganizationInvite": true, "Role": true, "UserGroup": true, "PersonalAPIKey": true,
	"User": true, "OAuthApplication": true,
}

func activityEntry(e posthog.ActivityLogEntry, readFrom int64) ActivityEntry {
	a := ActivityEntry{
		ID: e.ID, CreatedAt: e.CreatedAt.UTC(), Scope: e.Scope, Activity: e.Activity,
		ItemID: e.ItemID, WasImpersonated: e.WasImpersonated, IsSystem: e.IsSystem,
		Client: e.Client, Detail: redactDetail(e.Detail),
	}
	switch {
	case e.HasTeamID:
		a.ProjectID = e.TeamID
	case !orgScopes[e.Scope]:
		p := readFrom
		a.ProjectID = &p
	}
	if e.User != nil {
		a.User = &ActivityUser{UUID: e.User.UUID, Email: e.User.Email}
	}
	return a
}

// sortAccessRules puts l in the snapshot's order (Project.AccessControls):
// its rules by resource, resource_id, organization_member and role (an
// absent id before any present one), then access_level, created_at (absent
// first), updated_at and created_by, so that the order depends on nothing
// but the rules; its available access levels by name. It is the only place
// rules are sorted, once every response has arrived.
func sortAccessRules(l *posthog.AccessControlList) {
	if l == nil {
		return
	}
	l.AccessControls = nonNil(l.AccessControls)
	slices.SortFunc(l.AccessControls, func(a, b posthog.AccessControl) int {
		return cmp.Or(
			strings.Compare(a.Resource, b.Resource),
			compareAbsentFirst(a.ResourceID, b.ResourceID, strings.Compare),
			compareAbsentFirst(a.OrganizationMember, b.OrganizationMember, strings.Compare),
			compareAbsentFirst(a.Role, b.Role, strings.Compare),
			strings.Compare(a.AccessLevel, b.AccessLevel),
			compareAbsentFirst(a.CreatedAt, b.CreatedAt, time.Time.Compare),
			compareAbsentFirst(a.UpdatedAt, b.UpdatedAt, time.Time.Compare),
			compareAbsentFirst(a.CreatedBy, b.CreatedBy, cmp.Compare[int64]),
		)
	})
	slices.Sort(l.AvailableAccessLevels)
}

// compareAbsentFirst compares *a and *b with compare, nil before any value.
func compareAbsentFirst[T any](a, b *T, compare func(T, T) int) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return compare(*a, *b)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// finish assembles what the tasks gathered into the snapshot's final,
// deterministic form.
func (col *collector) finish() {
	s := col.snap
	// Every request of the collection: the scanning key's and each audit
	// key's introspection.
	lists := [][]posthog.Call{col.c.Calls()}
	for _, ak := range col.opts.AuditKeys {
		if ak.Client != nil {
			lists = append(lists, ak.Client.Calls())
		}
	}
	s.Collection = posthog.MergeCalls(lists...)
	for i := range s.Projects {
		sortAccessRules(s.Projects[i].AccessControls)
		sortAccessRules(s.Projects[i].ResourceAccessControls)
	}
	col.settleExplicitMembers()
	if err := embeddedMembersAddUp(col.roleList); err != nil {
		// A role list whose embedded memberships contradict themselves
		// proves no role's membership: the section is missing.
		s.Missing = append(s.Missing, Missing{
			Section: SectionRoles, Endpoint: col.orgPath("roles"), Status: 200,
			Reason: "posthog's answer was unusable: " + err.Error(),
		})
		col.roleList = nil
	}
	if col.roleList != nil {
		s.Roles = make([]Role, 0, len(col.roleList))
		memberByUser := map[string]string{}
		for _, m := range s.Members {
			memberByUser[m.User.UUID] = m.ID
		}
		for _, r := range col.roleList {
			ms := r.Members
			role := Role{ID: r.ID, Name: r.Name, IsDefault: r.IsDefault, CreatedAt: r.CreatedAt, Members: []RoleMember{}}
			for _, m := range ms {
				rm := RoleMember{ID: m.ID, UserUUID: m.User.UUID, Email: m.User.Email, JoinedAt: m.JoinedAt.UTC()}
				if m.OrganizationMember != nil {
					rm.MembershipID = m.OrganizationMember.ID
				} else {
					rm.MembershipID = memberByUser[m.User.UUID]
				}
				role.Members = append(role.Members, rm)
			}
			sort.Slice(role.Members, func(i, j int) bool { return role.Members[i].ID < role.Members[j].ID })
			s.Roles = append(s.Roles, role)
		}
		sort.Slice(s.Roles, func(i, j int) bool { return s.Roles[i].ID < s.Roles[j].ID })
	}
	if col.orgActivityOK || (s.Projects != nil && !col.sectionFailedEverywhere(SectionActivityLog)) {
		s.ActivityLogSource = col.activitySource()
		s.ActivityLog = make([]ActivityEntry, 0, len(col.activity))
		for _, a := range col.activity {
			s.ActivityLog = append(s.ActivityLog, a)
		}
		sort.Slice(s.ActivityLog, func(i, j int) bool {
			a, b := s.ActivityLog[i], s.ActivityLog[j]
			if !a.CreatedAt.Equal(b.CreatedAt) {
				return a.CreatedAt.Before(b.CreatedAt)
			}
			return a.ID < b.ID
		})
	}
	if s.Projects == nil {
		// Without the project list no per-project section could be read.
		// The list's own record says why; its scope is named only when
		// PostHog's 403 named one.
		why := Missing{Reason: "not collected: the project list could not be read"}
		for _, m := range s.Missing {
			if m.Section == SectionProjects && m.ProjectID == nil {
				why.Scope, why.Status = m.Scope, m.Status
				why.Reason += " (" + m.Reason + ")"
				break
			}
		}
		for _, sec := range []string{SectionAccessControls, SectionResourceAccessControls, SectionUsersWithAccess, SectionActivityLog} {
			if sec == SectionActivityLog && col.orgActivityOK {
				continue // the organization-wide log holds every project's
			}
			s.Missing = append(s.Missing, Missing{
				Section: sec, Endpoint: "/api/projects/{project_id}/" + sec + "/",
				Status: why.Status, Scope: why.Scope, Reason: why.Reason,
			})
		}
	}
	if s.APIKeys != nil {
		sort.Slice(s.APIKeys, func(i, j int) bool {
			a, b := s.APIKeys[i], s.APIKeys[j]
			if a.Source != b.Source {
				return a.Source > b.Source // scanner first
			}
			if a.Env != b.Env {
				return a.Env < b.Env
			}
			return a.ID < b.ID
		})
	} else if !col.hasMissing(SectionAPIKeys) {
		s.APIKeys = []APIKey{}
	}
	col.scannerVisibility()
	// What PostHog's answers contradict of each other is partial evidence.
	s.Missing = append(s.Missing, s.inconsistencies()...)
	s.Missing = collapseMissing(s.Missing, len(s.Projects))
	col.orgActivityCoverage()
	sortMissing(s.Missing)
}

// embeddedMembersAddUp checks the memberships each role of the role list
// embeds (PostHog's RoleSerializer.members: every valid membership of the
// role, neither capped nor paginated, so there is no count to check them
// against): each must name its own role, and none may repeat a membership
// or a user within its role.
func embeddedMembersAddUp(roles []posthog.Role) error {
	for _, r := range roles {
		ids, users := map[string]bool{}, map[string]bool{}
		for _, m := range r.Members {
			switch {
			case m.RoleID != r.ID:
				return fmt.Errorf("role %s embeds membership %s of role %s", r.ID, m.ID, m.RoleID)
			case ids[m.ID]:
				return fmt.Errorf("role %s embeds membership %s twice", r.ID, m.ID)
			case m.User.UUID != "" && users[m.User.UUID]:
				return fmt.Errorf("role %s embeds user %s twice", r.ID, m.User.UUID)
			}
			ids[m.ID], users[m.User.UUID] = true, true
		}
	}
	return nil
}

// activitySource says which logs the activity log was read from: the
// organization-wide one, else the projects' logs that were read.
func (col *collector) activitySource() *ActivitySource {
	if col.orgActivityOK {
		return &ActivitySource{Source: ActivitySourceOrganization, Endpoint: col.orgPath("advanced_activity_logs")}
	}
	var ids []int64
	for _, p := range col.snap.Projects {
		if col.activityRead[p.ID] {
			ids = append(ids, p.ID)
		}
	}
	return &ActivitySource{Source: ActivitySourceProjects, Endpoint: "/api/projects/{project_id}/activity_log/", ProjectIDs: ids}
}

func (col *collector) hasMissing(section string) bool {
	for _, m := range col.snap.Missing {
		if m.Section == section {
			return true
		}
	}
	return false
}

// sectionFailedEverywhere reports whether a per-project section failed for
// every project, in which case the section has no data at all.
func (col *collector) sectionFailedEverywhere(section string) bool {
	failed := map[int64]bool{}
	for _, m := range col.snap.Missing {
		if m.Section == section && m.ProjectID != nil && !m.NotApplicable {
			failed[*m.ProjectID] = true
		}
	}
	return len(col.snap.Projects) > 0 && len(failed) == len(col.snap.Projects)
}
