package posthogsim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// response is what a handler produced. It is written after the request has
// stopped counting as in flight, so that a client that has read the whole
// response never sees the server count it.
type response struct {
	status int
	header http.Header
	body   any
}

func (r response) bytes() []byte {
	b, err := json.Marshal(r.body)
	if err != nil {
		// The bodies are built from plain values: this cannot happen, but a
		// server must answer something.
		return []byte(`{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`)
	}
	return b
}

func (r response) writeHeader(w http.ResponseWriter, length int) {
	for k, vs := range r.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(length))
	w.WriteHeader(r.status)
}

func (r response) write(w http.ResponseWriter) {
	b := r.bytes()
	r.writeHeader(w, len(b))
	_, _ = w.Write(b)
}

func jsonOK(body any) response { return response{status: http.StatusOK, body: body} }

// apiError is PostHog's error body (drf-exceptions-hog).
func apiError(status int, typ, code, detail string) response {
	return response{status: status, body: map[string]any{"type": typ, "code": code, "detail": detail, "attr": nil}}
}

func notFound() response {
	return apiError(http.StatusNotFound, "invalid_request", "not_found", "Not found.")
}

func forbidden(detail string) response {
	return apiError(http.StatusForbidden, "authentication_error", "permission_denied", detail)
}

func throttledResponse(wait time.Duration) response {
	secs := int(math.Ceil(wait.Seconds()))
	return apiError(http.StatusTooManyRequests, "throttled_error", "throttled",
		fmt.Sprintf("Request was throttled. Expected available in %d seconds.", secs))
}

func serverError() response {
	return apiError(http.StatusInternalServerError, "server_error", "error", "A server error occurred.")
}

// ServeHTTP answers one request the way PostHog would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := s.enter(r)
	left := false
	leave := func() {
		if !left {
			left = true
			s.leave()
		}
	}
	defer leave()
	extra, randomFault, randomFaulty := s.random.draw(r)
	if d := s.latency + extra; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	c := &call{s: s, r: r, at: at}
	f, faulty := s.takeFault(r.URL)
	if !faulty && randomFaulty {
		f, faulty = randomFault, true
	}
	if faulty && f.Kind == FaultForeignNext {
		c.foreign, faulty = cmp.Or(f.Target, defaultTarget), false
	}
	var resp response
	// A change (changes.go) waits for the requests being answered; the
	// answers hold no reference into what a change replaces.
	s.state.RLock()
	switch {
	case faulty && isAnswerFault(f.Kind):
		resp, faulty = s.faultyAnswer(c, f), false
	case !faulty || f.Kind == FaultTruncate || f.Kind == FaultStallBody:
		resp = s.handle(c)
	}
	s.state.RUnlock()
	if s.answered != nil {
		s.answered(r)
	}
	leave()
	switch {
	case !faulty:
		resp.write(w)
	case f.Kind == FaultTruncate:
		// The declared length is the whole body; returning after half of
		// it makes net/http close the connection.
		b := resp.bytes()
		resp.writeHeader(w, len(b))
		_, _ = w.Write(b[:len(b)/2])
	case f.Kind == FaultStallBody:
		b := resp.bytes()
		resp.writeHeader(w, len(b))
		_, _ = w.Write(b[:len(b)/2])
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
	default:
		serveFault(w, r, f)
	}
}

// serveFault answers with an injected failure.
func serveFault(w http.ResponseWriter, r *http.Request, f Fault) {
	switch f.Kind {
	case FaultStallHeaders:
		<-r.Context().Done()
	case FaultHTML:
		status := cmp.Or(f.Status, http.StatusBadGateway)
		page := fmt.Sprintf("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
			status, http.StatusText(status), status, http.StatusText(status))
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(page))
	case FaultRedirect:
		http.Redirect(w, r, cmp.Or(f.Target, defaultTarget)+r.URL.RequestURI(), http.StatusFound)
	case Fault429:
		throttledResponse(time.Duration(f.Seconds) * time.Second).write(w)
	case Fault429RetryAfter:
		resp := apiError(http.StatusTooManyRequests, "throttled_error", "throttled", "Request was throttled.")
		resp.header = http.Header{"Retry-After": {strconv.Itoa(f.Seconds)}}
		resp.write(w)
	case FaultReset:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			serverError().write(w)
			return
		}
		_ = conn.Close()
	case FaultHugeBody:
		writeHugeBody(w, int64(max(f.Seconds, 1))<<20)
	default: // Fault500 and unknown kinds
		resp := serverError()
		if f.RetryAfter != "" {
			resp.header = http.Header{"Retry-After": {f.RetryAfter}}
		}
		resp.write(w)
	}
}

// writeHugeBody streams a valid JSON page whose padding makes it larger than
// limit bytes, stopping early if the client goes away.
func writeHugeBody(w http.ResponseWriter, limit int64) {
	head := []byte(`{"count":1,"next":null,"previous":null,"results":[{"padding":"`)
	tail := []byte(`"}]}`)
	pad := int(limit) + 1
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+pad+len(tail)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(head); err != nil {
		return
	}
	chunk := []byte(strings.Repeat("x", 64<<10))
	for pad > 0 {
		n := min(pad, len(chunk))
		if _, err := w.Write(chunk[:n]); err != nil {
			return
		}
		pad -= n
	}
	_, _ = w.Write(tail)
}

// call is one request being answered.
type call struct {
	s       *Server
	r       *http.Request
	at      time.Time // the request's arrival, from the Server's clock
	key     *APIKey
	keyUsed *time.Time // the key's last_used_at as this request's answer shows it
	owner   *Member    // the key owner's membership; nil when not a member
	project *Project   // the project of a project route
	foreign string     // FaultForeignNext: the base URL next links point to
}

// routeKind says how key scoping applies to an endpoint.
type routeKind int

const (
	kindOrg     routeKind = iota // organization-based: team-scoped keys refused
	kindProject                  // project-based
	kindUser                     // exempt from key scoping (users/@me)
	kindKey                      // the key itself: no scope needed
)

// route is a matched endpoint.
type route struct {
	scope     string
	kind      routeKind
	orgID     string // kindOrg: the id in the path ("" for the list)
	projectID int64  // kindProject
	serve     func(c *call) response
}

// handle authenticates, authorizes, throttles and serves a request.
func (s *Server) handle(c *call) response {
	if c.r.URL.Path == "/_preflight/" {
		return s.preflight(c) // a plain Django view: no key is read
	}
	rt, found := s.match(c.r.URL.Path)
	if !found {
		return notFound()
	}
	if resp, ok := s.authenticate(c); !ok {
		return resp
	}
	if rt.kind != kindKey && rt.scope != "" {
		if s.isDenied(c.key.Token, rt.scope) || !hasScope(c.key.Scopes, rt.scope) {
			return forbidden(fmt.Sprintf("API key missing required scope '%s'", rt.scope))
		}
	}
	switch rt.kind {
	case kindOrg:
		if len(c.key.ScopedTeams) > 0 {
			return forbidden("API keys with scoped projects are only supported on project-based endpoints.")
		}
		if rt.orgID != "" {
			id := rt.orgID
			if id == "@current" {
				id = s.org.ID
			}
			if len(c.key.ScopedOrganizations) > 0 && !slices.Contains(c.key.ScopedOrganizations, id) {
				return forbidden(fmt.Sprintf("API key does not have access to the requested organization: ID %s.", id))
			}
			if id != s.org.ID || c.owner == nil {
				return notFound()
			}
		}
		if resp, ok := s.personalKeysAllowed(c); !ok {
			return resp
		}
	case kindProject:
		denied := forbidden(fmt.Sprintf("API key does not have access to the requested project: ID %d.", rt.projectID))
		if len(c.key.ScopedTeams) > 0 && !slices.Contains(c.key.ScopedTeams, rt.projectID) {
			return denied
		}
		if len(c.key.ScopedOrganizations) > 0 && !slices.Contains(c.key.ScopedOrganizations, s.org.ID) {
			return denied
		}
		p := s.project(rt.projectID)
		if p == nil || c.owner == nil {
			return notFound()
		}
		c.project = p
		if resp, ok := s.personalKeysAllowed(c); !ok {
			return resp
		}
		if s.projectLevel(c.owner, p) == "none" {
			return forbidden("You don't have access to the project.")
		}
	}
	if wait, limited := s.throttled(c.key.Token, c.at); limited {
		return throttledResponse(wait)
	}
	if c.r.Method != http.MethodGet && c.r.Method != http.MethodHead {
		return apiError(http.StatusMethodNotAllowed, "invalid_request", "method_not_allowed",
			fmt.Sprintf("Method \"%s\" not allowed.", c.r.Method))
	}
	return rt.serve(c)
}

// authenticate finds the request's personal API key.
func (s *Server) authenticate(c *call) (response, bool) {
	h := c.r.Header.Get("Authorization")
	token, found := strings.CutPrefix(h, "Bearer ")
	token = strings.TrimSpace(token)
	var resp response
	switch {
	case !found || token == "":
		resp = apiError(http.StatusUnauthorized, "authentication_error", "not_authenticated",
			"Authentication credentials were not provided.")
	case s.keys[token] == nil:
		resp = apiError(http.StatusUnauthorized, "authentication_error", "authentication_failed",
			"Invalid personal API key.")
	default:
		c.key = s.keys[token]
		c.owner = s.members[c.key.UserID]
		c.keyUsed = s.touchKey(c.key, c.at)
		return response{}, true
	}
	resp.header = http.Header{"Www-Authenticate": {
		fmt.Sprintf(`Bearer resource_metadata="%s/.well-known/oauth-protected-resource"`, c.origin()),
	}}
	return resp, false
}

// touchKey records an authenticated request of k at now the way PostHog's
// PersonalAPIKeyAuthentication does: last_used_at becomes the request's time
// when it is unset or more than an hour old, and stays otherwise. It returns
// the value the request's own answer shows: on Newest the value from before
// (PostHog writes with a queryset update, leaving the authenticated key
// object as it was read), on Deployment2025 the value just written (the
// field was assigned on that object, then saved).
func (s *Server) touchKey(k *APIKey, now time.Time) *time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := k.LastUsedAt
	if seen == nil || now.Sub(*seen) > time.Hour {
		k.LastUsedAt = &now
		if s.deployment == Deployment2025 {
			seen = k.LastUsedAt
		}
	}
	if seen == nil {
		return nil
	}
	t := *seen
	return &t
}

// KeyLastUsedAt returns the last_used_at PostHog holds for the key with
// token (nil when never used or no such key).
func (s *Server) KeyLastUsedAt(token string) *time.Time {
	// The keys' index is rebuilt by a change: state first, as handle takes
	// it, then mu.
	s.state.RLock()
	defer s.state.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[token]
	if k == nil || k.LastUsedAt == nil {
		return nil
	}
	t := *k.LastUsedAt
	return &t
}

// personalKeysAllowed applies members_can_use_personal_api_keys, which
// PostHog enforces for non-admin members when the organization has the
// organization_security_settings feature.
func (s *Server) personalKeysAllowed(c *call) (response, bool) {
	o := s.org
	if o.MembersCanUsePersonalAPIKeys || !o.HasFeature("organization_security_settings") ||
		c.owner == nil || c.owner.Level >= LevelAdmin {
		return response{}, true
	}
	return forbidden(fmt.Sprintf("Organization '%s' does not allow using personal API keys.", o.Name)), false
}

// hasScope reports whether scopes grant required: the scope itself, its
// object's write scope, "*", or no scopes at all (a legacy key).
func hasScope(scopes []string, required string) bool {
	if len(scopes) == 0 {
		return true
	}
	obj, _, _ := strings.Cut(required, ":")
	for _, sc := range scopes {
		if sc == "*" || sc == required || sc == obj+":write" {
			return true
		}
	}
	return false
}

func (s *Server) project(id int64) *Project {
	for i := range s.org.Projects {
		if s.org.Projects[i].ID == id {
			return &s.org.Projects[i]
		}
	}
	return nil
}

func (s *Server) role(id string) *Role {
	for i := range s.org.Roles {
		if s.org.Roles[i].ID == id {
			return &s.org.Roles[i]
		}
	}
	return nil
}

// match finds the endpoint of a path. Endpoints a deployment lacks are not
// matched, so they answer 404 before authentication, as an unknown URL does
// in Django.
func (s *Server) match(path string) (route, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 2 || segs[0] != "api" {
		return route{}, false
	}
	newest := s.deployment == Newest
	switch segs[1] {
	case "organizations":
		if len(segs) == 2 {
			return route{scope: "organization:read", kind: kindOrg, serve: (*call).organizations}, true
		}
		rt := route{kind: kindOrg, orgID: segs[2]}
		rest := segs[3:]
		switch {
		case len(rest) == 0:
			rt.scope, rt.serve = "organization:read", (*call).organization
		case len(rest) == 1 && rest[0] == "members":
			rt.scope, rt.serve = "organization_member:read", (*call).members
		case len(rest) == 1 && rest[0] == "invites":
			rt.scope, rt.serve = "organization_member:read", (*call).invites
		case len(rest) == 1 && rest[0] == "domains":
			rt.scope, rt.serve = "organization:read", (*call).domains
		case len(rest) == 1 && rest[0] == "identity_provider_configs" && newest:
			rt.scope, rt.serve = "organization:read", (*call).identityProviderConfigs
		case len(rest) == 1 && rest[0] == "roles":
			rt.scope, rt.serve = "organization:read", (*call).roles
		case len(rest) == 3 && rest[0] == "roles" && rest[2] == "role_memberships":
			roleID := rest[1]
			rt.scope = "organization:read"
			rt.serve = func(c *call) response { return c.roleMemberships(roleID) }
		case len(rest) == 1 && rest[0] == "projects":
			rt.scope, rt.serve = "project:read", (*call).projects
		case len(rest) == 1 && rest[0] == "advanced_activity_logs" && newest:
			rt.scope, rt.serve = "activity_log:read", (*call).orgActivityLog
		default:
			return route{}, false
		}
		return rt, true
	case "projects":
		if len(segs) == 2 {
			return route{scope: "project:read", kind: kindOrg, serve: (*call).projects}, true
		}
		id, err := strconv.ParseInt(segs[2], 10, 64)
		if err != nil {
			return route{}, false
		}
		rt := route{kind: kindProject, projectID: id}
		rest := segs[3:]
		if len(rest) > 1 {
			return route{}, false
		}
		switch strings.Join(rest, "/") {
		case "":
			rt.scope, rt.serve = "project:read", (*call).projectDetail
		case "access_controls":
			rt.scope, rt.serve = "access_control:read", (*call).accessControls
		case "resource_access_controls", "global_access_controls":
			rt.scope, rt.serve = "access_control:read", (*call).resourceAccessControls
		case "users_with_access":
			if !newest {
				return route{}, false
			}
			rt.scope, rt.serve = "access_control:read", (*call).usersWithAccess
		case "explicit_members":
			if newest {
				return route{}, false
			}
			rt.scope, rt.serve = "project:read", (*call).explicitMembers
		case "activity_log":
			rt.scope, rt.serve = "activity_log:read", (*call).activityLog
		default:
			return route{}, false
		}
		return rt, true
	case "users":
		if len(segs) == 3 && segs[2] == "@me" {
			return route{scope: "user:read", kind: kindUser, serve: (*call).currentUser}, true
		}
	case "personal_api_keys":
		if len(segs) == 3 && segs[2] == "@current" {
			return route{kind: kindKey, serve: (*call).currentKey}, true
		}
	}
	return route{}, false
}
