package sitegen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Builder rebuilds the site into the same directory again and again
// (`upchain serve`), doing only the work that changed: checks whose input
// is unchanged are not rendered again, and only files whose bytes differ
// are written. Readers of the output never see a half-written site: a
// build updates a second copy beside it (the generation before the
// current one, or a new one linking the unchanged files of the current
// one) and swaps the two, as Build does. The files are
// byte-identical to those of Build for the same input. A Builder is not
// safe for concurrent use.
type Builder struct {
	out string
	// shadow is the directory beside out holding the generation before
	// the current one, shadowFiles its files; "" when there is none.
	shadow      string
	shadowFiles map[string]fileSum
	// outFiles and checks are what the last build put in out (nil: out
	// was not written by this Builder).
	outFiles map[string]fileSum
	checks   map[string]rendered
	last     inputKey
}

// BuildStats says what a build did.
type BuildStats struct {
	// Files in the site; Written of them written, Linked hard-linked
	// unchanged from the site being served, Removed stale ones deleted;
	// Rendered checks rendered again (of Checks), and of their feeds and
	// badges Reused the groups carried unrendered because their own
	// input did not change.
	Files, Written, Linked, Removed, Rendered, Reused, Checks int
	// Unchanged: the input equals the last build's, nothing was touched.
	Unchanged bool
}

// NewBuilder returns a builder for outDir.
func NewBuilder(outDir string) *Builder { return &Builder{out: filepath.Clean(outDir)} }

// Build renders in into the output directory.
func (b *Builder) Build(in *Input) (BuildStats, error) {
	var st BuildStats
	if in == nil {
		return st, errors.New("sitegen: no input")
	}
	if err := validate(in); err != nil {
		return st, err
	}
	if err := checkOutDir(b.out); err != nil {
		return st, err
	}
	siteKey := siteKeyOf(in)
	keys := checkKeys(siteKey, in)
	total := newKeyHasher()
	total.write(siteKey[:])
	for _, k := range keys {
		total.write(k[:])
	}
	key := total.sum()
	st.Checks = len(keys)
	if b.outFiles != nil && key == b.last {
		if _, err := os.Stat(filepath.Join(b.out, markerFile)); err == nil {
			st.Files, st.Unchanged = len(b.outFiles), true
			return st, nil
		}
	}
	parent := filepath.Dir(b.out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return st, fmt.Errorf("sitegen: %w", err)
	}
	if b.shadow != "" {
		if _, err := os.Stat(filepath.Join(b.shadow, markerFile)); err != nil {
			b.dropShadow()
		}
	}
	if b.shadow == "" {
		dir, err := b.newShadow(parent)
		if err != nil {
			return st, fmt.Errorf("sitegen: %w", err)
		}
		b.shadow, b.shadowFiles = dir, map[string]fileSum{}
	}
	w := newWriter(b.shadow, true, b.shadowFiles)
	if len(b.shadowFiles) == 0 && b.outFiles != nil {
		// A new copy: link what did not change from the site being served.
		w.same, w.sameSums = b.out, b.outFiles
	}
	prev := b.checks
	if prev == nil {
		prev = map[string]rendered{}
	}
	checks, err := render(in, w, keys, prev, b.out)
	if err == nil {
		st.Removed, err = w.removeStale()
	}
	if err == nil {
		err = os.Chmod(b.shadow, 0o755)
	}
	if err != nil {
		// Out is as it was, but forget what it holds: a file carried from
		// it may have been changed by someone else.
		b.dropShadow()
		b.outFiles, b.checks = nil, nil
		return st, err
	}
	st.Files, st.Written, st.Linked, st.Reused = len(w.made), int(w.written.Load()), int(w.linked.Load()), int(w.reused.Load())
	for _, c := range checks {
		if c.rendered {
			st.Rendered++
		}
	}
	if err := b.swap(); err != nil {
		b.dropShadow()
		return st, fmt.Errorf("sitegen: replacing %s: %w", b.out, err)
	}
	b.outFiles, b.checks, b.last = w.made, checks, key
	return st, nil
}

// swap puts the shadow in place of out; the shadow then holds the previous
// site, whose files are those of the last build (or unknown, then it goes).
func (b *Builder) swap() error {
	prevFiles := b.outFiles
	if _, err := os.Lstat(b.out); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(b.shadow, b.out); err != nil {
			return err
		}
		b.shadow, b.shadowFiles = "", nil
		return nil
	}
	if exchangeDirs(b.shadow, b.out) != nil {
		old := b.shadow + ".old"
		if err := os.Rename(b.out, old); err != nil {
			return err
		}
		if err := os.Rename(b.shadow, b.out); err != nil {
			_ = os.Rename(old, b.out)
			return err
		}
		if os.Rename(old, b.shadow) != nil {
			b.shadow = old
		}
	}
	b.shadowFiles = prevFiles
	if prevFiles == nil {
		b.dropShadow()
	}
	return nil
}

// newShadow makes an empty copy directory with a fixed name beside the
// output, so that a restarted process replaces the copy its predecessor
// left instead of adding one; a directory of that name that upchain did
// not write is left alone for a temporary one.
func (b *Builder) newShadow(parent string) (string, error) {
	dir := filepath.Join(parent, "."+filepath.Base(b.out)+".prev")
	if _, err := os.Lstat(dir); err == nil {
		if checkOutDir(dir) != nil {
			return os.MkdirTemp(parent, "."+filepath.Base(b.out)+".build-")
		}
		if err := os.RemoveAll(dir); err != nil {
			return "", err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

func (b *Builder) dropShadow() {
	if b.shadow != "" {
		os.RemoveAll(b.shadow)
	}
	b.shadow, b.shadowFiles = "", nil
}

// Built tells whether the output holds a site this builder built (it may
// have been removed since).
func (b *Builder) Built() bool {
	if b.outFiles == nil {
		return false
	}
	_, err := os.Stat(filepath.Join(b.out, markerFile))
	return err == nil
}

// Close removes the copy the builder keeps beside the output.
func (b *Builder) Close() error {
	b.dropShadow()
	return nil
}

// checkKeys digests every check's input, in the order of the model's
// checks (groups in order).
func checkKeys(site inputKey, in *Input) []inputKey {
	var keys []inputKey
	for gi := range in.Groups {
		for ci := range in.Groups[gi].Checks {
			keys = append(keys, checkKeyOf(site, &in.Groups[gi].Checks[ci]))
		}
	}
	return keys
}
