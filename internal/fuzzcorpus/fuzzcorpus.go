// Package fuzzcorpus writes seed-corpus files for Go's native fuzzing: the
// testdata/fuzz/FuzzX/NAME files `go test` runs as regular tests and
// `go test -fuzz` starts from. The fuzz tests' seed generators use it
// (run with -write-fuzz-seeds) so that the corpora in the repository are
// made from the examples and the simulator, never edited by hand.
package fuzzcorpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Encode returns the corpus file for one input: the "go test fuzz v1"
// header, then each value on its own line as a Go literal. Values may be
// []byte, string, bool or the integer types; anything else is an error.
func Encode(values ...any) ([]byte, error) {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for i, v := range values {
		switch v := v.(type) {
		case []byte:
			b.WriteString("[]byte(" + strconv.Quote(string(v)) + ")")
		case string:
			b.WriteString("string(" + strconv.Quote(v) + ")")
		case bool:
			b.WriteString("bool(" + strconv.FormatBool(v) + ")")
		case int:
			b.WriteString("int(" + strconv.Itoa(v) + ")")
		case int64:
			b.WriteString("int64(" + strconv.FormatInt(v, 10) + ")")
		case uint8:
			b.WriteString("byte(" + strconv.Itoa(int(v)) + ")")
		default:
			return nil, fmt.Errorf("fuzz corpus value %d: unsupported type %T", i, v)
		}
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// Write writes the input values as testdata/fuzz/<target>/<name> under
// dir (a package directory), creating the directories.
func Write(dir, target, name string, values ...any) error {
	data, err := Encode(values...)
	if err != nil {
		return err
	}
	p := filepath.Join(dir, "testdata", "fuzz", target, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}
