package posthog_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// roundTrip decodes api into a T, checks it against want, then marshals it
// and decodes it again (as a snapshot file is read back) and checks that
// nothing changed.
func roundTrip[T any](t *testing.T, api string, want T) {
	t.Helper()
	var got T
	if err := json.Unmarshal([]byte(api), &got); err != nil {
		t.Fatalf("decode api form: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("api form (-want +got):\n%s", diff)
	}
	stored, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back T
	if err := json.Unmarshal(stored, &back); err != nil {
		t.Fatalf("decode stored form %s: %v", stored, err)
	}
	if diff := cmp.Diff(got, back); diff != "" {
		t.Errorf("round trip through %s (-before +after):\n%s", stored, diff)
	}
}

func TestOrganizationFeatures(t *testing.T) {
	t.Run("objects", func(t *testing.T) {
		roundTrip(t, `{"id":"o","name":"Acme","unknown_field":{"x":1},"available_product_features":[
			{"key":"saml","name":"SAML SSO"},{"key":"audit_logs","name":"Audit logs","limit":null},{"key":"saml","name":"again"}]}`,
			posthog.Organization{ID: "o", Name: "Acme", AvailableProductFeatures: []string{"audit_logs", "saml"}})
	})
	t.Run("keys", func(t *testing.T) {
		roundTrip(t, `{"id":"o","available_product_features":["scim","access_control"]}`,
			posthog.Organization{ID: "o", AvailableProductFeatures: []string{"access_control", "scim"}})
	})
	t.Run("null", func(t *testing.T) {
		roundTrip(t, `{"id":"o","available_product_features":null,"enforce_2fa":null}`, posthog.Organization{ID: "o"})
	})
	t.Run("empty", func(t *testing.T) {
		roundTrip(t, `{"id":"o","available_product_features":[]}`, posthog.Organization{ID: "o", AvailableProductFeatures: []string{}})
	})
	t.Run("bad", func(t *testing.T) {
		var o posthog.Organization
		if err := json.Unmarshal([]byte(`{"available_product_features":[3]}`), &o); err == nil {
			t.Error("a number feature decoded without error")
		}
	})
}

func TestCurrentUserOrganizationID(t *testing.T) {
	roundTrip(t, `{"id":101,"uuid":"u","email":"alice@acme.example","is_2fa_enabled":true,
		"organization":{"id":"org-1","name":"Acme","membership_level":15},"organizations":[{"id":"org-1"}]}`,
		posthog.CurrentUser{ID: 101, UUID: "u", Email: "alice@acme.example", Is2FAEnabled: true, OrganizationID: "org-1"})
	roundTrip(t, `{"id":101,"organization":null}`, posthog.CurrentUser{ID: 101})
}

func TestInvitePrivateProjectAccessLevels(t *testing.T) {
	roundTrip(t, `{"id":"i","target_email":"x@acme.example","level":8,"created_at":"2026-01-02T03:04:05.000000Z",
		"private_project_access":[{"id":1,"level":1},{"id":2,"level":8},{"id":3,"level":"member"},{"id":4,"level":15},{"id":5,"level":null}]}`,
		posthog.Invite{
			ID: "i", TargetEmail: "x@acme.example", Level: 8,
			CreatedAt: mustTime(t, "2026-01-02T03:04:05Z"),
			PrivateProjectAccess: []posthog.ProjectAccess{
				{ID: 1, Level: "member"}, {ID: 2, Level: "admin"}, {ID: 3, Level: "member"}, {ID: 4, Level: "15"}, {ID: 5},
			},
		})
	var inv posthog.Invite
	if err := json.Unmarshal([]byte(`{"private_project_access":[{"id":1,"level":true}]}`), &inv); err == nil {
		t.Error("a boolean level decoded without error")
	}
}

func TestActivityLogEntryTeamID(t *testing.T) {
	id := int64(12345)
	t.Run("team", func(t *testing.T) {
		roundTrip(t, `{"id":"a","team_id":12345,"activity":"deleted","scope":"FeatureFlag","created_at":"2026-01-02T03:04:05Z",
			"detail":{"name":"new-checkout","changes":[{"type":"FeatureFlag","action":"changed","field":"deleted","before":false,"after":true}],"trigger":null,"context":null}}`,
			posthog.ActivityLogEntry{
				ID: "a", TeamID: &id, HasTeamID: true, Activity: "deleted", Scope: "FeatureFlag",
				CreatedAt: mustTime(t, "2026-01-02T03:04:05Z"),
				Detail: &posthog.ActivityDetail{Name: ptr("new-checkout"), Changes: []posthog.ActivityChange{
					{Type: "FeatureFlag", Action: "changed", Field: ptr("deleted"), Before: json.RawMessage("false"), After: json.RawMessage("true")},
				}},
			})
	})
	t.Run("organization level", func(t *testing.T) {
		roundTrip(t, `{"id":"a","team_id":null,"created_at":"2026-01-02T03:04:05Z"}`,
			posthog.ActivityLogEntry{ID: "a", HasTeamID: true, CreatedAt: mustTime(t, "2026-01-02T03:04:05Z")})
	})
	t.Run("absent", func(t *testing.T) {
		var e posthog.ActivityLogEntry
		if err := json.Unmarshal([]byte(`{"id":"a","created_at":"2026-01-02T03:04:05Z"}`), &e); err != nil {
			t.Fatal(err)
		}
		if e.HasTeamID || e.TeamID != nil {
			t.Errorf("entry without team_id = %+v", e)
		}
	})
}

func TestAccessControlNullLevel(t *testing.T) {
	roundTrip(t, `{"access_controls":[{"access_level":null,"resource":"project","resource_id":"1","organization_member":null,"role":"r"}],"default_access_level":"admin"}`,
		posthog.AccessControlList{
			AccessControls:     []posthog.AccessControl{{Resource: "project", ResourceID: ptr("1"), Role: ptr("r")}},
			DefaultAccessLevel: "admin",
		})
}

func ptr[T any](v T) *T { return &v }
