package history

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Key names one series of samples: a check in a region.
type Key struct {
	Check  string
	Region string
}

// Cap returns how long a sample of check may stand for when no next sample
// follows sooner. Missing rounds beyond it are gaps ("no data").
type Cap func(check string) time.Duration

// DefaultCap is twice the default probe interval.
func DefaultCap(string) time.Duration { return 10 * time.Minute }

// Cover calls fn for every stretch of [from, to) (unix seconds) that a
// sample of the series stands for: a sample covers the time until the next
// sample, at most capSec; time covered by no sample is a gap and is not
// reported. points must be sorted by time.
func Cover(points []Point, capSec, from, to int64, fn func(start, end int64, p *Point)) {
	if capSec <= 0 || from >= to {
		return
	}
	// The first sample that can reach from starts at most capSec earlier.
	i := sort.Search(len(points), func(i int) bool { return points[i].Unix() > from-capSec })
	for ; i < len(points); i++ {
		p := &points[i]
		if p.Unix() >= to {
			return
		}
		end := p.Unix() + capSec
		if i+1 < len(points) && points[i+1].Unix() < end {
			end = points[i+1].Unix()
		}
		start := max(p.Unix(), from)
		end = min(end, to)
		if end > start {
			fn(start, end, p)
		}
	}
}

// Percentile returns the nearest-rank percentile (0 < q <= 1) of sorted.
func Percentile(sorted []float32, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i])
}

// Rollup is one hour or one day of a series, summarised.
type Rollup struct {
	Check  string
	Region string
	// Start of the hour or UTC day; Span is an hour or a day.
	Start time.Time
	Span  time.Duration
	// Samples taken in the period, of which Down were down and Degraded
	// degraded.
	Samples, Down, Degraded int
	// Covered is the time with data; DownTime and DegradedTime are the parts
	// of it that were down and degraded (time-weighted, see Cover).
	Covered, DownTime, DegradedTime time.Duration
	// Latency of the samples that were not down, in milliseconds; zero when
	// every sample was down.
	P50, P95, Max float64
}

// Key returns the series of the roll-up.
func (r Rollup) Key() Key { return Key{r.Check, r.Region} }

// Uptime is the share of covered time that was not down (degraded counts
// as up); ok is false when nothing was covered.
func (r Rollup) Uptime() (u float64, ok bool) {
	if r.Covered <= 0 {
		return 0, false
	}
	return 1 - float64(r.DownTime)/float64(r.Covered), true
}

// acc accumulates one period of one series.
type acc struct {
	samples, down, degraded int
	covered, downS, degS    int64
	lat                     []float32
}

func (a *acc) span(lv Level, secs int64) {
	a.covered += secs
	switch lv {
	case LevelDown:
		a.downS += secs
	case LevelDegraded:
		a.degS += secs
	}
}

func (a *acc) sample(p *Point) {
	a.samples++
	switch p.Level() {
	case LevelDown:
		a.down++
		return
	case LevelDegraded:
		a.degraded++
	}
	a.lat = append(a.lat, p.Latency())
}

func (a *acc) rollup(k Key, start time.Time, span time.Duration) Rollup {
	r := Rollup{Check: k.Check, Region: k.Region, Start: start, Span: span,
		Samples: a.samples, Down: a.down, Degraded: a.degraded,
		Covered: time.Duration(a.covered) * time.Second, DownTime: time.Duration(a.downS) * time.Second, DegradedTime: time.Duration(a.degS) * time.Second}
	if len(a.lat) > 0 {
		slices.Sort(a.lat)
		r.P50, r.P95, r.Max = Percentile(a.lat, 0.5), Percentile(a.lat, 0.95), float64(a.lat[len(a.lat)-1])
	}
	return r
}

// rollDay summarises the series of one UTC day into 24 hourly roll-ups (only
// hours with data) and one daily roll-up. points hold each series sorted,
// including the last sample before the day and the first after it so that
// the edges are weighted like the middle.
func rollDay(day time.Time, points map[Key][]Point, capOf Cap) (hourly, daily []Rollup) {
	from := day.Unix()
	to := from + 86400
	keys := make([]Key, 0, len(points))
	for k := range points {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	var hours [24]*acc
	for _, k := range keys {
		pts := points[k]
		capSec := int64(capOf(k.Check) / time.Second)
		for i := range hours {
			hours[i] = nil
		}
		var whole acc
		hour := func(t int64) *acc {
			h := (t - from) / 3600
			if hours[h] == nil {
				hours[h] = &acc{}
			}
			return hours[h]
		}
		Cover(pts, capSec, from, to, func(start, end int64, p *Point) {
			whole.span(p.Level(), end-start)
			for start < end {
				next := min(end, from+((start-from)/3600+1)*3600)
				hour(start).span(p.Level(), next-start)
				start = next
			}
		})
		for i := range pts {
			if p := &pts[i]; p.Unix() >= from && p.Unix() < to {
				whole.sample(p)
				hour(p.Unix()).sample(p)
			}
		}
		if whole.samples == 0 && whole.covered == 0 {
			continue
		}
		for h, a := range hours {
			if a != nil {
				hourly = append(hourly, a.rollup(k, day.Add(time.Duration(h)*time.Hour), time.Hour))
			}
		}
		daily = append(daily, whole.rollup(k, day, 24*time.Hour))
	}
	sort.SliceStable(hourly, func(i, j int) bool { return hourly[i].Start.Before(hourly[j].Start) })
	return hourly, daily
}

func keyLess(a, b Key) bool {
	if a.Check != b.Check {
		return a.Check < b.Check
	}
	return a.Region < b.Region
}

// appendRollup writes a roll-up line; the first column is the hour ("07")
// for hourly files and the date for daily files.
func appendRollup(b []byte, r *Rollup) []byte {
	if r.Span == time.Hour {
		h := r.Start.UTC().Hour()
		b = append(b, byte('0'+h/10), byte('0'+h%10))
	} else {
		b = r.Start.UTC().AppendFormat(b, dayLayout)
	}
	b = append(b, ' ')
	b = appendField(b, r.Check)
	b = append(b, ' ')
	b = appendField(b, r.Region)
	for _, n := range []int64{int64(r.Samples), int64(r.Down), int64(r.Degraded), int64(r.Covered / time.Second), int64(r.DownTime / time.Second), int64(r.DegradedTime / time.Second)} {
		b = append(b, ' ')
		b = strconv.AppendInt(b, n, 10)
	}
	b = append(b, ' ')
	if u, ok := r.Uptime(); ok {
		b = strconv.AppendFloat(b, math.Floor(u*100000)/1000, 'f', 3, 64)
	} else {
		b = append(b, '-')
	}
	for _, ms := range []float64{r.P50, r.P95, r.Max} {
		b = append(b, ' ')
		if r.Samples > r.Down {
			b = appendLatency(b, time.Duration(ms*float64(time.Millisecond)))
		} else {
			b = append(b, '-')
		}
	}
	return append(b, '\n')
}

// parseRollupLine reads a roll-up line of an hourly file of day, or of a
// daily file when day is zero.
func parseRollupLine(day time.Time, line []byte, fsp *[][]byte) (Rollup, error) {
	return parseRollup(day, line, fsp, nil, nil)
}

// parseRollup is parseRollupLine with an optional interner for the names
// and memo for the days.
func parseRollup(day time.Time, line []byte, fsp *[][]byte, in interner, days *dayMemo) (Rollup, error) {
	fs := lineFields(line, *fsp)
	*fsp = fs
	if len(fs) != 13 {
		return Rollup{}, fmt.Errorf("want 13 fields, got %d", len(fs))
	}
	var r Rollup
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
	if !PointTimeOK(r.Start.Unix()) {
		return r, errPointTime
	}
	name := field
	if in != nil {
		name = in.get
	}
	var err error
	if r.Check, err = name(fs[1]); err != nil {
		return r, fmt.Errorf("check: %v", err)
	}
	if r.Region, err = name(fs[2]); err != nil {
		return r, fmt.Errorf("region: %v", err)
	}
	var n [6]int64
	for i := range n {
		var ok bool
		if n[i], ok = parseCount(fs[3+i]); !ok {
			return r, fmt.Errorf("bad count %q", fs[3+i])
		}
	}
	r.Samples, r.Down, r.Degraded = int(n[0]), int(n[1]), int(n[2])
	r.Covered, r.DownTime, r.DegradedTime = time.Duration(n[3])*time.Second, time.Duration(n[4])*time.Second, time.Duration(n[5])*time.Second
	// fs[9] (uptime %) is derived from the seconds and only there for people.
	lat := []*float64{&r.P50, &r.P95, &r.Max}
	for i, p := range lat {
		f := fs[10+i]
		if len(f) == 1 && f[0] == '-' {
			continue
		}
		ms, ok := parseMillis(f)
		if !ok {
			return r, fmt.Errorf("bad latency %q", f)
		}
		*p = ms
	}
	return r, nil
}
