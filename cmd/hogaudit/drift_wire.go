//go:build !drift_compare

package main

import (
	"errors"

	"github.com/hogaudit/hogaudit/access"
	"github.com/hogaudit/hogaudit/drift"
	"github.com/hogaudit/hogaudit/snapshot"
)

// TEMPORARY (issue 11): drift.Compare, drift.Options, drift.ErrOtherOrg and
// drift.ErrNotOlder land with the drift-compute branch. Until then this
// file stands in for drift_wire_compare.go and compareDrift fails, so that
// nothing can mistake it for "no drift". At the merge, delete this file
// and the build constraint of drift_wire_compare.go.

// driftOptions is drift.Options.
type driftOptions struct{ OldFile, NewFile string }

// errDriftOtherOrg and errDriftNotOlder are drift.ErrOtherOrg and
// drift.ErrNotOlder.
var (
	errDriftOtherOrg = errors.New("the snapshots describe different organizations")
	errDriftNotOlder = errors.New("the new snapshot was not collected after the old one")
)

// compareDrift is drift.Compare.
var compareDrift = func(old, new *snapshot.Snapshot, oldAccess, newAccess *access.Table, opt driftOptions) (*drift.Report, error) {
	return nil, errors.New("compare snapshots: not implemented yet")
}
