package actiontest

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// root is the repository's top directory.
func root(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// yamlFile is one parsed workflow or action file.
type yamlFile struct {
	rel  string
	node *yaml.Node
	doc  map[string]any
}

func loadYAML(t *testing.T, rel string) yamlFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return yamlFile{rel: rel, node: &n, doc: doc}
}

// workflowFiles are every workflow hogaudit has or ships.
func workflowFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{".github/workflows/*.yml", ".github/workflows/*.yaml", "examples/workflows/*.yml", "examples/workflows/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(root(t), pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			rel, _ := filepath.Rel(root(t), f)
			out = append(out, filepath.ToSlash(rel))
		}
	}
	for _, want := range []string{".github/workflows/ci.yml", ".github/workflows/release.yml", "examples/workflows/posthog-audit.yml", "examples/workflows/matrix-pr.yml"} {
		if !slices.Contains(out, want) {
			t.Errorf("%s is missing", want)
		}
	}
	return out
}

// walk calls fn for every key/value pair of every mapping under n.
func walk(n *yaml.Node, fn func(key string, value *yaml.Node)) {
	if n == nil {
		return
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			fn(n.Content[i].Value, n.Content[i+1])
		}
	}
	for _, c := range n.Content {
		walk(c, fn)
	}
}

var (
	pinned   = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$`)
	selfTag  = regexp.MustCompile(`^hogaudit/hogaudit@(v[0-9]+\.[0-9]+\.[0-9]+)$`)
	anyUses  = regexp.MustCompile(`^([^@]+)@(.+)$`)
	atLatest = regexp.MustCompile(`@latest\b`)
)

// checkShellAndPins holds f to the rules every workflow and the action keep:
// no ${{ }} inside a run: script (values reach the shell through env:), and
// every uses: pinned by a full commit SHA — hogaudit's own action, in the
// examples, by the tag the VERSION file names, which the release workflow
// holds equal to the release — with one SHA per action across the files.
func checkShellAndPins(t *testing.T, f yamlFile, shas map[string]string) {
	t.Helper()
	checkShellAndPinsInto(t, f, shas, strings.TrimSpace(readFile(t, filepath.Join(root(t), "VERSION"))))
}

// errorer is the part of testing.T the rule check reports to.
type errorer interface {
	Errorf(format string, args ...any)
}

func checkShellAndPinsInto(t errorer, f yamlFile, shas map[string]string, version string) {
	runs, uses := 0, 0
	walk(f.node, func(key string, v *yaml.Node) {
		switch key {
		case "run":
			runs++
			if strings.Contains(v.Value, "${{") {
				t.Errorf("%s:%d: a run: script holds ${{ }}: pass the value through env:", f.rel, v.Line)
			}
			if atLatest.MatchString(v.Value) {
				t.Errorf("%s:%d: @latest in a run: script: pin a version the module proxy serves", f.rel, v.Line)
			}
		case "uses":
			uses++
			ref := v.Value
			if m := selfTag.FindStringSubmatch(ref); m != nil && strings.HasPrefix(f.rel, "examples/") {
				if m[1] != version {
					t.Errorf("%s:%d: %s, but VERSION is %s", f.rel, v.Line, ref, version)
				}
				return
			}
			if !pinned.MatchString(ref) {
				t.Errorf("%s:%d: uses: %s is not pinned by a 40-hex commit SHA", f.rel, v.Line, ref)
				return
			}
			m := anyUses.FindStringSubmatch(ref)
			repo := strings.Join(strings.SplitN(m[1], "/", 3)[:2], "/")
			if prev, ok := shas[repo]; ok && prev != m[2] {
				t.Errorf("%s:%d: %s pinned to %s here and %s elsewhere", f.rel, v.Line, repo, m[2], prev)
			}
			shas[repo] = m[2]
		}
	})
	if runs == 0 && uses == 0 {
		t.Errorf("%s has no steps", f.rel)
	}
}

func TestWorkflowsAndActionKeepTheRules(t *testing.T) {
	t.Parallel()
	shas := map[string]string{}
	files := append([]string{"action.yml"}, workflowFiles(t)...)
	for _, rel := range files {
		f := loadYAML(t, rel)
		checkShellAndPins(t, f, shas)
		if rel == "action.yml" {
			continue
		}
		perms, ok := f.doc["permissions"].(map[string]any)
		if !ok || perms["contents"] != "read" || len(perms) != 1 {
			t.Errorf("%s: top-level permissions are %v, want {contents: read}", rel, f.doc["permissions"])
		}
		if _, ok := f.doc["on"]; !ok {
			t.Errorf("%s: no on:", rel)
		}
		jobs, _ := f.doc["jobs"].(map[string]any)
		if len(jobs) == 0 {
			t.Errorf("%s: no jobs", rel)
		}
		for name, j := range jobs {
			job, _ := j.(map[string]any)
			if _, ok := job["timeout-minutes"]; !ok {
				t.Errorf("%s: job %s has no timeout-minutes", rel, name)
			}
			if _, ok := job["runs-on"]; !ok {
				t.Errorf("%s: job %s has no runs-on", rel, name)
			}
		}
	}
	for _, repo := range []string{"actions/checkout", "github/codeql-action", "actions/cache", "actions/upload-artifact"} {
		if shas[repo] == "" {
			t.Errorf("%s is used nowhere", repo)
		}
	}
}

// Near miss of the rules: each is caught in a file made to break it.
func TestWorkflowRulesCatchTheirBreakage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, yaml string }{
		{"expression in run", "steps:\n  - run: echo ${{ inputs.matrix }}\n"},
		{"github context in run", "steps:\n  - run: echo \"${{ github.event.repository.private }}\"\n"},
		{"tag pin", "steps:\n  - uses: actions/checkout@v4\n"},
		{"short sha", "steps:\n  - uses: actions/checkout@11bd719\n"},
		{"latest", "steps:\n  - run: go run golang.org/x/vuln/cmd/govulncheck@latest ./...\n"},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(c.yaml), &n); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		checkShellAndPinsInto(rec, yamlFile{rel: c.name, node: &n}, map[string]string{}, "v0.1.0")
		if len(rec.errs) == 0 {
			t.Errorf("%s: not caught", c.name)
		}
	}
}

// recorder collects the errors of a rule check.
type recorder struct{ errs []string }

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
