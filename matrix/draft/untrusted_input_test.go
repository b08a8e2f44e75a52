package draft

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// renameMember changes member id's email in the fixture.
func (f *fixture) renameMember(id, email string) {
	for i := range f.snap.Members {
		if f.snap.Members[i].ID == id {
			f.snap.Members[i].User.Email = email
		}
	}
}

func exceptionsOf(m *matrix.Matrix, rule string) []string {
	var out []string
	for _, x := range m.Exceptions {
		if x.Rule == rule {
			out = append(out, x.Subject)
		}
	}
	return out
}

func TestDraftRefusesGlobCharactersWhereTheyWouldBePatterns(t *testing.T) {
	for _, tc := range []struct {
		name, kind, str string
		edit            func(f *fixture)
	}{
		// carol holds no role: her email goes under members: of her own group
		{"member without a role", "member", "c*@acme.example", func(f *fixture) { f.renameMember("m-carol", "c*@acme.example") }},
		// alice is the owner: her email goes under organization_owners
		{"owner", "member", "al?ce@acme.example", func(f *fixture) { f.renameMember("m-alice", "al?ce@acme.example") }},
		{"brackets", "member", "c[a]rol@acme.example", func(f *fixture) { f.renameMember("m-carol", "c[a]rol@acme.example") }},
		{"braces", "member", "{c,x}@acme.example", func(f *fixture) { f.renameMember("m-carol", "{c,x}@acme.example") }},
		{"backslash", "member", `c\arol@acme.example`, func(f *fixture) { f.renameMember("m-carol", `c\arol@acme.example`) }},
		// ivan's admin invite is a PH210 exception subject and a members: entry
		{"admin invite", "invite", "*@acme.example", func(f *fixture) { f.snap.Invites[0].TargetEmail = "*@acme.example" }},
		// the scanning key's extra scope makes a PH306 exception for key:LABEL
		{"scanner label", "key", "scan*", func(f *fixture) {
			f.snap.APIKeys[2].Label = "scan*"
			f.snap.APIKeys[2].Scopes = append(f.snap.APIKeys[2].Scopes, "feature_flag:write")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			tc.edit(f)
			out, err := Draft(f.snap, f.table, Options{})
			var pe *PatternError
			if !errors.As(err, &pe) || !errors.Is(err, ErrPattern) {
				t.Fatalf("Draft = %v, %v; want a *PatternError\n%s", err, errors.Is(err, ErrPattern), out)
			}
			if pe.Kind != tc.kind || pe.Name != tc.str || !strings.Contains(err.Error(), strconv.Quote(tc.str)) {
				t.Errorf("error = %+v (%v); want kind %s naming %q", pe, err, tc.kind, tc.str)
			}
		})
	}
}

func TestDraftWritesNamesThatAreNotPatterns(t *testing.T) {
	// Near misses: characters that are no glob, and glob characters where
	// the draft writes nothing as a pattern.
	f := newFixture()
	f.renameMember("m-carol", "carol+ops.team@acme.example")
	f.renameMember("m-dave", "d*e@acme.example") // explained by role Engineering, bound by role:, owns no key
	f.snap.APIKeys[0].Label = "bi*"              // keys: are compared exactly, and this key has no exception
	f.snap.Invites[0].Level = posthog.LevelMember
	f.snap.Invites[0].TargetEmail = "ivan+x@acme.example"
	out, m := f.draft(t)
	if g := m.Groups["carol_ops_team_acme_example"]; g == nil || !slices.Equal(g.Members.Values(), []string{"carol+ops.team@acme.example"}) {
		t.Errorf("carol's group = %+v\n%s", g, out)
	}
	if !bytes.Contains(out, []byte(`keys: ["bi*"]`)) {
		t.Errorf("the key label is not written under keys:\n%s", out)
	}
	for _, g := range m.Groups {
		if g.Members != nil && slices.Contains(g.Members.Values(), "d*e@acme.example") {
			t.Errorf("group %s lists d*e@acme.example as a member pattern", g.Key)
		}
	}
}

func TestDraftWritesOnlyKnownSSOProvidersQuoted(t *testing.T) {
	for _, sso := range []string{"saml\n  require_2fa: false", "okta", "saml #", `saml"`} {
		f := newFixture()
		f.snap.Domains[0].SSOEnforcement = sso
		out, m := f.draft(t)
		if m.Organization.EnforceSSO != nil {
			t.Errorf("%q: enforce_sso = %q, want it left out", sso, m.Organization.EnforceSSO.Value)
		}
		if m.Organization.Require2FA == nil || !m.Organization.Require2FA.Value {
			t.Errorf("%q: require_2fa = %+v, want true as the organization is", sso, m.Organization.Require2FA)
		}
		if !bytes.Contains(out, []byte("DECIDE: the SSO domains enforce")) {
			t.Errorf("%q: no DECIDE comment for the unknown provider\n%s", sso, out)
		}
	}
	// Near miss: a known provider is written, quoted.
	f := newFixture()
	f.snap.Domains[0].SSOEnforcement = "google-oauth2"
	out, m := f.draft(t)
	if m.Organization.EnforceSSO == nil || m.Organization.EnforceSSO.Value != "google-oauth2" || !bytes.Contains(out, []byte(`enforce_sso: "google-oauth2"`)) {
		t.Errorf("enforce_sso = %+v\n%s", m.Organization.EnforceSSO, out)
	}
}

func TestDraftLeavesOutResourcesHogauditDoesNotKnow(t *testing.T) {
	f := newFixture()
	prod := &f.snap.Projects[0]
	prod.ResourceAccessControls.AccessControls = append(prod.ResourceAccessControls.AccessControls,
		posthog.AccessControl{Resource: "quantum_widget", AccessLevel: "editor"},
		posthog.AccessControl{Resource: "x: y}", AccessLevel: "viewer"})
	if got := Resources(f.snap); !slices.Equal(got, []string{"feature_flag"}) {
		t.Errorf("Resources = %v, want [feature_flag]", got)
	}
	out, m := f.draft(t)
	if !bytes.Contains(out, []byte("resources hogaudit does not know (quantum_widget, x: y})")) {
		t.Errorf("no DECIDE comment naming the unknown resources\n%s", out)
	}
	// Near miss: the known resource is still drafted, its name quoted.
	e := m.Access["engineering"].Projects["production"]
	if e == nil || e.Resources["feature_flag"] == nil || !bytes.Contains(out, []byte(`resources: {"feature_flag": viewer}`)) {
		t.Errorf("engineering on production = %+v\n%s", e, out)
	}
}

func TestDraftKeysAreNeverYAMLSpecialScalars(t *testing.T) {
	f := newFixture()
	f.snap.Projects[0].Name = "NULL"
	f.snap.Projects[1].Name = "Yes"
	f.snap.Roles[0].Name = "null"
	f.snap.Roles[1].Name = "123"
	_, m := f.draft(t)
	if got := m.ProjectKeys(); !slices.Equal(got, []string{"project_null", "project_yes"}) {
		t.Errorf("projects = %v, want [project_null project_yes]", got)
	}
	for key, role := range map[string]string{"role_null": "null", "role_123": "123"} {
		if g := m.Groups[key]; g == nil || g.Role == nil || g.Role.Value != role {
			t.Errorf("group %s = %+v, want role %q", key, g, role)
		}
	}
	// The round trip: the project keys bind to the projects by id.
	for key, id := range map[string]int64{"project_null": prodID, "project_yes": sandboxID} {
		if p := m.Projects[key]; p == nil || p.ID == nil || int64(p.ID.Value) != id {
			t.Errorf("project %s = %+v, want id %d", key, p, id)
		}
	}
}

func TestYAMLSpecial(t *testing.T) {
	for _, k := range []string{"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", "123", "0x1f", "0o17", "1e3", "1_000", ".5", "-1"} {
		if !yamlSpecial(k) {
			t.Errorf("yamlSpecial(%q) = false", k)
		}
	}
	// Near misses: strings that only look like them.
	for _, k := range []string{"nullable", "null_2", "yes-please", "v1", "1a", "production", "on_call", "0x"} {
		if yamlSpecial(k) {
			t.Errorf("yamlSpecial(%q) = true", k)
		}
	}
}

func TestDraftExceptsScopesHogauditDoesNotKnow(t *testing.T) {
	f := newFixture()
	f.snap.APIKeys[0].Scopes = []string{"insight:read", "brand_new:read"}
	out, m := f.draft(t)
	want := []string{"matrix:access_matrix.key_bi.production.api_key_scopes.brand_new:read"}
	if got := exceptionsOf(m, "PH307"); !slices.Equal(got, want) {
		t.Errorf("PH307 exceptions = %v, want %v\n%s", got, want, out)
	}
	if !bytes.Contains(out, []byte("DECIDE: group key_bi's key holds scope brand_new:read")) {
		t.Errorf("no DECIDE comment for the unknown scope\n%s", out)
	}
	// Near miss: known scopes get no PH307 exception.
	_, m = newFixture().draft(t)
	if got := exceptionsOf(m, "PH307"); len(got) != 0 {
		t.Errorf("PH307 exceptions without an unknown scope = %v", got)
	}
}

func TestDraftSharedRoleNameWithoutMembersIsAnEmptyMembersList(t *testing.T) {
	f := newFixture()
	f.snap.Roles = append(f.snap.Roles, snapshot.Role{ID: "role-ops-1", Name: "Ops"}, snapshot.Role{ID: "role-ops-2", Name: "ops"})
	out, m := f.draft(t)
	for _, key := range []string{"ops", "ops_2"} {
		g := m.Groups[key]
		if g == nil || g.Role != nil || g.Members == nil || len(g.Members.Items) != 0 {
			t.Errorf("group %s = %+v, want members: []\n%s", key, g, out)
		}
	}
	// Near miss: a shared name with members lists them.
	f = newFixture()
	f.snap.Roles = append(f.snap.Roles, snapshot.Role{ID: "role-ops-1", Name: "Ops", Members: []snapshot.RoleMember{{ID: "rm-x", MembershipID: "m-carol"}}},
		snapshot.Role{ID: "role-ops-2", Name: "ops"})
	_, m = f.draft(t)
	if g := m.Groups["ops"]; g == nil || !slices.Equal(g.Members.Values(), []string{"carol@acme.example"}) {
		t.Errorf("group ops = %+v, want carol", g)
	}
}

func TestDraftCommentsSayWhatTheyCount(t *testing.T) {
	f := newFixture()
	out, _ := f.draft(t)
	// key old: created 400 days before the snapshot, never rotated
	for _, want := range []string{
		"DECIDE: key:old was created 400 days ago (rounded up) and never rotated",
		"DECIDE: dave@acme.example has not signed in for 201 days (rounded up)",
		"It allows at least what the organization grants today",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the draft does not say %q\n%s", want, out)
		}
	}
	if bytes.Contains(out, []byte("rotated 400")) || bytes.Contains(out, []byte("exactly what")) {
		t.Errorf("the draft still says a key was rotated, or that it allows exactly\n%s", out)
	}
	// Near misses: a rotated key is "last rotated"; a member who never
	// signed in "never signed in".
	f = newFixture()
	f.snap.APIKeys[1].LastRolledAt = ptr(testNow.Add(-150 * 24 * time.Hour))
	for i := range f.snap.Members {
		if f.snap.Members[i].ID == "m-dave" {
			f.snap.Members[i].LastLogin = nil
		}
	}
	out, _ = f.draft(t)
	for _, want := range []string{
		"DECIDE: key:old was last rotated 150 days ago (rounded up)",
		"DECIDE: dave@acme.example joined 300 days ago (rounded up) and has never signed in",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the draft does not say %q\n%s", want, out)
		}
	}
}
