package matrix

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// exceptionsMatrix is the matrix of the exception tests (and of policies'
// document tests): testdata/exceptions.yaml.
var exceptionsMatrix = func() string {
	b, err := os.ReadFile("testdata/exceptions.yaml")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

func TestExceptions(t *testing.T) {
	m := mustParse(t, exceptionsMatrix)
	now := time.Date(2026, 11, 27, 22, 6, 22, 0, time.UTC)
	got := m.Bind(nil, now).Exceptions()
	want := []Exception{
		{Index: 0, Line: 5, Rule: "PH204", Subject: "member:carol@acme.com", Project: "production_project",
			Reason: "incident commander rotation", Ticket: "SEC-123",
			Expires: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), DaysLeft: 65},
		{Index: 1, Line: 11, Rule: "key-not-rotated", Subject: "key:*-readonly", Reason: "rotated by the vault job",
			Expires: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC), DaysLeft: 13},
		{Index: 2, Line: 15, Rule: "ph201", Subject: "*", Reason: "merger",
			Expires: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Expired: true, DaysLeft: -26},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Exceptions (-want +got):\n%s", diff)
	}
	if got[0].ExpiresSoon() || !got[1].ExpiresSoon() || got[2].ExpiresSoon() {
		t.Errorf("ExpiresSoon = %v %v %v, want false true false", got[0].ExpiresSoon(), got[1].ExpiresSoon(), got[2].ExpiresSoon())
	}

}

func TestExceptionExpiry(t *testing.T) {
	m := mustParse(t, "exceptions:\n  - {rule: PH204, subject: s, reason: r, expires: 2027-01-31}\n")
	at := func(s string) Exception {
		now, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return m.Bind(nil, now).Exceptions()[0]
	}
	tests := []struct {
		now      string
		expired  bool
		daysLeft int
		soon     bool
	}{
		{"2026-12-31T12:00:00Z", false, 31, false},
		{"2027-01-16T23:59:59Z", false, 15, false},
		{"2027-01-17T00:00:00Z", false, 14, false}, // 14 days and a day left: not yet within 14 days
		{"2027-01-18T00:00:00Z", false, 13, true},  // stops applying in exactly 14 days
		{"2027-01-30T23:59:59Z", false, 1, true},
		{"2027-01-31T00:00:00Z", false, 0, true}, // the last day
		{"2027-01-31T23:59:59.999999999Z", false, 0, true},
		{"2027-02-01T00:00:00Z", true, -1, false}, // the day after
		{"2027-03-03T08:00:00Z", true, -31, false},
		// now is compared in UTC: 2027-02-01 00:30 in Paris is still January 31 in UTC.
		{"2027-02-01T00:30:00+01:00", false, 0, true},
		{"2027-01-31T20:00:00-05:00", true, -1, false},
	}
	for _, tt := range tests {
		e := at(tt.now)
		if e.Expired != tt.expired || e.DaysLeft != tt.daysLeft || e.ExpiresSoon() != tt.soon {
			t.Errorf("at %s: expired %v, days_left %d, soon %v; want %v, %d, %v",
				tt.now, e.Expired, e.DaysLeft, e.ExpiresSoon(), tt.expired, tt.daysLeft, tt.soon)
		}
	}
}

func TestExceptionMatches(t *testing.T) {
	byID := Exception{Rule: "PH204", Subject: "member:carol@acme.com", Project: "production_project"}
	byName := Exception{Rule: "key-not-rotated", Subject: "key:*-readonly"}
	lowerID := Exception{Rule: "ph201", Subject: "*"}
	middle := Exception{Rule: "PH209", Subject: "member:*@*.contractor.example"}
	tests := []struct {
		name                            string
		e                               Exception
		ruleID, ruleName, subj, projKey string
		want                            bool
	}{
		{"id, subject and project", byID, "PH204", "project-access-exceeds-matrix", "member:carol@acme.com", "production_project", true},
		{"another project", byID, "PH204", "project-access-exceeds-matrix", "member:carol@acme.com", "staging_project", false},
		{"no project on the finding", byID, "PH204", "project-access-exceeds-matrix", "member:carol@acme.com", "", false},
		{"another rule", byID, "PH206", "resource-access-exceeds-matrix", "member:carol@acme.com", "production_project", false},
		{"subject is case-sensitive", byID, "PH204", "project-access-exceeds-matrix", "member:Carol@acme.com", "production_project", false},
		{"subject must match whole", byID, "PH204", "project-access-exceeds-matrix", "member:carol@acme.com.evil", "production_project", false},
		{"by name, glob subject, any project", byName, "PH305", "key-not-rotated", "key:bi-dashboard-readonly", "production_project", true},
		{"by name without project", byName, "PH305", "key-not-rotated", "key:x-readonly", "", true},
		{"glob does not match", byName, "PH305", "key-not-rotated", "key:bi-readonly-2", "", false},
		{"names are compared exactly", byName, "PH305", "Key-Not-Rotated", "key:x-readonly", "", false},
		{"id case-insensitive", lowerID, "PH201", "too-many-owners", "org:Acme", "", true},
		{"lone star matches anything", lowerID, "PH201", "too-many-owners", "", "", true},
		{"stars in the middle", middle, "PH209", "external-member", "member:eve@eu.contractor.example", "", true},
		{"stars in the middle, no match", middle, "PH209", "external-member", "member:eve@contractor.example", "", false},
	}
	for _, tt := range tests {
		if got := tt.e.Matches(tt.ruleID, tt.ruleName, tt.subj, tt.projKey); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
	}
	expired := byID
	expired.Expired = true
	if !expired.Matches("PH204", "", "member:carol@acme.com", "production_project") {
		t.Errorf("Matches must ignore expiry")
	}
	if expired.Applies("PH204", "", "member:carol@acme.com", "production_project") {
		t.Errorf("an expired exception applies")
	}
	if !byID.Applies("PH204", "", "member:carol@acme.com", "production_project") {
		t.Errorf("a current exception does not apply")
	}
}
