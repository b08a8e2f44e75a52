package policies

import (
	"context"
	"flag"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/format"
)

var regoFmt = flag.Bool("rego-fmt", false, "rewrite unformatted built-in Rego files in place (TestRegoFormatted)")

func builtinRegoFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := fs.WalkDir(builtinFS, builtinRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".rego") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk builtin: %v", err)
	}
	sort.Strings(files)
	return files
}

// TestRegoBuiltin runs every test_ rule of the built-in Rego tests through
// RunTests (what `hogaudit policies test` runs), one Go subtest per Rego
// test.
func TestRegoBuiltin(t *testing.T) {
	t.Parallel()
	results, err := RunTests(context.Background(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatal("no Rego tests found under builtin/")
	}
	for _, r := range results {
		t.Run(r.Package+"/"+r.Name, func(t *testing.T) {
			switch {
			case r.Skipped:
				t.Skip("skipped (todo_ test)")
			case r.Err != nil:
				t.Errorf("%s: error: %v\n%s", r.Location, r.Err, r.Output)
			case !r.Passed:
				t.Errorf("%s: failed%s\n%s", r.Location, r.FailedAt, r.Output)
			}
		})
	}
}

// TestBuiltinMetadata checks the built-in catalog as the engine reads it
// (complete METADATA, unique ids and names: catalog fails otherwise) plus
// what built-in rules promise beyond custom ones: the package is named after
// the id, the description fits GitHub's 1024 characters, documentation links
// are https, and each rule lives in the file its id and name give
// (builtin/<area>/<id>_<name>.rego), one rule per file, every file outside
// lib/ a rule. So a rule file whose METADATA or findings go missing fails
// here; a rule deleted with its file fails TestRulesDocCurrent (docs/rules.md
// lists it), TestBuiltinScopesGolden and the end-to-end test of every rule.
func TestBuiltinMetadata(t *testing.T) {
	t.Parallel()
	src, err := loadSources(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := compile(src)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := catalog(c, src)
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	if len(rules) == 0 {
		t.Fatal("no built-in rules")
	}
	byFile := map[string]Rule{}
	for _, r := range rules {
		byFile[r.File] = r
		t.Run(r.ID, func(t *testing.T) {
			if want := "hogaudit.rules." + strings.ToLower(r.ID); r.Package != want {
				t.Errorf("%s lives in package %s; want %s", r.ID, r.Package, want)
			}
			if len(r.Description) > 1024 {
				t.Errorf("description is %d characters; GitHub accepts at most 1024", len(r.Description))
			}
			if r.Area == "custom" {
				t.Error("built-in rules need an area")
			}
			if want := strings.ToLower(r.ID) + "_" + strings.ReplaceAll(r.Name, "-", "_") + ".rego"; path.Base(r.File) != want {
				t.Errorf("%s %s is declared in %s; want a file named %s", r.ID, r.Name, r.File, want)
			}
			for _, u := range r.RelatedResources {
				if !strings.HasPrefix(u.URL, "https://") {
					t.Errorf("related resource %s is not an https URL", u.URL)
				}
			}
		})
	}
	for _, f := range builtinRegoFiles(t) {
		if strings.HasSuffix(f, "_test.rego") || strings.HasPrefix(f, builtinRoot+"/lib/") {
			continue
		}
		if _, ok := byFile["policies/"+f]; !ok {
			t.Errorf("%s declares no rule (a rule file needs METADATA with custom.id and a findings set)", f)
		}
	}
}

// TestBuiltinTestsBeside checks that every policy file has its _test.rego
// beside it.
func TestBuiltinTestsBeside(t *testing.T) {
	t.Parallel()
	files := builtinRegoFiles(t)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.rego") {
			continue
		}
		want := strings.TrimSuffix(f, ".rego") + "_test.rego"
		if !slices.Contains(files, want) {
			t.Errorf("%s has no test file %s beside it", f, path.Base(want))
		}
	}
}

// TestRegoFormatted checks that OPA's formatter leaves every built-in Rego
// file unchanged. With -rego-fmt it rewrites the files that differ.
func TestRegoFormatted(t *testing.T) {
	t.Parallel()
	for _, f := range builtinRegoFiles(t) {
		src, err := fs.ReadFile(builtinFS, f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		got, err := format.Source(f, src)
		if err != nil {
			t.Errorf("format %s: %v", f, err)
			continue
		}
		if string(got) == string(src) {
			continue
		}
		if *regoFmt {
			if err := os.WriteFile(filepath.FromSlash(f), got, 0o644); err != nil {
				t.Fatalf("rewrite %s: %v", f, err)
			}
			t.Logf("reformatted %s", f)
			continue
		}
		t.Errorf("%s is not formatted (go test ./policies/ -run TestRegoFormatted -rego-fmt rewrites it):\n%s",
			f, cmp.Diff(string(src), string(got)))
	}
}
