package posthogsim

import (
	"fmt"
	"time"
)

// Acme's identifiers and personal API key tokens. The tokens are fixture
// values, valid only against a Server serving Acme.
const (
	// AcmeOrgID is the id of Acme Analytics.
	AcmeOrgID = "0190a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"
	// AcmeProductionID and AcmeStagingID are Acme's project ids.
	AcmeProductionID int64 = 12345
	AcmeStagingID    int64 = 12346

	// AcmeScannerToken is the scanning key "access-snapshot" (owner alice):
	// exactly the read scopes hogaudit needs, scoped to the organization.
	AcmeScannerToken = "phx_cLq0tI1jkszp88r7fYkDc96kVncLVPFjTTZ2bdC3"
	// AcmeBIKeyToken is "bi-dashboard-readonly" (owner bi-bot).
	AcmeBIKeyToken = "phx_7H4KVPRIVrEScHcEYpYGky8q06jrTAGiDO5psXGH"
	// AcmeFlagKeyToken is "flag-service" (owner flags-bot), stale.
	AcmeFlagKeyToken = "phx_gQT4Rrg3iuRfFkKfeb3Q1MSc0sorvCNqpafMuhXX"
	// AcmeLegacyKeyToken is "bi-legacy" (owner bi-bot), with scope "*".
	AcmeLegacyKeyToken = "phx_F9WXIGEYSslBo43qgguc6STNscLelQdVJoKerzsd"
)

// AcmeAuditKeys maps the environment variable names `hogaudit demo` uses
// for --audit-key-env to Acme's service-account key tokens. Treat it as
// read-only.
var AcmeAuditKeys = map[string]string{
	"ACME_BI_KEY":     AcmeBIKeyToken,
	"ACME_FLAG_KEY":   AcmeFlagKeyToken,
	"ACME_LEGACY_KEY": AcmeLegacyKeyToken,
}

// acmePerson describes one Acme member.
type acmePerson struct {
	name, first, last, email, distinct, job string
	level                                   int
	joinedDaysAgo                           int
	lastLoginDaysAgo                        int // -1: never
	twoFA, social                           bool
}

// Acme returns the demo organization, Acme Analytics, with every time
// relative to now, so that its findings against examples/access-matrix.yaml
// are the same whatever the date. It carries deliberate violations of that
// matrix — three owners where two are allowed, an engineer (dan) with admin
// on Production, SSO enforced with google-oauth2 where SAML is required, a
// dormant member (grace), an external member (heidi), a pending admin-level
// invite (ivan), a wildcard key, a stale flag-service key, a flag deleted in
// Production by an engineer — and near-misses that must not violate it: a
// new member who never logged in (judy), a member without 2FA who signs in
// with SSO (frank), an expired admin invite, a flag deletion in Staging and
// one outside the 30-day lookback, a 2FA requirement turned on and an owner
// promotion by an allowed admin.
func Acme(now time.Time) *Org {
	now = now.UTC().Truncate(time.Second)
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * 24 * time.Hour) }
	agoPtr := func(days int) *time.Time { return ptr(ago(days)) }
	yes, no := true, false

	people := []acmePerson{
		{"alice", "Alice", "Martin", "alice@acme.example", "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ", "founder", LevelOwner, 3 * 365, 1, true, false},
		{"bob", "Bob", "Schmidt", "bob@acme.example", "2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlS", "engineering", LevelOwner, 900, 2, true, false},
		{"carol", "Carol", "Nguyen", "carol@acme.example", "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD", "leadership", LevelOwner, 730, 1, true, false},
		{"dan", "Dan", "Okafor", "dan@acme.example", "e1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnXsiVpzz63", "engineering", LevelMember, 700, 1, true, false},
		{"erin", "Erin", "Kowalski", "erin@acme.example", "FfkCzJr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIxNK", "engineering", LevelMember, 540, 3, true, false},
		{"judy", "Judy", "Park", "judy@acme.example", "u8iS2G8NPRVdD53X83RZJzzzzgEOzdmenCkhvMdgaKj", "engineering", LevelMember, 10, -1, true, false},
		{"frank", "Frank", "Moreau", "frank@acme.example", "Ig8xNbe3nNyjOq9wMxEhh2FDEEtfjgVvVqE1SkHbn88", "product", LevelMember, 440, 2, false, true},
		{"grace", "Grace", "Hopper", "grace@acme.example", "HxjSI6bWHtP3fS2qHx6kwXoIIXGvOoNZYW2mZp0zVZo", "product", LevelMember, 730, 200, true, false},
		{"heidi", "Heidi", "Larsen", "heidi@contractor.example", "mHFwUbbYrEqmSM9wCZ7Uw9xfogoEmvnEN5N1aE6PwZP", "product", LevelMember, 400, 1, true, false},
		{"bi-bot", "BI", "Bot", "bi-bot@acme.example", "f1Qh6yYTWmE4lBYOvfZ8UzDzV8fUkkibjL5DZPjN0ME", "data", LevelMember, 380, 2, true, false},
		{"flags-bot", "Flags", "Bot", "flags-bot@acme.example", "Q7wjJJibaZUPgHV7iB3m03nbqnsGpWLuqIA1id6Vw5D", "engineering", LevelMember, 550, 3, true, false},
	}
	o := &Org{
		ID:                           AcmeOrgID,
		Name:                         "Acme Analytics",
		Slug:                         "acme-analytics",
		CreatedAt:                    ago(3*365 + 30),
		Enforce2FA:                   &yes,
		MembersCanInvite:             &no,
		MembersCanUsePersonalAPIKeys: true,
		AllowPubliclySharedResources: false,
		// access_control beside advanced_permissions, as PostHog's billing
		// lists them while the newer key propagates (posthog/constants.py:
		// "Remove this once access_control is propagated"): the newest
		// deployment checks the first, the 2025 one the second, so Acme's
		// rules are enforced on both.
		Features: []string{
			"sso_enforcement", "saml", "scim", "automatic_provisioning", "role_based_access",
			"access_control", "advanced_permissions", "audit_logs", "organization_security_settings",
			"organization_invite_settings",
		},
		// A PostHog Cloud customer: Google, GitHub and GitLab sign-in are
		// configured, so acme.example's google-oauth2 enforcement is in
		// effect (and exempts its members from the 2FA challenge).
		Instance: CloudInstance(),
	}
	uid := map[string]int64{}
	mid := map[string]string{}
	for i, p := range people {
		id := int64(101 + i)
		uid[p.name] = id
		mid[p.name] = fmt.Sprintf("0190a1b2-1111-7000-8000-00000000a%03d", id)
		var login *time.Time
		if p.lastLoginDaysAgo >= 0 {
			// Logins during the working day before, not exactly a day ago.
			t := ago(p.lastLoginDaysAgo).Add(-3 * time.Hour)
			login = &t
		}
		o.Members = append(o.Members, Member{
			ID: mid[p.name],
			User: User{
				ID: id, UUID: fmt.Sprintf("0190a1b2-0000-7000-8000-%012d", id), DistinctID: p.distinct,
				Email: p.email, FirstName: p.first, LastName: p.last, RoleAtOrganization: p.job,
			},
			Level:         p.level,
			JoinedAt:      ago(p.joinedDaysAgo),
			LastLogin:     login,
			Is2FAEnabled:  p.twoFA,
			HasSocialAuth: p.social,
		})
	}

	const (
		engineering = "0190a1b2-2222-7000-8000-000000000001"
		product     = "0190a1b2-2222-7000-8000-000000000002"
	)
	roleMembers := func(first int, names ...string) []RoleMember {
		var out []RoleMember
		for i, n := range names {
			out = append(out, RoleMember{
				ID:       fmt.Sprintf("0190a1b2-3333-7000-8000-%012d", first+i),
				MemberID: mid[n],
				JoinedAt: ago(300 - 10*i),
			})
		}
		return out
	}
	o.Roles = []Role{
		{ID: engineering, Name: "Engineering", CreatedAt: ago(400), CreatedBy: uid["alice"], Members: roleMembers(1, "dan", "erin", "judy")},
		{ID: product, Name: "Product", CreatedAt: ago(400), CreatedBy: uid["alice"], Members: roleMembers(4, "frank", "grace", "heidi")},
	}
	// judy joined ten days ago: so did her role membership.
	o.Roles[0].Members[2].JoinedAt = ago(10)

	rule := func(member, role, level string) AccessRule {
		return AccessRule{MemberID: member, RoleID: role, Level: level, CreatedBy: uid["alice"], CreatedAt: ago(180)}
	}
	production := Project{
		ID: AcmeProductionID, UUID: "0186d2c1-5b2e-0000-9a61-7f3c2a1b0e01", Name: "Production",
		CreatedAt: ago(3 * 365), Timezone: "Europe/Berlin",
		APIToken:                    "phc_mL7jfhhR4agky9IdLFBNEiTozq8FafmpJqNeNlTZ",
		SecretAPIToken:              "phs_WIXRCtTyibWF4lH5Zs0p3oGDffj0HeEZjLT34TrY",
		SecretAPITokenBackup:        "phs_rg190o5LXLUxCIJtOuJHWBbl0WGHgnOKMoicjijf",
		LiveEventsToken:             "eyJhbGciOiJIUzI1NiJ9.PSUlNbqg8M4KzZKObVeLpy4UHfZQPfCcBdsKmvcgr4C659Ap.iBkXhP8uQJovskSlWcFA4tKo4MksZguh2mte5w7dl8j",
		ReceiveOrgLevelActivityLogs: true,
		AccessControls: []AccessRule{
			rule("", "", "none"),
			rule("", engineering, "member"),
			rule("", product, "member"),
			rule(mid["bi-bot"], "", "member"),
			rule(mid["flags-bot"], "", "member"),
			// An engineer with admin on Production: the matrix allows member.
			rule(mid["dan"], "", "admin"),
		},
		ResourceAccessControls: []AccessRule{
			{Resource: "feature_flag", RoleID: product, Level: "viewer", CreatedBy: uid["alice"], CreatedAt: ago(170)},
		},
	}
	staging := Project{
		ID: AcmeStagingID, UUID: "0186d2c1-5b2e-0000-9a61-7f3c2a1b0e02", Name: "Staging",
		CreatedAt: ago(2 * 365), Timezone: "UTC",
		APIToken:                    "phc_mcNlP0rpyOMGmSEgMpzmVzMOzjwMrheEJ1pNBDFE",
		SecretAPIToken:              "phs_JYeD9D0VVk6vQ7sTwSkZ57aT9jdcCbBrBBEYoIW2",
		SecretAPITokenBackup:        "phs_reXOzEcD4QaQnp26z3Qx8T2It83bGL8hdfYE0CyJ",
		LiveEventsToken:             "eyJhbGciOiJIUzI1NiJ9.3iGl88hsueNCTiUUghSemvsmESL29vLRBirAEII8os4aGvkn.epepJrwUBMMbL6xE5u01XMgy7WlZn39QoKHRaHjWOeI",
		ReceiveOrgLevelActivityLogs: true,
		AccessControls: []AccessRule{
			rule("", "", "none"),
			rule("", engineering, "admin"),
			rule("", product, "member"),
		},
	}

	entry := func(n int, user, scope, activity, item string, daysAgo int, d ActivityDetail) ActivityEntry {
		return ActivityEntry{
			ID:       fmt.Sprintf("0193b4c5-9999-7000-8000-%012d", n),
			UserID:   uid[user],
			Activity: activity, Scope: scope, ItemID: item,
			CreatedAt: ago(daysAgo).Add(-time.Duration(n) * time.Minute),
			IPAddress: "203.0.113." + fmt.Sprint(10+n),
			Detail:    d,
		}
	}
	flag := func(name, action string, field string, before, after any) ActivityDetail {
		return ActivityDetail{Name: name, Changes: []ActivityChange{
			{Type: "FeatureFlag", Action: action, Field: field, Before: before, After: after},
		}}
	}
	production.Activity = []ActivityEntry{
		// The deliberate violation: an engineer deletes a flag in Production.
		entry(1, "erin", "FeatureFlag", "deleted", "4711", 5, flag("new-checkout", "changed", "deleted", false, true)),
		entry(2, "dan", "FeatureFlag", "updated", "4712", 3, flag("onboarding-v2", "changed", "rollout_percentage", 20, 50)),
		// Outside a 30-day lookback.
		entry(3, "erin", "FeatureFlag", "deleted", "4690", 45, flag("legacy-banner", "changed", "deleted", false, true)),
		entry(4, "frank", "Insight", "created", "9001", 2, ActivityDetail{Name: "Weekly revenue"}),
		entry(5, "heidi", "Insight", "updated", "9002", 7, ActivityDetail{Name: "Signup funnel", Changes: []ActivityChange{
			{Type: "Insight", Action: "changed", Field: "name", Before: "Signups", After: "Signup funnel"},
		}}),
	}
	staging.Activity = []ActivityEntry{
		// Allowed: engineering may delete flags in Staging.
		entry(6, "erin", "FeatureFlag", "deleted", "5101", 4, flag("staging-experiment", "changed", "deleted", false, true)),
		entry(7, "dan", "FeatureFlag", "created", "5102", 8, ActivityDetail{Name: "checkout-redesign"}),
		entry(8, "frank", "Insight", "created", "9101", 12, ActivityDetail{Name: "Staging smoke test"}),
	}
	o.Projects = []Project{production, staging}

	const (
		scannerKeyID = "0190a1b2-8888-7000-8000-000000000001"
		biKeyID      = "0190a1b2-8888-7000-8000-000000000002"
		flagKeyID    = "0190a1b2-8888-7000-8000-000000000003"
		legacyKeyID  = "0190a1b2-8888-7000-8000-000000000004"
	)
	o.Activity = []ActivityEntry{
		entry(9, "alice", "Organization", "updated", AcmeOrgID, 20, ActivityDetail{
			Name: "Acme Analytics",
			Changes: []ActivityChange{{
				Type: "Organization", Action: "changed", Field: "two-factor authentication requirement",
				Before: nil, After: true,
			}},
		}),
		entry(10, "alice", "OrganizationMembership", "updated", mid["carol"], 25, ActivityDetail{
			Name:    "Carol Nguyen (carol@acme.example) membership updated in Acme Analytics",
			Changes: []ActivityChange{{Type: "OrganizationMembership", Action: "changed", Field: "level", Before: 1, After: 15}},
			Context: map[string]any{
				"organization_id": AcmeOrgID, "organization_name": "Acme Analytics",
				"user_id": fmt.Sprint(uid["carol"]), "user_email": "carol@acme.example",
				"user_name": "Carol Nguyen", "level": "owner",
			},
		}),
		entry(11, "bi-bot", "PersonalAPIKey", "created", legacyKeyID, 10, ActivityDetail{
			Name: "bi-legacy",
			Context: map[string]any{
				"user_id": uid["bi-bot"], "user_email": "bi-bot@acme.example", "user_name": "BI Bot",
				"organization_name": "Acme Analytics", "team_name": "Production",
			},
		}),
		entry(12, "alice", "OrganizationInvite", "created", "0190a1b2-4444-7000-8000-000000000001", 1, ActivityDetail{
			Name:    "User Alice Martin (alice@acme.example) invited user ivan@acme.example into organization Acme Analytics",
			Changes: []ActivityChange{{Type: "OrganizationInvite", Action: "created"}},
			Context: map[string]any{
				"organization_id": AcmeOrgID, "organization_name": "Acme Analytics",
				"target_email": "ivan@acme.example", "inviter_user_id": fmt.Sprint(uid["alice"]),
				"inviter_user_email": "alice@acme.example", "inviter_user_name": "Alice Martin", "level": "administrator",
			},
		}),
	}

	o.Invites = []Invite{
		{
			ID: "0190a1b2-4444-7000-8000-000000000001", TargetEmail: "ivan@acme.example", FirstName: "Ivan",
			Level: LevelAdmin, CreatedBy: uid["alice"], CreatedAt: ago(1).Add(-time.Duration(12) * time.Minute),
			PrivateProjectAccess: []ProjectAccess{{ProjectID: AcmeProductionID, Level: "admin"}},
		},
		{
			ID: "0190a1b2-4444-7000-8000-000000000002", TargetEmail: "kim@acme.example", FirstName: "Kim",
			Level: LevelMember, CreatedBy: uid["bob"], CreatedAt: ago(2), Message: "Welcome aboard",
		},
		{
			ID: "0190a1b2-4444-7000-8000-000000000003", TargetEmail: "contractor@external.example",
			Level: LevelAdmin, CreatedBy: uid["alice"], CreatedAt: ago(10), IsExpired: true,
			// 2025 PostHog stored legacy integer levels.
			PrivateProjectAccess: []ProjectAccess{{ProjectID: AcmeStagingID, Level: "8"}},
		},
	}

	const okta = "0190a1b2-6666-7000-8000-000000000001"
	const (
		samlEntityID = "http://www.okta.com/exk1a2b3c4d5e6f7g8h9"
		samlACSURL   = "https://acme.okta.com/app/acme_posthog_1/exk1a2b3c4d5e6f7g8h9/sso/saml"
		samlCert     = "-----BEGIN CERTIFICATE-----\nMIIDpDCCAoygAwIBAgIGAYacmeFixtureCertificate0000\n-----END CERTIFICATE-----"
	)
	o.IdentityProviderConfigs = []IdentityProviderConfig{{
		ID: okta, Name: "Okta production", CreatedAt: ago(300),
		SAMLEntityID: samlEntityID, SAMLACSURL: samlACSURL, SAMLX509Cert: samlCert,
		SCIMEnabled: true, SCIMBearerToken: "phscim_Pe7NDksXDxCNvFEiicDRwcN3x0WI1tVefyLLHpml",
	}}
	o.Domains = []Domain{
		{
			ID: "0190a1b2-5555-7000-8000-000000000001", Domain: "acme.example", VerifiedAt: agoPtr(365),
			VerificationChallenge: "LNjHvN5HZefeGDM4jBiKN72Zaoqlj6gh7xGNycL9",
			// Misconfigured: the matrix requires SAML enforcement.
			SSOEnforcement: "google-oauth2", JITProvisioningEnabled: false,
			IdentityProviderConfigID: okta,
			SAMLEntityID:             samlEntityID, SAMLACSURL: samlACSURL, SAMLX509Cert: samlCert,
			// As just regenerated: PostHog shows the token this once.
			SCIMEnabled: true, SCIMBearerToken: "phscim_DxSZEpmc3HdZ9ZRgxR4OYiGf6ZOEbXwl3du9jXfy",
		},
		{
			ID: "0190a1b2-5555-7000-8000-000000000002", Domain: "acme-labs.example",
			VerificationChallenge: "SYyxpiylCXBQUDFsha4zGg53Mc7L5jkdFgi7F4r1",
		},
	}

	o.Keys = []APIKey{
		{
			ID: scannerKeyID, Label: "access-snapshot", Token: AcmeScannerToken, UserID: uid["alice"],
			Scopes:              MinimalScopes(),
			ScopedOrganizations: []string{AcmeOrgID},
			CreatedAt:           ago(30), LastUsedAt: ptr(now.Add(-5 * time.Minute)),
		},
		{
			ID: biKeyID, Label: "bi-dashboard-readonly", Token: AcmeBIKeyToken, UserID: uid["bi-bot"],
			Scopes:      []string{"insight:read", "dashboard:read", "query:read"},
			ScopedTeams: []int64{AcmeProductionID},
			CreatedAt:   ago(20), LastUsedAt: agoPtr(1),
		},
		{
			ID: flagKeyID, Label: "flag-service", Token: AcmeFlagKeyToken, UserID: uid["flags-bot"],
			Scopes:      []string{"feature_flag:read", "feature_flag:write"},
			ScopedTeams: []int64{AcmeProductionID},
			CreatedAt:   ago(200), LastUsedAt: agoPtr(60),
		},
		{
			ID: legacyKeyID, Label: "bi-legacy", Token: AcmeLegacyKeyToken, UserID: uid["bi-bot"],
			Scopes:      []string{"*"},
			ScopedTeams: []int64{AcmeProductionID},
			CreatedAt:   ago(10), LastUsedAt: agoPtr(2),
		},
	}
	return o
}

// MinimalScopes returns the read scopes hogaudit's scanning key needs, in
// PostHog's order.
func MinimalScopes() []string {
	return []string{
		"organization:read", "organization_member:read", "project:read",
		"access_control:read", "activity_log:read", "user:read",
	}
}

func ptr[T any](v T) *T { return &v }
