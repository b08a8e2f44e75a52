// Package version reports hogaudit's version. Release builds (make release)
// set Version with
// -ldflags "-X github.com/hogaudit/hogaudit/internal/version.Version=v1.2.3";
// other builds report the module version the Go toolchain recorded, or
// Dev. The commit is the one the Go toolchain recorded (vcs.revision,
// vcs.modified), else the one make release linked in (Revision, Modified):
// Go records none when it cannot see the repository (a git worktree, or
// GOFLAGS=-buildvcs=false).
package version

import (
	"runtime/debug"
	"strings"
)

// Version is set at link time for release builds.
var Version = ""

// Revision and Modified are set at link time by make release: the commit
// built and "true" when the work tree differed from it. They are used only
// when the build info records no commit.
var (
	Revision = ""
	Modified = ""
)

// Dev is the version of a build from source: a semantic version (SARIF
// consumers compare versions numerically) that sorts before any release.
const Dev = "0.0.0-dev"

// opaModule is the module path of the policy engine.
const opaModule = "github.com/open-policy-agent/opa"

// String returns hogaudit's version, without a leading "v".
func String() string {
	v := Version
	if v == "" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	if v == "" {
		return Dev
	}
	return strings.TrimPrefix(v, "v")
}

// Commit returns the VCS revision the binary was built from, "" when not
// known.
func Commit() string {
	c, _ := commit()
	return c
}

// CommitModified reports whether the work tree differed from Commit when the
// binary was built.
func CommitModified() bool {
	_, m := commit()
	return m
}

func commit() (string, bool) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, mod := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				mod = s.Value == "true"
			}
		}
		if rev != "" {
			return rev, mod
		}
	}
	return Revision, Revision != "" && Modified == "true"
}

// OPA returns the version of the policy engine's module linked in, without
// a leading "v", or fallback (the engine's own version constant) when the
// build info does not record it.
func OPA(fallback string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == opaModule {
				if d.Replace != nil && d.Replace.Version != "" {
					d = d.Replace
				}
				if d.Version != "" {
					return strings.TrimPrefix(d.Version, "v")
				}
			}
		}
	}
	return fallback
}

// UserAgent is the User-Agent hogaudit sends: hogaudit/<version>.
func UserAgent() string { return "hogaudit/" + String() }
