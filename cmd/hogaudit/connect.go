package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alecthomas/kong"

	"github.com/hogaudit/hogaudit/internal/version"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// connFlags say how to reach PostHog and how hard to push it.
type connFlags struct {
	Host           string         `env:"POSTHOG_HOST" default:"https://us.posthog.com" placeholder:"URL" help:"PostHog API base: https://us.posthog.com, https://eu.posthog.com, or your self-hosted URL. Plain http:// is refused unless the host is loopback or --insecure-http is given."`
	Org            string         `env:"POSTHOG_ORG_ID" default:"@current" placeholder:"ID" help:"Organization id; @current is the scanning key owner's current organization."`
	APIKeyFile     string         `placeholder:"FILE" help:"Read the scanning key from FILE instead of $POSTHOG_PERSONAL_API_KEY (the key is never accepted as a flag value)."`
	AuditKeyEnv    []string       `placeholder:"NAME" help:"Name of an environment variable holding another personal API key (a service account's); hogaudit reads only that key's own description (GET /api/personal_api_keys/@current/). Repeatable: PostHog lets a key read only itself, so hand over every key the matrix lists under keys:."`
	Concurrency    int            `default:"${concurrency}" help:"Parallel API requests (1-${max_concurrency})."`
	Rate           int            `default:"${rate}" help:"Requests per minute, and ten times that per hour, shared by all the keys hogaudit uses. The default is PostHog's own limit (PostHog allows ${max_rate}/min and ${max_rate_hour}/h per personal API key): hogaudit counts a request from when it is sent until a minute (an hour) after its response arrived, 0.5% longer for clock differences, so PostHog never counts more of hogaudit's own requests in a window. PostHog counts every request a key makes, other tools' too: lower --rate when other tools use the same keys. Above ${max_rate}, or 0 for no budget at all, only on a host that is not PostHog Cloud (self-hosted PostHog usually has rate limiting off)."`
	Timeout        *time.Duration `placeholder:"D" help:"Deadline for the whole collection (default: derived from the request plan once the first listings arrived: the larger of ${planning_timeout} and the time until the plan plus twice the ETA of its remaining requests plus ${timeout_slack}. The plan is a lower bound, so its ETA is taken for ${plan_headroom_percent}% more requests and ${plan_headroom_retries} retries: a run that must, or may, wait for PostHog's hourly limit is not cut short). When it passes, the sections that arrived are kept, the rest are recorded as missing, and the reports are written (exit 2)."`
	RequestTimeout time.Duration  `default:"60s" help:"Deadline for one attempt of one request, from sending it to the end of its body: a stalled response is abandoned (and retried) after it."`
	InsecureHTTP   bool           `name:"insecure-http" help:"Allow plain http:// to a non-loopback host (the key travels unencrypted)."`
}

// maxConcurrency is the highest --concurrency.
const maxConcurrency = 64

// connVars are the values connFlags' tags interpolate: the defaults and
// limits of the request budget, declared once in snapshot.
func connVars() kong.Vars {
	return kong.Vars{
		"concurrency":      strconv.Itoa(snapshot.DefaultConcurrency),
		"max_concurrency":  strconv.Itoa(maxConcurrency),
		"rate":             strconv.Itoa(snapshot.DefaultRate),
		"max_rate":         strconv.Itoa(snapshot.MaxRate),
		"max_rate_hour":    strconv.Itoa(10 * snapshot.MaxRate),
		"planning_timeout": fmt.Sprintf("%dm", int(planningTimeout/time.Minute)),
		"timeout_slack":    fmt.Sprintf("%dm", int(timeoutSlack/time.Minute)),

		"plan_headroom_percent": strconv.Itoa(planHeadroomPercent),
		"plan_headroom_retries": strconv.Itoa(planHeadroomRetries),
	}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (f *connFlags) validate() error {
	// The host's own error first, and from here on only its normalized
	// form in messages: the flag may hold a password (NormalizeHost never
	// echoes one).
	host, err := posthog.NormalizeHost(f.Host, f.InsecureHTTP)
	if err != nil {
		return fail(fmt.Errorf("--host: %w", err))
	}
	switch {
	case f.Concurrency < 1 || f.Concurrency > maxConcurrency:
		return fail(fmt.Errorf("--concurrency %d is out of range", f.Concurrency), fmt.Sprintf("use a value from 1 to %d (default %d)", maxConcurrency, snapshot.DefaultConcurrency))
	case f.Rate < 0:
		return fail(fmt.Errorf("--rate %d must not be negative", f.Rate), fmt.Sprintf("the default %d is PostHog's own limit a minute; 0 means no budget, on a host that is not PostHog Cloud", snapshot.DefaultRate))
	case f.Rate == 0 && posthog.IsCloudHost(host):
		return fail(fmt.Errorf("--rate 0 must be at least 1 on posthog cloud (%s)", host), fmt.Sprintf("the default %d is PostHog's own limit of %d a minute; no budget (--rate 0) is only for a self-hosted host", snapshot.DefaultRate, snapshot.MaxRate))
	case f.Rate > snapshot.MaxRate && posthog.IsCloudHost(host):
		return fail(fmt.Errorf("--rate %d is above PostHog's limit of %d requests a minute", f.Rate, snapshot.MaxRate), fmt.Sprintf("requests beyond that get 429 answers from PostHog; use %d or less", snapshot.MaxRate))
	case f.Timeout != nil && *f.Timeout <= 0:
		return fail(fmt.Errorf("--timeout %s must be positive", *f.Timeout), "leave --timeout out to have it derived from the request plan")
	case f.RequestTimeout <= 0:
		return fail(fmt.Errorf("--request-timeout %s must be positive", f.RequestTimeout))
	}
	for _, n := range f.AuditKeyEnv {
		if !envName.MatchString(n) {
			return fail(fmt.Errorf("--audit-key-env %q is not an environment variable name", n), "pass the variable's name, not its value: --audit-key-env BI_KEY")
		}
	}
	return nil
}

// rateWarnings says when --rate goes past PostHog Cloud's limits, which
// validate allows only on another host.
func (f *connFlags) rateWarnings(g *globals, e *env) {
	host := f.shownHost()
	if host == "" {
		return // validate refused it
	}
	switch {
	case f.Rate == 0:
		g.warnf(e, "--rate 0: no request budget; hogaudit sends requests to %s as fast as --concurrency %d allows", host, f.Concurrency)
		g.hintf(e, "a self-hosted posthog throttles only with its RATE_LIMIT_ENABLED setting on (then at %d a minute): if requests get 429 answers, set --rate", snapshot.MaxRate)
	case f.Rate > snapshot.MaxRate:
		g.warnf(e, "--rate %d is above posthog cloud's limit of %d a minute; allowed because %s is not posthog cloud", f.Rate, snapshot.MaxRate, host)
		g.hintf(e, "a self-hosted posthog with its RATE_LIMIT_ENABLED setting on throttles at %d a minute and %d an hour: lower --rate if requests get 429 answers", snapshot.MaxRate, 10*snapshot.MaxRate)
	}
}

// shownHost is --host as messages and reports may show it: normalized as
// the client uses it, "" when it is refused (it may hold a password).
func (f *connFlags) shownHost() string {
	host, err := posthog.NormalizeHost(f.Host, f.InsecureHTTP)
	if err != nil {
		return ""
	}
	return host
}

// scanningKey reads the scanning key from --api-key-file or the environment.
func (f *connFlags) scanningKey(g *globals, e *env) (string, error) {
	if f.APIKeyFile != "" {
		checkKeyFileMode(g, e, f.APIKeyFile)
		b, err := os.ReadFile(e.path(f.APIKeyFile))
		if err != nil {
			return "", fail(fmt.Errorf("read --api-key-file: %w", e.asGiven(err, f.APIKeyFile)))
		}
		key := strings.TrimSpace(string(b))
		if key == "" {
			return "", fail(fmt.Errorf("--api-key-file %s is empty", f.APIKeyFile))
		}
		if strings.ContainsAny(key, " \t\r\n") {
			return "", fail(fmt.Errorf("--api-key-file %s holds more than one word", f.APIKeyFile), "the file must contain only the key (phx_…)")
		}
		return key, nil
	}
	key := strings.TrimSpace(e.getenv("POSTHOG_PERSONAL_API_KEY"))
	if key == "" {
		return "", fail(errors.New("no personal API key: POSTHOG_PERSONAL_API_KEY is not set"),
			"create a key in PostHog under Settings → Personal API keys with the read scopes "+strings.Join(snapshot.RequiredScopes, " "),
			"then export POSTHOG_PERSONAL_API_KEY=phx_… or pass --api-key-file FILE")
	}
	return key, nil
}

// session is one run's connection to PostHog: the scanning client, the audit
// keys' clients, one shared budget, and the progress display.
type session struct {
	client    *posthog.Client
	budget    *posthog.Budget
	auditKeys []snapshot.AuditKey
	progress  *progress

	mu      sync.Mutex
	derived time.Duration // the deadline TimeoutFor derived (0: none yet)
	// planning is the deadline until the plan is known (planningTimeout).
	planning time.Duration
}

// connect builds the clients of a scan or snapshot: the scanning key from
// the environment or --api-key-file, the audit keys from the variables
// --audit-key-env names.
func (f *connFlags) connect(g *globals, e *env) (*session, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	f.rateWarnings(g, e)
	key, err := f.scanningKey(g, e)
	if err != nil {
		return nil, err
	}
	var audit []auditKey
	for _, name := range f.AuditKeyEnv {
		v := strings.TrimSpace(e.getenv(name))
		if v == "" {
			return nil, fail(fmt.Errorf("--audit-key-env %s: $%s is empty or not set", name, name))
		}
		if v == key {
			return nil, fail(fmt.Errorf("--audit-key-env %s: $%s holds the scanning key itself", name, name), "the scanning key is always introspected; name only other keys")
		}
		audit = append(audit, auditKey{env: name, token: v})
	}
	return f.open(g, e, key, audit)
}

// auditKey is an audit key's variable name and value.
type auditKey struct{ env, token string }

// open builds a client per key on --host, all sharing one budget and one
// progress display.
func (f *connFlags) open(g *globals, e *env, key string, audit []auditKey) (*session, error) {
	// From here on no output shows a key's value.
	e.secrets.Add(key)
	for _, a := range audit {
		e.secrets.Add(a.token)
	}
	budget := posthog.NewBudget(f.Concurrency, f.Rate)
	prog := newProgress(g, e, budget)
	opts := []posthog.Option{
		posthog.WithBudget(budget),
		posthog.WithUserAgent(version.UserAgent()),
		posthog.WithObserver(prog.observe),
		posthog.WithRequestTimeout(f.RequestTimeout),
	}
	if f.InsecureHTTP {
		opts = append(opts, posthog.WithInsecureHTTP())
	}
	c, err := posthog.New(f.Host, key, opts...)
	if err != nil {
		return nil, fail(fmt.Errorf("--host: %w", err))
	}
	s := &session{client: c, budget: budget, progress: prog}
	for _, a := range audit {
		ac, err := posthog.New(f.Host, a.token, opts...)
		if err != nil {
			return nil, fail(fmt.Errorf("--host: %w", err))
		}
		s.auditKeys = append(s.auditKeys, snapshot.AuditKey{Env: a.env, Client: ac})
	}
	return s, nil
}

// The derived --timeout (timeoutFor): the collection runs under
// planningTimeout until its plan is known, then under the larger of
// planningTimeout and the time elapsed when the plan was made plus twice
// the ETA of the plan's remaining requests with headroom (planHeadroom)
// plus timeoutSlack.
//
// The plan is a lower bound: a project's activity log counts as one page
// however many it has, and retries and 429s are not in it. Its ETA is
// therefore taken for planHeadroom more requests, so that a plan just under
// PostHog's hourly limit, which a few more requests push over it, already
// includes the wait for the hourly window instead of being cut off in it.
// The ETA is the earliest schedule the budget allows (Budget.Schedule), met
// only when nothing goes wrong; twice it leaves room for retries and their
// backoff, latency that grows as the run goes on, and other tools spending
// the same keys' budget, which can double a run's wait on PostHog's windows.
// timeoutSlack covers one wait PostHog asks for on its minute window (a
// 429 asks for at most a minute) and plans too small for doubling to
// matter; planningTimeout keeps today's 10 minutes for every organization
// that fits in them, so only a run that needs longer gets longer.
const (
	planningTimeout = 10 * time.Minute
	timeoutSlack    = time.Minute
	// planHeadroomPercent and planHeadroomRetries are planHeadroom's.
	planHeadroomPercent = 10
	planHeadroomRetries = 20
)

// planHeadroom is n planned requests with the headroom the derived
// --timeout allows for: planHeadroomPercent more, rounded up, and
// planHeadroomRetries.
func planHeadroom(n int) int {
	return n + (n*planHeadroomPercent+99)/100 + planHeadroomRetries
}

// timeoutFor derives the collection's deadline, from its start, from a
// plan known elapsed into the collection whose remaining requests, with
// planHeadroom, take eta at the earliest.
func timeoutFor(elapsed, eta time.Duration) time.Duration {
	return max(planningTimeout, elapsed+2*eta+timeoutSlack)
}

// timeoutFunc is the collection's Options.TimeoutFor without --timeout:
// derive (timeoutFor, or the test seam) applied to the time since the
// collection's start and the ETA of the plan's remaining requests with
// planHeadroom; it records the deadline for messages.
func (s *session) timeoutFunc(started func() time.Time, derive func(elapsed, eta time.Duration) time.Duration) snapshot.TimeoutFunc {
	return func(p snapshot.Plan) time.Duration {
		d := derive(time.Since(started()), s.eta(planHeadroom(p.Remaining)))
		s.setDerivedTimeout(d)
		return d
	}
}

// timeoutName names the collection's deadline in messages: the --timeout
// given, or the derived one.
func (f *connFlags) timeoutName(s *session) string {
	if f.Timeout != nil {
		return "--timeout " + f.Timeout.String()
	}
	if d := s.derivedTimeout(); d > 0 {
		return "the derived --timeout of " + d.String()
	}
	return "the --timeout of " + s.planningTimeout().String() + " before the request plan was known"
}

// collect runs a collection with the flags' deadline and turns fatal errors
// into messages with remedies. When the deadline passes, the snapshot holds
// what arrived and records the rest as missing. Without --timeout the
// deadline is derived from the request plan (timeoutFor).
func (f *connFlags) collect(ctx context.Context, g *globals, e *env, s *session, lookbackDays int) (*snapshot.Snapshot, error) {
	// The collection's deadline counts from its start (Options.TimeoutFor),
	// which is its first call of Now, before any request: the derived
	// deadline's elapsed time, and whether it passed, are judged from there,
	// not from before the session was set up nor after the snapshot was
	// scrubbed.
	var startOnce sync.Once
	var collectionStart time.Time
	started := func() time.Time {
		startOnce.Do(func() { collectionStart = time.Now() })
		return collectionStart
	}
	now := e.now
	if now == nil {
		now = time.Now
	}
	opts := snapshot.Options{
		Org:          f.Org,
		LookbackDays: lookbackDays,
		AuditKeys:    s.auditKeys,
		Now:          func() time.Time { started(); return now() },
		ToolVersion:  version.String(),
		OnPlan:       func(p snapshot.Plan) { s.onPlan(g, e, f, p) },
	}
	if f.Timeout != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *f.Timeout)
		defer cancel()
		opts.Timeout = *f.Timeout
	} else {
		derive := timeoutFor
		if e.timeoutFor != nil {
			derive = e.timeoutFor
		}
		s.mu.Lock()
		s.planning = cmp.Or(e.planningTimeout, planningTimeout)
		s.mu.Unlock()
		opts.PlanningTimeout = s.planningTimeout()
		opts.TimeoutFor = s.timeoutFunc(started, derive)
	}
	s.progress.start(s.client.Host())
	snap, err := snapshot.Collect(ctx, s.client, opts)
	end := time.Now()
	s.progress.finish()
	if err != nil {
		return nil, collectError(err, f, s)
	}
	// Every string in the snapshot came from the server, which may echo a
	// key (in a detail, a next link, a name): none reaches a file or a rule.
	e.secrets.Scrub(snap)
	if e.afterCollect != nil {
		e.afterCollect()
	}
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		f.Timeout == nil && end.Sub(started()) >= s.deadline()
	if timedOut && !snap.Complete() {
		g.warnf(e, "the collection did not finish within %s: the sections that arrived are kept, the rest are recorded as missing", f.timeoutName(s))
		g.hintf(e, "raise --timeout; large organizations need more requests than --rate allows in a minute")
	}
	return snap, nil
}

// hostHint says which base URLs --host takes.
const hostHint = "use https://us.posthog.com, https://eu.posthog.com or your self-hosted instance's base URL"

func collectError(err error, f *connFlags, s *session) error {
	var orgErr *snapshot.OrgError
	var apiErr *posthog.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, snapshot.ErrHostNotPostHog) && errors.Is(err, posthog.ErrForeignURL):
		return fail(err, "check --host "+s.client.Host()+": "+hostHint,
			"hogaudit never follows a redirect to another host (the key would go with it); if that host is your PostHog, pass it as --host")
	case errors.Is(err, snapshot.ErrHostNotPostHog), errors.Is(err, posthog.ErrNotPostHog):
		if !errors.Is(err, snapshot.ErrHostNotPostHog) {
			err = fmt.Errorf("%s does not answer like PostHog's API: %w", s.client.Host(), err)
		}
		return fail(err, "check --host: "+hostHint,
			"a proxy, a login portal or another web server answered instead of PostHog")
	case errors.As(err, &orgErr):
		hints := []string{}
		if len(orgErr.Orgs) > 0 {
			names := make([]string, len(orgErr.Orgs))
			for i, o := range orgErr.Orgs {
				names[i] = fmt.Sprintf("%s (%s)", o.Name, o.ID)
			}
			hints = append(hints, "the scanning key's user belongs to "+strings.Join(names, ", ")+": pass one of these ids to --org, or leave --org out for the user's current organization")
		} else {
			hints = append(hints, "check --org: it takes an organization id, or @current for the key owner's current organization")
		}
		if len(orgErr.ScopedOrganizations) > 0 {
			hints = append(hints, "the scanning key is limited to the organizations "+strings.Join(orgErr.ScopedOrganizations, ", "))
		}
		return fail(err, hints...)
	case errors.Is(err, posthog.ErrKeyScopedToProjects):
		return fail(fmt.Errorf("the scanning key is limited to some projects, and posthog refuses such keys on organization endpoints: %w", err),
			"create a scanning key whose organization & project access is the whole organization, with the read scopes "+strings.Join(snapshot.RequiredScopes, " "),
			"a key limited to projects can still be audited: hand it over with --audit-key-env")
	case errors.Is(err, posthog.ErrUnauthorized):
		return fail(fmt.Errorf("posthog rejected the scanning key: %w", err),
			"check POSTHOG_PERSONAL_API_KEY (or --api-key-file): the key may be mistyped, deleted or expired",
			"keys belong to one region: a key made on us.posthog.com does not work on eu.posthog.com (--host)")
	case errors.Is(err, posthog.ErrUnreachable):
		return fail(fmt.Errorf("cannot reach %s: %w", s.client.Host(), err), "check --host and your network or proxy settings")
	case errors.Is(err, context.DeadlineExceeded):
		return fail(fmt.Errorf("the collection did not finish within %s: %w", f.timeoutName(s), err), "raise --timeout; large organizations need more requests than --rate allows in a minute")
	case errors.As(err, &apiErr) && apiErr.Status == 429:
		return fail(err, "posthog is throttling this organization's requests (its limits are shared by every key): run again later, or lower --rate if other tools share the budget")
	}
	return fail(err)
}

// missingHints prints what a snapshot lacks and the scope that would fix each
// gap, one hint per scope.
func missingHints(g *globals, e *env, s *snapshot.Snapshot) {
	if s.Complete() {
		return
	}
	type gap struct{ sections []string }
	byScope := map[string]*gap{}
	var other []snapshot.Missing
	for _, m := range s.Missing {
		if m.NotApplicable {
			continue
		}
		if m.Scope == "" {
			other = append(other, m)
			continue
		}
		gp := byScope[m.Scope]
		if gp == nil {
			gp = &gap{}
			byScope[m.Scope] = gp
		}
		if !contains(gp.sections, m.Section) {
			gp.sections = append(gp.sections, m.Section)
		}
	}
	g.infof(e, "the snapshot is incomplete: %s could not be collected", strings.Join(s.MissingSections(), ", "))
	scopes := make([]string, 0, len(byScope))
	for sc := range byScope {
		scopes = append(scopes, sc)
	}
	sort.Strings(scopes)
	for _, sc := range scopes {
		g.hintf(e, "the scanning key lacks the scope %s (needed for %s): add it to the key under Settings → Personal API keys", sc, strings.Join(byScope[sc].sections, ", "))
	}
	for _, m := range other {
		where := m.Section
		if m.AuditKeyEnv != "" {
			where += " ($" + m.AuditKeyEnv + ")"
		}
		switch {
		case m.Feature != "":
			g.hintf(e, "%s: %s (plan feature %s)", where, m.Reason, m.Feature)
		default:
			g.hintf(e, "%s: %s", where, m.Reason)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
