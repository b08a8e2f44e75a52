package drift

import (
	"testing"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

func TestGaps(t *testing.T) {
	missing := func(section string, project *int64) snapshot.Missing {
		return snapshot.Missing{Section: section, ProjectID: project, Endpoint: "/x/", Status: 403, Reason: "missing scope x:read"}
	}
	cases := []struct {
		name   string
		edit   func(o, n *snapshot.Snapshot)
		tables func(o, n *access.Table) (*access.Table, *access.Table)
		gaps   []string
		// changes are the changes still claimed.
		changes []string
	}{
		{name: "members missing in new: no member or access change claimed", edit: func(o, n *snapshot.Snapshot) {
			member(n, "m-bob").Level = posthog.LevelAdmin // unseen
			n.Members = nil
			n.Missing = append(n.Missing, missing(snapshot.SectionMembers, nil))
		}, gaps: []string{"members new", "project_access new"}},
		{name: "near miss: a not-applicable record elsewhere", edit: func(o, n *snapshot.Snapshot) {
			n.Missing = append(n.Missing, snapshot.Missing{Section: snapshot.SectionIdentityProviderConfigs, Status: 404, NotApplicable: true, Reason: "not applicable on this deployment"})
		}},
		{name: "roles partial in old", edit: func(o, n *snapshot.Snapshot) {
			o.Missing = append(o.Missing, snapshot.Missing{Section: snapshot.SectionRoles, Cause: snapshot.CauseScannerNotAdmin, Reason: "the scanning key is not an admin's"})
			n.Roles = append(n.Roles, snapshot.Role{ID: "r-ops", Name: "Ops"})
		}, gaps: []string{"roles old"}},
		{name: "one project's rules missing in new", edit: func(o, n *snapshot.Snapshot) {
			project(n, 1).ResourceAccessControls.AccessControls[0].AccessLevel = "editor"
			p := project(n, 2)
			p.AccessControls.AccessControls[1].AccessLevel = "admin" // unseen
			p.AccessControls = nil
			n.Missing = append(n.Missing, missing(snapshot.SectionAccessControls, ptr(int64(2))))
		}, gaps: []string{"access_controls p2 new", "project_access p2 new"}, changes: []string{
			"resource_access member:bob@acme.example p1 feature_flag viewer→editor",
			"resource_access member:carol@acme.example p1 feature_flag viewer→editor",
			"rule_changed everyone p1 feature_flag viewer→editor",
		}},
		{name: "the table cannot tell a project's resources", tables: func(o, n *access.Table) (*access.Table, *access.Table) {
			o.Projects[1].ResourcesKnown, o.Projects[1].Resources = false, nil
			return o, n
		}, gaps: []string{"resource_access p1 old"}},
		{name: "a resource only one table has", tables: func(o, n *access.Table) (*access.Table, *access.Table) {
			n.Projects[2].Resources["insight"] = map[string]access.Grant{}
			return o, n
		}, gaps: []string{"resource_access p2 old"}},
		{name: "no table", tables: func(o, n *access.Table) (*access.Table, *access.Table) { return o, nil },
			gaps: []string{"project_access new"}},
		{name: "an audit key missing", edit: func(o, n *snapshot.Snapshot) {
			n.APIKeys[1].Scopes = []string{"*"} // unseen
			n.Missing = append(n.Missing, snapshot.Missing{Section: snapshot.SectionAPIKeys, AuditKeyEnv: "BI_KEY", Status: 401, Reason: "rejected"})
		}, gaps: []string{"api_keys new"}},
		{name: "a key of a variable the old snapshot did not audit", edit: func(o, n *snapshot.Snapshot) {
			n.AuditKeyEnvs = append(n.AuditKeyEnvs, "OPS_KEY")
			n.APIKeys = append(n.APIKeys, snapshot.APIKey{Source: snapshot.KeySourceAudit, Env: "OPS_KEY", PersonalAPIKey: posthog.PersonalAPIKey{ID: "k-ops", Label: "ops", Scopes: []string{"*"}}})
		}, gaps: []string{"api_keys old"}},
		{name: "activity log missing in new: a gap, and nothing is attributed", edit: func(o, n *snapshot.Snapshot) {
			n.Organization.Enforce2FA = ptr(true)
			n.ActivityLog, n.ActivityLogSource, n.OrganizationActivity = nil, nil, nil
			n.Missing = append(n.Missing, missing(snapshot.SectionActivityLog, nil))
		}, gaps: []string{"activity_log new"}, changes: []string{"org_setting org:Acme enforce_2fa false→true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := baseSnapshot()
			n := later(t, o, t1)
			if tc.edit != nil {
				tc.edit(o, n)
			}
			ot, nt := simpleTable(o), simpleTable(n)
			if tc.tables != nil {
				ot, nt = tc.tables(ot, nt)
			}
			r, err := Compare(o, n, ot, nt, Options{})
			if err != nil {
				t.Fatal(err)
			}
			wantGaps(t, r, tc.gaps)
			wantChanges(t, r, tc.changes)
			for _, g := range r.Gaps {
				if g.Reason == "" {
					t.Errorf("gap %+v has no reason", g)
				}
			}
		})
	}
}
