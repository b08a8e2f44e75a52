package drift

import (
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot"
)

// A setting PostHog did not send on one side is not drift (nil is no
// "false"), nor "no change": a gap naming the field. Near misses: nil on
// both sides (the deployment does not have it) claims nothing; a real
// change is one.
func TestUnreportedSetting(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(o, n *snapshot.Snapshot)
		gaps    []string
		reason  string
		changes []string
	}{
		{name: "enforce_2fa not reported in new", edit: func(o, n *snapshot.Snapshot) { n.Organization.Enforce2FA = nil },
			gaps: []string{"org_setting new"}, reason: "PostHog did not report enforce_2fa of organization Acme"},
		{name: "members_can_see_org_members not reported in old", edit: func(o, n *snapshot.Snapshot) { o.Organization.MembersCanSeeOrgMembers = nil },
			gaps: []string{"org_setting old"}, reason: "members_can_see_org_members"},
		{name: "the access resolution not reported in new is the organization's gap", edit: func(o, n *snapshot.Snapshot) {
			o.Organization.UsesMostSpecificAccessResolution, n.Organization.UsesMostSpecificAccessResolution = ptr(true), nil
		}, gaps: []string{"organization new"}, reason: "uses_most_specific_access_resolution"},
		{name: "near miss: not reported on both sides", edit: func(o, n *snapshot.Snapshot) {
			o.Organization.UsesMostSpecificAccessResolution, n.Organization.UsesMostSpecificAccessResolution = nil, nil
		}},
		{name: "near miss: a real change", edit: func(o, n *snapshot.Snapshot) { n.Organization.Enforce2FA = ptr(true) },
			changes: []string{"org_setting org:Acme enforce_2fa false→true"}},
		{name: "scim_enabled not reported in old", edit: func(o, n *snapshot.Snapshot) { n.Domains[0].SCIMEnabled = ptr(false) },
			gaps: []string{"domain_setting old"}, reason: "PostHog did not report scim_enabled of domain acme.example"},
		{name: "near miss: scim_enabled turned on", edit: func(o, n *snapshot.Snapshot) {
			o.Domains[0].SCIMEnabled, n.Domains[0].SCIMEnabled = ptr(false), ptr(true)
		}, changes: []string{"domain_setting domain:acme.example scim_enabled false→true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := compareEdited(t, tc.edit)
			wantGaps(t, r, tc.gaps)
			wantChanges(t, r, tc.changes)
			if tc.reason != "" && len(r.Gaps) > 0 && !strings.Contains(r.Gaps[0].Reason, tc.reason) {
				t.Errorf("gap reason %q does not say %q", r.Gaps[0].Reason, tc.reason)
			}
		})
	}
}
