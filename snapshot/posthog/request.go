package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hogaudit/hogaudit/internal/redact"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// fetch GETs rawURL (absolute or relative to the host, never on another
// host) and returns the body of its 2xx response, which is valid JSON.
func (c *Client) fetch(ctx context.Context, rawURL string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, rawURL)
}

// do sends one logical request: attempts, retries (GET only) and waits. A
// wait longer than the client's cap that PostHog asked for, or any wait
// that would end after ctx's deadline, is not waited: the request fails at
// once with a *RetryError naming the wait, and the budget is not paused for
// it.
func (c *Client) do(ctx context.Context, method, rawURL string) ([]byte, error) {
	u, err := c.resolve(rawURL)
	if err != nil {
		return nil, err
	}
	path := u.Path
	for attempt := 1; ; attempt++ {
		status, header, body, err := c.attempt(ctx, method, u, attempt)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		if err == nil {
			ev := Event{Kind: EventResponse, Method: method, Path: path, Status: status, Attempt: attempt}
			if status < 200 || status >= 300 {
				err = newAPIError(method, path, status, header, bytes.ReplaceAll(body, []byte(c.token), []byte(redact.Mask(c.token))))
				ev.Err = err
			}
			c.emit(ev)
		}
		v := c.judge(method, path, attempt, status, header, body, err)
		// The call log counts requests, not attempts: retries do not
		// show, so the log of a collection that recovered is the same.
		if v.err == nil {
			c.calls.request(path)
			return body, nil
		}
		if !v.retry || method != http.MethodGet {
			if err == nil {
				c.calls.request(path)
			}
			return nil, v.err
		}
		giveUp := &RetryError{Method: method, Path: path, Attempts: attempt, Err: v.err}
		if attempt >= c.maxAttempts {
			c.calls.request(path)
			return nil, giveUp
		}
		limit, byDeadline := c.maxWait, false
		if dl, ok := ctx.Deadline(); ok {
			if left := time.Until(dl); left < limit {
				limit, byDeadline = max(left, 0), true
			}
		}
		if v.wait > limit {
			if v.told || byDeadline {
				giveUp.Wait, giveUp.Told, giveUp.Limit, giveUp.ByDeadline = v.wait, v.told, limit, byDeadline
				return nil, giveUp
			}
			v.wait = limit
		}
		kind := EventRetry
		if v.throttled {
			kind = EventThrottled
			c.budget.pause(time.Now().Add(v.wait))
		}
		c.emit(Event{Kind: kind, Method: method, Path: path, Status: status, Attempt: attempt, Wait: v.wait, Err: v.err})
		wait := sleep
		if v.throttled {
			wait = c.budget.hold // held-back time (Budget.Held)
		}
		if err := wait(ctx, v.wait); err != nil {
			return nil, fmt.Errorf("%s %s: waiting to retry: %w", method, path, err)
		}
	}
}

// verdict is what an attempt's outcome calls for.
type verdict struct {
	err       error // nil: success
	retry     bool
	wait      time.Duration // before the next attempt
	told      bool          // the server chose the wait
	throttled bool          // a 429
}

// judge classifies an attempt: err is its transport error or the
// *APIError of a non-2xx status.
func (c *Client) judge(method, path string, attempt, status int, header http.Header, body []byte, err error) verdict {
	backoff := verdict{err: err, retry: true, wait: c.backoff(attempt)}
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		switch {
		case status == http.StatusTooManyRequests:
			v := verdict{err: err, retry: true, throttled: true}
			if v.wait, v.told = throttleWait(apiErr.Detail, header); !v.told {
				v.wait = backoff.wait
			}
			return v
		case status >= 500:
			v := verdict{err: err, retry: true}
			if v.wait, v.told = retryAfter(header); !v.told {
				v.wait = backoff.wait
			}
			return v
		}
		return verdict{err: err}
	case err != nil:
		if errors.Is(err, ErrBodyTooLarge) || !retryableTransport(err) {
			return verdict{err: err}
		}
		return backoff
	case json.Valid(body):
		return verdict{}
	case looksTruncated(body):
		backoff.err = &TransportError{Method: method, Path: path, Err: errTruncated}
		return backoff
	}
	return verdict{err: notPostHog(method, path, status, header, body)}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// attempt sends the request once, within the budget, and reads the whole
// body, all within the request timeout (the wait for the budget does not
// count). It returns a *TransportError when no complete response arrived:
// one wrapping a *RequestTimeoutError when the request timeout passed, and
// ctx's own error when ctx ended.
func (c *Client) attempt(ctx context.Context, method string, u *url.URL, attempt int) (int, http.Header, []byte, error) {
	path := u.Path
	release, err := c.budget.acquire(ctx, func(d time.Duration) {
		c.emit(Event{Kind: EventRateWait, Method: method, Path: path, Attempt: attempt, Wait: d})
	})
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: waiting for the request budget: %w", method, path, err)
	}
	// An attempt abandoned before its response arrived may still reach
	// PostHog and be counted: it stays inside the windows as if it had
	// completed a request timeout later. That is the bound: the client
	// waits no longer for an answer, and a request still in the network
	// or queued in front of PostHog's web servers past it is one the
	// proxies on the way (whose own timeouts are of that order) drop.
	abandoned := true
	defer func() {
		late := time.Duration(0)
		if abandoned {
			late = c.requestTimeout
		}
		release(late)
	}()

	actx, cancel := context.WithTimeout(ctx, c.requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, method, u.String(), nil)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	failed := func(err error) error {
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		case actx.Err() != nil:
			return &TransportError{Method: method, Path: path, Err: &RequestTimeoutError{Timeout: c.requestTimeout}}
		}
		return &TransportError{Method: method, Path: path, Err: err}
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // its message repeats the full URL
		}
		return 0, nil, nil, failed(err)
	}
	defer resp.Body.Close()
	abandoned = false // the server answered: it has counted the attempt
	limit, sized := c.bodyCap(ctx)
	if resp.ContentLength > limit {
		return 0, nil, nil, tooLarge(method, path, limit, sized)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return 0, nil, nil, failed(err)
	}
	if int64(len(body)) > limit {
		return 0, nil, nil, tooLarge(method, path, limit, sized)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// tooLarge is the error of a body over limit; sized says how the limit
// was sized, when not the client's cap alone.
func tooLarge(method, path string, limit int64, sized string) error {
	return fmt.Errorf("%s %s: %w: the body exceeds the %s limit%s", method, path, ErrBodyTooLarge, formatBytes(limit), sized)
}

// Per-member allowances of the endpoints whose one response holds a row per
// member of the organization, measured on PostHog's serializers (and on
// the simulator, which renders them; TestMemberAllowancesCoverPostHogRows
// holds the measure):
//
//   - A users_with_access row (_get_users_with_access in
//     products/access_control/backend/api/access_control.py) is
//     fixed-shape: two uuids (user_id, organization_membership_id) and
//     three enum strings (access_level, access_source,
//     organization_membership_level), some 215 bytes as the simulator
//     renders it. UserAccessRowBytes leaves more than twice that, for a
//     renderer that indents.
//   - A role membership (RoleMembershipSerializer,
//     products/access_control/backend/presentation/role.py) carries the
//     user twice (user, and organization_member's user: UserBasic) besides
//     two uuids and four times. The simulator's short synthetic users
//     render 950 bytes; with every UserBasic field at its model's maximum
//     (first_name and last_name 150 characters of 3-byte UTF-8, email 254,
//     distinct_id 200: posthog/models/user.py over Django's AbstractUser)
//     about 3.5 KiB. RoleMembershipBytes is 4 KiB, the rest for two
//     hedgehog_config objects (an unbounded JSONField that PostHog's app
//     fills with a few hundred bytes).
//   - RoleMembershipsPerMember memberships are allowed per member on
//     average: every member in four roles at the longest users, or in a
//     dozen at the usual ~1.3 KiB.
const (
	UserAccessRowBytes       = 512
	RoleMembershipBytes      = 4 << 10
	RoleMembershipsPerMember = 4

	usersWithAccessBytesPerMember = UserAccessRowBytes
	rolesBytesPerMember           = RoleMembershipsPerMember * RoleMembershipBytes
)

// MaxClaimedMembers bounds the member count a server's word alone
// (member_count in GET /api/organizations/{id}/) can size a body cap from:
// 2^16, above the 60,000-member organization hogaudit must collect, and a
// /roles/ cap of at most 1 GiB over the client's cap on the server's word.
// Past it a larger claim counts as MaxClaimedMembers until the member list
// has arrived; then the list's own length (items the client received and
// verified, each page under the client's cap) sizes the caps instead
// (MemberSizing.Listed).
const MaxClaimedMembers = 1 << 16

// MemberSizing is what the body caps of the responses that grow with the
// organization (Roles with its embedded members, UsersWithAccess) are
// sized from: the organization's claimed member_count until the member
// list has arrived, then the list's length. It is safe for concurrent use.
type MemberSizing struct {
	claimed int
	listed  atomic.Int64 // the list's length + 1; 0 until Listed
}

// NewMemberSizing returns sizing from the organization's member_count,
// counted as at most MaxClaimedMembers.
func NewMemberSizing(memberCount int) *MemberSizing {
	return &MemberSizing{claimed: min(max(memberCount, 0), MaxClaimedMembers)}
}

// Listed records the length of the member list as it arrived, complete
// and verified; from then on it sizes the caps.
func (s *MemberSizing) Listed(n int) {
	s.listed.Store(int64(min(max(n, 0), MaxListItems)) + 1)
}

// Members is the member count the caps are sized from, and where it came
// from: "the member list" or "member_count".
func (s *MemberSizing) Members() (n int, from string) {
	if s == nil {
		return 0, ""
	}
	if l := s.listed.Load(); l > 0 {
		return int(l - 1), "the member list"
	}
	return s.claimed, "member_count"
}

// membersKey carries the organization's MemberSizing.
type membersKey struct{}

// bodyCapKey carries a request's own allowance (withBodyCap).
type bodyCapKey struct{}

// WithMemberSizing returns ctx carrying s, from which the endpoints whose
// one response grows with the organization size their body cap: the
// client's cap (WithMaxBodyBytes) plus an allowance per member, so that no
// legitimate organization exceeds it while a server sending more than its
// own organization can hold is still cut off.
func WithMemberSizing(ctx context.Context, s *MemberSizing) context.Context {
	return context.WithValue(ctx, membersKey{}, s)
}

// WithMemberCount is WithMemberSizing(ctx, NewMemberSizing(n)).
func WithMemberCount(ctx context.Context, n int) context.Context {
	return WithMemberSizing(ctx, NewMemberSizing(n))
}

// allowance is a request's allowance over the client's cap: perMember
// bytes for each member ctx's MemberSizing counts.
type allowance struct {
	bytes     int64
	perMember int64
	members   int
	from      string
}

// withMemberAllowance returns ctx under which the client's requests may
// read bodies of up to the client's cap plus perMember bytes a member.
func withMemberAllowance(ctx context.Context, perMember int64) context.Context {
	s, _ := ctx.Value(membersKey{}).(*MemberSizing)
	n, from := s.Members()
	return withBodyCap(ctx, allowance{bytes: int64(n) * perMember, perMember: perMember, members: n, from: from})
}

// withBodyCap returns ctx under which the client's requests may read
// bodies of up to the client's cap plus a's bytes.
func withBodyCap(ctx context.Context, a allowance) context.Context {
	return context.WithValue(ctx, bodyCapKey{}, a)
}

// bodyCap is the body cap of a request made under ctx, and how it was
// sized (for the error that names it).
func (c *Client) bodyCap(ctx context.Context) (int64, string) {
	a, _ := ctx.Value(bodyCapKey{}).(allowance)
	limit := c.maxBody + max(a.bytes, 0)
	if a.perMember == 0 {
		return limit, ""
	}
	return limit, fmt.Sprintf(" (%s plus %s for each of %d members, as %s counts them)", formatBytes(c.maxBody), formatBytes(a.perMember), a.members, a.from)
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// backoff is the wait before attempt+1 when the server did not say: 1s, 2s,
// 4s, … times a random factor in [0.8, 1.2).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.backoffBase << min(attempt-1, 20)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

var throttleRE = regexp.MustCompile(`available in (\d+) seconds?`)

// throttleWait reads how long a 429 asks to wait: the seconds in PostHog's
// detail ("Request was throttled. Expected available in N seconds."), else a
// Retry-After header. told is false when neither says.
func throttleWait(detail string, h http.Header) (wait time.Duration, told bool) {
	if m := throttleRE.FindStringSubmatch(detail); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			return time.Duration(n) * time.Second, true
		}
	}
	return retryAfter(h)
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(h http.Header) (wait time.Duration, told bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// retryableTransport reports whether a failure without a response may be
// retried: a reset or closed connection, a cut body or a timeout, but not an
// unreachable host.
func retryableTransport(err error) bool {
	if errors.Is(err, ErrUnreachable) {
		return false
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.ErrClosedPipe),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, errTruncated), errors.Is(err, ErrRequestTimeout):
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// looksTruncated reports whether an invalid body starts like JSON, so that it
// is more likely cut short than not JSON at all.
func looksTruncated(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
