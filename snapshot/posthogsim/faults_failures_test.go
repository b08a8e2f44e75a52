package posthogsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

func TestStallAndProxyFaults(t *testing.T) {
	sim := newAcme()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	me := "/api/users/@me/"

	// get sends a GET that gives up after d.
	get := func(t *testing.T, path string, d time.Duration) (*http.Response, []byte, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+scanner)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}

	t.Run("stalled headers", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultStallHeaders})
		start := time.Now()
		_, _, err := get(t, me, 200*time.Millisecond)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 200*time.Millisecond {
			t.Errorf("err = %v after %v, want no headers before the client gave up", err, time.Since(start))
		}
	})
	t.Run("stalled body", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultStallBody})
		resp, body, err := get(t, me, 200*time.Millisecond)
		if resp == nil || resp.StatusCode != 200 || resp.ContentLength <= int64(len(body)) || len(body) == 0 ||
			!errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, %d bytes, %v; want 200 headers, part of the body, then nothing", resp, len(body), err)
		}
	})
	t.Run("html", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultHTML})
		resp, body, err := get(t, me, 5*time.Second)
		if err != nil || resp.StatusCode != 502 || resp.Header.Get("Content-Type") != "text/html" ||
			!strings.HasPrefix(string(body), "<html>") || json.Valid(body) || resp.Header.Get("Retry-After") != "" {
			t.Errorf("got %v %s %v", resp, body, err)
		}
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.FaultHTML, Status: 404, RetryAfter: "3"})
		resp, body, err = get(t, me, 5*time.Second)
		if err != nil || resp.StatusCode != 404 || !strings.Contains(string(body), "404 Not Found") || resp.Header.Get("Retry-After") != "3" {
			t.Errorf("got %v %s %v", resp, body, err)
		}
	})
	t.Run("500 with Retry-After", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "@me", Kind: posthogsim.Fault500, RetryAfter: "0"})
		resp, _, err := get(t, me, 5*time.Second)
		if err != nil || resp.StatusCode != 500 || resp.Header.Get("Retry-After") != "0" {
			t.Errorf("got %v %v", resp, err)
		}
	})
	t.Run("redirect", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultRedirect, Target: "http://other.example"})
		resp, _, err := get(t, orgPath+"members/?limit=2", 5*time.Second)
		if err != nil || resp.StatusCode != 302 || resp.Header.Get("Location") != "http://other.example"+orgPath+"members/?limit=2" {
			t.Errorf("got %v %v", resp, err)
		}
	})
	t.Run("foreign next to a target", func(t *testing.T) {
		sim.Inject(posthogsim.Fault{Path: "/members/", Kind: posthogsim.FaultForeignNext, Target: "http://other.example"})
		_, body, err := get(t, orgPath+"members/", 5*time.Second)
		var page struct{ Next string }
		if err != nil || json.Unmarshal(body, &page) != nil || !strings.HasPrefix(page.Next, "http://other.example"+orgPath+"members/") {
			t.Errorf("next = %q (%v)", page.Next, err)
		}
	})
	t.Run("faults are used up", func(t *testing.T) {
		if resp, _, err := get(t, me, 5*time.Second); err != nil || resp.StatusCode != 200 {
			t.Errorf("got %v %v after every fault was used", resp, err)
		}
	})
}
