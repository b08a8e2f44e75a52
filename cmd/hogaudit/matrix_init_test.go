package main

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Several of these tests need policies.Engine.Access (issue 11, part A):
// until it lands, `matrix init` fails at its placeholder error.

// auditKeyFlags hand over every Acme audit key.
var auditKeyFlags = []string{"--audit-key-env", "ACME_BI_KEY", "--audit-key-env", "ACME_FLAG_KEY", "--audit-key-env", "ACME_LEGACY_KEY"}

// snapshotFile collects the harness organization, with every audit key,
// into name.
func (h *harness) snapshotFile(name string) {
	h.t.Helper()
	if res := h.run(append([]string{"snapshot", "-o", name}, auditKeyFlags...)...); res.code != 0 {
		h.t.Fatalf("snapshot: exit %d\n%s", res.code, res.stderr)
	}
}

func (h *harness) read(name string) []byte {
	h.t.Helper()
	b, err := os.ReadFile(h.path(name))
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// accessFindings are the PH2xx and PH3xx findings no exception covers.
func (r jsonReport) accessFindings() []string {
	var out []string
	for _, f := range r.Findings {
		if (strings.HasPrefix(f.Rule, "PH2") || strings.HasPrefix(f.Rule, "PH3")) && f.Suppressed == nil {
			out = append(out, f.Rule+" "+f.Subject+": "+f.Message)
		}
	}
	return out
}

// The new user's path: snapshot → matrix init → matrix validate → check
// clean on access; init twice gives the same bytes.
func TestMatrixInitDraftsAMatrixTheDemoSatisfies(t *testing.T) {
	h := newHarness(t, nil)
	h.snapshotFile("snap.json")
	res := h.run("matrix", "init", "--snapshot", "snap.json", "-o", "drafted.yaml")
	if res.code != 0 {
		t.Fatalf("matrix init: exit %d\n%s", res.code, res.stderr)
	}
	if !strings.Contains(res.stderr, "wrote drafted.yaml") || !strings.Contains(res.stderr, "DECIDE") {
		t.Errorf("matrix init says:\n%s", res.stderr)
	}
	if res := h.run("matrix", "validate", "drafted.yaml"); res.code != 0 {
		t.Fatalf("matrix validate drafted.yaml: exit %d\n%s", res.code, res.stderr)
	}
	if res := h.run("matrix", "init", "--snapshot", "snap.json", "-o", "again.yaml"); res.code != 0 {
		t.Fatalf("second matrix init: exit %d\n%s", res.code, res.stderr)
	}
	if !bytes.Equal(h.read("drafted.yaml"), h.read("again.yaml")) {
		t.Fatal("two drafts of the same snapshot differ")
	}
	res = h.run("check", "--snapshot", "snap.json", "--matrix", "drafted.yaml", "--format", "json")
	rep := decodeReport(t, []byte(res.stdout))
	if bad := rep.accessFindings(); len(bad) > 0 {
		t.Errorf("check with the drafted matrix finds access findings:\n  %s\n%s", strings.Join(bad, "\n  "), h.read("drafted.yaml"))
	}
	// Near miss: the example matrix on the same snapshot has access findings.
	res = h.run("check", "--snapshot", "snap.json", "--matrix", "access-matrix.yaml", "--format", "json")
	if len(decodeReport(t, []byte(res.stdout)).accessFindings()) == 0 {
		t.Error("the example matrix shows no access finding either: the check above proves nothing")
	}
}

func TestMatrixInitRefusesToOverwrite(t *testing.T) {
	h := newHarness(t, nil) // the working directory holds access-matrix.yaml
	h.snapshotFile("snap.json")
	res := h.run("matrix", "init", "--snapshot", "snap.json")
	if res.code != 2 || !strings.Contains(res.stderr, "hogaudit: access-matrix.yaml exists") || !strings.Contains(res.stderr, "hint: pass --force") {
		t.Fatalf("matrix init over an existing file: exit %d\n%s", res.code, res.stderr)
	}
	if !bytes.Equal(h.read("access-matrix.yaml"), examples.Matrix) {
		t.Fatal("the existing matrix was changed")
	}
	// Near miss: --force replaces it.
	res = h.run("matrix", "init", "--snapshot", "snap.json", "--force")
	if res.code != 0 {
		t.Fatalf("matrix init --force: exit %d\n%s", res.code, res.stderr)
	}
	if got := h.read("access-matrix.yaml"); !bytes.HasPrefix(got, []byte("# Access matrix drafted by `hogaudit matrix init`")) {
		t.Fatalf("--force did not replace the matrix:\n%s", got)
	}
}

func TestMatrixInitToStdoutLeavesFilesAlone(t *testing.T) {
	h := newHarness(t, nil)
	h.snapshotFile("snap.json")
	res := h.run("matrix", "init", "--snapshot", "snap.json", "-o", "-")
	if res.code != 0 {
		t.Fatalf("matrix init -o -: exit %d\n%s", res.code, res.stderr)
	}
	if _, err := matrix.Parse("stdout", []byte(res.stdout)); err != nil {
		t.Fatalf("stdout is no matrix: %v\n%s", err, res.stdout)
	}
	if !bytes.Equal(h.read("access-matrix.yaml"), examples.Matrix) {
		t.Fatal("-o - changed access-matrix.yaml")
	}
	for _, s := range h.org.Secrets() {
		if strings.Contains(res.stdout, s) || strings.Contains(res.stderr, s) {
			t.Fatalf("a secret reached the output")
		}
	}
}

// Live: matrix init collects first, with the connection flags.
func TestMatrixInitLive(t *testing.T) {
	h := newHarness(t, nil)
	res := h.run(append([]string{"matrix", "init", "-o", "-"}, auditKeyFlags...)...)
	if res.code != 0 {
		t.Fatalf("matrix init live: exit %d\n%s", res.code, res.stderr)
	}
	m, err := matrix.Parse("stdout", []byte(res.stdout))
	if err != nil {
		t.Fatalf("stdout is no matrix: %v", err)
	}
	// every audited key has its group
	var labels []string
	for _, g := range m.Groups {
		labels = append(labels, g.Keys.Values()...)
	}
	slices.Sort(labels)
	if want := []string{"bi-dashboard-readonly", "bi-legacy", "flag-service"}; !slices.Equal(labels, want) {
		t.Errorf("key labels in groups = %v, want %v", labels, want)
	}
}

// Missing evidence is an error naming the section, never a draft.
func TestMatrixInitRefusesIncompleteEvidence(t *testing.T) {
	h := newHarness(t, func(o *posthogsim.Org) {
		for i := range o.Keys {
			if o.Keys[i].Token == posthogsim.AcmeScannerToken {
				o.Keys[i].Scopes = slices.DeleteFunc(slices.Clone(o.Keys[i].Scopes), func(s string) bool { return s == "access_control:read" })
			}
		}
	})
	for name, args := range map[string][]string{
		"live":     append([]string{"matrix", "init", "-o", "out.yaml"}, auditKeyFlags...),
		"snapshot": {"matrix", "init", "--snapshot", "snap.json", "-o", "out.yaml"},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "snapshot" {
				h.run(append([]string{"snapshot", "-o", "snap.json"}, auditKeyFlags...)...) // exit 2: incomplete
			}
			res := h.run(args...)
			if res.code != 2 || !strings.Contains(res.stderr, "cannot draft a matrix from incomplete evidence") ||
				!strings.Contains(res.stderr, "section access_controls") || !strings.Contains(res.stderr, "hint: collect a complete snapshot") {
				t.Fatalf("matrix init with an incomplete snapshot: exit %d\n%s", res.code, res.stderr)
			}
			if _, err := os.Stat(h.path("out.yaml")); err == nil {
				t.Fatal("a draft was written from incomplete evidence")
			}
		})
	}
}

func TestMatrixInitAuditKeysOnlyLive(t *testing.T) {
	h := newHarness(t, nil)
	h.snapshotFile("snap.json")
	res := h.run("matrix", "init", "--snapshot", "snap.json", "-o", "out.yaml", "--audit-key-env", "ACME_BI_KEY")
	if res.code != 2 || !strings.Contains(res.stderr, "--audit-key-env is for a live collection") {
		t.Fatalf("--snapshot with --audit-key-env: exit %d\n%s", res.code, res.stderr)
	}
	if _, err := os.Stat(h.path("out.yaml")); err == nil {
		t.Fatal("a draft was written")
	}
}
