// Package synthsnap produces snapshots of synthetic organizations
// (posthogsim.Synthetic) for benchmarks and scale tests: the organization is
// collected through the simulator over a loopback HTTP server, exactly as
// `hogaudit snapshot` would collect it, and the file can be cached under
// os.TempDir so that a large one (50,000 members × 300 projects) is made
// once per machine and tool version.
package synthsnap

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Now is the time every synthetic organization of this package is relative
// to and collected at.
var Now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// Seed is the posthogsim.SyntheticConfig seed of every organization here.
const Seed = 7

// Config returns the SyntheticConfig of a members × projects organization.
func Config(members, projects int) posthogsim.SyntheticConfig {
	return posthogsim.SyntheticConfig{Members: members, Projects: projects, Seed: Seed, Now: Now}
}

// Collect collects the synthetic members × projects organization through
// the simulator and returns its snapshot and the organization. It fails
// when the snapshot is incomplete.
func Collect(ctx context.Context, members, projects int) (*snapshot.Snapshot, *posthogsim.Org, error) {
	org := posthogsim.Synthetic(Config(members, projects))
	srv := httptest.NewServer(posthogsim.New(org, posthogsim.WithPageSize(1000)))
	defer srv.Close()
	// The client's own body caps, sized from the member count, hold the
	// largest answers (/roles/ with every member, users_with_access).
	c, err := posthog.New(srv.URL, posthogsim.SyntheticScannerToken, posthog.WithBudget(posthog.NewBudget(8, 0)))
	if err != nil {
		return nil, nil, err
	}
	s, err := snapshot.Collect(ctx, c, snapshot.Options{Now: func() time.Time { return Now }})
	if err != nil {
		return nil, nil, err
	}
	if !s.Complete() {
		return nil, nil, fmt.Errorf("synthetic %d×%d snapshot incomplete: %+v", members, projects, s.Missing)
	}
	return s, org, nil
}

// CachedFile returns the path of the synthetic members × projects
// snapshot written with snapshot.Write under os.TempDir (ext ".json" or
// ".json.gz"), collecting and writing it first when the file is not there.
// The file name carries the snapshot schema version, so a cache of an
// older format is never read as the current one. Concurrent callers may
// both collect; the write is atomic, so either result is whole.
func CachedFile(ctx context.Context, members, projects int, ext string) (string, error) {
	dir := filepath.Join(os.TempDir(), "hogaudit-synthsnap")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("synthetic-%dx%d-seed%d-v%d%s", members, projects, Seed, snapshot.SchemaVersion, ext))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	s, _, err := Collect(ctx, members, projects)
	if err != nil {
		return "", err
	}
	if err := snapshot.Write(path, s); err != nil {
		return "", err
	}
	return path, nil
}

// LevelGroups is the start of a matrix's groups: section naming the
// organization's owners (group owners, org_level owner) and admins (group
// org_admins, org_level admin) by email, in member order.
func LevelGroups(org *posthogsim.Org) string {
	var owners, admins []string
	for _, m := range org.Members {
		switch m.Level {
		case posthogsim.LevelOwner:
			owners = append(owners, fmt.Sprintf("%q", m.User.Email))
		case posthogsim.LevelAdmin:
			admins = append(admins, fmt.Sprintf("%q", m.User.Email))
		}
	}
	return "groups:\n  owners:\n    members: [" + strings.Join(owners, ", ") + "]\n    org_level: owner\n" +
		"  org_admins:\n    members: [" + strings.Join(admins, ", ") + "]\n    org_level: admin\n"
}

// MatrixYAML is an access matrix the synthetic organization org mostly
// follows: the owners and admins in groups of their own with admin on every
// project, every role a group allowed admin (and insight creation) on every
// project, every project protected and bound by id. Checks against it
// measure evaluation rather than reporting.
func MatrixYAML(org *posthogsim.Org) []byte {
	var b strings.Builder
	b.WriteString("version: 1\norganization:\n  require_2fa: true\n  max_owners: 2\n  max_admins: 500\n  allowed_email_domains: [synthetic.example]\n  dormant_after_days: 90\n")
	b.WriteString("api_keys:\n  max_age_days: 90\n  max_unused_days: 30\n  allow_wildcard: false\n  require_project_scoping: true\n")
	b.WriteString("projects:\n")
	for _, p := range org.Projects {
		fmt.Fprintf(&b, "  p%d:\n    id: %d\n    protected: true\n", p.ID, p.ID)
	}
	b.WriteString(LevelGroups(org))
	for i := range org.Roles {
		fmt.Fprintf(&b, "  team_%02d:\n    role: %q\n", i+1, org.Roles[i].Name)
	}
	b.WriteString("access_matrix:\n")
	for _, g := range []string{"owners", "org_admins"} {
		fmt.Fprintf(&b, "  %s:\n", g)
		for _, p := range org.Projects {
			fmt.Fprintf(&b, "    p%d: {role: admin}\n", p.ID)
		}
	}
	for i := range org.Roles {
		fmt.Fprintf(&b, "  team_%02d:\n", i+1)
		for _, p := range org.Projects {
			fmt.Fprintf(&b, "    p%d: {role: admin, can_create_insights: true}\n", p.ID)
		}
	}
	return []byte(b.String())
}
