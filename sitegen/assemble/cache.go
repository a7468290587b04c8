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
)

// Cache keeps the figures Input computed from history for the next build
// (`upchain serve` rebuilds every few minutes): while the history's sample
// and roll-up files are unchanged, the next build reads only the state,
// incidents and maintenance again. Safe for concurrent use.
type Cache struct {
	mu     sync.Mutex
	l      *config.Loaded
	dir    string
	now    time.Time
	print  uint64
	report *uptime.Report
	last   map[history.Key]history.Sample
}

// figures returns the cached report and newest samples when they were
// computed for the same config, directory, time and files.
func (c *Cache) figures(l *config.Loaded, dir string, now time.Time, print uint64) (*uptime.Report, map[history.Key]history.Sample, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.report == nil || c.l != l || c.dir != dir || !c.now.Equal(now) || c.print != print {
		return nil, nil, false
	}
	return c.report, c.last, true
}

func (c *Cache) keep(l *config.Loaded, dir string, now time.Time, print uint64, r *uptime.Report, last map[history.Key]history.Sample) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.l, c.dir, c.now, c.print, c.report, c.last = l, dir, now, print, r, last
}

// fingerprint digests the name, size and modification time of every file
// the figures are computed from (samples and roll-ups): files are replaced
// or appended to, never rewritten in place at the same size and time.
func fingerprint(dir string) (uint64, error) {
	h := fnv.New64a()
	for _, sub := range []string{history.RawDir, history.HourlyDir, history.DailyDir} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if path == filepath.Join(dir, sub) && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipDir
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00%d\x00%d\n", path, info.Size(), info.ModTime().UnixNano())
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("reading history in %s: %w", dir, err)
		}
	}
	return h.Sum64(), nil
}
