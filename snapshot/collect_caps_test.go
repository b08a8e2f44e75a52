package snapshot_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// Tests of the body caps of the responses that grow with the organization
// (/roles/ with its embedded members, users_with_access): sized from
// measured per-member bytes, from a member count the client can trust,
// and still a defence against a hostile server.

// longestUsers sets every UserBasic field of o's users to its PostHog
// model maximum: first_name and last_name 150 characters of 3-byte UTF-8
// (Django's AbstractUser), email 254 (EmailField), distinct_id 200.
func longestUsers(o *posthogsim.Org) {
	for i := range o.Members {
		u := &o.Members[i].User
		tag := fmt.Sprintf("%06d", i)
		u.FirstName = strings.Repeat("語", 150)
		u.LastName = strings.Repeat("語", 150)
		u.Email = tag + strings.Repeat("e", 254-len(tag)-len("@x.example")) + "@x.example"
		u.DistinctID = tag + strings.Repeat("d", 200-len(tag))
	}
}

// everyoneInRoles gives o n roles, each holding every member.
func everyoneInRoles(o *posthogsim.Org, n int) {
	base := o.Roles[0]
	o.Roles = nil
	for r := range n {
		role := base
		role.ID = fmt.Sprintf("0000ffff-%04x-7000-8000-000000000000", r)
		role.Name = fmt.Sprintf("everyone %d", r)
		role.Members = nil
		for i, m := range o.Members {
			role.Members = append(role.Members, posthogsim.RoleMember{
				ID: fmt.Sprintf("0000eeee-%04x-7000-8000-%012x", r, i), MemberID: m.ID, JoinedAt: m.JoinedAt,
			})
		}
		o.Roles = append(o.Roles, role)
	}
}

// getRaw returns the body of GET path from h with the synthetic scanner key.
func getRaw(t *testing.T, h http.Handler, path string) []byte {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+posthogsim.SyntheticScannerToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

// TestMemberAllowancesCoverPostHogRows measures what the simulator
// renders, PostHog's serializers' shapes, per role membership and per
// users_with_access row, at the longest users PostHog's models allow: the
// allowances hold them with the headroom their comments state, and are not
// loose past it (near miss: a factor far above the measure would let a
// hostile server make hogaudit read that much more).
func TestMemberAllowancesCoverPostHogRows(t *testing.T) {
	t.Parallel()
	const members = 400
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: members, Projects: 1, Seed: 21, Now: refNow, OneRole: true})
	short := posthogsim.New(org)
	shortRoles := len(getRaw(t, short, "/api/organizations/@current/roles/?limit=1000"))
	longestUsers(org)
	sim := posthogsim.New(org)
	roles := len(getRaw(t, sim, "/api/organizations/@current/roles/?limit=1000"))
	uwa := len(getRaw(t, sim, fmt.Sprintf("/api/projects/%d/users_with_access/", org.Projects[0].ID)))

	perShort, perLongest, perRow := shortRoles/members, roles/members, uwa/members
	t.Logf("a role membership: %d bytes (synthetic users), %d bytes (longest users); a users_with_access row: %d bytes", perShort, perLongest, perRow)
	// hedgehog_config, null in the simulator, is an unbounded JSONField
	// PostHog's app fills with a few hundred bytes, twice a membership.
	if perLongest+2*200 > posthog.RoleMembershipBytes {
		t.Errorf("a membership of the longest users takes %d bytes (+400 for hedgehog_config), over RoleMembershipBytes %d", perLongest, posthog.RoleMembershipBytes)
	}
	if perLongest < posthog.RoleMembershipBytes*3/4 {
		t.Errorf("RoleMembershipBytes %d is loose: the longest users take %d bytes", posthog.RoleMembershipBytes, perLongest)
	}
	if perRow*2 > posthog.UserAccessRowBytes || perRow*3 < posthog.UserAccessRowBytes {
		t.Errorf("a users_with_access row takes %d bytes: UserAccessRowBytes %d is not the twice-or-more headroom its comment states", perRow, posthog.UserAccessRowBytes)
	}
	// The largest organization hogaudit must collect, 60,000 members in
	// one role, with every member in RoleMembershipsPerMember roles of the
	// longest users, fits its cap — and with a dozen roles each at the
	// usual size.
	capFor := func(m int) int {
		return posthog.DefaultMaxBodyBytes + m*posthog.RoleMembershipsPerMember*posthog.RoleMembershipBytes
	}
	if body := 60000 * posthog.RoleMembershipsPerMember * perLongest; body > capFor(60000) {
		t.Errorf("60,000 members in %d roles of the longest users: %d bytes over the cap %d", posthog.RoleMembershipsPerMember, body, capFor(60000))
	}
	if body := 60000 * 12 * perShort; body > capFor(60000) {
		t.Errorf("60,000 members in 12 roles of synthetic users: %d bytes over the cap %d", body, capFor(60000))
	}
}

// TestRolesCapHoldsSeveralRolesPerMember: 1,500 members of the longest
// users, each in four roles (6,000 memberships, some 24 MB), are collected
// under a 4 MiB client cap; near miss: in six roles each the body outgrows
// what the allowance gives and /roles/ is recorded missing, naming the cap
// and how it was sized.
func TestRolesCapHoldsSeveralRolesPerMember(t *testing.T) {
	t.Parallel()
	const members = 1500
	cap4MiB := posthog.WithMaxBodyBytes(4 << 20)
	for _, c := range []struct {
		roles int
		fits  bool
	}{{posthog.RoleMembershipsPerMember, true}, {6, false}} {
		org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: members, Projects: 1, Seed: 22, Now: refNow, OneRole: true})
		longestUsers(org)
		everyoneInRoles(org, c.roles)
		s, err := collectSim(t, posthogsim.New(org), 4, snapshot.Options{}, cap4MiB)
		if err != nil {
			t.Fatal(err)
		}
		if c.fits {
			if !s.Complete() || len(s.Roles) != c.roles || len(s.Roles[0].Members) != members {
				t.Errorf("%d roles of everyone: %d roles read, missing %+v", c.roles, len(s.Roles), s.Missing)
			}
			continue
		}
		m, ok := missingSection(s, snapshot.SectionRoles)
		if !ok || s.Roles != nil {
			t.Fatalf("%d roles of everyone: read past the cap (%d roles), missing %+v", c.roles, len(s.Roles), s.Missing)
		}
		want := fmt.Sprintf("the response is larger than hogaudit's body cap: the body exceeds the %d KiB limit (4 MiB plus 16 KiB for each of %d members, as member_count counts them)", (4<<10)+members*16, members)
		if m.Reason != want {
			t.Errorf("reason = %q, want %q", m.Reason, want)
		}
	}
}

// missingSection returns s's organization-wide record of section.
func missingSection(s *snapshot.Snapshot, section string) (snapshot.Missing, bool) {
	for _, m := range s.Missing {
		if m.Section == section && m.ProjectID == nil {
			return m, true
		}
	}
	return snapshot.Missing{}, false
}

// endless serves sim, but answers paths ending in suffix with a role list
// that never ends (no Content-Length), counting the bytes it got to send;
// with announce, it announces a 2 GiB body instead, sends a little and
// hangs up.
func endless(sim http.Handler, suffix string, announce bool, sent *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, suffix) {
			sim.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if announce {
			w.Header().Set("Content-Length", strconv.Itoa(2<<30))
		}
		n, _ := io.WriteString(w, `{"count":1,"next":null,"previous":null,"results":[{"id":"0000ffff-0000-7000-8000-000000000000","name":"r","members":[`)
		sent.Add(int64(n))
		chunk := strings.Repeat(`{"id":"0000eeee-0000-7000-8000-000000000000","role_id":"0000ffff-0000-7000-8000-000000000000"},`, 100)
		for !announce && sent.Load() < 1<<30 {
			n, err := io.WriteString(w, chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
}

// TestRolesCapCutsOffALyingServer: a server claiming a million members,
// whose /roles/ body never ends, is cut off at a cap sized from the member
// list's own length, which the role list waits for; when the member list
// fails, at the cap the claim may size at most (MaxClaimedMembers), not a
// million members' worth. Either way /roles/ is recorded missing with a
// reason naming the cap and how it was sized; the near miss, an honest
// member_count, is cut off at its own cap.
func TestRolesCapCutsOffALyingServer(t *testing.T) {
	t.Parallel()
	const members = 300
	org := posthogsim.Synthetic(posthogsim.SyntheticConfig{Members: members, Projects: 1, Seed: 23, Now: refNow, OneRole: true})
	for _, c := range []struct {
		name         string
		claimed      int
		noMemberList bool
		sizedMembers int
		sizing       string // "" either source
	}{
		{"a million members claimed", 1_000_000, false, members, "the member list"},
		{"a million claimed and no member list", 1_000_000, true, posthog.MaxClaimedMembers, "member_count"},
		{"near miss: an honest claim", members, false, members, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int64
			h := endless(posthogsim.New(org), "/roles/", c.noMemberList, &sent)
			if c.noMemberList {
				inner := h
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasSuffix(r.URL.Path, "/members/") {
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusForbidden)
						_, _ = io.WriteString(w, `{"type":"authentication_error","code":"permission_denied","detail":"You do not have permission to perform this action.","attr":null}`)
						return
					}
					inner.ServeHTTP(w, r)
				})
			}
			h = rewrite(h, "/api/organizations/@current/", func(b map[string]any) { b["member_count"] = c.claimed })
			s, err := collectSim(t, h, 4, snapshot.Options{}, posthog.WithMaxBodyBytes(1<<20))
			if err != nil {
				t.Fatal(err)
			}
			m, ok := missingSection(s, snapshot.SectionRoles)
			if !ok || s.Roles != nil {
				t.Fatalf("an endless /roles/ was not cut off: %d roles, missing %+v", len(s.Roles), s.Missing)
			}
			limit := int64(1<<20) + int64(c.sizedMembers)*16<<10
			size := fmt.Sprintf("%d KiB", limit>>10)
			if limit%(1<<20) == 0 {
				size = fmt.Sprintf("%d MiB", limit>>20)
			}
			want := fmt.Sprintf("the response is larger than hogaudit's body cap: the body exceeds the %s limit (1 MiB plus 16 KiB for each of %d members, as ", size, c.sizedMembers)
			if c.sizing != "" {
				want += c.sizing + " counts them)"
			}
			if !strings.HasPrefix(m.Reason, want) {
				t.Errorf("reason = %q, want %q…", m.Reason, want)
			}
			// What the server got to send: the cap, and what the
			// connection's buffers took before the client hung up.
			if n := sent.Load(); n > limit+8<<20 {
				t.Errorf("the server sent %d bytes, past the %d-byte cap", n, limit)
			}
		})
	}
}

// TestMemberSizing: member_count sizes the caps up to MaxClaimedMembers
// until the member list's length is recorded, which then sizes them
// whatever the claim.
func TestMemberSizing(t *testing.T) {
	t.Parallel()
	s := posthog.NewMemberSizing(5_000_000)
	if n, from := s.Members(); n != posthog.MaxClaimedMembers || from != "member_count" {
		t.Errorf("a claim of 5,000,000: %d from %s", n, from)
	}
	s.Listed(70_000)
	if n, from := s.Members(); n != 70_000 || from != "the member list" {
		t.Errorf("after the list: %d from %s", n, from)
	}
	s = posthog.NewMemberSizing(-3)
	if n, _ := s.Members(); n != 0 {
		t.Errorf("a negative claim sizes %d members", n)
	}
	s.Listed(0)
	if n, from := s.Members(); n != 0 || from != "the member list" {
		t.Errorf("an empty list: %d from %s", n, from)
	}
}
