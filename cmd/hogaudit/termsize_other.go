//go:build !unix

package main

import "os"

// terminalColumns is 0 where hogaudit does not ask the terminal its size
// (Windows): $COLUMNS, or report.DefaultWidth, applies there.
func terminalColumns(*os.File) int { return 0 }
