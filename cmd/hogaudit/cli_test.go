package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// assertNoSecrets fails when any secret the simulator serves or accepts
// appears in any of the texts.
func assertNoSecrets(t *testing.T, org *posthogsim.Org, texts map[string]string) {
	t.Helper()
	secrets := org.Secrets()
	if len(secrets) < 8 {
		t.Fatalf("the simulator should serve secrets, got %d", len(secrets))
	}
	for name, text := range texts {
		if text == "" {
			continue
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains the secret %.8s…", name, s)
			}
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSnapshotCommandWritesCompleteSnapshot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("snapshot", "-v", "-o", "snap.json", "--audit-key-env", "ACME_BI_KEY", "--audit-key-env", "ACME_LEGACY_KEY")
	if res.code != 0 {
		t.Fatalf("exit %d:\n%s", res.code, res.stderr)
	}
	s, err := snapshot.Load(h.path("snap.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete() || len(s.APIKeys) != 3 {
		t.Errorf("complete=%v keys=%d, want a complete snapshot with 3 keys", s.Complete(), len(s.APIKeys))
	}
	if !strings.Contains(res.stderr, "hogaudit: wrote snap.json: 11 members, 2 projects") {
		t.Errorf("stderr lacks the summary line:\n%s", res.stderr)
	}
	if !strings.Contains(res.stderr, "GET /api/organizations/") {
		t.Errorf("-v should list the requests:\n%s", res.stderr)
	}
	if res.stdout != "" {
		t.Errorf("stdout should be empty when -o is given, got %q", res.stdout)
	}
}

func TestNoSecretReachesAnyOutput(t *testing.T) {
	t.Parallel()
	for _, dep := range []posthogsim.Deployment{posthogsim.Newest, posthogsim.Deployment2025} {
		h := newHarness(t, nil, posthogsim.WithDeployment(dep))
		// A throttled and a failing request put retry messages on stderr too.
		h.sim.Inject(posthogsim.Fault{Path: "/members/", Times: 1, Kind: posthogsim.Fault500})
		snap := h.run("snapshot", "-v", "--audit-key-env", "ACME_BI_KEY", "--audit-key-env", "ACME_FLAG_KEY", "--audit-key-env", "ACME_LEGACY_KEY")
		if snap.code != 0 {
			t.Fatalf("snapshot exit %d:\n%s", snap.code, snap.stderr)
		}
		scan := h.run(scanArgs("-v", "--snapshot-out", "kept.json", "--sarif", "r.sarif", "--json", "r.json", "--markdown", "r.md")...)
		if scan.code != 1 {
			t.Fatalf("scan exit %d, want 1 (findings):\n%s", scan.code, scan.stderr)
		}
		bad := h.run("snapshot", "--api-key-file", writeTemp(t, h.dir, "key", "phx_wrongKey0000000000000000000000000000000"))
		assertNoSecrets(t, h.org, map[string]string{
			"snapshot stdout": snap.stdout, "snapshot stderr": snap.stderr,
			"scan stdout": scan.stdout, "scan stderr": scan.stderr,
			"kept snapshot": readFile(t, h.path("kept.json")),
			"sarif":         readFile(t, h.path("r.sarif")),
			"json":          readFile(t, h.path("r.json")),
			"markdown":      readFile(t, h.path("r.md")),
			"401 stderr":    bad.stderr,
		})
		if strings.Contains(bad.stderr, "phx_wrongKey") {
			t.Errorf("a rejected key was echoed: %s", bad.stderr)
		}
	}
}

func writeTemp(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSnapshotWithoutActivityLogScope(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.sim.DenyScope(posthogsim.AcmeScannerToken, "activity_log:read")
	res := h.run("snapshot", "-o", "snap.json")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2 for an incomplete snapshot:\n%s", res.code, res.stderr)
	}
	s, err := snapshot.Load(h.path("snap.json"))
	if err != nil {
		t.Fatalf("the incomplete snapshot must still be written: %v", err)
	}
	// The projects' logs and the organization-wide one need the same scope.
	if got := s.MissingSections(); !cmp.Equal(got, []string{snapshot.SectionActivityLog, snapshot.SectionOrganizationActivityLog}) {
		t.Errorf("missing sections = %v, want only activity_log and organization_activity_log", got)
	}
	if len(s.Missing) != 2 || s.Missing[0].Scope != "activity_log:read" || s.Missing[1].Scope != "activity_log:read" {
		t.Errorf("missing = %+v, want two records naming activity_log:read", s.Missing)
	}
	want := "hogaudit: hint: the scanning key lacks the scope activity_log:read (needed for activity_log, organization_activity_log)"
	if !strings.Contains(res.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
	}
	if s.Organization == nil || s.Members == nil || s.Invites == nil || s.Domains == nil || s.Roles == nil ||
		s.Projects == nil || s.APIKeys == nil || s.CurrentUser == nil || s.IdentityProviderConfigs == nil {
		t.Errorf("every other section should be complete")
	}
	for _, p := range s.Projects {
		if p.AccessControls == nil || p.ResourceAccessControls == nil || !p.HasUsersWithAccess() {
			t.Errorf("project %s lacks access sections", p.Name)
		}
	}
}

func TestSnapshotFailsWithoutWritingOnBadKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.vars["POSTHOG_PERSONAL_API_KEY"] = "phx_thisKeyDoesNotExist000000000000000000000"
	res := h.run("snapshot", "-o", "snap.json")
	if res.code != 2 {
		t.Fatalf("exit %d, want 2", res.code)
	}
	if _, err := os.Stat(h.path("snap.json")); !os.IsNotExist(err) {
		t.Errorf("no snapshot may be written after a 401 (stat err %v)", err)
	}
	for _, want := range []string{"hogaudit: posthog rejected the scanning key", "hogaudit: hint: check POSTHOG_PERSONAL_API_KEY"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
		}
	}
	if strings.Contains(res.stderr, "phx_thisKey") {
		t.Errorf("the key leaked into stderr")
	}
}

func TestSnapshotFailsWithoutWritingWhenUnreachable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.vars["POSTHOG_HOST"] = "http://127.0.0.1:1"
	res := h.run("snapshot", "-o", "snap.json")
	if res.code != 2 || !strings.Contains(res.stderr, "hogaudit: cannot reach http://127.0.0.1:1") {
		t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
	}
	if _, err := os.Stat(h.path("snap.json")); !os.IsNotExist(err) {
		t.Errorf("no snapshot may be written when the host is unreachable")
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	cases := []struct {
		name string
		args []string
		vars map[string]string
		want []string
	}{
		{"unknown flag", []string{"scan", "--bogus"}, nil, []string{"hogaudit: unknown flag --bogus", "hogaudit: hint: run 'hogaudit scan --help' for usage"}},
		{"no key", []string{"snapshot"}, map[string]string{"POSTHOG_PERSONAL_API_KEY": ""}, []string{"hogaudit: no personal API key: POSTHOG_PERSONAL_API_KEY is not set", "hogaudit: hint: create a key in PostHog"}},
		{"plain http", []string{"snapshot"}, map[string]string{"POSTHOG_HOST": "http://posthog.internal.example"}, []string{"hogaudit: --host:", "insecure-http"}},
		{"bad fail-on", []string{"check", "--snapshot", "x.json", "--fail-on", "sometimes"}, nil, []string{"hogaudit: --fail-on must be one of"}},
		{"audit key value instead of name", []string{"snapshot", "--audit-key-env", "phx_abc-def"}, nil, []string{"is not an environment variable name"}},
		{"unset audit key", []string{"snapshot", "--audit-key-env", "NOT_SET_ANYWHERE"}, nil, []string{"hogaudit: --audit-key-env NOT_SET_ANYWHERE: $NOT_SET_ANYWHERE is empty or not set"}},
		{"absent snapshot", []string{"check", "--snapshot", "absent.json"}, nil, []string{"hogaudit: read snapshot:", "hogaudit: hint: produce one with 'hogaudit snapshot -o FILE'"}},
		{"same file twice", []string{"check", "--snapshot", "x.json", "-o", "r.json", "--json", "r.json"}, nil, []string{"hogaudit: --output and --json both write r.json"}},
		{"unknown rule", []string{"explain", "PH999"}, nil, []string{`hogaudit: no rule "PH999"`}},
		{"rate too high", []string{"snapshot", "--rate", "1000"}, map[string]string{"POSTHOG_HOST": "https://us.posthog.com"}, []string{"above PostHog's limit of 480"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := h.runEnv(c.vars, c.args...)
			if res.code != 2 {
				t.Errorf("exit %d, want 2", res.code)
			}
			for _, w := range c.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
				}
			}
			checkVoice(t, res.stderr)
		})
	}
}

// checkVoice enforces the message conventions: every stderr line is
// prefixed, starts lower-case, and has no trailing period.
func checkVoice(t *testing.T, stderr string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "hogaudit: ") {
			t.Errorf("line without the hogaudit: prefix: %q", line)
			continue
		}
		body := strings.TrimPrefix(strings.TrimPrefix(line, "hogaudit: "), "hint: ")
		if body != "" && body[0] >= 'A' && body[0] <= 'Z' && !regexp.MustCompile(`^[A-Z]{2,}|^PH\d`).MatchString(body) {
			t.Errorf("line starts upper-case: %q", line)
		}
		if strings.HasSuffix(line, ".") {
			t.Errorf("line ends with a period: %q", line)
		}
	}
}

func TestHelpTeaches(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("--help")
	if res.code != 0 {
		t.Fatalf("exit %d", res.code)
	}
	for _, w := range []string{"scan", "snapshot", "check", "demo", "POSTHOG_PERSONAL_API_KEY", "Exit codes"} {
		if !strings.Contains(res.stdout, w) {
			t.Errorf("--help lacks %q", w)
		}
	}
	res = h.run("scan", "--help")
	for _, w := range []string{"--host", "POSTHOG_HOST", "--audit-key-env", "--fail-on", "--sarif", "--snapshot-out", "--rate"} {
		if !strings.Contains(res.stdout, w) {
			t.Errorf("scan --help lacks %q", w)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("version")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "hogaudit ") || !strings.Contains(res.stdout, "opa ") {
		t.Errorf("version output:\n%s", res.stdout)
	}
}

func TestScanExitCodes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	cases := []struct {
		failOn string
		want   int
	}{
		{"critical", 1}, {"high", 1}, {"low", 1}, {"none", 0},
	}
	for _, c := range cases {
		for _, format := range []string{"text", "json", "sarif", "markdown"} {
			res := h.run(scanArgs("--fail-on", c.failOn, "--format", format, "-q")...)
			if res.code != c.want {
				t.Errorf("--fail-on %s --format %s: exit %d, want %d\n%s", c.failOn, format, res.code, c.want, res.stderr)
			}
			if res.stderr != "" {
				t.Errorf("-q should keep stderr quiet, got %q", res.stderr)
			}
		}
	}
	// Missing evidence wins over everything: never 0, and 2 whatever --fail-on says.
	h.sim.DenyScope(posthogsim.AcmeScannerToken, "access_control:read")
	for _, failOn := range []string{"none", "high"} {
		res := h.run(scanArgs("--fail-on", failOn, "--sarif", "inc.sarif")...)
		if res.code != 2 {
			t.Errorf("incomplete evidence, --fail-on %s: exit %d, want 2", failOn, res.code)
		}
		if !strings.Contains(res.stderr, "not evaluated") || !strings.Contains(res.stderr, "access_control:read") {
			t.Errorf("stderr should name the rules not evaluated and the scope:\n%s", res.stderr)
		}
	}
	if sarif := readFile(t, h.path("inc.sarif")); !strings.Contains(sarif, `"executionSuccessful": false`) {
		t.Errorf("the SARIF of an incomplete scan must say the execution was not successful")
	}
}

func TestDemoRunsAndItsSARIFValidates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	res := h.run("demo", "--sarif", "demo.sarif", "--json", "demo.json", "--markdown", "demo.md", "--snapshot-out", "demo-snapshot.json")
	if res.code != 0 {
		t.Fatalf("demo exit %d:\n%s", res.code, res.stderr)
	}
	for _, w := range []string{"PH212", "dan@acme.example", "PH401"} {
		if !strings.Contains(res.stdout, w) {
			t.Errorf("the demo table lacks %q:\n%s", w, res.stdout)
		}
	}
	sarifs.Validate(t, h.path("demo.sarif"))
	sarif := readFile(t, h.path("demo.sarif"))
	if !strings.Contains(sarif, `"uri": "`+examples.MatrixPath+`"`) {
		t.Errorf("demo SARIF locations should point at %s", examples.MatrixPath)
	}
	// The demo with a denied scope still runs, and says what is missing.
	res = h.run("demo", "--deny", "activity_log:read", "--format", "json")
	if res.code != 0 {
		t.Fatalf("demo --deny exit %d:\n%s", res.code, res.stderr)
	}
	rep := decodeReport(t, []byte(res.stdout))
	if rep.Snapshot.Complete || !rep.has("PH901", "section:activity_log", "*") {
		t.Errorf("demo --deny should report the missing activity log, got %+v", rep.Snapshot)
	}
}

// TestRepoPath: the matrix is located relative to the git top level that
// holds the file its path resolves to (symlinks followed); a .git file (a
// worktree, a submodule) marks a top level too; $GITHUB_WORKSPACE is no
// root of its own. Outside any repository the place is a best guess with
// no root.
func TestRepoPath(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	repo := filepath.Join(root, "repo")
	worktree := filepath.Join(root, "worktree")
	for _, d := range []string{filepath.Join(repo, ".git"), filepath.Join(repo, "compliance"), filepath.Join(worktree, "sec"), filepath.Join(root, "elsewhere"), filepath.Join(root, "links")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	inRepo := filepath.Join(repo, "compliance", "access-matrix.yaml")
	outside := filepath.Join(root, "elsewhere", "m.yaml")
	for _, f := range []string{inRepo, outside, filepath.Join(worktree, ".git"), filepath.Join(worktree, "sec", "m.yaml")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A link outside the repository to the matrix inside it, and one
	// inside the repository to a matrix outside.
	linkIn := filepath.Join(root, "links", "matrix.yaml")
	linkOut := filepath.Join(repo, "compliance", "elsewhere.yaml")
	if err := os.Symlink(inRepo, linkIn); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := os.Symlink(outside, linkOut); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, workspace, path, want, wantRoot string
	}{
		{"git root", "", inRepo, "compliance/access-matrix.yaml", repo},
		{"relative in git root", "", "repo/compliance/access-matrix.yaml", "compliance/access-matrix.yaml", repo},
		{"git file of a worktree", "", filepath.Join(worktree, "sec", "m.yaml"), "sec/m.yaml", worktree},
		{"symlink into the repository", "", linkIn, "compliance/access-matrix.yaml", repo},
		{"github workspace at the top level", repo, inRepo, "compliance/access-matrix.yaml", repo},
		// near misses: a workspace that is not the top level is no root
		{"workspace below the top level", filepath.Join(repo, "compliance"), inRepo, "compliance/access-matrix.yaml", repo},
		{"workspace elsewhere", filepath.Join(root, "other"), inRepo, "compliance/access-matrix.yaml", repo},
		{"workspace holding a file outside any repository", filepath.Join(root, "elsewhere"), outside, "elsewhere/m.yaml", ""},
		{"symlink out of the repository", "", linkOut, "elsewhere/m.yaml", ""},
		{"working directory", "", outside, "elsewhere/m.yaml", ""},
		{"outside everything", "", "/nonexistent-dir/m.yaml", "m.yaml", ""},
	}
	for _, c := range cases {
		e := &env{wd: root, lookupEnv: lookupIn(map[string]string{"GITHUB_WORKSPACE": c.workspace})}
		if got := locateMatrix(e, c.path); got.rel != c.want || got.root != c.wantRoot {
			t.Errorf("%s: locateMatrix(%s) = %q in %q, want %q in %q", c.name, c.path, got.rel, got.root, c.want, c.wantRoot)
		}
	}
	// Without a working directory of its own, a run's is the process's:
	// the binary's case.
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	none := lookupIn()
	rel := filepath.Join("testdata", "m.yaml")
	if got, want := locateMatrix(&env{lookupEnv: none}, rel), locateMatrix(&env{wd: cwd, lookupEnv: none}, rel); got != want || !strings.HasSuffix(got.rel, "testdata/m.yaml") {
		t.Errorf("locateMatrix(%s) in the process's directory = %+v, want %+v", rel, got, want)
	}
}

func TestProgressOnATerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	run1 := func(errTTY bool, args ...string) string {
		var out, errb strings.Builder
		e := h.env(&out, &errb, nil)
		e.errTTY = errTTY
		if code := run(context.Background(), args, e); code != 0 {
			t.Fatalf("exit %d:\n%s", code, errb.String())
		}
		return errb.String()
	}
	tty := run1(true, "snapshot", "-o", h.path("a.json"))
	if !strings.Contains(tty, "\r\033[Khogaudit: collecting from "+h.url) || !regexp.MustCompile(`collected from \S+: \d+ requests\n`).MatchString(tty) {
		t.Errorf("a terminal should see a progress line:\n%q", tty)
	}
	if plain := run1(false, "snapshot", "-o", h.path("b.json")); strings.Contains(plain, "\r") || strings.Contains(plain, "collecting") {
		t.Errorf("no progress when stderr is not a terminal:\n%q", plain)
	}
	if quiet := run1(true, "snapshot", "-q", "-o", h.path("c.json")); quiet != "" {
		t.Errorf("-q silences progress, got %q", quiet)
	}
	// Throttling shows in the progress line.
	h.sim.Inject(posthogsim.Fault{Path: "/members/", Times: 1, Kind: posthogsim.Fault429, Seconds: 1})
	if throttled := run1(true, "snapshot", "-o", h.path("d.json")); !regexp.MustCompile(`throttled \d+× \(\d+s\)`).MatchString(throttled) {
		t.Errorf("a 429 should show as throttling:\n%q", throttled)
	}
}

func TestTextColourOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	scan := func(tty bool) string {
		var out, errb strings.Builder
		e := h.env(&out, &errb, nil)
		e.stdoutTTY = tty
		if code := run(context.Background(), scanArgs("-q", "--matrix", h.path("access-matrix.yaml")), e); code != 1 || !strings.Contains(out.String(), "PH212") {
			t.Fatalf("scan exit %d, want 1 with findings:\n%s%s", code, out.String(), errb.String())
		}
		return out.String()
	}
	if plain := scan(false); strings.Contains(plain, "\033[") {
		t.Error("no colour when stdout is not a terminal")
	}
	if coloured := scan(true); !strings.Contains(coloured, "\033[") {
		t.Error("colour on a terminal")
	}
	h.vars["NO_COLOR"] = "1"
	if noColour := scan(true); strings.Contains(noColour, "\033[") {
		t.Error("NO_COLOR turns colour off")
	}
}
