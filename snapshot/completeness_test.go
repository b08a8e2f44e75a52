package snapshot_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Completeness recomputed from the sections themselves (issue 8, item 4):
// each rule of snapshot.Verify, refused and its near miss accepted.

func decodeEdited(t *testing.T, s *snapshot.Snapshot, edit func(*snapshot.Snapshot)) error {
	t.Helper()
	b, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := snapshot.Decode(b) // a copy to edit
	if err != nil {
		t.Fatalf("the untouched snapshot does not load: %v", err)
	}
	edit(c)
	b, err = snapshot.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	_, err = snapshot.Decode(b)
	return err
}

func pid(id int64) *int64 { return &id }

func TestVerifyRules(t *testing.T) {
	t.Parallel()
	newest := startAcme(t).collect(t, refNow)
	older := startAcme(t, posthogsim.WithDeployment(posthogsim.Deployment2025)).collect(t, refNow)
	if !newest.Complete() || !older.Complete() {
		t.Fatalf("the bases should be complete: %+v %+v", newest.Missing, older.Missing)
	}
	cases := []struct {
		name string
		base *snapshot.Snapshot
		edit func(*snapshot.Snapshot)
		want string // "" accepts
	}{
		{"forged n/a on a section every deployment has", newest, func(s *snapshot.Snapshot) {
			s.Invites = nil
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionInvites, Status: 404, NotApplicable: true})
		}, "says not_applicable, but every PostHog deployment has invites"},
		{"near miss: a failed invites list", newest, func(s *snapshot.Snapshot) {
			s.Invites = nil
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionInvites, Status: 404, Reason: "endpoint not found on this deployment"})
		}, ""},
		{"n/a that is not a 404", newest, func(s *snapshot.Snapshot) {
			s.IdentityProviderConfigs = nil
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionIdentityProviderConfigs, Status: 403, NotApplicable: true})
		}, "says not_applicable with status 403"},
		{"near miss: n/a for a 404 of an optional section", newest, func(s *snapshot.Snapshot) {
			s.IdentityProviderConfigs = nil
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionIdentityProviderConfigs, Status: 404, NotApplicable: true})
		}, ""},
		{"n/a on data", newest, func(s *snapshot.Snapshot) {
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionUsersWithAccess, ProjectID: pid(posthogsim.AcmeProductionID), Status: 404, NotApplicable: true})
		}, "says not_applicable, but project 12345's users_with_access holds data"},
		{"n/a for the whole section while one project has data", newest, func(s *snapshot.Snapshot) {
			s.Projects[0].SetUsersWithAccess(nil)
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionUsersWithAccess, Status: 404, NotApplicable: true})
		}, "but project 12346's users_with_access holds data"},
		{"n/a explicit members under project_based_permissioning alone", older, func(s *snapshot.Snapshot) {
			s.Organization.AvailableProductFeatures = []string{"project_based_permissioning"}
			s.Projects[0].AccessControl = true
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionExplicitMembers, ProjectID: pid(posthogsim.AcmeProductionID), Status: 404, NotApplicable: true})
		}, "explicit_members is applicable in an organization entitled to access control by project_based_permissioning alone"},
		{"near miss: n/a explicit members with advanced_permissions", older, func(s *snapshot.Snapshot) {
			s.Organization.AvailableProductFeatures = []string{"project_based_permissioning", "advanced_permissions"}
			s.Projects[0].AccessControl = true
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionExplicitMembers, ProjectID: pid(posthogsim.AcmeProductionID), Status: 404, NotApplicable: true})
		}, ""},
		{"near miss: n/a explicit members on the newest deployment", newest, func(s *snapshot.Snapshot) {
			// users_with_access and identity_provider_configs were served:
			// the newest PostHog ignores the legacy flag.
			s.Organization.AvailableProductFeatures = []string{"project_based_permissioning"}
			s.Projects[0].AccessControl = true
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionExplicitMembers, ProjectID: pid(posthogsim.AcmeProductionID), Status: 404, NotApplicable: true})
		}, ""},
		{"a flagged project without explicit members", older, func(s *snapshot.Snapshot) { s.Projects[0].AccessControl = true },
			"project 12345's explicit_members is null, and no missing record of explicit_members says why"},
		{"explicit members of an unflagged project", older, func(s *snapshot.Snapshot) { s.Projects[0].ExplicitMembers = []posthog.ExplicitMember{} },
			"project 12345 has explicit_members but not the legacy access_control flag"},
		{"near miss: a flagged project's empty explicit members", older, func(s *snapshot.Snapshot) {
			s.Projects[0].AccessControl, s.Projects[0].ExplicitMembers = true, []posthog.ExplicitMember{}
		}, ""},
		{"a project list without a project the organization names", newest, func(s *snapshot.Snapshot) {
			s.Organization.Projects = append(s.Organization.Projects, posthog.ProjectRef{ID: 777, Name: "Hidden"})
		}, `projects does not list 777 "Hidden", which the organization response names`},
		{"near miss: the short project list has its record", newest, func(s *snapshot.Snapshot) {
			s.Organization.Projects = append(s.Organization.Projects, posthog.ProjectRef{ID: 777, Name: "Hidden"})
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionProjects, Status: 200, Reason: "short"})
		}, ""},
		{"a record of a project not listed", newest, func(s *snapshot.Snapshot) {
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionAccessControls, ProjectID: pid(99), Status: 500})
		}, "names project 99, which projects does not list"},
		{"a project on a section of the organization", newest, func(s *snapshot.Snapshot) {
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionMembers, ProjectID: pid(posthogsim.AcmeProductionID), Status: 500})
		}, "members is not a per-project section"},
		{"a record of no section", newest, func(s *snapshot.Snapshot) {
			s.Missing = append(s.Missing, snapshot.Missing{Section: "everything", Status: 500})
		}, "names no section hogaudit knows"},
		{"a project listed twice", newest, func(s *snapshot.Snapshot) { s.Projects = append(s.Projects, s.Projects[0]) },
			"projects lists project 12345 twice"},
		// The detail is read only when the projects' logs stand in for the
		// organization's, and feeds no rule: its created_at is no evidence.
		{"near miss: a project without created_at", newest, func(s *snapshot.Snapshot) { s.Projects[1].CreatedAt = nil }, ""},
		{"a project's log dropped from the sources", older, func(s *snapshot.Snapshot) {
			s.ActivityLogSource.ProjectIDs = s.ActivityLogSource.ProjectIDs[:1]
		}, "project 12346's activity log was not read"},
		{"near miss: and its record", older, func(s *snapshot.Snapshot) {
			s.ActivityLogSource.ProjectIDs = s.ActivityLogSource.ProjectIDs[:1]
			s.OrganizationActivity.ProjectIDs = slices.DeleteFunc(s.OrganizationActivity.ProjectIDs, func(id int64) bool { return id == 12346 })
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionActivityLog, ProjectID: pid(12346), Status: 500})
		}, ""},
		{"a source without the log", newest, func(s *snapshot.Snapshot) {
			s.ActivityLog = nil
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionActivityLog, Status: 500})
		}, "activity_log_source names a source, but activity_log is null"},
		{"organization-level rows from an unread project", older, func(s *snapshot.Snapshot) {
			s.ActivityLogSource.ProjectIDs = []int64{12345}
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionActivityLog, ProjectID: pid(12346), Status: 500})
		}, "organization_activity_log names project 12346, whose activity log was not read"},
		{"the scanning key dropped", newest, func(s *snapshot.Snapshot) {
			s.APIKeys = slices.DeleteFunc(s.APIKeys, func(k snapshot.APIKey) bool { return k.Source == snapshot.KeySourceScanner })
		}, "api_keys lacks the scanning key"},
		{"an audit key dropped", newest, func(s *snapshot.Snapshot) { s.APIKeys = s.APIKeys[:len(s.APIKeys)-1] },
			"api_keys lacks the key of $ACME_LEGACY_KEY"},
		{"near miss: an audit key's record", newest, func(s *snapshot.Snapshot) {
			s.APIKeys = s.APIKeys[:len(s.APIKeys)-1]
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionAPIKeys, AuditKeyEnv: "ACME_LEGACY_KEY", Status: 401})
		}, ""},
		{"an audit variable forgotten", newest, func(s *snapshot.Snapshot) { s.AuditKeyEnvs = s.AuditKeyEnvs[1:] },
			"api_keys holds a key read from $ACME_BI_KEY, which audit_key_envs does not list"},
		{"the audit variables left out", newest, func(s *snapshot.Snapshot) { s.AuditKeyEnvs = nil }, "audit_key_envs is absent"},
		{"the member list without the scanning key's user", newest, func(s *snapshot.Snapshot) {
			s.Members = slices.DeleteFunc(s.Members, func(m posthog.Member) bool { return m.User.Email == "alice@acme.example" })
		}, "members does not list the scanning key's own user alice@acme.example"},
		{"near miss: another member left out", newest, func(s *snapshot.Snapshot) {
			s.Members = slices.DeleteFunc(s.Members, func(m posthog.Member) bool { return m.User.Email == "dan@acme.example" })
		}, ""},
		{"an owner left out of a project's access", newest, func(s *snapshot.Snapshot) {
			s.Projects[0].SetUsersWithAccess([]posthog.UserAccess{})
		}, "users_with_access does not list"},
		{"near miss: and its record", newest, func(s *snapshot.Snapshot) {
			s.Projects[0].SetUsersWithAccess([]posthog.UserAccess{})
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionUsersWithAccess, ProjectID: pid(posthogsim.AcmeProductionID), Status: 200, Reason: "partial"})
		}, ""},
		{"a partial section marked n/a", newest, func(s *snapshot.Snapshot) {
			s.IdentityProviderConfigs = nil
			s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionIdentityProviderConfigs, Status: 404, NotApplicable: true, Cause: snapshot.CauseScannerNotAdmin})
		}, "says not_applicable and that the section is partial"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := decodeEdited(t, c.base, c.edit)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (!errors.Is(err, snapshot.ErrInconsistent) || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestAnApplicableRecordOnDataMarksItPartial: a record of a section that
// holds data is not a record without a hole: the data is kept, and the
// snapshot is incomplete.
func TestAnApplicableRecordOnDataMarksItPartial(t *testing.T) {
	t.Parallel()
	s := startAcme(t).collect(t, refNow)
	s.Missing = append(s.Missing, snapshot.Missing{Section: snapshot.SectionRoles, Endpoint: "/api/organizations/x/roles/r1/role_memberships/", Status: 500, Reason: "server error 500 after retries"})
	got, err := snapshot.Decode(marshal(t, s))
	if err != nil {
		t.Fatal(err)
	}
	if got.Complete() || len(got.Roles) == 0 {
		t.Errorf("complete %v roles %d", got.Complete(), len(got.Roles))
	}
}

// rewrite serves sim with the JSON body of paths ending in suffix changed
// by edit.
func rewrite(sim http.Handler, suffix string, edit func(body map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, suffix) {
			sim.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		edit(body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	})
}

func collectVia(t *testing.T, h http.Handler) *snapshot.Snapshot {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := posthog.New(srv.URL, posthogsim.AcmeScannerToken, posthog.WithRetry(1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	if _, err := snapshot.Decode(marshal(t, s)); err != nil {
		t.Fatalf("the collected snapshot does not load: %v", err)
	}
	return s
}

func recordOf(s *snapshot.Snapshot, section string, project int64) (snapshot.Missing, bool) {
	for _, m := range s.Missing {
		if m.Section == section && m.ProjectID != nil && *m.ProjectID == project {
			return m, true
		}
	}
	return snapshot.Missing{}, false
}

// TestCollectRecordsContradictions: answers PostHog cannot give (an owner
// left out of a project's users_with_access, a project detail without
// created_at) are recorded as partial evidence, never taken as the whole.
func TestCollectRecordsContradictions(t *testing.T) {
	t.Parallel()
	sim := posthogsim.New(posthogsim.Acme(refNow))
	s := collectVia(t, rewrite(sim, "/12345/users_with_access/", func(b map[string]any) {
		b["users"], b["total_count"] = []any{}, 0
	}))
	if m, ok := recordOf(s, snapshot.SectionUsersWithAccess, posthogsim.AcmeProductionID); !ok || m.NotApplicable || !strings.Contains(m.Reason, "an organization owner whom PostHog lets into every project") {
		t.Errorf("record %+v (found %v)", m, ok)
	}
	if s.Complete() {
		t.Error("complete")
	}
	// The detail is read where the projects' logs stand in for the
	// organization-wide one (2025 PostHog has none).
	sim2025 := posthogsim.New(posthogsim.Acme(refNow), posthogsim.WithDeployment(posthogsim.Deployment2025))
	s = collectVia(t, rewrite(sim2025, "/api/projects/12346/", func(b map[string]any) { b["created_at"] = nil }))
	if m, ok := recordOf(s, snapshot.SectionProjects, 12346); !ok || m.Reason != "the project's detail has no created_at" {
		t.Errorf("record %+v (found %v)", m, ok)
	}
	// Near miss: the answers as PostHog gives them.
	if s := collectVia(t, sim); !s.Complete() {
		t.Errorf("missing %+v", s.Missing)
	}
}

// TestCollectRecordsWhichLogsWereRead: the activity log says where it came
// from, so that a project's missing log cannot be edited away.
func TestCollectRecordsWhichLogsWereRead(t *testing.T) {
	t.Parallel()
	s := startAcme(t).collect(t, refNow)
	if src := s.ActivityLogSource; src == nil || src.Source != snapshot.ActivitySourceOrganization {
		t.Errorf("newest: %+v", src)
	}
	f := startAcme(t, posthogsim.WithDeployment(posthogsim.Deployment2025))
	f.sim.Inject(posthogsim.Fault{Path: "/api/projects/12346/activity_log/", Times: 10, Kind: posthogsim.Fault500})
	c, err := posthog.New(f.srv.URL, posthogsim.AcmeScannerToken, posthog.WithRetry(1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s, err = snapshot.Collect(context.Background(), c, snapshot.Options{Now: func() time.Time { return refNow }})
	if err != nil {
		t.Fatal(err)
	}
	if src := s.ActivityLogSource; src == nil || src.Source != snapshot.ActivitySourceProjects || !slices.Equal(src.ProjectIDs, []int64{12345}) {
		t.Errorf("2025 with a failed log: %+v", src)
	}
	if _, ok := recordOf(s, snapshot.SectionActivityLog, 12346); !ok {
		t.Errorf("no record for the failed log: %+v", s.Missing)
	}
	if !slices.Equal(s.AuditKeyEnvs, []string{}) {
		t.Errorf("audit key envs %v, want []", s.AuditKeyEnvs)
	}
}
