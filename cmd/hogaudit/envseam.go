package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/alecthomas/kong"
)

// A run reads its environment and resolves its relative paths through env
// alone, never through the process: the binary's env is the process's own
// (newEnv), and tests give each run its own variables and directory, so
// that runs can go on side by side in one process.

// getenv returns the value of the variable name in the run's environment,
// "" when it is not set.
func (e *env) getenv(name string) string {
	v, _ := e.lookupEnv(name)
	return v
}

// envFlags makes kong read the flags' env:"…" variables (POSTHOG_HOST,
// POSTHOG_ORG_ID, HOGAUDIT_MATRIX) from e, with kong's own precedence: the
// command line, else the first of the flag's variables that is set (even
// to ""), else the default. hideProcessEnv must follow kong.New, or kong
// reads the process environment too.
func envFlags(e *env) kong.Option {
	return kong.OptionFunc(func(k *kong.Kong) error {
		resolve := kong.ResolverFunc(func(_ *kong.Context, _ *kong.Path, f *kong.Flag) (any, error) {
			for _, name := range f.Envs {
				if v, ok := e.lookupEnv(name); ok {
					return v, nil
				}
			}
			return nil, nil
		})
		if err := kong.Resolvers(resolve).Apply(k); err != nil {
			return err
		}
		// kong's help names a flag's variables from the tag that
		// hideProcessEnv empties; Flag.Envs keeps them.
		return kong.ValueFormatter(func(v *kong.Value) string {
			if v.Flag == nil || len(v.Flag.Envs) == 0 || len(v.Tag.Envs) != 0 {
				return kong.DefaultHelpValueFormatter(v)
			}
			c, tag := *v, *v.Tag
			tag.Envs = v.Flag.Envs
			c.Tag = &tag
			return kong.DefaultHelpValueFormatter(&c)
		}).Apply(k)
	})
}

// hideProcessEnv takes the variables' names off the tags kong resets flags
// from (with os.LookupEnv), leaving them on the flags, where envFlags'
// resolver and help read them.
func hideProcessEnv(k *kong.Kong) {
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			if len(f.Envs) > 0 {
				f.Value.Tag.Envs = nil
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(k.Model.Node)
}

// path returns p resolved against the run's working directory: p itself
// when it is empty or absolute or the run works in the process's own
// directory (the binary's case), else e.wd joined with p as spelled —
// uncleaned, so that the file opened is the one named.
func (e *env) path(p string) string {
	if e.wd == "" || p == "" || filepath.IsAbs(p) {
		return p
	}
	return e.wd + string(filepath.Separator) + p
}

// workDir is the directory relative paths resolve against.
func (e *env) workDir() (string, error) {
	if e.wd != "" {
		return e.wd, nil
	}
	return os.Getwd()
}

// asGiven returns err (nil for nil) with each of paths named as the user
// gave it, not as path resolved it: "open r.json: permission denied" in
// any working directory. Its chain is kept for errors.Is and errors.As.
func (e *env) asGiven(err error, paths ...string) error {
	if err == nil {
		return nil
	}
	msg := e.shown(err.Error(), paths...)
	if msg == err.Error() {
		return err
	}
	return &givenPathError{msg: msg, err: err}
}

// shown is s with each of paths, resolved (and the directory holding it),
// put back as given.
func (e *env) shown(s string, paths ...string) string {
	var dirs [][2]string
	for _, p := range paths {
		if r := e.path(p); r != p {
			s = strings.ReplaceAll(s, r, p)
			dirs = append(dirs, [2]string{filepath.Dir(r), filepath.Dir(p)})
		}
	}
	// The directories after every whole path: one may hold another.
	for _, d := range dirs {
		s = strings.ReplaceAll(s, d[0], d[1])
	}
	return s
}

// paths resolves each of ps (env.path).
func (e *env) paths(ps []string) []string {
	if len(ps) == 0 {
		return ps
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = e.path(p)
	}
	return out
}

// givenPathError is an error whose message names paths as given.
type givenPathError struct {
	msg string
	err error
}

func (g *givenPathError) Error() string { return g.msg }
func (g *givenPathError) Unwrap() error { return g.err }
