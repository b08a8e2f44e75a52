package sarifcheck

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBatchNamesTheTestAndTheError: one multitool run over the logs of
// several tests fails on the invalid one, naming the test that wrote it
// and the error; the valid logs beside it pass.
func TestBatchNamesTheTestAndTheError(t *testing.T) {
	t.Parallel()
	multitool(t) // skips when absent
	good := writeLog(t, validLog)
	bad := writeLog(t, strings.Replace(validLog, "json.schemastore.org/sarif-2.1.0.json", "example.com/old-sarif.json", 1))

	var b Batch
	for _, l := range []struct{ test, path string }{{"TestWroteGood", good}, {"TestWroteBad", bad}, {"TestWroteGoodToo", good}} {
		if err := b.keep(l.test, l.path); err != nil {
			t.Fatal(err)
		}
	}
	var out strings.Builder
	if b.Check(t.Context(), &out, false) {
		t.Errorf("a batch with an invalid log passed:\n%s", out.String())
	}
	got := out.String()
	if !strings.Contains(got, "sarifcheck: FAIL TestWroteBad wrote "+bad+": multitool error GH1011/") {
		t.Errorf("the failure should name the test, the log and GH1011:\n%s", got)
	}
	if strings.Contains(got, "TestWroteGood") {
		t.Errorf("the valid logs were blamed:\n%s", got)
	}
	// The batch is spent: nothing is checked twice.
	if !b.Check(t.Context(), &out, false) {
		t.Error("an empty batch failed")
	}

	// The near miss: the same logs without the invalid one pass.
	var nb Batch
	for _, test := range []string{"TestA", "TestB"} {
		if err := nb.keep(test, good); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	if !nb.Check(t.Context(), &out, true) || strings.Contains(out.String(), "FAIL") {
		t.Errorf("valid logs failed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "the multitool checked 2 logs of 2 tests") {
		t.Errorf("verbose: no summary line:\n%s", out.String())
	}
}

// TestBatchPinsWhatTheOneRunDoesNotTie: the multitool says that it skipped
// a log over 10 MB without naming it (a warning, when other logs were
// checked); the batch then checks each log alone, and the skipped one is
// an error of its own test.
func TestBatchPinsWhatTheOneRunDoesNotTie(t *testing.T) {
	t.Parallel()
	multitool(t)
	good := writeLog(t, validLog)
	big := writeLog(t, strings.Replace(validLog, `"anything": {"goes": ["here"]}`, `"padding": "`+strings.Repeat("x", 11<<20)+`"`, 1))
	var b Batch
	if err := b.keep("TestSmall", good); err != nil {
		t.Fatal(err)
	}
	if err := b.keep("TestBig", big); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if b.Check(t.Context(), &out, false) {
		t.Fatalf("a skipped log passed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "sarifcheck: FAIL TestBig wrote "+big) || strings.Contains(out.String(), "TestSmall") {
		t.Errorf("the skipped log should fail its own test alone:\n%s", out.String())
	}
}

// TestBatchValidate: the schema check fails the test at once; the log
// waits for the multitool.
func TestBatchValidate(t *testing.T) {
	t.Parallel()
	multitool(t)
	var b Batch
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Validate(f, writeLog(t, strings.Replace(validLog, `"level": "error",`, `"level": "fatal",`, 1)))
	}()
	<-done
	if len(f.errors) == 0 || !strings.Contains(f.errors[0], "schema error") || f.fatal != "" || f.skipped != "" {
		t.Errorf("invalid level: errors %q, fatal %q, skipped %q; want a schema error", f.errors, f.fatal, f.skipped)
	}
	if len(b.logs) != 1 || b.logs[0].test != t.Name() {
		t.Errorf("kept %+v, want the log of %s", b.logs, t.Name())
	}
	var out strings.Builder
	b.Check(t.Context(), &out, false)
}

func TestMultitoolLocationFile(t *testing.T) {
	t.Parallel()
	for uri, want := range map[string]string{
		"file:///tmp/a%20b/x.sarif": "/tmp/a b/x.sarif",
		"/tmp/x.sarif":              "/tmp/x.sarif",
		"":                          "",
	} {
		var l multitoolLocation
		l.PhysicalLocation.ArtifactLocation.URI = uri
		if got := l.file(); got != filepath.FromSlash(want) {
			t.Errorf("file(%q) = %q, want %q", uri, got, want)
		}
	}
}
