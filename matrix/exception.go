package matrix

import (
	"strings"
	"time"
)

// ExpiryWarningDays is the window in which an exception about to expire is
// reported (rule PH902, as a note).
const ExpiryWarningDays = 14

// Exception is an accepted deviation from the matrix, evaluated at a
// moment. Project and Ticket are "" when the matrix does not set them.
type Exception struct {
	// Index is the exception's 0-based position in exceptions:, Line the
	// line of its entry.
	Index int
	Line  int

	Rule    string
	Subject string
	Project string
	Reason  string
	Ticket  string
	// Expires is the last day the exception applies, at 00:00 UTC: it
	// applies through the end of that day (UTC).
	Expires time.Time
	// Expired says the evaluation time is after the end of Expires.
	Expired bool
	// DaysLeft is the number of whole days between the evaluation time's
	// UTC date and Expires: 0 on the last day it applies, 1 the day
	// before, negative once expired (-1 the day after).
	DaysLeft int
}

func newException(x *ExceptionSpec, now time.Time) Exception {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	days := int((x.Expires.Unix() - today.Unix()) / (24 * 60 * 60))
	return Exception{
		Index:    x.Index,
		Line:     x.Line,
		Rule:     x.Rule,
		Subject:  x.Subject,
		Project:  x.Project,
		Reason:   x.Reason,
		Ticket:   x.Ticket,
		Expires:  x.Expires,
		Expired:  !now.Before(x.Expires.AddDate(0, 0, 1)),
		DaysLeft: days,
	}
}

// Matches reports whether the exception names a finding: its rule is
// ruleID (compared case-insensitively) or ruleName, its subject is subject
// exactly or as a '*' glob (case-sensitive), and, when it names a project,
// project is that project key. Matches ignores expiry; see Applies.
func (e Exception) Matches(ruleID, ruleName, subject, project string) bool {
	if !strings.EqualFold(e.Rule, ruleID) && e.Rule != ruleName {
		return false
	}
	if e.Project != "" && e.Project != project {
		return false
	}
	return glob(e.Subject, subject)
}

// Applies reports whether the exception suppresses the finding: it Matches
// and has not expired.
func (e Exception) Applies(ruleID, ruleName, subject, project string) bool {
	return !e.Expired && e.Matches(ruleID, ruleName, subject, project)
}

// ExpiresSoon reports whether the exception still applies but stops
// applying within ExpiryWarningDays days (DaysLeft below it).
func (e Exception) ExpiresSoon() bool {
	return !e.Expired && e.DaysLeft < ExpiryWarningDays
}
