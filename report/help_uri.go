package report

import (
	"regexp"
	"strings"

	"github.com/hogaudit/hogaudit/internal/version"
)

// rulesDocBase is docs/rules.md in hogaudit's repository on GitHub, before
// the git ref.
const rulesDocBase = "https://github.com/hogaudit/hogaudit/blob/"

// pseudoVersionRE matches the commit of a Go pseudo-version
// (v0.0.0-20261201120000-abcdef123456 and its variants).
var pseudoVersionRE = regexp.MustCompile(`[.-]\d{14}-([0-9a-f]{12})(\+.*)?$`)

// RulesDocURL is the address of the section anchor of docs/rules.md in
// the sources of this build, for SARIF's helpUri: at the release tag
// (v<version>) for a release, at the commit for a pseudo-version, and at
// main for a build from source (version.Dev).
func RulesDocURL(anchor string) string {
	return rulesDocURL(version.String(), anchor)
}

func rulesDocURL(v, anchor string) string {
	ref := "main"
	switch m := pseudoVersionRE.FindStringSubmatch(v); {
	case m != nil:
		ref = m[1]
	case v != "" && v != version.Dev:
		// A tagged build of a modified tree is v1.2.3+dirty: its ref is
		// the tag, without the build metadata.
		ref = "v" + strings.TrimPrefix(strings.SplitN(v, "+", 2)[0], "v")
	}
	return rulesDocBase + ref + "/docs/rules.md#" + anchor
}
