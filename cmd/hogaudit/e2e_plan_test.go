package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// End-to-end tests of the plan-gated settings (PH101, PH106, PH107, PH108)
// and of the scope catalogue (PH307): a simulated organization is scanned
// by the real command and the JSON report must show the behaviour, and its
// near miss must not.

// dropFeature removes a plan feature from the organization.
func dropFeature(o *posthogsim.Org, key string) {
	o.Features = slices.DeleteFunc(slices.Clone(o.Features), func(f string) bool { return f == key })
}

var allSocial = []string{"github", "gitlab", "google-oauth2"}

// requireGoogle makes the matrix require Google sign-in, which Acme's
// acme.example is set to enforce.
var requireGoogle = matrixEdit{{"enforce_sso: saml", "enforce_sso: google-oauth2"}}

func TestPlanGatedSSOEnforcementEndToEnd(t *testing.T) {
	t.Parallel()
	domainFinding := want{"PH101", "domain:acme.example", ""}
	cases := []struct {
		name         string
		fires        scenario
		message      string // a part of the finding's message
		feature      string // evidence.plan_feature ("" for none)
		reason       string // evidence.inert_reason
		nearMiss     scenario
		nearMissNote string
	}{
		{
			name:     "google enforcement without the sso_enforcement feature",
			fires:    scenario{org: func(o *posthogsim.Org) { dropFeature(o, "sso_enforcement") }, matrix: requireGoogle},
			message:  "is set to enforce google-oauth2 sign-in, but PostHog does not apply it: the organization's plan lacks the sso_enforcement feature",
			feature:  "sso_enforcement",
			reason:   "plan",
			nearMiss: scenario{matrix: requireGoogle},
		},
		{
			name: "saml enforcement without the saml feature",
			fires: scenario{org: func(o *posthogsim.Org) {
				domain(o, "acme.example").SSOEnforcement = "saml"
				dropFeature(o, "saml")
			}},
			message:  "is set to enforce saml sign-in, but PostHog does not apply it: the organization's plan lacks the saml feature",
			feature:  "saml",
			reason:   "plan",
			nearMiss: scenario{org: func(o *posthogsim.Org) { domain(o, "acme.example").SSOEnforcement = "saml" }},
		},
		{
			name: "google enforcement on a self-hosted instance without a social_sso license",
			fires: scenario{org: func(o *posthogsim.Org) {
				o.Instance = posthogsim.Instance{SocialAuthKeys: allSocial}
			}, matrix: requireGoogle},
			message: "this PostHog instance has no google-oauth2 sign-in configured",
			reason:  "provider_not_configured",
			nearMiss: scenario{org: func(o *posthogsim.Org) {
				o.Instance = posthogsim.Instance{SocialAuthKeys: allSocial, SocialSSOLicense: true}
			}, matrix: requireGoogle},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep := c.fires.scan(t)
			f, ok := rep.find(domainFinding)
			if !ok {
				t.Fatalf("no PH101 for acme.example; findings:\n%s", listFindings(rep))
			}
			if !strings.Contains(f.Message, c.message) {
				t.Errorf("message %q lacks %q", f.Message, c.message)
			}
			if f.Evidence["effective"] != false || f.Evidence["inert_reason"] != c.reason {
				t.Errorf("evidence = %v, want an inert setting (%s)", f.Evidence, c.reason)
			}
			if got, _ := f.Evidence["plan_feature"].(string); got != c.feature {
				t.Errorf("evidence.plan_feature = %q, want %q", got, c.feature)
			}
			miss := c.nearMiss.scan(t)
			if f, ok := miss.find(domainFinding); ok {
				t.Errorf("the near miss produced PH101: %s", f.Message)
			}
		})
	}
}

// TestPH106ExemptsEffectivelySSOEnforcedDomains: PostHog skips the 2FA
// challenge for members of a domain whose SSO enforcement takes effect, and
// only then.
func TestPH106ExemptsEffectivelySSOEnforcedDomains(t *testing.T) {
	t.Parallel()
	erin := want{"PH106", "member:erin@acme.example", ""}
	noTOTP := func(o *posthogsim.Org) { member(o, "erin@acme.example").Is2FAEnabled = false }

	// acme.example enforces google-oauth2, in effect on PostHog Cloud with
	// the sso_enforcement feature.
	rep := scenario{org: noTOTP}.scan(t)
	if f, ok := rep.find(erin); ok {
		t.Errorf("erin signs in through Google (enforced), yet PH106: %s", f.Message)
	}
	if !rep.has("PH101", "domain:acme.example", "") {
		t.Errorf("the demo's PH101 (google-oauth2 where SAML is required) is gone:\n%s", listFindings(rep))
	}

	// Near miss: the same member when the plan lacks sso_enforcement.
	rep = scenario{org: func(o *posthogsim.Org) { noTOTP(o); dropFeature(o, "sso_enforcement") }}.scan(t)
	if _, ok := rep.find(erin); !ok {
		t.Errorf("inert SSO enforcement exempted erin from PH106; findings:\n%s", listFindings(rep))
	}

	// And when the instance has no Google sign-in.
	rep = scenario{org: func(o *posthogsim.Org) { noTOTP(o); o.Instance = posthogsim.Instance{} }}.scan(t)
	if _, ok := rep.find(erin); !ok {
		t.Errorf("SSO enforcement with an unconfigured provider exempted erin from PH106; findings:\n%s", listFindings(rep))
	}
}

func TestPlanGatedMemberSettingsEndToEnd(t *testing.T) {
	t.Parallel()
	const org = "org:Acme Analytics"
	forbidKeys := matrixEdit{{"members_can_use_personal_api_keys: true", "members_can_use_personal_api_keys: false"}}
	noKeys := func(o *posthogsim.Org) { o.MembersCanUsePersonalAPIKeys = false }
	cases := []struct {
		rule, feature string
		fires         scenario
		nearMiss      scenario
	}{
		{
			// members_can_invite: false matches the matrix, but without
			// organization_invite_settings every member may invite
			rule: "PH107", feature: "organization_invite_settings",
			fires:    scenario{org: func(o *posthogsim.Org) { dropFeature(o, "organization_invite_settings") }},
			nearMiss: scenario{},
		},
		{
			rule: "PH108", feature: "organization_security_settings",
			fires: scenario{org: func(o *posthogsim.Org) {
				noKeys(o)
				dropFeature(o, "organization_security_settings")
			}, matrix: forbidKeys},
			nearMiss: scenario{org: noKeys, matrix: forbidKeys},
		},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			t.Parallel()
			rep := c.fires.scan(t)
			f, ok := rep.find(want{c.rule, org, ""})
			if !ok {
				t.Fatalf("no %s; findings:\n%s", c.rule, listFindings(rep))
			}
			if !strings.Contains(f.Message, "PostHog ignores the setting without the "+c.feature+" plan feature") {
				t.Errorf("message %q does not name the inert setting's plan feature", f.Message)
			}
			if f.Evidence["effective"] != true || f.Evidence["expected"] != false || f.Evidence["feature_available"] != false || f.Evidence["plan_feature"] != c.feature {
				t.Errorf("evidence = %v", f.Evidence)
			}
			miss := c.nearMiss.scan(t)
			if f, ok := miss.find(want{c.rule, org, ""}); ok {
				t.Errorf("the near miss produced %s: %s", c.rule, f.Message)
			}
		})
	}
}

func TestScopeCatalogueEndToEnd(t *testing.T) {
	t.Parallel()
	const base = "matrix:access_matrix.bi_service_account.production_project.api_key_scopes."
	scopes := matrixEdit{{
		"api_key_scopes: [insight:read, dashboard:read, query:read, event:read]",
		// newest-only (2026) objects, an OAuth-hidden one, a misspelt
		// scope and an INTERNAL object
		"api_key_scopes: [insight:read, dashboard:read, query:read, vision_action:read, signal_scout:read, wizard_session:read, feature_flags:write, signal_scout_internal:write]",
	}}
	rep := scenario{matrix: scopes}.scan(t)
	for _, s := range []string{"vision_action:read", "signal_scout:read", "wizard_session:read", "query:read"} {
		if f, ok := rep.find(want{"PH307", base + s, "production_project"}); ok {
			t.Errorf("a valid scope is PH307: %s", f.Message)
		}
	}
	f, ok := rep.find(want{"PH307", base + "feature_flags:write", "production_project"})
	if !ok {
		t.Fatalf("no PH307 for the misspelt scope; findings:\n%s", listFindings(rep))
	}
	if !strings.HasSuffix(f.Message, "a scope PostHog does not know; did you mean feature_flag:write?") || f.Evidence["suggestion"] != "feature_flag:write" {
		t.Errorf("misspelt scope: message %q, evidence %v", f.Message, f.Evidence)
	}
	f, ok = rep.find(want{"PH307", base + "signal_scout_internal:write", "production_project"})
	if !ok {
		t.Fatalf("no PH307 for the INTERNAL object; findings:\n%s", listFindings(rep))
	}
	if f.Evidence["problem"] != "internal object" || !strings.Contains(f.Message, "no personal API key can hold it") {
		t.Errorf("internal object: message %q, evidence %v", f.Message, f.Evidence)
	}
	if n := len(rep.byRule("PH307")); n != 2 {
		t.Errorf("%d PH307 findings, want 2:\n%s", n, listFindings(rep))
	}

	// matrix validate says the same.
	h := newHarness(t, nil)
	path := h.writeMatrix(scopes.apply(t, string(examples.Matrix)))
	res := h.run("matrix", "validate", path)
	if res.code != 0 {
		t.Fatalf("validate: exit %d\n%s", res.code, res.stderr)
	}
	for _, w := range []string{
		`unknown scope "feature_flags:write" will be reported as PH307 (unknown object; did you mean feature_flag:write?)`,
		`unknown scope "signal_scout_internal:write" will be reported as PH307 (internal object; PostHog keeps this object for its own services)`,
	} {
		if !strings.Contains(res.stderr, w) {
			t.Errorf("validate stderr lacks %q:\n%s", w, res.stderr)
		}
	}
	if n := strings.Count(res.stderr, "will be reported as PH307"); n != 2 {
		t.Errorf("validate warned about %d scopes, want 2:\n%s", n, res.stderr)
	}
}

// TestUnknownInstanceLeavesSSORulesUnevaluated: without the instance's
// preflight hogaudit cannot tell whether a Google, GitHub or GitLab
// enforcement takes effect, so PH101 and PH106 are not evaluated (exit 2),
// never passed; PH107 and PH108 do not need it.
func TestUnknownInstanceLeavesSSORulesUnevaluated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	snap := demoSnapshot(t, h)
	raw, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["instance"] == nil {
		t.Fatalf("the demo snapshot has no instance section")
	}
	// As a collection whose preflight failed writes it: the section gone,
	// and a record of why (without one the file is refused).
	delete(doc, "instance")
	addMissing(doc, "instance", "/_preflight/", 500, "server error 500 after retries")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(snap, b, 0o600); err != nil {
		t.Fatal(err)
	}
	res := h.run("check", "--snapshot", snap, "--matrix", h.path("access-matrix.yaml"), "--format", "json")
	if res.code != 2 {
		t.Fatalf("check exit %d, want 2\n%s", res.code, res.stderr)
	}
	rep := decodeReport(t, []byte(res.stdout))
	notEvaluated := map[string][]string{}
	for _, ne := range rep.NotEvaluated {
		notEvaluated[ne.Rule] = ne.Sections
	}
	for _, rule := range []string{"PH101", "PH106"} {
		if !slices.Contains(notEvaluated[rule], "instance") {
			t.Errorf("%s not evaluated for %v, want instance", rule, notEvaluated[rule])
		}
		if len(rep.byRule(rule)) != 0 {
			t.Errorf("%s reported findings without the instance section", rule)
		}
	}
	for _, rule := range []string{"PH107", "PH108"} {
		if _, skipped := notEvaluated[rule]; skipped {
			t.Errorf("%s was not evaluated, yet needs only the organization", rule)
		}
	}
}
