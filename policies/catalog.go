package policies

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"

	"github.com/hogaudit/hogaudit/policies/frameworks"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// Rule is one rule as its METADATA block describes it.
type Rule struct {
	ID          string
	Name        string
	Title       string
	Severity    string
	Description string
	Remediation string
	// Area is organization, access, keys, audit, tool, or custom.
	Area string
	// Requires lists the snapshot sections the rule reads (custom.requires);
	// Scopes the personal API key scopes those need, derived from Requires
	// by snapshot.ScopesFor (never written in METADATA).
	Requires []string
	Scopes   []string
	// Drift says the rule judges input.drift, the drift since the previous
	// snapshot (custom.drift: true): without a previous snapshot it has
	// nothing to judge, runs not and is not counted as not evaluated; with
	// one, a gap of the drift in a protected project's access keeps it from
	// running (driftNotEvaluated).
	Drift bool
	// Frameworks maps a compliance framework key (frameworks.SOC2,
	// frameworks.ISO27001v2022) to the controls the rule evidences
	// (custom.frameworks), each list in the framework's order. Every id is
	// one of policies/frameworks/controls.json; every built-in rule names at
	// least one control of each framework; a custom rule may name none.
	Frameworks map[string][]string
	// Notes is optional Markdown (custom.notes) that docs/rules.md shows
	// after the description: how PostHog behaves, what the rule does with
	// it, the PostHog source it follows. Unlike Description it has no
	// length limit and reaches no report.
	Notes string
	// RelatedResources are documentation links (related_resources).
	RelatedResources []Link
	// Package is the rule's Rego package path without "data.", e.g.
	// "hogaudit.rules.ph204".
	Package string
	// File is the file that declares the rule (embedded path for built-ins).
	File string
	// Custom is true for rules loaded from a --policy-dir.
	Custom bool
}

// Link is a documentation link of a rule's related_resources.
type Link struct {
	URL string
	// Description is the link's text; it may be empty.
	Description string
}

// Report returns the rule as the report model describes it.
func (r Rule) Report() report.Rule {
	return report.Rule{
		ID: r.ID, Name: r.Name, Title: r.Title, Severity: r.Severity,
		Description: r.Description, Remediation: r.Remediation, Area: r.Area,
		Requires: append([]string{}, r.Requires...), Scopes: append([]string{}, r.Scopes...),
		Custom: r.Custom, Drift: r.Drift, HelpURI: r.HelpURI(), Frameworks: cloneFrameworks(r.Frameworks),
	}
}

func cloneFrameworks(m map[string][]string) map[string][]string {
	if m == nil {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, ids := range m {
		out[k] = append([]string{}, ids...)
	}
	return out
}

// HelpURI is the rule's documentation address: its section of
// docs/rules.md (report.RulesDocURL, with the anchor CatalogMarkdown
// gives it) for a built-in rule, the first related_resources link of a
// custom one, or "" when a custom rule has none.
func (r Rule) HelpURI() string {
	if !r.Custom {
		return report.RulesDocURL(ruleAnchor(r))
	}
	if len(r.RelatedResources) > 0 {
		if u, err := url.Parse(r.RelatedResources[0].URL); err == nil && u.IsAbs() && u.Host != "" {
			return u.String()
		}
	}
	return ""
}

// Matches reports whether s names the rule, by id (any case) or by name.
func (r Rule) Matches(s string) bool {
	return strings.EqualFold(s, r.ID) || s == r.Name
}

var (
	builtinIDPattern = regexp.MustCompile(`^PH\d{3}$`)
	idPattern        = regexp.MustCompile(`^[A-Z]{2,16}[0-9]{1,6}$`)
	namePattern      = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	areas            = map[string]bool{"organization": true, "access": true, "keys": true, "audit": true, "tool": true, "custom": true}
)

// source is a set of parsed Rego modules and where they came from.
type source struct {
	modules map[string]*ast.Module
	custom  map[string]bool // module key → loaded from a --policy-dir
}

// builtinRoot is the directory of builtinFS that holds the rules.
const builtinRoot = "builtin"

// loadBuiltin parses the embedded rules; withTests adds their _test.rego
// files.
func loadBuiltin(withTests bool) (map[string]*ast.Module, error) {
	res, err := loader.NewFileLoader().
		WithFS(builtinFS).
		WithProcessAnnotation(true).
		WithRegoVersion(ast.RegoV1).
		Filtered([]string{builtinRoot}, regoFilter(withTests))
	if err != nil {
		return nil, fmt.Errorf("load built-in policies: %w", err)
	}
	out := make(map[string]*ast.Module, len(res.Modules))
	for name, f := range res.Modules {
		out[name] = f.Parsed
	}
	return out, nil
}

// loadDir parses the Rego files under dir (recursively); withTests adds the
// _test.rego files. Other files are ignored.
func loadDir(dir string, withTests bool) (map[string]*ast.Module, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("policy directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("policy directory %s: not a directory", dir)
	}
	res, err := loader.NewFileLoader().
		WithProcessAnnotation(true).
		WithRegoVersion(ast.RegoV1).
		Filtered([]string{dir}, regoFilter(withTests))
	if err != nil {
		return nil, fmt.Errorf("load policies from %s: %w", dir, err)
	}
	out := make(map[string]*ast.Module, len(res.Modules))
	for name, f := range res.Modules {
		// Key modules by the path the user knows (the loader's keys drop a
		// leading slash), so messages name the file as given.
		if f.Parsed.Package != nil && f.Parsed.Package.Location != nil && f.Parsed.Package.Location.File != "" {
			name = f.Parsed.Package.Location.File
		}
		out[name] = f.Parsed
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("policy directory %s: no .rego files", dir)
	}
	return out, nil
}

// regoFilter excludes every file that is not Rego, and test files unless
// withTests.
func regoFilter(withTests bool) loader.Filter {
	return func(_ string, info fs.FileInfo, _ int) bool {
		if info.IsDir() {
			return false
		}
		name := info.Name()
		if !strings.HasSuffix(name, ".rego") {
			return true
		}
		return !withTests && strings.HasSuffix(name, "_test.rego")
	}
}

// catalog reads the rules' METADATA from compiled modules. A package that
// defines findings is a rule and must have complete METADATA; other packages
// (libraries, test helpers) are not rules.
func catalog(c *ast.Compiler, src source) ([]Rule, error) {
	as := c.GetAnnotationSet()
	var rules []Rule
	var errs []error
	names := make([]string, 0, len(src.modules))
	for name := range src.modules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, file := range names {
		m := src.modules[file]
		if strings.HasSuffix(file, "_test.rego") {
			continue
		}
		isRule := definesFindings(m)
		var ann *ast.Annotations
		if as != nil {
			ann = as.GetPackageScope(m.Package)
		}
		hasID := ann != nil && ann.Custom != nil && ann.Custom["id"] != nil
		if !isRule && !hasID {
			continue
		}
		display := displayPath(file, src.custom[file])
		if !isRule {
			errs = append(errs, fmt.Errorf("%s: package %s has rule METADATA but defines no findings", display, pkgPath(m)))
			continue
		}
		r, err := ruleFromAnnotations(ann, m, display, src.custom[file])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, r)
	}
	if err := checkUnique(rules); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules, nil
}

func definesFindings(m *ast.Module) bool {
	for _, r := range m.Rules {
		if r.Head.Name.String() == "findings" || (len(r.Head.Reference) > 0 && r.Head.Reference[0].Value.String() == "findings") {
			return true
		}
	}
	return false
}

func pkgPath(m *ast.Module) string {
	return strings.TrimPrefix(m.Package.Path.String(), "data.")
}

func displayPath(file string, custom bool) string {
	if custom {
		return file
	}
	return "policies/" + filepath.ToSlash(file)
}

// ruleFromAnnotations validates a rule's METADATA and returns the rule. The
// error names the file and every missing or invalid field.
func ruleFromAnnotations(ann *ast.Annotations, m *ast.Module, file string, custom bool) (Rule, error) {
	r := Rule{Package: pkgPath(m), File: file, Custom: custom}
	if ann == nil {
		return r, fmt.Errorf("%s: rule package %s has no METADATA block (scope: package) with custom.id and custom.severity; see policies/INPUT.md", file, r.Package)
	}
	var problems []string
	str := func(key string) string {
		v, ok := ann.Custom[key]
		if !ok || v == nil {
			return ""
		}
		s, ok := v.(string)
		if !ok {
			problems = append(problems, fmt.Sprintf("custom.%s must be a string", key))
			return ""
		}
		return strings.TrimSpace(s)
	}
	list := func(key string, required bool) []string {
		v, ok := ann.Custom[key]
		if !ok || v == nil {
			if required {
				problems = append(problems, fmt.Sprintf("custom.%s is missing (use [] when none)", key))
			}
			return []string{}
		}
		items, ok := v.([]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("custom.%s must be a list", key))
			return []string{}
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			s, ok := it.(string)
			if !ok {
				problems = append(problems, fmt.Sprintf("custom.%s must list strings", key))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	r.ID = str("id")
	r.Name = str("name")
	r.Severity = str("severity")
	r.Remediation = str("remediation")
	r.Area = str("area")
	r.Title = strings.TrimSpace(ann.Title)
	r.Description = strings.TrimSpace(ann.Description)
	r.Notes = str("notes")
	if v, ok := ann.Custom["drift"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			problems = append(problems, "custom.drift must be true or false")
		}
		r.Drift = b
	}
	for _, rr := range ann.RelatedResources {
		if rr != nil && rr.Ref.String() != "" {
			r.RelatedResources = append(r.RelatedResources, Link{URL: rr.Ref.String(), Description: strings.TrimSpace(rr.Description)})
		}
	}
	switch {
	case r.ID == "":
		problems = append(problems, "custom.id is missing")
	case !custom && !builtinIDPattern.MatchString(r.ID):
		problems = append(problems, fmt.Sprintf("custom.id %q is not PH followed by three digits", r.ID))
	case custom && builtinIDPattern.MatchString(r.ID):
		problems = append(problems, fmt.Sprintf("custom.id %q uses the PHnnn ids reserved for built-in rules; choose another prefix, e.g. ACME001", r.ID))
	case custom && !idPattern.MatchString(r.ID):
		problems = append(problems, fmt.Sprintf("custom.id %q must be capital letters then digits, like ACME001", r.ID))
	}
	switch {
	case r.Name == "":
		problems = append(problems, "custom.name is missing")
	case !namePattern.MatchString(r.Name):
		problems = append(problems, fmt.Sprintf("custom.name %q is not kebab-case", r.Name))
	}
	if r.Severity == "" {
		problems = append(problems, "custom.severity is missing")
	} else if report.SeverityRank(r.Severity) == 0 {
		problems = append(problems, fmt.Sprintf("custom.severity %q is not one of critical, high, medium, low", r.Severity))
	}
	if r.Title == "" {
		problems = append(problems, "title is missing")
	}
	if r.Description == "" {
		problems = append(problems, "description is missing")
	}
	if r.Remediation == "" {
		problems = append(problems, "custom.remediation is missing")
	}
	if r.Area == "" {
		r.Area = "custom"
	} else if !areas[r.Area] {
		problems = append(problems, fmt.Sprintf("custom.area %q is not one of organization, access, keys, audit, tool, custom", r.Area))
	}
	r.Requires = list("requires", !custom)
	for _, sec := range r.Requires {
		if !knownSection(sec) {
			problems = append(problems, fmt.Sprintf("custom.requires names unknown section %q", sec))
		}
	}
	r.Scopes = snapshot.ScopesFor(r.Requires)
	fw, fwProblems := frameworks.Check(ann.Custom["frameworks"])
	problems = append(problems, fwProblems...)
	r.Frameworks = fw
	if !custom {
		for _, k := range frameworks.Keys() {
			if len(fw[k]) == 0 && !slices.ContainsFunc(fwProblems, func(p string) bool { return strings.HasPrefix(p, "custom.frameworks."+k+" ") }) {
				problems = append(problems, fmt.Sprintf("custom.frameworks.%s is missing: a built-in rule names the controls it evidences in every framework", k))
			}
		}
	}
	var errs []error
	if len(problems) > 0 {
		errs = append(errs, fmt.Errorf("%s: rule package %s: %s", file, r.Package, strings.Join(problems, "; ")))
	}
	if _, ok := ann.Custom["scopes"]; ok {
		errs = append(errs, handScopesError(ann, m, file, r))
	}
	return r, errors.Join(errs...)
}

// handScopesError is the error for a rule whose METADATA writes
// custom.scopes. A rule's scopes are derived from custom.requires
// (snapshot.ScopesFor), never written by hand: a hand-written list could
// disagree with what the sections need and mislead whoever grants the
// scanning key. The error names the file and the line of the scopes key
// (the METADATA block's first line when that line cannot be told) and the
// derived scopes.
func handScopesError(ann *ast.Annotations, m *ast.Module, file string, r Rule) error {
	derived := "none"
	if len(r.Scopes) > 0 {
		derived = strings.Join(r.Scopes, ", ")
	}
	return fmt.Errorf("%s:%d: rule package %s: custom.scopes is derived from custom.requires (here: %s), not written by hand; delete the line",
		file, metadataKeyLine(ann, m, "scopes"), r.Package, derived)
}

// metadataKeyLine returns the line of the METADATA block ann that opens a
// nested key (an indented "key:"), or the block's first line.
func metadataKeyLine(ann *ast.Annotations, m *ast.Module, key string) int {
	if ann.Location == nil {
		return 0
	}
	start := ann.Location.Row
	pattern := regexp.MustCompile(`^\s+` + regexp.QuoteMeta(key) + `\s*:`)
	next := start
	for _, c := range m.Comments {
		if c.Location == nil || c.Location.Row < start {
			continue
		}
		if c.Location.Row != next {
			break // the block ends at the first line that is not a comment
		}
		next++
		if pattern.Match(c.Text) {
			return c.Location.Row
		}
	}
	return start
}

func checkUnique(rules []Rule) error {
	ids := map[string]string{}
	names := map[string]string{}
	var errs []error
	for _, r := range rules {
		id := strings.ToUpper(r.ID)
		if prev, ok := ids[id]; ok {
			errs = append(errs, fmt.Errorf("%s: rule id %s is already used by %s", r.File, r.ID, prev))
		} else {
			ids[id] = r.File
		}
		if prev, ok := names[r.Name]; ok {
			errs = append(errs, fmt.Errorf("%s: rule name %s is already used by %s", r.File, r.Name, prev))
		} else {
			names[r.Name] = r.File
		}
	}
	return errors.Join(errs...)
}
