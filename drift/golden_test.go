package drift

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// everyKindPair is a pair of snapshots whose drift holds every kind, some
// attributed, one gap.
func everyKindPair(t testing.TB) (*snapshot.Snapshot, *snapshot.Snapshot) {
	o := baseSnapshot()
	ops := snapshot.APIKey{Source: snapshot.KeySourceAudit, Env: "OPS_KEY", PersonalAPIKey: posthog.PersonalAPIKey{
		ID: "k-ops", Label: "ops", UserID: 4, Scopes: []string{"project:read"}, ScopedTeams: []int64{1}, CreatedAt: t0.AddDate(0, -1, 0)}}
	o.APIKeys = append(o.APIKeys, ops)
	o.AuditKeyEnvs = append(o.AuditKeyEnvs, "OPS_KEY")
	n := later(t, o, t1)

	// members
	member(n, "m-bob").Level = posthog.LevelAdmin
	member(n, "m-dan").Is2FAEnabled = true
	n.Members = append(n.Members[:2], n.Members[3], posthog.Member{ID: "m-erin",
		User: posthog.UserBasic{ID: 5, UUID: "u-m-erin", Email: "erin@acme.example"}, Level: posthog.LevelMember, JoinedAt: tMid})
	// roles
	n.Roles = []snapshot.Role{*role(n, "r-fin"), {ID: "r-ops", Name: "Ops"}}
	fin := &n.Roles[0]
	fin.Name = "Finance Team"
	fin.Members = append(fin.Members, snapshot.RoleMember{ID: "rm-erin", MembershipID: "m-erin", UserUUID: "u-m-erin", Email: "erin@acme.example", JoinedAt: tMid})
	// rules: Payments' Finance rule made admin again by dan; Production
	// loses carol's rule and gains a stricter rule for everyone on flags
	pay := project(n, 2)
	pay.AccessControls.AccessControls[1].AccessLevel = "admin"
	pay.AccessControls.AccessControls[1].CreatedAt = ptr(tMid)
	pay.AccessControls.AccessControls[1].CreatedBy = ptr(int64(4))
	prod := project(n, 1)
	prod.AccessControls.AccessControls = append(prod.AccessControls.AccessControls[:1], posthog.AccessControl{
		Resource: "project", ResourceID: ptr("1"), Role: ptr("r-ops"), AccessLevel: "admin", CreatedAt: ptr(tMid), CreatedBy: ptr(int64(4))})
	prod.ResourceAccessControls.AccessControls[0].AccessLevel = "none"
	prod.ResourceAccessControls.AccessControls[0].UpdatedAt = ptr(tMid)
	prod.Name = "Prod"
	// keys: BI_KEY holds another key; ops widened
	n.APIKeys[1].ID, n.APIKeys[1].Label = "k-bi2", "bi-rotated"
	k := &n.APIKeys[2]
	k.Scopes, k.ScopedTeams, k.ScopedOrganizations = []string{"*"}, nil, []string{"org-1"}
	n.AuditKeyEnvs = append(n.AuditKeyEnvs, "NEW_KEY")
	n.APIKeys = append(n.APIKeys, snapshot.APIKey{Source: snapshot.KeySourceAudit, Env: "NEW_KEY", PersonalAPIKey: posthog.PersonalAPIKey{ID: "k-new", Label: "new", Scopes: []string{"*"}}})
	// settings, domains
	n.Organization.Enforce2FA = ptr(true)
	n.Domains = []posthog.Domain{{ID: "dom-1", Domain: "acme.example", IsVerified: true, SSOEnforcement: "google-oauth2"}, {ID: "dom-2", Domain: "acme.dev"}}
	o.Domains = append(o.Domains, posthog.Domain{ID: "dom-3", Domain: "old.example"})
	// projects
	n.Projects = append(n.Projects, snapshot.Project{ID: 3, Name: "Sandbox",
		AccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}}, ResourceAccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}}})
	o.Projects = append(o.Projects, snapshot.Project{ID: 4, Name: "Legacy",
		AccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}}, ResourceAccessControls: &posthog.AccessControlList{AccessControls: []posthog.AccessControl{}}})
	// invites: erin's accepted, frank invited
	n.Invites = []posthog.Invite{{ID: "inv-frank", TargetEmail: "frank@acme.example", Level: posthog.LevelAdmin, CreatedAt: tMid}}

	n.ActivityLog = []snapshot.ActivityEntry{
		entry("a1", "alice@acme.example", "OrganizationMembership", "updated", "m-bob", tMid, fieldChange("level", 1, 8)),
		entry("a2", "", "OrganizationMembership", "created", "m-erin", tMid),
		entry("a3", "alice@acme.example", "OrganizationMembership", "deleted", "m-carol", tMid),
		entry("a4", "dan@acme.example", "PersonalAPIKey", "created", "k-ops", tMid, fieldChange("scopes", []string{"project:read"}, []string{"*"})),
		entry("a5", "alice@acme.example", "Organization", "updated", "org-1", tMid, fieldChange("two-factor authentication requirement", false, true)),
		entry("a6", "dan@acme.example", "OrganizationDomain", "updated", "dom-1", tMid, fieldChange("SSO enforcement", "", "google-oauth2")),
		entry("a7", "dan@acme.example", "OrganizationDomain", "created", "dom-2", tMid),
		entry("a8", "alice@acme.example", "Team", "updated", "1", tMid, fieldChange("name", "Production", "Prod")),
		entry("a9", "alice@acme.example", "Project", "created", "3", tMid),
		entry("a10", "alice@acme.example", "OrganizationInvite", "created", "inv-frank", tMid),
	}
	return o, n
}

func TestGoldenEveryKind(t *testing.T) {
	o, n := everyKindPair(t)
	r, err := Compare(o, n, simpleTable(o), simpleTable(n), Options{OldFile: "old.json", NewFile: "new.json"})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, ch := range r.Changes {
		kinds[ch.Kind] = true
	}
	for k := range KindGroup {
		if !kinds[k] {
			t.Errorf("the golden report has no %s change", k)
		}
	}
	if len(r.Gaps) != 1 || r.Gaps[0].Section != snapshot.SectionAPIKeys {
		t.Errorf("gaps %v, want the one of NEW_KEY", showGaps(r.Gaps))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "every_kind.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./drift -run Golden -update)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("report differs from %s (-want +got):\n%s", path, diff)
	}
	// Deterministic: the same inputs give the same bytes.
	r2, _ := Compare(o, n, simpleTable(o), simpleTable(n), Options{OldFile: "old.json", NewFile: "new.json"})
	b2, _ := json.MarshalIndent(r2, "", "  ")
	b1, _ := json.MarshalIndent(r, "", "  ")
	if !bytes.Equal(b1, b2) {
		t.Error("two comparisons of the same snapshots differ")
	}
}
