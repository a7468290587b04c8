package history

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"
)

// PointCache keeps what Store.CachedPoints read for its next call on the
// same history, so that a rebuild parses only the raw day files that
// changed: in a daemon that is today's file, which each round appends to,
// while the older days stay as they were. The zero value is ready to use.
//
// The cache owns the map and the slices it returns: they are valid until
// the next call, which may change the map and write over the slices.
// Callers must not change them.
type PointCache struct {
	mu   sync.Mutex
	dir  string
	days []cachedDay // in day order: the points of pts, day by day
	pts  map[Key][]Point
}

// cachedDay is one raw day file as it was when read, and what it added to
// every series.
type cachedDay struct {
	fileStamp
	day time.Time
	// counts is the number of points of each series from this day: a
	// series' points are its days' points in day order.
	counts map[Key]int32
	// rules are the quorum rules that decided the levels of a file of
	// several locations (nil for one location): other rules decide other
	// levels, so the file is read again.
	rules map[Key]rule
}

// Reset drops what c keeps.
func (c *PointCache) Reset() {
	c.mu.Lock()
	c.dir, c.days, c.pts = "", nil, nil
	c.mu.Unlock()
}

// fileStamp tells whether a file changed: history files are replaced or
// appended to, never rewritten in place at the same size and time (a file
// replaced by another of the same size and time has another inode).
type fileStamp struct {
	path  string
	size  int64
	mtime int64
	ino   uint64
}

func stampOf(path string) (fileStamp, error) {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{path: path, size: info.Size(), mtime: info.ModTime().UnixNano(), ino: inode(info)}, nil
}

// rule is a series' quorum and window (seconds).
type rule struct {
	n   int
	win int64
}

// CachedPoints is Points over the whole history (zero bounds), reading
// again only the day files whose stamp (size, time, inode) changed since
// the last call with c (or whose quorum rules changed), and keeping the
// points of the others. Its result equals Points(time.Time{}, time.Time{})
// and is owned by c (see PointCache).
func (s *Store) CachedPoints(c *PointCache) (map[Key][]Point, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	files, err := listDays(s.dir, RawDir)
	if err != nil {
		return nil, err
	}
	// Stamps are taken before reading: a file that changes meanwhile is
	// read again next time, never kept stale.
	stamps := make([]fileStamp, 0, len(files))
	listed := files
	files = files[:0]
	for _, f := range listed {
		st, err := stampOf(f.path)
		if errors.Is(err, os.ErrNotExist) {
			continue // removed since listed (raw days expire)
		}
		if err != nil {
			return nil, err
		}
		files, stamps = append(files, f), append(stamps, st)
	}
	rules := rulesFrom(s.dir)
	if c.dir != s.dir || c.pts == nil {
		c.dir, c.days, c.pts = s.dir, nil, map[Key][]Point{}
	}
	// Old days before the first file were removed (raw days expire);
	// then come the days still the same, then the rest, read again.
	drop := 0
	for drop < len(c.days) && (len(files) == 0 || c.days[drop].day.Before(files[0].day)) {
		drop++
	}
	same := 0
	for same < len(files) && drop+same < len(c.days) && c.days[drop+same].unchanged(stamps[same], rules) {
		same++
	}
	removed := pointsOf(c.days[:drop])         // to cut from the front
	kept := pointsOf(c.days[drop : drop+same]) // of the days still the same
	fresh := files[same:]
	parts, err := readDays(fresh, math.MinInt64, math.MaxInt64, rules)
	if err != nil {
		c.dir, c.days, c.pts = "", nil, nil // start over next time
		return nil, err
	}
	added := map[Key]int{}
	for _, p := range parts {
		for k, pts := range p.pts {
			added[k] += len(pts)
		}
	}
	for k := range c.pts {
		if _, ok := added[k]; !ok {
			added[k] = 0
		}
	}
	for k, n := range added {
		old := c.pts[k]
		lo, hi := removed[k], removed[k]+kept[k]
		need := hi - lo + n
		if need == 0 {
			delete(c.pts, k)
			continue
		}
		var pts []Point
		if lo == 0 && cap(old) >= need {
			pts = old[:hi] // appended in place: the usual round
		} else {
			// A new slice, with room for a day's growth of rounds so
			// that the next calls append in place.
			pts = make([]Point, hi-lo, need+need/8)
			copy(pts, old[lo:hi])
		}
		for _, p := range parts {
			pts = append(pts, p.pts[k]...)
		}
		if tail := pts[hi-lo:]; !slices.IsSortedFunc(tail, cmpPoint) {
			// Days are disjoint in time: sorting the new days' points
			// is sorting the series.
			slices.SortStableFunc(tail, cmpPoint)
		}
		c.pts[k] = pts
	}
	days := make([]cachedDay, 0, len(files))
	days = append(days, c.days[drop:drop+same]...)
	for i, p := range parts {
		counts := make(map[Key]int32, len(p.pts))
		for k, pts := range p.pts {
			counts[k] = int32(len(pts))
		}
		days = append(days, cachedDay{fileStamp: stamps[same+i], day: fresh[i].day, counts: counts, rules: p.rules})
	}
	c.days = days
	return c.pts, nil
}

// pointsOf adds up how many points each series has from days.
func pointsOf(days []cachedDay) map[Key]int {
	out := map[Key]int{}
	for _, d := range days {
		for k, n := range d.counts {
			out[k] += int(n)
		}
	}
	return out
}

// unchanged reports whether d still holds what its file says: the same
// stamp, and for several locations the same quorum rules.
func (d *cachedDay) unchanged(st fileStamp, rules quorumRules) bool {
	if d.fileStamp != st {
		return false
	}
	for k, r := range d.rules {
		if n, w := rules(k); n != r.n || w != r.win {
			return false
		}
	}
	return true
}

// dayPoints is one day file's points and the rules they were decided by.
type dayPoints struct {
	pts   map[Key][]Point
	rules map[Key]rule
}

// readDays reads the points of files with lo <= time < hi, in parallel.
func readDays(files []dayFile, lo, hi int64, rules quorumRules) ([]dayPoints, error) {
	out := make([]dayPoints, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var used map[Key]rule
			record := func(k Key) (int, int64) {
				n, w := rules(k)
				if used == nil {
					used = map[Key]rule{}
				}
				used[k] = rule{n, w}
				return n, w
			}
			out[i].pts, errs[i] = readPoints(f, lo, hi, record)
			out[i].rules = used
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// RollupStamp digests the stamp (name, size, time, inode) of every
// hourly and daily roll-up file: equal stamps mean EachHourly and
// EachDaily read the same roll-ups, so what was made of them can be kept.
// Roll-ups change once a day, when a day is rolled up.
func (s *Store) RollupStamp() ([sha256.Size]byte, error) {
	h := sha256.New()
	days, err := listDays(s.dir, HourlyDir)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	years, err := listYears(s.dir, DailyDir)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	paths := make([]string, 0, len(days)+len(years))
	for _, d := range days {
		paths = append(paths, d.path)
	}
	for _, y := range years {
		paths = append(paths, y.path)
	}
	for _, p := range paths {
		st, err := stampOf(p)
		if errors.Is(err, os.ErrNotExist) {
			st = fileStamp{path: p, size: -1} // removed since listed: differs anyway
		} else if err != nil {
			return [sha256.Size]byte{}, err
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%d\n", st.path, st.size, st.mtime, st.ino)
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out, nil
}
