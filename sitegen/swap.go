package sitegen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// markerFile is written into every built site. A non-empty output
// directory without it was not made by upchain and is never replaced.
// (It also tells GitHub Pages not to run Jekyll, which would drop files.)
const markerFile = ".nojekyll"

// checkOutDir refuses output directories that Build must not replace.
func checkOutDir(out string) error {
	if out == "" {
		return errors.New("sitegen: no output directory")
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if abs == filepath.Dir(abs) {
		return fmt.Errorf("sitegen: refusing to build into %s, the filesystem root", abs)
	}
	if wd, err := os.Getwd(); err == nil && abs == wd {
		return fmt.Errorf("sitegen: refusing to replace the current directory %s: choose an output directory such as public", abs)
	}
	st, err := os.Lstat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("sitegen: output %s exists and is not a directory", abs)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(abs, markerFile)); err != nil {
		return fmt.Errorf("sitegen: output %s is not empty and was not written by upchain build (no %s in it); remove it or choose another output directory", abs, markerFile)
	}
	return nil
}

// swapDir puts the freshly built directory tmp in place of out. Where the
// kernel can exchange two names atomically, readers never see a missing or
// half-written site; otherwise out is missing for the instant between two
// renames, and is never half-written.
func swapDir(tmp, out string) error {
	if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, out)
	}
	if exchangeDirs(tmp, out) == nil {
		// tmp now holds the previous site.
		return os.RemoveAll(tmp)
	}
	old := tmp + ".old"
	if err := os.Rename(out, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		// Put the previous site back rather than leave none.
		_ = os.Rename(old, out)
		return err
	}
	return os.RemoveAll(old)
}
