package policies

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Options configure an Engine.
type Options struct {
	// PolicyDirs are directories of custom rules evaluated beside the
	// built-in ones.
	PolicyDirs []string
	// Disable lists rules to turn off, by id or name.
	Disable []string
}

// Engine evaluates snapshots with the built-in and custom rules. It is built
// once (modules compiled in strict mode, one prepared query per rule) and may
// evaluate many snapshots, concurrently.
type Engine struct {
	rules    []Rule // every loaded rule, sorted by id
	disabled map[string]bool
	queries  map[string]rego.PreparedEvalQuery // by rule id
	compiler *ast.Compiler

	// accessQueries are Access's prepared queries, per resource list.
	accessMu      sync.Mutex
	accessQueries map[string]rego.PreparedEvalQuery
}

// New loads and compiles the rules. Errors name the file at fault: a Rego
// syntax or type error, a rule without complete METADATA, a duplicate id, or
// a --disable naming no rule.
func New(ctx context.Context, opts Options) (*Engine, error) {
	src, err := loadSources(opts.PolicyDirs, false)
	if err != nil {
		return nil, err
	}
	c, err := compile(src)
	if err != nil {
		return nil, err
	}
	rules, err := catalog(c, src)
	if err != nil {
		return nil, err
	}
	e := &Engine{rules: rules, disabled: map[string]bool{}, queries: map[string]rego.PreparedEvalQuery{}, compiler: c}
	for _, d := range opts.Disable {
		found := false
		for _, r := range rules {
			if r.Matches(d) {
				e.disabled[r.ID] = true
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("--disable %s: no such rule (hogaudit policies list shows the catalog)", d)
		}
	}
	for _, r := range rules {
		q, err := rego.New(
			rego.Compiler(c),
			rego.Query("data."+r.Package+".findings"),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: prepare rule %s: %w", r.File, r.ID, err)
		}
		e.queries[r.ID] = q
	}
	return e, nil
}

// loadSources parses the built-in modules and those of dirs.
func loadSources(dirs []string, withTests bool) (source, error) {
	mods, err := loadBuiltin(withTests)
	if err != nil {
		return source{}, err
	}
	src := source{modules: mods, custom: map[string]bool{}}
	for _, dir := range dirs {
		dm, err := loadDir(dir, withTests)
		if err != nil {
			return source{}, err
		}
		for name, m := range dm {
			if _, dup := src.modules[name]; dup {
				return source{}, fmt.Errorf("%s: loaded twice (is the directory given twice?)", name)
			}
			src.modules[name] = m
			src.custom[name] = true
		}
	}
	return src, nil
}

// compile compiles the modules once, in strict mode, type checked against
// the input schema (inputSchemas).
func compile(src source) (*ast.Compiler, error) {
	c, err := newCompiler(false)
	if err != nil {
		return nil, err
	}
	mapErrs, err := checkMapRefs(src.modules)
	if err != nil {
		return nil, err
	}
	c.Compile(src.modules)
	if c.Failed() || len(mapErrs) > 0 {
		return nil, compileError(append(c.Errors, mapErrs...), src)
	}
	return c, nil
}

// newCompiler returns the compiler the engine and the tests share: strict,
// Rego v1, and type checking every module against the input document's
// schema (a reference to a field input does not have is an error, with its
// file and line), the schemas: annotations of METADATA included.
func newCompiler(printStatements bool) (*ast.Compiler, error) {
	ss, err := inputSchemas()
	if err != nil {
		return nil, err
	}
	return ast.NewCompiler().
		WithStrict(true).
		WithEnablePrintStatements(printStatements).
		WithDefaultRegoVersion(ast.RegoV1).
		WithSchemas(ss).
		WithUseTypeCheckAnnotations(true), nil
}

// compileError lists Rego errors one per line as file:line:col: message.
func compileError(errs ast.Errors, src source) error {
	lines := make([]string, 0, len(errs))
	for _, e := range errs {
		loc := ""
		if e.Location != nil {
			loc = fmt.Sprintf("%s:%d:%d: ", displayPath(e.Location.File, src.custom[e.Location.File]), e.Location.Row, e.Location.Col)
		}
		lines = append(lines, loc+e.Message)
		if h := fieldHint(e); h != "" {
			lines = append(lines, h)
		}
	}
	return fmt.Errorf("policy compilation failed:\n%s", strings.Join(lines, "\n"))
}

// Rules returns every loaded rule, disabled ones included, sorted by id.
func (e *Engine) Rules() []Rule { return append([]Rule{}, e.rules...) }

// Disabled reports whether the rule with id was turned off.
func (e *Engine) Disabled(id string) bool { return e.disabled[id] }

// Rule returns the rule with the given id or name.
func (e *Engine) Rule(idOrName string) (Rule, bool) {
	for _, r := range e.rules {
		if r.Matches(idOrName) {
			return r, true
		}
	}
	return Rule{}, false
}
