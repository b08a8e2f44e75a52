package report

import (
	"os"
	"testing"

	"github.com/hogaudit/hogaudit/internal/sarifcheck"
)

// sarifs are the SARIF logs the tests write, validated by one multitool
// run after them all (sarifcheck.Batch).
var sarifs sarifcheck.Batch

func TestMain(m *testing.M) {
	os.Exit(sarifs.Run(m))
}
