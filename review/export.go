package review

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// Bundle file names.
const (
	FileAccess         = "access.csv"
	FileAccessExported = "access.exported.csv"
	FileKeys           = "keys.csv"
	FileSettings       = "settings.csv"
	FileFindings       = "findings.csv"
	FileControls       = "controls.csv"
	FileManifest       = "manifest.json"
	// FileSnapshot is the snapshot itself, in a bundle written by a scan
	// (which has no snapshot file of its own to point at).
	FileSnapshot = "snapshot.json"
)

// ManifestFormat names the manifest's layout.
const ManifestFormat = "hogaudit-review/1"

// Entitlement kinds of an access row.
const (
	KindOrgLevel = "org_level"
	KindProject  = "project"
	KindResource = "resource"
	KindKey      = "key"
)

// Verdicts of an access row against the matrix.
const (
	VerdictAllowed     = "allowed"
	VerdictExcess      = "excess"
	VerdictExempted    = "exempted"
	VerdictNotInMatrix = "not_in_matrix"
	VerdictUnknown     = "unknown"
)

// Decisions a reviewer writes in access.csv's decision column: keep the
// access as it is, revoke it, or change it (to what, in the note).
var Decisions = []string{"keep", "revoke", "change"}

// AccessHeader is access.csv's header. The last four columns are the
// reviewer's (DecisionColumns); every other column is evidence and must
// stay as exported.
var AccessHeader = []string{
	"row_id", "member_email", "member_name", "membership_id", "entitlement",
	"project_id", "project_name", "project_key", "resource", "level",
	"path", "path_machine", "roles", "groups", "two_factor", "sso", "last_login", "verdict",
	"decision", "reviewer", "reviewed_at", "note",
}

// DecisionColumns are the columns of access.csv a reviewer fills.
var DecisionColumns = []string{"decision", "reviewer", "reviewed_at", "note"}

// Input is what a bundle is built from.
type Input struct {
	Snapshot *snapshot.Snapshot
	// Report is the check of Snapshot against the matrix: its findings
	// judge the access rows and fill findings.csv and controls.csv.
	Report *report.Report
	// Table is Snapshot's access (policies.Engine.Access) with every
	// resource that has project-wide rules in some project.
	Table *access.Table
	// Members and Projects are the access map's axes
	// (policies.AccessMapAxes).
	Members  []report.AccessMember
	Projects []report.AccessProject
	// SSO maps each email domain (lower case) whose SSO enforcement takes
	// effect to its provider (policies.Engine.SSOEnforcement).
	SSO map[string]string
	// Inputs are the files the bundle rests on (the snapshot, the
	// matrix), each with its digest.
	Inputs []InputFile
	// Filters are the options the check ran with.
	Filters Filters
	// ToolVersion is hogaudit's version; GeneratedAt when the bundle is
	// made.
	ToolVersion string
	GeneratedAt time.Time
	// Extra are files added to the bundle as they are (FileSnapshot).
	Extra map[string][]byte
	// Mask, if not nil, masks secrets in every file's content before it
	// is digested.
	Mask func([]byte) []byte
}

// InputFile is a file the bundle rests on.
type InputFile struct {
	Role   string `json:"role"` // snapshot or matrix
	Path   string `json:"path"` // as given; in the bundle for FileSnapshot
	SHA256 string `json:"sha256"`
}

// Filters are what narrowed the check.
type Filters struct {
	DisabledRules []string `json:"disabled_rules"`
	PolicyDirs    []string `json:"policy_dirs"`
	LookbackDays  int      `json:"lookback_days"`
}

// Manifest is manifest.json.
type Manifest struct {
	Format      string          `json:"format"`
	Tool        snapshot.Tool   `json:"tool"`
	GeneratedAt string          `json:"generated_at"`
	Host        string          `json:"host"`
	Org         snapshot.OrgRef `json:"org"`
	CollectedAt string          `json:"collected_at"`
	APICalls    []posthog.Call  `json:"api_calls"`
	// APICallsNote says why APICalls is null (a snapshot of an older
	// hogaudit) or what it covers.
	APICallsNote string      `json:"api_calls_note"`
	Filters      Filters     `json:"filters"`
	Coverage     Coverage    `json:"coverage"`
	Counts       Counts      `json:"counts"`
	Decisions    []string    `json:"decisions"`
	Inputs       []InputFile `json:"inputs"`
	// Files are the SHA-256 of every file of the bundle but the manifest,
	// by name, as exported. access.csv may change in its decision columns
	// only: Verify compares it with access.exported.csv.
	Files map[string]string `json:"files"`
}

// Coverage is how complete the evidence is.
type Coverage struct {
	Complete     bool               `json:"complete"`
	Keys         report.KeyCoverage `json:"keys"`
	Missing      []MissingRef       `json:"sections_missing"`
	NotEvaluated []string           `json:"rules_not_evaluated"`
	// UnknownProjects are the projects whose access cannot be told.
	UnknownProjects []int64 `json:"projects_unknown"`
}

// MissingRef is a snapshot Missing record, as the manifest tells it.
type MissingRef struct {
	Section       string `json:"section"`
	ProjectID     *int64 `json:"project_id,omitempty"`
	AuditKeyEnv   string `json:"audit_key_env,omitempty"`
	Endpoint      string `json:"endpoint"`
	Status        int    `json:"status"`
	NotApplicable bool   `json:"not_applicable,omitempty"`
}

// Counts are the bundle's row counts.
type Counts struct {
	Members    int `json:"members"`
	Projects   int `json:"projects"`
	AccessRows int `json:"access_rows"`
	Keys       int `json:"keys"`
	Findings   int `json:"findings"`
	Controls   int `json:"controls"`
}

// Digest is the hex SHA-256 of b.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Build makes the bundle's files, by name, manifest.json included.
func Build(in Input) (map[string][]byte, error) {
	if in.Snapshot == nil || in.Report == nil || in.Table == nil {
		return nil, fmt.Errorf("review: a bundle needs a snapshot, its report and its access table")
	}
	mask := in.Mask
	if mask == nil {
		mask = func(b []byte) []byte { return b }
	}
	files := map[string][]byte{}
	put := func(name string, header []string, rows [][]string) error {
		b, err := encodeCSV(header, rows)
		if err != nil {
			return fmt.Errorf("review: %s: %w", name, err)
		}
		files[name] = mask(b)
		return nil
	}
	rows := accessRows(in)
	if err := put(FileAccess, AccessHeader, rows); err != nil {
		return nil, err
	}
	files[FileAccessExported] = files[FileAccess]
	keyRows := keyRows(in)
	if err := put(FileKeys, keysHeader, keyRows); err != nil {
		return nil, err
	}
	if err := put(FileSettings, settingsHeader, settingsRows(in)); err != nil {
		return nil, err
	}
	if err := put(FileFindings, findingsHeader, findingRows(in.Report)); err != nil {
		return nil, err
	}
	ctrl := controlRows(in.Report)
	if err := put(FileControls, controlsHeader, ctrl); err != nil {
		return nil, err
	}
	for name, b := range in.Extra {
		files[name] = mask(b)
	}

	snap := in.Snapshot
	m := Manifest{
		Format:      ManifestFormat,
		Tool:        snapshot.Tool{Name: "hogaudit", Version: in.ToolVersion},
		GeneratedAt: in.GeneratedAt.UTC().Format(time.RFC3339),
		Host:        snap.Host,
		Org:         snap.Org,
		CollectedAt: snap.CollectedAt.UTC().Format(time.RFC3339),
		Filters:     in.Filters,
		Decisions:   Decisions,
		Inputs:      in.Inputs,
		Files:       map[string]string{},
		Counts: Counts{
			Members: len(in.Members), Projects: len(in.Projects), AccessRows: len(rows),
			Keys: len(keyRows), Findings: len(in.Report.Findings), Controls: len(ctrl),
		},
	}
	if m.Filters.DisabledRules == nil {
		m.Filters.DisabledRules = []string{}
	}
	if m.Filters.PolicyDirs == nil {
		m.Filters.PolicyDirs = []string{}
	}
	if m.Inputs == nil {
		m.Inputs = []InputFile{}
	}
	if snap.Collection == nil {
		m.APICallsNote = "the snapshot was written by a hogaudit that did not record its API calls: collect a new snapshot for this evidence"
	} else {
		m.APICalls = slices.Clone(snap.Collection)
		m.APICallsNote = "requests the collection made (with the scanning key and each audited key), per endpoint pattern (each request once, however often retried); pages and items are the list pages and rows read, count the sum of PostHog's own counts on the lists' first pages"
	}
	m.Coverage = Coverage{
		Complete: in.Report.Snapshot.Complete && len(in.Report.NotEvaluated) == 0 && in.Report.Failure == nil,
		Keys:     in.Report.Coverage.Keys, Missing: []MissingRef{}, NotEvaluated: []string{}, UnknownProjects: []int64{},
	}
	if m.Coverage.Keys.Unaudited == nil {
		m.Coverage.Keys.Unaudited = []string{}
	}
	for _, x := range snap.Missing {
		m.Coverage.Missing = append(m.Coverage.Missing, MissingRef{Section: x.Section, ProjectID: x.ProjectID, AuditKeyEnv: x.AuditKeyEnv, Endpoint: x.Endpoint, Status: x.Status, NotApplicable: x.NotApplicable})
	}
	for _, ne := range in.Report.NotEvaluated {
		m.Coverage.NotEvaluated = append(m.Coverage.NotEvaluated, ne.Rule)
	}
	for _, p := range in.Projects {
		if tp := in.Table.Projects[p.ID]; tp == nil || !tp.Known {
			m.Coverage.UnknownProjects = append(m.Coverage.UnknownProjects, p.ID)
		}
	}
	for name, b := range files {
		m.Files[name] = Digest(b)
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("review: manifest: %w", err)
	}
	files[FileManifest] = mask(append(mb, '\n'))
	return files, nil
}

// judge holds the report's findings the access rows' verdicts read.
type judge struct {
	byRule       map[string][]report.Finding
	notEvaluated map[string]bool
	outside      map[string]bool // lower-case emails with an unsuppressed PH203
}

func newJudge(rep *report.Report) *judge {
	j := &judge{byRule: map[string][]report.Finding{}, notEvaluated: map[string]bool{}, outside: map[string]bool{}}
	for _, f := range rep.Findings {
		j.byRule[f.Rule] = append(j.byRule[f.Rule], f)
		if f.Rule == "PH203" && f.Suppressed == nil {
			if e, ok := strings.CutPrefix(f.Subject, "member:"); ok {
				j.outside[strings.ToLower(e)] = true
			}
		}
	}
	for _, ne := range rep.NotEvaluated {
		j.notEvaluated[ne.Rule] = true
	}
	// A disabled rule judges nothing: its verdicts are unknown.
	for _, r := range []string{"PH203", "PH204", "PH206", "PH207", "PH212", "PH301", "PH302", "PH303"} {
		if !rep.RuleInForce(r) {
			j.notEvaluated[r] = true
		}
	}
	if rep.Failure != nil {
		for _, r := range []string{"PH203", "PH206", "PH207", "PH301", "PH302", "PH303"} {
			j.notEvaluated[r] = true
		}
	}
	return j
}

// verdict is the verdict drawn from the findings of rules that match:
// excess for an unsuppressed one, exempted for only suppressed ones; else
// unknown when one of rules did not run, not in the matrix for a member
// outside it, else allowed. A rule not evaluated includes a disabled one
// (not in the report's catalog).
func (j *judge) verdict(email string, rules []string, match func(report.Finding) bool) string {
	v := ""
	for _, r := range rules {
		for _, f := range j.byRule[r] {
			if !match(f) {
				continue
			}
			if f.Suppressed == nil {
				return VerdictExcess
			}
			v = VerdictExempted
		}
	}
	if v != "" {
		return v
	}
	for _, r := range rules {
		if j.notEvaluated[r] {
			return VerdictUnknown
		}
	}
	if j.notEvaluated["PH203"] {
		return VerdictUnknown
	}
	if j.outside[strings.ToLower(email)] {
		return VerdictNotInMatrix
	}
	return VerdictAllowed
}

func mapVerdict(v string) string {
	switch v {
	case report.VerdictWithin:
		return VerdictAllowed
	case report.VerdictExcess:
		return VerdictExcess
	case report.VerdictExempted:
		return VerdictExempted
	case report.VerdictNotInMatrix:
		return VerdictNotInMatrix
	}
	return VerdictUnknown
}

// accessRows are access.csv's rows: per member (by email) its organization
// level, each project's effective level (projects in the axes' order),
// each restricted resource of the project (resources with project-wide
// rules, by name), and each audited key it owns (by source, then id).
func accessRows(in Input) [][]string {
	snap := in.Snapshot
	j := newJudge(in.Report)
	amap := report.BuildAccessMap(in.Report, in.Table, in.Members, in.Projects)
	byID := map[string]int{}
	for i, m := range snap.Members {
		byID[m.ID] = i
	}
	projByID := map[int64]snapshot.Project{}
	for _, p := range snap.Projects {
		projByID[p.ID] = p
	}
	domainsKnown := sectionComplete(snap, snapshot.SectionDomains) && sectionComplete(snap, snapshot.SectionOrganization)
	var rows [][]string
	for i, am := range amap.Members {
		mem := snap.Members[byID[am.ID]]
		email := mem.User.Email
		twoFA := "no"
		if mem.Is2FAEnabled {
			twoFA = "yes"
		}
		sso := "unknown (domains or organization not collected)"
		if domainsKnown {
			d := emailDomain(email)
			if p, ok := in.SSO[d]; ok {
				sso = p + " enforced (" + d + ")"
			} else {
				sso = "none"
			}
		}
		login := "never"
		if mem.LastLogin != nil {
			login = mem.LastLogin.UTC().Format(time.RFC3339)
		}
		base := func(id, kind string) []string {
			return []string{id, email, am.Name, am.ID, kind, "", "", "", "", "", "", "", joinList(am.Roles), joinList(am.Groups), twoFA, sso, login, "", "", "", "", ""}
		}
		const (
			cProjectID = 5 + iota
			cProjectName
			cProjectKey
			cResource
			cLevel
			cPath
			cPathMachine
			_
			_
			_
			_
			_
			cVerdict
		)
		r := base("org_level:"+am.ID, KindOrgLevel)
		r[cLevel] = am.OrgLevel
		if am.OrgLevel != "member" {
			r[cPath] = "organization " + am.OrgLevel + ": bypasses every project and resource rule"
		} else {
			r[cPath] = "organization member"
		}
		r[cPathMachine] = "org:" + am.OrgLevel
		r[cVerdict] = j.verdict(email, []string{"PH207"}, func(f report.Finding) bool {
			return strings.EqualFold(f.Subject, "member:"+email)
		})
		rows = append(rows, r)
		for k, pr := range amap.Projects {
			cell := amap.Cells[i][k]
			pid := strconv.FormatInt(pr.ID, 10)
			r := base("project:"+am.ID+":"+pid, KindProject)
			r[cProjectID], r[cProjectName], r[cProjectKey] = pid, pr.Name, pr.Key
			if !pr.Known {
				r[cLevel], r[cPath], r[cPathMachine] = "unknown", "cannot be told: the snapshot lacks the project's access evidence", ""
			} else {
				r[cLevel] = cell.Level
				if cell.Path != nil {
					r[cPath], r[cPathMachine] = cell.Path.Phrase(), PathMachine(*cell.Path)
				}
			}
			r[cVerdict] = mapVerdict(cell.Verdict)
			rows = append(rows, r)
			tp := in.Table.Projects[pr.ID]
			for _, res := range projByID[pr.ID].RuledResources() {
				r := base("resource:"+am.ID+":"+pid+":"+res, KindResource)
				r[cProjectID], r[cProjectName], r[cProjectKey], r[cResource] = pid, pr.Name, pr.Key, res
				if tp == nil || !tp.ResourcesKnown {
					r[cLevel], r[cPath], r[cVerdict] = "unknown", "cannot be told: the snapshot lacks the project's resource rules", VerdictUnknown
				} else {
					g := tp.Resources[res][am.ID]
					r[cLevel], r[cPath], r[cPathMachine] = g.Level, g.Path.Phrase(), PathMachine(g.Path)
					r[cVerdict] = j.verdict(email, []string{"PH206"}, func(f report.Finding) bool {
						pidF, ok := report.EvidenceInt(f.Evidence["project_id"])
						return strings.EqualFold(f.Subject, "member:"+email+"/resource/"+res) && ok && pidF == pr.ID
					})
				}
				rows = append(rows, r)
			}
		}
		for _, key := range snap.APIKeys {
			if key.UserID != mem.User.ID {
				continue
			}
			r := base("key:"+am.ID+":"+key.ID, KindKey)
			r[cProjectID], r[cProjectName] = keyProjects(snap, key)
			r[cResource] = "personal_api_key " + key.Label
			r[cLevel] = keyScopes(key)
			r[cPath] = "personal API key " + key.Label + " (" + key.Source + keyEnv(key) + ")"
			r[cPathMachine] = "key:" + key.ID
			r[cVerdict] = j.verdict(email, []string{"PH301", "PH302", "PH303"}, func(f report.Finding) bool {
				return f.Identity == "key:"+key.ID || strings.HasPrefix(f.Identity, "key:"+key.ID+"/")
			})
			rows = append(rows, r)
		}
	}
	return rows
}

func keyEnv(k snapshot.APIKey) string {
	if k.Env != "" {
		return " " + k.Env
	}
	return ""
}

// keyScopes is a key's scopes, "*" for a legacy key without any.
func keyScopes(k snapshot.APIKey) string {
	if len(k.Scopes) == 0 {
		return "*"
	}
	s := slices.Clone(k.Scopes)
	slices.Sort(s)
	return joinList(s)
}

// keyProjects are the ids and names of the projects a key reaches: its
// scoped teams, else every project ("all").
func keyProjects(snap *snapshot.Snapshot, k snapshot.APIKey) (string, string) {
	name := map[int64]string{}
	for _, p := range snap.Projects {
		name[p.ID] = p.Name
	}
	var ids, names []string
	if len(k.ScopedTeams) == 0 {
		for _, p := range snap.Projects {
			names = append(names, p.Name)
		}
		return "all", joinList(names)
	}
	for _, id := range k.ScopedTeams {
		ids = append(ids, strconv.FormatInt(id, 10))
		names = append(names, name[id])
	}
	return joinList(ids), joinList(names)
}

// PathMachine is a path as via[:detail]: org_admin:owner,
// role_rule:<role id>,<role id>, member_rule, …
func PathMachine(p access.Path) string {
	switch {
	case p.Via == access.ViaOrgAdmin && p.OrgLevel != "":
		return p.Via + ":" + p.OrgLevel
	case p.Via == access.ViaRoleRule && len(p.Roles) > 0:
		return p.Via + ":" + strings.Join(p.Roles, ",")
	}
	return p.Via
}

// sectionComplete reports whether snap has no applicable Missing record
// of section.
func sectionComplete(snap *snapshot.Snapshot, section string) bool {
	for _, m := range snap.Missing {
		if m.Section == section && !m.NotApplicable {
			return false
		}
	}
	return true
}

func emailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

var keysHeader = []string{"key_id", "label", "source", "env", "owner_email", "membership_id", "scopes", "legacy", "project_ids", "project_names", "created_at", "last_used_at", "last_rolled_at"}

// keyRows are keys.csv's rows: every introspected key, in the snapshot's
// order (source, then id).
func keyRows(in Input) [][]string {
	snap := in.Snapshot
	var rows [][]string
	for _, k := range snap.APIKeys {
		owner, mid := "", ""
		for _, m := range snap.Members {
			if m.User.ID == k.UserID {
				owner, mid = m.User.Email, m.ID
			}
		}
		ids, names := keyProjects(snap, k)
		legacy := "no"
		if len(k.Scopes) == 0 {
			legacy = "yes"
		}
		rows = append(rows, []string{k.ID, k.Label, k.Source, k.Env, owner, mid, keyScopes(k), legacy, ids, names,
			k.CreatedAt.UTC().Format(time.RFC3339), timeOrNever(k.LastUsedAt), timeOrNever(k.LastRolledAt)})
	}
	return rows
}

func timeOrNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

var settingsHeader = []string{"scope", "subject", "setting", "value"}

// settingsRows are settings.csv's rows: the organization's settings and
// plan features that govern sign-in, invites and keys, then each domain's
// SSO, SAML, SCIM and JIT state (domains by name). A section that was not
// collected says so instead of a value.
func settingsRows(in Input) [][]string {
	snap := in.Snapshot
	var rows [][]string
	org := snap.Org.Name
	o := snap.Organization
	boolp := func(b *bool) string {
		switch {
		case b == nil:
			return "not reported"
		case *b:
			return "true"
		}
		return "false"
	}
	if o == nil {
		rows = append(rows, []string{"organization", org, "*", "unknown: the organization section was not collected"})
	} else {
		feature := func(f string) string {
			if slices.Contains(o.AvailableProductFeatures, f) {
				return "true"
			}
			return "false"
		}
		rows = append(rows,
			[]string{"organization", org, "enforce_2fa", boolp(o.Enforce2FA)},
			[]string{"organization", org, "members_can_invite", boolp(o.MembersCanInvite)},
			[]string{"organization", org, "members_can_use_personal_api_keys", boolp(o.MembersCanUsePersonalAPIKeys)},
			[]string{"organization", org, "allow_publicly_shared_resources", boolp(o.AllowPubliclySharedResources)},
			[]string{"organization", org, "members_can_see_org_members", boolp(o.MembersCanSeeOrgMembers)},
			[]string{"organization", org, "plan_feature.sso_enforcement", feature("sso_enforcement")},
			[]string{"organization", org, "plan_feature.saml", feature("saml")},
			[]string{"organization", org, "plan_feature.access_control", feature("access_control")},
		)
	}
	if snap.Invites == nil {
		rows = append(rows, []string{"organization", org, "open_invites", "unknown: the invites section was not collected"})
	} else {
		open := 0
		for _, iv := range snap.Invites {
			if !iv.IsExpired {
				open++
			}
		}
		rows = append(rows, []string{"organization", org, "open_invites", strconv.Itoa(open)})
	}
	if snap.Domains == nil {
		rows = append(rows, []string{"domain", "*", "*", "unknown: the domains section was not collected"})
	}
	domains := slices.Clone(snap.Domains)
	slices.SortFunc(domains, func(a, b posthog.Domain) int { return strings.Compare(a.Domain, b.Domain) })
	for _, d := range domains {
		effective := "none"
		if p, ok := in.SSO[strings.ToLower(d.Domain)]; ok {
			effective = p
		}
		rows = append(rows,
			[]string{"domain", d.Domain, "is_verified", strconv.FormatBool(d.IsVerified)},
			[]string{"domain", d.Domain, "sso_enforcement", d.SSOEnforcement},
			[]string{"domain", d.Domain, "sso_enforcement_effective", effective},
			[]string{"domain", d.Domain, "has_saml", strconv.FormatBool(d.HasSAML)},
			[]string{"domain", d.Domain, "jit_provisioning_enabled", strconv.FormatBool(d.JITProvisioningEnabled)},
			[]string{"domain", d.Domain, "has_scim", strconv.FormatBool(d.HasSCIM)},
			[]string{"domain", d.Domain, "scim_enabled", boolp(d.SCIMEnabled)},
		)
	}
	return rows
}

var findingsHeader = []string{"id", "rule", "severity", "subject", "project", "message", "suppressed"}

// findingRows are findings.csv's rows, in the report's order.
func findingRows(rep *report.Report) [][]string {
	var rows [][]string
	for _, f := range rep.Findings {
		sup := ""
		if f.Suppressed != nil {
			sup = "suppressed: " + f.Suppressed.Reason
		}
		rows = append(rows, []string{f.ID, f.Rule, f.Severity, f.Subject, f.Project, f.Message, sup})
	}
	return rows
}

var controlsHeader = []string{"framework", "control", "title", "status", "rules"}

// controlRows are controls.csv's rows (report.Controls' order): the rules
// as "PH204 (fail); PH205 (pass)".
func controlRows(rep *report.Report) [][]string {
	var rows [][]string
	for _, c := range report.Controls(rep) {
		var rs []string
		for _, r := range c.Rules {
			rs = append(rs, r.Rule+" ("+r.Status+")")
		}
		rows = append(rows, []string{c.Framework, c.Control, c.Title, c.Status, joinList(rs)})
	}
	return rows
}
