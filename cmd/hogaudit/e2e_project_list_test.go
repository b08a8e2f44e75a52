package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
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
	t.Parallel()
	for _, tc := range []struct {
		name string
		drop func(id float64) bool
		want string
	}{
		{"empty", nil, `projects does not list 12345 "Production", 12346 "Staging"`},
		{"without Production", func(id float64) bool { return id == float64(posthogsim.AcmeProductionID) }, `projects does not list 12345 "Production",`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
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
		t.Parallel()
		h := newWrappedHarness(t, nil, shortProjectList(func(float64) bool { return false }))
		rep, res := h.scanJSON()
		if res.code == 2 || !rep.Snapshot.Complete {
			t.Errorf("exit %d, complete %v; want the demo's verdict on complete evidence:\n%s", res.code, rep.Snapshot.Complete, res.stderr)
		}
	})
}

// A snapshot file whose organization names a project its project list
// lacks, with no record saying so, is refused (exit 2) — and the project's
// name, server-controlled, carries no key into the message.
func TestCheckRefusesAProjectListShorterThanTheOrganization(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	if res := h.run(scanArgs("--snapshot-out", "snap.json", "-q")...); res.code != 1 {
		t.Fatalf("scan: exit %d:\n%s", res.code, res.stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(readFile(t, h.path("snap.json"))), &doc); err != nil {
		t.Fatal(err)
	}
	secret := "phx_" + strings.Repeat("Zq9", 12)
	org := doc["organization"].(map[string]any)
	org["projects"] = append(org["projects"].([]any), map[string]any{"id": 999, "name": "Hidden " + secret})
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.path("doctored.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	res := h.run("check", "--snapshot", "doctored.json")
	if res.code != 2 || !strings.Contains(res.stderr, "projects does not list 999") {
		t.Errorf("check of the doctored snapshot: exit %d, want 2 naming project 999:\n%s", res.code, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, secret[4:]) {
		t.Errorf("a key in a project name reached the output:\n%s", res.stderr)
	}
	// Near miss: the snapshot as written checks.
	if res := h.run("check", "--snapshot", "snap.json"); res.code != 1 {
		t.Errorf("check of the snapshot as written: exit %d, want 1:\n%s", res.code, res.stderr)
	}
}
