package posthogsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Answer faults: 2xx answers whose shape or content is wrong, the way a
// broken proxy, a server mid-change or a hostile host might answer. They are
// injected with Inject like the transport faults, and are numbered apart
// from them. The page faults act on a paginated answer ({count, next,
// previous, results}); on any other answer, and on error answers, they
// change nothing.
const (
	// FaultShortPage serves the page without its last item (count and next
	// unchanged).
	FaultShortPage FaultKind = iota + 100
	// FaultLongPage serves the page with one item more than its limit: a
	// copy of its last item under a new id.
	FaultLongPage
	// FaultOverlapPage serves the page starting one item early: it repeats
	// the previous page's last item and leaves out its own last (count and
	// next unchanged). On the first page, which has no previous one, its
	// first item takes the place of its last.
	FaultOverlapPage
	// FaultDuplicateItem serves the page with its first item in place of
	// its last.
	FaultDuplicateItem
	// FaultResultsNull serves the page with "results": null.
	FaultResultsNull
	// FaultResultsAbsent serves the page without results.
	FaultResultsAbsent
	// FaultBareArray serves the page's results alone, as a bare JSON array.
	FaultBareArray
	// FaultEnvelope serves a bare-array answer (explicit_members) wrapped
	// in a page {count, next, previous, results}.
	FaultEnvelope
	// FaultHugeCount serves the page with a count of 10^12.
	FaultHugeCount
	// FaultEndlessCursor serves a cursor page (the activity logs) holding
	// the first page's rows, whatever cursor was asked for, with a next link
	// to a cursor never seen before.
	FaultEndlessCursor
	// FaultNullBody answers 200 with the JSON body null.
	FaultNullBody
	// FaultEmptyObject answers 200 with the JSON body {}.
	FaultEmptyObject
	// FaultDropField removes Fault.Field ("id" when empty; a dotted path
	// such as "user.email", descending into the first item of a list
	// such as "members.user") from the first item of a page, or from the
	// answered object.
	FaultDropField
)

// hugeCount is the count FaultHugeCount claims.
const hugeCount = 1_000_000_000_000

func isAnswerFault(k FaultKind) bool { return k >= FaultShortPage && k <= FaultDropField }

// pageOf returns the page (1-based) a request asks for: its page number, or
// its offset over its limit. A request without either (the first page, or a
// cursor page) is page 1.
func (s *Server) pageOf(u *url.URL) int {
	q := u.Query()
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n >= 1 {
		return n
	}
	n, _ := strconv.Atoi(q.Get("limit"))
	limit := s.pageLimit(n)
	off, err := strconv.Atoi(q.Get("offset"))
	if err != nil || off < 0 {
		return 1
	}
	return off/limit + 1
}

// withQuery returns a copy of c for the same request with query q.
func (c *call) withQuery(q url.Values) *call {
	r := c.r.Clone(c.r.Context())
	r.URL.RawQuery = q.Encode()
	c2 := *c
	c2.r = r
	return &c2
}

// faultyAnswer serves c's request with the answer fault f.
func (s *Server) faultyAnswer(c *call, f Fault) response {
	q := c.r.URL.Query()
	if f.Kind == FaultEndlessCursor {
		// A cursor page whatever was asked: no cursor, no page number.
		q.Del("cursor")
		q.Del("page")
		c = c.withQuery(q)
	}
	resp := s.handle(c)
	if resp.status != http.StatusOK {
		return resp
	}
	body := generic(resp.body)
	switch f.Kind {
	case FaultNullBody:
		return jsonOK(nil)
	case FaultEmptyObject:
		return jsonOK(obj{})
	case FaultEnvelope:
		if items, ok := body.([]any); ok {
			return jsonOK(obj{"count": len(items), "next": nil, "previous": nil, "results": items})
		}
		return resp
	case FaultDropField:
		target := body
		if page, ok := body.(map[string]any); ok {
			if items, ok := page["results"].([]any); ok {
				target = first(items)
			}
		} else if items, ok := body.([]any); ok {
			target = first(items)
		}
		field := f.Field
		if field == "" {
			field = "id"
		}
		dropField(target, field)
		return jsonOK(body)
	}
	page, ok := body.(map[string]any)
	if !ok {
		return resp
	}
	items, isList := page["results"].([]any)
	if !isList {
		return resp
	}
	switch f.Kind {
	case FaultShortPage:
		if len(items) > 0 {
			page["results"] = items[:len(items)-1]
		}
	case FaultLongPage:
		if len(items) > 0 {
			extra := generic(items[len(items)-1])
			if m, ok := extra.(map[string]any); ok {
				m["id"] = phantomID(m["id"])
			}
			page["results"] = append(items, extra)
		}
	case FaultOverlapPage:
		off, err := strconv.Atoi(q.Get("offset"))
		if err != nil || off <= 0 || len(items) == 0 {
			if len(items) > 1 {
				items[len(items)-1] = items[0]
			}
			break
		}
		q.Set("offset", strconv.Itoa(off-1))
		earlier := generic(s.handle(c.withQuery(q)).body)
		if ep, ok := earlier.(map[string]any); ok {
			if shifted, ok := ep["results"].([]any); ok && len(shifted) >= len(items) {
				page["results"] = shifted[:len(items)]
			}
		}
	case FaultDuplicateItem:
		if len(items) > 1 {
			items[len(items)-1] = items[0]
		}
	case FaultResultsNull:
		page["results"] = nil
	case FaultResultsAbsent:
		delete(page, "results")
	case FaultBareArray:
		return jsonOK(items)
	case FaultHugeCount:
		page["count"] = hugeCount
	case FaultEndlessCursor:
		s.mu.Lock()
		n := s.requests
		s.mu.Unlock()
		q.Set("cursor", "endless-"+strconv.Itoa(n))
		page["next"] = c.link(q)
	}
	return jsonOK(page)
}

// generic returns v as decoded JSON (maps, slices, json.Number), a deep
// copy that can be changed freely.
func generic(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if d.Decode(&out) != nil {
		return v
	}
	return out
}

func first(items []any) any {
	if len(items) == 0 {
		return nil
	}
	return items[0]
}

// dropField removes the dotted path from a decoded JSON object.
func dropField(v any, path string) {
	if items, ok := v.([]any); ok {
		// Into a list (an embedded one, such as a role's members): its
		// first item.
		v = first(items)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		delete(m, head)
		return
	}
	dropField(m[head], rest)
}

// phantomID returns an id no item of the fixtures has, of the same JSON kind
// as id.
func phantomID(id any) any {
	if n, ok := id.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i + 1_000_000_000
		}
	}
	if s, ok := id.(string); ok {
		return "phantom-" + s
	}
	return "phantom"
}
