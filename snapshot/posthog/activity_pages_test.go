package posthog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthog"
)

// fakeActivity serves n activity entries, newest first and an hour apart
// from base, in PostHog's numbered pages (page, page_size capped at size),
// and lets a test alter any page.
type fakeActivity struct {
	n, size int
	base    time.Time
	alter   func(page int, body map[string]any)

	mu    sync.Mutex
	pages []int // the pages asked for, in order
	sizes []string
}

func (f *fakeActivity) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, err := strconv.Atoi(q.Get("page"))
	if err != nil || pg < 1 {
		http.Error(w, "page needed", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.pages = append(f.pages, pg)
	f.sizes = append(f.sizes, q.Get("page_size"))
	f.mu.Unlock()
	size := f.size
	if n, err := strconv.Atoi(q.Get("page_size")); err == nil && n < size {
		size = n
	}
	start, end := (pg-1)*size, min(pg*size, f.n)
	results := []any{}
	for i := start; i < end; i++ {
		results = append(results, map[string]any{
			"id": fmt.Sprintf("e%d", i), "scope": "Insight", "activity": "updated", "team_id": 1,
			"created_at": f.base.Add(-time.Duration(i) * time.Hour).Format(time.RFC3339),
		})
	}
	body := map[string]any{"count": f.n, "next": nil, "previous": nil, "results": results}
	if end < f.n {
		q.Set("page", strconv.Itoa(pg+1))
		q.Set("page_size", strconv.Itoa(size))
		body["next"] = "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	if f.alter != nil {
		f.alter(pg, body)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// TestActivityLogNumberedPages: a project's log is read in numbered pages of
// 1000, one at a time, and no page after the one holding an entry older
// than since is asked for.
func TestActivityLogNumberedPages(t *testing.T) {
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f := &fakeActivity{n: 50, size: 10, base: base}
	c := loopback(t, f, token)
	since := base.Add(-25 * time.Hour) // entries 0..25 are wanted
	got, err := c.ActivityLog(context.Background(), 1, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 26 {
		t.Errorf("got %d entries, want 26", len(got))
	}
	if fmt.Sprint(f.pages) != "[1 2 3]" || f.sizes[0] != "1000" {
		t.Errorf("pages %v (page_size %v), want 1 2 3 from page_size=1000", f.pages, f.sizes)
	}
	// Near miss: without since, every page, and exactly count entries.
	f.pages = nil
	all, err := c.ActivityLog(context.Background(), 1, time.Time{})
	if err != nil || len(all) != 50 || len(f.pages) != 5 {
		t.Errorf("whole log: %d entries in pages %v, %v; want 50 in 5", len(all), f.pages, err)
	}
}

// TestActivityLogNumberedPagesMustAddUp: a short page, a count that changes
// or a page repeating entries fails the log (ErrIncompleteList) rather than
// cutting it short.
func TestActivityLogNumberedPagesMustAddUp(t *testing.T) {
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	since := base.Add(-45 * time.Hour)
	for name, alter := range map[string]func(int, map[string]any){
		"a short page": func(pg int, b map[string]any) {
			if pg == 2 {
				b["results"] = b["results"].([]any)[:9]
			}
		},
		"a count that changes": func(pg int, b map[string]any) {
			if pg == 3 {
				b["count"] = 51
			}
		},
		"a page repeating entries": func(pg int, b map[string]any) {
			if pg == 2 {
				rs := b["results"].([]any)
				rs[0] = map[string]any{"id": "e0", "scope": "Insight", "activity": "updated", "team_id": 1, "created_at": base.Format(time.RFC3339)}
			}
		},
		"a last page linking on": func(pg int, b map[string]any) {
			if pg == 5 {
				b["next"] = "/api/projects/1/activity_log/?page=6&page_size=10"
			}
		},
	} {
		f := &fakeActivity{n: 50, size: 10, base: base, alter: alter}
		_, err := loopback(t, f, token).ActivityLog(context.Background(), 1, since)
		if !errors.Is(err, posthog.ErrIncompleteList) {
			t.Errorf("%s: err = %v, want ErrIncompleteList", name, err)
		}
	}
}

// TestOrganizationActivityLogPagesMustAddUp: the organization-wide log's
// pages, read at once from the first page's count, must add up too.
func TestOrganizationActivityLogPagesMustAddUp(t *testing.T) {
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f := &fakeActivity{n: 35, size: 10, base: base, alter: func(pg int, b map[string]any) {
		if pg == 3 {
			b["results"] = b["results"].([]any)[:5]
		}
	}}
	_, err := loopback(t, f, token).OrganizationActivityLog(context.Background(), "0190aaaa-0000-7000-8000-000000000001", base.Add(-100*time.Hour))
	if !errors.Is(err, posthog.ErrIncompleteList) {
		t.Errorf("err = %v, want ErrIncompleteList", err)
	}
	// Near miss: untouched, all 35 in 4 pages.
	f = &fakeActivity{n: 35, size: 10, base: base}
	got, err := loopback(t, f, token).OrganizationActivityLog(context.Background(), "0190aaaa-0000-7000-8000-000000000001", base.Add(-100*time.Hour))
	if err != nil || len(got) != 35 || len(f.pages) != 4 {
		t.Errorf("%d entries in pages %v, %v", len(got), f.pages, err)
	}
}
