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
