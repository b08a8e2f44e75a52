package main

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/hogaudit/hogaudit/internal/redact"
)

// A key pasted where a flag value belongs (--host phx_…, --audit-key-env
// phx_…, --api-key-file phx_…) is refused before anything else happens: it
// is masked in every message, never used as a host (no DNS lookup carries
// it), a file name or a variable name.

// pastedKeyHints are the remedies of a refused flag value.
var pastedKeyHints = []string{
	"that looks like an API key; put it in an environment variable: the scanning key in POSTHOG_PERSONAL_API_KEY (or a file named by --api-key-file), another key in a variable whose name --audit-key-env takes",
	"a key typed on a command line is kept in shell history and shown in process lists: consider rolling it in PostHog (Settings → Personal API keys)",
}

// minKnownKey is the shortest scanning-key value looked for verbatim in
// flag values; shorter values would match ordinary words.
const minKnownKey = 16

// keyIn returns the key s holds, or "": a value shaped like a PostHog secret,
// or known (the scanning key's value) when it is long enough to be one.
func keyIn(s, known string) string {
	if k := redact.LooksLikeKey(s); k != "" {
		return k
	}
	if len(known) >= minKnownKey && strings.Contains(s, known) {
		return known
	}
	return ""
}

// pastedKeyArg looks through the command line for a key: it returns the
// flag (or "an argument") and the key, or "", "". Every key found is added
// to secrets first, so that no message can show it.
func pastedKeyArg(args []string, known string, secrets *redact.Set) (where, key string) {
	for i, a := range args {
		value, flag := a, ""
		switch {
		case strings.HasPrefix(a, "-") && strings.Contains(a, "="):
			flag, value, _ = strings.Cut(a, "=")
		case i > 0 && strings.HasPrefix(args[i-1], "-") && !strings.Contains(args[i-1], "=") && args[i-1] != "--":
			flag = args[i-1]
		}
		k := keyIn(value, known)
		if k == "" {
			continue
		}
		secrets.Add(k)
		if key == "" {
			where, key = flag, k
			if where == "" {
				where = "an argument"
			}
		}
	}
	return where, key
}

// pastedKeyFlag looks through the parsed flags for a value holding a key:
// one the command line did not show, set from the environment
// (POSTHOG_HOST, POSTHOG_ORG_ID, HOGAUDIT_MATRIX).
func pastedKeyFlag(kctx *kong.Context, known string, secrets *redact.Set) (where, key string) {
	for _, f := range kctx.Flags() {
		if f.Value == nil || !f.Target.IsValid() {
			continue
		}
		var values []string
		switch t := f.Target; {
		case t.Kind() == reflect.String:
			values = []string{t.String()}
		case t.Kind() == reflect.Slice && t.Type().Elem().Kind() == reflect.String:
			for i := 0; i < t.Len(); i++ {
				values = append(values, t.Index(i).String())
			}
		}
		for _, v := range values {
			k := keyIn(v, known)
			if k == "" {
				continue
			}
			secrets.Add(k)
			if key == "" {
				where, key = "--"+f.Name, k
				if len(f.Envs) > 0 {
					where += " (from $" + strings.Join(f.Envs, " or $") + ")"
				}
			}
		}
	}
	return where, key
}

// pastedKey is the refusal of a key given as a flag value.
func pastedKey(where, key string) error {
	return fail(fmt.Errorf("%s %s: refusing a value that looks like an API key", where, redact.Mask(key)), pastedKeyHints...)
}

// checkKeyFileMode warns when the --api-key-file is readable or writable by
// its group or others: the key in it is then theirs too. Windows' file
// modes say nothing about that, so nothing is checked there.
func checkKeyFileMode(g *globals, e *env, path string) {
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(e.path(path))
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	g.warnf(e, "--api-key-file %s is accessible to users other than its owner (mode %04o)", path, fi.Mode().Perm())
	g.hintf(e, "restrict it: chmod 600 %s", path)
}
