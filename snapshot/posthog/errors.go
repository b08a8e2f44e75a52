package posthog

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Sentinel errors. An *APIError matches ErrUnauthorized, ErrPaymentRequired,
// ErrForbidden and ErrNotFound by status with errors.Is; a *TransportError
// matches ErrUnreachable when the host could not be reached at all.
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
)

// APIError is an error response from PostHog, decoded from its
// {type, code, detail, attr} body. Status, Method and Path are always set;
// the other fields are empty when the body did not carry them (a proxy's
// HTML page, say), in which case Detail holds a short description of the
// body. Path is the request path only: never a host, query or key.
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
}

// Error returns "METHOD PATH: STATUS CODE: DETAIL", for example
// "GET /api/projects/1/activity_log/: 403 permission_denied: API key missing
// required scope 'activity_log:read'".
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	return b.String()
}

// Is reports whether the error matches ErrUnauthorized (401),
// ErrPaymentRequired (402), ErrForbidden (403) or ErrNotFound (404).
func (e *APIError) Is(target error) bool {
	switch target {
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
// summarized, never copied at length.
func newAPIError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Status: status, Method: method, Path: path}
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
		e.Detail = summarizeNonJSON(status, body)
	}
	if m := missingScopeRE.FindStringSubmatch(e.Detail); m != nil {
		e.Scope = m[1]
	}
	if status == http.StatusPaymentRequired {
		e.Feature = featureOf(e.Detail)
	}
	return e
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

// errTruncated marks a 2xx body that ends before its JSON does.
var errTruncated = errors.New("response body is truncated")
