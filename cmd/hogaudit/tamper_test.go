package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xeipuuv/gojsonschema"

	"github.com/hogaudit/hogaudit/examples"
	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/policies"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
	"github.com/hogaudit/hogaudit/snapshot/posthog"
	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// The tampering property (issue 8, item 4): a snapshot cannot be doctored
// into a pass. Every single edit of a snapshot collected from the simulated
// organization — each section and each project's part removed or nulled,
// not_applicable forged on every record and every section, each missing
// record dropped, each list replaced by [], the fields that decide
// completeness flipped — is checked as `hogaudit check` checks a file
// (snapshot.Decode, the engine, report.ExitCode; a load error is exit 2),
// and the exit code must never be 0. The edits that open a hole in the
// evidence must end in exit 2 exactly. Several bases cover the kinds of
// records a collection writes; each is judged with --fail-on high and with
// --fail-on critical, where only one finding (PH212 on the protected
// project) fails, so that an edit hiding it cannot hide behind the others.

// tamperBase is one collected snapshot to tamper with.
type tamperBase struct {
	name string
	org  orgChange
	opts []posthogsim.Option
	// setup prepares the simulator; it may replace audit keys' tokens.
	setup func(sim *posthogsim.Server, audit map[string]string)
	// failPaths answer 500 (no retry is made) for exactly these paths.
	failPaths []string
	// failOn are the thresholds the base fails at (exit 1 or 2 untampered).
	failOn []string
	// underRace keeps the base when the race detector slows every check:
	// the property does not depend on scheduling, so under -race two bases
	// (a complete one with --fail-on critical, one with every kind of
	// per-project and per-key record) keep it to seconds and still run the
	// checks concurrently; without -race every base runs.
	underRace bool
}

var tamperBases = []tamperBase{
	{name: "newest complete", failOn: []string{"high", "critical"}, underRace: true},
	{name: "2025 deployment", opts: []posthogsim.Option{posthogsim.WithDeployment(posthogsim.Deployment2025)}, failOn: []string{"high", "critical"}},
	{
		// 2024's entitlement: the private project admits only its explicit
		// members, whom the 2025 deployment still serves.
		name: "legacy private project",
		org: func(o *posthogsim.Org) {
			o.Features = slices.DeleteFunc(slices.Clone(o.Features), func(f string) bool {
				return f == "access_control" || f == "advanced_permissions" || f == "role_based_access"
			})
			o.Features = append(o.Features, "project_based_permissioning")
			p := project(o, "Production")
			p.AccessControl = true
			p.ExplicitMembers = []posthogsim.ExplicitMember{{ID: "em-dan", MemberID: member(o, "dan@acme.example").ID, Level: posthogsim.LevelMember, JoinedAt: refNow.AddDate(0, -1, 0)}}
		},
		opts:   []posthogsim.Option{posthogsim.WithDeployment(posthogsim.Deployment2025)},
		failOn: []string{"high"},
	},
	{
		name: "access rules denied",
		setup: func(sim *posthogsim.Server, _ map[string]string) {
			sim.DenyScope(posthogsim.AcmeScannerToken, "access_control:read")
		},
		failOn: []string{"high"},
	},
	{
		name:   "a member's key",
		org:    func(o *posthogsim.Org) { member(o, "alice@acme.example").Level = posthogsim.LevelMember },
		failOn: []string{"high"},
	},
	{
		// An audit key rejected; one project's rules, detail and activity
		// log unreadable; the organization-wide log refused: per-project
		// and per-key records.
		name: "per-project and per-key holes",
		setup: func(sim *posthogsim.Server, audit map[string]string) {
			audit["ACME_LEGACY_KEY"] = "phx_rejected0000000000000000000000000000000"
		},
		failPaths: []string{
			"/api/projects/12346/access_controls/", "/api/projects/12346/", "/api/projects/12346/activity_log/",
			"/api/organizations/" + posthogsim.AcmeOrgID + "/advanced_activity_logs/",
		},
		failOn:    []string{"high"},
		underRace: true,
	},
}

// collect collects the base from a simulated Acme, without retries.
func (b tamperBase) collect(t *testing.T) []byte {
	t.Helper()
	org := posthogsim.Acme(refNow)
	if b.org != nil {
		b.org(org)
	}
	sim := posthogsim.New(org, append([]posthogsim.Option{posthogsim.WithClock(func() time.Time { return refNow })}, b.opts...)...)
	audit := maps.Clone(posthogsim.AcmeAuditKeys)
	if b.setup != nil {
		b.setup(sim, audit)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slices.Contains(b.failPaths, r.URL.Path) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"type": "server_error", "code": "error", "detail": "A server error occurred.", "attr": null}`))
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client := func(token string) *posthog.Client {
		c, err := posthog.New(srv.URL, token, posthog.WithRetry(1, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var keys []snapshot.AuditKey
	for _, env := range slices.Sorted(maps.Keys(audit)) {
		keys = append(keys, snapshot.AuditKey{Env: env, Client: client(audit[env])})
	}
	s, err := snapshot.Collect(context.Background(), client(posthogsim.AcmeScannerToken), snapshot.Options{
		AuditKeys: keys, Now: func() time.Time { return refNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// tampering is one single edit of a snapshot document.
type tampering struct {
	name string
	// hole says the edit opens a hole in the evidence: exit 2 exactly.
	hole bool
	edit func(doc map[string]any)
}

// sectionFields are the snapshot's top-level evidence fields.
var sectionFields = []string{
	"organization", "current_user", "members", "invites", "domains", "identity_provider_configs", "roles",
	"projects", "activity_log", "organization_activity_log", "activity_log_source", "api_keys", "audit_key_envs", "instance",
}

// projectFields are a project's per-project evidence fields. created_at is
// not one: it comes from the project's detail, read only when the projects'
// activity logs stand in for the organization's, and feeds no rule.
var projectFields = []string{"access_controls", "resource_access_controls", "users_with_access", "explicit_members"}

func projectsOf(doc map[string]any) []any {
	ps, _ := doc["projects"].([]any)
	return ps
}

func recordsOf(doc map[string]any) []any {
	ms, _ := doc["missing"].([]any)
	return ms
}

// tamperings lists every single edit of doc (which it does not change).
func tamperings(doc map[string]any) []tampering {
	var out []tampering
	for _, k := range sectionFields {
		_, present := doc[k]
		held := present && doc[k] != nil
		out = append(out,
			tampering{"remove " + k, held, func(d map[string]any) { delete(d, k) }},
			tampering{"null " + k, held, func(d map[string]any) { d[k] = nil }},
		)
	}
	for i, p := range projectsOf(doc) {
		for _, k := range projectFields {
			held := p.(map[string]any)[k] != nil
			out = append(out,
				tampering{fmt.Sprintf("remove projects[%d].%s", i, k), held, func(d map[string]any) { delete(projectsOf(d)[i].(map[string]any), k) }},
				tampering{fmt.Sprintf("null projects[%d].%s", i, k), held, func(d map[string]any) { projectsOf(d)[i].(map[string]any)[k] = nil }},
			)
		}
		ac, _ := p.(map[string]any)["access_control"].(bool)
		out = append(out, tampering{fmt.Sprintf("flip projects[%d].access_control", i), true, func(d map[string]any) {
			projectsOf(d)[i].(map[string]any)["access_control"] = !ac
		}})
	}
	for i, r := range recordsOf(doc) {
		rec := r.(map[string]any)
		out = append(out, tampering{fmt.Sprintf("drop missing[%d] (%s)", i, rec["section"]), true, func(d map[string]any) {
			d["missing"] = slices.Delete(slices.Clone(recordsOf(d)), i, i+1)
		}})
		if rec["not_applicable"] != true {
			out = append(out, tampering{fmt.Sprintf("forge not_applicable on missing[%d] (%s)", i, rec["section"]), true, func(d map[string]any) {
				recordsOf(d)[i].(map[string]any)["not_applicable"] = true
			}})
		}
	}
	// not_applicable forged for every section, and every project's part.
	forge := func(section string, project any, held bool) tampering {
		name := "forge a not_applicable record of " + section
		if project != nil {
			name += fmt.Sprintf(" for project %v", project)
		}
		return tampering{name, held, func(d map[string]any) {
			r := map[string]any{"section": section, "endpoint": "/forged/", "status": 404, "detail": "", "not_applicable": true, "reason": "not applicable on this deployment"}
			if project != nil {
				r["project_id"] = project
			}
			d["missing"] = append(slices.Clone(recordsOf(d)), r)
		}}
	}
	for _, sec := range snapshot.Sections {
		held := true
		switch sec {
		case snapshot.SectionIdentityProviderConfigs:
			held = doc[sec] != nil
		case snapshot.SectionUsersWithAccess, snapshot.SectionExplicitMembers:
			held = false
			for _, p := range projectsOf(doc) {
				held = held || p.(map[string]any)[sec] != nil
			}
		}
		out = append(out, forge(sec, nil, held))
	}
	for _, p := range projectsOf(doc) {
		pm := p.(map[string]any)
		for _, sec := range []string{"access_controls", "resource_access_controls", "users_with_access", "explicit_members", "activity_log", "projects"} {
			held := true
			if sec == snapshot.SectionUsersWithAccess || sec == snapshot.SectionExplicitMembers {
				held = pm[sec] != nil
			}
			out = append(out, forge(sec, pm["id"], held))
		}
	}
	// Every non-empty list, at any depth, replaced by [].
	var walk func(path []any, v any)
	walk = func(path []any, v any) {
		switch x := v.(type) {
		case []any:
			if len(x) > 0 {
				p := slices.Clone(path)
				out = append(out, tampering{"empty " + pathString(p), false, func(d map[string]any) { setPath(d, p, []any{}) }})
			}
			for i, e := range x {
				walk(append(slices.Clone(path), i), e)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(append(slices.Clone(path), k), x[k])
			}
		}
	}
	walk(nil, doc)
	// The organization response decides what the scanning key saw.
	if org, ok := doc["organization"].(map[string]any); ok {
		for _, level := range []float64{1, 8, 15} {
			if org["membership_level"] != level {
				hole := level < 8 && org["membership_level"].(float64) >= 8
				out = append(out, tampering{fmt.Sprintf("set organization.membership_level %v", level), hole, func(d map[string]any) {
					d["organization"].(map[string]any)["membership_level"] = level
				}})
			}
		}
		if v, ok := org["members_can_see_org_members"].(bool); ok {
			out = append(out, tampering{"flip organization.members_can_see_org_members", false, func(d map[string]any) {
				d["organization"].(map[string]any)["members_can_see_org_members"] = !v
			}})
		}
	}
	for _, k := range []string{"activity_log_source", "organization_activity_log"} {
		if src, ok := doc[k].(map[string]any); ok {
			other := "projects"
			if src["source"] == "projects" {
				other = "organization"
			}
			out = append(out, tampering{"set " + k + ".source " + other, false, func(d map[string]any) {
				d[k].(map[string]any)["source"] = other
			}})
		}
	}
	return out
}

func pathString(path []any) string {
	var b strings.Builder
	for i, p := range path {
		switch x := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", x)
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(x.(string))
		}
	}
	return b.String()
}

func setPath(doc map[string]any, path []any, v any) {
	var cur any = doc
	for _, p := range path[:len(path)-1] {
		switch x := p.(type) {
		case int:
			cur = cur.([]any)[x]
		default:
			cur = cur.(map[string]any)[x.(string)]
		}
	}
	switch x := path[len(path)-1].(type) {
	case int:
		cur.([]any)[x] = v
	default:
		cur.(map[string]any)[x.(string)] = v
	}
}

// checkExit is what `hogaudit check --snapshot FILE --fail-on T` exits
// with for the file b, for each threshold, and why.
func checkExit(t *testing.T, eng *policies.Engine, m *matrix.Matrix, b []byte, failOn []string) ([]int, string) {
	t.Helper()
	s, err := snapshot.Decode(b)
	if err != nil {
		codes := make([]int, len(failOn))
		for i := range codes {
			codes[i] = report.ExitIncomplete
		}
		return codes, "load error: " + err.Error()
	}
	rep, err := eng.Check(context.Background(), policies.CheckInput{Snapshot: s, Matrix: m, GeneratedAt: s.CollectedAt})
	if err != nil {
		// Check refuses what it cannot judge (no collected_at): exit 2.
		t.Errorf("check: %v", err)
		codes := make([]int, len(failOn))
		for i := range codes {
			codes[i] = report.ExitIncomplete
		}
		return codes, "check error: " + err.Error()
	}
	codes := make([]int, len(failOn))
	why := []string{}
	for i, f := range failOn {
		rep.Finalize(f)
		codes[i] = rep.ExitCode()
	}
	if !rep.Snapshot.Complete {
		why = append(why, "incomplete")
	}
	for _, ne := range rep.NotEvaluated {
		why = append(why, "not evaluated "+ne.Rule)
	}
	for _, f := range rep.Findings {
		if f.Suppressed == nil && !f.Advisory {
			why = append(why, f.Rule+" "+f.Severity)
		}
	}
	return codes, strings.Join(why, ", ")
}

func TestTamperedSnapshotsNeverPass(t *testing.T) {
	t.Parallel()
	eng, err := sharedEngine(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := matrix.Parse(examples.MatrixPath, examples.Matrix)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, base := range tamperBases {
		// Not parallel: each base checks its tamperings on every core
		// already, and they add to total.
		t.Run(base.name, func(t *testing.T) {
			if raceEnabled && !base.underRace {
				t.Skip("under the race detector only the bases marked underRace run")
			}
			raw := base.collect(t)
			codes, why := checkExit(t, eng, m, raw, base.failOn)
			for i, c := range codes {
				if c == 0 {
					t.Fatalf("the base passes at --fail-on %s untampered (%s)", base.failOn[i], why)
				}
				if strings.HasPrefix(why, "load error") {
					t.Fatalf("the collected snapshot does not load: %s", why)
				}
			}
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			ts := tamperings(doc)
			total += len(ts)

			// The checks run on every core: the engine is safe for
			// concurrent use.
			var wg sync.WaitGroup
			sem := make(chan struct{}, runtime.GOMAXPROCS(0))
			var mu sync.Mutex
			var failures []string
			for _, tm := range ts {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					var d map[string]any
					_ = json.Unmarshal(raw, &d)
					tm.edit(d)
					b, err := json.Marshal(d)
					if err != nil {
						panic(err)
					}
					codes, why := checkExit(t, eng, m, b, base.failOn)
					for i, c := range codes {
						bad := c == report.ExitClean || (tm.hole && c != report.ExitIncomplete)
						if bad {
							mu.Lock()
							failures = append(failures, fmt.Sprintf("%s: exit %d at --fail-on %s (%s)", tm.name, c, base.failOn[i], why))
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			sort.Strings(failures)
			for _, f := range failures {
				t.Error(f)
			}
		})
	}
	t.Logf("%d tamperings over %d bases", total, len(tamperBases))
}

// TestSchemaAgreesWithTheLoader: snapshot/schema.json accepts every
// tampered snapshot Load accepts (as Load reads it: a key left out is null
// to the loader), and refuses, as Load does, every not_applicable record
// where no deployment may lack the endpoint or that is not a 404. The
// schema cannot see across fields (a record against the data it explains);
// Load is the gate.
func TestSchemaAgreesWithTheLoader(t *testing.T) {
	t.Parallel()
	optional := map[string]bool{"identity_provider_configs": true, "users_with_access": true, "explicit_members": true}
	for _, base := range tamperBases {
		t.Run(base.name, func(t *testing.T) {
			t.Parallel()
			// A schema of its own: gojsonschema does not promise that one
			// may validate from many goroutines.
			schema, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(snapshot.Schema))
			if err != nil {
				t.Fatal(err)
			}
			validate := func(b []byte) *gojsonschema.Result {
				res, err := schema.Validate(gojsonschema.NewBytesLoader(b))
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			raw := base.collect(t)
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			if res := validate(raw); !res.Valid() {
				t.Fatalf("%s: the collected snapshot does not match the schema: %v", base.name, res.Errors())
			}
			for _, tm := range tamperings(doc) {
				var d map[string]any
				_ = json.Unmarshal(raw, &d)
				tm.edit(d)
				b, _ := json.Marshal(d)
				s, loadErr := snapshot.Decode(b)
				if loadErr == nil {
					read, err := snapshot.Marshal(s)
					if err != nil {
						t.Fatal(err)
					}
					if res := validate(read); !res.Valid() {
						t.Errorf("%s / %s: Load accepts it, the schema refuses: %v", base.name, tm.name, res.Errors())
					}
				}
				// A not_applicable the loader refuses for its section or status
				// the schema refuses too.
				valid := validate(b).Valid()
				for _, r := range recordsOf(d) {
					rec := r.(map[string]any)
					if rec["not_applicable"] != true {
						continue
					}
					sec, _ := rec["section"].(string)
					if (!optional[sec] || rec["status"] != float64(404) && rec["status"] != 404) && (valid || loadErr == nil) {
						t.Errorf("%s / %s: a not_applicable %s record with status %v: load error %v, schema valid %v", base.name, tm.name, sec, rec["status"], loadErr, valid)
					}
				}
			}
		})
	}
}

// TestCheckRefusesADoctoredSnapshot: through the real command, a doctored
// file exits 2 with a message naming the record or the section, and the
// hint to collect again; the untouched file checks as before.
func TestCheckRefusesADoctoredSnapshot(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	path := demoSnapshot(t, h)
	raw := readFile(t, path)
	for _, c := range []struct {
		name string
		edit func(d map[string]any)
		want string
	}{
		{"forged not_applicable", func(d map[string]any) {
			d["members"] = nil
			d["missing"] = []any{map[string]any{"section": "members", "endpoint": "/api/organizations/x/members/", "status": 404, "detail": "", "not_applicable": true, "reason": "not applicable on this deployment"}}
		}, "missing record 0 (members, /api/organizations/x/members/): says not_applicable, but every PostHog deployment has members"},
		{"a project's part nulled", func(d map[string]any) {
			projectsOf(d)[0].(map[string]any)["users_with_access"] = nil
		}, "project 12345's users_with_access is null, and no missing record of users_with_access says why"},
		{"a list emptied", func(d map[string]any) { d["members"] = []any{} },
			"members does not list the scanning key's own user alice@acme.example"},
	} {
		// Not parallel: the cases write one doctored.json in h.dir.
		t.Run(c.name, func(t *testing.T) {
			var d map[string]any
			if err := json.Unmarshal([]byte(raw), &d); err != nil {
				t.Fatal(err)
			}
			c.edit(d)
			b, _ := json.Marshal(d)
			edited := writeTemp(t, h.dir, "doctored.json", string(b))
			res := h.run("check", "--snapshot", edited, "--format", "json")
			if res.code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", res.code, res.stderr)
			}
			for _, w := range []string{
				"hogaudit: snapshot " + edited + ": the snapshot does not account for its own evidence: " + c.want,
				"hogaudit: hint: the file was edited or truncated, or written by an older hogaudit: collect a new one",
			} {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, res.stderr)
				}
			}
		})
	}
	// Near miss: the file as collected checks, with its findings.
	if res := h.run("check", "--snapshot", path, "--format", "json"); res.code != 1 {
		t.Errorf("the untouched snapshot: exit %d\n%s", res.code, res.stderr)
	}
}
