package policies

import (
	"context"
	"errors"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/snapshot"
)

// Access is the access table of snap: every member's effective level on
// every project, and on each of resources in every project, with the path
// that grants it, as the Rego library resolves it
// (data.hogaudit.lib.access).
//
// TEMPORARY: the implementation lands with issue 11's access-table branch;
// until then it fails, so nothing can mistake it for an empty table.
func (e *Engine) Access(ctx context.Context, snap *snapshot.Snapshot, resources []string) (*access.Table, error) {
	return nil, errors.New("access table: not implemented yet")
}
