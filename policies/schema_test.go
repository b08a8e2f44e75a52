package policies

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var writeInputSchema = flag.Bool("write-input-schema", false, "rewrite input.schema.json from the input's Go types and snapshot/schema.json (TestInputSchemaUpToDate)")

// TestInputSchemaUpToDate holds input.schema.json, the schema the compiler
// type-checks every rule against, equal to what GenerateInputSchema makes
// of the Go types today. Run with -write-input-schema after changing them.
func TestInputSchemaUpToDate(t *testing.T) {
	want, err := GenerateInputSchema()
	if err != nil {
		t.Fatal(err)
	}
	if *writeInputSchema {
		if err := os.WriteFile("input.schema.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if diff := cmp.Diff(string(want), string(inputSchemaJSON)); diff != "" {
		t.Errorf("input.schema.json is stale; run go test ./policies -run TestInputSchemaUpToDate -write-input-schema (-generated +file):\n%s", diff)
	}
}
