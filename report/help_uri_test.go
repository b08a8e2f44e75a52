package report

import "testing"

func TestRulesDocURL(t *testing.T) {
	t.Parallel()
	const doc = "/docs/rules.md#ph204-project-access-exceeds-matrix"
	for _, c := range []struct{ version, ref string }{
		{"1.4.0", "v1.4.0"},
		{"1.4.0+dirty", "v1.4.0"},
		{"1.5.0-rc.1", "v1.5.0-rc.1"},
		{"0.0.0-dev", "main"},
		{"", "main"},
		// a module-proxy build between releases: its commit
		{"0.0.0-20261201120000-abcdef123456", "abcdef123456"},
		{"1.4.1-0.20261201120000-abcdef123456", "abcdef123456"},
	} {
		if got, want := rulesDocURL(c.version, "ph204-project-access-exceeds-matrix"), rulesDocBase+c.ref+doc; got != want {
			t.Errorf("version %q: %s, want %s", c.version, got, want)
		}
	}
}

func TestSRCRoot(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ root, want string }{
		{"/home/runner/work/acme/acme", "file:///home/runner/work/acme/acme/"},
		{"/src/with space/", "file:///src/with%20space/"},
		{"C:/work/acme", "file:///C:/work/acme/"},
	} {
		loc := srcRoot(MatrixInfo{RepoPath: "access-matrix.yaml", Root: c.root})
		if loc == nil || str(loc.URI) != c.want {
			t.Errorf("root %q: %+v, want uri %s", c.root, loc, c.want)
		}
	}
	if loc := srcRoot(MatrixInfo{}); loc != nil {
		t.Errorf("no matrix location, yet a %%SRCROOT%%: %+v", loc)
	}
}
