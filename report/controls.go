package report

import (
	"cmp"
	"slices"
	"strings"

	"github.com/hogaudit/hogaudit/policies/frameworks"
)

// Control and rule statuses of ControlStatus.
const (
	// ControlPass: every rule of the control that could run ran and has no
	// unsuppressed finding, and at least one did run.
	ControlPass = "pass"
	// ControlFail: a rule of the control has an unsuppressed, non-advisory
	// finding, whatever its severity and --fail-on.
	ControlFail = "fail"
	// ControlNotEvaluated: no rule fails, but one could not run for lack of
	// evidence (Report.NotEvaluated), or none ran at all, or the check did
	// not complete (Report.Failure).
	ControlNotEvaluated = "not_evaluated"
	// RuleNotRun is the status of a drift rule in a report without a
	// previous snapshot: it had nothing to judge. It is not missing
	// evidence (the run is not incomplete for it) but it is no evidence
	// either: a control whose every rule did not run is not evaluated.
	RuleNotRun = "not_run"
	// RuleDisabled is the status of a rule turned off for the check
	// (--disable): it judged nothing, so its controls are not evaluated,
	// never passed.
	RuleDisabled = "disabled"
)

// ControlStatus is one control of a compliance framework as a report
// evidences it: the rules of the report's catalog that map to it
// (Rule.Frameworks), each with its own status and finding counts, and the
// control's status drawn from them.
type ControlStatus struct {
	// Framework is the framework's key (soc2, iso27001_2022).
	Framework string `json:"framework"`
	// Control is the control's id (CC6.1, A.5.15); Title its title
	// (policies/frameworks/controls.json), "" for an id that list lacks.
	Control string `json:"control"`
	Title   string `json:"title"`
	// Status is ControlPass, ControlFail or ControlNotEvaluated.
	Status string `json:"status"`
	// Rules are the control's rules, by id.
	Rules []ControlRule `json:"rules"`
}

// ControlRule is one rule of a control.
type ControlRule struct {
	Rule string `json:"rule"`
	Name string `json:"name"`
	// Status is ControlPass, ControlFail, ControlNotEvaluated or
	// RuleNotRun, for this rule alone.
	Status string `json:"status"`
	// Findings counts the rule's unsuppressed, non-advisory findings (the
	// ones that fail the control), Advisory its unsuppressed advisory
	// findings, Suppressed those a matrix exception covers.
	Findings   int `json:"findings"`
	Advisory   int `json:"advisory"`
	Suppressed int `json:"suppressed"`
}

// Controls groups r's catalog (Report.Rules) by framework control: one
// ControlStatus per control at least one rule maps to, frameworks in the
// order of frameworks.All (an unknown key after them, by key), controls in
// their framework's order (an id the list lacks after them, by id). It
// never turns missing evidence into a pass:
//
//   - a rule fails when it has an unsuppressed, non-advisory finding, of
//     any severity: --fail-on decides the exit code, not whether a
//     control's rules found exceptions to it;
//   - otherwise a rule listed in Report.NotEvaluated is not evaluated, and
//     so is every rule when the check did not complete (Report.Failure);
//   - otherwise a drift rule (Rule.Drift) in a report without drift
//     (Report.Drift nil) did not run;
//   - otherwise it passes.
//
// A control fails when any of its rules fails; else it is not evaluated
// when any rule is not evaluated or when none passed (all not run); else it
// passes. The review export's controls.csv and every report format read
// this.
func Controls(r *Report) []ControlStatus {
	type counts struct{ findings, advisory, suppressed int }
	byRule := map[string]*counts{}
	for _, f := range r.Findings {
		c := byRule[f.Rule]
		if c == nil {
			c = &counts{}
			byRule[f.Rule] = c
		}
		switch {
		case f.Suppressed != nil:
			c.suppressed++
		case f.Advisory:
			c.advisory++
		default:
			c.findings++
		}
	}
	notEvaluated := map[string]bool{}
	for _, ne := range r.NotEvaluated {
		notEvaluated[ne.Rule] = true
	}
	type key struct{ framework, control string }
	byControl := map[key]*ControlStatus{}
	seen := map[string]bool{}
	disabled := map[string]bool{}
	for _, rule := range r.DisabledRules {
		disabled[rule.ID] = true
	}
	for _, rule := range append(slices.Clone(r.Rules), r.DisabledRules...) {
		if seen[rule.ID] {
			continue // the first of duplicate ids wins, as in SARIF
		}
		seen[rule.ID] = true
		cr := ControlRule{Rule: rule.ID, Name: rule.Name, Status: ControlPass}
		if c := byRule[rule.ID]; c != nil {
			cr.Findings, cr.Advisory, cr.Suppressed = c.findings, c.advisory, c.suppressed
		}
		switch {
		case disabled[rule.ID]:
			cr.Status = RuleDisabled
		case cr.Findings > 0:
			cr.Status = ControlFail
		case notEvaluated[rule.ID] || r.Failure != nil:
			cr.Status = ControlNotEvaluated
		case rule.Drift && r.Drift == nil:
			cr.Status = RuleNotRun
		}
		for fw, ids := range rule.Frameworks {
			for _, id := range ids {
				k := key{fw, id}
				cs := byControl[k]
				if cs == nil {
					cs = &ControlStatus{Framework: fw, Control: id}
					if f, ok := frameworks.Lookup(fw); ok {
						if c, ok := f.Control(id); ok {
							cs.Title = c.Title
						}
					}
					byControl[k] = cs
				}
				if !slices.ContainsFunc(cs.Rules, func(x ControlRule) bool { return x.Rule == cr.Rule }) {
					cs.Rules = append(cs.Rules, cr)
				}
			}
		}
	}
	out := make([]ControlStatus, 0, len(byControl))
	for _, cs := range byControl {
		slices.SortFunc(cs.Rules, func(a, b ControlRule) int { return strings.Compare(a.Rule, b.Rule) })
		cs.Status = controlStatus(cs.Rules)
		out = append(out, *cs)
	}
	slices.SortFunc(out, func(a, b ControlStatus) int {
		return cmp.Or(frameworkOrder(a.Framework, b.Framework), controlOrder(a.Framework, a.Control, b.Control))
	})
	return out
}

func controlStatus(rules []ControlRule) string {
	passed, notEvaluated := false, false
	for _, cr := range rules {
		switch cr.Status {
		case ControlFail:
			return ControlFail
		case ControlNotEvaluated, RuleDisabled:
			notEvaluated = true
		case ControlPass:
			passed = true
		}
	}
	if notEvaluated || !passed {
		return ControlNotEvaluated
	}
	return ControlPass
}

// frameworkOrder orders framework keys: known ones in frameworks.All
// order, then unknown ones by key.
func frameworkOrder(a, b string) int {
	ia, ib := slices.Index(frameworks.Keys(), a), slices.Index(frameworks.Keys(), b)
	return orderIndex(ia, ib, a, b)
}

// controlOrder orders two control ids of framework fw.
func controlOrder(fw, a, b string) int {
	f, _ := frameworks.Lookup(fw)
	return orderIndex(f.Index(a), f.Index(b), a, b)
}

// orderIndex orders by position (-1 meaning unknown, last), then by name.
func orderIndex(ia, ib int, a, b string) int {
	switch {
	case ia >= 0 && ib >= 0:
		return ia - ib
	case ia >= 0:
		return -1
	case ib >= 0:
		return 1
	}
	return strings.Compare(a, b)
}
