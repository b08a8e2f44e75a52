package snapshot

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hogaudit/hogaudit/internal/atomicfile"
)

// Schema is the JSON Schema (draft-07) of the snapshot file format.
//
//go:embed schema.json
var Schema []byte

// FileMode is the permission of written snapshot files: they name every
// member of the organization and their access, so only the owner may read
// them.
const FileMode = 0o600

// Marshal returns s as indented JSON with a trailing newline, in the file
// form of SchemaVersion (each project's users_with_access as an
// AccessFile). Two snapshots of the same organization state marshal
// identically except for collected_at and the keys' introspected_at.
func Marshal(s *Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	f, err := s.fileForm()
	if err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	return buf.Bytes(), nil
}

// GzipExt is the file name suffix for which Write and Compress store a
// snapshot gzip-compressed.
const GzipExt = ".gz"

// Compress returns data, a marshaled snapshot, as the file at path stores
// it: gzip-compressed when path ends in GzipExt (".json.gz"), else data
// itself. Decode reads either.
func Compress(path string, data []byte) ([]byte, error) {
	if !strings.HasSuffix(path, GzipExt) {
		return data, nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return nil, fmt.Errorf("compress snapshot: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress snapshot: %w", err)
	}
	return buf.Bytes(), nil
}

// Write stores s at path atomically (a temporary file renamed over path), so
// an interrupted run never leaves a truncated snapshot behind, with mode
// FileMode; gzip-compressed when path ends in GzipExt.
func Write(path string, s *Snapshot) error {
	b, err := Marshal(s)
	if err != nil {
		return err
	}
	if b, err = Compress(path, b); err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, FileMode, b)
}

// ErrSchemaVersion is wrapped by Load and Decode when a snapshot has a
// schema_version this hogaudit does not read.
var ErrSchemaVersion = errors.New("unsupported snapshot schema version")

// Load reads the snapshot at path, plain JSON or gzip-compressed (whatever
// its name; see Decode). It rejects files that are not snapshots,
// malformed JSON (naming the line and column), unknown schema versions, and
// snapshots whose missing records do not match the holes in their data
// (ErrInconsistent; see Verify): a null section or a project's part without
// a record, a record of nothing, a not_applicable where no deployment may
// lack the endpoint, a users_with_access that does not expand to rows (an
// index out of range, a member listed twice). The records a key below
// admin implies are added from the organization response when the file
// lacks them.
func Load(path string) (*Snapshot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	s, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", path, err)
	}
	return s, nil
}

// Decode parses a snapshot from JSON, or from gzip-compressed JSON
// (recognised by its magic bytes); see Load. A snapshot of SchemaVersion
// whose first field is schema_version, as Marshal writes it, is parsed in
// one pass; any other is read in two (its version first, then the
// upgraded document).
func Decode(b []byte) (*Snapshot, error) {
	if isGzip(b) {
		var err error
		if b, err = gunzip(b); err != nil {
			return nil, err
		}
	}
	v, ok := leadingSchemaVersion(b)
	if !ok {
		var head struct {
			SchemaVersion *int `json:"schema_version"`
			Org           *struct {
				ID string `json:"id"`
			} `json:"org"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			return nil, describeJSONError(b, err)
		}
		switch {
		case head.SchemaVersion == nil:
			return nil, errors.New("not a hogaudit snapshot: no schema_version field")
		case head.Org == nil || head.Org.ID == "":
			return nil, errors.New("not a hogaudit snapshot: no org.id")
		}
		v = *head.SchemaVersion
	}
	b, err := upgrade(b, v)
	if err != nil {
		return nil, err
	}
	var s Snapshot
	// schema_version once: encoding/json takes the last of repeated keys,
	// and matches keys regardless of case, so a second "schema_version"
	// or a "Schema_Version" would otherwise be read past the version this
	// document was judged by.
	doc := struct {
		*Snapshot
		SchemaVersion versionKeys `json:"schema_version"`
	}{Snapshot: &s}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, describeJSONError(b, err)
	}
	if doc.SchemaVersion.n != 1 {
		return nil, fmt.Errorf("%w: schema_version is given %d times (%s; keys match regardless of case), so the version is ambiguous; a snapshot has one", ErrSchemaVersion, doc.SchemaVersion.n, strings.Join(doc.SchemaVersion.values, ", "))
	}
	if err := checkMemberOrder(s.Members); err != nil {
		return nil, err
	}
	s.SchemaVersion = SchemaVersion // the document is read as one of it
	switch {
	case s.Org.ID == "":
		return nil, errors.New("not a hogaudit snapshot: no org.id")
	case s.CollectedAt.IsZero():
		return nil, errors.New("not a hogaudit snapshot: no collected_at")
	}
	accessErr := s.checkAccess()
	if accessErr != nil && len(s.Members) > 0 {
		return nil, accessErr
	}
	if s.Missing == nil {
		s.Missing = []Missing{}
	}
	// A snapshot taken with a key below admin is partial whoever wrote it.
	s.recordVisibility(func(section string) string {
		return "/api/organizations/" + s.Org.ID + "/" + section + "/"
	}, s.Roles != nil)
	sortMissing(s.Missing)
	// Completeness is recomputed from the sections themselves: a record
	// edited away, or a not_applicable forged, is refused, never passed.
	if err := s.Verify(); err != nil {
		return nil, err
	}
	if accessErr != nil {
		return nil, accessErr
	}
	return &s, nil
}

// versionKeys records each schema_version key of a snapshot document.
type versionKeys struct {
	n      int
	values []string
}

func (v *versionKeys) UnmarshalJSON(b []byte) error {
	v.n++
	if len(b) > 20 {
		b = append(b[:20:20], "…"...)
	}
	v.values = append(v.values, string(b))
	return nil
}

// MaxSnapshotRatio, MinSnapshotLimit and MaxSnapshotBytes bound what a
// gzip-compressed snapshot may decompress to: MaxSnapshotRatio times its
// compressed size, but always MinSnapshotLimit and never more than
// MaxSnapshotBytes. A snapshot is JSON of uuids, emails and timestamps:
// the synthetic organizations of docs/performance.md, whose ids are
// sequential and whose members are alike, compress 17× (1,000 × 20) to
// 31× (10,000 × 100, a version-1 file of 43 MB), a real organization's
// less; 50,000 × 300 is 43 MB, under MinSnapshotLimit whatever its ratio,
// and a snapshot of 1,000,000 members (the most hogaudit reads of a list,
// posthog.MaxListItems) is a few hundred MB. Deflate, though, expands up
// to ~1,032×: without a bound a 4 MB file would take 4 GB of memory
// before anything could be judged; with it, a file costs at most
// MinSnapshotLimit or 100 times its size.
const (
	MaxSnapshotRatio = 100
	MinSnapshotLimit = 256 << 20
	MaxSnapshotBytes = 4 << 30
)

// gunzip returns the single gzip stream b decompressed, refusing one that
// decompresses past its limit (MaxSnapshotRatio) and bytes after the
// stream's end.
func gunzip(b []byte) ([]byte, error) {
	return gunzipWithin(b, gzipLimit(len(b)))
}

// gzipLimit is the most a gzip stream of n bytes may decompress to.
func gzipLimit(n int) int64 {
	return min(max(int64(n)*MaxSnapshotRatio, MinSnapshotLimit), MaxSnapshotBytes)
}

// deflateMaxRatio bounds how far deflate expands its input (RFC 1951: a
// 258-byte match in ~2 bits, ~1,032×).
const deflateMaxRatio = 1032

// gunzipWithin is gunzip with the limit given.
func gunzipWithin(b []byte, limit int64) ([]byte, error) {
	br := bytes.NewReader(b)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("read gzip-compressed snapshot: %w", err)
	}
	zr.Multistream(false)
	var buf bytes.Buffer
	// The trailer's size (mod 2^32, and the file's say-so) only sizes the
	// buffer, within the limit.
	if len(b) >= 18 {
		if n := int64(binary.LittleEndian.Uint32(b[len(b)-4:])); n <= limit && n <= int64(len(b))*deflateMaxRatio {
			buf.Grow(int(n) + bytes.MinRead)
		}
	}
	if _, err := buf.ReadFrom(io.LimitReader(zr, limit+1)); err != nil {
		return nil, fmt.Errorf("read gzip-compressed snapshot: %w", err)
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("gzip-compressed snapshot decompresses to more than %d bytes, over %d× its %d compressed bytes: refused as a decompression bomb (a snapshot compresses far less than %d×, and none is larger than %d bytes)", limit, limit/int64(len(b)), len(b), MaxSnapshotRatio, int64(MaxSnapshotBytes))
	}
	if br.Len() > 0 {
		return nil, fmt.Errorf("trailing data after the compressed snapshot: %d bytes after the end of its gzip stream (a second stream, or bytes appended to the file)", br.Len())
	}
	return buf.Bytes(), nil
}

// leadingSchemaVersion reads the schema_version of a document whose first
// field it is (as Marshal writes it) without reading further; ok is false
// for any other document.
func leadingSchemaVersion(b []byte) (v int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, false
	}
	if t, err := dec.Token(); err != nil || t != "schema_version" {
		return 0, false
	}
	var n *int
	if err := dec.Decode(&n); err != nil || n == nil {
		return 0, false
	}
	return *n, true
}

// describeJSONError turns a decoding error into a message with the line and
// column of the offending byte.
func describeJSONError(b []byte, err error) error {
	var afe *AccessFileError
	if errors.As(err, &afe) {
		return fmt.Errorf("invalid snapshot: a project's %w", afe)
	}
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	line, col := 1, 1
	for i := int64(0); i < off && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	if typ != nil {
		return fmt.Errorf("invalid snapshot at line %d, column %d: field %s should be %s, not %s", line, col, typ.Field, typ.Type, typ.Value)
	}
	return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, err)
}
