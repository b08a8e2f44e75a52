// Package review builds and verifies a user-access review bundle: the
// whole population of a PostHog organization's access (every member ×
// every entitlement, with the path that grants it and the matrix's
// verdict) as CSV files a reviewer completes, the organization's security
// settings, the findings and the compliance controls, and a manifest that
// records where the evidence came from and the SHA-256 of every file.
//
// Verify re-checks a bundle: its digests, that every access row has a
// decision by someone other than the member, and, given a later snapshot,
// that every revoked access is gone.
package review

import (
	"bytes"
	"encoding/csv"
	"strings"
)

// safeCell is s safe to open in a spreadsheet: a cell that starts with
// = + - @, a tab or a carriage return (which spreadsheets read as a
// formula), or that holds a ; followed (after optional spaces) by one of
// = + - @ (a new cell's formula where ; is the list separator, as in
// semicolon-locale Excel), gets a leading apostrophe. So does a cell that
// starts with an apostrophe itself, so that the escape is undone exactly
// by unsafeCell: unsafeCell(safeCell(s)) == s for every s.
func safeCell(s string) string {
	if needsEscape(s) {
		return "'" + s
	}
	return s
}

func needsEscape(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] != ';' {
			continue
		}
		rest := strings.TrimLeft(s[i+1:], " \t")
		if rest != "" && strings.ContainsRune("=+-@", rune(rest[0])) {
			return true
		}
	}
	return false
}

// unsafeCell is the cell value safeCell escaped: s without the one
// leading apostrophe safeCell added, s itself when safeCell would not have
// added one. Verify compares evidence cells as written and looks up (and
// compares reviewers with) the values unescaped.
func unsafeCell(s string) string {
	if rest, ok := strings.CutPrefix(s, "'"); ok && needsEscape(rest) {
		return rest
	}
	return s
}

// encodeCSV is header and rows as RFC 4180 CSV (CRLF line ends, as the RFC
// has them), every cell made safe.
func encodeCSV(header []string, rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(header); err != nil {
		return nil, err
	}
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, c := range r {
			safe[i] = safeCell(c)
		}
		if err := w.Write(safe); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// decodeCSV reads a CSV file: its header and rows, every row as long as
// the header.
func decodeCSV(data []byte) ([]string, [][]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	all, err := r.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if len(all) == 0 {
		return nil, nil, errEmptyCSV
	}
	return all[0], all[1:], nil
}

type csvError string

func (e csvError) Error() string { return string(e) }

const errEmptyCSV = csvError("the file is empty (no header)")

// joinList joins a list cell's values with "; ".
func joinList(vs []string) string { return strings.Join(vs, "; ") }
