package policies

import (
	"time"

	"github.com/hogaudit/hogaudit/matrix"
)

// MatrixDoc is input.matrix: the access matrix normalized and bound to the
// organization (policies/INPUT.md, "input.matrix"). A setting the file does
// not write is absent from the document (a nil pointer or list, tagged
// omitzero), never null; lists and maps that are always there are never
// nil. Every line is 1-based.
type MatrixDoc struct {
	Path  string         `json:"path"`
	Line  int            `json:"line"`
	Lines map[string]int `json:"lines"`
	// Organization and APIKeys are there when the file has the section.
	Organization *MatrixOrganization `json:"organization,omitzero"`
	APIKeys      *MatrixAPIKeys      `json:"api_keys,omitzero"`
	Audit        MatrixAudit         `json:"audit"`
	// Projects and Groups hold every key declared or used in
	// access_matrix.
	Projects     map[string]MatrixProject     `json:"projects"`
	Groups       map[string]MatrixGroup       `json:"groups"`
	AccessMatrix map[string]MatrixGroupAccess `json:"access_matrix"`
	Exceptions   []MatrixException            `json:"exceptions"`
	Keys         map[string]MatrixKey         `json:"keys"`
	// BindingUnknown is there when the project or role list is unknown.
	BindingUnknown *BindingUnknown `json:"binding_unknown,omitzero"`
}

// MatrixOrganization is input.matrix.organization.
type MatrixOrganization struct {
	Line  int            `json:"line"`
	Lines map[string]int `json:"lines"`
	// ItemLines maps each list written (sso_domains,
	// allowed_email_domains) to {item: the line of its first mention}.
	ItemLines                    map[string]map[string]int `json:"item_lines"`
	EnforceSSO                   *string                   `json:"enforce_sso,omitzero"`
	SSODomains                   []string                  `json:"sso_domains,omitzero"`
	JITProvisioning              *bool                     `json:"jit_provisioning,omitzero"`
	Require2FA                   *bool                     `json:"require_2fa,omitzero"`
	MaxOwners                    *int                      `json:"max_owners,omitzero"`
	MaxAdmins                    *int                      `json:"max_admins,omitzero"`
	MembersCanInvite             *bool                     `json:"members_can_invite,omitzero"`
	MembersCanUsePersonalAPIKeys *bool                     `json:"members_can_use_personal_api_keys,omitzero"`
	AllowedEmailDomains          []string                  `json:"allowed_email_domains,omitzero"`
	DormantAfterDays             *int                      `json:"dormant_after_days,omitzero"`
}

// MatrixAPIKeys is input.matrix.api_keys.
type MatrixAPIKeys struct {
	Line                  int            `json:"line"`
	Lines                 map[string]int `json:"lines"`
	MaxAgeDays            *int           `json:"max_age_days,omitzero"`
	MaxUnusedDays         *int           `json:"max_unused_days,omitzero"`
	AllowWildcard         *bool          `json:"allow_wildcard,omitzero"`
	RequireProjectScoping *bool          `json:"require_project_scoping,omitzero"`
}

// MatrixAudit is input.matrix.audit, always there: LookbackDays is the
// default when the file does not set it; Line only when it has the section.
type MatrixAudit struct {
	LookbackDays int            `json:"lookback_days"`
	Line         *int           `json:"line,omitzero"`
	Lines        map[string]int `json:"lines"`
}

// MatrixProject is input.matrix.projects[key]: a project key and its
// binding (matrix.ProjectBinding).
type MatrixProject struct {
	Key       string         `json:"key"`
	Line      int            `json:"line"`
	Lines     map[string]int `json:"lines"`
	Declared  bool           `json:"declared"`
	Protected bool           `json:"protected"`
	// Binding is "id", "name" or "key" (matrix.ByID …).
	Binding string `json:"binding"`
	// Name and ID are there as written.
	Name      *string `json:"name,omitzero"`
	ID        *int64  `json:"id,omitzero"`
	MatchName string  `json:"match_name,omitempty"`
	// Bound is absent when the project list is unknown.
	Bound *bool `json:"bound,omitzero"`
	// ProjectID and ProjectName are there when bound.
	ProjectID   *int64  `json:"project_id,omitzero"`
	ProjectName *string `json:"project_name,omitzero"`
	// Ambiguous holds the ids of the projects that matched when several
	// did; Candidates the nearest projects of a failing key.
	Ambiguous  []int64           `json:"ambiguous,omitempty"`
	Candidates []MatrixCandidate `json:"candidates,omitempty"`
	// Failing is there, true, when the binding keeps the rules that judge
	// projects from running (matrix.ProjectBinding.Failing).
	Failing bool `json:"failing,omitempty"`
}

// MatrixCandidate is a PostHog project a failing key might mean.
type MatrixCandidate struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// MatrixGroup is input.matrix.groups[key]: a group key and its binding
// (matrix.GroupBinding).
type MatrixGroup struct {
	Key   string         `json:"key"`
	Line  int            `json:"line"`
	Lines map[string]int `json:"lines"`
	// ItemLines maps each list written (members, keys) to {item: line}.
	ItemLines map[string]map[string]int `json:"item_lines"`
	Declared  bool                      `json:"declared"`
	// OrgLevel is "member" (the default), "admin" or "owner".
	OrgLevel string `json:"org_level"`
	// Binding is "role", "members" or "key" (matrix.ByRole …).
	Binding string `json:"binding"`
	// Role, Members and Keys are there as written.
	Role      *string  `json:"role,omitzero"`
	Members   []string `json:"members,omitzero"`
	Keys      []string `json:"keys,omitzero"`
	MatchName string   `json:"match_name,omitempty"`
	// Bound is absent when the role list is unknown and the group needs a
	// role.
	Bound *bool `json:"bound,omitzero"`
	// RoleID and RoleName are there when bound to a role.
	RoleID   string  `json:"role_id,omitempty"`
	RoleName *string `json:"role_name,omitzero"`
	// Ambiguous holds the ids of the roles that matched, sorted, when
	// several did.
	Ambiguous []string `json:"ambiguous,omitempty"`
}

// MatrixGroupAccess is input.matrix.access_matrix[group].
type MatrixGroupAccess struct {
	Line     int                    `json:"line"`
	Lines    map[string]int         `json:"lines"`
	Projects map[string]MatrixEntry `json:"projects"`
}

// MatrixEntry is input.matrix.access_matrix[group].projects[key]: what the
// group may do in the project.
type MatrixEntry struct {
	Line  int            `json:"line"`
	Lines map[string]int `json:"lines"`
	// Role is "none", "member" (the default) or "admin".
	Role string `json:"role"`
	// Resources are the effective restrictions (matrix.Entry.Restrictions).
	Resources map[string]MatrixResource `json:"resources"`
	// The capabilities are there as written.
	CanCreateFlags    *bool `json:"can_create_flags,omitzero"`
	CanDeleteFlags    *bool `json:"can_delete_flags,omitzero"`
	CanViewRecordings *bool `json:"can_view_recordings,omitzero"`
	CanCreateInsights *bool `json:"can_create_insights,omitzero"`
	// APIKeyScopes, ScopeLines and ScopeSuggestions are there when
	// api_key_scopes is written: the scopes in order, unknown ones
	// included; {scope: line}; {unknown scope: nearest known scope}.
	APIKeyScopes     []string          `json:"api_key_scopes,omitzero"`
	ScopeLines       map[string]int    `json:"scope_lines,omitzero"`
	ScopeSuggestions map[string]string `json:"scope_suggestions,omitzero"`
}

// MatrixResource is the highest level an entry allows on a resource, and
// the key that caused it.
type MatrixResource struct {
	Level  string `json:"level"`
	Line   int    `json:"line"`
	Source string `json:"source"`
}

// MatrixException is one entry of input.matrix.exceptions, evaluated at
// input.now.
type MatrixException struct {
	Index   int            `json:"index"`
	Line    int            `json:"line"`
	Lines   map[string]int `json:"lines"`
	Rule    string         `json:"rule"`
	Subject string         `json:"subject"`
	Project string         `json:"project,omitempty"`
	Reason  string         `json:"reason"`
	Ticket  string         `json:"ticket,omitempty"`
	// Expires is "YYYY-MM-DD", the last day the exception applies.
	Expires  string `json:"expires"`
	Expired  bool   `json:"expired"`
	DaysLeft int    `json:"days_left"`
	// ExpiresSoon is the one definition of "expires within 14 days" that
	// the engine and rule PH902 share (matrix.Exception.ExpiresSoon).
	ExpiresSoon bool `json:"expires_soon"`
}

// MatrixKey is input.matrix.keys[label]: a key label declared under a
// group's keys: (matrix.KeyBinding).
type MatrixKey struct {
	Label   string   `json:"label"`
	Line    int      `json:"line"`
	Groups  []string `json:"groups"`
	Audited bool     `json:"audited"`
}

// BindingUnknown is input.matrix.binding_unknown: which bindings could not
// be told. A field is there, true, only when unknown.
type BindingUnknown struct {
	Projects bool `json:"projects,omitempty"`
	Groups   bool `json:"groups,omitempty"`
}

// matrixDoc builds input.matrix from the bound matrix. Each call builds a
// new document the caller owns.
func matrixDoc(b *matrix.Bound) MatrixDoc {
	m := b.Matrix()
	doc := MatrixDoc{
		Path:         m.Path,
		Line:         m.Line,
		Lines:        lines(m.Fields),
		Audit:        auditDoc(m),
		Projects:     projectsDoc(b),
		Groups:       groupsDoc(b),
		AccessMatrix: accessDoc(m),
		Exceptions:   exceptionsDoc(b),
		Keys:         keysDoc(b),
	}
	if m.Organization != nil {
		doc.Organization = organizationDoc(m.Organization)
	}
	if a := m.APIKeys; a != nil {
		doc.APIKeys = &MatrixAPIKeys{
			Line:                  a.Line,
			Lines:                 lines(a.Fields),
			MaxAgeDays:            intValue(a.MaxAgeDays),
			MaxUnusedDays:         intValue(a.MaxUnusedDays),
			AllowWildcard:         boolValue(a.AllowWildcard),
			RequireProjectScoping: boolValue(a.RequireProjectScoping),
		}
	}
	if b.UnknownProjects() || b.UnknownGroups() {
		doc.BindingUnknown = &BindingUnknown{Projects: b.UnknownProjects(), Groups: b.UnknownGroups()}
	}
	return doc
}

func organizationDoc(o *matrix.Organization) *MatrixOrganization {
	items := map[string]map[string]int{}
	return &MatrixOrganization{
		Line:                         o.Line,
		Lines:                        lines(o.Fields),
		ItemLines:                    items,
		EnforceSSO:                   stringValue(o.EnforceSSO),
		SSODomains:                   listValue(items, "sso_domains", o.SSODomains),
		JITProvisioning:              boolValue(o.JITProvisioning),
		Require2FA:                   boolValue(o.Require2FA),
		MaxOwners:                    intValue(o.MaxOwners),
		MaxAdmins:                    intValue(o.MaxAdmins),
		MembersCanInvite:             boolValue(o.MembersCanInvite),
		MembersCanUsePersonalAPIKeys: boolValue(o.MembersCanUsePersonalAPIKeys),
		AllowedEmailDomains:          listValue(items, "allowed_email_domains", o.AllowedEmailDomains),
		DormantAfterDays:             intValue(o.DormantAfterDays),
	}
}

func auditDoc(m *matrix.Matrix) MatrixAudit {
	d := MatrixAudit{LookbackDays: m.LookbackDays(), Lines: map[string]int{}}
	if a := m.Audit; a != nil {
		line := a.Line
		d.Line = &line
		d.Lines = lines(a.Fields)
	}
	return d
}

func projectsDoc(b *matrix.Bound) map[string]MatrixProject {
	m := b.Matrix()
	out := map[string]MatrixProject{}
	for _, pb := range b.Projects() {
		d := MatrixProject{
			Key:       pb.Key,
			Line:      pb.Line,
			Lines:     map[string]int{},
			Declared:  pb.Declared,
			Protected: pb.Protected,
			Binding:   pb.By,
			MatchName: pb.MatchName,
			Ambiguous: pb.Ambiguous,
			Failing:   pb.Failing(),
		}
		if decl := m.Projects[pb.Key]; decl != nil {
			d.Lines = lines(decl.Fields)
			d.Name = stringValue(decl.Name)
			if decl.ID != nil {
				id := int64(decl.ID.Value)
				d.ID = &id
			}
		}
		if !pb.Unknown {
			d.Bound = &pb.Bound
		}
		if pb.Bound {
			d.ProjectID, d.ProjectName = &pb.ProjectID, &pb.ProjectName
		}
		for _, c := range pb.Candidates {
			d.Candidates = append(d.Candidates, MatrixCandidate{ID: c.ID, Name: c.Name})
		}
		out[pb.Key] = d
	}
	return out
}

func groupsDoc(b *matrix.Bound) map[string]MatrixGroup {
	m := b.Matrix()
	out := map[string]MatrixGroup{}
	for _, gb := range b.Groups() {
		d := MatrixGroup{
			Key:       gb.Key,
			Line:      gb.Line,
			Lines:     map[string]int{},
			ItemLines: map[string]map[string]int{},
			Declared:  gb.Declared,
			OrgLevel:  gb.OrgLevel,
			Binding:   gb.By,
			MatchName: gb.MatchName,
			RoleID:    gb.RoleID,
			Ambiguous: gb.Ambiguous,
		}
		if decl := m.Groups[gb.Key]; decl != nil {
			d.Lines = lines(decl.Fields)
			d.Role = stringValue(decl.Role)
			d.Members = listValue(d.ItemLines, "members", decl.Members)
			d.Keys = listValue(d.ItemLines, "keys", decl.Keys)
		}
		if !gb.Unknown {
			d.Bound = &gb.Bound
		}
		if gb.RoleID != "" {
			d.RoleName = &gb.RoleName
		}
		out[gb.Key] = d
	}
	return out
}

func accessDoc(m *matrix.Matrix) map[string]MatrixGroupAccess {
	out := make(map[string]MatrixGroupAccess, len(m.Access))
	for group, ga := range m.Access {
		projects := make(map[string]MatrixEntry, len(ga.Projects))
		for project, e := range ga.Projects {
			projects[project] = entryDoc(e)
		}
		out[group] = MatrixGroupAccess{Line: ga.Line, Lines: lines(ga.Fields), Projects: projects}
	}
	return out
}

func entryDoc(e *matrix.Entry) MatrixEntry {
	resources := make(map[string]MatrixResource, len(e.Restrictions))
	for r, res := range e.Restrictions {
		resources[r] = MatrixResource{Level: res.Level, Line: res.Line, Source: res.Source}
	}
	d := MatrixEntry{
		Line:              e.Line,
		Lines:             lines(e.Fields),
		Role:              e.RoleOrDefault(),
		Resources:         resources,
		CanCreateFlags:    boolValue(e.CanCreateFlags),
		CanDeleteFlags:    boolValue(e.CanDeleteFlags),
		CanViewRecordings: boolValue(e.CanViewRecordings),
		CanCreateInsights: boolValue(e.CanCreateInsights),
	}
	if e.APIKeyScopes != nil {
		d.APIKeyScopes = nonNil(e.APIKeyScopes.Values())
		d.ScopeLines = map[string]int{}
		d.ScopeSuggestions = map[string]string{}
		for _, it := range e.APIKeyScopes.Items {
			if _, dup := d.ScopeLines[it.Value]; !dup {
				d.ScopeLines[it.Value] = it.Line
			}
			if s := matrix.SuggestScope(it.Value); s != "" {
				d.ScopeSuggestions[it.Value] = s
			}
		}
	}
	return d
}

func exceptionsDoc(b *matrix.Bound) []MatrixException {
	specs := b.Matrix().Exceptions
	excs := b.Exceptions()
	out := make([]MatrixException, 0, len(excs))
	for i, x := range excs {
		out = append(out, MatrixException{
			Index:       x.Index,
			Line:        x.Line,
			Lines:       lines(specs[i].Fields),
			Rule:        x.Rule,
			Subject:     x.Subject,
			Project:     x.Project,
			Reason:      x.Reason,
			Ticket:      x.Ticket,
			Expires:     x.Expires.Format(time.DateOnly),
			Expired:     x.Expired,
			DaysLeft:    x.DaysLeft,
			ExpiresSoon: x.ExpiresSoon(),
		})
	}
	return out
}

func keysDoc(b *matrix.Bound) map[string]MatrixKey {
	keys := b.Keys()
	out := make(map[string]MatrixKey, len(keys))
	for _, kb := range keys {
		out[kb.Label] = MatrixKey{Label: kb.Label, Line: kb.Line, Groups: nonNil(kb.Groups), Audited: kb.Audited}
	}
	return out
}

// lines maps every key written to its line.
func lines(fields map[string]matrix.Pos) map[string]int {
	out := make(map[string]int, len(fields))
	for k, p := range fields {
		out[k] = p.Line
	}
	return out
}

func boolValue(b *matrix.Bool) *bool {
	if b == nil {
		return nil
	}
	v := b.Value
	return &v
}

func intValue(i *matrix.Int) *int {
	if i == nil {
		return nil
	}
	v := i.Value
	return &v
}

func stringValue(s *matrix.String) *string {
	if s == nil {
		return nil
	}
	v := s.Value
	return &v
}

// listValue returns the list's strings, nil when not written, and sets
// items[key] to {item: the line of its first mention}.
func listValue(items map[string]map[string]int, key string, l *matrix.List) []string {
	if l == nil {
		return nil
	}
	at := map[string]int{}
	for _, it := range l.Items {
		if _, dup := at[it.Value]; !dup {
			at[it.Value] = it.Line
		}
	}
	items[key] = at
	return nonNil(l.Values())
}

// nonNil returns s, or an empty list for nil: a list the document always
// has is [] when empty, never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
