package matrix

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is one problem in a matrix file, at a 1-based line and column.
//
// Error() is "path:line:col: msg". A YAML syntax error is located by line
// only (the YAML library reports no column); its Col is 0 and Error() is
// "path:line: msg". A problem with the file as a whole (it is empty) has
// neither and Error() is "path: msg".
type Error struct {
	Path string
	Line int
	Col  int
	Msg  string
}

// Error formats e as "path:line:col: msg", leaving out a zero column or line.
func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
}

// Errors is every problem Parse found in a matrix, in file order (by line,
// then column). Parse returns an Errors, never an empty one, whenever the
// matrix is invalid; errors.As finds it, and each *Error inside it.
type Errors []*Error

// Error joins the errors' messages with newlines.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the errors, so that errors.As and errors.Is see each one.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parserProblems are the problems of libyaml's parser (parserc.go). The
// YAML library reports their line 0-based, and not at all on the first
// line; its scanner problems are reported 1-based.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

var unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// syntaxError turns an error of the YAML library into an *Error with the
// best line it can tell.
func syntaxError(path string, data []byte, err error) *Error {
	text := err.Error()
	line, col, msg := 0, 0, strings.TrimPrefix(text, "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(text); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	switch {
	case parserProblems[msg]:
		line++
	case line == 0 && strings.HasPrefix(text, "yaml: ") && isScannerProblem(msg):
		line = 1
	}
	if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil && line == 0 {
		line, col = findAlias(data, m[1])
	}
	if msg == "did not find expected alphabetic or numeric character" {
		msg += ` (an alias starts with "*": quote a "*" scope)`
	}
	return &Error{Path: path, Line: line, Col: col, Msg: "syntax error: " + msg}
}

// isScannerProblem reports whether msg is one of libyaml's scanner
// problems, which start with these words and never carry a line when they
// happen on the first line.
func isScannerProblem(msg string) bool {
	for _, prefix := range []string{"did not find", "could not find", "found ", "mapping ", "block sequence", "exceeded max depth"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// findAlias returns the line and column of the first "*name" alias in data.
func findAlias(data []byte, name string) (line, col int) {
	i := bytes.Index(data, []byte("*"+name))
	if i < 0 {
		return 0, 0
	}
	return position(data, i)
}

// position returns the 1-based line and column (in characters) of byte
// offset i of data.
func position(data []byte, i int) (line, col int) {
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	return bytes.Count(data[:i], []byte("\n")) + 1, utf8.RuneCount(data[start:i]) + 1
}

// invalidUTF8 returns an *Error at the first byte of data that is not UTF-8,
// or nil.
func invalidUTF8(path string, data []byte) *Error {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			line, col := position(data, i)
			return &Error{Path: path, Line: line, Col: col, Msg: "the matrix is not valid UTF-8"}
		}
		i += size
	}
	return nil
}
