// Package version reports hogaudit's version. Release builds set Version with
// -ldflags "-X github.com/hogaudit/hogaudit/internal/version.Version=v1.2.3";
// other builds report the module version the Go toolchain recorded, or
// Dev.
package version

import (
	"runtime/debug"
	"strings"
)

// Version is set at link time for release builds.
var Version = ""

// Dev is the version of a build from source: a semantic version (SARIF
// consumers compare versions numerically) that sorts before any release.
const Dev = "0.0.0-dev"

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

// Commit returns the VCS revision recorded in the binary, or "".
func Commit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}

// UserAgent is the User-Agent hogaudit sends: hogaudit/<version>.
func UserAgent() string { return "hogaudit/" + String() }
