package review

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
)

// Failure is one reason a review fails.
type Failure struct {
	// File is the bundle file; Line its line (1 is the header), 0 for the
	// file as a whole.
	File    string
	Line    int
	Problem string
}

func (f Failure) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", f.File, f.Line, f.Problem)
	}
	return f.File + ": " + f.Problem
}

// Result is what Verify found.
type Result struct {
	Manifest *Manifest
	// Rows counts access.csv's rows, Decided those with a valid decision.
	Rows, Decided, Revokes int
	Failures               []Failure
}

// VerifyError is Verify's error when the bundle cannot be verified at all
// (a manifest that cannot be read, a later snapshot of another
// organization): not a failed review, an unverifiable one.
type VerifyError struct{ Err error }

func (e *VerifyError) Error() string { return e.Err.Error() }
func (e *VerifyError) Unwrap() error { return e.Err }

// Later is a later snapshot of the organization, to check that every
// revoked access is gone. Resolve resolves its access on the resources
// asked for (policies.Engine.Access); Verify asks for every resource of
// the bundle's rows.
type Later struct {
	Snapshot *snapshot.Snapshot
	Resolve  func(snap *snapshot.Snapshot, resources []string) (*access.Table, error)
	table    *access.Table
}

// Verify checks the bundle in dir:
//
//   - every file the manifest lists exists with its digest, and no other
//     file is there (manifest.json aside); access.csv alone may differ from
//     its digest, in its decision columns only: every other cell must equal
//     access.exported.csv's;
//   - the manifest's coverage is complete, access.csv has rows, and no row's
//     level or verdict is unknown: a review of incomplete evidence fails;
//   - every access row has a decision (keep, revoke or change, any case), a
//     reviewer who is a bare email address and not the member under review
//     (neither the member's email, compared without case and without a
//     +tag, nor its name), and reviewed_at a date (2006-01-02) or an RFC
//     3339 time. Cells are compared with the exported ones as written, and
//     read (for lookups and the reviewer) without the apostrophe safeCell
//     added;
//   - with later, every revoked row's access is gone from it: the member
//     left (org_level), its level on the project or resource is none, the
//     key is no longer the member's. An access later cannot tell (not
//     collected) fails too: a revoke is confirmed by evidence only.
//
// A *VerifyError means the bundle could not be verified.
func Verify(dir string, later *Later) (*Result, error) {
	mb, err := os.ReadFile(filepath.Join(dir, FileManifest))
	if err != nil {
		return nil, &VerifyError{fmt.Errorf("read the manifest: %w", err)}
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(mb))
	if err := dec.Decode(&m); err != nil {
		return nil, &VerifyError{fmt.Errorf("%s: %w", FileManifest, err)}
	}
	if m.Format != ManifestFormat {
		return nil, &VerifyError{fmt.Errorf("%s: format %q, not %q", FileManifest, m.Format, ManifestFormat)}
	}
	if len(m.Files) == 0 || m.Files[FileAccess] == "" || m.Files[FileAccessExported] == "" {
		return nil, &VerifyError{fmt.Errorf("%s lists no digest of %s and %s", FileManifest, FileAccess, FileAccessExported)}
	}
	res := &Result{Manifest: &m}
	failf := func(file string, line int, format string, args ...any) {
		res.Failures = append(res.Failures, Failure{File: file, Line: line, Problem: fmt.Sprintf(format, args...)})
	}
	if !m.Coverage.Complete {
		failf(FileManifest, 0, "the review's evidence is incomplete: %s", coverageHoles(m.Coverage))
	}

	names := make([]string, 0, len(m.Files))
	for n := range m.Files {
		if n != filepath.Base(n) || n == "." || n == ".." || n == FileManifest {
			return nil, &VerifyError{fmt.Errorf("%s lists a file %q that no bundle holds", FileManifest, n)}
		}
		names = append(names, n)
	}
	slices.Sort(names)
	contents := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		switch {
		case errors.Is(err, os.ErrNotExist):
			failf(n, 0, "missing: the manifest lists it")
			continue
		case err != nil:
			return nil, &VerifyError{err}
		}
		contents[n] = b
		if Digest(b) != m.Files[n] && n != FileAccess {
			failf(n, 0, "changed: its SHA-256 is %s, the manifest has %s", Digest(b), m.Files[n])
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, &VerifyError{err}
	}
	for _, e := range ents {
		if n := e.Name(); n != FileManifest && m.Files[n] == "" {
			failf(n, 0, "extra: the manifest does not list it")
		}
	}

	completed, ok := contents[FileAccess]
	if !ok {
		return res, nil
	}
	exported, okExp := contents[FileAccessExported]
	if okExp && Digest(exported) != m.Files[FileAccessExported] {
		okExp = false // already failed above; cannot vouch for access.csv either
		failf(FileAccess, 0, "cannot be checked against %s, which changed", FileAccessExported)
	}
	checkAccess(res, completed, exported, okExp && Digest(completed) != m.Files[FileAccess], later, failf)
	return res, nil
}

// checkAccess reads the completed access.csv (and, when compare, checks
// its evidence cells against exported).
func checkAccess(res *Result, completed, exported []byte, compare bool, later *Later, failf func(string, int, string, ...any)) {
	header, rows, lines, err := readCSV(completed)
	if err != nil {
		failf(FileAccess, 0, "unreadable: %v", err)
		return
	}
	if !slices.Equal(header, AccessHeader) {
		failf(FileAccess, 1, "the header is not the exported one (%s)", strings.Join(AccessHeader, ","))
		return
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	if compare {
		_, exp, _, err := readCSV(exported)
		if err != nil {
			failf(FileAccessExported, 0, "unreadable: %v", err)
			return
		}
		if len(exp) != len(rows) {
			failf(FileAccess, 0, "has %d rows, %s %d: rows were added or removed", len(rows), FileAccessExported, len(exp))
		}
		for i := 0; i < min(len(exp), len(rows)); i++ {
			for c, h := range header {
				if slices.Contains(DecisionColumns, h) {
					continue
				}
				if rows[i][c] != exp[i][c] {
					failf(FileAccess, lines[i], "the %s cell changed from %q to %q: only %s may be filled in", h, exp[i][c], rows[i][c], strings.Join(DecisionColumns, ", "))
				}
			}
		}
	}
	// Evidence cells were compared as written; from here on every cell is
	// read as the value it escapes.
	for _, r := range rows {
		for c := range r {
			r[c] = unsafeCell(r[c])
		}
	}
	res.Rows = len(rows)
	if len(rows) == 0 {
		failf(FileAccess, 0, "the review's evidence is incomplete: it has no access rows")
	}
	if later != nil {
		var resources []string
		for _, r := range rows {
			if r[col["entitlement"]] == KindResource && r[col["resource"]] != "" {
				resources = append(resources, r[col["resource"]])
			}
		}
		slices.Sort(resources)
		t, err := later.Resolve(later.Snapshot, slices.Compact(resources))
		if err != nil {
			failf(FileAccess, 0, "the later snapshot's access cannot be resolved: %v", err)
			later = nil
		} else {
			later.table = t
		}
	}
	for i, r := range rows {
		line := lines[i]
		decision := strings.ToLower(strings.TrimSpace(r[col["decision"]]))
		reviewer := strings.TrimSpace(r[col["reviewer"]])
		member := strings.TrimSpace(r[col["member_email"]])
		at := strings.TrimSpace(r[col["reviewed_at"]])
		ok := true
		if r[col["level"]] == "unknown" || r[col["verdict"]] == VerdictUnknown {
			failf(FileAccess, line, "%s: the review's evidence is incomplete: the row's level is %q and its verdict %q, so no decision on it rests on evidence", r[col["row_id"]], r[col["level"]], r[col["verdict"]])
			ok = false
		}
		switch {
		case decision == "":
			failf(FileAccess, line, "%s: no decision (one of %s)", r[col["row_id"]], strings.Join(Decisions, ", "))
			ok = false
		case !slices.Contains(Decisions, decision):
			failf(FileAccess, line, "%s: decision %q is not one of %s", r[col["row_id"]], r[col["decision"]], strings.Join(Decisions, ", "))
			ok = false
		}
		switch {
		case reviewer == "":
			failf(FileAccess, line, "%s: no reviewer", r[col["row_id"]])
			ok = false
		case !isBareEmail(reviewer):
			failf(FileAccess, line, "%s: the reviewer %q is not an email address (write the reviewer's bare address, as name@example.com)", r[col["row_id"]], reviewer)
			ok = false
		case sameMailbox(reviewer, member) || strings.EqualFold(reviewer, strings.TrimSpace(r[col["member_name"]])):
			failf(FileAccess, line, "%s: self-review: the reviewer %s is the member under review", r[col["row_id"]], reviewer)
			ok = false
		}
		if !isDate(at) {
			failf(FileAccess, line, "%s: reviewed_at %q is not a date (YYYY-MM-DD or an RFC 3339 time)", r[col["row_id"]], at)
			ok = false
		}
		if ok {
			res.Decided++
		}
		if decision == "revoke" {
			res.Revokes++
			if later != nil {
				if still := stillThere(later, r, col); still != "" {
					failf(FileAccess, line, "%s: revoked, but %s", r[col["row_id"]], still)
				}
			}
		}
	}
}

// coverageHoles says what a manifest's incomplete coverage lacks.
func coverageHoles(c Coverage) string {
	var parts []string
	var secs []string
	for _, m := range c.Missing {
		if !m.NotApplicable {
			secs = append(secs, m.Section)
		}
	}
	slices.Sort(secs)
	if secs = slices.Compact(secs); len(secs) > 0 {
		parts = append(parts, "sections missing: "+strings.Join(secs, ", "))
	}
	if len(c.NotEvaluated) > 0 {
		parts = append(parts, "rules not evaluated: "+strings.Join(c.NotEvaluated, ", "))
	}
	if len(c.UnknownProjects) > 0 {
		var ids []string
		for _, id := range c.UnknownProjects {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		parts = append(parts, "projects whose access cannot be told: "+strings.Join(ids, ", "))
	}
	if len(parts) == 0 {
		return "the manifest's coverage is not complete"
	}
	return "the manifest's coverage is not complete (" + strings.Join(parts, "; ") + ")"
}

// isBareEmail reports whether s is one email address alone: no display
// name, no angle brackets, no comment.
func isBareEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// mailbox is an email's mailbox for comparison: lower case, any +tag
// removed from the local part (alice+review@x.com is alice@x.com).
func mailbox(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return email
	}
	local, domain := email[:at], email[at:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	return local + domain
}

// sameMailbox reports whether a and b name the same mailbox.
func sameMailbox(a, b string) bool { return b != "" && mailbox(a) == mailbox(b) }

// isDate reports whether s is a date or an RFC 3339 time.
func isDate(s string) bool {
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return true
	}
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// stillThere says how a revoked row's access is still in later ("" when it
// is gone).
func stillThere(later *Later, r []string, col map[string]int) string {
	snap := later.Snapshot
	email := r[col["member_email"]]
	if !sectionComplete(snap, snapshot.SectionMembers) {
		return "the later snapshot's member list is not complete, so it cannot show the access gone"
	}
	var mid string
	var uid int64
	level := ""
	for _, m := range snap.Members {
		if strings.EqualFold(m.User.Email, email) {
			mid, uid = m.ID, m.User.ID
			level = orgLevel(m.Level)
		}
	}
	if mid == "" {
		return "" // the member left: every access of theirs is gone
	}
	kind := r[col["entitlement"]]
	switch kind {
	case KindOrgLevel:
		return "the member is still in the organization (as " + level + ") in the later snapshot"
	case KindProject, KindResource:
		pid, err := strconv.ParseInt(r[col["project_id"]], 10, 64)
		if err != nil {
			return "the row names no project id"
		}
		tp := later.table.Projects[pid]
		if tp == nil {
			if !sectionComplete(snap, snapshot.SectionProjects) {
				return "the later snapshot's project list is not complete, so it cannot show project " + r[col["project_id"]] + " gone"
			}
			return "" // the project is gone
		}
		if kind == KindProject {
			if !tp.Known {
				return "the later snapshot cannot tell the member's access to project " + r[col["project_id"]]
			}
			if g := tp.Members[mid]; g.Level != access.LevelNone && g.Level != "" {
				return fmt.Sprintf("the member is still %s on project %s (%s) in the later snapshot", g.Level, r[col["project_id"]], g.Path.Phrase())
			}
			return ""
		}
		res := r[col["resource"]]
		if !tp.ResourcesKnown || tp.Resources[res] == nil {
			return "the later snapshot cannot tell the member's access to " + res + " in project " + r[col["project_id"]]
		}
		if g := tp.Resources[res][mid]; g.Level != access.ResourceNone && g.Level != "" {
			return fmt.Sprintf("the member is still %s on %s in project %s (%s) in the later snapshot", g.Level, res, r[col["project_id"]], g.Path.Phrase())
		}
		return ""
	case KindKey:
		id := strings.TrimPrefix(r[col["path_machine"]], "key:")
		for _, k := range snap.APIKeys {
			if k.ID == id && k.UserID == uid {
				return "the key " + id + " is still the member's in the later snapshot"
			}
		}
		return "the later snapshot does not show the key " + id + " gone: hogaudit sees only the keys handed to it, so a revoked key is confirmed only by its owner leaving the organization"
	}
	return "unknown entitlement " + strconv.Quote(kind)
}

func orgLevel(l int) string {
	switch {
	case l >= 15:
		return "owner"
	case l >= 8:
		return "admin"
	}
	return "member"
}

// readCSV reads a CSV file with the line each record starts on.
func readCSV(data []byte) ([]string, [][]string, []int, error) {
	r := csv.NewReader(bytes.NewReader(data))
	var header []string
	var rows [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, nil, err
		}
		line, _ := r.FieldPos(0)
		if header == nil {
			header = rec
			continue
		}
		rows = append(rows, rec)
		lines = append(lines, line)
	}
	if header == nil {
		return nil, nil, nil, errEmptyCSV
	}
	return header, rows, lines, nil
}
