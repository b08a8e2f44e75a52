package policies

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/hogaudit/hogaudit/matrix"
	"github.com/hogaudit/hogaudit/report"
	"github.com/hogaudit/hogaudit/snapshot"
)

// toFinding validates one finding object produced by rule r.
func toFinding(r Rule, item any) (report.Finding, error) {
	obj, ok := item.(map[string]any)
	if !ok {
		return report.Finding{}, fmt.Errorf("%s: rule %s produced a finding that is not an object: %v", r.File, r.ID, item)
	}
	f := report.Finding{
		Rule: r.ID, Name: r.Name, Severity: r.Severity, Remediation: r.Remediation,
		Evidence: map[string]any{},
	}
	var problems []string
	getStr := func(key string, required bool) string {
		v, ok := obj[key]
		if !ok || v == nil {
			if required {
				problems = append(problems, key+" is missing")
			}
			return ""
		}
		s, ok := v.(string)
		if !ok {
			problems = append(problems, key+" must be a string")
		}
		return s
	}
	f.Subject = getStr("subject", true)
	f.Message = getStr("message", true)
	f.Project = getStr("project", false)
	if _, given := obj["identity"]; given {
		f.Identity = getStr("identity", true)
		if problem := identityProblem(f.Identity); problem != "" {
			problems = append(problems, problem)
		}
	}
	if sev := getStr("severity", false); sev != "" {
		if report.SeverityRank(sev) == 0 {
			problems = append(problems, fmt.Sprintf("severity %q is not critical, high, medium or low", sev))
		} else {
			f.Severity = sev
		}
	}
	if v, ok := obj["evidence"]; ok && v != nil {
		ev, ok := v.(map[string]any)
		if !ok {
			problems = append(problems, "evidence must be an object")
		} else {
			f.Evidence = ev
		}
	}
	if v, ok := obj["line"]; ok && v != nil {
		n, ok := toInt(v)
		if !ok || n < 0 {
			problems = append(problems, "line must be a non-negative integer")
		}
		f.Line = n
	}
	if v, ok := obj["advisory"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			problems = append(problems, "advisory must be a boolean")
		}
		f.Advisory = b
	}
	if len(problems) > 0 {
		return f, fmt.Errorf("%s: rule %s produced an invalid finding (%s): %s", r.File, r.ID, f.Subject, strings.Join(problems, "; "))
	}
	return f, nil
}

// maxIdentity bounds a finding's identity, in bytes.
const maxIdentity = 1024

// identityProblem says what is wrong with an identity a rule gave, or "".
// An identity is the stable input of a finding's id: it must say something
// (not empty or blank) and be plain text (no control characters).
func identityProblem(id string) string {
	switch {
	case strings.TrimSpace(id) == "":
		return "identity must not be empty (leave it out to fall back to the subject)"
	case len(id) > maxIdentity:
		return fmt.Sprintf("identity is longer than %d bytes", maxIdentity)
	case strings.ContainsFunc(id, unicode.IsControl):
		return "identity must not contain control characters"
	}
	return ""
}

// fallbackIdentities gives every finding whose rule set no identity one made
// of its subject and project (report.SubjectIdentity), naming the project
// by the PostHog id its matrix key binds to, so that renaming the key keeps
// the alert.
func fallbackIdentities(fs []report.Finding, bound *matrix.Bound) {
	ids := map[string]int64{}
	for _, p := range bound.Projects() {
		if p.Bound {
			ids[p.Key] = p.ProjectID
		}
	}
	for i := range fs {
		f := &fs[i]
		if f.Identity != "" {
			continue
		}
		var pid *int64
		if id, ok := ids[f.Project]; ok && f.Project != "" {
			pid = &id
		}
		f.Identity = report.SubjectIdentity(f.Subject, f.Project, pid)
	}
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		if n == math.Trunc(n) {
			return int(n), true
		}
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

// applyExceptions marks findings covered by an exception that still applies,
// and lists the exceptions expiring soon. Expired exceptions never suppress
// (PH902 reports them).
func applyExceptions(rep *report.Report, excs []matrix.Exception, rules []Rule) {
	names := map[string]string{}
	for _, r := range rules {
		names[r.ID] = r.Name
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Rule == "PH902" {
			continue // an exception cannot hide the report about exceptions
		}
		for _, x := range excs {
			if !x.Applies(f.Rule, names[f.Rule], f.Subject, f.Project) {
				continue
			}
			f.Suppressed = &report.Suppression{
				Reason: x.Reason, Ticket: x.Ticket, Expires: x.Expires.Format(time.DateOnly), Line: x.Line,
			}
			break
		}
	}
	for _, x := range excs {
		if x.ExpiresSoon() {
			rep.ExpiringExceptions = append(rep.ExpiringExceptions, report.Exception{
				Rule: x.Rule, Subject: x.Subject, Project: x.Project, Reason: x.Reason,
				Ticket: x.Ticket, Expires: x.Expires.Format(time.DateOnly), DaysLeft: x.DaysLeft, Line: x.Line,
			})
		}
	}
}

func sortFindings(fs []report.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if ra, rb := report.SeverityRank(a.Severity), report.SeverityRank(b.Severity); ra != rb {
			return ra > rb
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Project != b.Project {
			return a.Project < b.Project
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if a.Message != b.Message {
			return a.Message < b.Message
		}
		return a.Identity < b.Identity
	})
}

func snapshotInfo(s *snapshot.Snapshot) report.SnapshotInfo {
	info := report.SnapshotInfo{
		Org:         report.Org{ID: s.Org.ID, Name: s.Org.Name},
		Host:        s.Host,
		CollectedAt: s.CollectedAt,
		Complete:    s.Complete(),
		Missing:     []report.Missing{},
	}
	for _, m := range s.Missing {
		if m.NotApplicable {
			continue
		}
		info.Missing = append(info.Missing, report.Missing{
			Section: m.Section, ProjectID: m.ProjectID, Endpoint: m.Endpoint, Status: m.Status,
			Detail: m.Detail, Scope: m.Scope, Feature: m.Feature, Reason: m.Reason,
		})
	}
	return info
}

// matrixInfo locates the matrix at path (repoPath relative to its
// repository, CheckInput.MatrixRepoPath) and reads the fallback locations
// from the normalized matrix.
func matrixInfo(path, repoPath string, doc MatrixDoc) report.MatrixInfo {
	if repoPath == "" && path != "" {
		repoPath = path
		if !filepath.IsLocal(path) {
			repoPath = filepath.Base(path)
		}
	}
	mi := report.MatrixInfo{Path: path, RepoPath: filepath.ToSlash(repoPath), TopLine: 1}
	if doc.Line > 0 {
		mi.TopLine = doc.Line
	}
	mi.GroupsLine = doc.Lines["groups"]
	mi.OrganizationLine = doc.Lines["organization"]
	return mi
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func knownSection(s string) bool { return contains(snapshot.Sections, s) }
