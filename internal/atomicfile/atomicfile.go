// Package atomicfile writes files so that readers see either the old content
// or the complete new content, never a partial write: data goes to a
// temporary file in the target's directory, is synced, and is renamed over
// the target. A symbolic link is followed (the link stays, its target is
// replaced), and a target that is not a regular file — /dev/null,
// /dev/stdout, a named pipe — is written in place, never replaced.
//
// Temporary files are named after their target, ".<name>.hogaudit-tmp-*" in
// its directory, so that one left by an interrupted write (a killed process)
// is recognized and removed by the next Write to the same path.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TempPrefix returns the prefix of the temporary files Write creates for
// path: "." + the base name of path + ".hogaudit-tmp-".
func TempPrefix(path string) string { return "." + filepath.Base(path) + ".hogaudit-tmp-" }

// Write calls fill with a writer for a temporary file beside path and, if fill
// and the sync succeed, renames the temporary file to path with mode perm.
// The result has mode perm whatever the mode of the file it replaces, so a
// file that others could read before is tightened. On any error the
// temporary file is removed and path is left untouched. Temporary files of
// earlier, interrupted writes to path are removed first; two processes
// writing the same path at once may therefore make one of them fail, never
// leave a mix of both.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) (err error) {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		if info.IsDir() {
			return fmt.Errorf("write %s: is a directory", path)
		}
		return writeInPlace(path, fill)
	}
	dir := filepath.Dir(path)
	removeStale(dir, TempPrefix(path))
	tmp, err := os.CreateTemp(dir, TempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// removeStale removes the regular files of dir whose names start with
// prefix: temporary files of interrupted writes. It is best effort: a file
// that cannot be removed is left, and the write goes on.
func removeStale(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Check reports whether Write (or AppendBytes) could write path, without
// changing it: a device or pipe must be writable by this process; anything
// else must not be a directory, and its directory must exist and accept a
// new file (Check creates and removes a temporary file there, the only test
// that holds for read-only mounts and access lists). The error says what is
// wrong, naming path.
func Check(path string) error {
	target := path
	if t, err := filepath.EvalSymlinks(path); err == nil {
		target = t
	}
	info, statErr := os.Stat(target)
	switch {
	case statErr == nil && info.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case statErr == nil && !info.Mode().IsRegular():
		if err := writable(target); err != nil {
			return fmt.Errorf("%s is not writable: %w", path, err)
		}
		return nil
	}
	dir := filepath.Dir(target)
	di, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("the directory of %s does not exist", path)
	case err != nil:
		return fmt.Errorf("the directory of %s: %w", path, err)
	case !di.IsDir():
		return fmt.Errorf("the directory of %s is not a directory", path)
	case statErr != nil && !errors.Is(statErr, fs.ErrNotExist):
		return fmt.Errorf("%s: %w", path, statErr)
	}
	f, err := os.CreateTemp(dir, TempPrefix(target)+"*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot create files in the directory of %s: %w", path, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// AppendBytes appends data to the existing path with a single write,
// keeping the file's mode and its content byte for byte. Readers may see
// part of data while it is written, never less of the old content. If the
// write or the sync fails, the file is cut back to its size before the
// write, so that no part of data stays, unless the size shows that another
// process appended meanwhile; a failure never touches the old content.
func AppendBytes(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	var before int64 = -1
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		before = fi.Size()
	}
	n, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		if before >= 0 {
			if fi, serr := f.Stat(); serr == nil && fi.Size() == before+int64(n) {
				f.Truncate(before)
			}
		}
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeInPlace writes to a device or pipe, which cannot be replaced.
func writeInPlace(path string, fill func(w io.Writer) error) error {
	return writeOpen(path, os.O_WRONLY, fill)
}

// writeOpen opens the existing path with flag and calls fill on it.
func writeOpen(path string, flag int, fill func(w io.Writer) error) error {
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteBytes atomically replaces path's content with data.
func WriteBytes(path string, perm os.FileMode, data []byte) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
