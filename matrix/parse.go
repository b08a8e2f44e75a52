package matrix

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The keys each mapping of the format accepts, in the order docs/matrix.md lists
// them.
var (
	topKeys = []string{"version", "organization", "api_keys", "audit", "projects", "groups", "access_matrix", "exceptions"}
	orgKeys = []string{
		"enforce_sso", "sso_domains", "jit_provisioning", "require_2fa", "max_owners", "max_admins",
		"members_can_invite", "members_can_use_personal_api_keys", "allowed_email_domains", "dormant_after_days",
	}
	apiKeysKeys   = []string{"max_age_days", "max_unused_days", "allow_wildcard", "require_project_scoping"}
	auditKeys     = []string{"lookback_days"}
	projectKeys   = []string{"name", "id", "protected"}
	groupKeys     = []string{"role", "members", "keys", "org_level"}
	entryKeys     = []string{"role", "can_create_flags", "can_delete_flags", "can_view_recordings", "can_create_insights", "resources", "api_key_scopes"}
	exceptionKeys = []string{"rule", "subject", "project", "reason", "ticket", "expires"}
)

var (
	ruleIDRE   = regexp.MustCompile(`^[A-Z]+[0-9]+$`)
	ruleNameRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// dateLayout is the format of an exception's expires.
const dateLayout = "2006-01-02"

// Load reads the matrix file at path and parses it with Parse. A file that
// cannot be read yields an error naming it (not an Errors).
func Load(path string) (*Matrix, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read matrix: %w", err)
	}
	return Parse(path, data)
}

// Parse parses and validates the matrix in data; path names the file in the
// Matrix and in errors.
//
// Validation is strict and complete: every problem is reported, not only the
// first, as an Errors sorted by position. Unknown keys at every level, values
// of the wrong type or outside their enumeration, negative numbers, invalid
// project keys, duplicate keys, several YAML documents and incomplete or
// malformed exceptions are errors. API key scopes PostHog does not know are
// not: they are kept for rule PH307. Parse returns either a Matrix or an
// Errors, never both.
func Parse(path string, data []byte) (*Matrix, error) {
	if e := invalidUTF8(path, data); e != nil {
		return nil, Errors{e}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{Path: path, Msg: "the matrix is empty"}}
		}
		return nil, Errors{syntaxError(path, data, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != nil && !errors.Is(err, io.EOF) {
		return nil, Errors{syntaxError(path, data, err)}
	} else if err == nil && !emptyDocument(&extra) {
		return nil, Errors{{Path: path, Line: extra.Line, Col: extra.Column, Msg: "the matrix must be a single YAML document"}}
	}

	p := &parser{path: path}
	m := p.matrix(&doc)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *Error) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
		})
		return nil, p.errs
	}
	return m, nil
}

func emptyDocument(doc *yaml.Node) bool {
	return len(doc.Content) == 0 || isNull(doc.Content[0])
}

// parser collects every error of one Parse.
type parser struct {
	path string
	errs Errors
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &Error{Path: p.path, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

func pos(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; i < 100 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a value for an error message: a quoted string, a bare
// number or boolean, "a list", "a mapping" or "nothing".
func describe(n *yaml.Node) string {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!str":
			return strconv.Quote(n.Value)
		default:
			return n.Value
		}
	}
	return "an unsupported value"
}

func didYouMean(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", s)
}

func join(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

// fields walks the mapping n, whose path in the document is where ("" for
// the top level). It reports a value that is not a mapping (nothing counts
// as an empty mapping), keys that are not strings, duplicate keys and, when
// known is not nil, keys outside known; it calls fn for every other key in
// file order and returns their positions. ok is false when n is not a
// mapping.
func (p *parser) fields(n *yaml.Node, where string, known []string, fn func(key string, k, v *yaml.Node)) (fields map[string]Pos, ok bool) {
	fields = map[string]Pos{}
	m := resolve(n)
	if isNull(m) {
		return fields, true
	}
	if m.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping, got %s", where, describe(n))
		return fields, false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		kr := resolve(k)
		switch {
		case kr.Kind == yaml.ScalarNode && kr.ShortTag() == "!!merge":
			p.errorf(k, "merge keys (<<) are not supported in a matrix")
			continue
		case kr.Kind != yaml.ScalarNode || kr.ShortTag() == "!!null":
			p.errorf(k, "keys must be strings, got %s", describe(k))
			continue
		case kr.Value == "":
			p.errorf(k, "empty key in %s", cmp.Or(where, "the matrix"))
			continue
		}
		key := kr.Value
		if line, dup := seen[key]; dup {
			p.errorf(k, "duplicate key %q (first defined at line %d)", key, line)
			continue
		}
		seen[key] = k.Line
		if known != nil && !slices.Contains(known, key) {
			if where == "" {
				p.errorf(k, "unknown top-level key %q%s", key, didYouMean(suggest(key, known)))
			} else {
				p.errorf(k, "unknown key %q in %s%s", key, where, didYouMean(suggest(key, known)))
			}
			continue
		}
		fields[key] = pos(k)
		fn(key, k, v)
	}
	return fields, true
}

// scalar returns the scalar behind n, or nil.
func scalar(n *yaml.Node) *yaml.Node {
	if r := resolve(n); r.Kind == yaml.ScalarNode {
		return r
	}
	return nil
}

func (p *parser) boolean(k, v *yaml.Node, where string) *Bool {
	s := scalar(v)
	if s == nil || s.ShortTag() != "!!bool" {
		p.errorf(v, "%s must be true or false, got %s", where, describe(v))
		return nil
	}
	var b bool
	if err := s.Decode(&b); err != nil {
		p.errorf(v, "%s must be true or false, got %s", where, describe(v))
		return nil
	}
	return &Bool{Pos: pos(k), ValuePos: pos(v), Value: b}
}

// integer reads an integer of at least least (0 or 1).
func (p *parser) integer(k, v *yaml.Node, where string, least int) *Int {
	what := "a non-negative integer"
	if least > 0 {
		what = "a positive integer"
	}
	s := scalar(v)
	var i int
	if s == nil || s.ShortTag() != "!!int" || s.Decode(&i) != nil {
		p.errorf(v, "%s must be %s, got %s", where, what, describe(v))
		return nil
	}
	if i < least {
		if i < 0 {
			p.errorf(v, "%s must not be negative, got %d", where, i)
		} else {
			p.errorf(v, "%s must be %s, got %d", where, what, i)
		}
		return nil
	}
	return &Int{Pos: pos(k), ValuePos: pos(v), Value: i}
}

// str reads a non-empty string.
func (p *parser) str(k, v *yaml.Node, where string) *String {
	s := p.text(v, where, false)
	if s == nil {
		return nil
	}
	return &String{Pos: pos(k), ValuePos: pos(v), Value: *s}
}

// text returns the string scalar v holds, or reports why it is not one.
func (p *parser) text(v *yaml.Node, where string, allowEmpty bool) *string {
	s := scalar(v)
	switch {
	case s == nil || s.ShortTag() == "!!null":
		p.errorf(v, "%s must be a string, got %s", where, describe(v))
		return nil
	case s.ShortTag() != "!!str":
		p.errorf(v, "%s must be a string, got %s (quote it: %q)", where, describe(v), s.Value)
		return nil
	case s.Value == "" && !allowEmpty:
		p.errorf(v, "%s must not be empty", where)
		return nil
	}
	return &s.Value
}

func (p *parser) enum(k, v *yaml.Node, where string, values []string) *String {
	s := scalar(v)
	if s == nil || s.ShortTag() != "!!str" || !slices.Contains(values, s.Value) {
		hint := ""
		if s != nil {
			hint = didYouMean(suggest(s.Value, values))
		}
		p.errorf(v, "%s must be one of %s; got %s%s", where, strings.Join(values, ", "), describe(v), hint)
		return nil
	}
	return &String{Pos: pos(k), ValuePos: pos(v), Value: s.Value}
}

// list reads a list of strings; empty strings are errors unless allowEmpty.
func (p *parser) list(k, v *yaml.Node, where string, allowEmpty bool) *List {
	seq := resolve(v)
	if seq.Kind != yaml.SequenceNode {
		hint := ""
		if s := scalar(v); s != nil && s.ShortTag() != "!!null" {
			hint = fmt.Sprintf(" (write [%s])", s.Value)
		}
		p.errorf(v, "%s must be a list of strings, got %s%s", where, describe(v), hint)
		return nil
	}
	l := &List{Pos: pos(k), ValuePos: pos(v), Items: []Item{}}
	ok := true
	for i, item := range seq.Content {
		s := p.text(item, fmt.Sprintf("%s[%d]", where, i), allowEmpty)
		if s == nil {
			ok = false
			continue
		}
		l.Items = append(l.Items, Item{Pos: pos(item), Value: *s})
	}
	if !ok {
		return nil
	}
	return l
}

func (p *parser) matrix(doc *yaml.Node) *Matrix {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind == yaml.DocumentNode || isNull(root) {
		p.errs = append(p.errs, &Error{Path: p.path, Msg: "the matrix is empty"})
		return nil
	}
	if resolve(root).Kind != yaml.MappingNode {
		p.errorf(root, "the matrix must be a mapping of sections, got %s", describe(root))
		return nil
	}
	m := &Matrix{
		Path:       p.path,
		Pos:        pos(root),
		Projects:   map[string]*Project{},
		Groups:     map[string]*Group{},
		Access:     map[string]*GroupAccess{},
		projectPos: map[string]Pos{},
		groupPos:   map[string]Pos{},
	}
	var exceptions *yaml.Node
	m.Fields, _ = p.fields(root, "", topKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "version":
			if i := p.integer(k, v, "version", 0); i != nil {
				if i.Value != 1 {
					p.errorf(v, "unsupported version %d (the only version is 1)", i.Value)
				}
				m.Version = i
			}
		case "organization":
			m.Organization = p.organization(k, v)
		case "api_keys":
			m.APIKeys = p.apiKeys(k, v)
		case "audit":
			m.Audit = p.audit(k, v)
		case "projects":
			p.projects(v, m)
		case "groups":
			p.groups(v, m)
		case "access_matrix":
			p.accessMatrix(v, m)
		case "exceptions":
			exceptions = v
		}
	})
	// Declared keys are located at their declaration; the others at their
	// first mention in access_matrix.
	for key, pr := range m.Projects {
		m.projectPos[key] = pr.Pos
	}
	for key, g := range m.Groups {
		m.groupPos[key] = g.Pos
	}
	if exceptions != nil {
		m.Exceptions = p.exceptions(exceptions, m)
	}
	return m
}

func (p *parser) organization(k, v *yaml.Node) *Organization {
	o := &Organization{Pos: pos(k)}
	o.Fields, _ = p.fields(v, "organization", orgKeys, func(key string, k, v *yaml.Node) {
		where := join("organization", key)
		switch key {
		case "enforce_sso":
			o.EnforceSSO = p.enum(k, v, where, ssoProviders)
		case "sso_domains":
			o.SSODomains = p.list(k, v, where, false)
		case "jit_provisioning":
			o.JITProvisioning = p.boolean(k, v, where)
		case "require_2fa":
			o.Require2FA = p.boolean(k, v, where)
		case "max_owners":
			o.MaxOwners = p.integer(k, v, where, 0)
		case "max_admins":
			o.MaxAdmins = p.integer(k, v, where, 0)
		case "members_can_invite":
			o.MembersCanInvite = p.boolean(k, v, where)
		case "members_can_use_personal_api_keys":
			o.MembersCanUsePersonalAPIKeys = p.boolean(k, v, where)
		case "allowed_email_domains":
			o.AllowedEmailDomains = p.list(k, v, where, false)
		case "dormant_after_days":
			o.DormantAfterDays = p.integer(k, v, where, 0)
		}
	})
	return o
}

func (p *parser) apiKeys(k, v *yaml.Node) *APIKeys {
	a := &APIKeys{Pos: pos(k)}
	a.Fields, _ = p.fields(v, "api_keys", apiKeysKeys, func(key string, k, v *yaml.Node) {
		where := join("api_keys", key)
		switch key {
		case "max_age_days":
			a.MaxAgeDays = p.integer(k, v, where, 0)
		case "max_unused_days":
			a.MaxUnusedDays = p.integer(k, v, where, 0)
		case "allow_wildcard":
			a.AllowWildcard = p.boolean(k, v, where)
		case "require_project_scoping":
			a.RequireProjectScoping = p.boolean(k, v, where)
		}
	})
	return a
}

func (p *parser) audit(k, v *yaml.Node) *Audit {
	a := &Audit{Pos: pos(k)}
	a.Fields, _ = p.fields(v, "audit", auditKeys, func(key string, k, v *yaml.Node) {
		a.LookbackDays = p.integer(k, v, join("audit", key), 0)
	})
	return a
}

// checkKey reports a project key that is not a valid name.
func (p *parser) checkKey(k *yaml.Node, key, where string) {
	if ValidKey(key) {
		return
	}
	hint := ""
	if fixed := KeyFor(key); fixed != "" {
		hint = fmt.Sprintf(" (for example %q)", fixed)
	}
	p.errorf(k, "invalid project key %q in %s: use lowercase letters, digits, '_' and '-', starting with a letter or digit%s", key, where, hint)
}

// KeyFor is a valid matrix key made from s (a project or group name):
// lowercase letters, digits, '_' and '-', other runs of characters made
// one '_'; "" when s gives nothing valid.
func KeyFor(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' || r == '_' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			sep = false
		} else {
			sep = true
		}
	}
	key := strings.TrimLeft(b.String(), "_-")
	if !ValidKey(key) {
		return ""
	}
	return key
}

func (p *parser) projects(v *yaml.Node, m *Matrix) {
	p.fields(v, "projects", nil, func(key string, k, v *yaml.Node) {
		// An invalid key's entry is still checked, to report all errors.
		p.checkKey(k, key, "projects")
		where := join("projects", key)
		pr := &Project{Key: key, Pos: pos(k)}
		pr.Fields, _ = p.fields(v, where, projectKeys, func(field string, k, v *yaml.Node) {
			switch field {
			case "name":
				pr.Name = p.str(k, v, join(where, field))
			case "id":
				pr.ID = p.integer(k, v, join(where, field), 1)
			case "protected":
				pr.Protected = p.boolean(k, v, join(where, field))
			}
		})
		m.Projects[key] = pr
	})
}

func (p *parser) groups(v *yaml.Node, m *Matrix) {
	p.fields(v, "groups", nil, func(key string, k, v *yaml.Node) {
		where := join("groups", key)
		g := &Group{Key: key, Pos: pos(k)}
		g.Fields, _ = p.fields(v, where, groupKeys, func(field string, k, v *yaml.Node) {
			switch field {
			case "role":
				g.Role = p.str(k, v, join(where, field))
			case "members":
				g.Members = p.list(k, v, join(where, field), false)
			case "keys":
				g.Keys = p.list(k, v, join(where, field), false)
			case "org_level":
				g.OrgLevel = p.enum(k, v, join(where, field), orgLevels)
			}
		})
		m.Groups[key] = g
	})
}

func (p *parser) accessMatrix(v *yaml.Node, m *Matrix) {
	p.fields(v, "access_matrix", nil, func(group string, k, v *yaml.Node) {
		where := join("access_matrix", group)
		ga := &GroupAccess{Group: group, Pos: pos(k), Projects: map[string]*Entry{}}
		if _, seen := m.groupPos[group]; !seen {
			m.groupPos[group] = pos(k)
		}
		ga.Fields, _ = p.fields(v, where, nil, func(project string, k, v *yaml.Node) {
			// An invalid key's entry is still checked, to report all errors.
			p.checkKey(k, project, where)
			if _, seen := m.projectPos[project]; !seen {
				m.projectPos[project] = pos(k)
			}
			ga.Projects[project] = p.entry(group, project, k, v)
		})
		m.Access[group] = ga
	})
}

func (p *parser) entry(group, project string, k, v *yaml.Node) *Entry {
	where := "access_matrix." + group + "." + project
	e := &Entry{Group: group, Project: project, Pos: pos(k), Resources: map[string]*String{}, Restrictions: map[string]Restriction{}}
	if r := resolve(v); r.Kind == yaml.ScalarNode && !isNull(r) && slices.Contains(entryKeys, project) {
		p.errorf(v, "%s must be a mapping of project settings, got %s (access_matrix is group → project → settings)", where, describe(v))
		return e
	}
	capability := func(b *Bool, resource, level, source string) {
		if b != nil && !b.Value {
			e.restrict(resource, Restriction{Level: level, Pos: b.Pos, Source: source})
		}
	}
	e.Fields, _ = p.fields(v, where, entryKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "role":
			e.Role = p.enum(k, v, join(where, key), projectLevels)
		case "can_create_flags":
			e.CanCreateFlags = p.boolean(k, v, join(where, key))
			capability(e.CanCreateFlags, "feature_flag", LevelViewer, key)
		case "can_delete_flags":
			e.CanDeleteFlags = p.boolean(k, v, join(where, key))
		case "can_view_recordings":
			e.CanViewRecordings = p.boolean(k, v, join(where, key))
			capability(e.CanViewRecordings, "session_recording", LevelNone, key)
		case "can_create_insights":
			e.CanCreateInsights = p.boolean(k, v, join(where, key))
			capability(e.CanCreateInsights, "insight", LevelViewer, key)
		case "resources":
			rwhere := join(where, key)
			p.fields(v, rwhere, nil, func(res string, k, v *yaml.Node) {
				if !knownResource(res) {
					p.errorf(k, "unknown resource %q in %s%s", res, rwhere, didYouMean(suggest(res, resources)))
					return
				}
				if level := p.enum(k, v, join(rwhere, res), resourceLevels); level != nil {
					e.Resources[res] = level
					e.restrict(res, Restriction{Level: level.Value, Pos: level.Pos, Source: "resources." + res})
				}
			})
		case "api_key_scopes":
			e.APIKeyScopes = p.list(k, v, join(where, key), true)
		}
	})
	return e
}

// restrict records r unless the entry already restricts its resource to the
// same level or lower (the stricter, else the first written, wins).
func (e *Entry) restrict(resource string, r Restriction) {
	if old, ok := e.Restrictions[resource]; ok && levelRank(resourceLevels, old.Level) <= levelRank(resourceLevels, r.Level) {
		return
	}
	e.Restrictions[resource] = r
}

func (p *parser) exceptions(v *yaml.Node, m *Matrix) []*ExceptionSpec {
	seq := resolve(v)
	if isNull(seq) {
		return nil
	}
	if seq.Kind != yaml.SequenceNode {
		p.errorf(v, "exceptions must be a list, got %s", describe(v))
		return nil
	}
	var out []*ExceptionSpec
	for i, item := range seq.Content {
		where := fmt.Sprintf("exceptions[%d]", i)
		if isNull(item) {
			p.errorf(item, "%s is empty", where)
			continue
		}
		x := &ExceptionSpec{Index: i, Pos: pos(resolve(item))}
		fields, ok := p.fields(item, where, exceptionKeys, func(key string, k, v *yaml.Node) {
			fwhere := join(where, key)
			if key == "expires" {
				x.Expires = p.date(v, fwhere)
				return
			}
			s := p.text(v, fwhere, key == "ticket")
			if s == nil {
				return
			}
			switch key {
			case "rule":
				if !ruleIDRE.MatchString(*s) && !ruleNameRE.MatchString(*s) {
					p.errorf(v, "%s must be a rule id (like PH204) or a kebab-case rule name (like project-access-exceeds-matrix), got %q", fwhere, *s)
				}
				x.Rule = *s
			case "subject":
				x.Subject = *s
			case "project":
				if _, known := m.projectPos[*s]; !known {
					p.errorf(v, "%s: %q is not a project key of this matrix%s", fwhere, *s, didYouMean(suggest(*s, m.ProjectKeys())))
				}
				x.Project = *s
			case "reason":
				x.Reason = *s
			case "ticket":
				x.Ticket = *s
			}
		})
		if !ok {
			continue
		}
		x.Fields = fields
		for _, required := range []string{"rule", "subject", "reason", "expires"} {
			if _, ok := fields[required]; !ok {
				p.errorf(resolve(item), "%s has no %s (every exception needs rule, subject, reason and expires)", where, required)
			}
		}
		out = append(out, x)
	}
	return out
}

// date reads a YYYY-MM-DD date as 00:00 UTC of that day.
func (p *parser) date(v *yaml.Node, where string) time.Time {
	s := scalar(v)
	if s != nil && (s.ShortTag() == "!!timestamp" || s.ShortTag() == "!!str") {
		if t, err := time.Parse(dateLayout, s.Value); err == nil {
			return t
		}
	}
	p.errorf(v, "%s must be a date (YYYY-MM-DD), got %s", where, describe(v))
	return time.Time{}
}
