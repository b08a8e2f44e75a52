package review

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// ErrNotEmpty is Write's error for an existing directory with files in it
// (without force).
var ErrNotEmpty = errors.New("the directory exists and is not empty")

// Write writes files into dir atomically: into a new directory beside it,
// renamed to dir once every file is written and synced, so that dir never
// holds part of a bundle. An existing dir must be empty unless force,
// which replaces it (its old content is removed once the new one is in
// place).
func Write(dir string, files map[string][]byte, force bool) error {
	dir = filepath.Clean(dir)
	old := false
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", dir)
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		if len(ents) > 0 && !force {
			return fmt.Errorf("%s: %w", dir, ErrNotEmpty)
		}
		old = true
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(dir)
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".hogaudit-tmp-")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := writeSynced(filepath.Join(tmp, n), files[n]); err != nil {
			return err
		}
	}
	if old {
		// Move the old directory aside first: rename cannot replace a
		// non-empty directory.
		aside := tmp + ".old"
		if err := os.Rename(dir, aside); err != nil {
			return err
		}
		if err := os.Rename(tmp, dir); err != nil {
			_ = os.Rename(aside, dir)
			return err
		}
		done = true
		return os.RemoveAll(aside)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	done = true
	if d, err := os.Open(parent); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
