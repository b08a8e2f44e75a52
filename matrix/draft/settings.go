package draft

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

func emailDomain(email string) string {
	if at := strings.LastIndex(email, "@"); at >= 0 {
		return strings.ToLower(email[at+1:])
	}
	return ""
}

// pendingInvites are the invites not yet expired, by email then id.
func (d *drafted) pendingInvites() []posthog.Invite {
	var out []posthog.Invite
	for _, inv := range d.snap.Invites {
		if !inv.IsExpired {
			out = append(out, inv)
		}
	}
	slices.SortFunc(out, func(a, b posthog.Invite) int {
		if c := strings.Compare(strings.ToLower(a.TargetEmail), strings.ToLower(b.TargetEmail)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// invites adds, for each pending invite that grants project access, a group
// naming the invitee with that access, and excepts invites that would make
// someone an organization admin (PH210 reports them whatever the matrix
// says).
func (d *drafted) invites(keyOf map[int64]string, names keyNamer) {
	byEmail := map[string]map[int64]int{}
	var emails []string
	for _, inv := range d.pendingInvites() {
		email := strings.ToLower(inv.TargetEmail)
		if inv.Level >= posthog.LevelAdmin {
			level := "admin"
			if inv.Level >= posthog.LevelOwner {
				level = "owner"
			}
			d.except("PH210", "invite:"+email, "drafted by hogaudit matrix init: a pending invite for an organization "+level+"; decide, then remove this exception",
				fmt.Sprintf("DECIDE: the pending invite for %s would make them an organization %s", oneLine(email), level))
		}
		for _, pa := range inv.PrivateProjectAccess {
			r, ok := projRank[pa.Level]
			if _, bound := keyOf[pa.ID]; !ok || !bound || r == 0 {
				continue
			}
			if byEmail[email] == nil {
				byEmail[email] = map[int64]int{}
				emails = append(emails, email)
			}
			byEmail[email][pa.ID] = max(byEmail[email][pa.ID], r)
		}
	}
	for _, email := range emails {
		g := &dGroup{key: names.name("invite_"+email, "invite"), members: []string{email}}
		g.above = append(g.above, fmt.Sprintf("DECIDE: the pending invite for %s grants this project access when accepted", oneLine(email)))
		for _, p := range d.snap.Projects {
			if r := byEmail[email][p.ID]; r > 0 {
				g.entries = append(g.entries, dEntry{project: keyOf[p.ID], role: projName[r]})
			}
		}
		d.groups = append(d.groups, g)
	}
}

// orgSettings writes organization: as the organization is today.
func (d *drafted) orgSettings(members []member) {
	o := d.snap.Organization
	now := d.snap.CollectedAt

	// SSO, from the verified domains that enforce it
	var sso []string
	providers := map[string]bool{}
	jit := map[bool]bool{}
	var home []string
	for _, dm := range d.snap.Domains {
		name := strings.ToLower(dm.Domain)
		if !dm.IsVerified {
			if dm.SSOEnforcement != "" {
				d.org = append(d.org, setting{key: "", above: []string{fmt.Sprintf("DECIDE: domain %s asks for %s sign-in but is not verified, so PostHog does not enforce it", oneLine(name), oneLine(dm.SSOEnforcement))}})
			}
			continue
		}
		home = append(home, name)
		if dm.SSOEnforcement != "" {
			sso = append(sso, name)
			providers[dm.SSOEnforcement] = true
			jit[dm.JITProvisioningEnabled] = true
		}
	}
	slices.Sort(sso)
	slices.Sort(home)
	if len(sso) == 0 {
		d.org = append(d.org, setting{above: []string{"DECIDE: no verified domain enforces SSO today; set enforce_sso (saml, google-oauth2, github, gitlab or any) and sso_domains to require it"}})
	} else {
		provider := "any"
		if len(providers) == 1 {
			for p := range providers {
				provider = p
			}
		}
		// PostHog's sso_enforcement is free text on older deployments: only
		// a provider the matrix format knows is written, and quoted.
		s := setting{key: "enforce_sso", value: quote(provider)}
		switch {
		case !matrix.KnownSSOProvider(provider):
			s = setting{above: []string{fmt.Sprintf("DECIDE: the SSO domains enforce %q, which is not a provider the matrix knows (saml, google-oauth2, github, gitlab or any), so enforce_sso is left out; set it to require SSO", provider)}}
		case provider == "any":
			s.above = []string{"the SSO domains enforce different providers: " + strings.Join(sortedSet(providers), ", ")}
		}
		d.org = append(d.org, s, setting{key: "sso_domains", value: flowList(sso)})
		if len(jit) == 1 {
			d.org = append(d.org, setting{key: "jit_provisioning", value: strconv.FormatBool(jit[true])})
		} else {
			d.org = append(d.org, setting{above: []string{"DECIDE: the SSO domains differ on JIT provisioning; set jit_provisioning to require one"}})
		}
	}

	boolSetting := func(key string, v *bool, off string) {
		if v == nil {
			d.org = append(d.org, setting{above: []string{fmt.Sprintf("PostHog did not report %s, so it is left out", key)}})
			return
		}
		s := setting{key: key, value: strconv.FormatBool(*v)}
		if off != "" {
			s.above = []string{off}
		}
		d.org = append(d.org, s)
	}
	note := ""
	if o.Enforce2FA == nil || !*o.Enforce2FA {
		note = "DECIDE: two-factor authentication is not enforced today"
	}
	if o.Enforce2FA != nil {
		boolSetting("require_2fa", o.Enforce2FA, note)
	} else {
		d.org = append(d.org, setting{above: []string{"DECIDE: PostHog did not report enforce_2fa; set require_2fa: true to require two-factor authentication"}})
	}

	var owners, admins int
	for _, m := range members {
		switch {
		case m.level >= posthog.LevelOwner:
			owners++
		case m.level >= posthog.LevelAdmin:
			admins++
		}
	}
	d.org = append(d.org,
		setting{key: "max_owners", value: strconv.Itoa(owners), above: []string{fmt.Sprintf("DECIDE: %s today: is that what you want?", plural(owners, "owner"))}},
		setting{key: "max_admins", value: strconv.Itoa(admins), above: []string{fmt.Sprintf("DECIDE: %s today (owners not counted): is that what you want?", plural(admins, "admin"))}})

	inviteNote := ""
	if o.MembersCanInvite != nil && *o.MembersCanInvite {
		inviteNote = "DECIDE: every member can invite people today"
	}
	boolSetting("members_can_invite", o.MembersCanInvite, inviteNote)
	keysNote := ""
	if o.MembersCanUsePersonalAPIKeys != nil && *o.MembersCanUsePersonalAPIKeys {
		keysNote = "DECIDE: every member can create personal API keys today"
	}
	boolSetting("members_can_use_personal_api_keys", o.MembersCanUsePersonalAPIKeys, keysNote)

	// email domains: members' and pending invitees'
	if len(home) == 0 {
		count := map[string]int{}
		for _, m := range members {
			count[emailDomain(m.email)]++
		}
		best := ""
		for _, dom := range sortedSet(boolKeys(count)) {
			if count[dom] > count[best] || best == "" {
				best = dom
			}
		}
		if best != "" {
			home = []string{best}
		}
	}
	domains := map[string]bool{}
	var outside []string
	for _, m := range members {
		dom := emailDomain(m.email)
		domains[dom] = true
		if !slices.Contains(home, dom) {
			outside = append(outside, fmt.Sprintf("DECIDE: member %s is outside %s", oneLine(m.email), strings.Join(home, ", ")))
		}
	}
	for _, inv := range d.pendingInvites() {
		email := strings.ToLower(inv.TargetEmail)
		dom := emailDomain(email)
		if dom == "" {
			continue
		}
		domains[dom] = true
		if !slices.Contains(home, dom) {
			outside = append(outside, fmt.Sprintf("DECIDE: the pending invite for %s is outside %s", oneLine(email), strings.Join(home, ", ")))
		}
	}
	delete(domains, "")
	if len(domains) > 0 {
		d.org = append(d.org, setting{key: "allowed_email_domains", value: flowList(sortedSet(domains)), above: outside})
	}

	idle, idlest, signedIn := 0, "", false
	for _, m := range d.snap.Members {
		since := m.JoinedAt
		if m.LastLogin != nil {
			since = *m.LastLogin
		}
		if n := ceilDays(now, since); n > idle {
			idle, idlest, signedIn = n, strings.ToLower(m.User.Email), m.LastLogin != nil
		}
	}
	s := setting{key: "dormant_after_days", value: strconv.Itoa(max(DefaultDormantAfterDays, idle))}
	if idle > DefaultDormantAfterDays {
		what := "joined %d days ago (rounded up) and has never signed in"
		if signedIn {
			what = "has not signed in for %d days (rounded up)"
		}
		s.above = []string{fmt.Sprintf("DECIDE: %s "+what+": is that what you want?", oneLine(idlest), idle)}
	}
	d.org = append(d.org, s)
}

func boolKeys(m map[string]int) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
