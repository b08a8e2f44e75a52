package posthogsim

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// obj is a JSON object of a response.
type obj = map[string]any

// ts formats a time the way PostHog does: UTC, microseconds, "Z".
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// orNull serves "" as null.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// origin is the scheme and host the request came to, the base of every
// absolute link, so that links work on loopback.
func (c *call) origin() string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

// link returns the absolute URL of the request's path with query q.
func (c *call) link(q url.Values) string {
	return c.origin() + c.r.URL.Path + "?" + q.Encode()
}

// nextLink is link for a next page; with FaultForeignNext it points to the
// fault's target instead.
func (c *call) nextLink(q url.Values) string {
	if c.foreign != "" {
		return c.foreign + c.r.URL.Path + "?" + q.Encode()
	}
	return c.link(q)
}

// intParam reads a non-negative integer query parameter.
func (c *call) intParam(name string) (int, bool) {
	n, err := strconv.Atoi(c.r.URL.Query().Get(name))
	return n, err == nil && n >= 0
}

// paginate serves items as a DRF LimitOffsetPagination page.
func (c *call) paginate(items []any) response {
	n, _ := c.intParam("limit")
	limit := c.s.pageLimit(n)
	offset, _ := c.intParam("offset")
	start, end := min(offset, len(items)), min(offset+limit, len(items))
	var next, prev any
	q := c.r.URL.Query()
	q.Set("limit", strconv.Itoa(limit))
	if end < len(items) || c.foreign != "" {
		q.Set("offset", strconv.Itoa(end))
		next = c.nextLink(q)
	}
	if offset > 0 {
		if p := offset - limit; p > 0 {
			q.Set("offset", strconv.Itoa(p))
		} else {
			q.Del("offset")
		}
		prev = c.link(q)
	}
	page := slices.Clone(items[start:end])
	if page == nil {
		page = []any{}
	}
	return jsonOK(obj{"count": len(items), "next": next, "previous": prev, "results": page})
}

var featureNames = map[string]string{
	"sso_enforcement":                "Enforce SSO login",
	"saml":                           "SAML SSO",
	"scim":                           "SCIM provisioning",
	"social_sso":                     "Social SSO",
	"automatic_provisioning":         "Automatic provisioning",
	"role_based_access":              "Role-based access",
	"access_control":                 "Access control",
	"advanced_permissions":           "Advanced permissions",
	"audit_logs":                     "Audit logs",
	"organization_security_settings": "Organization security settings",
	"organization_invite_settings":   "Organization invite settings",
	"organizations_projects":         "Projects",
	"environments":                   "Environments",
}

func levelName(level int) string {
	switch {
	case level >= LevelOwner:
		return "owner"
	case level >= LevelAdmin:
		return "admin"
	}
	return "member"
}

func (s *Server) userBasic(u User) obj {
	return obj{
		"id":                   u.ID,
		"uuid":                 u.UUID,
		"distinct_id":          u.DistinctID,
		"first_name":           u.FirstName,
		"last_name":            u.LastName,
		"email":                u.Email,
		"is_email_verified":    true,
		"hedgehog_config":      nil,
		"role_at_organization": orNull(u.RoleAtOrganization),
	}
}

// userByID is the UserBasic of a member's user id, or null.
func (s *Server) userByID(id int64) any {
	if m := s.members[id]; m != nil {
		return s.userBasic(m.User)
	}
	return nil
}

func (s *Server) memberJSON(m *Member) obj {
	return obj{
		"id":              m.ID,
		"user":            s.userBasic(m.User),
		"level":           m.Level,
		"joined_at":       ts(m.JoinedAt),
		"updated_at":      ts(cmp.Or(m.UpdatedAt, m.JoinedAt)),
		"is_2fa_enabled":  m.Is2FAEnabled,
		"has_social_auth": m.HasSocialAuth,
		"last_login":      tsPtr(m.LastLogin),
	}
}

// teamBasic is TeamBasicSerializer, used in the organization's teams: the
// project list's shape plus project_id.
func (s *Server) teamBasic(p *Project) obj {
	t := s.projectBasic(p)
	t["project_id"] = p.ID
	return t
}

// projectBasic is ProjectBackwardCompatBasicSerializer, the items of the
// project list.
func (s *Server) projectBasic(p *Project) obj {
	return obj{
		"id":                           p.ID,
		"uuid":                         p.UUID,
		"organization":                 s.org.ID,
		"api_token":                    p.APIToken,
		"name":                         p.Name,
		"completed_snippet_onboarding": true,
		"has_completed_onboarding_for": nil,
		"ingested_event":               true,
		"is_demo":                      p.IsDemo,
		"timezone":                     p.Timezone,
		"access_control":               p.AccessControl,
	}
}

// visibleProjects are the projects the member can reach (all of them for
// organization admins).
func (s *Server) visibleProjects(m *Member) []*Project {
	var out []*Project
	for i := range s.org.Projects {
		p := &s.org.Projects[i]
		if s.projectLevel(m, p) != "none" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) organizationJSON(m *Member) obj {
	o := s.org
	teams, projects := []any{}, []any{}
	if m != nil {
		for _, p := range s.visibleProjects(m) {
			teams = append(teams, s.teamBasic(p))
			projects = append(projects, obj{"id": p.ID, "organization_id": o.ID, "name": p.Name})
		}
	}
	features := []any{}
	for _, f := range o.Features {
		name := featureNames[f]
		if name == "" {
			name = f
		}
		features = append(features, obj{"key": f, "name": name})
	}
	var level any
	if m != nil {
		level = m.Level
	}
	out := obj{
		"id":                                o.ID,
		"name":                              o.Name,
		"slug":                              o.Slug,
		"logo_media_id":                     nil,
		"created_at":                        ts(o.CreatedAt),
		"updated_at":                        ts(o.CreatedAt),
		"membership_level":                  level,
		"plugins_access_level":              3,
		"teams":                             teams,
		"projects":                          projects,
		"available_product_features":        features,
		"is_member_join_email_enabled":      true,
		"metadata":                          obj{"instance_tag": "none"},
		"customer_id":                       nil,
		"enforce_2fa":                       boolPtr(o.Enforce2FA),
		"members_can_invite":                boolPtr(o.MembersCanInvite),
		"members_can_use_personal_api_keys": o.MembersCanUsePersonalAPIKeys,
		"allow_publicly_shared_resources":   o.AllowPubliclySharedResources,
		"member_count":                      len(o.Members),
		"is_ai_data_processing_approved":    nil,
		"default_experiment_stats_method":   "bayesian",
		"default_role_id":                   orNull(o.DefaultRoleID),
	}
	if s.deployment == Newest {
		out["uses_most_specific_access_resolution"] = boolPtr(o.UsesMostSpecificAccessResolution)
		out["default_anonymize_ips"] = false
		out["is_active"] = true
		out["is_not_active_reason"] = nil
		out["is_pending_deletion"] = false
		out["members_can_see_org_members"] = s.membersCanSeeOrgMembers()
	}
	return out
}

func boolPtr(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// organizations serves GET /api/organizations/.
func (c *call) organizations() response {
	items := []any{}
	k := c.key
	if c.owner != nil && (len(k.ScopedOrganizations) == 0 || slices.Contains(k.ScopedOrganizations, c.s.org.ID)) {
		items = append(items, c.s.organizationJSON(c.owner))
	}
	return c.paginate(items)
}

// organization serves GET /api/organizations/{id}/.
func (c *call) organization() response { return jsonOK(c.s.organizationJSON(c.owner)) }

// members serves GET /api/organizations/{id}/members/ (order -joined_at by
// default; email and order filters), without the members hidden from the
// caller (visibleMembers).
func (c *call) members() response {
	q := c.r.URL.Query()
	visible := c.s.visibleMembers(c.owner)
	ms := make([]*Member, 0, len(c.s.org.Members))
	for i := range c.s.org.Members {
		m := &c.s.org.Members[i]
		if e := q.Get("email"); e != "" && e != m.User.Email {
			continue
		}
		if visible != nil && !visible[m.ID] {
			continue
		}
		ms = append(ms, m)
	}
	asc := q.Get("order") == "joined_at"
	slices.SortStableFunc(ms, func(a, b *Member) int {
		if asc {
			return a.JoinedAt.Compare(b.JoinedAt)
		}
		return b.JoinedAt.Compare(a.JoinedAt)
	})
	items := make([]any, len(ms))
	for i, m := range ms {
		items[i] = c.s.memberJSON(m)
	}
	return c.paginate(items)
}

// invites serves GET /api/organizations/{id}/invites/ (order -created_at,
// expired invites included).
func (c *call) invites() response {
	invs := slices.Clone(c.s.org.Invites)
	slices.SortStableFunc(invs, func(a, b Invite) int { return b.CreatedAt.Compare(a.CreatedAt) })
	items := make([]any, len(invs))
	for i, inv := range invs {
		var access any
		if inv.PrivateProjectAccess != nil {
			list := []any{}
			for _, pa := range inv.PrivateProjectAccess {
				var level any = pa.Level
				if n, err := strconv.Atoi(pa.Level); err == nil {
					level = n
				}
				list = append(list, obj{"id": pa.ProjectID, "level": level})
			}
			access = list
		}
		items[i] = obj{
			"id":                     inv.ID,
			"target_email":           inv.TargetEmail,
			"first_name":             inv.FirstName,
			"emailing_attempt_made":  true,
			"level":                  inv.Level,
			"is_expired":             inv.IsExpired,
			"created_by":             c.s.userByID(inv.CreatedBy),
			"created_at":             ts(inv.CreatedAt),
			"updated_at":             ts(inv.CreatedAt),
			"message":                orNull(inv.Message),
			"private_project_access": access,
		}
	}
	return c.paginate(items)
}

func (s *Server) identityProviderConfig(id string) *IdentityProviderConfig {
	for i := range s.org.IdentityProviderConfigs {
		if s.org.IdentityProviderConfigs[i].ID == id {
			return &s.org.IdentityProviderConfigs[i]
		}
	}
	return nil
}

// domains serves GET /api/organizations/{id}/domains/ (ordered by domain),
// in the shape of the deployment.
func (c *call) domains() response {
	ds := slices.Clone(c.s.org.Domains)
	slices.SortStableFunc(ds, func(a, b Domain) int { return strings.Compare(a.Domain, b.Domain) })
	items := make([]any, len(ds))
	for i, d := range ds {
		m := obj{
			"id":                       d.ID,
			"domain":                   d.Domain,
			"is_verified":              d.VerifiedAt != nil,
			"verified_at":              tsPtr(d.VerifiedAt),
			"verification_challenge":   d.VerificationChallenge,
			"jit_provisioning_enabled": d.JITProvisioningEnabled,
			"sso_enforcement":          d.SSOEnforcement,
		}
		scimBase := func(enabled bool) any {
			if !enabled {
				return nil
			}
			return c.origin() + "/scim/v2/" + d.ID
		}
		if c.s.deployment == Newest {
			// SAML and SCIM live on the linked identity provider config;
			// the domain reports its state.
			idp := c.s.identityProviderConfig(d.IdentityProviderConfigID)
			m["has_saml"] = idp != nil && idp.HasSAML()
			m["has_scim"] = idp != nil && idp.SCIMEnabled
			m["scim_base_url"] = scimBase(idp != nil && idp.SCIMEnabled)
			m["has_id_jag"] = false
			m["identity_provider_config"] = orNull(d.IdentityProviderConfigID)
		} else {
			m["has_saml"] = d.HasSAML()
			m["saml_entity_id"] = orNull(d.SAMLEntityID)
			m["saml_acs_url"] = orNull(d.SAMLACSURL)
			m["saml_x509_cert"] = orNull(d.SAMLX509Cert)
			m["has_scim"] = d.SCIMEnabled
			m["scim_enabled"] = d.SCIMEnabled
			m["scim_base_url"] = scimBase(d.SCIMEnabled)
			m["scim_bearer_token"] = orNull(d.SCIMBearerToken)
		}
		items[i] = m
	}
	return c.paginate(items)
}

// identityProviderConfigs serves
// GET /api/organizations/{id}/identity_provider_configs/ (newest only).
func (c *call) identityProviderConfigs() response {
	items := []any{}
	for _, p := range c.s.org.IdentityProviderConfigs {
		items = append(items, obj{
			"id":                     p.ID,
			"name":                   p.Name,
			"created_at":             ts(p.CreatedAt),
			"updated_at":             ts(p.CreatedAt),
			"has_saml":               p.HasSAML(),
			"saml_entity_id":         orNull(p.SAMLEntityID),
			"saml_acs_url":           orNull(p.SAMLACSURL),
			"saml_x509_cert":         orNull(p.SAMLX509Cert),
			"has_scim":               p.SCIMEnabled,
			"scim_enabled":           p.SCIMEnabled,
			"scim_bearer_token":      orNull(p.SCIMBearerToken),
			"has_id_jag":             false,
			"id_jag_issuer_url":      nil,
			"id_jag_jwks_url":        nil,
			"id_jag_allowed_clients": []any{},
		})
	}
	return c.paginate(items)
}

func (s *Server) roleMembershipJSON(r *Role, rm RoleMember) obj {
	out := obj{
		"id":         rm.ID,
		"role_id":    r.ID,
		"user":       nil,
		"joined_at":  ts(rm.JoinedAt),
		"updated_at": ts(rm.JoinedAt),
	}
	m := s.byMID[rm.MemberID]
	if m != nil {
		out["user"] = s.userBasic(m.User)
	}
	if s.deployment == Newest {
		if m != nil {
			out["organization_member"] = s.memberJSON(m)
		} else {
			out["organization_member"] = nil
		}
	}
	return out
}

// roles serves GET /api/organizations/{id}/roles/ with embedded members;
// members hidden from the caller (visibleMembers) are left out, and so is a
// hidden creator.
func (c *call) roles() response {
	items := []any{}
	visible := c.s.visibleMembers(c.owner)
	for i := range c.s.org.Roles {
		r := &c.s.org.Roles[i]
		members := []any{}
		for _, rm := range r.Members {
			if visible == nil || visible[rm.MemberID] {
				members = append(members, c.s.roleMembershipJSON(r, rm))
			}
		}
		var createdBy any
		if m := c.s.members[r.CreatedBy]; m != nil && (visible == nil || visible[m.ID]) {
			createdBy = c.s.userBasic(m.User)
		}
		items = append(items, obj{
			"id":         r.ID,
			"name":       r.Name,
			"created_at": ts(r.CreatedAt),
			"created_by": createdBy,
			"members":    members,
			"is_default": r.ID == c.s.org.DefaultRoleID,
		})
	}
	return c.paginate(items)
}

// roleMemberships serves
// GET /api/organizations/{id}/roles/{role_id}/role_memberships/.
func (c *call) roleMemberships(roleID string) response {
	r := c.s.role(roleID)
	if r == nil {
		return notFound()
	}
	items := []any{}
	visible := c.s.visibleMembers(c.owner)
	for _, rm := range r.Members {
		if visible == nil || visible[rm.MemberID] {
			items = append(items, c.s.roleMembershipJSON(r, rm))
		}
	}
	return c.paginate(items)
}

// projects serves GET /api/organizations/{id}/projects/ and
// GET /api/projects/: the projects the key owner can see.
func (c *call) projects() response {
	items := []any{}
	if c.owner != nil {
		for _, p := range c.s.visibleProjects(c.owner) {
			items = append(items, c.s.projectBasic(p))
		}
	}
	return c.paginate(items)
}

// projectDetail serves GET /api/projects/{id}/, secrets included.
func (c *call) projectDetail() response {
	p := c.project
	level := c.s.projectLevel(c.owner, p)
	return jsonOK(obj{
		"id":                              p.ID,
		"project_id":                      p.ID,
		"organization":                    c.s.org.ID,
		"name":                            p.Name,
		"product_description":             nil,
		"created_at":                      ts(p.CreatedAt),
		"updated_at":                      ts(p.CreatedAt),
		"uuid":                            p.UUID,
		"effective_membership_level":      c.owner.Level,
		"user_access_level":               level,
		"access_control":                  p.AccessControl,
		"api_token":                       p.APIToken,
		"secret_api_token":                orNull(p.SecretAPIToken),
		"secret_api_token_backup":         orNull(p.SecretAPITokenBackup),
		"live_events_token":               orNull(p.LiveEventsToken),
		"receive_org_level_activity_logs": p.ReceiveOrgLevelActivityLogs,
		"anonymize_ips":                   false,
		"is_demo":                         p.IsDemo,
		"is_pending_deletion":             false,
		"ingested_event":                  true,
		"completed_snippet_onboarding":    true,
		"timezone":                        p.Timezone,
		"week_start_day":                  1,
		"app_urls":                        []any{},
		"session_recording_opt_in":        true,
	})
}

func (s *Server) ruleJSON(rule AccessRule, resource string, resourceID any) obj {
	var createdBy any
	if rule.CreatedBy != 0 {
		createdBy = rule.CreatedBy
	}
	return obj{
		"access_level":        orNull(rule.Level),
		"resource":            resource,
		"resource_id":         resourceID,
		"organization_member": orNull(rule.MemberID),
		"role":                orNull(rule.RoleID),
		"created_by":          createdBy,
		"created_at":          ts(rule.CreatedAt),
		"updated_at":          ts(cmp.Or(rule.UpdatedAt, rule.CreatedAt)),
	}
}

// accessControls serves GET /api/projects/{id}/access_controls/.
func (c *call) accessControls() response {
	p := c.project
	rules := []any{}
	for _, rule := range p.AccessControls {
		rules = append(rules, c.s.ruleJSON(rule, "project", strconv.FormatInt(p.ID, 10)))
	}
	out := c.ruleList(rules, []string{"none", "member", "admin"}, "admin")
	if c.s.deployment == Newest {
		out["inherited_access"] = nil
	}
	return jsonOK(out)
}

// resourceAccessControls serves
// GET /api/projects/{id}/resource_access_controls/.
func (c *call) resourceAccessControls() response {
	rules := []any{}
	for _, rule := range c.project.ResourceAccessControls {
		rules = append(rules, c.s.ruleJSON(rule, rule.Resource, nil))
	}
	levels := []string{"none", "viewer", "editor", "manager"}
	if c.s.deployment != Newest {
		levels = levels[:3] // manager came with the newest PostHog
	}
	return jsonOK(c.ruleList(rules, levels, "editor"))
}

// ruleList is the body both access-control endpoints share: the rules, the
// levels they may use (lowest to highest), the default, and the caller's own
// level on the project.
func (c *call) ruleList(rules []any, levels []string, def string) obj {
	level := c.s.projectLevel(c.owner, c.project)
	out := obj{
		"access_controls":             rules,
		"available_access_levels":     levels,
		"default_access_level":        def,
		"user_access_level":           level,
		"user_can_edit_access_levels": c.owner.Level >= LevelAdmin || level == "admin",
	}
	if c.s.deployment == Newest {
		out["minimum_access_level"] = levels[0]
		out["maximum_access_level"] = levels[len(levels)-1]
	}
	return out
}

// usersWithAccess serves GET /api/projects/{id}/users_with_access/ (newest
// only), computed from the rules.
func (c *call) usersWithAccess() response {
	users := []any{}
	for _, u := range c.s.usersWithAccessRows(c.project) {
		users = append(users, u)
	}
	return jsonOK(obj{"users": users, "total_count": len(users)})
}

// explicitMembers serves the legacy GET /api/projects/{id}/explicit_members/
// (2025 only), a bare array.
func (c *call) explicitMembers() response {
	p := c.project
	items := []any{}
	for _, e := range p.ExplicitMembers {
		m := c.s.byMID[e.MemberID]
		if m == nil {
			continue
		}
		items = append(items, obj{
			"id":                   e.ID,
			"level":                e.Level,
			"parent_level":         m.Level,
			"parent_membership_id": m.ID,
			"joined_at":            ts(e.JoinedAt),
			"updated_at":           ts(e.JoinedAt),
			"user":                 c.s.userBasic(m.User),
			"effective_level":      max(e.Level, m.Level),
		})
	}
	return jsonOK(items)
}

// currentUser serves GET /api/users/@me/, the key's owner.
func (c *call) currentUser() response {
	m := c.owner
	if m == nil {
		return notFound()
	}
	o := c.s.org
	u := c.s.userBasic(m.User)
	u["date_joined"] = ts(m.JoinedAt)
	u["pending_email"] = nil
	u["has_password"] = !m.HasSocialAuth
	u["is_staff"] = false
	u["is_impersonated"] = false
	u["is_2fa_enabled"] = m.Is2FAEnabled
	u["has_social_auth"] = m.HasSocialAuth
	u["has_sso_enforcement"] = c.s.ssoEnforcedFor(m.User.Email)
	var team any
	if ps := c.s.visibleProjects(m); len(ps) > 0 {
		team = c.s.teamBasic(ps[0])
	}
	u["team"] = team
	u["organization"] = obj{"id": o.ID, "name": o.Name, "slug": o.Slug, "membership_level": m.Level}
	u["organizations"] = []any{obj{
		"id": o.ID, "name": o.Name, "slug": o.Slug, "logo_media_id": nil, "membership_level": m.Level,
		"members_can_use_personal_api_keys": o.MembersCanUsePersonalAPIKeys,
		"is_active":                         true, "is_not_active_reason": nil, "is_pending_deletion": false,
	}}
	return jsonOK(u)
}

// ssoEnforcedFor reports whether PostHog enforces SSO for email
// (has_sso_enforcement in posthog/api/user.py).
func (s *Server) ssoEnforcedFor(email string) bool {
	return s.ssoEnforcementFor(email) != ""
}

// currentKey serves GET /api/personal_api_keys/@current/: the calling key,
// without its value, with last_used_at as authentication left it for this
// answer (see touchKey).
func (c *call) currentKey() response {
	k := c.key
	scopes := slices.Clone(k.Scopes)
	if len(scopes) == 0 {
		scopes = []string{"*"}
	}
	teams := slices.Clone(k.ScopedTeams)
	if teams == nil {
		teams = []int64{}
	}
	orgs := slices.Clone(k.ScopedOrganizations)
	if orgs == nil {
		orgs = []string{}
	}
	mask := "phx_..."
	if len(k.Token) >= 4 {
		mask += k.Token[len(k.Token)-4:]
	}
	return jsonOK(obj{
		"id":                   k.ID,
		"label":                k.Label,
		"value":                nil,
		"mask_value":           mask,
		"created_at":           ts(k.CreatedAt),
		"last_used_at":         tsPtr(c.keyUsed),
		"user_id":              k.UserID,
		"scopes":               scopes,
		"scoped_teams":         teams,
		"scoped_organizations": orgs,
		"last_rolled_at":       tsPtr(k.LastRolledAt),
	})
}
