package policies_test

import (
	"context"
	"testing"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
)

// TestMatrixRepoPath: the report's repository path is the check's input;
// without one, the engine's own stays a relative reference.
func TestMatrixRepoPath(t *testing.T) {
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := inventorySnapshot()
	cases := []struct {
		path, repoPath, want string
	}{
		{"/work/acme/security/m.yaml", "security/m.yaml", "security/m.yaml"},
		{"m.yaml", "compliance/m.yaml", "compliance/m.yaml"},
		// without MatrixRepoPath
		{"security/m.yaml", "", "security/m.yaml"},
		{"./m.yaml", "", "./m.yaml"},
		{"/work/acme/security/m.yaml", "", "m.yaml"},
		{"../elsewhere/m.yaml", "", "m.yaml"},
		{"", "", ""},
	}
	for _, c := range cases {
		m, err := matrix.Parse(c.path, []byte("access_matrix: {}\n"))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m, MatrixRepoPath: c.repoPath, GeneratedAt: s.CollectedAt})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Matrix.RepoPath != c.want || rep.Matrix.Path != c.path {
			t.Errorf("path %q, MatrixRepoPath %q: report path %q, repo path %q; want %q", c.path, c.repoPath, rep.Matrix.Path, rep.Matrix.RepoPath, c.want)
		}
	}
}
