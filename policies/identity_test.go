package policies

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// TestBuiltinFindingsCarryAnIdentity checks every built-in rule's source:
// each finding object (an object literal with a "subject") also has an
// "identity", so that no built-in alert falls back to its names. The Rego
// tests beside each rule pin the identity's value.
func TestBuiltinFindingsCarryAnIdentity(t *testing.T) {
	t.Parallel()
	checked := 0
	for _, p := range builtinRegoFiles(t) {
		if strings.HasSuffix(p, "_test.rego") {
			continue
		}
		src, err := builtinFS.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		mod, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		ast.WalkTerms(mod, func(term *ast.Term) bool {
			obj, ok := term.Value.(ast.Object)
			if !ok || obj.Get(ast.StringTerm("subject")) == nil {
				return false
			}
			checked++
			if obj.Get(ast.StringTerm("identity")) == nil {
				t.Errorf("%s:%d: a finding with a subject and no identity", p, term.Location.Row)
			}
			return false
		})
	}
	if checked < 35 {
		t.Errorf("only %d finding objects found in the built-in rules; the walk misses some", checked)
	}
}

// identityRules are custom rules: IDN001 gives no identity (one finding
// per matrix project key), IDN002 gives one.
const identityRules = `# METADATA
# title: Per-project probe
# description: One finding per matrix project key, without an identity.
# custom:
#   id: IDN001
#   name: per-project-probe
#   severity: low
#   requires: []
#   remediation: None.
package custom.idn001

findings contains f if {
	some k, _ in input.matrix.projects
	f := {"subject": sprintf("project:%s", [k]), "project": k, "message": "probe"}
}
`

const identityRule2 = `# METADATA
# title: Identity probe
# description: One finding with an identity of its own.
# custom:
#   id: IDN002
#   name: identity-probe
#   severity: low
#   requires: []
#   remediation: None.
package custom.idn002

findings contains {"subject": "org:whatever", "identity": "thing:42", "message": "probe"}
`

func identityEngine(t *testing.T, rules ...string) *Engine {
	t.Helper()
	dir := t.TempDir()
	for i, r := range rules {
		if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".rego"), []byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := New(context.Background(), Options{PolicyDirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func identitySnapshot() *snapshot.Snapshot {
	return &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		Org:           snapshot.OrgRef{ID: "org-1", Name: "Acme"},
		CollectedAt:   time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
		Projects:      []snapshot.Project{{ID: 777, Name: "Production"}},
		Missing:       []snapshot.Missing{},
	}
}

func identityCheck(t *testing.T, eng *Engine, matrixYAML string) map[string]report.Finding {
	t.Helper()
	m, err := matrix.Parse("m.yaml", []byte(matrixYAML))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eng.Check(context.Background(), CheckInput{Snapshot: identitySnapshot(), Matrix: m})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]report.Finding{}
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Rule, "IDN") {
			out[f.Rule+" "+f.Subject] = f
		}
		if f.ID == "" || f.Identity == "" {
			t.Errorf("%s %s: id %q identity %q", f.Rule, f.Subject, f.ID, f.Identity)
		}
	}
	return out
}

// TestCustomRulesIdentity: a custom rule's own identity is used as given; a
// rule without one falls back to its subject and the PostHog id its
// project key binds to (else the key), so renaming a bound matrix key keeps
// the alert even then.
func TestCustomRulesIdentity(t *testing.T) {
	t.Parallel()
	eng := identityEngine(t, identityRules, identityRule2)
	const named = "version: 1\nprojects:\n  %s:\n    name: Production\n  ghost:\n    name: Nowhere\n"
	fs := identityCheck(t, eng, strings.Replace(named, "%s", "production", 1))

	own := fs["IDN002 org:whatever"]
	if own.Identity != "thing:42" || own.ID != report.Fingerprint("IDN002", "org-1", "thing:42")+":1" {
		t.Errorf("own identity: %q id %q", own.Identity, own.ID)
	}
	bound := fs["IDN001 project:production"]
	if bound.Identity != "subject:project:production|project:777" {
		t.Errorf("bound fallback identity %q", bound.Identity)
	}
	if got := fs["IDN001 project:ghost"].Identity; got != "subject:project:ghost|project-key:ghost" {
		t.Errorf("unbound fallback identity %q", got)
	}

	// The fallback names the subject: a renamed key renames the subject
	// this probe builds, so its alert changes; one that keeps the subject
	// and only moves the project key keeps its id.
	renamed := identityCheck(t, eng, strings.Replace(named, "%s", "prod", 1))
	if renamed["IDN001 project:prod"].ID == bound.ID {
		t.Error("a different subject kept the id: the subject is not part of the fallback")
	}
	if renamed["IDN002 org:whatever"].ID != own.ID {
		t.Error("an identity the rule gives changed with the matrix")
	}
}

func TestCustomRuleProjectKeyRenameKeepsTheFallbackID(t *testing.T) {
	t.Parallel()
	// The subject is fixed; only the project key changes: the fallback
	// names the project by its PostHog id, so the id holds.
	const rule = `# METADATA
# title: Fixed subject
# description: One finding per matrix project key, with a fixed subject.
# custom:
#   id: IDN003
#   name: fixed-subject-probe
#   severity: low
#   requires: []
#   remediation: None.
package custom.idn003

findings contains f if {
	some k, _ in input.matrix.projects
	f := {"subject": "org:acme", "project": k, "message": "probe"}
}
`
	eng := identityEngine(t, rule)
	a := identityCheck(t, eng, "version: 1\nprojects:\n  production:\n    name: Production\n")["IDN003 org:acme"]
	b := identityCheck(t, eng, "version: 1\nprojects:\n  prod:\n    name: Production\n")["IDN003 org:acme"]
	if a.ID == "" || a.ID != b.ID || a.Project == b.Project {
		t.Errorf("renaming the bound key: %q (%s) then %q (%s), want one id", a.ID, a.Project, b.ID, b.Project)
	}
	// Near miss: an unbound key is named by the key, so renaming it is a
	// new alert.
	c := identityCheck(t, eng, "version: 1\nprojects:\n  one:\n    name: Nowhere\n")["IDN003 org:acme"]
	d := identityCheck(t, eng, "version: 1\nprojects:\n  two:\n    name: Nowhere\n")["IDN003 org:acme"]
	if c.ID == d.ID {
		t.Errorf("renaming an unbound key kept id %q", c.ID)
	}
}

func TestInvalidIdentitiesAreRuleErrors(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		"empty":      `""`,
		"blank":      `"  "`,
		"not string": `42`,
		"control":    `"a\u0000b"`,
		"too long":   `concat("", [x | some _ in numbers.range(1, 1025); x := "a"])`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rule := strings.Replace(identityRule2, `"identity": "thing:42"`, `"identity": `+value, 1)
			eng := identityEngine(t, rule)
			m, err := matrix.Parse("m.yaml", []byte("version: 1\n"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = eng.Check(context.Background(), CheckInput{Snapshot: identitySnapshot(), Matrix: m})
			if err == nil || !strings.Contains(err.Error(), "identity") || !strings.Contains(err.Error(), "IDN002") {
				t.Errorf("identity %s: err = %v, want the rule's invalid identity named", value, err)
			}
		})
	}
}
