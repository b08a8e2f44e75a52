package posthog

import (
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Call is what a Client did on one endpoint, its path pattern (ids replaced
// by {id}): the completeness evidence of a collection.
type Call struct {
	// Endpoint is the path pattern, e.g. /api/projects/{id}/members/.
	Endpoint string `json:"endpoint"`
	// Requests counts the requests made, each once however often it was
	// retried.
	Requests int `json:"requests"`
	// Pages counts the list pages decoded, Items the rows they held.
	Pages int `json:"pages"`
	Items int `json:"items"`
	// Count sums PostHog's own count of the lists' first pages, nil when no
	// page of the endpoint carried one.
	Count *int `json:"count"`
}

// callLog records a Client's calls; safe for concurrent use.
type callLog struct {
	mu    sync.Mutex
	calls map[string]*Call
}

// idSegment matches a path segment that is an id: a number, a UUID, or
// another token holding a digit (PostHog's short ids, @current aside).
var idSegment = regexp.MustCompile(`^(\d+|[0-9a-fA-F-]{32,36}|[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*)$`)

// endpointPattern is path without its query, each id segment {id}.
func endpointPattern(path string) string {
	if u, err := url.Parse(path); err == nil {
		path = u.Path
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && idSegment.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

func (l *callLog) get(path string) *Call {
	p := endpointPattern(path)
	if l.calls == nil {
		l.calls = map[string]*Call{}
	}
	c := l.calls[p]
	if c == nil {
		c = &Call{Endpoint: p}
		l.calls[p] = c
	}
	return c
}

func (l *callLog) request(path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.get(path).Requests++
}

func (l *callLog) page(path string, items int, count *int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.get(path)
	c.Pages++
	c.Items += items
	if count != nil {
		if c.Count == nil {
			c.Count = new(int)
		}
		*c.Count += *count
	}
}

// Calls are the client's calls so far, by endpoint pattern; never nil.
func (c *Client) Calls() []Call {
	c.calls.mu.Lock()
	defer c.calls.mu.Unlock()
	out := make([]Call, 0, len(c.calls.calls))
	for _, k := range c.calls.calls {
		x := *k
		if k.Count != nil {
			n := *k.Count
			x.Count = &n
		}
		out = append(out, x)
	}
	slices.SortFunc(out, func(a, b Call) int { return cmp.Compare(a.Endpoint, b.Endpoint) })
	return out
}

// decodePageBy is decodePage, recording the page in c's call log: its rows
// and, for a first page (where ""), PostHog's count.
func decodePageBy[T any](c *Client, path, where string, body []byte, needCount bool) (page[T], error) {
	p, err := decodePage[T](path, where, body, needCount)
	if err == nil {
		var count *int
		if needCount && where == "" {
			n := p.count
			count = &n
		}
		c.calls.page(path, len(p.items), count)
	}
	return p, err
}

// MergeCalls adds up lists of calls by endpoint (the calls of several
// clients of one collection: the scanning key's and each audit key's),
// sorted by endpoint.
func MergeCalls(lists ...[]Call) []Call {
	by := map[string]*Call{}
	for _, l := range lists {
		for _, c := range l {
			m := by[c.Endpoint]
			if m == nil {
				m = &Call{Endpoint: c.Endpoint}
				by[c.Endpoint] = m
			}
			m.Requests += c.Requests
			m.Pages += c.Pages
			m.Items += c.Items
			if c.Count != nil {
				if m.Count == nil {
					m.Count = new(int)
				}
				*m.Count += *c.Count
			}
		}
	}
	out := make([]Call, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Call) int { return cmp.Compare(a.Endpoint, b.Endpoint) })
	return out
}
