package matrix

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hogaudit/hogaudit/"

// goListDeps returns the packages `go list -deps` (with extra flags) names
// for this package, skipping the test when the go command is not at hand.
func goListDeps(t *testing.T, flags ...string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go command not found: %v", err)
	}
	args := append([]string{"list", "-deps"}, flags...)
	out, err := exec.Command(gobin, append(args, ".")...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go list -deps: %v\n%s", err, msg)
	}
	return strings.Fields(string(out))
}

// TestMatrixIsALeaf: the package binds against its own Inventory and
// imports no other package of the module — the snapshot format in
// particular — so that it can be read, tested and reused alone.
func TestMatrixIsALeaf(t *testing.T) {
	deps := goListDeps(t)
	if !slices.Contains(deps, module+"matrix") {
		// Near miss: a listing that does not name the package itself is
		// not the listing of this package.
		t.Fatalf("go list -deps does not list matrix itself: %q", deps)
	}
	for _, p := range deps {
		if strings.HasPrefix(p, module) && p != module+"matrix" {
			t.Errorf("matrix depends on %s", p)
		}
	}
	// Its tests build inventories, never snapshots.
	for _, p := range goListDeps(t, "-test") {
		if p == module+"snapshot" || strings.HasPrefix(p, module+"snapshot/") {
			t.Errorf("the matrix tests depend on %s", p)
		}
	}
}
