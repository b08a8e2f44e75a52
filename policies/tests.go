package policies

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego test rule.
type TestResult struct {
	// Package is the test's package without "data.".
	Package string
	Name    string
	// Location is file:row of the test.
	Location string
	Passed   bool
	Skipped  bool
	// Err is set when the test could not be evaluated (a runtime error),
	// as opposed to evaluating to false.
	Err error
	// FailedAt names the expression a failing test stopped at, and Output
	// holds what the test printed.
	FailedAt string
	Output   string
}

// RunTests runs the Rego unit tests (rules named test_*) of the built-in
// rules and of every directory in dirs, like `opa test`, with the same
// strict compiler as the engine; a built-in function's error (sort of null,
// say) fails the test instead of silently making it undefined. print()
// output is kept. filter, when not empty, is a regular
// expression selecting tests by package and name. Results are sorted by
// package and name.
func RunTests(ctx context.Context, dirs []string, filter string) ([]TestResult, error) {
	src, err := loadSources(dirs, true)
	if err != nil {
		return nil, err
	}
	c, err := newCompiler(true)
	if err != nil {
		return nil, err
	}
	mapErrs, err := checkMapRefs(src.modules)
	if err != nil {
		return nil, err
	}
	if len(mapErrs) > 0 {
		return nil, compileError(mapErrs, src)
	}
	runner := tester.NewRunner().
		SetCompiler(c).
		SetDefaultRegoVersion(ast.RegoV1).
		SetModules(src.modules).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		Filter(filter)
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		var errs ast.Errors
		if errors.As(err, &errs) {
			return nil, compileError(errs, src)
		}
		return nil, fmt.Errorf("compile policies with their tests: %w", err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{
			Package: strings.TrimPrefix(r.Package, "data."),
			Name:    r.Name,
			Passed:  r.Pass(),
			Skipped: r.Skip,
			Err:     r.Error,
			Output:  string(r.Output),
		}
		if r.FailedAt != nil {
			tr.FailedAt = fmt.Sprintf(" at %s: %s", r.FailedAt.Location, r.FailedAt)
		}
		if r.Location != nil {
			tr.Location = fmt.Sprintf("%s:%d", displayPath(r.Location.File, src.custom[r.Location.File]), r.Location.Row)
		}
		out = append(out, tr)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Package != out[j].Package {
			return out[i].Package < out[j].Package
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}
