package posthog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// memberJSON is the i-th member of a fake member list, in PostHog's shape.
func memberJSON(i int) map[string]any {
	return map[string]any{
		"id":        fmt.Sprintf("m%d", i),
		"level":     1,
		"joined_at": "2025-01-01T00:00:00Z",
		"user":      map[string]any{"id": i + 1, "uuid": fmt.Sprintf("u%d", i), "email": fmt.Sprintf("user%d@x.example", i)},
	}
}

// fakeList serves n members in pages of size, as DRF's LimitOffsetPagination
// does, and lets a test alter any page of any attempt (an attempt starts
// with a request for the first page, which has no offset).
type fakeList struct {
	n, size int
	// alter, if set, returns the body to serve instead of page (which it
	// may change) for the page at offset off of attempt.
	alter func(attempt, off int, page map[string]any) any

	mu       sync.Mutex
	requests int
	attempt  int
}

const fakeOrg = "o"

func (f *fakeList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	off, _ := strconv.Atoi(q.Get("offset"))
	f.mu.Lock()
	f.requests++
	if !q.Has("offset") {
		f.attempt++
	}
	attempt := f.attempt
	f.mu.Unlock()
	end := min(off+f.size, f.n)
	results := []any{}
	for i := off; i < end; i++ {
		results = append(results, memberJSON(i))
	}
	link := func(o int) string {
		q := r.URL.Query()
		q.Set("limit", strconv.Itoa(f.size))
		q.Set("offset", strconv.Itoa(o))
		return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	page := map[string]any{"count": f.n, "next": nil, "previous": nil, "results": results}
	if end < f.n {
		page["next"] = link(end)
	}
	var body any = page
	if f.alter != nil {
		body = f.alter(attempt, off, page)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (f *fakeList) stats() (requests, attempts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.attempt
}

func memberIDs(ms []posthog.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// Every way a limit/offset list's pages can fail to add up: each is read
// once more (the second read heals a fault of the first), and a fault that
// persists fails the list with ErrIncompleteList naming the endpoint and the
// numbers, never a list cut short or padded.
func TestListPagesMustAddUp(t *testing.T) {
	const n, size = 7, 2 // pages at offsets 0, 2, 4, 6
	results := func(p map[string]any) []any { return p["results"].([]any) }
	// host is the test server's, set by each request (for next links).
	// Requests of an earlier server may still be in flight: guard it.
	var (
		hostMu sync.Mutex
		host   string
	)
	curHost := func() string {
		hostMu.Lock()
		defer hostMu.Unlock()
		return host
	}
	tests := []struct {
		name  string
		alter func(off int, p map[string]any) any
		want  string
	}{
		{"short page", func(off int, p map[string]any) any {
			if off == 2 {
				p["results"] = results(p)[:1]
			}
			return p
		}, "the page at offset 2 holds 1 item where count 7 in pages of 2 calls for 2"},
		{"long page", func(off int, p map[string]any) any {
			if off == 2 {
				p["results"] = append(results(p), memberJSON(100))
			}
			return p
		}, "the page at offset 2 holds 3 items where count 7 in pages of 2 calls for 2"},
		{"overlapping page", func(off int, p map[string]any) any {
			if off == 4 {
				p["results"] = []any{memberJSON(3), memberJSON(4)}
			}
			return p
		}, `6 distinct items of count 7 (7 items: "m3" more than once)`},
		{"duplicated item", func(off int, p map[string]any) any {
			if off == 0 {
				p["results"] = []any{memberJSON(0), memberJSON(0)}
			}
			return p
		}, `6 distinct items of count 7 (7 items: "m0" more than once)`},
		{"count changed between pages", func(off int, p map[string]any) any {
			if off == 4 {
				p["count"] = 8
			}
			return p
		}, "the count changed from 7 to 8 while the list was read (the page at offset 4)"},
		{"next points backwards", func(off int, p map[string]any) any {
			if off == 2 {
				p["next"] = fmt.Sprintf("http://%s/api/organizations/o/members/?include_guests=true&limit=2&offset=0", curHost())
			}
			return p
		}, "the page at offset 2 links to offset 0 where offset 4 is next"},
		{"next repeats an offset", func(off int, p map[string]any) any {
			if off == 2 {
				p["next"] = fmt.Sprintf("http://%s/api/organizations/o/members/?include_guests=true&limit=2&offset=2", curHost())
			}
			return p
		}, "the page at offset 2 links to offset 2 where offset 4 is next"},
		{"next to another list", func(off int, p map[string]any) any {
			if off == 2 {
				p["next"] = fmt.Sprintf("http://%s/api/organizations/o/invites/?limit=2&offset=4", curHost())
			}
			return p
		}, "the page at offset 2 links to another list (/api/organizations/o/invites/)"},
		{"last page links to more", func(off int, p map[string]any) any {
			if off == 6 {
				p["next"] = fmt.Sprintf("http://%s/api/organizations/o/members/?include_guests=true&limit=2&offset=8", curHost())
			}
			return p
		}, "the page at offset 6, the last of count 7, links to more"},
		{"a middle page links to nothing", func(off int, p map[string]any) any {
			if off == 2 {
				p["next"] = nil
			}
			return p
		}, "the page at offset 2 links to no next page before count 7 is reached"},
		{"short first page", func(off int, p map[string]any) any {
			if off == 0 {
				p["results"] = results(p)[:1]
			}
			return p
		}, "the first page holds 1 item but links to the next page at offset 2"},
		{"count above the items", func(off int, p map[string]any) any {
			p["count"] = 8
			return p
		}, "the page at offset 6 holds 1 item where count 8 in pages of 2 calls for 2"},
		{"count below the items", func(off int, p map[string]any) any {
			p["count"] = 6
			return p
		}, "the page at offset 4, the last of count 6, links to more"},
		{"count below the first page", func(off int, p map[string]any) any {
			p["count"] = 1
			return p
		}, "the first page holds 2 items of count 1 but links to more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, persistent := range []bool{false, true} {
				f := &fakeList{n: n, size: size}
				f.alter = func(attempt, off int, p map[string]any) any {
					if attempt == 1 || persistent {
						return tt.alter(off, p)
					}
					return p
				}
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hostMu.Lock()
					host = r.Host
					hostMu.Unlock()
					f.ServeHTTP(w, r)
				})
				ev := &events{}
				got, err := loopback(t, h, token, posthog.WithObserver(ev.observe)).Members(context.Background(), fakeOrg)
				_, attempts := f.stats()
				if !persistent {
					// A fault of the first read only: the second read is whole.
					if err != nil {
						t.Fatalf("transient fault: %v", err)
					}
					if want := []string{"m0", "m1", "m2", "m3", "m4", "m5", "m6"}; !slices.Equal(memberIDs(got), want) {
						t.Errorf("transient fault: members %v, want %v", memberIDs(got), want)
					}
					if attempts != 2 {
						t.Errorf("transient fault: the list was read %d times, want 2", attempts)
					}
					if r := ev.kinds(posthog.EventRetry); len(r) != 1 || !strings.Contains(r[0].Err.Error(), tt.want) {
						t.Errorf("retry events = %+v, want one naming %q", r, tt.want)
					}
					continue
				}
				if !errors.Is(err, posthog.ErrIncompleteList) || got != nil {
					t.Fatalf("persistent fault: got %v, %v; want ErrIncompleteList and nothing", memberIDs(got), err)
				}
				want := "GET /api/organizations/o/members/: incomplete list: " + tt.want + " after 2 attempts"
				if err.Error() != want {
					t.Errorf("persistent fault:\n got %q\nwant %q", err, want)
				}
				var le *posthog.ListError
				if !errors.As(err, &le) || le.Path != "/api/organizations/o/members/" || le.Attempts != 2 {
					t.Errorf("ListError = %+v", le)
				}
				if attempts != 2 {
					t.Errorf("persistent fault: the list was read %d times, want 2", attempts)
				}
			}
		})
	}
}

// The near miss of TestListPagesMustAddUp: a list whose pages add up is
// read once, and lists of exactly one page, or none, are whole.
func TestListPagesThatAddUp(t *testing.T) {
	for _, tt := range []struct{ n, size, requests int }{{7, 2, 4}, {6, 2, 3}, {2, 2, 1}, {1, 5, 1}, {0, 5, 1}} {
		f := &fakeList{n: tt.n, size: tt.size}
		got, err := loopback(t, f, token).Members(context.Background(), fakeOrg)
		if err != nil || len(got) != tt.n {
			t.Errorf("%d members in pages of %d: got %d, %v", tt.n, tt.size, len(got), err)
		}
		if req, attempts := f.stats(); req != tt.requests || attempts != 1 {
			t.Errorf("%d members in pages of %d: %d requests in %d reads, want %d in 1", tt.n, tt.size, req, attempts, tt.requests)
		}
	}
}

// A single page that is short, long or repeats an item is read again, then
// fails with the numbers.
func TestListSinglePageMustAddUp(t *testing.T) {
	for _, tt := range []struct {
		name  string
		alter func(p map[string]any)
		want  string
	}{
		{"short", func(p map[string]any) { p["count"] = 4 }, "3 distinct items of count 4"},
		{"long", func(p map[string]any) { p["count"] = 2 }, "3 distinct items of count 2"},
		{"duplicate", func(p map[string]any) {
			p["results"] = []any{memberJSON(0), memberJSON(1), memberJSON(1)}
		}, `2 distinct items of count 3 (3 items: "m1" more than once)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeList{n: 3, size: 10, alter: func(_, _ int, p map[string]any) any { tt.alter(p); return p }}
			_, err := loopback(t, f, token).Members(context.Background(), fakeOrg)
			want := "GET /api/organizations/o/members/: incomplete list: " + tt.want + " after 2 attempts"
			if !errors.Is(err, posthog.ErrIncompleteList) || err.Error() != want {
				t.Errorf("err = %v, want %q", err, want)
			}
		})
	}
}

// Answers that are not a page, or hold an item without a required field,
// are malformed: never retried as a whole list, never read as an empty or
// zero-valued one. The error names the endpoint, the page and the field.
func TestListMalformedPages(t *testing.T) {
	const path = "GET /api/organizations/o/members/: decode response"
	tests := []struct {
		name  string
		alter func(off int, p map[string]any) any
		want  string
	}{
		{"results null", func(_ int, p map[string]any) any { p["results"] = nil; return p }, ": results is null"},
		{"results absent", func(_ int, p map[string]any) any { delete(p, "results"); return p }, ": results is missing"},
		{"results not a list", func(_ int, p map[string]any) any { p["results"] = map[string]any{}; return p }, ": results is not a list"},
		{"bare array", func(_ int, p map[string]any) any { return p["results"] }, ": the body is a bare list where a page {count, next, results} is expected"},
		{"null body", func(int, map[string]any) any { return nil }, ": the body is null"},
		{"empty object", func(int, map[string]any) any { return map[string]any{} }, ": results is missing"},
		{"count absent", func(_ int, p map[string]any) any { delete(p, "count"); return p }, ": count is missing"},
		{"count null", func(_ int, p map[string]any) any { p["count"] = nil; return p }, ": count is null"},
		{"count negative", func(_ int, p map[string]any) any { p["count"] = -1; return p }, ": count is negative (-1)"},
		{"count not an integer", func(_ int, p map[string]any) any { p["count"] = 2.5; return p }, ": count is not an integer: 2.5"},
		{"count a string, not repeated", func(_ int, p map[string]any) any { p["count"] = "phx_not-a-count"; return p }, ": count is not an integer: a string"},
		{"next not a link", func(_ int, p map[string]any) any { p["next"] = 4; return p }, ": next is not a link"},
		{"item null", func(_ int, p map[string]any) any { p["results"].([]any)[1] = nil; return p }, ": results[1] is null"},
		{"item without id", func(_ int, p map[string]any) any {
			delete(p["results"].([]any)[1].(map[string]any), "id")
			return p
		}, ": results[1].id is missing"},
		{"item with an empty id", func(_ int, p map[string]any) any {
			p["results"].([]any)[0].(map[string]any)["id"] = ""
			return p
		}, ": results[0].id is empty"},
		{"member without user", func(_ int, p map[string]any) any {
			delete(p["results"].([]any)[1].(map[string]any), "user")
			return p
		}, ": results[1].user is missing"},
		{"member with a null user", func(_ int, p map[string]any) any {
			p["results"].([]any)[1].(map[string]any)["user"] = nil
			return p
		}, ": results[1].user is null"},
		{"member without email", func(_ int, p map[string]any) any {
			delete(p["results"].([]any)[1].(map[string]any)["user"].(map[string]any), "email")
			return p
		}, ": results[1].user.email is missing"},
		{"member without level", func(_ int, p map[string]any) any {
			delete(p["results"].([]any)[0].(map[string]any), "level")
			return p
		}, ": results[0].level is missing"},
		{"member with a level of the wrong kind", func(_ int, p map[string]any) any {
			p["results"].([]any)[0].(map[string]any)["level"] = "admin"
			return p
		}, ": results[0] (field level) is a JSON string where int is expected"},
		{"a later page", func(off int, p map[string]any) any {
			if off == 4 {
				delete(p["results"].([]any)[1].(map[string]any)["user"].(map[string]any), "email")
			}
			return p
		}, " (the page at offset 4): results[1].user.email is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeList{n: 7, size: 2, alter: func(_, off int, p map[string]any) any { return tt.alter(off, p) }}
			got, err := loopback(t, f, token).Members(context.Background(), fakeOrg)
			if !errors.Is(err, posthog.ErrMalformed) || got != nil {
				t.Fatalf("got %d members, %v; want ErrMalformed and nothing", len(got), err)
			}
			if want := path + tt.want; err.Error() != want {
				t.Errorf("\n got %q\nwant %q", err, want)
			}
			if _, attempts := f.stats(); attempts != 1 {
				t.Errorf("a malformed list was read %d times, want 1", attempts)
			}
		})
	}
}

// A huge count costs one request: no page is computed, fetched or
// allocated for it. A count within the bounds whose pages come back empty
// is found out at the first short page, not after thousands of requests.
func TestListCountIsBounded(t *testing.T) {
	t.Run("10^12", func(t *testing.T) {
		f := &fakeList{n: 7, size: 2, alter: func(_, _ int, p map[string]any) any { p["count"] = int64(1e12); return p }}
		done := make(chan struct{})
		var err error
		go func() {
			defer close(done)
			_, err = loopback(t, f, token).Members(context.Background(), fakeOrg)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a huge count hung the list")
		}
		want := "GET /api/organizations/o/members/: posthog counts 1000000000000 items, more than the 1000000 one list may hold"
		if !errors.Is(err, posthog.ErrTooManyPages) || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want ErrTooManyPages: %q", err, want)
		}
		if req, _ := f.stats(); req != 1 {
			t.Errorf("%d requests, want 1", req)
		}
	})
	t.Run("at the item bound, in pages too small", func(t *testing.T) {
		f := &fakeList{n: 7, size: 2, alter: func(_, _ int, p map[string]any) any { p["count"] = posthog.MaxListItems; return p }}
		_, err := loopback(t, f, token).Members(context.Background(), fakeOrg)
		if !errors.Is(err, posthog.ErrTooManyPages) || !strings.Contains(err.Error(), "count 1000000 in pages of 2 needs 500000 pages, more than the 10000 one list reads") {
			t.Errorf("err = %v", err)
		}
		if req, _ := f.stats(); req != 1 {
			t.Errorf("%d requests, want 1", req)
		}
	})
	t.Run("a count its pages do not hold", func(t *testing.T) {
		f := &fakeList{n: 7, size: 2, alter: func(_, _ int, p map[string]any) any { p["count"] = 19_000; return p }}
		_, err := loopback(t, f, token).Members(context.Background(), fakeOrg)
		if !errors.Is(err, posthog.ErrIncompleteList) {
			t.Fatalf("err = %v, want ErrIncompleteList", err)
		}
		// Each read stops at the first short page: the first page, and
		// the pages the budget's concurrency had in flight.
		if req, _ := f.stats(); req > 2*(1+16) {
			t.Errorf("%d requests for a list of 7 that claims 19000", req)
		}
	})
}

// The bare-array endpoint (explicit_members) must answer a bare array, and
// its items must be distinct and whole.
func TestListBareArrayIsVerified(t *testing.T) {
	item := `{"id":"%s","level":8,"effective_level":8,"user":{"id":1,"uuid":"u","email":"a@x.example"},"joined_at":"2025-01-01T00:00:00Z"}`
	for _, tt := range []struct {
		name, body string
		is         error
		want       string
	}{
		{"envelope", `{"count":1,"next":null,"previous":null,"results":[` + fmt.Sprintf(item, "a") + `]}`, posthog.ErrMalformed,
			"GET /api/projects/1/explicit_members/: decode response: the body is a page where a bare list is expected"},
		{"null", `null`, posthog.ErrMalformed, "GET /api/projects/1/explicit_members/: decode response: the body is null"},
		{"item without user", `[{"id":"a","level":8,"joined_at":"2025-01-01T00:00:00Z"}]`, posthog.ErrMalformed,
			"GET /api/projects/1/explicit_members/: decode response: [0].user is missing"},
		{"duplicate", `[` + fmt.Sprintf(item, "a") + `,` + fmt.Sprintf(item, "a") + `]`, posthog.ErrIncompleteList,
			`GET /api/projects/1/explicit_members/: incomplete list: 1 distinct items of count 2 (2 items: "a" more than once) after 2 attempts`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(tt.body)) })
			got, err := loopback(t, h, token).ExplicitMembers(context.Background(), 1)
			if !errors.Is(err, tt.is) || got != nil || err.Error() != tt.want {
				t.Errorf("got %v, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// cursorEntry is an activity-log entry in PostHog's shape.
func cursorEntry(id string) string {
	return fmt.Sprintf(`{"id":%q,"activity":"updated","scope":"FeatureFlag","created_at":"2026-11-20T00:00:00Z","team_id":1}`, id)
}

// A cursor chain that repeats itself (fresh links, the same rows), loops
// back, or repeats some rows, is read once more and then fails: it never
// runs until the page bound, and never passes for a whole log.
func TestCursorChainMustNotRepeat(t *testing.T) {
	const path = "/api/projects/1/activity_log/"
	tests := []struct {
		name string
		page func(n int, host string) string // the n-th request's body
		want string
		reqs int
	}{
		{"endless with the same rows", func(n int, host string) string {
			return fmt.Sprintf(`{"next":"http://%s%s?cursor=fresh-%d","previous":null,"results":[%s,%s]}`, host, path, n, cursorEntry("a"), cursorEntry("b"))
		}, "page 2 returns no new rows (2 rows already read): the cursor chain repeats itself", 4},
		{"some rows again", func(n int, host string) string {
			return fmt.Sprintf(`{"next":"http://%s%s?cursor=fresh-%d","previous":null,"results":[%s,%s]}`, host, path, n, cursorEntry(fmt.Sprintf("e%d", n)), cursorEntry("same"))
		}, `page 2 repeats 1 rows already read ("same" first)`, 4},
		{"a loop", func(n int, host string) string {
			return fmt.Sprintf(`{"next":"http://%s%s?cursor=x","previous":null,"results":[%s]}`, host, path, cursorEntry(fmt.Sprintf("e%d", n)))
		}, "page 2 links back to a page already read: the cursor chain loops", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				n++
				k := n
				mu.Unlock()
				_, _ = w.Write([]byte(tt.page(k, r.Host)))
			})
			got, err := loopback(t, h, token).ActivityLog(context.Background(), 1, time.Time{})
			want := "GET " + path + ": incomplete list: " + tt.want + " after 2 attempts"
			if !errors.Is(err, posthog.ErrIncompleteList) || got != nil || err.Error() != want {
				t.Errorf("got %d entries, %v; want %q", len(got), err, want)
			}
			if n != tt.reqs {
				t.Errorf("%d requests, want %d", n, tt.reqs)
			}
		})
	}
	// The near miss: fresh links with fresh rows, then an empty page.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("cursor"), "c"))
		if k == 3 {
			_, _ = fmt.Fprintf(w, `{"next":null,"previous":null,"results":[]}`)
			return
		}
		_, _ = fmt.Fprintf(w, `{"next":"http://%s%s?cursor=c%d","previous":null,"results":[%s]}`, r.Host, path, k+1, cursorEntry(fmt.Sprintf("e%d", k)))
	})
	got, err := loopback(t, h, token).ActivityLog(context.Background(), 1, time.Time{})
	if err != nil || len(got) != 3 {
		t.Errorf("a chain of fresh rows: %d entries, %v; want 3", len(got), err)
	}
}

// users_with_access must hold total_count distinct users; null, {} and an
// envelope without users or total_count are malformed.
func TestUsersWithAccessIsVerified(t *testing.T) {
	const path = "/api/projects/1/users_with_access/"
	row := func(u string) string {
		return fmt.Sprintf(`{"user_id":%q,"access_level":"member","access_source":"default","organization_membership_id":null,"organization_membership_level":null}`, u)
	}
	for _, tt := range []struct {
		name  string
		first string // the first answer; the second is the whole list
		is    error
		want  string
	}{
		{"null", `null`, posthog.ErrMalformed, "GET " + path + ": decode response: the body is null"},
		{"{}", `{}`, posthog.ErrMalformed, "GET " + path + ": decode response: users is missing"},
		{"users null", `{"users":null,"total_count":0}`, posthog.ErrMalformed, "GET " + path + ": decode response: users is null"},
		{"total_count absent", `{"users":[]}`, posthog.ErrMalformed, "GET " + path + ": decode response: total_count is missing"},
		{"row without access level", `{"users":[{"user_id":"a","access_source":"default"}],"total_count":1}`, posthog.ErrMalformed,
			"GET " + path + ": decode response: users[0].access_level is missing"},
		{"short, once", `{"users":[` + row("a") + `],"total_count":2}`, nil, ""},
		{"duplicate, once", `{"users":[` + row("a") + `,` + row("a") + `],"total_count":2}`, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				n++
				k := n
				mu.Unlock()
				if k == 1 {
					_, _ = w.Write([]byte(tt.first))
					return
				}
				_, _ = w.Write([]byte(`{"users":[` + row("a") + `,` + row("b") + `],"total_count":2}`))
			})
			got, err := loopback(t, h, token).UsersWithAccess(context.Background(), 1)
			if tt.is == nil {
				if err != nil || len(got) != 2 || n != 2 {
					t.Errorf("a transient fault: %v, %v after %d requests; want the 2 users after 2", got, err, n)
				}
				return
			}
			if !errors.Is(err, tt.is) || got != nil || err.Error() != tt.want {
				t.Errorf("got %v, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("persistently short", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"users":[` + row("a") + `,` + row("a") + `],"total_count":3}`))
		})
		_, err := loopback(t, h, token).UsersWithAccess(context.Background(), 1)
		want := "GET " + path + `: incomplete list: 1 distinct items of count 3 (2 items: "a" more than once) (total_count) after 2 attempts`
		if !errors.Is(err, posthog.ErrIncompleteList) || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
	})
}

// Every object the client reads rejects null and {}, and each required
// field, rather than decoding a zero value.
func TestObjectsAreVerified(t *testing.T) {
	type call func(context.Context, *posthog.Client) error
	get := func(f func(context.Context, *posthog.Client) (any, error)) call {
		return func(ctx context.Context, c *posthog.Client) error { _, err := f(ctx, c); return err }
	}
	tests := []struct {
		name, path, valid string
		required          []string // fields whose removal from valid must fail
		call              call
	}{
		{"organization", "/api/organizations/@current/", `{"id":"o","name":"Acme","membership_level":null}`, []string{"id"},
			get(func(ctx context.Context, c *posthog.Client) (any, error) { return c.Organization(ctx, "@current") })},
		{"current user", "/api/users/@me/", `{"id":1,"uuid":"u","email":"a@x.example","organization":null}`, []string{"id", "uuid", "email"},
			get(func(ctx context.Context, c *posthog.Client) (any, error) { return c.CurrentUser(ctx) })},
		{"preflight", "/_preflight/", `{"cloud":false,"realm":"hosted-clickhouse","available_social_auth_providers":{}}`,
			[]string{"cloud", "realm", "available_social_auth_providers"},
			get(func(ctx context.Context, c *posthog.Client) (any, error) { return c.Preflight(ctx) })},
		{"project", "/api/projects/1/", `{"id":1,"name":"P"}`, []string{"id"},
			get(func(ctx context.Context, c *posthog.Client) (any, error) { return c.Project(ctx, 1) })},
		{"access controls", "/api/projects/1/access_controls/",
			`{"access_controls":[{"access_level":null,"resource":"project","resource_id":"1"}],"available_access_levels":[],"default_access_level":"member"}`,
			[]string{"access_controls", "access_controls[0].resource"},
			get(func(ctx context.Context, c *posthog.Client) (any, error) { return c.AccessControls(ctx, 1) })},
		{"resource access controls", "/api/projects/1/resource_access_controls/", `{"access_controls":[]}`, []string{"access_controls"},
			get(func(ctx context.Context, c *posthog.Client) (any, error) { return c.ResourceAccessControls(ctx, 1) })},
		{"personal api key", "/api/personal_api_keys/@current/", `{"id":"k","label":"l","created_at":"2025-01-01T00:00:00Z","user_id":1,"scopes":["*"]}`,
			[]string{"id", "created_at", "user_id"},
			get(func(ctx context.Context, c *posthog.Client) (any, error) { return c.CurrentPersonalAPIKey(ctx) })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			body := tt.valid
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				_, _ = w.Write([]byte(body))
			})
			c := loopback(t, h, token)
			serve := func(b string) error {
				mu.Lock()
				body = b
				mu.Unlock()
				return tt.call(context.Background(), c)
			}
			if err := serve(tt.valid); err != nil {
				t.Fatalf("the valid answer: %v", err)
			}
			prefix := "GET " + tt.path + ": decode response: "
			for b, want := range map[string]string{"null": "the body is null", "{}": tt.required[0] + " is missing", "[]": "the body is not an object"} {
				if err := serve(b); !errors.Is(err, posthog.ErrMalformed) || err.Error() != prefix+want {
					t.Errorf("%s: %v, want %q", b, err, prefix+want)
				}
			}
			for _, field := range tt.required {
				for _, how := range []string{"missing", "null"} {
					if err := serve(without(t, tt.valid, field, how == "null")); !errors.Is(err, posthog.ErrMalformed) || err.Error() != prefix+field+" is "+how {
						t.Errorf("%s %s: %v", field, how, err)
					}
				}
			}
		})
	}
}

// without returns the JSON object valid with the dotted field (a list
// index as "name[0]") removed, or set to null.
func without(t *testing.T, valid, field string, null bool) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(valid), &v); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(field, ".")
	cur := v
	for _, p := range parts[:len(parts)-1] {
		name, idx, isList := strings.Cut(strings.TrimSuffix(p, "]"), "[")
		cur = cur.(map[string]any)[name]
		if isList {
			i, _ := strconv.Atoi(idx)
			cur = cur.([]any)[i]
		}
	}
	m := cur.(map[string]any)
	last := parts[len(parts)-1]
	if null {
		m[last] = nil
	} else {
		delete(m, last)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every list type declares its key field required, so an item without its
// id can never be counted (or collide with another) under an empty key.
func TestEveryListItemNeedsItsKey(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		path string
		call func(*posthog.Client) error
		key  string
	}{
		{"members", "/api/organizations/o/members/", func(c *posthog.Client) error { _, err := c.Members(ctx, "o"); return err }, "id"},
		{"invites", "/api/organizations/o/invites/", func(c *posthog.Client) error { _, err := c.Invites(ctx, "o"); return err }, "id"},
		{"domains", "/api/organizations/o/domains/", func(c *posthog.Client) error { _, err := c.Domains(ctx, "o"); return err }, "id"},
		{"identity provider configs", "/api/organizations/o/identity_provider_configs/", func(c *posthog.Client) error {
			_, err := c.IdentityProviderConfigs(ctx, "o")
			return err
		}, "id"},
		{"roles", "/api/organizations/o/roles/", func(c *posthog.Client) error { _, err := c.Roles(ctx, "o"); return err }, "id"},
		{"role memberships", "/api/organizations/o/roles/r/role_memberships/", func(c *posthog.Client) error {
			_, err := c.RoleMemberships(ctx, "o", "r")
			return err
		}, "id"},
		{"projects", "/api/organizations/o/projects/", func(c *posthog.Client) error { _, err := c.Projects(ctx, "o"); return err }, "id"},
		{"activity log", "/api/projects/1/activity_log/", func(c *posthog.Client) error {
			_, err := c.ActivityLog(ctx, 1, time.Time{})
			return err
		}, "id"},
		{"organization activity log", "/api/organizations/o/advanced_activity_logs/", func(c *posthog.Client) error {
			_, err := c.OrganizationActivityLog(ctx, "o", time.Time{})
			return err
		}, "id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != tt.path {
					t.Errorf("requested %s", r.URL.Path)
				}
				_, _ = w.Write([]byte(`{"count":1,"next":null,"previous":null,"results":[{}]}`))
			})
			err := tt.call(loopback(t, h, token))
			want := "GET " + tt.path + ": decode response: results[0]." + tt.key + " is missing"
			if !errors.Is(err, posthog.ErrMalformed) || err.Error() != want {
				t.Errorf("err = %v, want %q", err, want)
			}
		})
	}
}

// Required fields are the serializers' non-nullable ones only: answers that
// carry null where PostHog may send it still decode.
func TestNullableFieldsStayOptional(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/organizations/o/invites/":
			// target_email is EmailField(null=True); created_by is null once
			// the inviter is deleted.
			_, _ = w.Write([]byte(`{"count":1,"next":null,"previous":null,"results":[{"id":"i","target_email":null,"level":1,"created_by":null,"created_at":"2025-01-01T00:00:00Z","private_project_access":null}]}`))
		case "/api/organizations/o/roles/r/role_memberships/":
			// organization_member is null on rows predating its FK.
			_, _ = w.Write([]byte(`{"count":1,"next":null,"previous":null,"results":[{"id":"rm","role_id":"r","organization_member":null,"user":{"id":1,"uuid":"u","email":"a@x.example"},"joined_at":"2025-01-01T00:00:00Z"}]}`))
		case "/api/projects/1/users_with_access/":
			_, _ = w.Write([]byte(`{"users":[{"user_id":"u","access_level":"member","access_source":"default","organization_membership_id":null,"organization_membership_level":null}],"total_count":1}`))
		}
	})
	c := loopback(t, h, token)
	ctx := context.Background()
	if is, err := c.Invites(ctx, "o"); err != nil || len(is) != 1 {
		t.Errorf("invites: %v, %v", is, err)
	}
	if ms, err := c.RoleMemberships(ctx, "o", "r"); err != nil || len(ms) != 1 {
		t.Errorf("role memberships: %v, %v", ms, err)
	}
	if us, err := c.UsersWithAccess(ctx, 1); err != nil || len(us) != 1 {
		t.Errorf("users with access: %v, %v", us, err)
	}
	// The near miss: a role membership whose organization_member is there
	// is checked inside.
	h2 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"count":1,"next":null,"previous":null,"results":[{"id":"rm","role_id":"r","organization_member":{"id":"m","level":1,"joined_at":"2025-01-01T00:00:00Z","user":{"id":1,"uuid":"u"}},"user":{"id":1,"uuid":"u","email":"a@x.example"}}]}`))
	})
	_, err := loopback(t, h2, token).RoleMemberships(ctx, "o", "r")
	if want := "GET /api/organizations/o/roles/r/role_memberships/: decode response: results[0].organization_member.user.email is missing"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	// An invite's private project access names a project and a level.
	h3 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"count":1,"next":null,"previous":null,"results":[{"id":"i","level":1,"created_at":"2025-01-01T00:00:00Z","private_project_access":[{"id":1,"level":"member"},{"id":2}]}]}`))
	})
	_, err = loopback(t, h3, token).Invites(ctx, "o")
	if want := "GET /api/organizations/o/invites/: decode response: results[0].private_project_access[1].level is missing"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}
