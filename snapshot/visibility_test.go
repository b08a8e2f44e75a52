package snapshot_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xeipuuv/gojsonschema"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// memberScannerToken is a key with the scanning scopes owned by bi-bot, an
// organization member (level 1) whom a rule lets into Production only.
const memberScannerToken = "phx_memberScannerKeyOfBiBot00000000000000000"

// startAcmeWith serves Acme changed by mutate, with memberScannerToken added.
// rewrite, when set, edits the organization response on its way out.
func startAcmeWith(t *testing.T, mutate func(*posthogsim.Org), rewrite func(map[string]any)) *fixture {
	t.Helper()
	org := posthogsim.Acme(refNow)
	for _, m := range org.Members {
		if m.User.Email == "bi-bot@acme.example" {
			org.Keys = append(org.Keys, posthogsim.APIKey{
				ID: "0190a1b2-8888-7000-8000-0000000000fe", Label: "member-scanner", Token: memberScannerToken,
				UserID: m.User.ID, Scopes: posthogsim.MinimalScopes(), CreatedAt: refNow.AddDate(0, 0, -1),
			})
		}
	}
	if mutate != nil {
		mutate(org)
	}
	sim := posthogsim.New(org)
	var h http.Handler = sim
	if rewrite != nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/api/organizations/") || strings.Count(strings.Trim(r.URL.Path, "/"), "/") != 2 {
				sim.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			sim.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 200 {
				w.WriteHeader(rec.Code)
				_, _ = io.Copy(w, rec.Body)
				return
			}
			rewrite(body)
			_ = json.NewEncoder(w).Encode(body)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{sim: sim, srv: srv, org: org, budget: posthog.NewBudget(8, 0)}
}

func (f *fixture) collectWith(t *testing.T, token string) *snapshot.Snapshot {
	t.Helper()
	s, err := snapshot.Collect(context.Background(), f.client(t, token), snapshot.Options{
		Now: func() time.Time { return refNow },
	})
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	return s
}

// causes returns the records with a cause by section, and their sections in
// the snapshot's order.
func causes(s *snapshot.Snapshot) (map[string]snapshot.Missing, []string) {
	out := map[string]snapshot.Missing{}
	var secs []string
	for _, m := range s.Missing {
		if m.Cause != "" {
			out[m.Section] = m
			secs = append(secs, m.Section)
		}
	}
	return out, secs
}

func hideMembers(o *posthogsim.Org) {
	no := false
	o.MembersCanSeeOrgMembers = &no
}

func TestCollectMemberKeyRecordsHiddenProjects(t *testing.T) {
	t.Parallel()
	f := startAcmeWith(t, nil, nil)
	s := f.collectWith(t, memberScannerToken)
	if s.Complete() {
		t.Fatal("a member's snapshot lacks the private projects: it must not be complete")
	}
	recs, secs := causes(s)
	if diff := cmp.Diff([]string{snapshot.SectionProjects}, secs); diff != "" {
		t.Fatalf("partial sections (-want +got):\n%s", diff)
	}
	m := recs[snapshot.SectionProjects]
	if m.Cause != snapshot.CauseScannerNotAdmin || m.ScannerLevel == nil || *m.ScannerLevel != 1 || m.Status != 200 ||
		m.Endpoint != "/api/organizations/"+posthogsim.AcmeOrgID+"/projects/" {
		t.Errorf("record %+v", m)
	}
	for _, w := range []string{"organization member (level 1)", "private projects", "organization admin's or owner's key"} {
		if !strings.Contains(m.Reason, w) {
			t.Errorf("reason %q lacks %q", m.Reason, w)
		}
	}
	if !s.Partial(snapshot.SectionProjects) || s.Partial(snapshot.SectionMembers) {
		t.Errorf("Partial: projects %v members %v", s.Partial(snapshot.SectionProjects), s.Partial(snapshot.SectionMembers))
	}
	// What the key could read is kept: Production only; the member list is
	// whole (members_can_see_org_members is on).
	if len(s.Projects) != 1 || s.Projects[0].ID != posthogsim.AcmeProductionID {
		t.Errorf("projects = %+v, want Production alone", s.Projects)
	}
	if len(s.Members) != len(f.org.Members) {
		t.Errorf("members = %d, want all %d", len(s.Members), len(f.org.Members))
	}
	// Near miss: the owner's key of the same organization is complete.
	if o := f.collectWith(t, posthogsim.AcmeScannerToken); !o.Complete() || o.Partial(snapshot.SectionProjects) {
		t.Errorf("the owner's snapshot: missing %+v", o.Missing)
	}
}

func TestCollectMemberKeyWithHiddenMembers(t *testing.T) {
	t.Parallel()
	f := startAcmeWith(t, hideMembers, nil)
	s := f.collectWith(t, memberScannerToken)
	recs, secs := causes(s)
	if diff := cmp.Diff([]string{snapshot.SectionMembers, snapshot.SectionRoles, snapshot.SectionProjects}, secs); diff != "" {
		t.Fatalf("partial sections (-want +got):\n%s", diff)
	}
	for _, sec := range []string{snapshot.SectionMembers, snapshot.SectionRoles} {
		if r := recs[sec]; !strings.Contains(r.Reason, "members_can_see_org_members is off") || *r.ScannerLevel != 1 {
			t.Errorf("%s record %+v", sec, r)
		}
	}
	if len(s.Members) >= len(f.org.Members) {
		t.Errorf("the simulator should have hidden members from bi-bot, got %d", len(s.Members))
	}
	// Near miss: the owner sees everyone, so the setting leaves it complete.
	if o := f.collectWith(t, posthogsim.AcmeScannerToken); !o.Complete() {
		t.Errorf("the owner's snapshot: missing %+v", o.Missing)
	}
}

func TestCollectUnknownLevelIsNotAdmin(t *testing.T) {
	t.Parallel()
	f := startAcmeWith(t, nil, func(org map[string]any) { org["membership_level"] = nil })
	s := f.collectWith(t, posthogsim.AcmeScannerToken)
	recs, _ := causes(s)
	m, ok := recs[snapshot.SectionProjects]
	if !ok || m.Cause != snapshot.CauseScannerNotAdmin || m.ScannerLevel != nil || !strings.Contains(m.Reason, "membership_level is null") {
		t.Fatalf("a null membership_level must not pass for admin: %+v", s.Missing)
	}
	// Absent altogether: the same.
	f = startAcmeWith(t, nil, func(org map[string]any) { delete(org, "membership_level") })
	if recs, _ := causes(f.collectWith(t, posthogsim.AcmeScannerToken)); recs[snapshot.SectionProjects].Cause != snapshot.CauseScannerNotAdmin {
		t.Errorf("an absent membership_level must not pass for admin")
	}
	// An older deployment without members_can_see_org_members restricts no
	// member list: only the projects are partial.
	f = startAcmeWith(t, nil, func(org map[string]any) {
		org["membership_level"] = 1
		delete(org, "members_can_see_org_members")
	})
	if _, secs := causes(f.collectWith(t, posthogsim.AcmeScannerToken)); !cmp.Equal(secs, []string{snapshot.SectionProjects}) {
		t.Errorf("partial sections %v, want projects alone", secs)
	}
}

func TestCollectUnreadableOrganizationConfirmsNothing(t *testing.T) {
	t.Parallel()
	f := startAcmeWith(t, nil, nil)
	f.sim.DenyScope(posthogsim.AcmeScannerToken, "organization:read")
	s := f.collectWith(t, posthogsim.AcmeScannerToken)
	recs, secs := causes(s)
	// roles needs organization:read itself: its own record says so.
	if diff := cmp.Diff([]string{snapshot.SectionMembers, snapshot.SectionProjects}, secs); diff != "" {
		t.Fatalf("unconfirmed sections (-want +got):\n%s", diff)
	}
	for _, m := range recs {
		if m.Cause != snapshot.CauseScannerLevelUnknown || m.Scope != "organization:read" || m.ScannerLevel != nil {
			t.Errorf("record %+v", m)
		}
	}
	if !s.Partial(snapshot.SectionProjects) {
		t.Error("the project list cannot be taken as the whole")
	}
}

func TestCollectPartialSnapshotMatchesSchema(t *testing.T) {
	t.Parallel()
	schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(snapshot.Schema))
	if err != nil {
		t.Fatal(err)
	}
	f := startAcmeWith(t, hideMembers, nil)
	res, err := schema.Validate(gojsonschema.NewBytesLoader(marshal(t, f.collectWith(t, memberScannerToken))))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors() {
		t.Error(e)
	}
	// The schema knows the causes: a made-up one is refused.
	s := f.collectWith(t, memberScannerToken)
	s.Missing[0].Cause = "bogus"
	if res, _ := schema.Validate(gojsonschema.NewBytesLoader(marshal(t, s))); res.Valid() {
		t.Error("the schema should refuse an unknown cause")
	}
}

func TestLoadRestoresWhatAnOlderWriterLeftOut(t *testing.T) {
	t.Parallel()
	f := startAcmeWith(t, hideMembers, nil)
	s := f.collectWith(t, memberScannerToken)
	want := append([]snapshot.Missing{}, s.Missing...)
	// An older hogaudit wrote no such records.
	s.Missing = []snapshot.Missing{}
	path := t.TempDir() + "/older.json"
	if err := snapshot.Write(path, s); err != nil {
		t.Fatal(err)
	}
	got, err := snapshot.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.Missing); diff != "" {
		t.Errorf("records restored on load (-want +got):\n%s", diff)
	}
	// Loading a snapshot that has them does not add them twice.
	if err := snapshot.Write(path, got); err != nil {
		t.Fatal(err)
	}
	again, err := snapshot.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Missing) != len(want) {
		t.Errorf("records doubled: %+v", again.Missing)
	}
	// Near miss: the owner's snapshot loads complete.
	if err := snapshot.Write(path, f.collectWith(t, posthogsim.AcmeScannerToken)); err != nil {
		t.Fatal(err)
	}
	if o, err := snapshot.Load(path); err != nil || !o.Complete() {
		t.Errorf("the owner's snapshot: %v %+v", err, o.Missing)
	}
}
