package posthog_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hogaudit/hogaudit/internal/fuzzcorpus"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzDecoders from the simulator's Acme (TestWriteFuzzSeeds)")

// fuzzEndpoint is one client method and the path the simulator serves its
// first page at (role_memberships: that of Acme's first role).
type fuzzEndpoint struct {
	name string
	path string
	call func(ctx context.Context, c *posthog.Client) (any, error)
}

var fuzzSince = time.Date(2026, 10, 28, 12, 0, 0, 0, time.UTC)

func orgEndpoint(rest string) string {
	return "/api/organizations/" + posthogsim.AcmeOrgID + "/" + rest
}

func projectEndpoint(rest string) string {
	return fmt.Sprintf("/api/projects/%d/%s", posthogsim.AcmeProductionID, rest)
}

// fuzzEndpoints are every response type the client decodes.
var fuzzEndpoints = []fuzzEndpoint{
	{"organization", orgEndpoint(""), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.Organization(ctx, posthogsim.AcmeOrgID)
	}},
	{"current_user", "/api/users/@me/", func(ctx context.Context, c *posthog.Client) (any, error) { return c.CurrentUser(ctx) }},
	{"preflight", "/_preflight/", func(ctx context.Context, c *posthog.Client) (any, error) { return c.Preflight(ctx) }},
	{"members", orgEndpoint("members/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.Members(ctx, posthogsim.AcmeOrgID)
	}},
	{"invites", orgEndpoint("invites/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.Invites(ctx, posthogsim.AcmeOrgID)
	}},
	{"domains", orgEndpoint("domains/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.Domains(ctx, posthogsim.AcmeOrgID)
	}},
	{"identity_provider_configs", orgEndpoint("identity_provider_configs/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.IdentityProviderConfigs(ctx, posthogsim.AcmeOrgID)
	}},
	{"roles", orgEndpoint("roles/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.Roles(ctx, posthogsim.AcmeOrgID)
	}},
	{"role_memberships", "(the first role's)", func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.RoleMemberships(ctx, posthogsim.AcmeOrgID, "role-1")
	}},
	{"projects", orgEndpoint("projects/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.Projects(ctx, posthogsim.AcmeOrgID)
	}},
	{"project", projectEndpoint(""), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.Project(ctx, posthogsim.AcmeProductionID)
	}},
	{"access_controls", projectEndpoint("access_controls/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.AccessControls(ctx, posthogsim.AcmeProductionID)
	}},
	{"resource_access_controls", projectEndpoint("resource_access_controls/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.ResourceAccessControls(ctx, posthogsim.AcmeProductionID)
	}},
	{"users_with_access", projectEndpoint("users_with_access/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.UsersWithAccess(ctx, posthogsim.AcmeProductionID)
	}},
	{"explicit_members", projectEndpoint("explicit_members/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.ExplicitMembers(ctx, posthogsim.AcmeProductionID)
	}},
	{"activity_log", projectEndpoint("activity_log/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.ActivityLog(ctx, posthogsim.AcmeProductionID, fuzzSince)
	}},
	{"organization_activity_log", orgEndpoint("advanced_activity_logs/"), func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.OrganizationActivityLog(ctx, posthogsim.AcmeOrgID, fuzzSince)
	}},
	{"personal_api_key", "/api/personal_api_keys/@current/", func(ctx context.Context, c *posthog.Client) (any, error) {
		return c.CurrentPersonalAPIKey(ctx)
	}},
}

// fuzzEndpointNamed returns the endpoint called name, or for another name
// one chosen by its length, so that every input calls some decoder.
func fuzzEndpointNamed(name string) fuzzEndpoint {
	for _, ep := range fuzzEndpoints {
		if ep.name == name {
			return ep
		}
	}
	return fuzzEndpoints[len(name)%len(fuzzEndpoints)]
}

// FuzzDecoders serves arbitrary bytes, with status 200, as every response
// of a server and calls one client method (named by endpoint) against it:
// the decoders of every response type, with the pagination that follows
// their next links and counts. No input may panic or hang past the call's
// deadline, and a result the client accepts must encode as JSON again.
func FuzzDecoders(f *testing.F) {
	f.Fuzz(func(t *testing.T, endpoint string, body []byte) {
		ep := fuzzEndpointNamed(endpoint)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		})
		hc, base, closeFn := posthogsim.ServeInMemory(h)
		defer closeFn()
		c, err := posthog.New(base, posthogsim.AcmeScannerToken,
			posthog.WithHTTPClient(hc), posthog.WithRetry(1, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		v, err := ep.call(ctx, c)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%s took %v, past its deadline", ep.name, d)
		}
		if err != nil {
			return
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("%s: the decoded value does not encode: %v", ep.name, err)
		}
	})
}

// TestWriteFuzzSeeds rewrites FuzzDecoders' seed corpus, when run with
// -write-fuzz-seeds: each endpoint's response from the simulated Acme (the
// newest and the 2025 deployment), plus hand-made pages that exercise
// pagination.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeFuzzSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite testdata/fuzz/FuzzDecoders")
	}
	for _, d := range []posthogsim.Deployment{posthogsim.Newest, posthogsim.Deployment2025} {
		srv := httptest.NewServer(posthogsim.New(posthogsim.Acme(now), posthogsim.WithDeployment(d)))
		for _, ep := range fuzzEndpoints {
			path := ep.path
			if ep.name == "role_memberships" {
				path = orgEndpoint("roles/" + posthogsim.Acme(now).Roles[0].ID + "/role_memberships/")
			}
			req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+posthogsim.AcmeScannerToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				continue // not served on this deployment
			}
			if err := fuzzcorpus.Write(".", "FuzzDecoders", ep.name+"-"+d.String(), ep.name, b); err != nil {
				t.Fatal(err)
			}
		}
		srv.Close()
	}
	pages := []struct{ name, endpoint, body string }{
		{"members-paged", "members", `{"count": 3, "next": "/api/organizations/x/members/?limit=1&offset=1", "previous": null, "results": [` +
			`{"id": "m1", "user": {"id": 1, "uuid": "u1", "email": "a@x"}, "level": 1, "joined_at": "2026-01-01T00:00:00Z"}]}`},
		{"activity_log-cursor", "activity_log", `{"next": "/api/projects/1/activity_log/?cursor=abc", "results": [` +
			`{"id": "a1", "created_at": "2026-11-01T00:00:00Z", "scope": "FeatureFlag", "activity": "deleted", "item_id": "7", "detail": null}]}`},
		{"roles-bare", "roles", `[{"id": "r1", "name": "Engineering", "members": []}]`},
		// A count the pages cannot hold: it must cost one request, not
		// an allocation of the count.
		{"members-huge-count", "members", `{"count": 100000000000, "next": "/api/organizations/x/members/?limit=1&offset=1", "results": []}`},
	}
	for _, p := range pages {
		if err := fuzzcorpus.Write(".", "FuzzDecoders", p.name, p.endpoint, []byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
}
