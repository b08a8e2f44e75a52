package posthogsim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file changes a served organization the way PostHog's API would, and
// records the activity-log rows PostHog writes for each change (and none
// where PostHog writes none). Each change names its actor, a member by
// email, who must be allowed to make it, and the time it is made at. The
// Server serves the changed organization from the next request on.
//
// Sources (PostHog/posthog):
//   - organization level: the model_activity_signal receiver of
//     OrganizationMembership (handle_organization_membership_change) and
//     changes_between (posthog/models/activity_logging/activity_log.py);
//   - role membership: ee/api/rbac/role.py (RoleMembershipViewSet writes no
//     activity-log row);
//   - access rules: ee/api/rbac/access_control.py _update_access_controls
//     (an upsert through AccessControlSerializer, created_by and created_at
//     read-only; no activity-log row);
//   - personal API keys: handle_personal_api_key_change and
//     posthog/models/activity_logging/personal_api_key_utils.py;
//   - domains: handle_organization_domain_change;
//   - organization settings: handle_organization_change, with
//     field_name_overrides' display names.

// ChangeError is PostHog's refusal of a change: the status and detail its
// API answers with.
type ChangeError struct {
	Status int
	Detail string
}

func (e *ChangeError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Detail)
}

func refuse(status int, format string, args ...any) error {
	return &ChangeError{Status: status, Detail: fmt.Sprintf(format, args...)}
}

// levelLabel is OrganizationMembership.Level's label, as activity-log
// contexts name it.
func levelLabel(level int) string {
	switch level {
	case LevelOwner:
		return "owner"
	case LevelAdmin:
		return "administrator"
	default:
		return "member"
	}
}

// change runs fn on the organization while no request is being answered,
// then rebuilds the Server's lookups (and drops what it derived for
// resolution, even when fn fails part way).
func (s *Server) change(fn func(o *Org) error) error {
	s.state.Lock()
	defer s.state.Unlock()
	s.changing = true
	err := fn(s.org)
	s.changing = false
	if err != nil {
		s.dropDerived()
		return err
	}
	s.index()
	return nil
}

// memberByEmail finds a member by email (case-insensitive).
func (o *Org) memberByEmail(email string) *Member {
	for i := range o.Members {
		if strings.EqualFold(o.Members[i].User.Email, email) {
			return &o.Members[i]
		}
	}
	return nil
}

// actor returns the member making a change, who must be one.
func (o *Org) actor(email string) (*Member, error) {
	m := o.memberByEmail(email)
	if m == nil {
		return nil, refuse(http.StatusForbidden, "You don't have access to the organization %s.", o.Name)
	}
	return m, nil
}

// admin returns the actor, who must be an organization admin or owner
// (OrganizationAdminWritePermissions).
func (o *Org) admin(email string) (*Member, error) {
	m, err := o.actor(email)
	if err != nil {
		return nil, err
	}
	if m.Level < LevelAdmin {
		return nil, refuse(http.StatusForbidden, "Your organization access level is insufficient.")
	}
	return m, nil
}

func fullName(u User) string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// log appends an activity-log row: to the project with id team, or to the
// organization when team is nil. Row ids follow the ones already served.
func (o *Org) log(team *int64, actor *Member, scope, activity, item string, at time.Time, d ActivityDetail) {
	n := len(o.Activity)
	for _, p := range o.Projects {
		n += len(p.Activity)
	}
	e := ActivityEntry{
		ID:       fmt.Sprintf("0193b4c5-cccc-7000-8000-%012d", n+1),
		UserID:   actor.User.ID,
		Activity: activity, Scope: scope, ItemID: item,
		CreatedAt: at.UTC(),
		Detail:    d,
	}
	if team == nil {
		o.Activity = append(o.Activity, e)
		return
	}
	for i := range o.Projects {
		if o.Projects[i].ID == *team {
			o.Projects[i].Activity = append(o.Projects[i].Activity, e)
			return
		}
	}
}

// SetMemberLevel changes the organization level of the member with email
// member to level (LevelMember, LevelAdmin or LevelOwner), as PATCH
// /api/organizations/{id}/members/{user uuid}/ by actor does: actor must be
// an admin, may not change their own level, may make owners only as an
// owner, may not raise anyone above their own level nor edit someone above
// it. PostHog logs an OrganizationMembership "updated" row at the
// organization (team_id null): item_id the membership id, the change of
// field level (before and after the integer levels), detail.name "First
// Last (email) membership updated in Org" and the context organization_id,
// organization_name, user_id (a string), user_email, user_name and level
// (the new level's label: member, administrator, owner). The membership's
// updated_at becomes at.
func (s *Server) SetMemberLevel(actor, member string, level int, at time.Time) error {
	return s.change(func(o *Org) error {
		if level != LevelMember && level != LevelAdmin && level != LevelOwner {
			return refuse(http.StatusBadRequest, "\"%d\" is not a valid choice.", level)
		}
		a, err := o.admin(actor)
		if err != nil {
			return err
		}
		m := o.memberByEmail(member)
		if m == nil {
			return refuse(http.StatusNotFound, "Not found.")
		}
		switch {
		case m.ID == a.ID:
			return refuse(http.StatusForbidden, "You can't change your own access level.")
		case level == LevelOwner && a.Level < LevelOwner:
			return refuse(http.StatusForbidden, "You can only make another member owner if you're this organization's owner.")
		case level > a.Level:
			return refuse(http.StatusForbidden, "You can only change access level of others to lower or equal to your current one.")
		case m.Level > a.Level:
			return refuse(http.StatusForbidden, "You can only edit others with level lower or equal to you.")
		}
		if m.Level == level {
			return nil // changes_between finds nothing; PostHog logs no "updated" row without changes
		}
		before := m.Level
		m.Level, m.UpdatedAt = level, at.UTC()
		u := m.User
		o.log(nil, a, "OrganizationMembership", "updated", m.ID, at, ActivityDetail{
			Name:    fmt.Sprintf("%s (%s) membership updated in %s", fullName(u), u.Email, o.Name),
			Changes: []ActivityChange{{Type: "OrganizationMembership", Action: "changed", Field: "level", Before: before, After: level}},
			Context: map[string]any{
				"organization_id": o.ID, "organization_name": o.Name,
				"user_id": strconv.FormatInt(u.ID, 10), "user_email": u.Email,
				"user_name": fullName(u), "level": levelLabel(level),
			},
		})
		return nil
	})
}

// AddRoleMember adds the member with email member to the role named role,
// as POST /api/organizations/{id}/roles/{role id}/role_memberships/ by actor
// (an organization admin) does. The membership's joined_at is at. PostHog
// writes no activity-log row for it (RoleMembershipViewSet has no logging
// and RoleMembership no activity signal).
func (s *Server) AddRoleMember(actor, role, member string, at time.Time) error {
	return s.change(func(o *Org) error {
		if _, err := o.admin(actor); err != nil {
			return err
		}
		i := slices.IndexFunc(o.Roles, func(r Role) bool { return r.Name == role })
		if i < 0 {
			return refuse(http.StatusBadRequest, "Role does not exist.")
		}
		m := o.memberByEmail(member)
		if m == nil {
			return refuse(http.StatusBadRequest, "User does not exist.")
		}
		r := &o.Roles[i]
		if slices.ContainsFunc(r.Members, func(rm RoleMember) bool { return rm.MemberID == m.ID }) {
			return refuse(http.StatusBadRequest, "User is already part of the role.")
		}
		n := 0
		for _, r := range o.Roles {
			n += len(r.Members)
		}
		members := slices.Clone(r.Members)
		r.Members = append(members, RoleMember{
			ID:       fmt.Sprintf("0190a1b2-3333-7000-8000-cccc%08d", n+1),
			MemberID: m.ID,
			JoinedAt: at.UTC(),
		})
		return nil
	})
}

// RuleSubject is whom an access rule grants a level: a member (by email), a
// role (by name), or, with neither, everyone.
type RuleSubject struct {
	Member string
	Role   string
}

// SetAccessRule sets the rule giving subject level on the project with id
// project — on the project itself when resource is "" or "project"
// (levels none, member, admin), else project-wide on resource (none, viewer,
// editor, manager) — as PUT /api/projects/{id}/access_controls/ or
// .../resource_access_controls/ by actor (an organization admin, or a
// member with admin access to the project) does: an
// upsert keyed by resource, member and role. An existing rule keeps its
// created_by and created_at (both read-only in AccessControlSerializer) and
// its updated_at becomes at; a new one is created at at with created_by
// null, since the viewset saves the serializer without setting it. Level ""
// (access_level null) deletes the rule. PostHog writes no activity-log row
// for any of it.
func (s *Server) SetAccessRule(actor string, project int64, resource string, subject RuleSubject, level string, at time.Time) error {
	return s.change(func(o *Org) error {
		// check_can_modify_access_levels_for_object(team): organization
		// admins, and members whose own access to the project is admin
		// (resolved as PostHog resolves it, before this change). The
		// project's creator may too; the fixture does not record creators.
		m, err := o.actor(actor)
		if err != nil {
			return err
		}
		if m.Level < LevelAdmin && s.projectLevel(m, s.project(project)) != "admin" {
			return refuse(http.StatusForbidden, "You do not have the required access to this resource.")
		}
		if subject.Member != "" && subject.Role != "" {
			return refuse(http.StatusBadRequest, "You can not scope an access control to both a member and a role.")
		}
		pi := slices.IndexFunc(o.Projects, func(p Project) bool { return p.ID == project })
		if pi < 0 {
			return refuse(http.StatusNotFound, "Not found.")
		}
		p := &o.Projects[pi]
		onProject := resource == "" || resource == "project"
		levels := []string{"none", "viewer", "editor", "manager"}
		if onProject {
			resource, levels = "", []string{"none", "member", "admin"}
		}
		if level != "" && !slices.Contains(levels, level) {
			return refuse(http.StatusBadRequest, "Invalid access level. Must be one of: %s", strings.Join(levels, ", "))
		}
		var rule AccessRule
		rule.Resource = resource
		if subject.Member != "" {
			m := o.memberByEmail(subject.Member)
			if m == nil {
				return refuse(http.StatusBadRequest, "Invalid pk - object does not exist.")
			}
			rule.MemberID = m.ID
		}
		if subject.Role != "" {
			ri := slices.IndexFunc(o.Roles, func(r Role) bool { return r.Name == subject.Role })
			if ri < 0 {
				return refuse(http.StatusBadRequest, "Invalid pk - object does not exist.")
			}
			rule.RoleID = o.Roles[ri].ID
		}
		list := &p.ResourceAccessControls
		if onProject {
			list = &p.AccessControls
		}
		rules := slices.Clone(*list)
		i := slices.IndexFunc(rules, func(r AccessRule) bool {
			return (onProject || r.Resource == rule.Resource) && r.MemberID == rule.MemberID && r.RoleID == rule.RoleID
		})
		switch {
		case level == "" && i >= 0:
			rules = slices.Delete(rules, i, i+1)
		case level == "":
		case i >= 0:
			rules[i].Level, rules[i].UpdatedAt = level, at.UTC()
		default:
			rule.Level, rule.CreatedAt, rule.UpdatedAt = level, at.UTC(), at.UTC()
			rules = append(rules, rule)
		}
		*list = rules
		return nil
	})
}

// keyByLabel finds a personal API key by label.
func (o *Org) keyByLabel(label string) *APIKey {
	for i := range o.Keys {
		if o.Keys[i].Label == label {
			return &o.Keys[i]
		}
	}
	return nil
}

// ownKey returns the key labelled label, which actor must own: PostHog's
// /api/personal_api_keys/ serves and changes only the requesting user's
// keys.
func (o *Org) ownKey(actor, label string) (*Member, *APIKey, error) {
	a, err := o.actor(actor)
	if err != nil {
		return nil, nil, err
	}
	k := o.keyByLabel(label)
	if k == nil || k.UserID != a.User.ID {
		return nil, nil, refuse(http.StatusNotFound, "Not found.")
	}
	return a, k, nil
}

// keyLocation is one place a key's rows are logged: the organization (team
// nil) or one of its projects.
type keyLocation struct{ team *int64 }

// keyLocations are get_personal_api_key_access_locations of this
// organization: the key's scoped teams that are its projects; else the
// organization, when the key is scoped to it or to no organization at all
// (its owner being a member).
func (o *Org) keyLocations(teams []int64, orgs []string) []keyLocation {
	var out []keyLocation
	if len(teams) > 0 {
		for _, t := range teams {
			if slices.ContainsFunc(o.Projects, func(p Project) bool { return p.ID == t }) {
				out = append(out, keyLocation{team: &t})
			}
		}
		return out
	}
	if len(orgs) == 0 || slices.Contains(orgs, o.ID) {
		out = append(out, keyLocation{})
	}
	return out
}

// keyDetail is the detail of a PersonalAPIKey row (PersonalAPIKeyContext).
// An organization-level row names its team "Unknown Project"
// (log_personal_api_key_activity's get_team_name(None)), except the rows
// of a scoping change, whose team_name is null
// (log_personal_api_key_scope_change: get_team_name(team_id) if team_id
// else None).
func (o *Org) keyDetail(k *APIKey, team *int64, changes []ActivityChange, scopeChange bool) ActivityDetail {
	owner := o.userByIDPlain(k.UserID)
	var teamName any = "Unknown Project"
	if team == nil && scopeChange {
		teamName = nil
	}
	if team != nil {
		for _, p := range o.Projects {
			if p.ID == *team {
				teamName = p.Name
			}
		}
	}
	return ActivityDetail{
		Name:    k.Label,
		Changes: changes,
		Context: map[string]any{
			"user_id": k.UserID, "user_email": owner.Email, "user_name": fullName(owner),
			"organization_name": o.Name, "team_name": teamName,
		},
	}
}

func (o *Org) userByIDPlain(id int64) User {
	for _, m := range o.Members {
		if m.User.ID == id {
			return m.User
		}
	}
	return User{ID: id}
}

func scopesValue(scopes []string) []any {
	out := []any{}
	for _, s := range scopes {
		out = append(out, s)
	}
	return out
}

// SetKeyScopes sets the scopes of actor's key labelled label, as PATCH
// /api/personal_api_keys/{id}/ by its owner does. PostHog logs a
// PersonalAPIKey "updated" row, item_id the key id, detail.name the label,
// the change of field scopes (before and after the lists) and the context
// user_id, user_email, user_name, organization_name and team_name, at each
// place the key reaches: one row per scoped team (that project's log), else
// one at the organization (team_id null; team_name "Unknown Project", as
// get_team_name(None) answers).
func (s *Server) SetKeyScopes(actor, label string, scopes []string, at time.Time) error {
	return s.change(func(o *Org) error {
		a, k, err := o.ownKey(actor, label)
		if err != nil {
			return err
		}
		if len(scopes) == 0 {
			return refuse(http.StatusBadRequest, "This field is required.")
		}
		before := k.Scopes
		if slices.Equal(before, scopes) {
			return nil
		}
		k.Scopes = slices.Clone(scopes)
		changes := []ActivityChange{{Type: "PersonalAPIKey", Action: "changed", Field: "scopes", Before: scopesValue(before), After: scopesValue(scopes)}}
		for _, l := range o.keyLocations(k.ScopedTeams, k.ScopedOrganizations) {
			o.log(l.team, a, "PersonalAPIKey", "updated", k.ID, at, o.keyDetail(k, l.team, changes, false))
		}
		return nil
	})
}

// SetKeyScopedTeams sets the scoped_teams of actor's key labelled label
// (nil: no project scoping), as PATCH /api/personal_api_keys/{id}/ by its
// owner does. A scoping change is logged the way
// log_personal_api_key_scope_change does: no "updated" row, but a "created"
// row at each place the key gains and a "revoked" row at each it loses, with
// no changes (the scoping fields are left out of them); losing every project
// of the organization is one "revoked" row at the organization, and gaining
// the organization where one of the key's projects was its only project is
// no row. A key that was scoped to organizations and becomes scoped to
// projects had, before, the organizations' projects.
func (s *Server) SetKeyScopedTeams(actor, label string, teams []int64, at time.Time) error {
	return s.change(func(o *Org) error {
		a, k, err := o.ownKey(actor, label)
		if err != nil {
			return err
		}
		for _, t := range teams {
			if !slices.ContainsFunc(o.Projects, func(p Project) bool { return p.ID == t }) {
				return refuse(http.StatusBadRequest, "You must be a member of all teams that you are scoping the key to.")
			}
		}
		beforeTeams := k.ScopedTeams
		if slices.Equal(slices.Sorted(slices.Values(beforeTeams)), slices.Sorted(slices.Values(teams))) {
			return nil
		}
		before := o.keyLocations(beforeTeams, k.ScopedOrganizations)
		if len(beforeTeams) == 0 && len(k.ScopedOrganizations) > 0 && len(teams) > 0 && slices.Contains(k.ScopedOrganizations, o.ID) {
			before = nil
			for _, p := range o.Projects {
				before = append(before, keyLocation{team: &p.ID})
			}
		}
		k.ScopedTeams = slices.Clone(teams)
		after := o.keyLocations(k.ScopedTeams, k.ScopedOrganizations)

		has := func(ls []keyLocation, l keyLocation) bool {
			return slices.ContainsFunc(ls, func(x keyLocation) bool {
				return (x.team == nil) == (l.team == nil) && (x.team == nil || *x.team == *l.team)
			})
		}
		onlyProject := len(o.Projects) == 1
		for _, l := range after {
			if has(before, l) {
				continue
			}
			if l.team == nil && onlyProject && slices.ContainsFunc(before, func(x keyLocation) bool { return x.team != nil }) {
				continue // the one project was the whole organization
			}
			o.log(l.team, a, "PersonalAPIKey", "created", k.ID, at, o.keyDetail(k, l.team, []ActivityChange{}, true))
		}
		var lost []keyLocation
		for _, l := range before {
			if !has(after, l) {
				lost = append(lost, l)
			}
		}
		lostTeams := 0
		for _, l := range lost {
			if l.team != nil {
				lostTeams++
			}
		}
		if lostTeams > 0 && lostTeams == len(o.Projects) {
			o.log(nil, a, "PersonalAPIKey", "revoked", k.ID, at, o.keyDetail(k, nil, []ActivityChange{}, true))
			return nil
		}
		for _, l := range lost {
			o.log(l.team, a, "PersonalAPIKey", "revoked", k.ID, at, o.keyDetail(k, l.team, []ActivityChange{}, true))
		}
		return nil
	})
}

// SetSSOEnforcement sets the sso_enforcement of the domain named domain (""
// clears it), as PATCH /api/organizations/{id}/domains/{domain id}/ by actor
// (an organization admin) does; the domain must be verified. PostHog logs an
// OrganizationDomain "updated" row at the organization: item_id the domain
// id, detail.name "Domain D updated in Org", the context organization_id,
// organization_name and domain, and the change of field sso_enforcement as
// changes_between gives it: "created" from "" (empty is no value),
// "deleted" to "" (before only), else "changed".
func (s *Server) SetSSOEnforcement(actor, domain, value string, at time.Time) error {
	return s.change(func(o *Org) error {
		a, err := o.admin(actor)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(o.Domains, func(d Domain) bool { return d.Domain == domain })
		if i < 0 {
			return refuse(http.StatusNotFound, "Not found.")
		}
		d := &o.Domains[i]
		if d.VerifiedAt == nil {
			return refuse(http.StatusBadRequest, "This attribute cannot be updated until the domain is verified.")
		}
		before := d.SSOEnforcement
		if before == value {
			return nil
		}
		d.SSOEnforcement = value
		ch := ActivityChange{Type: "OrganizationDomain", Action: "changed", Field: "sso_enforcement", Before: before, After: value}
		switch {
		case before == "":
			ch = ActivityChange{Type: "OrganizationDomain", Action: "created", Field: "sso_enforcement", After: value}
		case value == "":
			ch = ActivityChange{Type: "OrganizationDomain", Action: "deleted", Field: "sso_enforcement", Before: before}
		}
		o.log(nil, a, "OrganizationDomain", "updated", d.ID, at, ActivityDetail{
			Name:    fmt.Sprintf("Domain %s updated in %s", d.Domain, o.Name),
			Changes: []ActivityChange{ch},
			Context: map[string]any{"organization_id": o.ID, "organization_name": o.Name, "domain": d.Domain},
		})
		return nil
	})
}

// SetEnforce2FA sets the organization's enforce_2fa, as PATCH
// /api/organizations/{id}/ by actor (an organization admin) does. PostHog
// logs an Organization "updated" row at the organization: item_id the
// organization id, detail.name its name, no context, and the change under
// the display name "two-factor authentication requirement" ("created" from
// null, else "changed").
func (s *Server) SetEnforce2FA(actor string, on bool, at time.Time) error {
	return s.change(func(o *Org) error {
		a, err := o.admin(actor)
		if err != nil {
			return err
		}
		const field = "two-factor authentication requirement"
		ch := ActivityChange{Type: "Organization", Action: "created", Field: field, After: on}
		if o.Enforce2FA != nil {
			if *o.Enforce2FA == on {
				return nil
			}
			ch = ActivityChange{Type: "Organization", Action: "changed", Field: field, Before: *o.Enforce2FA, After: on}
		}
		o.Enforce2FA = &on
		o.log(nil, a, "Organization", "updated", o.ID, at, ActivityDetail{Name: o.Name, Changes: []ActivityChange{ch}})
		return nil
	})
}
