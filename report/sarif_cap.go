package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// The SARIF result cap. GitHub code scanning accepts up to 25,000 results
// per run but shows only 5,000 of them, and an alert whose result is left
// out of a run is closed as fixed. So the SARIF log holds at most
// Options.MaxResults results (DefaultMaxResults unless told otherwise)
// shared fairly among the rules with findings:
//
//   - Quota: max-min fair. A rule whose findings fit an equal share of
//     what is left keeps all of them; the others split the rest evenly (the
//     remainder, one result each, to the most severe rules first, then by
//     rule id). When there are more rules with findings than results, the
//     most severe rules get one result each and the others none.
//   - Aggregation: a rule whose findings exceed its share is aggregated:
//     one result per group of its findings (the same rule, project,
//     evidence source and resource, advisory or not; see aggregateKey),
//     naming the first members in its message and every one of them in
//     properties.members. Capacity an aggregated rule no longer needs goes
//     back to the others, largest rule first, one rule at a time.
//   - Truncation: when even a rule's aggregated results exceed its share,
//     the most severe are kept, then the earliest in report order
//     (advisory findings count as the least severe).
//
// What the cap did is a SARIFOmission per rule, which SARIFOmissions
// returns and the run's invocation notes.

// SARIF omission modes (SARIFOmission.Mode).
const (
	// OmissionAggregated: the rule's findings were grouped, one result per
	// group; SARIFOmission.Omitted counts those in groups left out.
	OmissionAggregated = "aggregated"
	// OmissionTruncated: the rule's findings kept one result each, the
	// most severe, and the others were left out.
	OmissionTruncated = "truncated"
)

// NoMaxResults as Options.MaxResults turns the SARIF result cap off.
const NoMaxResults = -1

// SARIFOmission is what the SARIF result cap did to one rule's findings.
type SARIFOmission struct {
	Rule string `json:"rule"`
	// Findings counts the rule's unsuppressed findings.
	Findings int `json:"findings"`
	// Results counts the SARIF results the rule got.
	Results int `json:"results"`
	// Mode is OmissionAggregated or OmissionTruncated.
	Mode string `json:"mode"`
	// Omitted counts the findings no result names: neither a result of
	// their own nor a member of an aggregated one.
	Omitted int `json:"omitted"`
}

// aggregateMembersShown is how many members an aggregated result's message
// names before "and N more"; properties.members has all of them.
const aggregateMembersShown = 10

// groupingEvidence are the evidence keys whose values, with the rule and
// the project, make an aggregated group: where the access comes from
// (access_controls, org_admin, system_default…) and the resource.
var groupingEvidence = []string{"source", "resource"}

// sarifItem is one SARIF result to write: a finding of its own, or a group
// of a rule's findings.
type sarifItem struct {
	// first is the report position of the item's (first) finding, the
	// order results are written in.
	first    int
	finding  Finding
	members  []Finding // set for an aggregated result
	groupKey string    // its grouping key, stable ids only
}

// sarifPlan is the results of a SARIF run and what the cap left out.
type sarifPlan struct {
	items     []sarifItem
	omissions []SARIFOmission
}

// SARIFOmissions returns what the SARIF result cap of opts does to r's
// findings, one entry per rule it aggregated or truncated, sorted by rule
// id; nil when every unsuppressed finding is a result of its own. It is
// what the SARIF format writes, so a caller can tell people (stderr, the
// Markdown summary) what the SARIF log leaves out.
func SARIFOmissions(r *Report, opts Options) []SARIFOmission {
	return planSARIF(findingsWithIDs(r), r.Snapshot.Org.ID, opts.maxResults()).omissions
}

// planSARIF shares limit results (below 0: no cap) among the rules of
// findings (unsuppressed ones only count) as the cap's contract above says.
func planSARIF(findings []Finding, orgID string, limit int) sarifPlan {
	type ruleFindings struct {
		rule    string
		rank    int // the highest severity among its findings
		at      []int
		groups  []sarifItem // made when the rule is aggregated
		demand  int
		grouped bool
	}
	var rules []*ruleFindings
	byRule := map[string]*ruleFindings{}
	for i, f := range findings {
		if f.Suppressed != nil {
			continue
		}
		rf := byRule[f.Rule]
		if rf == nil {
			rf = &ruleFindings{rule: f.Rule}
			byRule[f.Rule] = rf
			rules = append(rules, rf)
		}
		rf.at = append(rf.at, i)
		rf.rank = max(rf.rank, resultRank(f))
	}
	var plan sarifPlan
	single := func(rf *ruleFindings, at []int) {
		for _, i := range at {
			plan.items = append(plan.items, sarifItem{first: i, finding: findings[i]})
		}
	}

	total := 0
	for _, rf := range rules {
		rf.demand = len(rf.at)
		total += rf.demand
	}
	if limit < 0 || total <= limit {
		for _, rf := range rules {
			single(rf, rf.at)
		}
		slices.SortFunc(plan.items, func(a, b sarifItem) int { return a.first - b.first })
		return plan
	}

	// Most severe rules first, then by id: who gets a remainder.
	slices.SortStableFunc(rules, func(a, b *ruleFindings) int {
		return cmp.Or(b.rank-a.rank, strings.Compare(a.rule, b.rule))
	})
	demands := make([]int, len(rules))
	var shares []int
	for {
		for i, rf := range rules {
			demands[i] = rf.demand
		}
		shares = fairShares(demands, limit)
		// Aggregate the largest rule that exceeds its share, then share
		// again: what it no longer needs goes to the others.
		next := -1
		for i, rf := range rules {
			if !rf.grouped && rf.demand > shares[i] && (next < 0 || rf.demand > rules[next].demand) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		rf := rules[next]
		rf.grouped = true
		rf.groups = aggregate(findings, rf.at, orgID)
		if len(rf.groups) < rf.demand {
			rf.demand = len(rf.groups)
		} else {
			rf.groups = nil // grouping saves nothing: truncate instead
		}
	}

	for i, rf := range rules {
		share := shares[i]
		switch {
		case rf.groups != nil:
			kept := mostSevere(rf.groups, share, func(it sarifItem) int { return resultRank(it.finding) })
			plan.items = append(plan.items, kept...)
			named := 0
			for _, it := range kept {
				named += len(it.members)
			}
			plan.omissions = append(plan.omissions, SARIFOmission{Rule: rf.rule, Findings: len(rf.at),
				Results: len(kept), Mode: OmissionAggregated, Omitted: len(rf.at) - named})
		case len(rf.at) > share:
			items := make([]sarifItem, len(rf.at))
			for j, at := range rf.at {
				items[j] = sarifItem{first: at, finding: findings[at]}
			}
			kept := mostSevere(items, share, func(it sarifItem) int { return resultRank(it.finding) })
			plan.items = append(plan.items, kept...)
			plan.omissions = append(plan.omissions, SARIFOmission{Rule: rf.rule, Findings: len(rf.at),
				Results: len(kept), Mode: OmissionTruncated, Omitted: len(rf.at) - len(kept)})
		default:
			single(rf, rf.at)
		}
	}
	slices.SortFunc(plan.items, func(a, b sarifItem) int { return a.first - b.first })
	slices.SortFunc(plan.omissions, func(a, b SARIFOmission) int { return strings.Compare(a.Rule, b.Rule) })
	return plan
}

// resultRank orders results for the cap: a finding's severity rank, 0 for
// an advisory one.
func resultRank(f Finding) int {
	if f.Advisory {
		return 0
	}
	return SeverityRank(f.Severity)
}

// fairShares is the max-min fair split of limit among demands: each gets
// min(demand, equal share of what is left), the smallest demands first,
// and the remainder of the even split goes one each to the earliest
// demands (the caller orders them by priority). With more non-zero
// demands than limit, the earliest limit of them get one each.
func fairShares(demands []int, limit int) []int {
	shares := make([]int, len(demands))
	order := make([]int, 0, len(demands))
	for i, d := range demands {
		if d > 0 {
			order = append(order, i)
		}
	}
	if len(order) > limit {
		for _, i := range order[:max(limit, 0)] {
			shares[i] = 1
		}
		return shares
	}
	slices.SortStableFunc(order, func(a, b int) int { return demands[a] - demands[b] })
	left := limit
	for n, i := range order {
		equal := left / (len(order) - n)
		if demands[i] <= equal {
			shares[i] = demands[i]
			left -= demands[i]
			continue
		}
		// Every demand from here on exceeds the equal share: split what
		// is left evenly, the remainder to the earliest of them.
		rest := order[n:]
		slices.Sort(rest)
		extra := left - equal*len(rest)
		for k, j := range rest {
			shares[j] = equal
			if k < extra {
				shares[j]++
			}
		}
		break
	}
	return shares
}

// mostSevere returns at most n of items: the highest rank first, ties in
// their order, listed in their original order.
func mostSevere(items []sarifItem, n int, rank func(sarifItem) int) []sarifItem {
	if len(items) <= n {
		return items
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rank(items[b]) - rank(items[a]) })
	keep := order[:max(n, 0)]
	slices.Sort(keep)
	out := make([]sarifItem, len(keep))
	for i, k := range keep {
		out[i] = items[k]
	}
	return out
}

// aggregate groups the findings at positions at (one rule's, in report
// order) by aggregateKey; each group is one item whose finding is its
// first member with the group's highest severity and the group's ID.
func aggregate(findings []Finding, at []int, orgID string) []sarifItem {
	var groups []sarifItem
	index := map[string]int{}
	for _, i := range at {
		f := findings[i]
		key := aggregateKey(f)
		g, ok := index[key]
		if !ok {
			g = len(groups)
			index[key] = g
			groups = append(groups, sarifItem{first: i, finding: f, groupKey: key})
		}
		groups[g].members = append(groups[g].members, f)
		if resultRank(f) > resultRank(groups[g].finding) {
			groups[g].finding.Severity = f.Severity
		}
	}
	for i := range groups {
		g := &groups[i]
		g.finding.ID = Fingerprint(g.finding.Rule, orgID, g.groupKey) + ":1"
	}
	return groups
}

// aggregateKey is the identity of f's group: "aggregate", the project (its
// PostHog id from evidence.project_id when there is one, else the matrix
// project key), the values of groupingEvidence, and whether f is advisory.
// It uses no names of people, so a group keeps its fingerprint while its
// members change; its fingerprint is not any member's.
func aggregateKey(f Finding) string {
	parts := []string{"aggregate"}
	switch id := f.Evidence["project_id"].(type) {
	case float64:
		parts = append(parts, "project:"+strconv.FormatFloat(id, 'f', -1, 64))
	case int:
		parts = append(parts, "project:"+strconv.Itoa(id))
	case int64:
		parts = append(parts, "project:"+strconv.FormatInt(id, 10))
	case fmt.Stringer:
		parts = append(parts, "project:"+id.String())
	default:
		if f.Project != "" {
			parts = append(parts, "project-key:"+f.Project)
		}
	}
	for _, k := range groupingEvidence {
		if v, ok := f.Evidence[k].(string); ok && v != "" {
			parts = append(parts, k+":"+v)
		}
	}
	if f.Advisory {
		parts = append(parts, "advisory")
	}
	return strings.Join(parts, "|")
}

// aggregateMessage is an aggregated result's message: the rule's title,
// how many of what, where and through what ("Project access exceeds the
// matrix for 25 members (project p7, source access_controls)."), the first
// members ("Members: a@x.io, … and 15 more."), and the rule's remediation.
func aggregateMessage(rule Rule, it sarifItem) string {
	f := it.finding
	title := strings.TrimRight(oneLine(cmp.Or(rule.Title, f.Name, f.Rule)), ".")
	var where []string
	if f.Project != "" {
		where = append(where, "project "+oneLine(f.Project))
	}
	for _, k := range groupingEvidence {
		if v, ok := f.Evidence[k].(string); ok && v != "" {
			where = append(where, k+" "+oneLine(v))
		}
	}
	// The first sentence, GitHub's alert title, holds no names: an email's
	// dots would end it early.
	msg := fmt.Sprintf("%s for %s", title, plural(len(it.members), subjectNoun(it.members, false), subjectNoun(it.members, true)))
	if len(where) > 0 {
		msg += " (" + strings.Join(where, ", ") + ")"
	}
	msg += ". " + strings.ToUpper(subjectNoun(it.members, true)[:1]) + subjectNoun(it.members, true)[1:]
	names := make([]string, 0, aggregateMembersShown)
	for _, m := range it.members[:min(len(it.members), aggregateMembersShown)] {
		names = append(names, subjectName(m.Subject))
	}
	list := strings.Join(names, ", ")
	if more := len(it.members) - len(names); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	msg += ": " + list + "."
	// The remediation is the rule's help, as for a single finding's result.
	if rem := sentence(oneLine(f.Remediation)); rem != "" && rem != sentence(oneLine(rule.Remediation)) {
		msg += " " + rem
	}
	return msg
}

// subjectNoun names what a group's subjects are: "member"/"members" when
// they share the prefix member:, and so on, else "finding"/"findings".
func subjectNoun(members []Finding, many bool) string {
	prefix := ""
	for i, m := range members {
		p, _, _ := strings.Cut(m.Subject, ":")
		if i > 0 && p != prefix {
			prefix = ""
			break
		}
		prefix = p
	}
	noun := "finding"
	if _, known := subjectKinds[prefix]; known && prefix != "org" && prefix != "section" && prefix != "matrix" {
		noun = prefix
	}
	if many {
		return noun + "s"
	}
	return noun
}

// subjectName is a subject without its kind prefix, on one line.
func subjectName(subject string) string {
	if _, v, ok := strings.Cut(subject, ":"); ok {
		return oneLine(v)
	}
	return oneLine(subject)
}

// resultProperties is a result's property bag: subject, project and
// severity of a finding's own result; for an aggregated one, aggregated
// true, the project, the grouping evidence, the severity, count and every
// member's subject (members, in report order).
func resultProperties(it sarifItem) *sarif.PropertyBag {
	f := it.finding
	props := sarif.NewPropertyBag()
	if it.members == nil {
		props.Add("subject", f.Subject).Add("project", f.Project).Add("severity", f.Severity)
	} else {
		members := make([]string, len(it.members))
		for i, m := range it.members {
			members[i] = oneLine(m.Subject)
		}
		props.Add("aggregated", true).Add("project", f.Project)
		for _, k := range groupingEvidence {
			if v, ok := f.Evidence[k].(string); ok && v != "" {
				props.Add(k, v)
			}
		}
		props.Add("severity", f.Severity).Add("count", len(members)).Add("members", members)
	}
	if f.Advisory {
		props.Add("advisory", true)
	}
	return props
}

// groupSubject is the subject an aggregated result's logical location
// names: its project, else the organization.
func groupSubject(org Org, f Finding) string {
	if f.Project != "" {
		return "project:" + f.Project
	}
	return "org:" + orgLabel(org)
}

// omissionNotification tells the SARIF run what the cap of limit results
// did to one rule: a warning whose properties repeat o.
func omissionNotification(o SARIFOmission, limit int) *sarif.Notification {
	msg := OmissionSentence(o, limit) + " The JSON report has every finding."
	props := sarif.NewPropertyBag().
		Add("rule", o.Rule).Add("mode", o.Mode).Add("findings", o.Findings).
		Add("results", o.Results).Add("omitted", o.Omitted).Add("limit", limit)
	return sarif.NewNotification().WithLevel(sarif.LevelWarning).
		WithMessage(sarif.NewTextMessage(msg)).
		WithAssociatedRule(sarif.NewReportingDescriptorReference().WithID(o.Rule)).
		WithProperties(props)
}

// OmissionSentence says in one sentence what the SARIF result cap of limit
// results did to a rule, for people: "PH204: 95,601 findings aggregated
// into 412 results (one per project and access source), 0 left out, to
// keep the run within 5000 results."
func OmissionSentence(o SARIFOmission, limit int) string {
	var what string
	switch {
	case o.Results == 0:
		return fmt.Sprintf("%s: %s left out, no result: more rules have findings than the run's %d results can hold, and the most severe rules got one each.",
			o.Rule, plural(o.Findings, "finding", "findings"), limit)
	case o.Mode == OmissionAggregated:
		what = fmt.Sprintf("%s aggregated into %s (one per project, access source and resource, listing the members)",
			plural(o.Findings, "finding", "findings"), plural(o.Results, "result", "results"))
		if o.Omitted > 0 {
			what += fmt.Sprintf("; the least severe groups, %s, left out", plural(o.Omitted, "finding", "findings"))
		}
	default:
		what = fmt.Sprintf("%d of %s listed, the most severe; %d left out",
			o.Results, plural(o.Findings, "finding", "findings"), o.Omitted)
	}
	return fmt.Sprintf("%s: %s, to keep the run within %d results.", o.Rule, what, limit)
}
