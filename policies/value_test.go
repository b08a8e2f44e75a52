package policies

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// TestToValueEqualsJSONRoundTrip holds the fast conversion of a snapshot
// equal to what its JSON encoding decodes to, for both deployment shapes
// and with missing sections.
func TestToValueEqualsJSONRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, dep := range []posthogsim.Deployment{posthogsim.Newest, posthogsim.Deployment2025} {
		sim := posthogsim.New(posthogsim.Acme(now), posthogsim.WithDeployment(dep))
		sim.DenyScope(posthogsim.AcmeScannerToken, "organization_member:read")
		srv := httptest.NewServer(sim)
		c, err := posthog.New(srv.URL, posthogsim.AcmeScannerToken)
		if err != nil {
			t.Fatal(err)
		}
		var audit []snapshot.AuditKey
		for env, tok := range posthogsim.AcmeAuditKeys {
			ac, _ := posthog.New(srv.URL, tok)
			audit = append(audit, snapshot.AuditKey{Env: env, Client: ac})
		}
		s, err := snapshot.Collect(context.Background(), c, snapshot.Options{AuditKeys: audit, Now: func() time.Time { return now }})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		fast, err := toValue(s)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var generic any
		if err := dec.Decode(&generic); err != nil {
			t.Fatal(err)
		}
		slow, err := ast.InterfaceToValue(generic)
		if err != nil {
			t.Fatal(err)
		}
		if fast.Compare(slow) != 0 {
			t.Errorf("deployment %v: toValue differs from the JSON round trip:\nfast %v\nslow %v", dep, fast, slow)
		}
	}
}
