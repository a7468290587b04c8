package history

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// Value roll-ups live in their own files (values-hourly/, values-daily/) so
// that the uptime roll-ups, and everything that reads them, stay as they
// were: a reader that wants no values never opens these files.
const (
	ValuesHourlyDir = "values-hourly"
	ValuesDailyDir  = "values-daily"
)

const (
	valuesHourlyMagic = "# upchain values-hourly v"
	valuesDailyMagic  = "# upchain values-daily v"
	valueColumns      = "check region name samples min max last"
)

func valuesHourlyHeader(day time.Time) string {
	return fmt.Sprintf("%s%d\n# day %s UTC\n# columns: hour %s\n", valuesHourlyMagic, FormatVersion, day.Format(dayLayout), valueColumns)
}

func valuesDailyHeader(year int) string {
	return fmt.Sprintf("%s%d\n# year %d UTC\n# columns: day %s\n", valuesDailyMagic, FormatVersion, year, valueColumns)
}

// ValueRollup is one hour or one UTC day of one value of a series: what
// the value charts and the validator history need. Min, Max and Last are
// the recorded text, so amounts of any size stay exact.
type ValueRollup struct {
	Check, Region, Name string
	// Start of the hour or day; Span is an hour or a day.
	Start time.Time
	Span  time.Duration
	// Samples that recorded the value in the period.
	Samples int
	// Min and Max by prober.CompareNumbers; Last is the newest sample's.
	Min, Max, Last string
}

// ValueSample is one recorded value of a raw sample. Value is the text as
// recorded; it is valid only during the callback that receives it (raw
// files hold millions of values: they are not copied).
type ValueSample struct {
	Check, Region, Name string
	Unix                int64
	Value               []byte
}

// rolledValues are the names whose daily roll-ups history keeps (every
// value a built-in kind or step declares charted or part of the validator
// history), and hourly the charted ones: the validator history is daily.
var rolledValues = sync.OnceValues(func() (daily, hourly map[string]bool) {
	daily, hourly = map[string]bool{}, map[string]bool{}
	for _, s := range prober.Builtin().Values().All() {
		if s.Rolled() {
			daily[s.Name] = true
		}
		if s.Chart {
			hourly[s.Name] = true
		}
	}
	return daily, hourly
})

// valueStat accumulates one period of one value.
type valueStat struct {
	n              int
	lastT          int64
	min, max, last string
}

func (v *valueStat) add(t int64, val string) {
	if v.n == 0 || prober.CompareNumbers(val, v.min) < 0 {
		v.min = val
	}
	if v.n == 0 || prober.CompareNumbers(val, v.max) > 0 {
		v.max = val
	}
	// Later in the file wins a tie: rounds are appended in order.
	if v.n == 0 || t >= v.lastT {
		v.last, v.lastT = val, t
	}
	v.n++
}

type valueKey struct{ check, region, name string }

func valueKeyLess(a, b valueKey) bool {
	if a.check != b.check {
		return a.check < b.check
	}
	if a.region != b.region {
		return a.region < b.region
	}
	return a.name < b.name
}

// rawLines passes the lines of a raw file to each (scanRaw over data in
// memory, readRaw over a file read a chunk at a time).
type rawLines func(each func(lineNo int, line []byte, loc string) error) error

// eachValue calls fn for every value named in names on the raw lines of a
// raw file of day. Only those value fields are decoded; v is valid only
// during fn.
func eachValue(lines rawLines, day time.Time, names map[string]bool, fn func(check, region, name string, t int64, v []byte)) error {
	base := day.Unix()
	series := newSeriesIndex()
	var fields [][]byte
	// One lookup a value field both filters and interns its name.
	want := make(map[string]string, len(names))
	for n := range names {
		want[n] = n
	}
	// Most lines hold none of a few wanted values (other kinds' lines,
	// or values that were not observed): look for " name=" before
	// splitting a line. With many names, splitting costs less.
	// A needle holds an '=', so it cannot start before the first '='
	// less its length: only the end of the line is searched.
	var needles [][]byte
	longest := 0
	if len(names) <= 4 {
		for n := range names {
			needles = append(needles, []byte(" "+n+"="))
			longest = max(longest, len(n)+2)
		}
	}
	return lines(func(_ int, line []byte, _ string) error {
		eq := bytes.IndexByte(line, '=')
		if eq < 0 {
			return nil // no values
		}
		if needles != nil && !containsAny(line[max(0, eq-longest+1):], needles) {
			return nil
		}
		fields = lineFields(line, fields)
		if len(fields) < 8 {
			return nil // no values (damage is reported by the other readers)
		}
		sec, ok := parseClock(fields[0])
		if !ok {
			return nil
		}
		var check, region string
		for _, kv := range fields[7:] {
			i := bytes.IndexByte(kv, '=')
			if i <= 0 {
				continue
			}
			name, ok := want[string(kv[:i])]
			if !ok {
				continue
			}
			if check == "" {
				n, err := series.of(fields[1], fields[2])
				if err != nil {
					return nil
				}
				check, region = series.keys[n].Check, series.keys[n].Region
			}
			v := kv[i+1:]
			if bytes.IndexByte(v, '%') >= 0 {
				u, err := unescape(v)
				if err != nil {
					continue
				}
				v = []byte(u)
			}
			if len(v) == 0 {
				continue
			}
			fn(check, region, name, base+sec, v)
		}
		return nil
	})
}

func containsAny(line []byte, needles [][]byte) bool {
	for _, n := range needles {
		if bytes.Contains(line, n) {
			return true
		}
	}
	return false
}

// rollValueDay summarises the values in names of one raw day into daily
// value roll-ups, and those also in hourlyNames into hourly ones, sorted
// by hour, then check, region and name.
func rollValueDay(day time.Time, data []byte, path string, names, hourlyNames map[string]bool) (hourly, daily []ValueRollup, err error) {
	type acc struct {
		hours  [24]valueStat
		whole  valueStat
		hourly bool
	}
	accs := map[valueKey]*acc{}
	from := day.Unix()
	inMemory := func(each func(int, []byte, string) error) error { return scanRaw(data, path, rawMagic, each) }
	err = eachValue(inMemory, day, names, func(check, region, name string, t int64, b []byte) {
		h := (t - from) / 3600
		if h < 0 || h > 23 {
			return
		}
		k := valueKey{check, region, name}
		a := accs[k]
		if a == nil {
			a = &acc{hourly: hourlyNames[name]}
			accs[k] = a
		}
		v := string(b)
		if a.hourly {
			a.hours[h].add(t, v)
		}
		a.whole.add(t, v)
	})
	if err != nil {
		return nil, nil, err
	}
	keys := make([]valueKey, 0, len(accs))
	for k := range accs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return valueKeyLess(keys[i], keys[j]) })
	mk := func(k valueKey, start time.Time, span time.Duration, s *valueStat) ValueRollup {
		return ValueRollup{Check: k.check, Region: k.region, Name: k.name, Start: start, Span: span, Samples: s.n, Min: s.min, Max: s.max, Last: s.last}
	}
	for h := 0; h < 24; h++ {
		for _, k := range keys {
			if s := &accs[k].hours[h]; s.n > 0 {
				hourly = append(hourly, mk(k, day.Add(time.Duration(h)*time.Hour), time.Hour, s))
			}
		}
	}
	for _, k := range keys {
		daily = append(daily, mk(k, day, 24*time.Hour, &accs[k].whole))
	}
	return hourly, daily, nil
}

func appendValueRollup(b []byte, r *ValueRollup) []byte {
	if r.Span == time.Hour {
		h := r.Start.UTC().Hour()
		b = append(b, byte('0'+h/10), byte('0'+h%10))
	} else {
		b = r.Start.UTC().AppendFormat(b, dayLayout)
	}
	for _, s := range []string{r.Check, r.Region, r.Name} {
		b = append(b, ' ')
		b = appendField(b, s)
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(r.Samples), 10)
	for _, s := range []string{r.Min, r.Max, r.Last} {
		b = append(b, ' ')
		b = appendField(b, s)
	}
	return append(b, '\n')
}

// errSkipped marks a roll-up line of a value the reader did not ask for.
var errSkipped = errors.New("value not asked for")

// parseValueRollup reads a line of a values-hourly file of day, or of a
// values-daily file when day is zero; with names, only lines of those
// values (others return errSkipped before anything is decoded).
func parseValueRollup(day time.Time, line []byte, fsp *[][]byte, in interner, days *dayMemo, names map[string]bool) (ValueRollup, error) {
	fs := lineFields(line, *fsp)
	*fsp = fs
	var r ValueRollup
	if len(fs) != 8 {
		return r, fmt.Errorf("want 8 fields, got %d", len(fs))
	}
	if names != nil && !names[string(fs[3])] {
		return r, errSkipped
	}
	if day.IsZero() {
		t, ok := days.parse(fs[0])
		if !ok {
			return r, fmt.Errorf("bad day %q", fs[0])
		}
		r.Start, r.Span = t, 24*time.Hour
	} else {
		h, ok := parseHour(fs[0])
		if !ok {
			return r, fmt.Errorf("bad hour %q", fs[0])
		}
		r.Start, r.Span = day.Add(time.Duration(h)*time.Hour), time.Hour
	}
	var err error
	for i, p := range []*string{&r.Check, &r.Region, &r.Name} {
		if *p, err = in.get(fs[1+i]); err != nil {
			return r, fmt.Errorf("name: %v", err)
		}
	}
	n, ok := parseCount(fs[4])
	if !ok {
		return r, fmt.Errorf("bad samples %q", fs[4])
	}
	r.Samples = int(n)
	for i, p := range []*string{&r.Min, &r.Max, &r.Last} {
		if *p, err = in.value(fs[5+i]); err != nil {
			return r, fmt.Errorf("value: %v", err)
		}
	}
	return r, nil
}

// value is get for values: small repeated ones (counts, booleans) are
// shared, but the interner stops growing at maxInterned entries, so that
// a year of unique balances is not kept twice.
func (in interner) value(b []byte) (string, error) {
	const maxInterned = 1 << 14
	if s, ok := in[string(b)]; ok || len(in) >= maxInterned {
		if ok {
			return s, nil
		}
		return field(b)
	}
	return in.get(b)
}

// writeValueRollups writes the value roll-ups of day: its hourly file
// (none when the day recorded no rolled value) and its lines of the year's
// daily file, replacing any a previous attempt wrote.
func writeValueRollups(dir string, day time.Time, hours, days []ValueRollup) error {
	if len(hours) > 0 {
		b := []byte(valuesHourlyHeader(day))
		for i := range hours {
			b = appendValueRollup(b, &hours[i])
		}
		if err := writeFileAtomic(filepath.Join(dir, ValuesHourlyDir, day.Format(dayLayout)+".txt"), b); err != nil {
			return err
		}
	}
	path := filepath.Join(dir, ValuesDailyDir, strconv.Itoa(day.Year())+".txt")
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if len(days) == 0 {
			return nil
		}
		old, err = []byte(valuesDailyHeader(day.Year())), nil
	}
	if err != nil {
		return err
	}
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
		out = appendValueRollup(out, &days[i])
	}
	if bytes.Equal(out, old) {
		return nil
	}
	return writeFileAtomic(path, out)
}

// rollValues writes the value roll-ups of the raw file f.
func rollValues(dir string, f dayFile) error {
	data, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	names, hourlyNames := rolledValues()
	hours, days, err := rollValueDay(f.day, data, f.path, names, hourlyNames)
	if err != nil {
		return err
	}
	return writeValueRollups(dir, f.day, hours, days)
}

// EachValueHourly calls fn for the hourly value roll-ups of hours starting
// in [from, to) (zero bounds are open) of the values in names (nil: all),
// oldest day first; fn must not keep r.
func (s *Store) EachValueHourly(from, to time.Time, names map[string]bool, fn func(r *ValueRollup) error) error {
	files, err := listDays(s.dir, ValuesHourlyDir)
	if err != nil {
		return err
	}
	var fields [][]byte
	in := interner{}
	for _, f := range files {
		if !inRange(f.day, from, to) {
			continue
		}
		err := readLines(f.path, valuesHourlyMagic, func(_ int, line []byte) error {
			r, err := parseValueRollup(f.day, line, &fields, in, nil, names)
			if err == errSkipped {
				return nil
			}
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

// EachValueDaily calls fn for the daily value roll-ups of days starting in
// [from, to) (zero bounds are open) of the values in names (nil: all),
// year by year; fn must not keep r.
func (s *Store) EachValueDaily(from, to time.Time, names map[string]bool, fn func(r *ValueRollup) error) error {
	years, err := listYears(s.dir, ValuesDailyDir)
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
		err := readLines(y.path, valuesDailyMagic, func(_ int, line []byte) error {
			r, err := parseValueRollup(time.Time{}, line, &fields, in, &days, names)
			if err == errSkipped {
				return nil
			}
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

// EachValueSample calls fn for every value in names recorded on the raw
// lines with from <= time < to (zero bounds are open), file by file in
// file order (almost always time order). Only the named fields are
// decoded; fn must not keep v.
func (s *Store) EachValueSample(from, to time.Time, names map[string]bool, fn func(v *ValueSample)) error {
	files, err := listDays(s.dir, RawDir)
	if err != nil {
		return err
	}
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if !from.IsZero() {
		lo = from.Unix()
	}
	if !to.IsZero() {
		hi = to.Unix()
	}
	var vs ValueSample
	for _, f := range files {
		if !inRange(f.day, from, to) {
			continue
		}
		// A chunk at a time: a raw day of 1,000 checks at 30 s is over
		// 100 MB, and value charts read while uptime reads its points.
		chunked := func(each func(int, []byte, string) error) error { return readRaw(f.path, rawMagic, each) }
		err := eachValue(chunked, f.day, names, func(check, region, name string, t int64, v []byte) {
			if t < lo || t >= hi {
				return
			}
			vs = ValueSample{Check: check, Region: region, Name: name, Unix: t, Value: v}
			fn(&vs)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
