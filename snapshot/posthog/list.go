package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
)

// Get fetches the JSON object at path (an API path such as
// "/api/users/@me/", on the Client's host) and decodes it into a T. An answer
// of null, or one that lacks a field T declares required, fails with a
// *DecodeError (ErrMalformed): never a zero-valued T.
func Get[T any](ctx context.Context, c *Client, path string, query url.Values) (*T, error) {
	v, _, err := getWithBody[T](ctx, c, path, query)
	return v, err
}

// getWithBody is Get, also returning the answer's body, for the endpoints
// that read more of it than T holds.
func getWithBody[T any](ctx context.Context, c *Client, path string, query url.Values) (*T, []byte, error) {
	body, err := c.fetch(ctx, c.url(path, query))
	if err != nil {
		return nil, nil, err
	}
	v := new(T)
	if err := decodeChecked(http.MethodGet, path, "", body, v); err != nil {
		return nil, nil, err
	}
	return v, body, nil
}

// Keyed is implemented by the items of every list the client reads.
// ListKey returns the item's identity within its list: its id, or the
// natural key of rows that have none (users_with_access rows: the user's
// uuid). Lists are verified by it: a list must not hold the same key twice.
type Keyed interface {
	ListKey() string
}

// Bounds of one list.
const (
	// MaxListItems bounds the items of one list. A count above it fails the
	// list (ErrTooManyPages) before any page after the first is read, so a
	// count of 10^12 costs one request and no memory.
	MaxListItems = 1_000_000
	// MaxListPages bounds the pages one limit/offset list is read in.
	MaxListPages = 10_000
)

// ErrIncompleteList matches a list whose pages did not add up, twice in a
// row: a limit/offset list that did not end with exactly count distinct
// items (a short, long, overlapping or duplicated page, a count that changed
// while it was read, a next link that skips or goes back), or a cursor chain
// that loops or repeats rows it already sent. The error is a *ListError,
// which names the endpoint and the numbers; nothing that was read is
// returned.
var ErrIncompleteList = errors.New("incomplete list")

// ListError is a list that failed verification (it matches
// ErrIncompleteList). Method and Path name the request (the path only).
type ListError struct {
	Method string
	Path   string
	// Detail says how the pages did not add up, with the numbers: "10
	// distinct items of count 11", "the page at offset 200 holds 99 items
	// where count 500 in pages of 100 calls for 100", ….
	Detail string
	// Attempts is how many times the list was read.
	Attempts int
}

// Error returns "GET PATH: incomplete list: DETAIL after N attempts".
func (e *ListError) Error() string {
	return fmt.Sprintf("%s %s: incomplete list: %s after %d %s", e.Method, e.Path, e.Detail, e.Attempts, plural(e.Attempts, "attempt"))
}

// Is reports whether target is ErrIncompleteList.
func (e *ListError) Is(target error) bool { return target == ErrIncompleteList }

// listAttempts is how many times a list whose pages do not add up is read
// in full before it fails with ErrIncompleteList: a list that changed while
// it was read (a member added between two pages) heals on the second read.
const listAttempts = 2

// List fetches every item of the limit/offset list endpoint at path (DRF's
// LimitOffsetPagination, or page numbers when query asks for them) and
// returns them in the server's order.
//
// The answer must be a page {count, next, previous, results}: a bare array,
// a page without results or count, or an item that lacks a required field is
// a *DecodeError (ErrMalformed). Once the first page gives the count, the
// remaining pages are computed from its next link and fetched in parallel
// (bounded by the Budget), and each must hold exactly its share of the count
// and link to the page after it. The list must end with exactly count items,
// all distinct by ListKey; a list that does not is read once more, then
// fails with ErrIncompleteList. A count above MaxListItems, or one that needs
// more than MaxListPages pages, fails with ErrTooManyPages.
//
// Every followed URL must be on the Client's host: another one fails the
// call with ErrForeignURL before anything is sent to it.
//
// Unless query sets limit, List asks for pages of ListPageSize items:
// PostHog's LimitOffsetPagination has no max_limit on the lists read here,
// so a list of up to ListPageSize items costs one request.
func List[T Keyed](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	if !query.Has("limit") {
		query = cloneValues(query)
		query.Set("limit", strconv.Itoa(ListPageSize))
	}
	return list(ctx, c, c.url(path, query), listSpec[T]{shape: shapePages})
}

// ListPageSize is the page size List asks for (limit) and the activity logs
// are read in (page_size, the most PostHog's ActivityLogPagination serves).
const ListPageSize = 1000

// cloneValues returns a copy of q, never nil.
func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// listShape is the pagination an endpoint answers with.
type listShape int

const (
	// shapePages: pages with a count (limit/offset or page numbers).
	shapePages listShape = iota + 1
	// shapeCursor: pages without a count, next followed one at a time
	// until it is null or a page comes back empty (the activity logs).
	shapeCursor
	// shapeBare: one bare JSON array, the whole list.
	shapeBare
)

// listSpec says how to read a list.
type listSpec[T any] struct {
	shape listShape
	// until (cursor lists only), if not nil, marks the first unwanted item
	// of a list ordered so that every later item is unwanted too (newest
	// first, older than a cutoff): such items are dropped and following
	// stops after the page that held one.
	until func(T) bool
	// maxPages, if positive, bounds the pages read: a list that needs more
	// fails with ErrTooManyPages rather than being cut short.
	maxPages int
	// cursorFallback (numbered-page lists only): a first page without a
	// count is the first page of a cursor chain, read as shapeCursor until
	// cursorUntil.
	cursorFallback bool
	cursorUntil    func(T) bool
	// tail (counted pages read in parallel only), if not nil, accepts a
	// list whose oldest items age out while it is read: a list ordered
	// newest first with a fixed head (an end date), whose server cuts the
	// tail at a moving retention. A page may then report a smaller count
	// than the first did (never a larger one) and must hold its share of
	// its own count; tail records the smallest count seen.
	tail *tailState
}

// tailState is what a list read with a shrinking tail saw.
type tailState struct {
	mu    sync.Mutex
	first int // the first page's count
	least int // the smallest count a page reported
}

func (t *tailState) reset(count int) {
	t.mu.Lock()
	t.first, t.least = count, count
	t.mu.Unlock()
}

func (t *tailState) saw(count int) {
	t.mu.Lock()
	t.least = min(t.least, count)
	t.mu.Unlock()
}

// counts returns the first page's count and the smallest count seen.
func (t *tailState) counts() (first, least int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.first, t.least
}

// lacksCount reports whether body is a JSON object without a count member
// (anything else is left to the page decoder to judge).
func lacksCount(body []byte) bool {
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil {
		return false
	}
	_, ok := env["count"]
	return !ok
}

// inconsistency is a list whose pages do not add up; detail says how, with
// the numbers. The list is read again once before it becomes
// ErrIncompleteList.
type inconsistency struct{ detail string }

func (e *inconsistency) Error() string { return e.detail }

func inconsistent(format string, args ...any) error {
	return &inconsistency{detail: fmt.Sprintf(format, args...)}
}

// list implements the list endpoints: it reads the list, and reads it once
// more when its pages did not add up.
func list[T Keyed](ctx context.Context, c *Client, first string, spec listSpec[T]) ([]T, error) {
	u, err := c.resolve(first)
	if err != nil {
		return nil, err
	}
	path := u.Path
	for attempt := 1; ; attempt++ {
		items, err := readList(ctx, c, u.String(), path, spec)
		var inc *inconsistency
		if !errors.As(err, &inc) {
			return items, err
		}
		if attempt >= listAttempts {
			return nil, &ListError{Method: http.MethodGet, Path: path, Detail: inc.detail, Attempts: attempt}
		}
		c.emit(Event{Kind: EventRetry, Method: http.MethodGet, Path: path, Attempt: attempt, Err: err})
	}
}

// readList reads a list once.
func readList[T Keyed](ctx context.Context, c *Client, first, path string, spec listSpec[T]) ([]T, error) {
	body, err := c.fetch(ctx, first)
	if err != nil {
		return nil, err
	}
	switch spec.shape {
	case shapeBare:
		items, err := decodeBare[T](path, body)
		if err != nil {
			return nil, err
		}
		d := newDistinct(len(items))
		for _, it := range items {
			d.add(it.ListKey())
		}
		return items, d.verify(len(items))
	case shapeCursor:
		return readCursor(ctx, c, first, path, body, spec)
	}
	if spec.cursorFallback && lacksCount(body) {
		// A deployment whose activity log knows no numbered pages answers
		// a cursor page: follow the chain instead.
		cs := spec
		cs.shape, cs.until = shapeCursor, spec.cursorUntil
		return readCursor(ctx, c, first, path, body, cs)
	}
	return readPages(ctx, c, path, body, spec)
}

// page is one decoded page.
type page[T any] struct {
	count int
	next  string
	items []T
}

// decodePage decodes a page of a list; where names the page in errors ("" for
// the first). needCount requires a count (limit/offset and numbered pages).
func decodePage[T any](path, where string, body []byte, needCount bool) (page[T], error) {
	var p page[T]
	fail := func(field, problem string) error {
		return &DecodeError{Method: http.MethodGet, Path: path, Page: where, Field: field, Problem: problem}
	}
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0 || bytes.Equal(b, jsonNull):
		return p, fail("", "the body is null")
	case b[0] == '[':
		return p, fail("", "is a bare list where a page {count, next, results} is expected")
	case b[0] != '{':
		return p, fail("", "is not a page {count, next, results}")
	}
	var env struct {
		Count   json.RawMessage `json:"count"`
		Next    json.RawMessage `json:"next"`
		Results json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return p, fail("", jsonProblem(err))
	}
	switch {
	case env.Results == nil:
		return p, fail("results", "is missing")
	case isNull(env.Results):
		return p, fail("results", "is null")
	}
	if needCount {
		switch {
		case env.Count == nil:
			return p, fail("count", "is missing")
		case isNull(env.Count):
			return p, fail("count", "is null")
		}
		var n int64
		if err := json.Unmarshal(env.Count, &n); err != nil {
			return p, fail("count", "is not an integer: "+describeJSON(env.Count))
		}
		if n < 0 {
			return p, fail("count", fmt.Sprintf("is negative (%d)", n))
		}
		if n > MaxListItems {
			return p, fmt.Errorf("GET %s: posthog counts %d items, more than the %d one list may hold: %w", path, n, MaxListItems, ErrTooManyPages)
		}
		p.count = int(n)
	}
	if !isNull(env.Next) {
		if err := json.Unmarshal(env.Next, &p.next); err != nil {
			return p, fail("next", "is not a link")
		}
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(env.Results, &raws); err != nil {
		return p, fail("results", "is not a list")
	}
	items, err := decodeItems[T](path, "results", raws)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			de.Page = where
		}
		return p, err
	}
	p.items = items
	return p, nil
}

// decodeBare decodes a list endpoint that answers one bare JSON array.
func decodeBare[T any](path string, body []byte) ([]T, error) {
	fail := func(problem string) error {
		return &DecodeError{Method: http.MethodGet, Path: path, Problem: problem}
	}
	b := bytes.TrimSpace(body)
	switch {
	case len(b) == 0 || bytes.Equal(b, jsonNull):
		return nil, fail("the body is null")
	case b[0] == '{':
		return nil, fail("is a page where a bare list is expected")
	case b[0] != '[':
		return nil, fail("is not a list")
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return nil, fail(jsonProblem(err))
	}
	if len(raws) > MaxListItems {
		return nil, fmt.Errorf("GET %s: %d items, more than the %d one list may hold: %w", path, len(raws), MaxListItems, ErrTooManyPages)
	}
	return decodeItems[T](path, "", raws)
}

// decodeItems checks and decodes the items of a list; at prefixes their
// paths in errors ("results[3]").
func decodeItems[T any](path, at string, raws []json.RawMessage) ([]T, error) {
	items := make([]T, len(raws)) // bounded by the body size limit
	for i, r := range raws {
		if err := decodeChecked(http.MethodGet, path, at+"["+strconv.Itoa(i)+"]", r, &items[i]); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// distinct tracks the keys of a list's items.
type distinct struct {
	seen  map[string]struct{}
	total int
	dup   string // the first key seen twice
}

func newDistinct(hint int) *distinct {
	return &distinct{seen: make(map[string]struct{}, hint)}
}

// add records a key and reports whether it is new.
func (d *distinct) add(k string) bool {
	d.total++
	if _, ok := d.seen[k]; ok {
		if d.dup == "" {
			d.dup = k
		}
		return false
	}
	d.seen[k] = struct{}{}
	return true
}

// verify reports an inconsistency unless exactly count distinct items, and
// no others, were read.
func (d *distinct) verify(count int) error {
	n := len(d.seen)
	if n == count && d.total == count {
		return nil
	}
	msg := fmt.Sprintf("%d distinct items of count %d", n, count)
	if d.total != n {
		msg += fmt.Sprintf(" (%d items: %q more than once)", d.total, d.dup)
	}
	return &inconsistency{detail: msg}
}

// readPages reads a list of pages with a count, whose first page is body.
func readPages[T Keyed](ctx context.Context, c *Client, path string, body []byte, spec listSpec[T]) ([]T, error) {
	first, err := decodePageBy[T](c, path, "", body, true)
	if err != nil {
		return nil, err
	}
	count := first.count
	if spec.tail != nil {
		spec.tail.reset(count)
	}
	d := newDistinct(len(first.items))
	for _, it := range first.items {
		d.add(it.ListKey())
	}
	out := first.items
	if first.next == "" {
		reportPages(ctx, count, 0)
		if spec.until != nil {
			out, _ = keepUntil(nil, out, spec.until)
		}
		return out, d.verify(count)
	}
	next, err := c.resolve(first.next)
	if err != nil {
		return nil, err
	}
	st, ok := stepperFor(next, len(first.items))
	if !ok {
		return followPages(ctx, c, path, first, next, d, spec)
	}
	if spec.until != nil {
		return readPagesUntil(ctx, c, path, first, st, next, d, spec)
	}
	firstLen := len(first.items)
	switch at, ok := st.pos(next); {
	case !ok:
		return nil, inconsistent("the first page links to another list (%s)", next.Path)
	case at != firstLen:
		return nil, inconsistent("the first page holds %d %s but links to the next page at %s", firstLen, plural(firstLen, "item"), st.describe(at))
	case firstLen >= count:
		return nil, inconsistent("the first page holds %d items of count %d but links to more", firstLen, count)
	case st.size <= 0:
		return nil, inconsistent("the first page is empty but count is %d", count)
	}
	pages := (count - firstLen + st.size - 1) / st.size
	if limit := maxPagesOf(spec); 1+pages > limit {
		return nil, fmt.Errorf("GET %s: count %d in pages of %d needs %d pages, more than the %d one list reads: %w", path, count, st.size, 1+pages, limit, ErrTooManyPages)
	}
	reportPages(ctx, count, pages)
	rest, err := fetchPages[T](ctx, c, path, st, firstLen, count, pages, spec.tail)
	if err != nil {
		return nil, err
	}
	for _, p := range rest {
		for _, it := range p.items {
			d.add(it.ListKey())
		}
		out = append(out, p.items...)
	}
	if spec.tail != nil {
		// Every position below the smallest count was read on a page
		// that still held it; items past it were served, then aged out.
		_, least := spec.tail.counts()
		if n := len(d.seen); n != d.total || n < least {
			return nil, d.verify(least)
		}
		return out, nil
	}
	return out, d.verify(count)
}

// readPagesUntil reads the numbered pages of a counted list ordered so that
// once an item is unwanted (spec.until) every later one is too, one page at
// a time, stopping after the page that holds the first unwanted item: the
// pages after it are never requested. Every page read must repeat the count,
// hold exactly its share of it (a full page unless it is the last by the
// count), link to the page after it, and add only new items; a list read to
// its end must hold exactly count distinct items. first is the first page,
// already in d.
func readPagesUntil[T Keyed](ctx context.Context, c *Client, path string, first page[T], st stepper, next *url.URL, d *distinct, spec listSpec[T]) ([]T, error) {
	count := first.count
	out, stop := keepUntil(nil, first.items, spec.until)
	pos := len(first.items)
	switch at, ok := st.pos(next); {
	case stop:
		return out, nil
	case !ok:
		return nil, inconsistent("the first page links to another list (%s)", next.Path)
	case at != pos:
		return nil, inconsistent("the first page holds %d %s but links to the next page at %s", pos, plural(pos, "item"), st.describe(at))
	case pos >= count:
		return nil, inconsistent("the first page holds %d items of count %d but links to more", pos, count)
	case pos != st.size:
		return nil, inconsistent("the first page holds %d items where count %d in pages of %d calls for %d", pos, count, st.size, min(st.size, count))
	}
	limit := maxPagesOf(spec)
	// At most the pages to the count's end (fewer when an older entry
	// stops the read).
	reportPages(ctx, count, (count-pos+st.size-1)/st.size)
	for n := 2; ; n++ {
		if n > limit {
			return nil, fmt.Errorf("GET %s: still more after %d pages, the most one list reads: %w", path, limit, ErrTooManyPages)
		}
		where := "the page at " + st.describe(pos)
		body, err := c.fetch(ctx, st.urlAt(pos))
		if err != nil {
			return nil, err
		}
		p, err := decodePageBy[T](c, path, where, body, true)
		if err != nil {
			return nil, err
		}
		want := min(st.size, count-pos)
		switch {
		case p.count != count:
			return nil, inconsistent("the count changed from %d to %d while the list was read (%s)", count, p.count, where)
		case len(p.items) != want:
			return nil, inconsistent("%s holds %d %s where count %d in pages of %d calls for %d", where, len(p.items), plural(len(p.items), "item"), count, st.size, want)
		}
		before := len(d.seen)
		for _, it := range p.items {
			d.add(it.ListKey())
		}
		if len(d.seen)-before != len(p.items) {
			return nil, inconsistent("%s repeats items already read", where)
		}
		var stop bool
		out, stop = keepUntil(out, p.items, spec.until)
		pos += len(p.items)
		last := pos >= count
		if stop || last {
			reportPages(ctx, count, 0)
		} else {
			reportPages(ctx, count, (count-pos+st.size-1)/st.size)
		}
		switch {
		case last && p.next != "":
			return nil, inconsistent("%s, the last of count %d, links to more", where, count)
		case stop:
			return out, nil
		case last:
			return out, d.verify(count)
		case p.next == "":
			return nil, inconsistent("%s links to no next page before count %d is reached", where, count)
		}
		u, err := c.resolve(p.next)
		if err != nil {
			return nil, err
		}
		if at, ok := st.pos(u); !ok || at != pos {
			return nil, inconsistent("%s does not link to %s", where, st.describe(pos))
		}
	}
}

// keepUntil appends items to out up to the first one until marks, and
// reports whether there was one.
func keepUntil[T any](out, items []T, until func(T) bool) ([]T, bool) {
	for _, it := range items {
		if until(it) {
			return out, true
		}
		out = append(out, it)
	}
	return out, false
}

func maxPagesOf[T any](spec listSpec[T]) int {
	if spec.maxPages > 0 {
		return min(spec.maxPages, MaxListPages)
	}
	return MaxListPages
}

// stepper computes the URLs of a list's pages from its first next link: the
// same query with the offset (or the page number) stepped.
type stepper struct {
	u    *url.URL
	key  string // "offset" or "page"
	size int    // items per page
}

// stepperFor reads the pagination of a next link; ok is false when it has
// neither an offset nor a page number (an opaque cursor).
func stepperFor(next *url.URL, firstLen int) (stepper, bool) {
	q := next.Query()
	size := func(param string) int {
		if n, err := strconv.Atoi(q.Get(param)); err == nil && n > 0 {
			return n
		}
		return firstLen
	}
	if off, err := strconv.Atoi(q.Get("offset")); err == nil && off >= 0 {
		return stepper{u: next, key: "offset", size: size("limit")}, true
	}
	if pg, err := strconv.Atoi(q.Get("page")); err == nil && pg >= 1 {
		return stepper{u: next, key: "page", size: size("page_size")}, true
	}
	return stepper{}, false
}

// pos returns the position of the first item of the page u links to; ok is
// false when u is not a page of the same list.
func (s stepper) pos(u *url.URL) (int, bool) {
	if u.Path != s.u.Path {
		return 0, false
	}
	n, err := strconv.Atoi(u.Query().Get(s.key))
	switch {
	case err != nil:
		return 0, false
	case s.key == "offset" && n >= 0:
		return n, true
	case s.key == "page" && n >= 1:
		return (n - 1) * s.size, true
	}
	return 0, false
}

// urlAt returns the URL of the page starting at position pos.
func (s stepper) urlAt(pos int) string {
	q := s.u.Query()
	if s.key == "offset" {
		q.Set("offset", strconv.Itoa(pos))
	} else {
		q.Set("page", strconv.Itoa(pos/s.size+1))
	}
	u := *s.u
	u.RawQuery = q.Encode()
	return u.String()
}

// describe names the page starting at pos: "offset 200", "page 3".
func (s stepper) describe(pos int) string {
	if s.key == "offset" {
		return "offset " + strconv.Itoa(pos)
	}
	if s.size <= 0 {
		return "page ?"
	}
	return "page " + strconv.Itoa(pos/s.size+1)
}

// fetchPages fetches the n pages after the first (which held start items)
// in parallel, at most the Budget's concurrency at a time, and returns them
// in order. Each must repeat count, hold exactly its share of it and link to
// the page after it (the last to none); the first that does not, or fails,
// cancels the others and is returned.
//
// With tail set, a page may report a smaller count than count (the oldest
// items aged out since the first page): it must then hold its share of its
// own count, and tail records it.
func fetchPages[T any](ctx context.Context, c *Client, path string, st stepper, start, count, n int, tail *tailState) ([]page[T], error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make([]page[T], n) // n ≤ MaxListPages
	var left atomic.Int64       // pages not read yet, for reportPages
	left.Store(int64(n))
	var (
		nextIdx  atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() {
			firstErr = err
			cancel()
		})
	}
	check := func(pos int, p page[T]) error {
		where := "the page at " + st.describe(pos)
		count := count
		if tail != nil && p.count < count && p.count > pos {
			tail.saw(p.count)
			count = p.count
		}
		want := min(st.size, count-pos)
		switch {
		case p.count != count:
			return inconsistent("the count changed from %d to %d while the list was read (%s)", count, p.count, where)
		case len(p.items) != want:
			return inconsistent("%s holds %d %s where count %d in pages of %d calls for %d", where, len(p.items), plural(len(p.items), "item"), count, st.size, want)
		case pos+want >= count && p.next != "":
			return inconsistent("%s, the last of count %d, links to more", where, count)
		case pos+want >= count:
			return nil
		case p.next == "":
			return inconsistent("%s links to no next page before count %d is reached", where, count)
		}
		u, err := c.resolve(p.next)
		if err != nil {
			return err
		}
		at, ok := st.pos(u)
		if !ok {
			return inconsistent("%s links to another list (%s)", where, u.Path)
		}
		if at != pos+st.size {
			return inconsistent("%s links to %s where %s is next", where, st.describe(at), st.describe(pos+st.size))
		}
		return nil
	}
	for range min(n, c.budget.Concurrency()) {
		wg.Go(func() {
			for {
				i := int(nextIdx.Add(1) - 1)
				if i >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				pos := start + i*st.size
				body, err := c.fetch(ctx, st.urlAt(pos))
				if err != nil {
					fail(err)
					return
				}
				p, err := decodePageBy[T](c, path, "the page at "+st.describe(pos), body, true)
				if err == nil {
					err = check(pos, p)
				}
				if err != nil {
					fail(err)
					return
				}
				pages[i] = p
				reportPages(ctx, count, int(left.Add(-1)))
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return pages, nil
}

// followPages reads a counted list whose next links cannot be stepped, one
// page at a time, stopping once the count is exceeded.
func followPages[T Keyed](ctx context.Context, c *Client, path string, first page[T], next *url.URL, d *distinct, spec listSpec[T]) ([]T, error) {
	count := first.count
	out := first.items
	seen := map[string]bool{}
	limit := maxPagesOf(spec)
	for n := 2; next != nil; n++ {
		switch {
		case seen[next.String()]:
			return nil, inconsistent("page %d links back to a page already read", n-1)
		case len(out) >= count:
			return nil, inconsistent("%d items of count %d are read but page %d links to more", len(out), count, n-1)
		case n > limit:
			return nil, fmt.Errorf("GET %s: still more after %d pages, the most one list reads: %w", path, limit, ErrTooManyPages)
		}
		seen[next.String()] = true
		body, err := c.fetch(ctx, next.String())
		if err != nil {
			return nil, err
		}
		where := "page " + strconv.Itoa(n)
		p, err := decodePageBy[T](c, path, where, body, true)
		if err != nil {
			return nil, err
		}
		if p.count != count {
			return nil, inconsistent("the count changed from %d to %d while the list was read (%s)", count, p.count, where)
		}
		if len(p.items) == 0 {
			return nil, inconsistent("%s is empty after %d items of count %d", where, len(out), count)
		}
		for _, it := range p.items {
			d.add(it.ListKey())
		}
		out = append(out, p.items...)
		next = nil
		if p.next != "" {
			if next, err = c.resolve(p.next); err != nil {
				return nil, err
			}
		}
	}
	return out, d.verify(count)
}

// readCursor follows a cursor chain whose first page is body. A page that
// repeats a row already read, or a link back to a page already read, is an
// inconsistency: a chain that repeats itself would otherwise never end.
func readCursor[T Keyed](ctx context.Context, c *Client, first, path string, body []byte, spec listSpec[T]) ([]T, error) {
	p, err := decodePageBy[T](c, path, "", body, false)
	if err != nil {
		return nil, err
	}
	d := newDistinct(len(p.items))
	out, stop, err := keepNew(nil, p.items, spec.until, d, 1)
	if err != nil || stop {
		return out, err
	}
	seen := map[string]bool{first: true}
	for n, next := 2, p.next; next != ""; n++ {
		u, err := c.resolve(next)
		if err != nil {
			return nil, err
		}
		if seen[u.String()] {
			return nil, inconsistent("page %d links back to a page already read: the cursor chain loops", n-1)
		}
		if spec.maxPages > 0 && n > spec.maxPages {
			return nil, fmt.Errorf("GET %s: still more after %d pages, the most one call reads: %w", path, spec.maxPages, ErrTooManyPages)
		}
		seen[u.String()] = true
		body, err := c.fetch(ctx, u.String())
		if err != nil {
			return nil, err
		}
		p, err := decodePageBy[T](c, path, "page "+strconv.Itoa(n), body, false)
		if err != nil {
			return nil, err
		}
		if len(p.items) == 0 {
			break
		}
		out, stop, err = keepNew(out, p.items, spec.until, d, n)
		if err != nil || stop {
			return out, err
		}
		if len(d.seen) > MaxListItems {
			return nil, fmt.Errorf("GET %s: more than the %d items one list may hold: %w", path, MaxListItems, ErrTooManyPages)
		}
		next = p.next
	}
	return out, nil
}

// keepNew appends the wanted items of page n and reports whether an unwanted
// one was seen; a row already read is an inconsistency.
func keepNew[T Keyed](out, items []T, until func(T) bool, d *distinct, n int) ([]T, bool, error) {
	repeated, firstRepeat := 0, ""
	stop := false
	for _, it := range items {
		k := it.ListKey()
		if !d.add(k) {
			if repeated == 0 {
				firstRepeat = k
			}
			repeated++
			continue
		}
		if until != nil && until(it) {
			stop = true
			continue
		}
		out = append(out, it)
	}
	switch {
	case repeated == len(items):
		return nil, false, inconsistent("page %d returns no new rows (%d rows already read): the cursor chain repeats itself", n, repeated)
	case repeated > 0:
		return nil, false, inconsistent("page %d repeats %d rows already read (%q first)", n, repeated, firstRepeat)
	}
	return out, stop, nil
}
