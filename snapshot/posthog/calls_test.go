package posthog

import "testing"

func TestEndpointPattern(t *testing.T) {
	for in, want := range map[string]string{
		"/api/organizations/0190a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b/members/?limit=100": "/api/organizations/{id}/members/",
		"/api/projects/12345/access_controls/":                                       "/api/projects/{id}/access_controls/",
		"/api/organizations/@current/":                                               "/api/organizations/@current/",
		"/api/personal_api_keys/@current/":                                           "/api/personal_api_keys/@current/",
		"/api/environments/2/activity_log/":                                          "/api/environments/{id}/activity_log/",
	} {
		if got := endpointPattern(in); got != want {
			t.Errorf("endpointPattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCallLogSumsCounts(t *testing.T) {
	c0 := &Client{}
	l := &c0.calls
	one, two := 1, 2
	l.request("/api/x/1/")
	l.page("/api/x/1/", 3, &one)
	l.page("/api/x/2/", 4, &two)
	l.page("/api/x/2/", 5, nil)
	c := c0.Calls()
	if len(c) != 1 || c[0].Requests != 1 || c[0].Pages != 3 || c[0].Items != 12 || c[0].Count == nil || *c[0].Count != 3 {
		t.Errorf("calls = %+v", c)
	}
}

// TestMergeCalls adds the calls of several clients up by endpoint; near
// miss: an endpoint only one client called keeps its own figures, and a
// count only one list has stays that list's.
func TestMergeCalls(t *testing.T) {
	two := 2
	got := MergeCalls(
		[]Call{{Endpoint: "/api/personal_api_keys/@current/", Requests: 1}, {Endpoint: "/api/projects/", Requests: 1, Pages: 1, Items: 2, Count: &two}},
		[]Call{{Endpoint: "/api/personal_api_keys/@current/", Requests: 1}},
		nil,
	)
	if len(got) != 2 || got[0].Endpoint != "/api/personal_api_keys/@current/" || got[0].Requests != 2 {
		t.Fatalf("merged %+v", got)
	}
	if p := got[1]; p.Requests != 1 || p.Items != 2 || p.Count == nil || *p.Count != 2 {
		t.Errorf("projects %+v", p)
	}
}
