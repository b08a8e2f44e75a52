package posthog

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// Sentinel errors. An *APIError matches ErrUnauthorized, ErrPaymentRequired,
// ErrForbidden and ErrNotFound by status with errors.Is, ErrNotPostHog when
// its body was not PostHog's JSON, and ErrKeyScopedToProjects for PostHog's
// refusal of a project-scoped key; a *TransportError matches ErrUnreachable
// when the host could not be reached at all, and ErrRequestTimeout when an
// attempt got no complete response in time.
var (
	// ErrUnauthorized matches a 401: the key is unknown, revoked or malformed.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrPaymentRequired matches a 402 payment_required: the organization's
	// plan lacks a feature the endpoint needs (APIError.Feature names it
	// when PostHog did). PostHog answers it for paid features
	// (PremiumFeaturePermission), not 403.
	ErrPaymentRequired = errors.New("payment required")
	// ErrForbidden matches a 403: a missing scope, a key scoped elsewhere, a
	// plan feature the organization lacks, or a membership that is too low.
	ErrForbidden = errors.New("forbidden")
	// ErrTooManyPages matches a list that was still sending next links after
	// the most pages a call follows, or whose count needs more items or
	// pages than one list may hold (MaxListItems, MaxListPages); what was
	// read is not returned, so a truncated list never passes for a whole
	// one.
	ErrTooManyPages = errors.New("too many pages")
	// ErrNotFound matches a 404: an unknown object, or an endpoint this
	// deployment does not have.
	ErrNotFound = errors.New("not found")
	// ErrUnreachable matches a request that never reached the host: DNS
	// failure, connection refused, no route. Such requests are not retried.
	ErrUnreachable = errors.New("cannot reach host")
	// ErrForeignURL matches a refusal to follow a link (a pagination next
	// URL) to another scheme or host than the configured one; nothing is
	// sent to that host.
	ErrForeignURL = errors.New("refusing to follow a link to another host")
	// ErrBodyTooLarge matches a response body larger than the client's limit
	// (WithMaxBodyBytes).
	ErrBodyTooLarge = errors.New("response body too large")
	// ErrNotPostHog matches a response whose body is not JSON: an HTML page
	// from a proxy, a login portal or a web server that is not PostHog's
	// API. PostHog's API answers JSON, errors included.
	ErrNotPostHog = errors.New("not a PostHog response")
	// ErrKeyScopedToProjects matches PostHog's 403 "API keys with scoped
	// projects are only supported on project-based endpoints.": the key is
	// limited to some projects, and PostHog refuses it on every
	// organization endpoint (check_team_and_org_permissions in
	// posthog/permissions.py). No scope would fix it.
	ErrKeyScopedToProjects = errors.New("the key is scoped to projects")
	// ErrRequestTimeout matches an attempt that got no complete response,
	// headers and whole body, within the client's request timeout
	// (WithRequestTimeout): a stalled server or connection.
	ErrRequestTimeout = errors.New("no complete response within the request timeout")
)

// scopedProjectsDetail is the detail of PostHog's refusal of a
// project-scoped key on an organization endpoint (posthog/permissions.py).
const scopedProjectsDetail = "API keys with scoped projects are only supported on project-based endpoints"

// APIError is an error response from PostHog, decoded from its
// {type, code, detail, attr} body. Status, Method and Path are always set;
// the other fields are empty when the body did not carry them. A body that
// is not JSON at all (a proxy's HTML page, say) sets NotPostHog and
// ContentType, and Detail holds a short description of the body; such an
// error is also returned for a 2xx response whose body is not JSON, the only
// case where Status is a success. Path is the request path only: never a
// host, query or key.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Method is the HTTP method of the request.
	Method string
	// Path is the request path, without host or query.
	Path string
	// Type is PostHog's error type: authentication_error, invalid_request,
	// throttled_error, server_error, validation_error, …
	Type string
	// Code is PostHog's error code: permission_denied, not_found, throttled, …
	Code string
	// Detail is PostHog's human-readable explanation.
	Detail string
	// Attr is the offending field of a validation error, if any.
	Attr string
	// Scope is the personal API key scope a 403 said was missing
	// ("API key missing required scope 'X'"), else "".
	Scope string
	// Feature is the plan feature a 402 named, as PostHog's feature key
	// ("Audit logs requires a paid PostHog plan. …" → "audit_logs"), else "".
	Feature string
	// NotPostHog is true when the body was not JSON, so it did not come
	// from PostHog's API (see ErrNotPostHog).
	NotPostHog bool
	// ContentType is the response's media type ("text/html"), without
	// parameters; "" when the response did not say.
	ContentType string
}

// Error returns "METHOD PATH: STATUS CODE: DETAIL", for example
// "GET /api/projects/1/activity_log/: 403 permission_denied: API key missing
// required scope 'activity_log:read'"; for a body that is not JSON,
// "METHOD PATH: not a PostHog response (HTTP STATUS, CONTENT TYPE): DETAIL".
func (e *APIError) Error() string {
	var b strings.Builder
	if e.NotPostHog {
		fmt.Fprintf(&b, "%s %s: %s", e.Method, e.Path, e.NotPostHogText())
		if e.Detail != "" && e.Detail != strings.ToLower(http.StatusText(e.Status)) {
			b.WriteString(": " + e.Detail)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	return b.String()
}

// NotPostHogText describes a response that is not PostHog's:
// "not a PostHog response (HTTP 502, text/html)".
func (e *APIError) NotPostHogText() string {
	ct := e.ContentType
	if ct == "" {
		ct = "no content type"
	}
	return fmt.Sprintf("%s (HTTP %d, %s)", ErrNotPostHog, e.Status, ct)
}

// Is reports whether the error matches ErrUnauthorized (401),
// ErrPaymentRequired (402), ErrForbidden (403), ErrNotFound (404),
// ErrNotPostHog (a body that is not JSON) or ErrKeyScopedToProjects (403
// with PostHog's detail for a project-scoped key).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotPostHog:
		return e.NotPostHog
	case ErrKeyScopedToProjects:
		return e.Status == http.StatusForbidden && !e.NotPostHog && strings.Contains(e.Detail, scopedProjectsDetail)
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrPaymentRequired:
		return e.Status == http.StatusPaymentRequired
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	}
	return false
}

var missingScopeRE = regexp.MustCompile(`missing required scope '([^']+)'`)

// paidFeatureRE reads the feature out of the details of PostHog's
// PaidFeatureException ("Audit logs requires a paid PostHog plan. …") and
// EnterpriseFeatureException ("Audit logs is part of the premium PostHog
// offering. …"), both built as feature.capitalize().replace("_", " ")
// (posthog/exceptions.py).
var paidFeatureRE = regexp.MustCompile(`^\s*(.+?) (?:requires a paid PostHog plan|is part of the premium PostHog offering)`)

// featureOf returns the feature key a 402 detail names, or "".
func featureOf(detail string) string {
	m := paidFeatureRE.FindStringSubmatch(detail)
	if m == nil || strings.EqualFold(m[1], "this feature") {
		return ""
	}
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(m[1])), " ", "_")
}

// newAPIError decodes an error response body. Non-JSON bodies are
// summarized, never copied at length, and mark the error NotPostHog; only
// PostHog's own JSON detail can name a scope or a plan feature.
func newAPIError(method, path string, status int, header http.Header, body []byte) *APIError {
	e := &APIError{Status: status, Method: method, Path: path, ContentType: mediaType(header)}
	var wire struct {
		Type   string          `json:"type"`
		Code   string          `json:"code"`
		Detail json.RawMessage `json:"detail"`
		Attr   *string         `json:"attr"`
	}
	if err := json.Unmarshal(body, &wire); err == nil {
		e.Type, e.Code = wire.Type, wire.Code
		if wire.Attr != nil {
			e.Attr = *wire.Attr
		}
		var s string
		if json.Unmarshal(wire.Detail, &s) == nil {
			e.Detail = s
		} else if len(wire.Detail) > 0 && string(wire.Detail) != "null" {
			e.Detail = summarize(wire.Detail)
		}
	} else {
		e.NotPostHog = true
		e.Detail = summarizeNonJSON(status, body)
		return e
	}
	if m := missingScopeRE.FindStringSubmatch(e.Detail); m != nil {
		e.Scope = m[1]
	}
	if status == http.StatusPaymentRequired {
		e.Feature = featureOf(e.Detail)
	}
	return e
}

// notPostHog returns the error for a 2xx response whose body is not JSON.
func notPostHog(method, path string, status int, header http.Header, body []byte) *APIError {
	return &APIError{
		Status: status, Method: method, Path: path, ContentType: mediaType(header), NotPostHog: true,
		Detail: summarizeNonJSON(status, body),
	}
}

// mediaType returns the Content-Type's media type, lowercase and without
// parameters, or "" when absent; an unparsable value is summarized.
func mediaType(h http.Header) string {
	v := h.Get("Content-Type")
	if v == "" {
		return ""
	}
	if mt, _, err := mime.ParseMediaType(v); err == nil {
		return mt
	}
	return summarize([]byte(strings.ToLower(v)))
}

// summarizeNonJSON describes a body that is not PostHog's JSON error: a short
// plain-text body is kept (first line, at most 200 bytes); anything else,
// such as a proxy's HTML page, becomes the status text.
func summarizeNonJSON(status int, body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" || text[0] == '<' || !utf8.ValidString(text) {
		return strings.ToLower(http.StatusText(status))
	}
	return summarize([]byte(text))
}

func summarize(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	const limit = 200
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// TransportError is a request that got no complete response: the connection
// could not be made, was reset, or the body was cut short. Method and Path
// name the request (path only, never host, query or key).
type TransportError struct {
	Method string
	Path   string
	Err    error
}

// Error returns "METHOD PATH: cause".
func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *TransportError) Unwrap() error { return e.Err }

// Is reports whether the error matches ErrUnreachable: a DNS failure, a
// refused connection or no route to the host.
func (e *TransportError) Is(target error) bool {
	return target == ErrUnreachable && unreachable(e.Err)
}

func unreachable(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH)
}

// RequestTimeoutError is an attempt that got no complete response, headers
// and whole body, within the client's request timeout. It matches
// ErrRequestTimeout.
type RequestTimeoutError struct {
	// Timeout is the request timeout that passed.
	Timeout time.Duration
}

// Error returns "no complete response within the request timeout of 1m0s".
func (e *RequestTimeoutError) Error() string {
	return fmt.Sprintf("%v of %v", ErrRequestTimeout, e.Timeout)
}

// Is reports whether target is ErrRequestTimeout.
func (e *RequestTimeoutError) Is(target error) bool { return target == ErrRequestTimeout }

// RetryError is a GET the client gave up on: after Attempts attempts that
// all failed, or before a further attempt because the wait it called for
// was longer than the client may wait (Wait > Limit). Err is the last
// attempt's failure (an *APIError or a *TransportError), so errors.As and
// errors.Is see through a RetryError to it.
type RetryError struct {
	Method string
	Path   string
	// Attempts is the number of attempts made.
	Attempts int
	// Wait is the wait the next attempt called for when the client gave up
	// before it, else 0.
	Wait time.Duration
	// Told is true when PostHog chose Wait (a 429's detail or a Retry-After
	// header), false for the client's own backoff.
	Told bool
	// Limit is what Wait exceeded: the client's cap on a single wait, or
	// the time left before the context's deadline (ByDeadline).
	Limit time.Duration
	// ByDeadline is true when Limit is the time left before the context's
	// deadline.
	ByDeadline bool
	// Err is the last attempt's failure.
	Err error
}

// Error says why the client stopped and what the last attempt got, such as
// "giving up after 5 attempts: GET /api/users/@me/: 500 error: A server
// error occurred." or "GET /api/users/@me/: posthog asked to wait 24h0m0s
// before retrying, longer than the 2m0s this client waits at most; retry
// later: GET /api/users/@me/: 429 throttled: …".
func (e *RetryError) Error() string {
	switch {
	case e.Wait == 0:
		return fmt.Sprintf("giving up after %d %s: %v", e.Attempts, plural(e.Attempts, "attempt"), e.Err)
	case e.Told && e.ByDeadline:
		return fmt.Sprintf("%s %s: posthog asked to wait %v before retrying, more than the %v left before the deadline: %v", e.Method, e.Path, e.Wait, e.Limit.Round(time.Millisecond), e.Err)
	case e.Told:
		return fmt.Sprintf("%s %s: posthog asked to wait %v before retrying, longer than the %v this client waits at most; retry later: %v", e.Method, e.Path, e.Wait, e.Limit, e.Err)
	}
	return fmt.Sprintf("giving up after %d %s: the next retry would come after the deadline: %v", e.Attempts, plural(e.Attempts, "attempt"), e.Err)
}

// Unwrap returns the last attempt's failure.
func (e *RetryError) Unwrap() error { return e.Err }

// errTruncated marks a 2xx body that ends before its JSON does.
var errTruncated = errors.New("response body is truncated")
