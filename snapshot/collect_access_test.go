package snapshot_test

import (
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// collectAt collects org as served by a simulator of deployment dep.
func collectAt(t *testing.T, org *posthogsim.Org, dep posthogsim.Deployment) *snapshot.Snapshot {
	t.Helper()
	return mustCollect(t, posthogsim.New(org, posthogsim.WithDeployment(dep)))
}

func explicitMembersRecord(s *snapshot.Snapshot) (snapshot.Missing, bool) {
	for _, m := range s.Missing {
		if m.Section == snapshot.SectionExplicitMembers {
			return m, true
		}
	}
	return snapshot.Missing{}, false
}

func TestCollectExplicitMembersAreEvidenceUnderLegacyPermissioning(t *testing.T) {
	t.Parallel()
	legacy := func(features ...string) *posthogsim.Org {
		o := posthogsim.Acme(refNow)
		o.Features = features
		o.Projects[0].AccessControl = true
		o.Projects[0].ExplicitMembers = []posthogsim.ExplicitMember{{ID: "e1", MemberID: o.Members[3].ID, Level: posthogsim.LevelMember, JoinedAt: refNow}}
		return o
	}
	// project_based_permissioning without advanced_permissions, on a
	// deployment that answers explicit_members 404 and does not show it is
	// the newest (its users_with_access and identity_provider_configs
	// failed): the private project's access is unknown, missing evidence.
	faulty := posthogsim.New(legacy("project_based_permissioning", "audit_logs"))
	for _, path := range []string{"/users_with_access/", "/identity_provider_configs/"} {
		faulty.Inject(posthogsim.Fault{Path: path, Times: 100, Kind: posthogsim.Fault500})
	}
	s := mustCollect(t, faulty, posthog.WithRetry(1, 0))
	m, ok := explicitMembersRecord(s)
	if !ok || m.NotApplicable || m.ProjectID == nil || *m.ProjectID != posthogsim.AcmeProductionID || m.Status != 404 ||
		!strings.Contains(m.Reason, "project_based_permissioning without advanced_permissions") {
		t.Fatalf("want a missing (not n/a) explicit_members record for Production, got %+v (found %v)", m, ok)
	}
	if s.Complete() {
		t.Error("the snapshot must not be complete")
	}
	// Near miss: the newest deployment shows itself (users_with_access and
	// identity_provider_configs served); it ignores the flag and
	// project_based_permissioning, so the 404 is only "not applicable".
	s = collectAt(t, legacy("project_based_permissioning", "audit_logs"), posthogsim.Newest)
	if m, ok := explicitMembersRecord(s); !ok || !m.NotApplicable || !strings.Contains(m.Reason, "the newest PostHog ignores") {
		t.Errorf("on the newest deployment the 404 is not applicable, got %+v (found %v)", m, ok)
	}
	// Near miss: with advanced_permissions the legacy flag is inert on every
	// deployment.
	faulty = posthogsim.New(legacy("project_based_permissioning", "advanced_permissions", "audit_logs"))
	faulty.Inject(posthogsim.Fault{Path: "/identity_provider_configs/", Times: 100, Kind: posthogsim.Fault500})
	faulty.Inject(posthogsim.Fault{Path: "/users_with_access/", Times: 100, Kind: posthogsim.Fault500})
	s = mustCollect(t, faulty, posthog.WithRetry(1, 0))
	if m, ok := explicitMembersRecord(s); !ok || !m.NotApplicable {
		t.Errorf("with advanced_permissions the 404 is not applicable, got %+v (found %v)", m, ok)
	}
	// The 2025 deployment serves them: collected.
	s = collectAt(t, legacy("project_based_permissioning", "audit_logs"), posthogsim.Deployment2025)
	if m, ok := explicitMembersRecord(s); ok {
		t.Errorf("2025 serves explicit_members, got %+v", m)
	}
	if got := s.Projects[0].ExplicitMembers; len(got) != 1 || got[0].User.UUID == "" {
		t.Errorf("explicit members = %+v", got)
	}
}

// mustCollect collects from sim with the client options given and fails
// the test on a fatal error.
func mustCollect(t *testing.T, sim *posthogsim.Server, opts ...posthog.Option) *snapshot.Snapshot {
	t.Helper()
	s, err := collectFrom(t, sim, snapshot.Options{}, opts...)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return s
}

func TestCollectDecodesMostSpecificResolution(t *testing.T) {
	t.Parallel()
	o := posthogsim.Acme(refNow)
	yes := true
	o.UsesMostSpecificAccessResolution = &yes
	if s := collectAt(t, o, posthogsim.Newest); s.Organization.UsesMostSpecificAccessResolution == nil || !*s.Organization.UsesMostSpecificAccessResolution {
		t.Errorf("uses_most_specific_access_resolution = %v, want true", s.Organization.UsesMostSpecificAccessResolution)
	}
	// null and absent (2025) are both the legacy resolution: nil
	if s := collectAt(t, posthogsim.Acme(refNow), posthogsim.Newest); s.Organization.UsesMostSpecificAccessResolution != nil {
		t.Errorf("null: got %v", *s.Organization.UsesMostSpecificAccessResolution)
	}
	if s := collectAt(t, o, posthogsim.Deployment2025); s.Organization.UsesMostSpecificAccessResolution != nil {
		t.Errorf("2025: got %v", *s.Organization.UsesMostSpecificAccessResolution)
	}
}
