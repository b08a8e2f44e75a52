package snapshot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sourcegraph/conc/pool"

	"github.com/hogaudit/hogaudit/internal/version"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// Options tune Collect. The zero value collects the scanning key's current
// organization with the defaults of the command line.
type Options struct {
	// Org is the organization id, or "@current" (the default) for the
	// scanning key owner's current organization.
	Org string
	// Concurrency bounds the fan-out pool (default 8). The client's Budget
	// bounds the requests in flight.
	Concurrency int
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
}

// AuditKey is a --audit-key-env key: the variable's name and a client
// authenticated with its value.
type AuditKey struct {
	Env    string
	Client *posthog.Client
}

// Defaults of Options.
const (
	DefaultConcurrency  = 8
	DefaultLookbackDays = 30
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
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	col.cancel = cancel

	// Phase 1: who we are and which organization this is.
	col.run(ctx, []func(context.Context) error{
		col.organization,
		col.currentUser,
		col.scannerKey,
		col.instance,
	}, col.auditKeyTasks())
	if err := col.fatalErr(ctx); err != nil {
		return nil, err
	}
	if err := col.checkPhase1(); err != nil {
		return nil, &FatalError{Err: err}
	}
	if err := col.resolveOrg(); err != nil {
		return nil, &FatalError{Err: err}
	}

	// Phase 2: organization-wide lists, and the organization-wide activity
	// log, which when readable spares every project's.
	col.run(ctx, []func(context.Context) error{
		col.members, col.invites, col.domains, col.identityProviderConfigs,
		col.roles, col.projects, col.organizationActivity,
	})
	if err := col.fatalErr(ctx); err != nil {
		return nil, err
	}

	// Phase 3: what depends on those lists: role memberships and every
	// project's access rules and activity.
	col.run(ctx, col.roleTasks(), col.projectTasks())
	if err := col.fatalErr(ctx); err != nil {
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
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
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
	return o
}

// collector holds one collection's state. Tasks run concurrently and write
// through mu.
type collector struct {
	c      *posthog.Client
	opts   Options
	since  time.Time
	cancel context.CancelFunc

	mu    sync.Mutex
	snap  *Snapshot
	fatal error
	orgID string
	// meOrgID is the current user's organization, the fallback when the
	// organization itself cannot be read.
	meOrgID string
	// orgErr and meErr are why the organization and the current user could
	// not be read in phase 1; me is the current user when it was.
	orgErr, meErr error
	me            *posthog.CurrentUser
	// roleList feeds phase 3 (the projects are in snap.Projects).
	roleList []posthog.Role
	// roleMembers and activity are filled in phase 3: the role memberships
	// by role id, and the activity entries by id (org-level entries appear
	// in several projects' logs).
	roleMembers map[string][]posthog.RoleMembership
	activity    map[string]ActivityEntry
	// orgActivityOK is set in phase 2 when the organization-wide activity
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
}

// run executes every task on a pool bounded by the concurrency option and
// waits for all of them. Once ctx is cancelled (a fatal error, an
// interrupt) the remaining tasks are skipped; past ctx's deadline they still
// run, fail at once without a request, and record their sections missing.
func (col *collector) run(ctx context.Context, groups ...[]func(context.Context) error) {
	p := pool.New().WithMaxGoroutines(col.opts.Concurrency)
	for _, g := range groups {
		for _, task := range g {
			p.Go(func() {
				if errors.Is(ctx.Err(), context.Canceled) {
					return
				}
				if err := task(ctx); err != nil {
					col.setFatal(err)
				}
			})
		}
	}
	p.Wait()
}

// setFatal records the first fatal error and cancels the remaining work.
func (col *collector) setFatal(err error) {
	col.mu.Lock()
	defer col.mu.Unlock()
	if col.fatal == nil {
		col.fatal = err
		col.cancel()
	}
}

func (col *collector) fatalErr(ctx context.Context) error {
	col.mu.Lock()
	defer col.mu.Unlock()
	if col.fatal != nil {
		return &FatalError{Err: col.fatal}
	}
	if err := ctx.Err(); errors.Is(err, context.Canceled) {
		return &FatalError{Err: err}
	}
	return nil
}

// Phase 1 tasks.

func (col *collector) organization(ctx context.Context) error {
	org, err := col.c.Organization(ctx, col.opts.Org)
	if err != nil {
		col.mu.Lock()
		col.orgErr = err
		col.mu.Unlock()
		return col.fail(SectionOrganization, nil, "/api/organizations/"+col.opts.Org+"/", err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	col.snap.Organization = org
	col.orgID = org.ID
	return nil
}

// instance reads the deployment's preflight: Cloud or self-hosted and the
// social sign-in providers it has configured.
func (col *collector) instance(ctx context.Context) error {
	pf, err := col.c.Preflight(ctx)
	if err != nil {
		return col.fail(SectionInstance, nil, "/_preflight/", err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	col.snap.Instance = pf
	return nil
}

func (col *collector) currentUser(ctx context.Context) error {
	me, err := col.c.CurrentUser(ctx)
	if err != nil {
		col.mu.Lock()
		col.meErr = err
		col.mu.Unlock()
		return col.fail(SectionCurrentUser, nil, "/api/users/@me/", err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	col.me = me
	col.snap.CurrentUser = me
	col.meOrgID = me.OrganizationID
	return nil
}

func (col *collector) scannerKey(ctx context.Context) error {
	k, err := col.c.CurrentPersonalAPIKey(ctx)
	if err != nil {
		return col.fail(SectionAPIKeys, nil, "/api/personal_api_keys/@current/", err)
	}
	col.addKey(APIKey{Source: KeySourceScanner, PersonalAPIKey: *k, IntrospectedAt: col.introspected()})
	return nil
}

func (col *collector) auditKeyTasks() []func(context.Context) error {
	var tasks []func(context.Context) error
	for _, ak := range col.opts.AuditKeys {
		tasks = append(tasks, func(ctx context.Context) error {
			k, err := ak.Client.CurrentPersonalAPIKey(ctx)
			if err != nil {
				if errors.Is(err, posthog.ErrUnreachable) || errors.Is(err, context.Canceled) {
					return err
				}
				// A rejected audit key is a finding about that key, not a
				// reason to stop: record it.
				m := col.missingFor(SectionAPIKeys, "/api/personal_api_keys/@current/", err)
				m.AuditKeyEnv = ak.Env
				if errors.Is(err, posthog.ErrUnauthorized) {
					m.Reason = "the key in $" + ak.Env + " was rejected (invalid, expired or deleted)"
				}
				col.mu.Lock()
				col.snap.Missing = append(col.snap.Missing, m)
				col.mu.Unlock()
				return nil
			}
			col.addKey(APIKey{Source: KeySourceAudit, Env: ak.Env, PersonalAPIKey: *k, IntrospectedAt: col.introspected()})
			return nil
		})
	}
	return tasks
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

func (col *collector) addKey(k APIKey) {
	sort.Strings(k.Scopes)
	sort.Slice(k.ScopedTeams, func(i, j int) bool { return k.ScopedTeams[i] < k.ScopedTeams[j] })
	sort.Strings(k.ScopedOrganizations)
	col.mu.Lock()
	defer col.mu.Unlock()
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

// Phase 2 tasks.

func (col *collector) orgPath(suffix string) string {
	return "/api/organizations/" + col.orgID + "/" + suffix + "/"
}

func (col *collector) members(ctx context.Context) error {
	ms, err := col.c.Members(ctx, col.orgID)
	if err != nil {
		return col.fail(SectionMembers, nil, col.orgPath("members"), err)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	col.mu.Lock()
	defer col.mu.Unlock()
	col.snap.Members = nonNil(ms)
	return nil
}

func (col *collector) invites(ctx context.Context) error {
	is, err := col.c.Invites(ctx, col.orgID)
	if err != nil {
		return col.fail(SectionInvites, nil, col.orgPath("invites"), err)
	}
	for i := range is {
		ppa := is[i].PrivateProjectAccess
		sort.Slice(ppa, func(a, b int) bool { return ppa[a].ID < ppa[b].ID })
	}
	sort.Slice(is, func(i, j int) bool { return is[i].ID < is[j].ID })
	col.mu.Lock()
	defer col.mu.Unlock()
	col.snap.Invites = nonNil(is)
	return nil
}

func (col *collector) domains(ctx context.Context) error {
	ds, err := col.c.Domains(ctx, col.orgID)
	if err != nil {
		return col.fail(SectionDomains, nil, col.orgPath("domains"), err)
	}
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].Domain != ds[j].Domain {
			return ds[i].Domain < ds[j].Domain
		}
		return ds[i].ID < ds[j].ID
	})
	col.mu.Lock()
	defer col.mu.Unlock()
	col.snap.Domains = nonNil(ds)
	return nil
}

func (col *collector) identityProviderConfigs(ctx context.Context) error {
	cs, err := col.c.IdentityProviderConfigs(ctx, col.orgID)
	if err != nil {
		return col.fail(SectionIdentityProviderConfigs, nil, col.orgPath("identity_provider_configs"), err)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	col.mu.Lock()
	defer col.mu.Unlock()
	col.snap.IdentityProviderConfigs = nonNil(cs)
	return nil
}

func (col *collector) roles(ctx context.Context) error {
	rs, err := col.c.Roles(ctx, col.orgID)
	if err != nil {
		return col.fail(SectionRoles, nil, col.orgPath("roles"), err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	col.roleList = nonNil(rs)
	col.roleMembers = map[string][]posthog.RoleMembership{}
	return nil
}

func (col *collector) projects(ctx context.Context) error {
	ps, err := col.c.Projects(ctx, col.orgID)
	if err != nil {
		return col.fail(SectionProjects, nil, col.orgPath("projects"), err)
	}
	// The client refuses a list that repeats an id (it does not add up),
	// so each project is here once.
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	col.mu.Lock()
	defer col.mu.Unlock()
	col.snap.Projects = make([]Project, len(ps))
	for i, p := range ps {
		col.snap.Projects[i] = Project{
			ID: p.ID, UUID: p.UUID, Name: p.Name,
			AccessControl: p.AccessControl, IsDemo: p.IsDemo,
		}
	}
	return nil
}

// Phase 3 tasks.

func (col *collector) roleTasks() []func(context.Context) error {
	var tasks []func(context.Context) error
	for _, r := range col.roleList {
		tasks = append(tasks, func(ctx context.Context) error {
			ms, err := col.c.RoleMemberships(ctx, col.orgID, r.ID)
			if err != nil {
				return col.fail(SectionRoles, nil, col.orgPath("roles/"+r.ID+"/role_memberships"), err)
			}
			col.mu.Lock()
			defer col.mu.Unlock()
			col.roleMembers[r.ID] = ms
			return nil
		})
	}
	return tasks
}

func (col *collector) projectTasks() []func(context.Context) error {
	var tasks []func(context.Context) error
	if col.snap.Projects == nil {
		return nil
	}
	for i := range col.snap.Projects {
		p := &col.snap.Projects[i]
		id := p.ID
		pid := &id
		path := func(suffix string) string {
			if suffix == "" {
				return fmt.Sprintf("/api/projects/%d/", id)
			}
			return fmt.Sprintf("/api/projects/%d/%s/", id, suffix)
		}
		tasks = append(tasks,
			func(ctx context.Context) error {
				d, err := col.c.Project(ctx, id)
				if err != nil {
					return col.fail(SectionProjects, pid, path(""), err)
				}
				col.mu.Lock()
				defer col.mu.Unlock()
				if d.CreatedAt == nil {
					// Every PostHog project has one: the detail is not
					// trustworthy, and a snapshot without it must say so.
					col.snap.Missing = append(col.snap.Missing, Missing{
						Section: SectionProjects, ProjectID: pid, Endpoint: path(""), Status: 200,
						Reason: "the project's detail has no created_at",
					})
					return nil
				}
				col.detailRead[id] = true
				p.CreatedAt = d.CreatedAt
				p.ReceiveOrgLevelActivityLogs = d.ReceiveOrgLevelActivityLogs
				if d.Name != "" {
					p.Name = d.Name
				}
				return nil
			},
			func(ctx context.Context) error {
				l, err := col.c.AccessControls(ctx, id)
				if err != nil {
					return col.fail(SectionAccessControls, pid, path("access_controls"), err)
				}
				sortRules(l)
				col.mu.Lock()
				defer col.mu.Unlock()
				p.AccessControls = l
				return nil
			},
			func(ctx context.Context) error {
				l, err := col.c.ResourceAccessControls(ctx, id)
				if err != nil {
					return col.fail(SectionResourceAccessControls, pid, path("resource_access_controls"), err)
				}
				sortRules(l)
				col.mu.Lock()
				defer col.mu.Unlock()
				p.ResourceAccessControls = l
				return nil
			},
			func(ctx context.Context) error {
				us, err := col.c.UsersWithAccess(ctx, id)
				if err != nil {
					return col.fail(SectionUsersWithAccess, pid, path("users_with_access"), err)
				}
				sort.Slice(us, func(i, j int) bool { return us[i].UserID < us[j].UserID })
				col.mu.Lock()
				defer col.mu.Unlock()
				p.UsersWithAccess = nonNil(us)
				return nil
			},
		)
		if !col.orgActivityOK {
			tasks = append(tasks, func(ctx context.Context) error {
				return col.activityLog(ctx, id, path("activity_log"))
			})
		}
		if p.AccessControl {
			// The legacy private-project flag: on deployments that still have
			// the old per-project membership, read it too.
			tasks = append(tasks, func(ctx context.Context) error {
				ms, err := col.c.ExplicitMembers(ctx, id)
				if err != nil {
					return col.fail(SectionExplicitMembers, pid, path("explicit_members"), err)
				}
				sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
				col.mu.Lock()
				defer col.mu.Unlock()
				p.ExplicitMembers = nonNil(ms)
				return nil
			})
		}
	}
	return tasks
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

func (col *collector) activityLog(ctx context.Context, projectID int64, endpoint string) error {
	entries, err := col.c.ActivityLog(ctx, projectID, col.since)
	if err != nil {
		pid := projectID
		return col.fail(SectionActivityLog, &pid, endpoint, err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
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
	return nil
}

// errNoTeamID marks an organization-wide activity log whose entries do not
// say which project they belong to.
var errNoTeamID = errors.New("the organization-wide activity log does not say which project each entry belongs to (no team_id)")

// organizationActivity reads GET /api/organizations/{id}/advanced_activity_logs/,
// every project's entries and the organization-level ones. Any refusal is
// kept for finish, which decides whether the projects' logs made up for it.
func (col *collector) organizationActivity(ctx context.Context) error {
	entries, err := col.c.OrganizationActivityLog(ctx, col.orgID, col.since)
	if err == nil {
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
		// The organization id could not be settled before phase 2; cannot
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

func sortRules(l *posthog.AccessControlList) {
	if l == nil {
		return
	}
	l.AccessControls = nonNil(l.AccessControls)
	rs := l.AccessControls
	key := func(r posthog.AccessControl) string {
		return strings.Join([]string{r.Resource, deref(r.ResourceID), deref(r.OrganizationMember), deref(r.Role), r.AccessLevel}, "\x00")
	}
	sort.SliceStable(rs, func(i, j int) bool { return key(rs[i]) < key(rs[j]) })
	sort.Strings(l.AvailableAccessLevels)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
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
	col.settleExplicitMembers()
	if col.roleList != nil {
		s.Roles = make([]Role, 0, len(col.roleList))
		memberByUser := map[string]string{}
		for _, m := range s.Members {
			memberByUser[m.User.UUID] = m.ID
		}
		for _, r := range col.roleList {
			ms, ok := col.roleMembers[r.ID]
			if !ok {
				// The memberships endpoint failed: fall back to the members
				// the role list embeds (its Missing record stays).
				ms = r.Members
			}
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
