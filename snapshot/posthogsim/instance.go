package posthogsim

import (
	"net/http"
	"slices"
	"strings"
)

// Instance is the PostHog deployment serving an organization: PostHog Cloud
// or a self-hosted install, and the social sign-in providers it has
// configured. The zero value is a self-hosted install with none.
type Instance struct {
	// Cloud is PostHog Cloud (is_cloud()): licenses are bypassed there.
	Cloud bool
	// SocialAuthKeys are the providers whose SOCIAL_AUTH_<PROVIDER>_KEY and
	// _SECRET settings are set: "github", "gitlab", "google-oauth2".
	SocialAuthKeys []string
	// SocialSSOLicense is a self-hosted license with the social_sso
	// feature, which Google sign-in needs outside Cloud.
	SocialSSOLicense bool
}

// CloudInstance is PostHog Cloud, where GitHub, GitLab and Google sign-in
// are all configured.
func CloudInstance() Instance {
	return Instance{Cloud: true, SocialAuthKeys: []string{"github", "gitlab", "google-oauth2"}}
}

// socialProviders is PostHog's get_instance_available_sso_providers()
// (posthog/utils.py): GitHub and GitLab are available when their key and
// secret are set; Google also needs Cloud (or demo) or a social_sso
// license.
func (in Instance) socialProviders() map[string]bool {
	has := func(p string) bool { return slices.Contains(in.SocialAuthKeys, p) }
	return map[string]bool{
		"github":        has("github"),
		"gitlab":        has("gitlab"),
		"google-oauth2": has("google-oauth2") && (in.Cloud || in.SocialSSOLicense),
	}
}

// preflight serves GET /_preflight/ as PostHog answers a request without a
// session (a personal API key is not read there): the instance's health
// flags, kind and sign-in providers.
func (s *Server) preflight(c *call) response {
	if c.r.Method != http.MethodGet && c.r.Method != http.MethodHead {
		return apiError(http.StatusMethodNotAllowed, "invalid_request", "method_not_allowed", "Method not allowed.")
	}
	in := s.org.Instance
	realm, region := "hosted-clickhouse", any(nil)
	if in.Cloud {
		realm, region = "cloud", "US"
	}
	return jsonOK(obj{
		"django": true, "redis": true, "plugins": true, "celery": true, "clickhouse": true, "kafka": true,
		"db": true, "initiated": true,
		"cloud":                           in.Cloud,
		"demo":                            false,
		"realm":                           realm,
		"region":                          region,
		"available_social_auth_providers": in.socialProviders(),
		"can_create_org":                  in.Cloud,
		"email_service_available":         true,
		"object_storage":                  true,
	})
}

// ssoEnforcementFor is the SSO enforcement PostHog applies to email
// (OrganizationDomainManager.get_sso_enforcement_for_email_address in
// posthog/models/organization_domain.py): the provider of the verified
// domain of the address, when the organization's plan has sso_enforcement,
// and for "saml" also saml, and for another provider the instance has it
// configured; "" when none applies.
func (s *Server) ssoEnforcementFor(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	for _, d := range s.org.Domains {
		if d.VerifiedAt == nil || d.SSOEnforcement == "" || !strings.EqualFold(d.Domain, email[at+1:]) {
			continue
		}
		switch {
		case !s.org.HasFeature("sso_enforcement"):
			return ""
		case d.SSOEnforcement == "saml":
			if !s.org.HasFeature("saml") {
				return ""
			}
		case !s.org.Instance.socialProviders()[d.SSOEnforcement]:
			return ""
		}
		return d.SSOEnforcement
	}
	return ""
}
