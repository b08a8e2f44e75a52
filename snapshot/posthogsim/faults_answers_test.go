package posthogsim_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// idsOf returns the ids of a page's results.
func idsOf(t *testing.T, items []any) []string {
	t.Helper()
	var out []string
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			t.Fatalf("item %v is not an object", it)
		}
		out = append(out, fmt.Sprint(m["id"]))
	}
	return out
}

// Each answer fault changes exactly what it says of the page it hits, and
// only that page: the fault is used up and the next answer is whole again.
func TestAnswerFaults(t *testing.T) {
	const members = orgPath + "members/"
	clean := newAcme(posthogsim.WithPageSize(3))
	page := func(off int) reply {
		return get(t, clean, scanner, fmt.Sprintf("%s?limit=3&offset=%d", members, off))
	}
	first, second := page(0), page(3)
	firstIDs, secondIDs := idsOf(t, first.results(t)), idsOf(t, second.results(t))

	tests := []struct {
		name  string
		fault posthogsim.Fault
		path  string
		check func(t *testing.T, r reply)
	}{
		{"short page", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultShortPage}, members + "?limit=3&offset=3", func(t *testing.T, r reply) {
			if got := idsOf(t, r.results(t)); !slices.Equal(got, secondIDs[:2]) || r.obj(t)["count"] != second.obj(t)["count"] || r.obj(t)["next"] != second.obj(t)["next"] {
				t.Errorf("ids %v, want %v with count and next unchanged", got, secondIDs[:2])
			}
		}},
		{"long page", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultLongPage}, members + "?limit=3&offset=3", func(t *testing.T, r reply) {
			got := idsOf(t, r.results(t))
			if !slices.Equal(got[:3], secondIDs) || len(got) != 4 || got[3] != "phantom-"+secondIDs[2] {
				t.Errorf("ids %v, want %v and a phantom", got, secondIDs)
			}
		}},
		{"overlapping page", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultOverlapPage}, members + "?limit=3&offset=3", func(t *testing.T, r reply) {
			want := append([]string{firstIDs[2]}, secondIDs[:2]...)
			if got := idsOf(t, r.results(t)); !slices.Equal(got, want) || r.obj(t)["next"] != second.obj(t)["next"] {
				t.Errorf("ids %v, want %v with next unchanged", got, want)
			}
		}},
		{"overlapping first page", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultOverlapPage}, members + "?limit=3", func(t *testing.T, r reply) {
			want := []string{firstIDs[0], firstIDs[1], firstIDs[0]}
			if got := idsOf(t, r.results(t)); !slices.Equal(got, want) {
				t.Errorf("ids %v, want %v", got, want)
			}
		}},
		{"duplicated item", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultDuplicateItem}, members + "?limit=3&offset=3", func(t *testing.T, r reply) {
			want := []string{secondIDs[0], secondIDs[1], secondIDs[0]}
			if got := idsOf(t, r.results(t)); !slices.Equal(got, want) {
				t.Errorf("ids %v, want %v", got, want)
			}
		}},
		{"results null", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultResultsNull}, members, func(t *testing.T, r reply) {
			if res, ok := r.obj(t)["results"]; !ok || res != nil {
				t.Errorf("body %s", r.raw)
			}
		}},
		{"results absent", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultResultsAbsent}, members, func(t *testing.T, r reply) {
			if _, ok := r.obj(t)["results"]; ok || r.obj(t)["count"] == nil {
				t.Errorf("body %s", r.raw)
			}
		}},
		{"bare array", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultBareArray}, members + "?limit=3", func(t *testing.T, r reply) {
			items, ok := r.body.([]any)
			if !ok || !slices.Equal(idsOf(t, items), firstIDs) {
				t.Errorf("body %s, want the first page's results alone", r.raw)
			}
		}},
		{"huge count", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultHugeCount}, members, func(t *testing.T, r reply) {
			if !strings.Contains(string(r.raw), `"count":1000000000000`) {
				t.Errorf("body %s", r.raw)
			}
		}},
		{"null body", posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultNullBody}, "/api/users/@me/", func(t *testing.T, r reply) {
			if r.status != 200 || string(r.raw) != "null" {
				t.Errorf("got %d %s", r.status, r.raw)
			}
		}},
		{"empty object", posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultEmptyObject}, "/api/users/@me/", func(t *testing.T, r reply) {
			if r.status != 200 || string(r.raw) != "{}" {
				t.Errorf("got %d %s", r.status, r.raw)
			}
		}},
		{"dropped id", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultDropField}, members + "?limit=3", func(t *testing.T, r reply) {
			res := r.results(t)
			if _, ok := res[0].(map[string]any)["id"]; ok || res[1].(map[string]any)["id"] == nil {
				t.Errorf("body %s, want the first item without id", r.raw)
			}
		}},
		{"dropped email", posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultDropField, Field: "user.email"}, members + "?limit=3", func(t *testing.T, r reply) {
			u := r.results(t)[0].(map[string]any)["user"].(map[string]any)
			if _, ok := u["email"]; ok || u["uuid"] == nil {
				t.Errorf("user %v, want no email", u)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := newAcme(posthogsim.WithPageSize(3))
			sim.Inject(tt.fault)
			tt.check(t, get(t, sim, scanner, tt.path))
			after := get(t, sim, scanner, tt.path)
			if strings.Contains(tt.path, "/members/") && len(after.results(t)) == 0 {
				t.Errorf("the fault was not used up: %s", after.raw)
			}
		})
	}
}

// Page limits a fault to one page of a list: earlier pages pass untouched
// and keep the fault for the page it names.
func TestFaultOnOnePage(t *testing.T) {
	sim := newAcme(posthogsim.WithPageSize(3))
	sim.Inject(posthogsim.Fault{Path: "/members/", Page: 3, Kind: posthogsim.FaultShortPage})
	members := orgPath + "members/"
	for off, want := range map[int]int{0: 3, 3: 3} {
		if n := len(get(t, sim, scanner, fmt.Sprintf("%s?limit=3&offset=%d", members, off)).results(t)); n != want {
			t.Errorf("offset %d: %d items, want %d", off, n, want)
		}
	}
	if n := len(get(t, sim, scanner, members+"?limit=3&offset=6").results(t)); n != 2 {
		t.Errorf("page 3: %d items, want 2", n)
	}
	if n := len(get(t, sim, scanner, members+"?limit=3&offset=6").results(t)); n != 3 {
		t.Errorf("page 3 again: %d items, want 3 (the fault used up)", n)
	}
}

// The envelope fault wraps a bare-array answer; the endless cursor serves
// the first page's rows under ever new cursors.
func TestAnswerFaultsOnOtherShapes(t *testing.T) {
	t.Run("envelope", func(t *testing.T) {
		sim := newAcme(posthogsim.WithDeployment(posthogsim.Deployment2025))
		path := fmt.Sprintf("/api/projects/%d/explicit_members/", posthogsim.AcmeProductionID)
		bare := get(t, sim, scanner, path)
		sim.Inject(posthogsim.Fault{Path: "/explicit_members/", Kind: posthogsim.FaultEnvelope})
		r := get(t, sim, scanner, path)
		items, _ := bare.body.([]any)
		if got := r.results(t); len(got) != len(items) || r.obj(t)["count"] != float64(len(items)) {
			t.Errorf("envelope %s around %s", r.raw, bare.raw)
		}
	})
	t.Run("endless cursor", func(t *testing.T) {
		sim := newAcme(posthogsim.WithPageSize(2))
		path := fmt.Sprintf("/api/projects/%d/activity_log/", posthogsim.AcmeProductionID)
		sim.Inject(posthogsim.Fault{Path: "/activity_log/", Kind: posthogsim.FaultEndlessCursor, Times: 3})
		target := path
		var firstIDs []string
		seen := map[string]bool{}
		for i := range 3 {
			r := get(t, sim, scanner, target)
			ids := idsOf(t, r.results(t))
			if i == 0 {
				firstIDs = ids
			} else if !slices.Equal(ids, firstIDs) {
				t.Errorf("page %d: %v, want the first page's %v", i+1, ids, firstIDs)
			}
			next, _ := r.obj(t)["next"].(string)
			if next == "" || seen[next] {
				t.Fatalf("page %d: next %q is not a fresh link", i+1, next)
			}
			seen[next] = true
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			target = u.RequestURI()
		}
	})
	t.Run("dropped field of an object", func(t *testing.T) {
		sim := newAcme()
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultDropField, Field: "email"})
		r := get(t, sim, scanner, "/api/users/@me/").obj(t)
		if _, ok := r["email"]; ok || r["uuid"] == nil {
			t.Errorf("current user %v, want no email", r)
		}
	})
	t.Run("error answers are left alone", func(t *testing.T) {
		sim := newAcme()
		sim.Inject(posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultNullBody})
		wantError(t, get(t, sim, "", orgPath+"members/"), 401, "authentication_error", "not_authenticated", "Authentication credentials were not provided.")
	})
}
