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
// formula) gets a leading apostrophe. Verify undoes nothing: a cell keeps
// its apostrophe in the completed CSV, and the exported values compare
// as written.
func safeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
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
