// Package examples holds hogaudit's example files, embedded so that the
// binary can run its demo anywhere.
package examples

import _ "embed"

// MatrixPath is the example matrix's path in hogaudit's repository.
const MatrixPath = "examples/access-matrix.yaml"

// Matrix is the access matrix of Acme Analytics, the simulated demo
// organization.
//
//go:embed access-matrix.yaml
var Matrix []byte
