package drift

import (
	"fmt"
	"strconv"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// orgField is one compared organization setting: its field, the names the
// activity log may give it (field_name_overrides), and its value as text.
type orgField struct {
	field string
	log   []string
	// value reads the setting; exact says whether a log entry's after can
	// be compared with it. A boolean PostHog did not send reads as
	// notReported.
	value func(*posthog.Organization) (string, any)
}

// notReported is the value of a setting PostHog did not send (a JSON null
// or an absent field, as an older deployment's response has it). A setting
// not reported on one side only is not drift and not "no change": it is a
// gap naming the field. Not reported on both sides, the deployment does not
// have it, and nothing is claimed.
const notReported = "\x00not reported"

func boolText(b *bool) (string, any) {
	if b == nil {
		return notReported, nil
	}
	return strconv.FormatBool(*b), *b
}

var orgFields = []orgField{
	{"enforce_2fa", []string{"enforce_2fa", "two-factor authentication requirement"}, func(o *posthog.Organization) (string, any) { return boolText(o.Enforce2FA) }},
	{"members_can_invite", []string{"members_can_invite", "member invitation permissions"}, func(o *posthog.Organization) (string, any) { return boolText(o.MembersCanInvite) }},
	{"members_can_use_personal_api_keys", []string{"members_can_use_personal_api_keys", "personal API key permissions"}, func(o *posthog.Organization) (string, any) {
		return boolText(o.MembersCanUsePersonalAPIKeys)
	}},
	{"allow_publicly_shared_resources", []string{"allow_publicly_shared_resources", "public sharing permissions"}, func(o *posthog.Organization) (string, any) {
		return boolText(o.AllowPubliclySharedResources)
	}},
	{"members_can_see_org_members", []string{"members_can_see_org_members"}, func(o *posthog.Organization) (string, any) { return boolText(o.MembersCanSeeOrgMembers) }},
	{"uses_most_specific_access_resolution", []string{"uses_most_specific_access_resolution"}, func(o *posthog.Organization) (string, any) {
		return boolText(o.UsesMostSpecificAccessResolution)
	}},
	// The log records features as PostHog's objects and the default role
	// as a foreign key: matched by field, never by value.
	{"available_product_features", []string{"available_product_features"}, func(o *posthog.Organization) (string, any) {
		return joinStrings(o.AvailableProductFeatures), nil
	}},
	{"default_role_id", []string{"default_role_id", "default_role"}, func(o *posthog.Organization) (string, any) { return deref(o.DefaultRoleID), nil }},
}

// orgSettings compares the organization's settings.
func (c *comparer) orgSettings() {
	if c.sectionGap(snapshot.SectionOrganization, c.old.Organization != nil, c.new.Organization != nil) {
		return
	}
	o, n := c.old.Organization, c.new.Organization
	name := n.Name
	if name == "" {
		name = c.new.Org.Name
	}
	for _, f := range orgFields {
		before, _ := f.value(o)
		after, exact := f.value(n)
		if before == after {
			continue
		}
		// A setting's gap is the setting's own (org_setting), except where
		// the setting decides access: then it is the organization's, which
		// the drift rules read as one that may hide an access change.
		section := KindOrgSetting
		if f.field == "uses_most_specific_access_resolution" {
			section = snapshot.SectionOrganization
		}
		if c.unreported(section, "organization "+name, f.field, before, after) {
			continue
		}
		match := changed(f.log...)
		if exact != nil {
			match = changedTo(exact, f.log...)
		}
		by := c.log.find("Organization", c.new.Org.ID, []string{"updated", "changed"}, match)
		shown := func(v string) string {
			if f.field == "default_role_id" && v != "" {
				return "role " + c.roleName(v)
			}
			if v == "" {
				return "unset"
			}
			return v
		}
		c.add(Change{Kind: KindOrgSetting, Subject: "org:" + name, Field: f.field, Before: before, After: after, By: by,
			Message: fmt.Sprintf("organization %s: %s %s → %s%s", name, f.field, shown(before), shown(after), c.byPhrase(by, "changed"))})
	}
}

// domainField is one compared domain setting.
type domainField struct {
	field string
	log   []string
	value func(posthog.Domain) (string, any)
}

var domainFields = []domainField{
	{"sso_enforcement", []string{"sso_enforcement", "SSO enforcement"}, func(d posthog.Domain) (string, any) { return d.SSOEnforcement, d.SSOEnforcement }},
	// has_saml is derived from the SAML fields, whose logged values may be
	// masked: matched by field.
	{"has_saml", []string{"saml_entity_id", "_saml_entity_id", "SAML entity ID", "saml_acs_url", "_saml_acs_url", "SAML ACS URL",
		"saml_x509_cert", "_saml_x509_cert", "SAML X.509 certificate"}, func(d posthog.Domain) (string, any) {
		return strconv.FormatBool(d.HasSAML), nil
	}},
	{"jit_provisioning_enabled", []string{"jit_provisioning_enabled", "just-in-time provisioning"}, func(d posthog.Domain) (string, any) {
		return strconv.FormatBool(d.JITProvisioningEnabled), d.JITProvisioningEnabled
	}},
	// is_verified is logged as verified_at, a time.
	{"is_verified", []string{"verified_at", "domain verification"}, func(d posthog.Domain) (string, any) { return strconv.FormatBool(d.IsVerified), nil }},
	{"scim_enabled", []string{"scim_enabled", "_scim_enabled", "SCIM provisioning"}, func(d posthog.Domain) (string, any) { return boolText(d.SCIMEnabled) }},
}

// unreported records a gap in section when setting field of what (words:
// "organization Acme", "domain acme.com") is notReported on one side, and
// reports whether it did.
func (c *comparer) unreported(section, what, field, before, after string) bool {
	why := func(v string) string {
		if v != notReported {
			return ""
		}
		return fmt.Sprintf("PostHog did not report %s of %s: whether it changed cannot be told", field, what)
	}
	return c.gap(section, nil, why(before), why(after))
}

// domains compares the organization's email domains, keyed by domain:
// added, removed, and their SSO, SAML, JIT, verification and SCIM state.
func (c *comparer) domains() {
	if c.sectionGap(snapshot.SectionDomains, c.old.Domains != nil, c.new.Domains != nil) {
		return
	}
	olds := map[string]posthog.Domain{}
	for _, d := range c.old.Domains {
		olds[d.Domain] = d
	}
	news := map[string]posthog.Domain{}
	for _, d := range c.new.Domains {
		news[d.Domain] = d
	}
	for _, d := range c.new.Domains {
		subject := "domain:" + d.Domain
		o, ok := olds[d.Domain]
		if !ok {
			by := c.log.find("OrganizationDomain", d.ID, []string{"created"}, nil)
			c.add(Change{Kind: KindDomainAdded, Subject: subject, After: d.Domain, By: by,
				Message: fmt.Sprintf("domain %s was added%s", d.Domain, c.byPhrase(by, "added"))})
			continue
		}
		for _, f := range domainFields {
			before, _ := f.value(o)
			after, exact := f.value(d)
			if before == after {
				continue
			}
			if c.unreported(KindDomainSetting, "domain "+d.Domain, f.field, before, after) {
				continue
			}
			match := changed(f.log...)
			if exact != nil {
				match = changedTo(exact, f.log...)
			}
			by := c.log.find("OrganizationDomain", d.ID, []string{"updated", "changed"}, match)
			c.add(Change{Kind: KindDomainSetting, Subject: subject, Field: f.field, Before: before, After: after, By: by,
				Message: fmt.Sprintf("domain %s: %s %s → %s%s", d.Domain, f.field, orNone(before), orNone(after), c.byPhrase(by, "changed"))})
		}
	}
	for _, o := range c.old.Domains {
		if _, ok := news[o.Domain]; ok {
			continue
		}
		by := c.log.find("OrganizationDomain", o.ID, []string{"deleted"}, nil)
		c.add(Change{Kind: KindDomainRemoved, Subject: "domain:" + o.Domain, Before: o.Domain, By: by,
			Message: fmt.Sprintf("domain %s was removed%s", o.Domain, c.byPhrase(by, "removed"))})
	}
}
