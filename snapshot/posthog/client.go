package posthog

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Defaults of a Client.
const (
	// DefaultUserAgent is sent when WithUserAgent is not given.
	DefaultUserAgent = "hogaudit/dev"
	// DefaultMaxAttempts is the number of attempts of a GET, the first
	// included.
	DefaultMaxAttempts = 5
	// DefaultMaxWait caps a single wait between two attempts.
	DefaultMaxWait = 2 * time.Minute
	// DefaultMaxBodyBytes caps the size of one response body (32 MiB).
	DefaultMaxBodyBytes = 32 << 20
	// DefaultRequestTimeout bounds one attempt of one request, from
	// sending it to the end of its body (WithRequestTimeout).
	DefaultRequestTimeout = time.Minute
)

// Client reads PostHog's private REST API with one personal API key, from
// one host. It only ever issues GET requests. It is safe for concurrent use;
// its requests go through its Budget.
type Client struct {
	base           *url.URL
	token          string
	hc             *http.Client
	userAgent      string
	budget         *Budget
	insecure       bool
	observer       func(Event)
	maxAttempts    int
	maxWait        time.Duration
	maxBody        int64
	backoffBase    time.Duration
	requestTimeout time.Duration
	// calls records the responses and pages read (Calls).
	calls callLog
}

// Option configures a Client in New.
type Option func(*Client)

// WithHTTPClient makes the Client send its requests with hc (its transport,
// timeout and TLS settings). The Client uses a copy whose redirect policy
// refuses redirects to other hosts; hc itself is not modified. nil keeps the
// default, an http.Client without a timeout of its own: every attempt is
// bounded by the request timeout (WithRequestTimeout) either way. When hc
// (or the default) has no Transport, the Client uses one like
// http.DefaultTransport that keeps as many idle connections to the host as
// its Budget lets requests run at once.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.hc = hc }
}

// WithUserAgent sets the User-Agent header (default DefaultUserAgent).
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

// WithBudget makes the Client share b with every other client of the run.
// Without it each Client has its own
// NewBudget(DefaultConcurrency, DefaultPerMinute).
func WithBudget(b *Budget) Option {
	return func(c *Client) { c.budget = b }
}

// WithInsecureHTTP allows a plain http:// host that is not loopback. The key
// then crosses the network in clear text: use it only on a trusted network.
func WithInsecureHTTP() Option {
	return func(c *Client) { c.insecure = true }
}

// WithObserver makes the Client report progress to fn. fn is called from
// many goroutines at once, synchronously: it must be safe for concurrent use
// and return quickly.
func WithObserver(fn func(Event)) Option {
	return func(c *Client) { c.observer = fn }
}

// WithRetry sets the number of attempts of a GET (at least 1; default
// DefaultMaxAttempts) and the cap on a single wait between two attempts
// (default DefaultMaxWait; values <= 0 keep the default). Backoff waits are
// shortened to the cap; when PostHog itself asks for a longer wait, the
// request fails with an error saying how long PostHog asked for.
func WithRetry(maxAttempts int, maxWait time.Duration) Option {
	return func(c *Client) {
		c.maxAttempts = max(maxAttempts, 1)
		if maxWait > 0 {
			c.maxWait = maxWait
		}
	}
}

// WithRequestTimeout bounds each attempt of a request, from sending it to
// the last byte of its body, by d (default DefaultRequestTimeout; values <=
// 0 keep the default): a server that sends no headers, or headers and then
// a body that never ends, costs at most d per attempt. Such an attempt
// fails with a *TransportError matching ErrRequestTimeout and is retried
// like a reset connection. Waits for the Budget do not count.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.requestTimeout = d
		}
	}
}

// WithMaxBodyBytes caps the size of one response body (default
// DefaultMaxBodyBytes; values <= 0 keep the default). A larger body fails the
// request with an error wrapping ErrBodyTooLarge; it is not retried.
func WithMaxBodyBytes(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// New returns a Client for the PostHog instance at host, authenticating with
// the personal API key token.
//
// host is a base URL such as https://us.posthog.com; a bare host name means
// https, and a trailing slash or /api suffix is dropped (Host returns the
// result). It must use https, except that plain http is accepted for loopback
// hosts (127.0.0.0/8, ::1, localhost) and, with WithInsecureHTTP, for any
// host. Errors never contain the token.
func New(host, token string, opts ...Option) (*Client, error) {
	c := &Client{
		userAgent:   DefaultUserAgent,
		maxAttempts: DefaultMaxAttempts,
		maxWait:     DefaultMaxWait,
		maxBody:     DefaultMaxBodyBytes,
		backoffBase: time.Second,

		requestTimeout: DefaultRequestTimeout,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	base, err := normalizeHost(host, c.insecure)
	if err != nil {
		return nil, err
	}
	c.base = base
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("the personal api key is empty: create one in PostHog under settings, personal api keys")
	}
	if strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return nil, errors.New("the personal api key contains whitespace or control characters: check how it was copied")
	}
	c.token = token
	if c.budget == nil {
		c.budget = NewBudget(DefaultConcurrency, DefaultPerMinute)
	}
	hc := c.hc
	if hc == nil {
		hc = &http.Client{}
	}
	own := *hc
	own.CheckRedirect = c.checkRedirect
	if own.Transport == nil {
		own.Transport = pooledTransport(c.budget.Concurrency())
	}
	c.hc = &own
	return c, nil
}

// pooledTransport is http.DefaultTransport's configuration with an idle
// connection pool of concurrency connections per host: the default keeps
// two, so a run with more requests in flight would close the others after
// each response and open (and TLS-handshake) new ones.
func pooledTransport(concurrency int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = concurrency
	t.MaxIdleConns = max(t.MaxIdleConns, concurrency)
	return t
}

// Host returns the normalized base URL requests go to, such as
// "https://us.posthog.com", without a trailing slash.
func (c *Client) Host() string { return c.base.String() }

// Budget returns the Budget the Client's requests go through.
func (c *Client) Budget() *Budget { return c.budget }

func normalizeHost(raw string, insecure bool) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, errors.New("no posthog host given: use https://us.posthog.com, https://eu.posthog.com or your instance's url")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		if strings.Contains(s, "@") {
			// Never echo the input: what precedes the @ may be a password.
			return nil, errors.New("invalid posthog host: the url does not parse and may contain credentials; pass only the base url, such as https://us.posthog.com")
		}
		return nil, fmt.Errorf("invalid posthog host %q: use a url such as https://us.posthog.com", raw)
	}
	if u.User != nil {
		// Never echo the input: its user info may hold a password.
		return nil, errors.New("invalid posthog host: the url contains credentials; pass only the base url, such as https://us.posthog.com")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("invalid posthog host %q: remove the query or fragment; use the base url, such as https://us.posthog.com", u.Scheme+"://"+u.Host+u.Path)
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "https":
	case "http":
		if !insecure && !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("refusing plain http for posthog host %q: the key would travel unencrypted; use https, or allow insecure http explicitly on a trusted network (--insecure-http)", u.Host)
		}
	default:
		return nil, fmt.Errorf("invalid posthog host %q: unsupported scheme %q; use https", raw, u.Scheme)
	}
	path := strings.TrimRight(u.Path, "/")
	path = strings.TrimSuffix(path, "/api")
	return &url.URL{Scheme: scheme, Host: strings.ToLower(u.Host), Path: path}, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// url returns the absolute URL of an API path such as /api/users/@me/.
func (c *Client) url(path string, query url.Values) string {
	u := *c.base
	u.Path = c.base.Path + path
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return u.String()
}

// resolve parses a URL to request, relative to the base, and refuses one on
// another scheme or host.
func (c *Client) resolve(raw string) (*url.URL, error) {
	u, err := c.base.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid link from posthog: %w", err)
	}
	if err := c.sameOrigin(u); err != nil {
		return nil, err
	}
	return u, nil
}

func (c *Client) sameOrigin(u *url.URL) error {
	if strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host) && u.User == nil {
		return nil
	}
	return fmt.Errorf("%w: %s://%s is not the configured host %s", ErrForeignURL, u.Scheme, u.Host, c.Host())
}

// checkRedirect follows no redirect. One to another host is refused before
// anything is sent there (ErrForeignURL); one on the host is not followed
// either: its 3xx answer is the attempt's answer, an *APIError that is not
// retried. PostHog's API never redirects a correct API path: its router
// (DefaultRouterPlusPlus, posthog/api/routing.py) makes the trailing slash
// optional, so Django's APPEND_SLASH never fires, and an unknown /api/ path
// answers 404. A redirect therefore comes from something in front of
// PostHog, and following it would send requests the Budget did not admit
// (http.Client follows up to 10 hops within one attempt).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if err := c.sameOrigin(req.URL); err != nil {
		return fmt.Errorf("redirected: %w", err)
	}
	return http.ErrUseLastResponse
}

func (c *Client) emit(e Event) {
	if c.observer != nil {
		c.observer(e)
	}
}

// IsCloudHost reports whether host (a --host value, normalized as New does)
// is PostHog Cloud: us.posthog.com, eu.posthog.com, app.posthog.com, their
// *.i.posthog.com variants, or any other name under posthog.com, where
// PostHog's rate limits are on. The name is compared as Go's HTTP transport
// dials it: a non-ASCII name is first mapped by IDNA's lookup profile
// (golang.org/x/net/idna, as net/http does), so us.posthog。com (U+3002) or
// us．posthog．com (U+FF0E) is Cloud. A host that does not parse or map
// counts as Cloud, so that the stricter limits apply until New reports the
// error.
func IsCloudHost(host string) bool {
	u, err := normalizeHost(host, true)
	if err != nil {
		return true
	}
	name := u.Hostname()
	if strings.IndexFunc(name, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0 {
		if name, err = idna.Lookup.ToASCII(name); err != nil {
			return true
		}
	}
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	return name == "posthog.com" || strings.HasSuffix(name, ".posthog.com")
}

// NormalizeHost returns the base URL New would send requests to for host
// (as Client.Host), or the error New would return for it; insecureHTTP is
// WithInsecureHTTP. Like New's, its errors never echo a password the URL
// holds.
func NormalizeHost(host string, insecureHTTP bool) (string, error) {
	u, err := normalizeHost(host, insecureHTTP)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}
