package main

import "github.com/hogaudit/hogaudit/drift"

// The drift computation the diff command and --previous use: package
// drift's, named here so that the commands' code does not change when it
// is wired (see drift_wire.go until then).

// driftOptions are compareDrift's options.
type driftOptions = drift.Options

// compareDrift computes the drift from old to new.
var compareDrift = drift.Compare

// Compare's refusals: snapshots of two organizations, and a new snapshot
// not collected after the old.
var (
	errDriftOtherOrg = drift.ErrOtherOrg
	errDriftNotOlder = drift.ErrNotOlder
)
