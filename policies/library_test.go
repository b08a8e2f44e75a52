package policies

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
)

// The library's API is its public rules: every rule of builtin/lib/*.rego
// whose name does not begin with "_" (the OPA style guide's mark of a rule
// internal to its package), but the test fixtures. policies/INPUT.md ("The
// library") lists them, one table row each.

const (
	libraryDir      = builtinRoot + "/lib/"
	libraryPrefix   = "hogaudit.lib."
	fixturesPackage = libraryPrefix + "testdata"
	librarySection  = "## The library"
)

// libRule is a rule of the library as a rule author calls it: package (the
// last part of its path, as imported), name and number of arguments.
type libRule struct {
	pkg, name string
	arity     int
}

func (r libRule) String() string {
	if r.arity == 0 {
		return r.pkg + "." + r.name
	}
	return fmt.Sprintf("%s.%s/%d", r.pkg, r.name, r.arity)
}

// libraryModules are the parsed library modules (no tests, no fixtures), by
// file.
func libraryModules(t *testing.T) map[string]*ast.Module {
	t.Helper()
	mods, err := loadBuiltin(false)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ast.Module{}
	for file, m := range mods {
		if !strings.HasPrefix(strings.TrimPrefix(file, "/"), libraryDir) {
			continue
		}
		if pkgPath(m) == fixturesPackage {
			continue
		}
		out[file] = m
	}
	if len(out) == 0 {
		t.Fatal("no library modules under " + libraryDir)
	}
	return out
}

// ruleName is the name a rule defines (the first term of its head's ref:
// restricted_resources for restricted_resources[k] contains r).
func ruleName(r *ast.Rule) string {
	return string(r.Head.Ref()[0].Value.(ast.Var))
}

// publicRules are the rules of the library modules rule authors may call,
// each with the row of its first definition.
func publicRules(mods map[string]*ast.Module) map[libRule]*ast.Rule {
	out := map[libRule]*ast.Rule{}
	for _, m := range mods {
		pkg := strings.TrimPrefix(pkgPath(m), libraryPrefix)
		for _, r := range m.Rules {
			name := ruleName(r)
			if strings.HasPrefix(name, "_") {
				continue
			}
			k := libRule{pkg: pkg, name: name, arity: len(r.Head.Args)}
			if first, seen := out[k]; !seen || r.Location.Row < first.Location.Row {
				out[k] = r
			}
		}
	}
	return out
}

// documentedRow matches a row of INPUT.md's library tables: the rule as
// called (`pkg.name`, `pkg.name[key]` or `pkg.name(a, b)`), then what it is.
var documentedRow = regexp.MustCompile("^\\| `([a-z_]+)\\.([a-z][a-z0-9_]*)(\\[[a-z_, ]+\\])*(\\(([a-z_, ]*)\\))?` \\| (.*) \\|$")

// documentedRules parses the library section of INPUT.md. Every table row
// there must name a rule; a row that does not parse is an error.
func documentedRules(t *testing.T, doc string) map[libRule]string {
	t.Helper()
	start := strings.Index(doc, "\n"+librarySection+"\n")
	if start < 0 {
		t.Fatalf("INPUT.md has no %q section", librarySection)
	}
	section := doc[start+1:]
	if end := strings.Index(section[len(librarySection):], "\n## "); end >= 0 {
		section = section[:len(librarySection)+end]
	}
	out := map[libRule]string{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		m := documentedRow.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("INPUT.md library row does not read | `pkg.rule(args)` | what it returns |: %s", line)
			continue
		}
		arity := 0
		if args := strings.TrimSpace(m[5]); args != "" {
			arity = len(strings.Split(args, ","))
		}
		if m[4] != "" && arity == 0 {
			t.Errorf("INPUT.md documents %s.%s with empty parentheses: functions take arguments", m[1], m[2])
		}
		k := libRule{pkg: m[1], name: m[2], arity: arity}
		if _, dup := out[k]; dup {
			t.Errorf("INPUT.md documents %s twice", k)
		}
		if strings.TrimSpace(m[6]) == "" {
			t.Errorf("INPUT.md documents %s without saying what it returns", k)
		}
		out[k] = m[6]
	}
	return out
}

// TestLibraryDocumented holds the list of library rules in policies/INPUT.md
// equal to the library's public rules (name and number of arguments), so a
// rule added to, renamed in or removed from lib/ without its line there —
// or a line left for a rule that went — fails.
func TestLibraryDocumented(t *testing.T) {
	doc, err := os.ReadFile("INPUT.md")
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for k := range documentedRules(t, string(doc)) {
		got = append(got, k.String())
	}
	for k := range publicRules(libraryModules(t)) {
		want = append(want, k.String())
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("INPUT.md's library rules differ from the public rules of %s (-lib +INPUT.md; internal rules begin with _):\n%s", libraryDir, diff)
	}
}

// TestLibraryRulesCommented checks that every public library rule has a
// comment naming it right above its first definition.
func TestLibraryRulesCommented(t *testing.T) {
	for file, m := range libraryModules(t) {
		comments := map[int]string{}
		for _, c := range m.Comments {
			comments[c.Location.Row] = string(c.Text)
		}
		pkg := strings.TrimPrefix(pkgPath(m), libraryPrefix)
		for k, r := range publicRules(map[string]*ast.Module{file: m}) {
			var block []string
			for row := r.Location.Row - 1; ; row-- {
				text, ok := comments[row]
				if !ok {
					break
				}
				block = append(block, text)
			}
			word := regexp.MustCompile(`(^|[^a-z0-9_])` + regexp.QuoteMeta(k.name) + `($|[^a-z0-9_])`)
			if !word.MatchString(strings.Join(block, " ")) {
				t.Errorf("%s:%d: public rule %s.%s has no comment naming it above it (or begin its name with _ if it is internal)", path.Base(file), r.Location.Row, pkg, k.name)
			}
		}
	}
}

// TestLibraryInternalsStayInternal checks that no built-in rule or library
// module refers to a rule another library package marks internal (Regal's
// leaked-internal-reference); tests may.
func TestLibraryInternalsStayInternal(t *testing.T) {
	mods, err := loadBuiltin(false)
	if err != nil {
		t.Fatal(err)
	}
	files := make([]string, 0, len(mods))
	for f := range mods {
		files = append(files, f)
	}
	slices.Sort(files)
	for _, file := range files {
		m := mods[file]
		self := pkgPath(m)
		imports := map[ast.Var]ast.Ref{}
		for _, imp := range m.Imports {
			ref, ok := imp.Path.Value.(ast.Ref)
			if !ok {
				continue
			}
			imports[imp.Name()] = ref
		}
		ast.WalkRefs(m, func(ref ast.Ref) bool {
			full := ref
			if v, ok := ref[0].Value.(ast.Var); ok {
				if imp, found := imports[v]; found {
					full = imp.Concat(ref[1:])
				}
			}
			pkg, name, ok := libraryTarget(full)
			if ok && strings.HasPrefix(name, "_") && pkg != self {
				t.Errorf("%s:%d: %s refers to %s.%s, internal to %s", path.Base(file), ref[0].Location.Row, self, pkg, name, pkg)
			}
			return false
		})
	}
}

// libraryTarget splits a ref data.hogaudit.lib.<pkg>.<name>... into the
// package path and the rule name.
func libraryTarget(ref ast.Ref) (pkg, name string, ok bool) {
	if len(ref) < 5 || !ref[0].Equal(ast.DefaultRootDocument) {
		return "", "", false
	}
	var parts []string
	for _, t := range ref[1:5] {
		s, isString := t.Value.(ast.String)
		if !isString {
			return "", "", false
		}
		parts = append(parts, string(s))
	}
	if parts[0] != "hogaudit" || parts[1] != "lib" {
		return "", "", false
	}
	return libraryPrefix + parts[2], parts[3], true
}
