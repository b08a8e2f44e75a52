package posthogsim_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// logIDs follows target's cursor pages (page_size size) to the end and
// returns the row ids in order.
func logIDs(t *testing.T, s *posthogsim.Server, target string) []string {
	t.Helper()
	var ids []string
	for range 1000 {
		page := get(t, s, posthogsim.SyntheticScannerToken, target).obj(t)
		res, _ := page["results"].([]any)
		for _, r := range res {
			ids = append(ids, r.(map[string]any)["id"].(string))
		}
		next, _ := page["next"].(string)
		if next == "" || len(res) == 0 {
			return ids
		}
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		target = u.RequestURI()
	}
	t.Fatal("the log does not end")
	return nil
}

// TestActivityLogFollowsChanges checks that the sorted logs a Server keeps
// between requests are dropped by a change: the row a change logs shows on
// the organization-wide and the project log served after it, though both
// were served (and kept) before, and in the count of numbered pages; and
// that a filter still applies to every
// row, page after page.
func TestActivityLogFollowsChanges(t *testing.T) {
	o := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: 50, Projects: 3, Seed: 5, Now: now, ActivityPerProject: 30})
	s := posthogsim.New(o)
	orgLog := "/api/organizations/" + o.ID + "/advanced_activity_logs/?page_size=7"
	projLog := fmt.Sprintf("/api/projects/%d/activity_log/?page_size=7", o.Projects[0].ID) // receives the organization's rows
	count := func() float64 {
		t.Helper()
		n, _ := get(t, s, posthogsim.SyntheticScannerToken, orgLog+"&page=2").obj(t)["count"].(float64)
		return n
	}
	orgBefore, projBefore, countBefore := logIDs(t, s, orgLog), logIDs(t, s, projLog), count()
	if len(orgBefore) != 3*30+len(o.Activity) {
		t.Fatalf("organization log has %d rows, want %d", len(orgBefore), 3*30+len(o.Activity))
	}
	if err := s.SetMemberLevel(o.Members[0].User.Email, o.Members[10].User.Email, posthogsim.LevelAdmin, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	orgAfter, projAfter := logIDs(t, s, orgLog), logIDs(t, s, projLog)
	if got := count(); int(countBefore) != len(orgBefore) || int(got) != len(orgAfter) {
		t.Errorf("numbered pages count %v before the change and %v after, want %d and %d", countBefore, got, len(orgBefore), len(orgAfter))
	}
	if len(orgAfter) != len(orgBefore)+1 || len(projAfter) != len(projBefore)+1 {
		t.Fatalf("after a logged change: organization log %d → %d rows, project log %d → %d; want one more each",
			len(orgBefore), len(orgAfter), len(projBefore), len(projAfter))
	}
	if orgAfter[0] == orgBefore[0] || projAfter[0] != orgAfter[0] {
		t.Errorf("the change's row is not the newest: %s, %s (before %s)", orgAfter[0], projAfter[0], orgBefore[0])
	}
	scoped := logIDs(t, s, orgLog+"&scopes=OrganizationMembership")
	if len(scoped) != 1 || scoped[0] != orgAfter[0] {
		t.Errorf("scopes=OrganizationMembership serves %v, want only %s", scoped, orgAfter[0])
	}
}
