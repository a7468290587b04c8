package history

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// Store reads a checked-out history directory. It never writes; the
// Recorder does. A Store is safe for concurrent use.
type Store struct {
	dir string
	// now is the reader's clock (nil: time.Now): samples dated more than
	// FutureTolerance after it do not move the state ahead.
	now func() time.Time
}

// WithClock returns a copy of the store that reads the time from now (for
// simulated clocks and tests).
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// limit is the newest time a sample may have to count in the state.
func (s *Store) limit() time.Time {
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	return now().Add(FutureTolerance)
}

// Open returns a reader over the history checked out at dir. An empty or
// missing history is not an error for the reading functions: they return
// nothing.
func Open(dir string) (*Store, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("history: %s is not a directory", dir)
	}
	return &Store{dir: dir}, nil
}

// Dir is the history directory.
func (s *Store) Dir() string { return s.dir }

type dayFile struct {
	day  time.Time
	path string
}

// listDays returns the files of sub named YYYY-MM-DD.txt, oldest first.
// Anything else (temporary files of an interrupted write) is ignored.
func listDays(dir, sub string) ([]dayFile, error) {
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []dayFile
	for _, e := range entries {
		n := e.Name()
		if len(n) != len("2006-01-02.txt") || filepath.Ext(n) != ".txt" || e.IsDir() {
			continue
		}
		day, err := time.Parse(dayLayout, n[:10])
		if err != nil {
			continue
		}
		out = append(out, dayFile{day: day, path: filepath.Join(dir, sub, n)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].day.Before(out[j].day) })
	return out, nil
}

// yearFile is a file of sub named YYYY.txt (daily roll-ups of a year).
type yearFile struct {
	year int
	path string
}

// listYears returns the files of sub named YYYY.txt, oldest first;
// anything else is ignored, as in listDays.
func listYears(dir, sub string) ([]yearFile, error) {
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []yearFile
	for _, e := range entries {
		n := e.Name()
		if y, err := strconv.Atoi(n[:max(0, len(n)-4)]); err == nil && filepath.Ext(n) == ".txt" && len(n) == 8 {
			out = append(out, yearFile{year: y, path: filepath.Join(dir, sub, n)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].year < out[j].year })
	return out, nil
}

// yearOverlaps reports whether year y has days in [from, to) (zero bounds
// are open).
func yearOverlaps(y int, from, to time.Time) bool {
	start := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	return (to.IsZero() || start.Before(to)) && (from.IsZero() || start.AddDate(1, 0, 0).After(from))
}

// RawDays lists the UTC days that have raw samples, oldest first.
func (s *Store) RawDays() ([]time.Time, error) {
	files, err := listDays(s.dir, RawDir)
	out := make([]time.Time, len(files))
	for i, f := range files {
		out[i] = f.day
	}
	return out, err
}

// HourlyDays lists the UTC days that have hourly roll-ups, oldest first.
func (s *Store) HourlyDays() ([]time.Time, error) {
	files, err := listDays(s.dir, HourlyDir)
	out := make([]time.Time, len(files))
	for i, f := range files {
		out[i] = f.day
	}
	return out, err
}

// RolledThrough returns the last UTC day that has been rolled up (ok false
// if none). Roll-ups are authoritative up to the end of that day; raw
// samples of that day or earlier may still exist, but only so that the
// first sample of the next day can be weighted, and are not counted twice
// by readers that honour this boundary.
func (s *Store) RolledThrough() (day time.Time, ok bool, err error) {
	files, err := listDays(s.dir, HourlyDir)
	if err != nil || len(files) == 0 {
		return time.Time{}, false, err
	}
	return files[len(files)-1].day, true, nil
}

func inRange(day time.Time, from, to time.Time) bool {
	end := day.Add(24 * time.Hour)
	return (from.IsZero() || end.After(from)) && (to.IsZero() || day.Before(to))
}

// readLines calls fn for every non-comment line of a history file after
// checking its version header, as scanLines does. It reads the file a
// chunk at a time: a year of daily roll-ups of 1,000 checks is 13 MB,
// held beside the buckets made of it. line is valid only during fn.
func readLines(path, magic string, fn func(lineNo int, line []byte) error) error {
	return readRaw(path, magic, func(n int, line []byte, _ string) error { return fn(n, line) })
}

// readRaw is readLines that also tells fn the location of the round each
// line belongs to, as scanRaw does.
func readRaw(path, magic string, each func(lineNo int, line []byte, loc string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := lineScanner{path: path, magic: magic}
	buf := make([]byte, readChunk)
	have := 0 // bytes of buf holding an unfinished line
	for {
		m, err := io.ReadFull(f, buf[have:])
		end := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !end {
			return err
		}
		data := buf[:have+m]
		whole := len(data) // at the end, the rest is the last line
		if !end {
			whole = bytes.LastIndexByte(data, '\n') + 1
			if whole == 0 { // a line longer than the buffer
				buf = append(buf, make([]byte, len(buf))...)
				have = len(data)
				continue
			}
		}
		done, err := sc.scan(data[:whole], end, each)
		if err != nil || done || end {
			return err
		}
		have = copy(buf, data[whole:])
	}
}

// readChunk is how much of a file readLines reads at a time.
const readChunk = 256 << 10

// scanLines calls fn for every non-comment line of data. A line that fn
// reports damaged (see damaged), a garbled header and a last line without
// its newline are skipped with a warning; other errors of fn stop the scan.
func scanLines(data []byte, path, magic string, fn func(lineNo int, line []byte) error) error {
	return scanRaw(data, path, magic, func(n int, line []byte, _ string) error { return fn(n, line) })
}

// scanRaw is scanLines that also tells fn the location of the round each
// line belongs to (DefaultLocation before any "# round" line and in
// version 1 files).
func scanRaw(data []byte, path, magic string, fn func(lineNo int, line []byte, loc string) error) error {
	sc := lineScanner{path: path, magic: magic}
	_, err := sc.scan(data, true, fn)
	return err
}

// lineScanner is scanRaw over a file given in pieces that end with whole
// lines (the last piece may not).
type lineScanner struct {
	path, magic string
	n           int    // lines seen
	loc         string // location of the current round
	started     bool
}

// scan passes the lines of data to fn; last says data ends the file. done
// reports that the file was cut (no more lines count).
func (sc *lineScanner) scan(data []byte, last bool, fn func(lineNo int, line []byte, loc string) error) (done bool, err error) {
	if !sc.started {
		sc.started, sc.loc = true, DefaultLocation
		first, _, _ := bytes.Cut(data, []byte{'\n'})
		if err := checkVersion(first, sc.magic, sc.path); err != nil {
			if !isDamaged(err) {
				return true, err
			}
			damage.skip(sc.path, 1, first, err)
		}
	}
	for len(data) > 0 {
		sc.n++
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			// Writers always end lines; a missing newline means the
			// file was cut by something other than upchain.
			damage.skip(sc.path, sc.n, data, errors.New("incomplete last line"))
			return true, nil
		}
		line, data = data[:i], data[i+1:]
		if len(line) == 0 || line[0] == '#' {
			if rest, ok := bytes.CutPrefix(line, []byte(roundPrefix)); ok {
				sc.loc = roundLocation(rest)
			}
			continue
		}
		if err := fn(sc.n, line, sc.loc); err != nil {
			if isDamaged(err) {
				damage.skip(sc.path, sc.n, line, err)
				continue
			}
			return true, fmt.Errorf("%s:%d: %w", sc.path, sc.n, err)
		}
	}
	return false, nil
}

// Samples calls fn for every raw sample with from <= time < to (zero
// bounds are open), in time order. fn returning an error stops the walk.
func (s *Store) Samples(from, to time.Time, fn func(Sample) error) error {
	files, err := listDays(s.dir, RawDir)
	if err != nil {
		return err
	}
	var fields [][]byte
	for _, f := range files {
		if !inRange(f.day, from, to) {
			continue
		}
		var batch []Sample
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		err = scanRaw(data, f.path, rawMagic, func(_ int, line []byte, loc string) error {
			smp, err := parseSampleLineAt(f.day, line, &fields, loc)
			if err != nil {
				return damaged(err)
			}
			if (from.IsZero() || !smp.Time.Before(from)) && (to.IsZero() || smp.Time.Before(to)) {
				batch = append(batch, smp)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Rounds re-applied after a rejected push may be appended after
		// later ones; readers get time order.
		sort.SliceStable(batch, func(i, j int) bool { return batch[i].Time.Before(batch[j].Time) })
		for _, smp := range batch {
			if err := fn(smp); err != nil {
				return err
			}
		}
	}
	return nil
}

// Latest returns the newest raw sample of every check and region with
// from <= time < to (zero bounds are open), of any location. Unlike
// Samples it keeps only one sample per series in memory.
func (s *Store) Latest(from, to time.Time) (map[Key]Sample, error) {
	files, err := listDays(s.dir, RawDir)
	if err != nil {
		return nil, err
	}
	out := map[Key]Sample{}
	var fields [][]byte
	for _, f := range files {
		if !inRange(f.day, from, to) {
			continue
		}
		// First the newest line of each series, then only those parsed:
		// a day holds hundreds of samples per series. A newest line that
		// turns out damaged is skipped and the file scanned again without
		// it. The file is read a chunk at a time (a day of 1,000 checks is
		// 16 MB), each series' newest line kept in a buffer of its own.
		type newest struct {
			t      int64
			lineNo int
			line   []byte
			loc    string
			set    bool
			// after: the time of the sample out holds from an earlier
			// file, looked up once per series rather than once a line.
			after int64
		}
		base := f.day.Unix()
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if !from.IsZero() {
			lo = from.Unix()
		}
		if !to.IsZero() {
			hi = to.Unix()
		}
		bad := map[int]bool{}
		series := newSeriesIndex()
		var best []newest // by series number
		for {
			best = best[:0]
			err = readRaw(f.path, rawMagic, func(lineNo int, line []byte, loc string) error {
				if bad[lineNo] {
					return nil
				}
				fields = lineHead(line, fields, 7)
				if len(fields) < 7 {
					return damaged(fmt.Errorf("want at least 7 fields, got %d", len(fields)))
				}
				sec, ok := parseClock(fields[0])
				if !ok {
					return damaged(fmt.Errorf("bad time %q", fields[0]))
				}
				t := base + sec
				if t < lo || t >= hi {
					return nil
				}
				n, err := series.of(fields[1], fields[2])
				if err != nil {
					return damaged(fmt.Errorf("bad check or region"))
				}
				for int(n) >= len(best) {
					nb := newest{after: math.MinInt64}
					if prev, ok := out[series.keys[len(best)]]; ok {
						nb.after = prev.Time.Unix()
					}
					best = append(best, nb)
				}
				b := &best[n]
				if (b.set && t < b.t) || t < b.after {
					return nil
				}
				b.t, b.lineNo, b.loc, b.set = t, lineNo, loc, true
				b.line = append(b.line[:0], line...)
				return nil
			})
			if err != nil {
				return nil, err
			}
			again := false
			for n, b := range best {
				if !b.set {
					continue
				}
				k := series.keys[n]
				smp, err := parseSampleLineAt(f.day, b.line, &fields, b.loc)
				if err != nil {
					damage.skip(f.path, b.lineNo, b.line, err)
					bad[b.lineNo] = true
					again = true
					continue
				}
				out[k] = smp
			}
			if !again {
				break
			}
		}
	}
	return out, nil
}

// Points returns the raw samples with from <= time < to (zero bounds are
// open) reduced to points, per series, sorted by time. It is the fast path
// for uptime and latency figures: files are parsed in parallel, only the
// columns needed are decoded, and every series gets one exactly sized
// slice.
func (s *Store) Points(from, to time.Time) (map[Key][]Point, error) {
	files, err := listDays(s.dir, RawDir)
	if err != nil {
		return nil, err
	}
	files = slices.DeleteFunc(files, func(f dayFile) bool { return !inRange(f.day, from, to) })
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !from.IsZero() {
		lo = from.Unix()
	}
	if !to.IsZero() {
		hi = to.Unix()
	}
	days, err := readDays(files, lo, hi, rulesFrom(s.dir))
	if err != nil {
		return nil, err
	}
	parts := make([]map[Key][]Point, len(days))
	for i, d := range days {
		parts[i] = d.pts
	}
	if len(parts) == 1 {
		sortSeries(parts[0])
		return parts[0], nil
	}
	// Series by series, dropping each day's piece once copied: every
	// day's points and every series' whole slice are not all in memory
	// together.
	sizes := map[Key]int{}
	for _, p := range parts {
		for k, pts := range p {
			sizes[k] += len(pts)
		}
	}
	out := make(map[Key][]Point, len(sizes))
	for k, n := range sizes {
		all := make([]Point, 0, n)
		for _, p := range parts {
			all = append(all, p[k]...)
			delete(p, k)
		}
		out[k] = all
	}
	sortSeries(out)
	return out, nil
}

// sortSeries puts points in time order: rounds re-applied after a rejected
// push can come after later ones in a file.
func sortSeries(m map[Key][]Point) {
	for _, pts := range m {
		if !slices.IsSortedFunc(pts, cmpPoint) {
			slices.SortStableFunc(pts, cmpPoint)
		}
	}
}

func cmpPoint(a, b Point) int {
	switch {
	case a.Unix() < b.Unix():
		return -1
	case a.Unix() > b.Unix():
		return 1
	}
	return 0
}

// interner returns one string per distinct token (no allocation for
// tokens seen before).
type interner map[string]string

func (in interner) get(b []byte) (string, error) {
	if s, ok := in[string(b)]; ok {
		return s, nil
	}
	s, err := field(b)
	if err != nil {
		return "", err
	}
	in[string(b)] = s
	return s, nil
}

func readPoints(f dayFile, lo, hi int64, rules quorumRules) (map[Key][]Point, error) {
	info, err := os.Stat(f.path)
	if err != nil {
		return nil, err
	}
	base := f.day.Unix()
	// First pass: points in file order with their series number; then
	// one exactly sized slice per series.
	type rec struct {
		series int32
		loc    int32
		p      Point
		// lat outlives a down view that the quorum decides up.
		lat float32
	}
	locIndex := map[string]int32{}
	// The file is read a chunk at a time (a day of 1,000 checks is 16 MB,
	// two days are read at once), so the lines are not counted: raw lines
	// are rarely shorter than 40 bytes.
	recs := make([]rec, 0, info.Size()/40+1)
	series := newSeriesIndex()
	var fields [][]byte
	lastLoc, lastLi := "", int32(-1)
	err = readRaw(f.path, rawMagic, func(_ int, line []byte, loc string) error {
		fields = lineHead(line, fields, 7)
		if len(fields) < 7 {
			return damaged(fmt.Errorf("want at least 7 fields, got %d", len(fields)))
		}
		sec, ok := parseClock(fields[0])
		if !ok {
			return damaged(fmt.Errorf("bad time %q", fields[0]))
		}
		t := base + sec
		if t < lo || t >= hi {
			return nil
		}
		if !PointTimeOK(t) {
			return damaged(errPointTime)
		}
		lv, ok := parseStatus(fields[3])
		if !ok {
			return damaged(fmt.Errorf("bad status %q", fields[3]))
		}
		ms, ok := parseMillis(fields[6])
		if !ok {
			return damaged(fmt.Errorf("bad latency %q", fields[6]))
		}
		n, err := series.of(fields[1], fields[2])
		if err != nil {
			return damaged(err)
		}
		if loc != lastLoc || lastLi < 0 {
			li, ok := locIndex[loc]
			if !ok {
				li = int32(len(locIndex))
				locIndex[loc] = li
			}
			lastLoc, lastLi = loc, li
		}
		recs = append(recs, rec{n, lastLi, NewPoint(t, float32(ms), lv), float32(ms)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(locIndex) > 1 {
		// Several locations: each point gets the level decided across
		// them at its time (see decideLevel), so that uptime runs on the
		// decided timeline instead of adding up locations' samples.
		order := make([]int32, len(recs))
		for i := range order {
			order[i] = int32(i)
		}
		// Rounds are appended almost always in time order: sort only if not.
		if !slices.IsSortedFunc(order, func(a, b int32) int { return cmpPoint(recs[a].p, recs[b].p) }) {
			slices.SortStableFunc(order, func(a, b int32) int { return cmpPoint(recs[a].p, recs[b].p) })
		}
		nloc := len(locIndex)
		views := make([]Point, len(series.keys)*nloc) // Unix 0: no view yet
		type rule struct {
			n   int
			win int64
		}
		rs := make([]rule, len(series.keys))
		for i, k := range series.keys {
			rs[i].n, rs[i].win = rules(k)
		}
		for _, i := range order {
			r := &recs[i]
			v := views[int(r.series)*nloc : int(r.series+1)*nloc]
			v[r.loc] = r.p
			r.p = NewPoint(r.p.Unix(), r.lat, decideLevel(v, r.p.Unix(), rs[r.series].n, rs[r.series].win))
		}
	}
	counts := make([]int, len(series.keys))
	for _, r := range recs {
		counts[r.series]++
	}
	// One slice per series, so that Points can free each once merged.
	slicesOf := make([][]Point, len(series.keys))
	for i, c := range counts {
		slicesOf[i] = make([]Point, 0, c)
	}
	for _, r := range recs {
		slicesOf[r.series] = append(slicesOf[r.series], r.p)
	}
	out := make(map[Key][]Point, len(series.keys))
	for i, k := range series.keys {
		out[k] = slicesOf[i]
	}
	return out, nil
}

// quorumRules gives the quorum and window (seconds) of a series.
type quorumRules func(Key) (n int, window int64)

// defaultWindow is 1.5 times the default interval, for series the state
// file does not describe.
const defaultWindow = 450

// rulesFrom reads the rule of each series from the state file when it is
// first needed (only histories with several locations need it).
func rulesFrom(dir string) quorumRules {
	var once sync.Once
	var st *State
	return func(k Key) (int, int64) {
		once.Do(func() { st, _, _ = readStateFile(dir) })
		if rs := st.Get(k.Check, k.Region); rs != nil {
			w := rs.WindowS
			if w <= 0 {
				w = defaultWindow
			}
			return max(rs.Quorum, 1), w
		}
		return 1, defaultWindow
	}
}

// decideLevel is RegionState.decide on points: the latest point of each
// location within window seconds before now.
func decideLevel(views []Point, now int64, n int, window int64) Level {
	down, degraded := 0, false
	for _, p := range views {
		if p.Unix() == 0 || now-p.Unix() > window || p.Unix() > now {
			continue
		}
		switch p.Level() {
		case LevelDown:
			down++
		case LevelDegraded:
			degraded = true
		}
	}
	switch {
	case down >= n:
		return LevelDown
	case down > 0 || degraded:
		return LevelDegraded
	}
	return LevelUp
}

// Hourly returns the hourly roll-ups of hours starting in [from, to) (zero
// bounds are open), oldest first.
func (s *Store) Hourly(from, to time.Time) ([]Rollup, error) {
	var out []Rollup
	err := s.EachHourly(from, to, func(r *Rollup) error {
		out = append(out, *r)
		return nil
	})
	return out, err
}

// EachHourly calls fn for the hourly roll-ups of hours starting in
// [from, to), oldest first, without keeping them; fn must not keep r.
func (s *Store) EachHourly(from, to time.Time, fn func(r *Rollup) error) error {
	files, err := listDays(s.dir, HourlyDir)
	if err != nil {
		return err
	}
	var fields [][]byte
	in := interner{}
	for _, f := range files {
		if !inRange(f.day, from, to) {
			continue
		}
		err := readLines(f.path, hourlyMagic, func(_ int, line []byte) error {
			r, err := parseRollup(f.day, line, &fields, in, nil)
			if err != nil || !within(r.Start, from, to) {
				return damaged(err)
			}
			return fn(&r)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func within(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
}

// Daily returns the daily roll-ups of days starting in [from, to) (zero
// bounds are open), oldest first.
func (s *Store) Daily(from, to time.Time) ([]Rollup, error) {
	var out []Rollup
	err := s.EachDaily(from, to, func(r *Rollup) error {
		out = append(out, *r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// EachDaily calls fn for the daily roll-ups of days starting in [from, to),
// year by year, in file order (oldest first unless edited by hand); fn must
// not keep r.
func (s *Store) EachDaily(from, to time.Time, fn func(r *Rollup) error) error {
	years, err := listYears(s.dir, DailyDir)
	if err != nil {
		return err
	}
	var fields [][]byte
	in := interner{}
	var days dayMemo
	for _, y := range years {
		if !yearOverlaps(y.year, from, to) {
			continue
		}
		err := readLines(y.path, dailyMagic, func(_ int, line []byte) error {
			r, err := parseRollup(time.Time{}, line, &fields, in, &days)
			if err != nil || !within(r.Start, from, to) {
				return damaged(err)
			}
			return fn(&r)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// State loads the current state. The state file is a checkpoint: the
// recorder rewrites an entry when its status, reason, failed conditions or
// incident change, and at least every 12 hours, not for every round
// (rewriting every counter every round doubled git growth). State reads the
// file, replays each entry's rounds recorded after the round it names from
// the raw files (counts, times, values), and fills in the observed values,
// which the file does not repeat, from the latest raw samples. A missing
// file is an empty state.
func (s *Store) State() (*State, error) {
	return loadState(s.dir, s.limit())
}

func loadState(dir string, limit time.Time) (*State, error) {
	st, corrupt, err := readStateFile(dir)
	if err != nil {
		return nil, err
	}
	files, err := listDays(dir, RawDir)
	if err != nil {
		return nil, err
	}
	if corrupt {
		if err := rebuildState(dir, st, limit); err != nil {
			return nil, err
		}
	}
	if err := replay(files, st, limit); err != nil {
		return nil, err
	}
	for _, regions := range st.Checks {
		for _, rs := range regions {
			rs.Round = ""
			if skewed(rs.Last, limit) {
				// Written by a runner whose clock is ahead (or this
				// one's is behind): the next present result overtakes it.
				damage.future(filepath.Join(dir, StateFile), rs.Last, limit)
			}
		}
	}
	if err := fillValues(dir, st, limit); err != nil {
		return nil, err
	}
	return st, nil
}

// readStateFile reads the state file as written (the checkpoint). A file
// that is not valid JSON (a hand edit, a merge conflict) gives an empty
// state and corrupt: the caller rebuilds it from the raw files.
func readStateFile(dir string) (st *State, corrupt bool, err error) {
	st = &State{Checks: map[string]map[string]*RegionState{}}
	path := filepath.Join(dir, StateFile)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return st, false, nil
	case err != nil:
		return nil, false, err
	}
	if err := json.Unmarshal(data, st); err != nil {
		damage.stateCorrupt(path, err)
		return &State{Checks: map[string]map[string]*RegionState{}}, true, nil
	}
	if st.Checks == nil {
		st.Checks = map[string]map[string]*RegionState{}
	}
	for c, regions := range st.Checks {
		for r, rs := range regions {
			if rs == nil {
				delete(regions, r)
			}
		}
		if len(regions) == 0 {
			delete(st.Checks, c)
		}
	}
	return st, false, nil
}

// rebuildState folds every raw sample, in time order, into the empty st:
// the state a corrupt state file stood for, as far as the raw files reach
// (incident ids come back from the incident files on the next round).
// Each sample is decided across locations as the recorder would with
// quorum 1 (the quorums are not in the raw files; the next round decides
// with the configured ones), and every location's last round comes back.
func rebuildState(dir string, st *State, limit time.Time) error {
	return (&Store{dir: dir}).Samples(time.Time{}, time.Time{}, func(s Sample) error {
		results := st.Decide(s.Location, []prober.Result{{Time: s.Time, Check: s.Check, Region: s.Region, Status: s.Status,
			Latency: s.Latency, Code: s.Code, ReasonCode: s.Reason, Reason: string(s.Reason), Values: s.Values}}, nil)
		st.applyAt(results, limit)
		return nil
	})
}

// afterRound returns the offset in data just after the lines of round id,
// or -1 when data does not hold the round.
func afterRound(data []byte, id string) int {
	j := bytes.Index(data, []byte("\n"+roundPrefix+id+" "))
	if j < 0 {
		return -1
	}
	if k := bytes.Index(data[j+1:], []byte("\n"+roundPrefix)); k >= 0 {
		return j + 1 + k + 1
	}
	return len(data)
}

// replay folds into every entry of st the samples recorded after the round
// the entry names. Rounds are appended in the order they were recorded, so
// "after" is: later in a raw file that holds the round, or anywhere in a
// later file. It also sets st.Round to the last round of the newest file.
func replay(files []dayFile, st *State, limit time.Time) error {
	need := map[string]bool{}
	for _, regions := range st.Checks {
		for _, rs := range regions {
			if rs.Round != "" {
				need[rs.Round] = true
			}
		}
	}
	contents := make([][]byte, len(files))
	firstFile := map[string]int{} // earliest file holding each round
	from := len(files)
	for i := len(files) - 1; i >= 0; i-- {
		data, err := os.ReadFile(files[i].path)
		if err != nil {
			return err
		}
		contents[i] = data
		if i == len(files)-1 {
			if j := bytes.LastIndex(data, []byte("\n"+roundPrefix)); j >= 0 {
				id, _, _ := bytes.Cut(data[j+1+len(roundPrefix):], []byte{' '})
				st.Round = string(id)
			}
		}
		for id := range need {
			if bytes.Contains(data, []byte("\n"+roundPrefix+id+" ")) {
				firstFile[id] = i
				from = i
			}
		}
		// Entries name rounds of the last 12 hours or so: stop once every
		// round is found (and the day before, for rounds across midnight).
		if len(firstFile) == len(need) && from > i {
			break
		}
	}
	if len(need) == 0 {
		return nil
	}
	var fields [][]byte
	for i := from; i < len(files); i++ {
		data := contents[i]
		if data == nil {
			continue
		}
		// Where each round's entries resume in this file.
		start := map[string]int{}
		lo := len(data)
		for id := range need {
			f, ok := firstFile[id]
			switch {
			case !ok || f > i:
				continue // not reached yet
			case f == i || bytes.Contains(data, []byte("\n"+roundPrefix+id+" ")):
				start[id] = afterRound(data, id)
			default:
				start[id] = 0
			}
			lo = min(lo, start[id])
		}
		if len(start) == 0 {
			continue
		}
		firstLine, _, _ := bytes.Cut(data, []byte{'\n'})
		if err := checkVersion(firstLine, rawMagic, files[i].path); err != nil && !isDamaged(err) {
			return err
		}
		off := lo
		loc := locationBefore(data, lo)
		for off < len(data) {
			n := bytes.IndexByte(data[off:], '\n')
			if n < 0 {
				break
			}
			line, at := data[off:off+n], off
			off += n + 1
			if len(line) == 0 || line[0] == '#' {
				if rest, ok := bytes.CutPrefix(line, []byte(roundPrefix)); ok {
					loc = roundLocation(rest)
				}
				continue
			}
			smp, err := parseSampleLineAt(files[i].day, line, &fields, loc)
			if err != nil {
				damage.skip(files[i].path, 1+bytes.Count(data[:at], []byte{'\n'}), line, err)
				continue
			}
			st.sawLocation(smp.Location, smp.Time)
			rs := st.Get(smp.Check, smp.Region)
			if rs == nil || rs.Round == "" {
				continue
			}
			if s, ok := start[rs.Round]; ok && at >= s {
				if skewed(smp.Time, limit) {
					damage.future(files[i].path, smp.Time, limit)
					continue
				}
				applySample(st, rs, smp, limit)
			}
		}
	}
	return nil
}

// locationBefore is the location of the round that offset off of a raw
// file is in.
func locationBefore(data []byte, off int) string {
	j := bytes.LastIndex(data[:off], []byte("\n"+roundPrefix))
	if j < 0 {
		return DefaultLocation
	}
	line := data[j+1+len(roundPrefix):]
	if k := bytes.IndexByte(line, '\n'); k >= 0 {
		line = line[:k]
	}
	return roundLocation(line)
}

// applySample folds a replayed sample into its entry rs. An entry is
// rewritten for every round that changed more than counts, times and
// values, so only those change here.
func applySample(st *State, rs *RegionState, s Sample, limit time.Time) {
	if s.Time.Before(rs.Last) && !skewed(rs.Last, limit) {
		rs.replayStatus(s.Location, s) // a late round still updates its location's view
		return
	}
	s.Status = rs.replayStatus(s.Location, s)
	if rs.Status != s.Status {
		// Only if the files were edited by hand: take what the sample
		// says (the reason code stands for the reason text).
		rs.Status, rs.Since, rs.LastReason, rs.LastFailed = s.Status, s.Time, string(s.Reason), nil
	}
	rs.Last = s.Time
	if s.Status == prober.Up {
		rs.ConsecutiveSuccesses++
		rs.ConsecutiveFailures = 0
	} else {
		rs.ConsecutiveFailures++
		rs.ConsecutiveSuccesses = 0
	}
	if len(s.Values) > 0 {
		rs.Values = s.Values
	}
	if s.Time.After(st.Updated) || skewed(st.Updated, limit) {
		st.Updated = s.Time
	}
}

// valueDays is how many of the newest raw files fillValues searches:
// values older than that are no use as the previous probe's values, and
// checks that never report values would otherwise make every load read
// all raw files.
const valueDays = 2

// fillValues sets the Values of every region state that has none from the
// newest raw sample with values, reading the newest raw files first and
// stopping as soon as every series is served. Samples dated after limit
// (a runner's clock ahead) are not the previous probe's.
func fillValues(dir string, st *State, limit time.Time) error {
	missing := map[Key]bool{}
	for c, regions := range st.Checks {
		for r, rs := range regions {
			if rs != nil && len(rs.Values) == 0 {
				missing[Key{c, r}] = true
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	files, err := listDays(dir, RawDir)
	if err != nil {
		return err
	}
	var fields [][]byte
	for i := len(files) - 1; i >= max(0, len(files)-valueDays) && len(missing) > 0; i-- {
		f := files[i]
		found, failed, err := newestValues(f, missing, limit, &fields)
		if err != nil {
			return err
		}
		if len(failed) > 0 {
			// A newest line that is damaged or has no values after all:
			// the older lines of those series, one by one.
			more, err := valuesFromAllLines(f, failed, limit, &fields)
			if err != nil {
				return err
			}
			maps.Copy(found, more)
		}
		for k, smp := range found {
			st.Checks[k.Check][k.Region].Values = smp.Values
			delete(missing, k)
		}
	}
	return nil
}

// newestValues finds in f the newest line with values, not dated after
// limit, of each missing series, keeping one line per series (a day of
// 1,000 checks is 16 MB). failed are the series whose newest line does
// not parse or has no values: valuesFromAllLines looks further.
func newestValues(f dayFile, missing map[Key]bool, limit time.Time, fields *[][]byte) (found map[Key]Sample, failed map[Key]bool, err error) {
	type newest struct {
		t      int64
		lineNo int
		line   []byte
	}
	best := map[Key]*newest{}
	vl := newValueLines(f, missing)
	err = readLines(f.path, rawMagic, func(lineNo int, line []byte) error {
		k, sec, ok, err := vl.key(line, fields)
		if err != nil || !ok || skewed(f.day.Add(time.Duration(sec)*time.Second), limit) {
			return err
		}
		b := best[k]
		if b == nil {
			b = &newest{t: math.MinInt64}
			best[k] = b
		}
		if sec >= b.t { // of equal times the later line
			b.t, b.lineNo, b.line = sec, lineNo, append(b.line[:0], line...)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	found, failed = map[Key]Sample{}, map[Key]bool{}
	for k, b := range best {
		smp, err := parseSampleLine(f.day, b.line, fields)
		if err != nil {
			damage.skip(f.path, b.lineNo, b.line, err)
		}
		if err == nil && k == (Key{smp.Check, smp.Region}) && len(smp.Values) > 0 {
			found[k] = smp
		} else {
			failed[k] = true
		}
	}
	return found, failed, nil
}

// valueLines picks the raw lines with values of missing series.
type valueLines struct {
	f       dayFile
	missing map[Key]bool
	series  *seriesIndex
	wanted  []int8 // by series number: 1 missing, -1 not, 0 not yet looked up
}

func newValueLines(f dayFile, missing map[Key]bool) *valueLines {
	return &valueLines{f: f, missing: missing, series: newSeriesIndex()}
}

// key returns the series and time of a raw line with values of a missing
// series; ok is false for other lines.
func (v *valueLines) key(line []byte, fields *[][]byte) (k Key, sec int64, ok bool, err error) {
	if bytes.Count(line, []byte{' '}) < 7 {
		return k, 0, false, nil // no values on this line
	}
	*fields = lineHead(line, *fields, 3)
	fs := *fields
	n, nameErr := v.series.of(fs[1], fs[2])
	if nameErr == nil {
		for int(n) >= len(v.wanted) {
			v.wanted = append(v.wanted, 0)
		}
		if v.wanted[n] == 0 {
			v.wanted[n] = -1
			if v.missing[v.series.keys[n]] {
				v.wanted[n] = 1
			}
		}
		if v.wanted[n] < 0 {
			return k, 0, false, nil
		}
		k = v.series.keys[n]
	}
	sec, ok = parseClock(fs[0])
	if nameErr != nil || !ok {
		smp, err := parseSampleLine(v.f.day, line, fields)
		if err != nil {
			return k, 0, false, damaged(err)
		}
		k, sec = Key{smp.Check, smp.Region}, int64(smp.Time.Sub(v.f.day)/time.Second)
		return k, sec, v.missing[k], nil
	}
	return k, sec, true, nil
}

// valuesFromAllLines finds in f the newest line of each missing series
// that parses, has values and is not dated after limit, keeping every
// candidate line.
func valuesFromAllLines(f dayFile, missing map[Key]bool, limit time.Time, fields *[][]byte) (map[Key]Sample, error) {
	// The lines of each missing series, newest first, then only the
	// newest that parses, has values and is not dated after limit.
	type cand struct {
		t      int64
		lineNo int
		line   []byte
	}
	cands := map[Key][]cand{}
	vl := newValueLines(f, missing)
	err := readLines(f.path, rawMagic, func(lineNo int, line []byte) error {
		k, sec, ok, err := vl.key(line, fields)
		if err != nil || !ok {
			return err
		}
		// A copy: readLines reuses its buffer for the next chunk.
		cands[k] = append(cands[k], cand{sec, lineNo, bytes.Clone(line)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	found := map[Key]Sample{}
	for k, cs := range cands {
		// Newest first; of equal times the later line.
		slices.Reverse(cs)
		slices.SortStableFunc(cs, func(a, b cand) int { return cmp.Compare(b.t, a.t) })
		for _, c := range cs {
			if skewed(f.day.Add(time.Duration(c.t)*time.Second), limit) {
				continue
			}
			smp, err := parseSampleLine(f.day, c.line, fields)
			if err != nil {
				damage.skip(f.path, c.lineNo, c.line, err)
				continue
			}
			if k == (Key{smp.Check, smp.Region}) && len(smp.Values) > 0 {
				found[k] = smp
				break
			}
		}
	}
	return found, nil
}

// rawContains reports whether the raw file of day records the round id.
func rawContains(data []byte, id string) bool {
	return bytes.Contains(data, []byte("\n"+roundPrefix+id+" "))
}

// seriesIndex numbers the series of a raw file's lines, in order of first
// appearance. Rounds list the series in the same order, so the series that
// followed the previous line's last time is compared first: that spares
// two map lookups a line.
type seriesIndex struct {
	keys  []Key
	index map[string]map[string]int32
	raw   []rawKey // each series' fields as written
	next  []int32  // the series that followed each one last time, or -1
	prev  int32
	in    interner
}

type rawKey struct{ check, region string }

func newSeriesIndex() *seriesIndex {
	return &seriesIndex{index: map[string]map[string]int32{}, prev: -1, in: interner{}}
}

// of returns the number of the series whose check and region fields are
// written check and region, numbering it if new.
func (x *seriesIndex) of(check, region []byte) (int32, error) {
	if x.prev >= 0 {
		if g := x.next[x.prev]; g >= 0 && x.raw[g].check == string(check) && x.raw[g].region == string(region) {
			x.prev = g
			return g, nil
		}
	}
	regions := x.index[string(check)]
	if regions == nil {
		regions = map[string]int32{}
		x.index[string(check)] = regions
	}
	n, ok := regions[string(region)]
	if !ok {
		c, err := x.in.get(check)
		if err != nil {
			return 0, fmt.Errorf("check: %v", err)
		}
		r, err := x.in.get(region)
		if err != nil {
			return 0, fmt.Errorf("region: %v", err)
		}
		n = int32(len(x.keys))
		x.keys = append(x.keys, Key{c, r})
		x.raw = append(x.raw, rawKey{string(check), string(region)})
		x.next = append(x.next, -1)
		regions[string(region)] = n
	}
	if x.prev >= 0 {
		x.next[x.prev] = n
	}
	x.prev = n
	return n, nil
}
