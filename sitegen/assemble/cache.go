package assemble

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/uptime"
	"github.com/upchain-dev/upchain/sitegen"
)

// Cache tells repeated builds of one config (`upchain serve` rebuilds every
// few minutes) whether anything Input reads changed since the last input
// it gave: the history's files (samples, roll-ups, state, incidents,
// maintenance), the config, and whether monitoring counts as delayed.
// When something changed, it reads again only the raw day files that
// changed, and the roll-ups only when they changed (uptime.Cache): it
// keeps the points and roll-up buckets the uptime figures are computed
// from between builds. Safe for concurrent use; builds of one Cache run
// one at a time.
type Cache struct {
	build   sync.Mutex // one Input at a time: figures is reused
	figures uptime.Cache
	mu      sync.Mutex
	l       *config.Loaded
	dir     string
	print   uint64
	now     time.Time
	delayed bool
	valid   bool
}

// Input is assemble.Input that returns changed false, and no input, when
// nothing it reads changed since the input it last returned (and that was
// not forgotten since).
func (c *Cache) Input(l *config.Loaded, opts Options) (in *sitegen.Input, changed bool, err error) {
	c.build.Lock()
	defer c.build.Unlock()
	dir, cleanup, err := history.Source(l)
	if err != nil {
		return nil, false, err
	}
	defer cleanup()
	var print uint64
	if dir != "" {
		// Taken before reading: a file that changes meanwhile makes the
		// next build differ, never the other way round.
		if print, err = fingerprint(dir); err != nil {
			return nil, false, err
		}
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	c.mu.Lock()
	same := c.valid && c.l == l && c.dir == dir && c.print == print &&
		(!c.now.IsZero() && clock().Sub(c.now) > StaleAfter(l)) == c.delayed
	c.mu.Unlock()
	if same {
		return nil, false, nil
	}
	if dir != "" && dir == l.History.WithDefaults().Path(l.Dir) {
		opts.figures = &c.figures
	} else {
		// A copy extracted for this build only (history.Source): its
		// files are new each time, so keeping them would save nothing.
		c.figures.Reset()
	}
	if in, err = FromDir(l, dir, opts); err != nil {
		return nil, false, err
	}
	c.mu.Lock()
	c.l, c.dir, c.print, c.now, c.delayed, c.valid = l, dir, print, in.Now, !in.DelayedSince.IsZero(), true
	c.mu.Unlock()
	return in, true, nil
}

// Forget makes the next Input read everything again (after a build of
// its input failed).
func (c *Cache) Forget() {
	c.mu.Lock()
	c.valid = false
	c.mu.Unlock()
}

// fingerprint digests the name, size and modification time of every file
// of the history directory but git's: files are replaced or appended to,
// never rewritten in place at the same size and time.
func fingerprint(dir string) (uint64, error) {
	h := fnv.New64a()
	// The walk does not follow links: start from the directory itself.
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return 0, fmt.Errorf("reading history in %s: %w", dir, err)
	}
	fmt.Fprintf(h, "%s\n", root)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root || !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return nil // removed while walking: the digest differs anyway
		}
		if d.Name() == ".git" { // a worktree's link file or a repository
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", path, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reading history in %s: %w", dir, err)
	}
	return h.Sum64(), nil
}
