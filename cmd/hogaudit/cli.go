package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/hogaudit/hogaudit/internal/redact"
	"github.com/hogaudit/hogaudit/internal/version"
	"github.com/hogaudit/hogaudit/policies"
)

// cli is the whole command-line grammar. Each command is a struct of flags
// with a Run method that turns them into calls.
type cli struct {
	Quiet   bool `short:"q" help:"Print nothing on stderr but errors."`
	Verbose bool `short:"v" help:"Print diagnostics (each request, retry and wait) on stderr, on a terminal too (above the progress line)."`

	Scan     scanCmd     `cmd:"" help:"Snapshot the organization, then check it against the access matrix: the one-step CI job."`
	Snapshot snapshotCmd `cmd:"" help:"Collect the organization's access state into a snapshot file, for offline checks."`
	Check    checkCmd    `cmd:"" help:"Check a saved snapshot against the access matrix; no network."`
	Diff     diffCmd     `cmd:"" help:"Show the access drift between two snapshots of one organization, with who made each change where PostHog logged it."`
	Matrix   matrixCmd   `cmd:"" help:"Work with access-matrix files."`
	Policies policiesCmd `cmd:"" help:"List or test the Rego rules."`
	Explain  explainCmd  `cmd:"" help:"Explain one rule (what it checks, why, how to fix, which API scope it needs), or with member:EMAIL one member's access and how it is granted."`
	Review   reviewCmd   `cmd:"" help:"Export a user-access review bundle (who has what and why, as CSV with a manifest of digests) and verify a completed one."`
	Demo     demoCmd     `cmd:"" help:"Run a full scan of Acme, a simulated PostHog organization served on loopback."`
	Version  versionCmd  `cmd:"" help:"Print the version of hogaudit, its commit, OPA and Go."`
}

const description = `hogaudit checks a PostHog organization's access control against a declared access matrix.

It snapshots the organization through PostHog's REST API (members, roles, projects and their
access rules, SSO domains, 2FA, invites, the activity log, API keys), evaluates Rego policies
on the snapshot, and reports violations as SARIF (GitHub code scanning), JSON, Markdown or a table.

The scanning key comes from $POSTHOG_PERSONAL_API_KEY or --api-key-file; it needs only read scopes:
organization:read organization_member:read project:read access_control:read activity_log:read user:read.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 could not check fully (bad input,
API failure, or missing evidence), 130 interrupted (SIGINT or SIGTERM).

Try it without an account:   hogaudit demo`

// env is what a run may touch of its process: arguments aside, the
// environment, the working directory, the standard streams, the clock, and
// whether the streams are terminals. Tests substitute it, so that runs can
// go on side by side in one process.
type env struct {
	stdout, stderr io.Writer
	// lookupEnv is the run's environment and its only one: hogaudit's own
	// variables and the flags' env:"…" ones (envseam.go) are read from it.
	lookupEnv         func(string) (string, bool)
	stdoutTTY, errTTY bool
	now               func() time.Time
	// wd is the directory relative paths resolve against; "" is the
	// process's working directory, paths then used as given (env.path).
	wd string
	// newEngine builds the policy engine of a check; nil is policies.New.
	// Tests share engines through it.
	newEngine func(context.Context, policies.Options) (*policies.Engine, error)
	// secrets are the run's key values: stdout and stderr mask them (run
	// wraps both), and so does everything written to a file; so is anything
	// shaped like a PostHog secret.
	secrets *redact.Set

	// cols is the width of the terminal on stdout, 0 when unknown or not
	// a terminal (textLayout).
	cols int
	// errCols is the width of the terminal on stderr now, 0 when unknown
	// or not a terminal; nil is 0 (the progress line).
	errCols func() int

	// planningTimeout and timeoutFor, when set, replace the derived
	// --timeout's planningTimeout and timeoutFor (tests).
	planningTimeout time.Duration
	timeoutFor      func(elapsed, eta time.Duration) time.Duration
	// afterCollect, when set, runs after a collection returned and its
	// snapshot was scrubbed (tests: slow post-processing).
	afterCollect func()
}

func newEnv() *env {
	return &env{
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		lookupEnv: os.LookupEnv,
		stdoutTTY: isTerminal(os.Stdout),
		errTTY:    isTerminal(os.Stderr),
		cols:      terminalColumns(os.Stdout),
		errCols:   func() int { return terminalColumns(os.Stderr) },
		now:       time.Now,
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// exitError carries an exit code and hint lines with an error.
type exitError struct {
	code  int
	err   error
	hints []string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// fail wraps err as a failure with exit code 2 and the given hints.
func fail(err error, hints ...string) error {
	return &exitError{code: 2, err: err, hints: hints}
}

// exitCode is returned by commands that finished their work and only need a
// non-zero exit (findings, incomplete evidence); their output is already
// written.
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit %d", int(c)) }

// interpolations are the values the flags' tags interpolate (${version},
// the collection defaults and limits): every parser of the cli takes them.
func interpolations() kong.Vars {
	vars := kong.Vars{"version": version.String(), "review_max_problems": strconv.Itoa(maxReviewProblems)}
	for k, v := range connVars() {
		vars[k] = v
	}
	return vars
}

// run parses args, runs the command and returns the process exit code. It is
// the one place where errors become exit codes and messages.
func run(ctx context.Context, args []string, e *env) int {
	e = guard(e)
	if where, key := pastedKeyArg(args, strings.TrimSpace(e.getenv("POSTHOG_PERSONAL_API_KEY")), e.secrets); key != "" {
		return exitFor(e, pastedKey(where, key))
	}
	var c cli
	exited, exitWith := false, 0
	parser, err := kong.New(&c,
		kong.Name("hogaudit"),
		kong.Description(description),
		kong.Writers(e.stdout, e.stderr),
		kong.Exit(func(code int) { exited, exitWith = true, code }),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, Summary: true, WrapUpperBound: 100}),
		interpolations(),
		kong.Bind(e),
		kong.BindTo(ctx, (*context.Context)(nil)),
		envFlags(e),
	)
	if err != nil {
		printErr(e, err)
		return 2
	}
	hideProcessEnv(parser)
	kctx, perr := parser.Parse(args)
	if exited {
		return exitWith
	}
	if perr != nil {
		printErr(e, perr)
		var pe *kong.ParseError
		if errors.As(perr, &pe) && pe.Context != nil {
			fmt.Fprintf(e.stderr, "hogaudit: hint: run 'hogaudit %s --help' for usage\n", strings.TrimSpace(pe.Context.Command()))
		} else {
			fmt.Fprintln(e.stderr, "hogaudit: hint: run 'hogaudit --help' for usage")
		}
		return 2
	}
	if where, key := pastedKeyFlag(kctx, strings.TrimSpace(e.getenv("POSTHOG_PERSONAL_API_KEY")), e.secrets); key != "" {
		return exitFor(e, pastedKey(where, key))
	}
	g := &globals{quiet: c.Quiet, verbose: c.Verbose && !c.Quiet}
	err = kctx.Run(g)
	if exited {
		return exitWith
	}
	return exitAfter(ctx, e, err)
}

// exitAfter is the exit code of a command that returned err: 130 when a
// signal (SIGINT or SIGTERM alike: main's context) stopped it, whatever
// error the stop caused, else exitFor's. A command that finished its work
// despite the signal (its reports written, err nil or an exitCode) keeps
// its own code, so that the code always matches the reports.
func exitAfter(ctx context.Context, e *env, err error) int {
	if interrupted(ctx, err) {
		fmt.Fprintln(e.stderr, "hogaudit: interrupted")
		return exitInterrupted
	}
	return exitFor(e, err)
}

// interrupted reports whether a signal stopped a command that returned err
// before it finished its work.
func interrupted(ctx context.Context, err error) bool {
	var code exitCode
	return ctx != nil && ctx.Err() != nil && err != nil && !errors.As(err, &code)
}

// exitCodeOf is the exit code exitAfter gives a command that returned err,
// without printing anything: the --github-output file states it before
// the process exits.
func exitCodeOf(ctx context.Context, err error) int {
	if interrupted(ctx, err) {
		return exitInterrupted
	}
	return codeFor(err)
}

// codeFor is exitFor's exit code for err.
func codeFor(err error) int {
	if err == nil {
		return 0
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	var xe *exitError
	if errors.As(err, &xe) {
		return xe.code
	}
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	return 2
}

// exitInterrupted is the exit code of a run stopped by SIGINT or SIGTERM:
// 128 + SIGINT's number, as shells report an interrupted command.
const exitInterrupted = 130

// guard returns a copy of e whose stdout and stderr mask the run's
// secrets, with a fresh set of secrets when e has none.
func guard(e *env) *env {
	c := *e
	if c.secrets == nil {
		// Anything shaped like a PostHog secret is masked too: a server
		// may echo keys hogaudit was never given.
		c.secrets = &redact.Set{MaskShapes: true}
	}
	c.stdout = c.secrets.Writer(e.stdout)
	c.stderr = c.secrets.Writer(e.stderr)
	return &c
}

// exitFor prints err (if any) and returns its exit code.
func exitFor(e *env, err error) int {
	if err == nil {
		return 0
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	printErr(e, err)
	var xe *exitError
	if errors.As(err, &xe) {
		for _, h := range xe.hints {
			fmt.Fprintf(e.stderr, "hogaudit: hint: %s\n", h)
		}
	}
	return codeFor(err)
}

// printErr writes an error in hogaudit's voice: each line prefixed, first
// letter lower-case, no trailing period.
func printErr(e *env, err error) {
	for _, line := range strings.Split(strings.TrimRight(err.Error(), "\n"), "\n") {
		line = strings.TrimSuffix(strings.TrimSpace(line), ".")
		if line == "" {
			continue
		}
		fmt.Fprintf(e.stderr, "hogaudit: %s\n", lowerFirst(line))
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	// Keep identifiers such as "PH204" or "API" as written.
	if len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// globals are the flags every command sees.
type globals struct {
	quiet, verbose bool
}

// infof prints a progress or status line unless --quiet.
func (g *globals) infof(e *env, format string, args ...any) {
	if g.quiet {
		return
	}
	fmt.Fprintf(e.stderr, "hogaudit: "+format+"\n", args...)
}

// warnf prints a warning line unless --quiet.
func (g *globals) warnf(e *env, format string, args ...any) {
	if g.quiet {
		return
	}
	fmt.Fprintf(e.stderr, "hogaudit: warning: "+format+"\n", args...)
}

// hintf prints a hint line unless --quiet.
func (g *globals) hintf(e *env, format string, args ...any) {
	if g.quiet {
		return
	}
	fmt.Fprintf(e.stderr, "hogaudit: hint: "+format+"\n", args...)
}
