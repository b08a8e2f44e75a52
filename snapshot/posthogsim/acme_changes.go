package posthogsim

import "time"

// The deliberate changes `hogaudit demo --changed` makes to Acme, by
// carol@acme.example (an owner, in the matrix's admins group), except the
// key's, which only its owner can make.
const (
	// AcmeChangeActor is who makes the changes.
	AcmeChangeActor = "carol@acme.example"
	// AcmePromoted is the member promoted to organization admin.
	AcmePromoted = "erin@acme.example"
	// AcmeGrantedRole is the role granted admin on Production by an access
	// rule.
	AcmeGrantedRole = "Product"
	// AcmeWidenedKey is the key whose scopes are widened, by its owner
	// AcmeWidenedKeyOwner, with AcmeWidenedScope.
	AcmeWidenedKey      = "bi-dashboard-readonly"
	AcmeWidenedKeyOwner = "bi-bot@acme.example"
	AcmeWidenedScope    = "feature_flag:write"
	// AcmeClearedDomain is the domain whose SSO enforcement is cleared.
	AcmeClearedDomain = "acme.example"
)

// ChangeAcme makes the demo's deliberate changes to a Server serving Acme,
// in this order, spread evenly inside the window (after, now truncated to
// the second] — the window a snapshot collected now (its collected_at is
// truncated to the second) shows after one collected at after:
//
//  1. carol promotes erin (Engineering) from member to organization admin
//     (logged: OrganizationMembership updated);
//  2. carol gives role Product admin on the protected Production project by
//     changing its access rule (PostHog logs no access-control change);
//  3. bi-bot widens its key bi-dashboard-readonly with feature_flag:write
//     (logged: PersonalAPIKey updated, in Production's log, the key's
//     project);
//  4. carol clears SSO enforcement on acme.example (logged:
//     OrganizationDomain updated).
//
// The demo's after is the previous snapshot's collected_at, so that a diff
// from it finds every change inside its window; without one, 50 seconds
// before now.
func ChangeAcme(s *Server, after, now time.Time) error {
	after, end := after.UTC(), now.UTC().Truncate(time.Second)
	span := end.Sub(after)
	at := func(k int) time.Time {
		return after.Add(span * time.Duration(k) / 5).Truncate(time.Millisecond)
	}
	if err := s.SetMemberLevel(AcmeChangeActor, AcmePromoted, LevelAdmin, at(1)); err != nil {
		return err
	}
	if err := s.SetAccessRule(AcmeChangeActor, AcmeProductionID, "project", RuleSubject{Role: AcmeGrantedRole}, "admin", at(2)); err != nil {
		return err
	}
	s.state.RLock()
	var scopes []string
	if k := s.org.keyByLabel(AcmeWidenedKey); k != nil {
		scopes = append(append(scopes, k.Scopes...), AcmeWidenedScope)
	}
	s.state.RUnlock()
	if err := s.SetKeyScopes(AcmeWidenedKeyOwner, AcmeWidenedKey, scopes, at(3)); err != nil {
		return err
	}
	return s.SetSSOEnforcement(AcmeChangeActor, AcmeClearedDomain, "", at(4))
}
