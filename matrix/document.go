package matrix

// Document returns the bound matrix as the normalized document rules read
// as input.matrix (policies/INPUT.md, section "input.matrix").
//
// The document holds only values encoding/json and OPA's
// ast.InterfaceToValue take as they are: map[string]any, []any, string,
// bool and int (every number: lines, counts, days, PostHog project ids).
// Settings the file does not write are absent, never nil. Each call builds
// a new document the caller owns.
func (b *Bound) Document() map[string]any {
	m := b.m
	doc := map[string]any{
		"path":          m.Path,
		"line":          m.Line,
		"lines":         lines(m.Fields),
		"audit":         b.auditDoc(),
		"projects":      b.projectsDoc(),
		"groups":        b.groupsDoc(),
		"access_matrix": accessDoc(m),
		"exceptions":    b.exceptionsDoc(),
		"keys":          b.keysDoc(),
	}
	if m.Organization != nil {
		doc["organization"] = organizationDoc(m.Organization)
	}
	if m.APIKeys != nil {
		a := m.APIKeys
		d := map[string]any{"line": a.Line, "lines": lines(a.Fields)}
		setInt(d, "max_age_days", a.MaxAgeDays)
		setInt(d, "max_unused_days", a.MaxUnusedDays)
		setBool(d, "allow_wildcard", a.AllowWildcard)
		setBool(d, "require_project_scoping", a.RequireProjectScoping)
		doc["api_keys"] = d
	}
	if b.unknownProjects || b.unknownGroups {
		unknown := map[string]any{}
		if b.unknownProjects {
			unknown["projects"] = true
		}
		if b.unknownGroups {
			unknown["groups"] = true
		}
		doc["binding_unknown"] = unknown
	}
	return doc
}

func organizationDoc(o *Organization) map[string]any {
	d := map[string]any{"line": o.Line, "lines": lines(o.Fields)}
	items := map[string]any{}
	setString(d, "enforce_sso", o.EnforceSSO)
	setList(d, items, "sso_domains", o.SSODomains)
	setBool(d, "jit_provisioning", o.JITProvisioning)
	setBool(d, "require_2fa", o.Require2FA)
	setInt(d, "max_owners", o.MaxOwners)
	setInt(d, "max_admins", o.MaxAdmins)
	setBool(d, "members_can_invite", o.MembersCanInvite)
	setBool(d, "members_can_use_personal_api_keys", o.MembersCanUsePersonalAPIKeys)
	setList(d, items, "allowed_email_domains", o.AllowedEmailDomains)
	setInt(d, "dormant_after_days", o.DormantAfterDays)
	d["item_lines"] = items
	return d
}

func (b *Bound) auditDoc() map[string]any {
	d := map[string]any{"lookback_days": b.m.LookbackDays(), "lines": map[string]any{}}
	if a := b.m.Audit; a != nil {
		d["line"] = a.Line
		d["lines"] = lines(a.Fields)
	}
	return d
}

func (b *Bound) projectsDoc() map[string]any {
	out := map[string]any{}
	for _, pb := range b.projects {
		d := map[string]any{
			"key":       pb.Key,
			"line":      pb.Line,
			"lines":     map[string]any{},
			"declared":  pb.Declared,
			"protected": pb.Protected,
			"binding":   pb.By,
		}
		if decl := b.m.Projects[pb.Key]; decl != nil {
			d["lines"] = lines(decl.Fields)
			setString(d, "name", decl.Name)
			setInt(d, "id", decl.ID)
		}
		if pb.MatchName != "" {
			d["match_name"] = pb.MatchName
		}
		if !pb.Unknown {
			d["bound"] = pb.Bound
		}
		if pb.Bound {
			d["project_id"] = int(pb.ProjectID)
			d["project_name"] = pb.ProjectName
		}
		if len(pb.Ambiguous) > 0 {
			ids := make([]any, len(pb.Ambiguous))
			for i, id := range pb.Ambiguous {
				ids[i] = int(id)
			}
			d["ambiguous"] = ids
		}
		if len(pb.Candidates) > 0 {
			cs := make([]any, len(pb.Candidates))
			for i, c := range pb.Candidates {
				cs[i] = map[string]any{"id": int(c.ID), "name": c.Name}
			}
			d["candidates"] = cs
		}
		if pb.Failing() {
			d["failing"] = true
		}
		out[pb.Key] = d
	}
	return out
}

func (b *Bound) groupsDoc() map[string]any {
	out := map[string]any{}
	for _, gb := range b.groups {
		d := map[string]any{
			"key":        gb.Key,
			"line":       gb.Line,
			"lines":      map[string]any{},
			"item_lines": map[string]any{},
			"declared":   gb.Declared,
			"org_level":  gb.OrgLevel,
			"binding":    gb.By,
		}
		if decl := b.m.Groups[gb.Key]; decl != nil {
			items := map[string]any{}
			d["lines"] = lines(decl.Fields)
			setString(d, "role", decl.Role)
			setList(d, items, "members", decl.Members)
			setList(d, items, "keys", decl.Keys)
			d["item_lines"] = items
		}
		if gb.MatchName != "" {
			d["match_name"] = gb.MatchName
		}
		if !gb.Unknown {
			d["bound"] = gb.Bound
		}
		if gb.RoleID != "" {
			d["role_id"] = gb.RoleID
			d["role_name"] = gb.RoleName
		}
		if len(gb.Ambiguous) > 0 {
			d["ambiguous"] = anys(gb.Ambiguous)
		}
		out[gb.Key] = d
	}
	return out
}

func accessDoc(m *Matrix) map[string]any {
	out := map[string]any{}
	for group, ga := range m.Access {
		projects := map[string]any{}
		for project, e := range ga.Projects {
			projects[project] = entryDoc(e)
		}
		out[group] = map[string]any{"line": ga.Line, "lines": lines(ga.Fields), "projects": projects}
	}
	return out
}

func entryDoc(e *Entry) map[string]any {
	resources := map[string]any{}
	for r, res := range e.Restrictions {
		resources[r] = map[string]any{"level": res.Level, "line": res.Line, "source": res.Source}
	}
	d := map[string]any{
		"line":      e.Line,
		"lines":     lines(e.Fields),
		"role":      e.RoleOrDefault(),
		"resources": resources,
	}
	setBool(d, "can_create_flags", e.CanCreateFlags)
	setBool(d, "can_delete_flags", e.CanDeleteFlags)
	setBool(d, "can_view_recordings", e.CanViewRecordings)
	setBool(d, "can_create_insights", e.CanCreateInsights)
	if e.APIKeyScopes != nil {
		scopeLines := map[string]any{}
		suggestions := map[string]any{}
		for _, it := range e.APIKeyScopes.Items {
			if _, dup := scopeLines[it.Value]; !dup {
				scopeLines[it.Value] = it.Line
			}
			if s := SuggestScope(it.Value); s != "" {
				suggestions[it.Value] = s
			}
		}
		d["api_key_scopes"] = anys(e.APIKeyScopes.Values())
		d["scope_lines"] = scopeLines
		d["scope_suggestions"] = suggestions
	}
	return d
}

func (b *Bound) exceptionsDoc() []any {
	out := make([]any, 0, len(b.exceptions))
	for i, x := range b.exceptions {
		d := map[string]any{
			"index":     x.Index,
			"line":      x.Line,
			"lines":     lines(b.m.Exceptions[i].Fields),
			"rule":      x.Rule,
			"subject":   x.Subject,
			"reason":    x.Reason,
			"expires":   x.Expires.Format(dateLayout),
			"expired":   x.Expired,
			"days_left": x.DaysLeft,
			// expires_soon is the one definition of "expires within 14
			// days" that the engine and rule PH902 share.
			"expires_soon": x.ExpiresSoon(),
		}
		if x.Project != "" {
			d["project"] = x.Project
		}
		if x.Ticket != "" {
			d["ticket"] = x.Ticket
		}
		out = append(out, d)
	}
	return out
}

func lines(fields map[string]Pos) map[string]any {
	out := make(map[string]any, len(fields))
	for k, p := range fields {
		out[k] = p.Line
	}
	return out
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func setBool(d map[string]any, key string, b *Bool) {
	if b != nil {
		d[key] = b.Value
	}
}

func setInt(d map[string]any, key string, i *Int) {
	if i != nil {
		d[key] = i.Value
	}
}

func setString(d map[string]any, key string, s *String) {
	if s != nil {
		d[key] = s.Value
	}
}

// setList sets d[key] to the list's strings and items[key] to
// {item: line} (the first line of a repeated item).
func setList(d, items map[string]any, key string, l *List) {
	if l == nil {
		return
	}
	d[key] = anys(l.Values())
	at := map[string]any{}
	for _, it := range l.Items {
		if _, dup := at[it.Value]; !dup {
			at[it.Value] = it.Line
		}
	}
	items[key] = at
}
