package policies

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
)

// Access is the access table of snap: every member's effective level on
// every project, and on each of resources in every project, with the path
// that grants it, as the Rego library resolves it
// (data.hogaudit.lib.access: project_paths and resource_paths, per project
// and profile plus the members whose access may differ from their
// profile's), expanded here per member.
//
// The rules are read without a matrix, so a profile is a set of roles.
// Where PostHog's own resolution of a project (users_with_access) was
// collected whole, a grant's Level is PostHog's level (none for a member it
// does not list) and PostHogSource its access_source; the Path is the
// rules' in every case. A project whose access cannot be told (its rules or
// a legacy private project's explicit members not collected, or the
// organization, members, projects, roles or deployment vintage the
// resolution rests on missing: access.resolution_known) has Known false and
// no Members; likewise ResourcesKnown. Every project of snap.Projects has an
// entry; a snapshot without a project list has none. resources are
// resource names (feature_flag, insight, …); duplicates are ignored. The
// grants of the members sharing a profile share their Path.Roles slice:
// treat the table as read-only.
func (e *Engine) Access(ctx context.Context, snap *snapshot.Snapshot, resources []string) (*access.Table, error) {
	return e.accessTable(ctx, snap, resources, true)
}

// accessTable is Access; withPostHog false leaves users_with_access out, so
// that every level is the rules' (the cross-check compares those with the
// simulator's own resolution).
func (e *Engine) accessTable(ctx context.Context, snap *snapshot.Snapshot, resources []string, withPostHog bool) (*access.Table, error) {
	if snap == nil {
		return nil, errors.New("access table: no snapshot")
	}
	resources = slices.Clone(resources)
	slices.Sort(resources)
	resources = slices.Compact(resources)
	for _, r := range resources {
		if r == "" {
			return nil, errors.New("access table: an empty resource name")
		}
	}

	asOf := snap.CollectedAt.UTC()
	empty, err := matrix.Parse("", []byte("version: 1\n"))
	if err != nil {
		return nil, fmt.Errorf("access table: empty matrix: %w", err)
	}
	doc, err := BuildInput(snap, empty.Bind(Inventory(snap), asOf), asOf)
	if err != nil {
		return nil, fmt.Errorf("access table: %w", err)
	}
	// The paths never read PostHog's own resolution (joined below from the
	// snapshot's rows): leaving it out of the input spares converting a
	// membership id per member and project.
	doc.Index.UsersWithAccess = map[string]map[string]map[string][]string{}
	value, err := toValue(doc)
	if err != nil {
		return nil, fmt.Errorf("access table: convert policy input: %w", err)
	}
	q, err := e.accessQuery(ctx, resources)
	if err != nil {
		return nil, err
	}
	rs, err := q.Eval(ctx, rego.EvalParsedInput(value), rego.EvalTime(asOf))
	if err != nil {
		return nil, fmt.Errorf("access table: evaluate the library: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("access table: the library gave %d results", len(rs))
	}
	var res regoAccess
	if err := roundTrip(rs[0].Expressions[0].Value, &res); err != nil {
		return nil, fmt.Errorf("access table: read the library's paths: %w", err)
	}

	var ph map[int64]map[string]posthogAccess
	if withPostHog {
		if ph, err = postHogAccess(snap, doc.Index.Members); err != nil {
			return nil, err
		}
	}
	roleNames := make(map[string]string, len(snap.Roles))
	for _, r := range snap.Roles {
		roleNames[r.ID] = r.Name
	}
	t := &access.Table{Projects: make(map[int64]*access.Project, len(snap.Projects))}
	for _, p := range snap.Projects {
		pid := strconv.FormatInt(p.ID, 10)
		tp := &access.Project{ID: p.ID}
		if paths, ok := res.Projects[pid]; ok {
			gs, err := paths.convert(projectLevels, roleNames)
			if err != nil {
				return nil, fmt.Errorf("access table: project %d: %w", p.ID, err)
			}
			rows, collected := ph[p.ID]
			tp.Members = make(map[string]access.Grant, len(snap.Members))
			for _, m := range snap.Members {
				g, err := gs.of(m.ID, doc.Index.Members[m.ID].Profile)
				if err != nil {
					return nil, fmt.Errorf("access table: project %d: %w", p.ID, err)
				}
				if collected {
					row := rows[m.ID] // no row: PostHog lets the member in at none
					g.Level, g.PostHogSource = row.level, row.source
					if g.Level == "" {
						g.Level = access.LevelNone
					}
				}
				tp.Members[m.ID] = g
			}
			tp.Known = true
		}
		if byResource, ok := res.Resources[pid]; ok {
			tp.Resources = make(map[string]map[string]access.Grant, len(resources))
			for _, r := range resources {
				paths, ok := byResource[r]
				if !ok {
					return nil, fmt.Errorf("access table: project %d: the library gave no paths for resource %s", p.ID, r)
				}
				gs, err := paths.convert(resourceLevels, roleNames)
				if err != nil {
					return nil, fmt.Errorf("access table: project %d, resource %s: %w", p.ID, r, err)
				}
				grants := make(map[string]access.Grant, len(snap.Members))
				for _, m := range snap.Members {
					g, err := gs.of(m.ID, doc.Index.Members[m.ID].Profile)
					if err != nil {
						return nil, fmt.Errorf("access table: project %d, resource %s: %w", p.ID, r, err)
					}
					grants[m.ID] = g
				}
				tp.Resources[r] = grants
			}
			tp.ResourcesKnown = true
		}
		t.Projects[p.ID] = tp
	}
	return t, nil
}

// accessQuery is the prepared query of the library's paths for resources
// (sorted, distinct), prepared on the engine's compiler once per list.
func (e *Engine) accessQuery(ctx context.Context, resources []string) (rego.PreparedEvalQuery, error) {
	key := strings.Join(resources, "\x00")
	e.accessMu.Lock()
	defer e.accessMu.Unlock()
	if q, ok := e.accessQueries[key]; ok {
		return q, nil
	}
	terms := make([]*ast.Term, len(resources))
	for i, r := range resources {
		terms[i] = ast.StringTerm(r)
	}
	query := fmt.Sprintf(`{"projects": data.hogaudit.lib.access.project_paths, "resources": data.hogaudit.lib.access.resource_paths(%s)}`,
		ast.ArrayTerm(terms...).String())
	q, err := rego.New(rego.Compiler(e.compiler), rego.Query(query)).PrepareForEval(ctx)
	if err != nil {
		return rego.PreparedEvalQuery{}, fmt.Errorf("access table: prepare the library's query: %w", err)
	}
	if e.accessQueries == nil {
		e.accessQueries = map[string]rego.PreparedEvalQuery{}
	}
	e.accessQueries[key] = q
	return q, nil
}

// regoAccess is what the library's query returns: project id → paths, and
// project id → resource → paths.
type regoAccess struct {
	Projects  map[string]regoPaths            `json:"projects"`
	Resources map[string]map[string]regoPaths `json:"resources"`
}

// regoPaths are the grants of one project (or resource in it): per profile
// key, and for the members whose grant may differ from their profile's.
type regoPaths struct {
	Profiles map[string]regoGrant `json:"profiles"`
	Members  map[string]regoGrant `json:"members"`
}

// regoGrant is a library grant (access.rego, "access paths").
type regoGrant struct {
	Level    string   `json:"level"`
	Via      string   `json:"via"`
	Roles    []string `json:"roles"`
	OrgLevel string   `json:"org_level"`
}

var (
	projectLevels  = []string{access.LevelNone, access.LevelMember, access.LevelAdmin}
	resourceLevels = []string{access.ResourceNone, access.ResourceViewer, access.ResourceEditor, access.ResourceManager}
	vias           = []string{access.ViaOrgAdmin, access.ViaMemberRule, access.ViaRoleRule, access.ViaEveryoneRule,
		access.ViaDefault, access.ViaNoAccessControl, access.ViaExplicitMember, access.ViaNotExplicitMember}
)

// grants are a project's (or resource's) grants converted once: per
// profile key, and for the members the library resolved one by one.
type grants struct {
	profiles, members map[string]access.Grant
}

// convert checks and converts the library's grants. A grant outside the
// vocabulary is an error: never a level made up here.
func (ps regoPaths) convert(levels []string, roleNames map[string]string) (grants, error) {
	out := grants{profiles: make(map[string]access.Grant, len(ps.Profiles)), members: make(map[string]access.Grant, len(ps.Members))}
	for key, rg := range ps.Profiles {
		gr, err := rg.grant(levels, roleNames)
		if err != nil {
			return grants{}, fmt.Errorf("profile %q: %w", key, err)
		}
		out.profiles[key] = gr
	}
	for mid, rg := range ps.Members {
		gr, err := rg.grant(levels, roleNames)
		if err != nil {
			return grants{}, fmt.Errorf("member %s: %w", mid, err)
		}
		out.members[mid] = gr
	}
	return out, nil
}

// of is member mid's grant: its own when the library resolved it one by
// one, else its profile's; a member the library gave neither is an error.
func (gs grants) of(mid, profile string) (access.Grant, error) {
	if gr, ok := gs.members[mid]; ok {
		return gr, nil
	}
	if gr, ok := gs.profiles[profile]; ok {
		return gr, nil
	}
	return access.Grant{}, fmt.Errorf("the library resolved neither member %s nor its profile %q", mid, profile)
}

// grant converts one library grant; roleNames names the roles by id.
func (g regoGrant) grant(levels []string, roleNames map[string]string) (access.Grant, error) {
	if !slices.Contains(levels, g.Level) || !slices.Contains(vias, g.Via) {
		return access.Grant{}, fmt.Errorf("the library gave level %q via %q", g.Level, g.Via)
	}
	path := access.Path{Via: g.Via}
	switch g.Via {
	case access.ViaOrgAdmin:
		if g.OrgLevel != matrix.LevelAdmin && g.OrgLevel != matrix.LevelOwner {
			return access.Grant{}, fmt.Errorf("an org_admin grant with organization level %q", g.OrgLevel)
		}
		path.OrgLevel = g.OrgLevel
	case access.ViaRoleRule:
		if len(g.Roles) == 0 {
			return access.Grant{}, errors.New("a role_rule grant without roles")
		}
		path.Roles = slices.Sorted(slices.Values(g.Roles))
		path.RoleNames = make([]string, len(path.Roles))
		for i, id := range path.Roles {
			path.RoleNames[i] = cmp.Or(roleNames[id], id)
		}
	}
	return access.Grant{Level: g.Level, Path: path}, nil
}

// posthogAccess is a member's users_with_access row: PostHog's level and
// access_source.
type posthogAccess struct{ level, source string }

// postHogAccess are the users_with_access rows of the projects whose list
// was collected whole (no Missing record names the project's section), by
// project id and membership id. A row names its membership, or on 2025
// PostHog only its user; a row of no member of the snapshot is left out
// (as input.index.users_with_access does). A level outside PostHog's
// project levels is an error.
func postHogAccess(snap *snapshot.Snapshot, members map[string]IndexMember) (map[int64]map[string]posthogAccess, error) {
	byUUID := memberByUserUUID(snap)
	out := map[int64]map[string]posthogAccess{}
	access := snap.AccessRows()
	for i := range snap.Projects {
		p := &snap.Projects[i]
		if !p.HasUsersWithAccess() || usersWithAccessPartial(snap, p.ID) {
			continue
		}
		us, err := access.Of(p)
		if err != nil {
			return nil, fmt.Errorf("access table: %w", err)
		}
		rows := make(map[string]posthogAccess, len(us))
		for _, u := range us {
			mid := u.OrganizationMembershipID
			if _, ok := members[mid]; !ok {
				mid = byUUID[u.UserID]
			}
			if mid == "" {
				continue
			}
			if !slices.Contains(projectLevels, u.AccessLevel) {
				return nil, fmt.Errorf("access table: project %d: users_with_access gives user %s level %q, which is no project level", p.ID, u.UserID, u.AccessLevel)
			}
			rows[mid] = posthogAccess{level: u.AccessLevel, source: u.AccessSource}
		}
		out[p.ID] = rows
	}
	return out, nil
}

// usersWithAccessPartial is true when a Missing record says the
// users_with_access list of project id (or of every project) is not whole:
// then a member it does not list cannot be taken to have no access.
func usersWithAccessPartial(snap *snapshot.Snapshot, id int64) bool {
	for _, m := range snap.Missing {
		if m.Section == snapshot.SectionUsersWithAccess && !m.NotApplicable && (m.ProjectID == nil || *m.ProjectID == id) {
			return true
		}
	}
	return false
}

// roundTrip decodes a query result (JSON-shaped Go values) into out.
func roundTrip(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
