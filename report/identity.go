package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// Fingerprint is the stable part of a finding's ID and of its SARIF
// primaryLocationLineHash: the first 16 hex digits of the SHA-256 of the
// rule id, the organization id and the finding's identity (NUL-separated).
// It ignores subjects, projects' matrix keys, lines, messages and times, so
// an alert keeps its identity when the organization, a member's email, a key
// label or the matrix is changed, and when the wording changes.
func Fingerprint(rule, orgID, identity string) string {
	h := sha256.New()
	for i, s := range []string{rule, orgID, identity} {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// SubjectIdentity is the identity of a finding whose rule gives none: its
// subject, and the project it concerns: projectID, the PostHog project id the
// matrix project key binds to, when known, else the key itself. Such a
// finding keeps its alert only while its subject keeps its name (a custom
// rule supplies an identity to do better: policies/INPUT.md).
func SubjectIdentity(subject, projectKey string, projectID *int64) string {
	id := "subject:" + subject
	switch {
	case projectID != nil:
		id += "|project:" + strconv.FormatInt(*projectID, 10)
	case projectKey != "":
		id += "|project-key:" + projectKey
	}
	return id
}

// identity is f's Identity, or SubjectIdentity of its subject and project
// key when it has none (a Report not made by the engine).
func (f Finding) identity() string {
	if f.Identity != "" {
		return f.Identity
	}
	return SubjectIdentity(f.Subject, f.Project, nil)
}

// AssignIDs sets the ID of every finding of r (see Finding.ID), in the
// order of r.Findings, suppressed ones included so that suppressing a
// finding never renumbers another, and gives a finding without an Identity
// its SubjectIdentity. It replaces any ID already set, so the JSON id and
// the SARIF fingerprint of a finding always agree. Call it once the
// findings are sorted; the formats do it on their copy of the findings.
func (r *Report) AssignIDs() {
	seen := make(map[string]int, len(r.Findings))
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Identity = f.identity()
		hash := Fingerprint(f.Rule, r.Snapshot.Org.ID, f.Identity)
		seen[hash]++
		f.ID = fmt.Sprintf("%s:%d", hash, seen[hash])
	}
}

// findingsWithIDs returns a copy of r's findings with their IDs assigned;
// r is not modified.
func findingsWithIDs(r *Report) []Finding {
	c := *r
	c.Findings = make([]Finding, len(r.Findings))
	copy(c.Findings, r.Findings)
	c.AssignIDs()
	return c.Findings
}
