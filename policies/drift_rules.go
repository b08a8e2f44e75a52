package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// driftIrrelevant are the drift sections whose gaps cannot hide a change of
// who can reach a project: invites, domains and their identity providers,
// keys, the activity logs (a change they would attribute is still shown, as
// drift without an actor, which the drift rules treat as untrusted), the
// deployment, the scanning key's user, and a single organization or domain
// setting PostHog did not report on one side (org_setting, domain_setting:
// 2FA, invitations, SSO; a setting that decides access is an organization
// gap). A gap in any other section — members, roles, projects, access
// rules, users_with_access, explicit members, the organization (its
// features decide whether rules apply), or a section this build does not
// know — may hide one.
var driftIrrelevant = []string{
	snapshot.SectionInvites, snapshot.SectionDomains, snapshot.SectionIdentityProviderConfigs,
	snapshot.SectionAPIKeys, snapshot.SectionActivityLog, snapshot.SectionOrganizationActivityLog,
	snapshot.SectionInstance, snapshot.SectionCurrentUser, drift.KindOrgSetting, drift.KindDomainSetting,
}

// driftNotEvaluated reports whether the drift rule r cannot judge d: a gap
// of d (a section either snapshot lacks) that may hide a change of access to
// a protected matrix project — one naming that project, or the whole
// organization — means a grant there could be missed, so the rule is not
// evaluated (fail closed). The reason names each project and gap.
func driftNotEvaluated(r Rule, d *drift.Report, b *matrix.Bound) (report.NotEvaluated, bool) {
	protected := map[int64]string{}
	for _, pb := range b.Projects() {
		if pb.Protected && pb.Bound {
			protected[pb.ProjectID] = pb.Key
		}
	}
	if len(protected) == 0 {
		return report.NotEvaluated{}, false
	}
	var secs, reasons []string
	for _, g := range d.Gaps {
		if slices.Contains(driftIrrelevant, g.Section) {
			continue
		}
		where := "the organization"
		if g.ProjectID != nil {
			key, ok := protected[*g.ProjectID]
			if !ok {
				continue
			}
			where = fmt.Sprintf("protected project %s (%d)", key, *g.ProjectID)
		}
		if !slices.Contains(secs, g.Section) {
			secs = append(secs, g.Section)
		}
		reason := fmt.Sprintf("%s of %s is missing from %s", g.Section, where, sideName(g.Side))
		if g.Reason != "" {
			reason += ": " + g.Reason
		}
		reasons = append(reasons, reason)
	}
	if len(reasons) == 0 {
		return report.NotEvaluated{}, false
	}
	slices.Sort(secs)
	return report.NotEvaluated{
		Rule: r.ID, Name: r.Name, Sections: secs, Scopes: []string{},
		Reason: "the drift since the previous snapshot is incomplete where protected projects' access is decided: " + strings.Join(reasons, "; "),
	}, true
}

func sideName(side string) string {
	switch side {
	case "old":
		return "the previous snapshot"
	case "new":
		return "this snapshot"
	case "both":
		return "both snapshots"
	}
	return "a snapshot"
}

// mergeSorted returns the union of a and b, sorted.
func mergeSorted(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
