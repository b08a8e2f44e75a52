package sarifcheck

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Batch validates the SARIF logs of a package's tests with one multitool
// run instead of one per log (the multitool takes seconds to start). Tests
// call Validate as they would the package's Validate; the schema check
// runs then, and the log is kept for the multitool, which the package's
// TestMain runs over every kept log once the tests are done (Run). Each
// error-level problem it finds fails the package run, printed with the
// test that wrote the log. The zero Batch is ready to use, by many tests
// at once.
type Batch struct {
	mu   sync.Mutex
	dir  string // the copies of the logs, made on first use
	logs []batchLog
}

// batchLog is one log kept for the multitool: a copy, since the test's
// directory is gone by the time the multitool runs.
type batchLog struct {
	test, path, copy string
}

// Validate checks the SARIF log at path against the schema at once,
// failing t with every error-level problem and logging the warnings, and
// keeps a copy of it for the multitool run of Run. It returns the schema
// problems. When the multitool is not installed it skips t with a hint to
// run `make tools` (after the schema check, whose failures still count),
// unless $CI is set, where it fails t instead — as Validate does.
func (b *Batch) Validate(t testing.TB, path string) []Problem {
	t.Helper()
	problems := checkSchema(t, path)
	requireMultitool(t)
	if err := b.keep(t.Name(), path); err != nil {
		t.Fatal(err)
	}
	return problems
}

// keep copies the log at path for the multitool run, on behalf of test.
func (b *Batch) keep(test, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dir == "" {
		dir, err := os.MkdirTemp("", "sarifcheck-batch-")
		if err != nil {
			return err
		}
		b.dir = dir
	}
	cp := filepath.Join(b.dir, fmt.Sprintf("%04d-%s", len(b.logs), filepath.Base(path)))
	if err := os.WriteFile(cp, data, 0o600); err != nil {
		return err
	}
	b.logs = append(b.logs, batchLog{test: test, path: path, copy: cp})
	return nil
}

// Run runs m's tests, then the multitool over every log they kept, and
// returns the exit code for os.Exit: m's, or 1 when a log has error-level
// problems (each printed to stdout as "sarifcheck: FAIL TestName wrote
// path: problem") or the multitool could not run.
func (b *Batch) Run(m *testing.M) int {
	code := m.Run()
	if !b.Check(context.Background(), os.Stdout, testing.Verbose()) && code == 0 {
		code = 1
	}
	return code
}

// Check runs the multitool once over every kept log, prints each
// error-level problem (and, if verbose, each warning) to w with the test
// that kept the log, forgets the logs, and reports whether none had an
// error. A problem the one run does not tie to a log — a notification, a
// run that did not complete, a log it skipped — is pinned to its log by
// running the multitool again on each log alone.
func (b *Batch) Check(ctx context.Context, w io.Writer, verbose bool) bool {
	b.mu.Lock()
	logs, dir := b.logs, b.dir
	b.logs, b.dir = nil, ""
	b.mu.Unlock()
	if len(logs) == 0 {
		return true
	}
	defer os.RemoveAll(dir)
	wd, err := os.Getwd()
	if err == nil {
		var bin string
		if bin, err = FindMultitool(wd); err == nil {
			start := time.Now()
			var byLog [][]Problem
			if byLog, err = multitoolEach(ctx, bin, logs); err == nil {
				return report(w, logs, byLog, verbose, time.Since(start))
			}
		}
	}
	fmt.Fprintf(w, "sarifcheck: FAIL the multitool could not check %d logs: %v\n", len(logs), err)
	return false
}

// multitoolEach returns the multitool's problems with each log: those of
// one run over them all when it ties every problem to a log, else those
// of a run per log.
func multitoolEach(ctx context.Context, bin string, logs []batchLog) ([][]Problem, error) {
	paths := make([]string, len(logs))
	at := map[string]int{}
	for i, l := range logs {
		paths[i] = l.copy
		at[filepath.Clean(l.copy)] = i
	}
	all, err := runMultitool(ctx, bin, paths)
	if err != nil {
		return nil, err
	}
	byLog := make([][]Problem, len(logs))
	for _, p := range all {
		i, ok := at[filepath.Clean(p.File)]
		if !ok {
			return multitoolAlone(ctx, bin, logs)
		}
		byLog[i] = append(byLog[i], p)
	}
	return byLog, nil
}

// multitoolAlone runs the multitool on each log by itself.
func multitoolAlone(ctx context.Context, bin string, logs []batchLog) ([][]Problem, error) {
	byLog := make([][]Problem, len(logs))
	for i, l := range logs {
		ps, err := runMultitool(ctx, bin, []string{l.copy})
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", l.path, l.test, err)
		}
		byLog[i] = ps
	}
	return byLog, nil
}

// report prints the problems of each log with its test and says whether
// none is an error.
func report(w io.Writer, logs []batchLog, byLog [][]Problem, verbose bool, took time.Duration) bool {
	ok := true
	tests := map[string]bool{}
	for i, l := range logs {
		tests[l.test] = true
		for _, p := range byLog[i] {
			switch {
			case p.Level == LevelError:
				ok = false
				fmt.Fprintf(w, "sarifcheck: FAIL %s wrote %s: %s\n", l.test, l.path, p)
			case p.Level == LevelWarning && verbose:
				fmt.Fprintf(w, "sarifcheck: %s wrote %s: %s\n", l.test, l.path, p)
			}
		}
	}
	if verbose {
		fmt.Fprintf(w, "sarifcheck: the multitool checked %d logs of %d tests in %s\n", len(logs), len(tests), took.Round(time.Millisecond))
	}
	return ok
}
