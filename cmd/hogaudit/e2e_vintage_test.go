package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hogaudit/hogaudit/snapshot/posthogsim"
)

// End-to-end tests of the access-control entitlement by vintage (issue 7,
// item 3): each PostHog vintage consults access rules under its own plan
// feature key only — the newest access_control, 2025 advanced_permissions
// (2024 also project_based_permissioning) — and hogaudit tells the vintage
// from the endpoints only the newest serves.

// withAccessKeys replaces Acme's access-control feature keys (Acme lists
// access_control and advanced_permissions) with keys.
func withAccessKeys(keys ...string) orgChange {
	return func(o *posthogsim.Org) {
		var fs []string
		for _, f := range o.Features {
			if f != "access_control" && f != "advanced_permissions" && f != "project_based_permissioning" {
				fs = append(fs, f)
			}
		}
		o.Features = append(fs, keys...)
	}
}

var openProduction = want{"PH205", "project:production_project", "production_project"}

// The newest PostHog enforces no rule for an organization listing only
// advanced_permissions: Production's default none is inert, and PH205 says
// the newest code needs access_control.
func TestE2ENewestPostHogNeedsAccessControl(t *testing.T) {
	t.Parallel()
	rep, res := scanOrg(t, posthogsim.Newest, withAccessKeys("advanced_permissions"))
	if res.code < 1 {
		t.Errorf("exit %d, want at least 1", res.code)
	}
	f := requireFinding(t, rep, openProduction)
	if !strings.Contains(f.Message, "lacks access_control, the plan feature under which the newest PostHog enforces") ||
		!strings.Contains(f.Message, "it lists advanced_permissions") {
		t.Errorf("PH205 message = %q", f.Message)
	}
	if f.Evidence["access_control_feature"] != false || f.Evidence["entitlement"] != nil ||
		f.Evidence["deployment_vintage"] != "newest" || fmt.Sprint(f.Evidence["listed_features"]) != "[advanced_permissions]" ||
		fmt.Sprint(f.Evidence["required_features"]) != "[access_control]" {
		t.Errorf("PH205 evidence = %v", f.Evidence)
	}
	// PostHog's own resolution shows every member admin on Production.
	if g := requireFinding(t, rep, want{"PH212", "member:bi-bot@acme.example", "production_project"}); g.Evidence["effective"] != "admin" {
		t.Errorf("bi-bot on Production = %v", g.Evidence)
	}

	// Near miss: the same organization on the 2025 deployment, whose code
	// checks advanced_permissions: the default none is enforced.
	old, _ := scanOrg(t, posthogsim.Deployment2025, withAccessKeys("advanced_permissions"))
	requireAbsent(t, old, openProduction)
	requireAbsent(t, old, want{"PH212", "member:bi-bot@acme.example", "production_project"})
	requireFinding(t, old, want{"PH212", "member:dan@acme.example", "production_project"})

	// Near miss: access_control on the newest, alone or beside
	// advanced_permissions (Acme as it is).
	for _, change := range []orgChange{withAccessKeys("access_control"), nil} {
		ok, _ := scanOrg(t, posthogsim.Newest, change)
		requireAbsent(t, ok, openProduction)
		requireAbsent(t, ok, want{"PH212", "member:bi-bot@acme.example", "production_project"})
	}
}

// The 2025 code never checks access_control: an organization listing only
// that key gets no rule enforced there; and with no key at all no
// deployment enforces any.
func TestE2EOlderPostHogIgnoresAccessControl(t *testing.T) {
	t.Parallel()
	rep, _ := scanOrg(t, posthogsim.Deployment2025, withAccessKeys("access_control"))
	f := requireFinding(t, rep, openProduction)
	if !strings.Contains(f.Message, "lacks advanced_permissions") || !strings.Contains(f.Message, "it lists access_control, which only the newest PostHog checks") {
		t.Errorf("PH205 message = %q", f.Message)
	}
	if f.Evidence["deployment_vintage"] != "older" {
		t.Errorf("PH205 evidence = %v", f.Evidence)
	}
	// 2024's key enforces them on the 2025 deployment, which stands for both.
	pbp, _ := scanOrg(t, posthogsim.Deployment2025, withAccessKeys("project_based_permissioning"))
	requireAbsent(t, pbp, openProduction)

	for _, dep := range bothDeployments {
		none, _ := scanOrg(t, dep, withAccessKeys())
		if f := requireFinding(t, none, openProduction); f.Evidence["access_control_feature"] != false || fmt.Sprint(f.Evidence["listed_features"]) != "[]" {
			t.Errorf("%s without a key: PH205 evidence = %v", dep, f.Evidence)
		}
	}
}

// When the snapshot cannot tell the vintage (users_with_access and
// identity_provider_configs both failed), every key counts — and the run is
// incomplete, so that belief can never make a clean pass.
func TestE2EUnknownVintageIsNeverAPass(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccessKeys("advanced_permissions"))
	for _, path := range []string{"/users_with_access/", "/identity_provider_configs/"} {
		h.sim.Inject(posthogsim.Fault{Path: path, Times: 100, Kind: posthogsim.Fault429, Seconds: 3600})
	}
	rep, res := h.scanJSON()
	if res.code != 2 || rep.Snapshot.Complete {
		t.Errorf("exit %d, complete %v; want 2 and incomplete", res.code, rep.Snapshot.Complete)
	}
	var missing []string
	for _, m := range rep.Snapshot.Missing {
		missing = append(missing, m.Section)
	}
	for _, s := range []string{"users_with_access", "identity_provider_configs"} {
		if !slices.Contains(missing, s) {
			t.Errorf("%s not reported missing: %v", s, missing)
		}
	}
	// The union believes advanced_permissions enforces the rules.
	requireAbsent(t, rep, openProduction)

	// Near miss: with identity_provider_configs served the vintage is known
	// (newest) and PH205 fires, though users_with_access still fails.
	k := newHarness(t, withAccessKeys("advanced_permissions"))
	k.sim.Inject(posthogsim.Fault{Path: "/users_with_access/", Times: 100, Kind: posthogsim.Fault429, Seconds: 3600})
	known, res := k.scanJSON()
	if res.code != 2 {
		t.Errorf("exit %d, want 2 (users_with_access missing)", res.code)
	}
	if f := requireFinding(t, known, openProduction); f.Evidence["deployment_vintage"] != "newest" {
		t.Errorf("PH205 evidence = %v", f.Evidence)
	}
}
