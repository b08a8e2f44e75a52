package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
)

// Get fetches the JSON object at path (an API path such as
// "/api/users/@me/", on the Client's host) and decodes it into a T.
func Get[T any](ctx context.Context, c *Client, path string, query url.Values) (*T, error) {
	body, err := c.fetch(ctx, c.url(path, query))
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, fmt.Errorf("GET %s: decode response: %w", path, err)
	}
	return v, nil
}

// List fetches every item of the list endpoint at path, whatever its
// pagination style, and returns them in the server's order:
//
//   - a bare JSON array is the whole list;
//   - a limit/offset envelope {count, next, previous, results}: once the first
//     page gives the count, the remaining pages are computed from its next
//     URL and fetched in parallel (bounded by the Budget), then joined in
//     page order; pages added meanwhile are followed through next;
//   - an envelope without count (cursor pages): next is followed one page at
//     a time until it is null or a page comes back empty.
//
// Every followed URL must be on the Client's host: another one fails the
// call with ErrForeignURL before anything is sent to it.
func List[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	return list[T](ctx, c, c.url(path, query), nil, 0)
}

// envelope is a page of a paginated list.
type envelope struct {
	Count   *int            `json:"count"`
	Next    *string         `json:"next"`
	Results json.RawMessage `json:"results"`
}

// page is one decoded page.
type page[T any] struct {
	count *int
	next  string
	items []T
}

// decodePage decodes a page from a list endpoint; bare reports a bare array.
func decodePage[T any](path string, body []byte) (p page[T], bare bool, err error) {
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '[' {
		err = json.Unmarshal(b, &p.items)
		if err != nil {
			err = fmt.Errorf("GET %s: decode response: %w", path, err)
		}
		return p, true, err
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return p, false, fmt.Errorf("GET %s: decode response: %w", path, err)
	}
	if env.Results == nil {
		return p, false, fmt.Errorf("GET %s: decode response: neither a list nor a page with results", path)
	}
	if err := json.Unmarshal(env.Results, &p.items); err != nil {
		return p, false, fmt.Errorf("GET %s: decode response: %w", path, err)
	}
	p.count = env.Count
	if env.Next != nil {
		p.next = *env.Next
	}
	return p, false, nil
}

// list implements List. until, if not nil, marks the first unwanted item of
// a list ordered so that every later item is unwanted too (newest first,
// older than a cutoff): such items are dropped, the pages are followed one
// at a time, and following stops after the page that held one. maxPages, if
// positive, bounds the pages read: a list that needs more fails with
// ErrTooManyPages rather than being cut short.
func list[T any](ctx context.Context, c *Client, first string, until func(T) bool, maxPages int) ([]T, error) {
	firstURL, err := c.resolve(first)
	if err != nil {
		return nil, err
	}
	path := firstURL.Path
	body, err := c.fetch(ctx, first)
	if err != nil {
		return nil, err
	}
	p, bare, err := decodePage[T](path, body)
	if err != nil || bare {
		return p.items, err
	}
	out, stop := keep(nil, p.items, until)
	if stop || p.next == "" {
		return out, nil
	}
	pages := 1
	tooMany := func() error {
		return fmt.Errorf("GET %s: still more after %d pages, the most one call reads: %w", path, maxPages, ErrTooManyPages)
	}
	next := p.next
	if until == nil && p.count != nil {
		urls, err := c.remainingPages(next, *p.count, len(p.items))
		if err != nil {
			return nil, err
		}
		if maxPages > 0 && pages+len(urls) > maxPages {
			return nil, tooMany()
		}
		pages += len(urls)
		if len(urls) > 0 {
			items, last, err := fetchPages[T](ctx, c, path, urls)
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
			if last.next == "" || len(last.items) == 0 {
				return out, nil
			}
			next = last.next
		}
	}
	seen := map[string]bool{firstURL.String(): true}
	for next != "" {
		u, err := c.resolve(next)
		if err != nil {
			return nil, err
		}
		if seen[u.String()] {
			return nil, fmt.Errorf("GET %s: the pagination links loop: the next page is one already read", path)
		}
		if maxPages > 0 && pages >= maxPages {
			return nil, tooMany()
		}
		pages++
		seen[u.String()] = true
		body, err := c.fetch(ctx, u.String())
		if err != nil {
			return nil, err
		}
		p, _, err := decodePage[T](path, body)
		if err != nil {
			return nil, err
		}
		if len(p.items) == 0 {
			break
		}
		out, stop = keep(out, p.items, until)
		if stop {
			break
		}
		next = p.next
	}
	return out, nil
}

// keep appends the wanted items and reports whether an unwanted one was seen.
func keep[T any](out, items []T, until func(T) bool) ([]T, bool) {
	if until == nil {
		return append(out, items...), false
	}
	stop := false
	for _, it := range items {
		if until(it) {
			stop = true
			continue
		}
		out = append(out, it)
	}
	return out, stop
}

// remainingPages computes the URLs of the pages after the first from its
// next link and the total count: the same query with the offset (or the page
// number) stepped. It returns no URLs when next cannot be stepped; the caller
// then follows next page by page.
func (c *Client) remainingPages(next string, count, firstLen int) ([]string, error) {
	u, err := c.resolve(next)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	var urls []string
	add := func(key string, v int) {
		q.Set(key, strconv.Itoa(v))
		pu := *u
		pu.RawQuery = q.Encode()
		urls = append(urls, pu.String())
	}
	if off, err := strconv.Atoi(q.Get("offset")); err == nil && off >= 0 {
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit <= 0 {
			limit = firstLen
		}
		if limit <= 0 {
			return nil, nil
		}
		for o := off; o < count; o += limit {
			add("offset", o)
		}
		return urls, nil
	}
	if pg, err := strconv.Atoi(q.Get("page")); err == nil && pg >= 1 {
		size, err := strconv.Atoi(q.Get("page_size"))
		if err != nil || size <= 0 {
			size = firstLen
		}
		if size <= 0 {
			return nil, nil
		}
		for n := pg; (n-1)*size < count; n++ {
			add("page", n)
		}
		return urls, nil
	}
	return nil, nil
}

// fetchPages fetches urls in parallel, at most the Budget's concurrency at a
// time, and returns their items in order and the last page. The first
// failure cancels the others and is returned.
func fetchPages[T any](ctx context.Context, c *Client, path string, urls []string) ([]T, page[T], error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make([]page[T], len(urls))
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
	for range min(len(urls), c.budget.Concurrency()) {
		wg.Go(func() {
			for {
				i := int(nextIdx.Add(1) - 1)
				if i >= len(urls) {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				body, err := c.fetch(ctx, urls[i])
				if err != nil {
					fail(err)
					return
				}
				p, bare, err := decodePage[T](path, body)
				if err == nil && bare {
					err = fmt.Errorf("GET %s: decode response: a bare list where a page was expected", path)
				}
				if err != nil {
					fail(err)
					return
				}
				pages[i] = p
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, page[T]{}, firstErr
	}
	var out []T
	for _, p := range pages {
		out = append(out, p.items...)
	}
	return out, pages[len(pages)-1], nil
}
