package policies

import "embed"

// builtinFS holds the built-in rules, their tests and the shared library,
// under builtin/.
//
//go:embed builtin
var builtinFS embed.FS
