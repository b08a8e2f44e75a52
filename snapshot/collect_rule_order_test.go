package snapshot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Access rules are sorted once, at the end of the collection, into the
// order Project.AccessControls documents, whatever order PostHog's answers
// list them in.

// shuffling serves sim, with the rules and the access levels of every
// access_controls and resource_access_controls answer in an order drawn
// from seed (seed 0: PostHog's own order). shuffled counts the answers whose
// rules it reordered.
type shuffling struct {
	sim  http.Handler
	seed uint64

	mu       sync.Mutex
	answers  int
	shuffled int
}

func (h *shuffling) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.seed == 0 || !strings.HasSuffix(r.URL.Path, "access_controls/") {
		h.sim.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	h.sim.ServeHTTP(rec, r)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
		w.WriteHeader(http.StatusInternalServerError) // the test's own fault: fail loudly
		return
	}
	h.mu.Lock()
	h.answers++
	rng := rand.New(rand.NewPCG(h.seed, uint64(h.answers)))
	for _, field := range []string{"access_controls", "available_access_levels"} {
		list, _ := body[field].([]any)
		before := fmt.Sprint(list)
		rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		if field == "access_controls" && fmt.Sprint(list) != before {
			h.shuffled++
		}
	}
	h.mu.Unlock()
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// ruleKey is the documented order of a rule as a tuple of strings compared
// in turn: resource, resource_id, organization_member, role (absent before
// any present one), access_level, created_at (absent first), updated_at,
// created_by.
func ruleKey(r posthog.AccessControl) []string {
	str := func(p *string) string {
		if p == nil {
			return "0"
		}
		return "1" + *p
	}
	tm := func(p *time.Time) string {
		if p == nil {
			return "0"
		}
		return "1" + p.UTC().Format("2006-01-02T15:04:05.000000000")
	}
	by := "0"
	if r.CreatedBy != nil {
		by = fmt.Sprintf("1%020d", *r.CreatedBy)
	}
	return []string{r.Resource, str(r.ResourceID), str(r.OrganizationMember), str(r.Role), r.AccessLevel, tm(r.CreatedAt), tm(r.UpdatedAt), by}
}

// richRules gives Acme's Production resource rules on several resources,
// each for everyone, a role and a member, so that every key of the order
// decides somewhere.
func richRules(org *posthogsim.Org) {
	var role, member string
	role = org.Roles[0].ID
	member = org.Members[3].ID
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range org.Projects {
		p := &org.Projects[i]
		if p.ID != posthogsim.AcmeProductionID {
			continue
		}
		for n, res := range []string{"insight", "feature_flag", "dashboard", "session_recording"} {
			p.ResourceAccessControls = append(p.ResourceAccessControls,
				posthogsim.AccessRule{Resource: res, Level: "viewer", CreatedBy: 1, CreatedAt: at.AddDate(0, 0, n)},
				posthogsim.AccessRule{Resource: res, MemberID: member, Level: "editor", CreatedBy: 1, CreatedAt: at.AddDate(0, 0, n)},
				posthogsim.AccessRule{Resource: res, RoleID: role, Level: "none", CreatedBy: 1, CreatedAt: at.AddDate(0, 0, n)},
			)
		}
	}
}

func TestCollectSortsAccessRulesOnceWhateverTheAnswersOrder(t *testing.T) {
	var first []byte
	for _, seed := range []uint64{0, 1, 2, 3, 4} {
		org := posthogsim.Acme(refNow)
		richRules(org)
		h := &shuffling{sim: posthogsim.New(org), seed: seed}
		s, err := collectFrom(t, h, snapshot.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !s.Complete() {
			t.Fatalf("seed %d: missing %+v", seed, s.Missing)
		}
		if seed != 0 && h.shuffled == 0 {
			t.Fatalf("seed %d: no answer's rules were reordered: the test proves nothing", seed)
		}
		rules := 0
		for _, p := range s.Projects {
			for name, l := range map[string]*posthog.AccessControlList{"access_controls": p.AccessControls, "resource_access_controls": p.ResourceAccessControls} {
				rules += len(l.AccessControls)
				if !slices.IsSortedFunc(l.AccessControls, func(a, b posthog.AccessControl) int { return slices.Compare(ruleKey(a), ruleKey(b)) }) {
					t.Errorf("seed %d: project %d's %s are out of the documented order: %v", seed, p.ID, name, l.AccessControls)
				}
				if !slices.IsSorted(l.AvailableAccessLevels) {
					t.Errorf("seed %d: project %d's %s levels are not sorted: %v", seed, p.ID, name, l.AvailableAccessLevels)
				}
			}
		}
		if rules < 20 {
			t.Fatalf("seed %d: only %d rules collected", seed, rules)
		}
		// However the answers listed them, the snapshot is the same (but
		// for the test server's address).
		s.Host = ""
		b := comparable(t, s)
		if first == nil {
			first = b
		} else if !bytes.Equal(first, b) {
			t.Errorf("seed %d: the snapshot differs from PostHog's own order's", seed)
		}
	}
}

func TestAccessRuleOrderIsTotal(t *testing.T) {
	// Rules PostHog would refuse to store twice still sort by every field
	// the snapshot keeps, so two answers listing the same rules in another
	// order give the same snapshot: only rules equal in every field tie.
	s := func(v string) *string { return &v }
	tm := func(d int) *time.Time { t := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &t }
	id := func(v int64) *int64 { return &v }
	want := []posthog.AccessControl{
		{Resource: "dashboard", AccessLevel: "viewer"},
		{Resource: "project", AccessLevel: "none"},
		{Resource: "project", ResourceID: s(""), AccessLevel: "admin"},
		{Resource: "project", ResourceID: s("1"), AccessLevel: "none"},
		{Resource: "project", ResourceID: s("1"), Role: s("r1"), AccessLevel: "member"},
		{Resource: "project", ResourceID: s("1"), OrganizationMember: s("m1"), AccessLevel: "admin"},
		{Resource: "project", ResourceID: s("1"), OrganizationMember: s("m1"), AccessLevel: "member"},
		{Resource: "project", ResourceID: s("1"), OrganizationMember: s("m1"), AccessLevel: "member", CreatedAt: tm(1)},
		{Resource: "project", ResourceID: s("1"), OrganizationMember: s("m1"), AccessLevel: "member", CreatedAt: tm(2)},
		{Resource: "project", ResourceID: s("1"), OrganizationMember: s("m1"), AccessLevel: "member", CreatedAt: tm(2), UpdatedAt: tm(3)},
		{Resource: "project", ResourceID: s("1"), OrganizationMember: s("m1"), AccessLevel: "member", CreatedAt: tm(2), UpdatedAt: tm(3), CreatedBy: id(7)},
		{Resource: "project", ResourceID: s("1"), OrganizationMember: s("m2"), AccessLevel: "none"},
	}
	for n := range 20 {
		rules := slices.Clone(want)
		rand.New(rand.NewPCG(uint64(n), 0)).Shuffle(len(rules), func(i, j int) { rules[i], rules[j] = rules[j], rules[i] })
		s := collectRules(t, rules)
		for i := range want {
			if a, b := ruleKey(s[i]), ruleKey(want[i]); !slices.Equal(a, b) {
				t.Fatalf("shuffle %d: rule %d = %v, want %v", n, i, a, b)
			}
		}
	}
}

// collectRules collects a one-project organization whose access_controls
// answer lists rules as given (a stand-in answer, not the simulator's), and
// returns the project's rules from the snapshot.
func collectRules(t *testing.T, rules []posthog.AccessControl) []posthog.AccessControl {
	t.Helper()
	org := posthogsim.Acme(refNow)
	sim := posthogsim.New(org)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != fmt.Sprintf("/api/projects/%d/access_controls/", posthogsim.AcmeProductionID) {
			sim.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_controls": rules, "available_access_levels": []string{"none", "member", "admin"}, "default_access_level": "member"})
	})
	s, err := collectFrom(t, h, snapshot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Projects {
		if p.ID == posthogsim.AcmeProductionID && p.AccessControls != nil {
			return p.AccessControls.AccessControls
		}
	}
	t.Fatalf("production's access controls were not collected: missing %+v", s.Missing)
	return nil
}
