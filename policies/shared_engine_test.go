package policies

import (
	"context"
	"sync"
	"testing"
)

// builtinEngine is one engine of the built-in rules for the package's
// tests, inside the package and out (policies_test, through
// SharedBuiltinEngine): compiling the rules is most of such a test's work,
// and an Engine serves many checks at once. Tests of custom rules or of
// Options build their own.
var builtinEngine = sync.OnceValues(func() (*Engine, error) {
	return New(context.Background(), Options{})
})

// SharedBuiltinEngine returns builtinEngine, failing tb when the rules do
// not compile. It is defined in a test file: it exists for tests only.
func SharedBuiltinEngine(tb testing.TB) *Engine {
	tb.Helper()
	eng, err := builtinEngine()
	if err != nil {
		tb.Fatal(err)
	}
	return eng
}
