package snapshot_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// A project deleted after the project list was served answers 404 to
// everything; on the newest PostHog that 404 is the project's, not the
// deployment's: every other project keeps its own users_with_access.
func TestCollectProjectDeletedMidRunKeepsTheOthersUsersWithAccess(t *testing.T) {
	t.Parallel()
	const projects = 6
	for _, width := range []int{1, 4} {
		org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 30, Projects: projects, Seed: 13, Now: refNow})
		gone := org.Projects[0].ID
		var sim *posthogsim.Server
		var once sync.Once
		sim = posthogsim.New(org, posthogsim.WithAnswered(func(r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/projects/") && strings.HasPrefix(r.URL.Path, "/api/organizations/") {
				once.Do(func() { sim.DeleteProject(gone) })
			}
		}))
		s, err := collectSim(t, sim, width, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range s.Projects {
			if p.ID == gone {
				if p.UsersWithAccess != nil {
					t.Errorf("width %d: the deleted project has users_with_access %v", width, p.UsersWithAccess)
				}
				continue
			}
			if p.UsersWithAccess == nil {
				t.Errorf("width %d: project %d lost its users_with_access to the deleted project's 404", width, p.ID)
			}
		}
		var recs int
		for _, m := range s.Missing {
			if m.Section != snapshot.SectionUsersWithAccess {
				continue
			}
			recs++
			if m.ProjectID == nil || *m.ProjectID != gone {
				t.Errorf("width %d: users_with_access record %+v is not the deleted project's", width, m)
			}
		}
		if recs != 1 {
			t.Errorf("width %d: %d users_with_access records, want the deleted project's one", width, recs)
		}
		if n := pathsLike(sim.Stats(), "/users_with_access/"); n != projects {
			t.Errorf("width %d: users_with_access asked %d times, want once per project (%d)", width, n, projects)
		}
	}
}
