package snapshot

import (
	"encoding/json"
	"fmt"
)

// Reading snapshots of other schema versions.
//
// A snapshot of an older schema version is read when every step from its
// version to SchemaVersion has an upgrader; one of a newer version, or of a
// version no hogaudit wrote, is refused with ErrSchemaVersion. Only version
// When the format changes, the change's commit registers the step from the
// previous version here.
//
// Version 1 → 2: users_with_access went from the list of rows to an
// AccessFile. The step is in sameDocument: AccessFile reads a version-1
// list as its verbatim Rows, in the file's order, so a version-1 file is
// decoded as it is (in one pass, its line and column numbers those of the
// file) and expands to exactly its rows. Its members were sorted by id as
// well (the collection has always written them so), which Decode requires
// of every version.

// An upgrader rewrites a decoded snapshot document of one schema version
// into the next: it changes what the version change changed (renames a
// field, fills one in, …). It must not set schema_version; upgrade does.
type upgrader func(doc map[string]json.RawMessage) error

// upgraders maps a schema version to the step that upgrades it to the next
// version.
var upgraders = map[int]upgrader{}

// sameDocument lists the versions whose documents the next version's
// decoder reads unchanged: their step rewrites nothing.
var sameDocument = map[int]bool{1: true}

// upgrade returns b, a snapshot document of schema version v, rewritten to
// SchemaVersion (b itself when v is SchemaVersion), or an error wrapping
// ErrSchemaVersion when it cannot be.
func upgrade(b []byte, v int) ([]byte, error) {
	if v > SchemaVersion {
		return nil, fmt.Errorf("%w: written by a newer hogaudit (schema_version %d; this one reads up to %d)", ErrSchemaVersion, v, SchemaVersion)
	}
	if v == SchemaVersion {
		return b, nil
	}
	// Every step must exist before any is run, so a gap in the chain is
	// named as the version it leaves unreadable.
	rewrite := false
	for from := v; from < SchemaVersion; from++ {
		switch {
		case upgraders[from] != nil:
			rewrite = true
		case !sameDocument[from]:
			return nil, fmt.Errorf("%w: schema_version %d is not one this hogaudit can upgrade (it reads up to %d)", ErrSchemaVersion, v, SchemaVersion)
		}
	}
	if !rewrite {
		return b, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, describeJSONError(b, err)
	}
	for from := v; from < SchemaVersion; from++ {
		if upgraders[from] == nil {
			continue // a sameDocument step
		}
		if err := upgraders[from](doc); err != nil {
			return nil, fmt.Errorf("upgrade snapshot from schema_version %d to %d: %w", from, from+1, err)
		}
		doc["schema_version"] = json.RawMessage(fmt.Sprint(from + 1))
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("upgrade snapshot: %w", err)
	}
	return out, nil
}
