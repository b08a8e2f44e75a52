package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// shortProjectList serves the organization's project list without the
// projects drop keeps (all of them when drop is nil), with a count that
// matches what it serves: a list that adds up, but is short. Everything
// else, the organization response with its projects[] included, is
// PostHog's.
func shortProjectList(drop func(id float64) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/projects/") || !strings.HasPrefix(r.URL.Path, "/api/organizations/") {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var page map[string]any
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
				return
			}
			kept := []any{}
			for _, item := range page["results"].([]any) {
				if id, _ := item.(map[string]any)["id"].(float64); drop != nil && !drop(id) {
					kept = append(kept, item)
				}
			}
			page["results"], page["count"], page["next"] = kept, len(kept), nil
			var b bytes.Buffer
			_ = json.NewEncoder(&b).Encode(page)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(b.Bytes())
		})
	}
}

// A project list that adds up but lacks projects the organization response
// names (an empty one, or one without Production) is not the whole: the
// scan exits 2 and the record names the projects left out. Near miss: the
// whole list.
func TestScanOfAShortProjectListIsIncomplete(t *testing.T) {
	for _, tc := range []struct {
		name string
		drop func(id float64) bool
		want string
	}{
		{"empty", nil, `projects does not list 12345 "Production", 12346 "Staging"`},
		{"without Production", func(id float64) bool { return id == float64(posthogsim.AcmeProductionID) }, `projects does not list 12345 "Production",`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newWrappedHarness(t, nil, shortProjectList(tc.drop))
			res := h.run(scanArgs("--format", "json", "--snapshot-out", "snap.json")...)
			if res.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", res.code, res.stderr)
			}
			rep := decodeReport(t, []byte(res.stdout))
			if rep.Snapshot.Complete {
				t.Error("the report says the evidence is complete")
			}
			var snap struct {
				Missing []struct{ Section, Reason string } `json:"missing"`
			}
			if err := json.Unmarshal([]byte(readFile(t, h.path("snap.json"))), &snap); err != nil {
				t.Fatal(err)
			}
			named := false
			for _, m := range snap.Missing {
				named = named || m.Section == "projects" && strings.Contains(m.Reason, tc.want)
			}
			if !named {
				t.Errorf("no projects record names the projects left out (%s): %+v", tc.want, snap.Missing)
			}
			// The kept snapshot reads back as it was written: incomplete.
			if res := h.run("check", "--snapshot", "snap.json", "--format", "json"); res.code != 2 {
				t.Errorf("check of the kept snapshot: exit %d, want 2:\n%s", res.code, res.stderr)
			}
		})
	}
	t.Run("near miss: the whole list", func(t *testing.T) {
		h := newWrappedHarness(t, nil, shortProjectList(func(float64) bool { return false }))
		rep, res := h.scanJSON()
		if res.code == 2 || !rep.Snapshot.Complete {
			t.Errorf("exit %d, complete %v; want the demo's verdict on complete evidence:\n%s", res.code, rep.Snapshot.Complete, res.stderr)
		}
	})
}
