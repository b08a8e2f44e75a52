package policies

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/hogaudit/hogaudit/policies/frameworks"
)

// TestBuiltinFrameworks: every built-in rule names at least one control of
// each framework, and every id it names is in policies/frameworks/controls.json.
func TestBuiltinFrameworks(t *testing.T) {
	eng, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules := eng.Rules()
	if len(rules) < 30 {
		t.Fatalf("%d built-in rules: the catalog did not load", len(rules))
	}
	for _, r := range rules {
		for _, f := range frameworks.All() {
			ids := r.Frameworks[f.Key]
			if len(ids) == 0 {
				t.Errorf("%s names no %s control", r.ID, f.Key)
			}
			for _, id := range ids {
				if _, ok := f.Control(id); !ok {
					t.Errorf("%s names %s control %q, which is not in controls.json", r.ID, f.Key, id)
				}
			}
		}
		for k := range r.Frameworks {
			if _, ok := frameworks.Lookup(k); !ok {
				t.Errorf("%s names unknown framework %q", r.ID, k)
			}
		}
		// The report model carries the same mapping.
		if rep := r.Report(); len(rep.Frameworks["soc2"]) != len(r.Frameworks["soc2"]) || rep.Drift != r.Drift {
			t.Errorf("%s: report rule %v, catalog %v", r.ID, rep.Frameworks, r.Frameworks)
		}
	}
}

// frameworksRule is a rule whose METADATA line 8 is its frameworks.
const frameworksRule = `# METADATA
# title: Frameworks probe
# description: Reads members.
# custom:
#   id: FWK001
#   name: frameworks-probe
#   severity: low
#   frameworks: FRAMEWORKS
#   requires: [members]
#   remediation: None.
package custom.fwk001

findings contains {"subject": "org:x", "message": "probe"} if count(input.snapshot.members) > 100
`

func TestCustomRuleFrameworks(t *testing.T) {
	load := func(fw string) ([]Rule, error) {
		dir := t.TempDir()
		src := strings.Replace(frameworksRule, "FRAMEWORKS", fw, 1)
		if fw == "" {
			src = strings.Replace(src, "#   frameworks: \n", "", 1)
		}
		if err := os.WriteFile(filepath.Join(dir, "fwk.rego"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		eng, err := New(context.Background(), Options{PolicyDirs: []string{dir}})
		if err != nil {
			return nil, err
		}
		return eng.Rules(), nil
	}
	custom := func(rules []Rule) Rule {
		for _, r := range rules {
			if r.ID == "FWK001" {
				return r
			}
		}
		t.Fatal("no FWK001 in the catalog")
		return Rule{}
	}
	// A custom rule may name one framework, or none.
	rules, err := load("{soc2: [CC6.3, CC6.1]}")
	if err != nil {
		t.Fatal(err)
	}
	if r := custom(rules); strings.Join(r.Frameworks["soc2"], ",") != "CC6.1,CC6.3" || len(r.Frameworks) != 1 {
		t.Errorf("frameworks %v", r.Frameworks)
	}
	rules, err = load("")
	if err != nil {
		t.Fatal(err)
	}
	if r := custom(rules); r.Frameworks != nil {
		t.Errorf("a rule naming no framework has %v", r.Frameworks)
	}
	// Near misses: an id one past the last, and a framework key without
	// its version, do not load; the error names the file and the fix.
	for fw, want := range map[string]string{
		"{soc2: [CC6.9]}":                          `custom.frameworks.soc2 names unknown control "CC6.9"`,
		"{iso27001_2022: [A.5.38]}":                `custom.frameworks.iso27001_2022 names unknown control "A.5.38"`,
		"{iso27001: [A.5.15]}":                     `custom.frameworks names unknown framework "iso27001" (known: soc2, iso27001_2022)`,
		"{soc2: CC6.1}":                            "custom.frameworks.soc2 must be a list of control ids",
		"[CC6.1]":                                  "custom.frameworks must be a map",
		"{soc2: [CC6.1], iso27001_2022: [A.8.35]}": `unknown control "A.8.35"`,
	} {
		_, err := load(fw)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "fwk.rego") {
			t.Errorf("frameworks %s: error %v, want one naming fwk.rego and %q", fw, err, want)
		}
	}
}

// TestBuiltinRuleNeedsEveryFramework: a built-in rule that leaves a
// framework out does not load; the same METADATA is fine for a custom rule.
func TestBuiltinRuleNeedsEveryFramework(t *testing.T) {
	src := strings.NewReplacer("FWK001", "PH999", "FRAMEWORKS", "{soc2: [CC6.1]}").Replace(frameworksRule)
	m, err := ast.ParseModuleWithOpts("ph999.rego", src, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	ann := m.Annotations[0]
	_, err = ruleFromAnnotations(ann, m, "policies/builtin/ph999.rego", false)
	if err == nil || !strings.Contains(err.Error(), "custom.frameworks.iso27001_2022 is missing") || strings.Contains(err.Error(), "soc2 is missing") {
		t.Errorf("built-in without iso27001_2022: %v", err)
	}
	src = strings.Replace(src, "{soc2: [CC6.1]}", "{soc2: [CC6.1], iso27001_2022: [A.5.15]}", 1)
	m, err = ast.ParseModuleWithOpts("ph999.rego", src, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ruleFromAnnotations(m.Annotations[0], m, "policies/builtin/ph999.rego", false); err != nil || r.Frameworks["iso27001_2022"][0] != "A.5.15" {
		t.Errorf("built-in with both frameworks: %v, %v", r.Frameworks, err)
	}
}

// TestCatalogMarkdownControls: each built-in rule's section names its
// controls, the index lists each control under its heading with its rules,
// and a control no rule names has no entry.
func TestCatalogMarkdownControls(t *testing.T) {
	eng, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc := string(CatalogMarkdown(append(eng.Rules(), docRule)))
	ph204 := doc[strings.Index(doc, "\n### PH204 "):]
	ph204 = ph204[:strings.Index(ph204[1:], "\n### ")]
	if !strings.Contains(ph204, "**Controls.** SOC 2 [CC6.1](#soc-2-cc61), [CC6.3](#soc-2-cc63); ISO 27001:2022 [A.5.15](#iso-270012022-a515),") {
		t.Errorf("PH204's section:\n%s", ph204)
	}
	idx := doc[strings.Index(doc, "\n## Controls index\n"):]
	if !strings.Contains(idx, "\n#### ISO 27001:2022 A.8.3\n\n*Information access restriction*\n\n- [PH204](#ph204-project-access-exceeds-matrix) Project access exceeds the matrix\n") {
		t.Errorf("index lacks A.8.3 → PH204:\n%s", idx)
	}
	if strings.Contains(idx, "CC1.1") || strings.Contains(idx, "A.7.1\n") {
		t.Error("the index lists a control no rule names")
	}
	// docRule names no framework: its section has no controls line.
	sec := doc[strings.Index(doc, "\n### "+docRule.ID+" "):]
	if i := strings.Index(sec[1:], "\n## "); i > 0 {
		sec = sec[:i]
	}
	if strings.Contains(sec, "**Controls.**") {
		t.Errorf("a rule without frameworks has a controls line:\n%s", sec)
	}
}
