package drift

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot"
)

// rejoin makes bob leave and rejoin between the snapshots: a new
// organization membership (m-bob2) of the same user and email, and (PostHog
// deletes a member's role memberships with the membership) a new role
// membership of Finance.
func rejoin(n *snapshot.Snapshot) {
	member(n, "m-bob").ID = "m-bob2"
	n.Roles[1].Members[0] = snapshot.RoleMember{ID: "rm-bob2", MembershipID: "m-bob2", UserUUID: "u-m-bob", Email: "bob@acme.example", JoinedAt: tMid}
}

// A member who left and rejoined: the leave explains the old membership's
// lost access and the join the new one's gained access, each attributed to
// its own log entry; never "2 changes may explain it".
func TestRejoinJoinsEachMembership(t *testing.T) {
	o := baseSnapshot()
	n := later(t, o, t1)
	rejoin(n)
	left, joined := tMid.Add(-2*3600e9), tMid.Add(-3600e9)
	n.ActivityLog = append(n.ActivityLog,
		entry("e-left", "alice@acme.example", "OrganizationMembership", "deleted", "m-bob", left),
		entry("e-join", "dan@acme.example", "OrganizationMembership", "created", "m-bob2", joined))
	r := compare(t, o, n)
	var got []string
	for _, c := range r.Changes {
		if strings.Contains(c.Detail, "may explain") {
			t.Errorf("%s: %s", show(c), c.Detail)
		}
		if c.Kind == KindProjectAccess {
			got = append(got, show(c)+" | "+c.Detail)
		}
	}
	want := []string{
		"project_access member:bob@acme.example p1 member→none by alice@acme.example | cause: bob@acme.example left the organization (was member), removed by alice@acme.example on 2026-11-30",
		"project_access member:bob@acme.example p1 none→member by dan@acme.example | cause: bob@acme.example joined the organization as member, added by dan@acme.example on 2026-11-30",
		"project_access member:bob@acme.example p2 member→none by alice@acme.example | cause: bob@acme.example left the organization (was member), removed by alice@acme.example on 2026-11-30",
		// Payments through role Finance: the new membership's role
		// membership (re-made after the join; PostHog deleted the old one
		// with the old membership), not the join.
		"project_access member:bob@acme.example p2 none→member @2026-11-30 | cause: bob@acme.example was added to role Finance, on 2026-11-30",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("access changes (-want +got):\n%s", diff)
	}
}

// Near miss: a member who only changed level is one membership; the level
// change explains the access it gave.
func TestRejoinNearMissSameMembership(t *testing.T) {
	o := baseSnapshot()
	n := later(t, o, t1)
	member(n, "m-carol").Level = 8
	n.ActivityLog = append(n.ActivityLog, entry("e1", "alice@acme.example", "OrganizationMembership", "updated", "m-carol", tMid, fieldChange("level", 1, 8)))
	r := compare(t, o, n)
	for _, c := range r.Changes {
		if c.Kind == KindProjectAccess && (c.By == nil || c.By.EntryID != "e1") {
			t.Errorf("%s not joined to the level change: %q", show(c), c.Detail)
		}
	}
}

// Role members are keyed to one identity whichever fields a side carries:
// a side without user_uuid, or without membership_id, is no added+removed
// pair. Near miss: another member in the role is a change.
func TestRoleMemberIdentity(t *testing.T) {
	cases := []struct {
		name string
		edit func(o, n *snapshot.Snapshot)
		want []string
	}{
		{name: "old side without user_uuid", edit: func(o, n *snapshot.Snapshot) { o.Roles[1].Members[0].UserUUID = "" }},
		{name: "new side without membership_id", edit: func(o, n *snapshot.Snapshot) { n.Roles[1].Members[0].MembershipID = "" }},
		{name: "new side with the email alone", edit: func(o, n *snapshot.Snapshot) {
			n.Roles[1].Members[0].MembershipID, n.Roles[1].Members[0].UserUUID = "", ""
		}},
		{name: "near miss: carol replaces bob in Finance", edit: func(o, n *snapshot.Snapshot) {
			n.Roles[1].Members[0] = snapshot.RoleMember{ID: "rm-carol2", UserUUID: "u-m-carol", Email: "carol@acme.example"}
		}, want: []string{
			"role_member_added role:Finance carol@acme.example →Finance",
			"role_member_removed role:Finance bob@acme.example Finance→",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := compareEdited(t, tc.edit)
			var got []string
			for _, c := range r.Changes {
				if c.Group == GroupRoles {
					got = append(got, show(c))
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("role changes (-want +got):\n%s", diff)
			}
		})
	}
}
