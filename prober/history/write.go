package history

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Retention says how long raw samples and hourly roll-ups are kept. Daily
// roll-ups are kept forever.
type Retention struct {
	Raw    time.Duration
	Hourly time.Duration
}

// Default retention periods.
const (
	DefaultRawRetention    = 14 * 24 * time.Hour
	DefaultHourlyRetention = 90 * 24 * time.Hour
)

// tmpPrefix marks files being written; a crash can leave one behind, and
// readers and git cleaning ignore or remove it.
const tmpPrefix = ".upchain-tmp-"

// writeFileAtomic replaces path with data so that readers see either the
// old or the new content, never a part: a kill or crash in the middle
// leaves at most a temporary file that nothing reads.
func writeFileAtomic(path string, data []byte) error {
	if writeFault != nil {
		if err := writeFault(path); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), tmpPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeFault, when set by a test, fails writes as a full disk or a
// read-only file system would.
var writeFault func(path string) error

func readOr(path string, def func() []byte) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return def(), nil
	}
	return data, err
}

// newRoundID returns a random id that marks a round in the raw files, so
// that a round re-applied after a crash or a rejected push is recognised
// and never recorded twice.
func newRoundID() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b[:])
}

func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func rawPath(dir string, day time.Time) string {
	return filepath.Join(dir, RawDir, day.Format(dayLayout)+".txt")
}

// roundOutcome says what appendRound did.
type roundOutcome struct {
	// landed: the round was already in the files (nothing written).
	landed bool
	// dropped counts samples of days already rolled up, which can no
	// longer be counted without rewriting the roll-ups.
	dropped int
	written int
	// earlier: samples went into a day file older than the newest one
	// (a late round); newest: samples went into the newest day file. The
	// state file's replay rule depends on both.
	earlier, newest bool
}

// appendRound appends the samples of round id to the raw files of their
// days, after a "# round" line. It writes nothing when the round is already
// present.
func appendRound(dir, id string, samples []Sample) (roundOutcome, error) {
	var out roundOutcome
	byDay := map[time.Time][]Sample{}
	for _, s := range samples {
		d := dayOf(s.Time)
		byDay[d] = append(byDay[d], s)
	}
	rolled, hasRolled, err := (&Store{dir: dir}).RolledThrough()
	if err != nil {
		return out, err
	}
	existing, err := listDays(dir, RawDir)
	if err != nil {
		return out, err
	}
	days := make([]time.Time, 0, len(byDay))
	contents := map[time.Time][]byte{}
	for d := range byDay {
		data, err := readOr(rawPath(dir, d), func() []byte { return []byte(rawHeader(d)) })
		if err != nil {
			return out, err
		}
		if rawContains(data, id) {
			out.landed = true
			return out, nil
		}
		if hasRolled && !d.After(rolled) {
			out.dropped += len(byDay[d])
			continue
		}
		days = append(days, d)
		contents[d] = data
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	for _, d := range days {
		ss := byDay[d]
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].Time.Before(ss[j].Time) })
		b := contents[d]
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n') // never glue a line onto a foreign partial one
		}
		b = roundLine(upgradeRawHeader(b), id, ss[0].Time, ss[0].Location)
		for i := range ss {
			b = appendSample(b, &ss[i])
		}
		if err := writeFileAtomic(rawPath(dir, d), b); err != nil {
			return out, err
		}
		out.written += len(ss)
		if n := len(existing); n > 0 && d.Before(existing[n-1].day) {
			out.earlier = true
		} else {
			out.newest = true
		}
	}
	return out, nil
}

// writeState writes the state file as given (the recorder passes its
// checkpoint copy, see Recorder.saveState).
func writeState(dir string, st *State) error {
	data, err := stateJSON(st)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, StateFile), data)
}

// regionSig is the part of a region's state whose change makes the
// recorder rewrite its entry in the state file: everything but counts,
// times and values, which readers replay from the raw files.
func regionSig(rs *RegionState) string {
	x := *rs
	x.Values, x.ConsecutiveFailures, x.ConsecutiveSuccesses, x.Last, x.Round, x.Locations = nil, 0, 0, time.Time{}, "", nil
	data, _ := json.Marshal(x)
	return string(data)
}

func stateJSON(st *State) ([]byte, error) {
	data, err := json.MarshalIndent(st, "", " ")
	return append(data, '\n'), err
}

// maintain rolls up every raw day older than the raw retention into hourly
// and daily roll-ups, removes raw files no longer needed, and removes hourly
// roll-ups older than their retention. It is idempotent: a day with an
// hourly file is rolled up already.
func maintain(dir string, now time.Time, ret Retention, capOf Cap) error {
	raw, err := listDays(dir, RawDir)
	if err != nil {
		return err
	}
	hourly, err := listDays(dir, HourlyDir)
	if err != nil {
		return err
	}
	rolled := map[time.Time]bool{}
	for _, h := range hourly {
		rolled[h.day] = true
	}
	cutoff := dayOf(now.Add(-ret.Raw))
	cache := map[time.Time]map[Key][]Point{}
	rules := rulesFrom(dir)
	load := func(f dayFile) (map[Key][]Point, error) {
		if p, ok := cache[f.day]; ok {
			return p, nil
		}
		p, err := readPoints(f, math.MinInt64, math.MaxInt64, rules)
		cache[f.day] = p
		return p, err
	}
	for i, f := range raw {
		if !f.day.Before(cutoff) {
			break
		}
		if rolled[f.day] {
			continue
		}
		// The day's samples plus the neighbours that weight its edges.
		merged := map[Key][]Point{}
		for j := max(0, i-1); j <= min(len(raw)-1, i+1); j++ {
			p, err := load(raw[j])
			if err != nil {
				return err
			}
			for k, pts := range p {
				merged[k] = append(merged[k], pts...)
			}
		}
		for k, pts := range merged {
			sort.SliceStable(pts, func(a, b int) bool { return pts[a].Unix() < pts[b].Unix() })
			merged[k] = pts
		}
		hours, days := rollDay(f.day, merged, capOf)
		// Values first: the hourly file written last marks the day rolled.
		if err := rollValues(dir, f); err != nil {
			return err
		}
		if err := writeRollups(dir, f.day, hours, days); err != nil {
			return err
		}
		rolled[f.day] = true
		// Older raw files were kept only to weight this day's first samples.
		for j := 0; j < i; j++ {
			if err := os.Remove(raw[j].path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	hourly, err = listDays(dir, HourlyDir)
	if err != nil {
		return err
	}
	keepFrom := dayOf(now.Add(-ret.Hourly))
	valueHours, err := listDays(dir, ValuesHourlyDir)
	if err != nil {
		return err
	}
	for _, h := range valueHours {
		if h.day.Before(keepFrom) {
			if err := os.Remove(h.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	for i, h := range hourly {
		// The newest hourly file marks how far roll-ups go: keep it.
		if h.day.Before(keepFrom) && i < len(hourly)-1 {
			if err := os.Remove(h.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

func writeRollups(dir string, day time.Time, hours, days []Rollup) error {
	b := []byte(hourlyHeader(day))
	for i := range hours {
		b = appendRollup(b, &hours[i])
	}
	if err := writeFileAtomic(filepath.Join(dir, HourlyDir, day.Format(dayLayout)+".txt"), b); err != nil {
		return err
	}
	path := filepath.Join(dir, DailyDir, strconv.Itoa(day.Year())+".txt")
	old, err := readOr(path, func() []byte { return []byte(dailyHeader(day.Year())) })
	if err != nil {
		return err
	}
	// Drop lines of this day if a previous attempt wrote them.
	prefix := day.Format(dayLayout) + " "
	var out []byte
	for _, line := range strings.SplitAfter(string(old), "\n") {
		if line != "" && !strings.HasPrefix(line, prefix) {
			out = append(out, line...)
		}
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	for i := range days {
		out = appendRollup(out, &days[i])
	}
	if !bytes.Equal(out, old) {
		return writeFileAtomic(path, out)
	}
	return nil
}

// AppendSamples appends samples as one round to the raw files under dir,
// without git. The recorder uses the same code; tools, tests and
// benchmarks use this to build a history directory directly.
func AppendSamples(dir string, samples []Sample) error {
	if len(samples) == 0 {
		return nil
	}
	for _, ss := range byLocation(samples) {
		if _, err := appendRound(dir, newRoundID(), ss); err != nil {
			return err
		}
	}
	return nil
}

// byLocation splits samples into one group per location, in order of
// first appearance: a round line names one location.
func byLocation(samples []Sample) [][]Sample {
	idx := map[string]int{}
	var out [][]Sample
	for _, s := range samples {
		i, ok := idx[s.Location]
		if !ok {
			i = len(out)
			idx[s.Location] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], s)
	}
	return out
}

// AppendRounds appends several rounds at once (one write per day file):
// the fast way to build a long history for tests and benchmarks.
func AppendRounds(dir string, rounds [][]Sample) error {
	rolled, hasRolled, err := (&Store{dir: dir}).RolledThrough()
	if err != nil {
		return err
	}
	contents := map[time.Time][]byte{}
	var split [][]Sample
	for _, round := range rounds {
		split = append(split, byLocation(round)...)
	}
	for _, round := range split {
		id := newRoundID()
		byDay := map[time.Time][]Sample{}
		for _, s := range round {
			byDay[dayOf(s.Time)] = append(byDay[dayOf(s.Time)], s)
		}
		for d, ss := range byDay {
			if hasRolled && !d.After(rolled) {
				continue
			}
			b, ok := contents[d]
			if !ok {
				if b, err = readOr(rawPath(dir, d), func() []byte { return []byte(rawHeader(d)) }); err != nil {
					return err
				}
			}
			sort.SliceStable(ss, func(i, j int) bool { return ss[i].Time.Before(ss[j].Time) })
			b = roundLine(upgradeRawHeader(b), id, ss[0].Time, ss[0].Location)
			for i := range ss {
				b = appendSample(b, &ss[i])
			}
			contents[d] = b
		}
	}
	for d, b := range contents {
		if err := writeFileAtomic(rawPath(dir, d), b); err != nil {
			return err
		}
	}
	return nil
}

// Maintain rolls up and prunes the history under dir as the recorder does
// after each round (see Retention), without git.
func Maintain(dir string, now time.Time, ret Retention, capOf Cap) error {
	if capOf == nil {
		capOf = DefaultCap
	}
	return maintain(dir, now, ret, capOf)
}
