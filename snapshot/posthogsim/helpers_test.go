package posthogsim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   any
}

// obj returns the body as an object, failing the test otherwise.
func (r reply) obj(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.body.(map[string]any)
	if !ok {
		t.Fatalf("body %s is not an object", r.raw)
	}
	return m
}

// results returns a page's results.
func (r reply) results(t *testing.T) []any {
	t.Helper()
	res, ok := r.obj(t)["results"].([]any)
	if !ok {
		t.Fatalf("body %s has no results", r.raw)
	}
	return res
}

// do sends a request to h in process, with token as bearer ("" for none).
func do(t *testing.T, h http.Handler, method, token, target string) reply {
	t.Helper()
	req := httptest.NewRequest(method, "http://posthog.test"+target, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	r := reply{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	if err := json.Unmarshal(r.raw, &r.body); err != nil {
		t.Fatalf("%s %s: body %q is not json: %v", method, target, r.raw, err)
	}
	return r
}

func get(t *testing.T, h http.Handler, token, target string) reply {
	t.Helper()
	return do(t, h, http.MethodGet, token, target)
}

// wantError checks an error reply against PostHog's body.
func wantError(t *testing.T, r reply, status int, typ, code, detail string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status = %d, want %d (body %s)", r.status, status, r.raw)
	}
	want := map[string]any{"type": typ, "code": code, "detail": detail, "attr": nil}
	got := r.obj(t)
	if len(got) != len(want) {
		t.Errorf("error body %s has other fields than %v", r.raw, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("error body %s: %s = %v, want %v", r.raw, k, got[k], v)
		}
	}
}

// keysOf returns the sorted keys of an object.
func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func newAcme(opts ...posthogsim.Option) *posthogsim.Server {
	return posthogsim.New(posthogsim.Acme(now), opts...)
}

const (
	scanner = posthogsim.AcmeScannerToken
	orgPath = "/api/organizations/" + posthogsim.AcmeOrgID + "/"
)
