package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hogaudit/hogaudit/internal/atomicfile"
	"github.com/hogaudit/hogaudit/report"
)

// --sarif-dir DIR: the split SARIF report (report.SplitSARIF), one file per
// rule area whose evidence is complete, evidence.sarif and manifest.json.

// checkDir tests, before anything is collected, that t's directory exists
// (it is created, mode 0700, when its parent does) and takes new files.
func (t *outputTarget) checkDir(e *env) error {
	dir := e.path(t.path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Mkdir(dir, 0o700); err != nil {
			return fmt.Errorf("cannot create the directory %s: %w", t.path, unwrapPath(err))
		}
	case err != nil:
		return e.asGiven(err, t.path)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", t.path)
	}
	if err := atomicfile.Check(filepath.Join(dir, report.ManifestFile)); err != nil {
		return e.asGiven(err, t.path)
	}
	return nil
}

// writeSARIFDir writes rep split by area into t's directory, each file
// atomically and mode report.FileMode, the run's secrets masked, the
// manifest last. The file of an area this run leaves out (its evidence is
// incomplete) is removed if an earlier run wrote one, so that an upload of
// the directory never sends a stale area; no other file is touched.
func (t *outputTarget) writeSARIFDir(e *env, rep *report.Report, opts report.Options) error {
	files, _, err := report.SplitSARIF(rep, opts)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", t.flag, err))
	}
	dir := e.path(t.path)
	written := map[string]bool{}
	for _, f := range files {
		written[f.Name] = true
	}
	for _, area := range report.SARIFAreas {
		name := area + ".sarif"
		if written[name] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fail(fmt.Errorf("%s: remove the stale %s: %w", t.flag, name, e.asGiven(err, t.path)))
		}
	}
	for _, f := range files {
		if err := atomicfile.WriteBytes(filepath.Join(dir, f.Name), report.FileMode, e.secrets.Bytes(f.Data)); err != nil {
			return fail(fmt.Errorf("%s: %w", t.flag, e.asGiven(err, t.path)))
		}
	}
	// Only now is the manifest this run's: --github-output names the
	// areas it lists only when it is (a stale one would announce uploads).
	t.written = true
	return nil
}
