package posthogsim_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

func TestPreflightNeedsNoKey(t *testing.T) {
	for _, token := range []string{"", "phx_not_a_key", scanner} {
		r := get(t, newAcme(), token, "/_preflight/")
		if r.status != 200 {
			t.Fatalf("token %q: status %d, body %s", token, r.status, r.raw)
		}
		o := r.obj(t)
		if o["cloud"] != true || o["realm"] != "cloud" {
			t.Errorf("Acme's preflight = %s, want PostHog Cloud", r.raw)
		}
	}
}

func TestPreflightSocialProviders(t *testing.T) {
	all := []string{"github", "gitlab", "google-oauth2"}
	for _, c := range []struct {
		name string
		in   posthogsim.Instance
		want map[string]any
	}{
		{"cloud", posthogsim.CloudInstance(), map[string]any{"github": true, "gitlab": true, "google-oauth2": true}},
		{"self-hosted without keys", posthogsim.Instance{}, map[string]any{"github": false, "gitlab": false, "google-oauth2": false}},
		// Google sign-in on a self-hosted instance also needs a social_sso license.
		{"self-hosted, keys, no license", posthogsim.Instance{SocialAuthKeys: all}, map[string]any{"github": true, "gitlab": true, "google-oauth2": false}},
		{"self-hosted, keys and license", posthogsim.Instance{SocialAuthKeys: all, SocialSSOLicense: true}, map[string]any{"github": true, "gitlab": true, "google-oauth2": true}},
		{"self-hosted, GitLab only", posthogsim.Instance{SocialAuthKeys: []string{"gitlab"}}, map[string]any{"github": false, "gitlab": true, "google-oauth2": false}},
	} {
		org := posthogsim.Acme(now)
		org.Instance = c.in
		r := get(t, posthogsim.New(org), "", "/_preflight/")
		got, _ := r.obj(t)["available_social_auth_providers"].(map[string]any)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s: providers (-want +got):\n%s", c.name, diff)
		}
		if r.obj(t)["cloud"] != c.in.Cloud {
			t.Errorf("%s: cloud = %v", c.name, r.obj(t)["cloud"])
		}
	}
}

// TestHasSSOEnforcementFollowsThePlan checks users/@me's
// has_sso_enforcement against get_sso_enforcement_for_email_address: the
// domain must be verified, the plan must have sso_enforcement (and saml for
// SAML), and another provider must be configured on the instance.
func TestHasSSOEnforcementFollowsThePlan(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(o *posthogsim.Org)
		want   bool
	}{
		{"google on cloud", nil, true},
		{"no sso_enforcement feature", func(o *posthogsim.Org) { o.Features = without(o.Features, "sso_enforcement") }, false},
		{"google not configured", func(o *posthogsim.Org) { o.Instance = posthogsim.Instance{} }, false},
		{"google without license", func(o *posthogsim.Org) {
			o.Instance = posthogsim.Instance{SocialAuthKeys: []string{"google-oauth2"}}
		}, false},
		{"saml with saml", func(o *posthogsim.Org) { o.Domains[0].SSOEnforcement = "saml" }, true},
		{"saml without saml", func(o *posthogsim.Org) {
			o.Domains[0].SSOEnforcement = "saml"
			o.Features = without(o.Features, "saml")
		}, false},
		{"saml on a self-hosted instance without social providers", func(o *posthogsim.Org) {
			o.Domains[0].SSOEnforcement = "saml"
			o.Instance = posthogsim.Instance{}
		}, true},
		{"unverified domain", func(o *posthogsim.Org) { o.Domains[0].VerifiedAt = nil }, false},
		{"domain in upper case", func(o *posthogsim.Org) { o.Domains[0].Domain = "ACME.example" }, true},
	} {
		org := posthogsim.Acme(now)
		if org.Domains[0].Domain != "acme.example" {
			t.Fatalf("Acme's first domain is %s", org.Domains[0].Domain)
		}
		if c.change != nil {
			c.change(org)
		}
		r := get(t, posthogsim.New(org), scanner, "/api/users/@me/")
		if got := r.obj(t)["has_sso_enforcement"]; got != c.want {
			t.Errorf("%s: has_sso_enforcement = %v, want %v", c.name, got, c.want)
		}
	}
}

func without(s []string, x string) []string {
	var out []string
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
