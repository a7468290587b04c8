// Package uptime computes uptime and latency figures from history: per check
// and per region, for fixed windows (24 h to all time), per UTC day, and as
// latency series for charts.
//
// Rules (the site states them next to the figures):
//   - Time-weighted: a sample stands for the time until the next sample of
//     the same check and region, at most twice the check's interval
//     (history.Cap). A round that did not happen is a gap: no data, not
//     downtime.
//   - Uptime = 1 - down time / covered time. Degraded counts as up and is
//     reported separately. A figure with no covered time has no uptime.
//   - Every figure says what it is based on: Covered out of Possible time
//     and the number of samples.
//   - Raw samples give exact figures. Older periods come from roll-ups
//     (hourly, then daily): their times and counts are exact per hour or
//     day (an hour cut by a window's start is counted pro rata) and their
//     latency percentiles are sample-weighted combinations of the per-hour
//     or per-day percentiles (Stats.LatencyApprox).
//   - A check's figures over all its regions add the regions' times: a
//     region down for an hour of two regions' day is 1/48 of downtime.
//   - Locations are never added up: when several runners probe a region,
//     every sample stands for the status decided across them at its time
//     (quorum, as for incidents; see history.State.Decide), and the
//     decided timeline is what is weighted. Days are decided separately,
//     so the first samples after 00:00 UTC see only that day's views.
package uptime

import (
	"cmp"
	"crypto/sha256"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/upchain-dev/upchain/prober/history"
)

// Window is a period ending now; Span 0 means all the history there is.
type Window struct {
	Name string
	Span time.Duration
}

// Windows returns the periods every report covers, in display order.
func Windows() []Window { return append([]Window(nil), windows...) }

var windows = []Window{
	{"24h", 24 * time.Hour},
	{"7d", 7 * 24 * time.Hour},
	{"30d", 30 * 24 * time.Hour},
	{"90d", 90 * 24 * time.Hour},
	{"365d", 365 * 24 * time.Hour},
	{"all", 0},
}

// SeriesSpec is a latency chart: Span of history in buckets of Bucket.
type SeriesSpec struct {
	Name   string
	Span   time.Duration
	Bucket time.Duration
}

// Series returns the latency charts every report has.
func Series() []SeriesSpec { return append([]SeriesSpec(nil), latencySeries...) }

var latencySeries = []SeriesSpec{
	{"24h", 24 * time.Hour, 15 * time.Minute},
	{"7d", 7 * 24 * time.Hour, time.Hour},
	{"30d", 30 * 24 * time.Hour, 6 * time.Hour},
	{"1y", 365 * 24 * time.Hour, 24 * time.Hour},
}

// Stats are the figures of one period.
type Stats struct {
	// Name of the window ("24h", ...); empty for days and ranges.
	Name     string
	From, To time.Time
	// Possible is the time the figures could be based on (the period,
	// times the number of regions for a whole check); Covered is the part
	// with data. Down and Degraded are parts of Covered.
	Possible, Covered, Down, Degraded time.Duration
	// Samples taken in the period; Failures of them down, DegradedSamples
	// degraded.
	Samples, Failures, DegradedSamples int
	// Latency in milliseconds over the samples that were not down; zero
	// without such samples.
	P50, P95, Max float64
	// LatencyApprox: part of the period came from roll-ups, so P50 and P95
	// combine per-hour or per-day percentiles.
	LatencyApprox bool
}

// Uptime is the share of covered time that was not down; ok is false when
// there is no data.
func (s Stats) Uptime() (u float64, ok bool) {
	if s.Covered <= 0 {
		return 0, false
	}
	return 1 - float64(s.Down)/float64(s.Covered), true
}

// Coverage is the share of the possible time that has data.
func (s Stats) Coverage() float64 {
	if s.Possible <= 0 {
		return 0
	}
	return float64(s.Covered) / float64(s.Possible)
}

// LatencyPoint is one bucket of a latency chart.
type LatencyPoint struct {
	Start    time.Time
	P50, P95 float64
	// Samples with a latency (not down) in the bucket; 0 is a gap.
	Samples int
}

// LatencySeries is one latency chart.
type LatencySeries struct {
	Name   string
	Bucket time.Duration
	Points []LatencyPoint
}

// Summary holds the figures of a check in one region, or over all of them.
type Summary struct {
	// Windows in the order of uptime.Windows().
	Windows []Stats
	// Days are the last UTC days, oldest first; the last is today so far.
	Days []Stats
	// Latency charts in the order of uptime.Series.
	Latency []LatencySeries
}

// Window returns the figures of the named window.
func (s *Summary) Window(name string) (Stats, bool) {
	for _, w := range s.Windows {
		if w.Name == name {
			return w, true
		}
	}
	return Stats{}, false
}

// Series returns the named latency chart.
func (s *Summary) Series(name string) []LatencyPoint {
	for _, l := range s.Latency {
		if l.Name == name {
			return l.Points
		}
	}
	return nil
}

// CheckReport holds a check's figures over all regions and per region
// (for a check with one region, All is that region's summary).
type CheckReport struct {
	Check   string
	All     *Summary
	Regions map[string]*Summary
}

// Report holds the figures of every check in the history.
type Report struct {
	Now    time.Time
	Checks map[string]*CheckReport
}

// Options control Load and Compute.
type Options struct {
	// Now ends every window; default time.Now.
	Now time.Time
	// Cap is how long a sample may stand for; default history.DefaultCap.
	// Use history.CapsFor(cfg) to follow the configured intervals.
	Cap history.Cap
	// Days is how many UTC days get their own figures; default 90.
	Days int
	// Cache, if set, keeps what was read for the next load (see Cache).
	Cache *Cache
}

func (o *Options) defaults() {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC()
	if o.Cap == nil {
		o.Cap = history.DefaultCap
	}
	if o.Days <= 0 {
		o.Days = 90
	}
}

// Compute reads the history and computes every figure for every check and
// region.
func Compute(s *history.Store, opt Options) (*Report, error) {
	d, err := Load(s, opt)
	if err != nil {
		return nil, err
	}
	r := &Report{Now: d.opt.Now, Checks: map[string]*CheckReport{}}
	d.each(true, func(cr *CheckReport) { r.Checks[cr.Check] = cr })
	return r, nil
}

// bucket is a roll-up reduced to numbers in 40 bytes (a year of 1,000
// checks holds about 800,000 of them). Times are whole seconds that fit a
// history.Point (the history package skips other roll-ups as damaged), and
// counts whole numbers no larger than a day's; the span is the slice's
// (hourly or daily).
type bucket struct {
	start                         uint32
	covered, down, degraded       int32
	samples, failures, degSamples int32
	p50, p95, max                 tenths
}

// tenths is a latency in tenths of a millisecond, the finest upchain
// writes (history's appendLatency): ms gives back exactly the float64 that
// parsing the written text gave. A hand-edited finer latency is rounded to
// a tenth.
type tenths uint32

func toTenths(ms float64) tenths {
	return tenths(min(math.Round(max(ms, 0)*10), math.MaxUint32))
}

// ms repeats the arithmetic of parsing "W.F" (W + F/10), so that the
// figures match those computed from the parsed roll-up.
func (t tenths) ms() float64 { return float64(t/10) + float64(t%10)/10 }

type series struct {
	key    history.Key
	capSec int64
	pts    []history.Point
	hourly []bucket
	daily  []bucket
	// sorted latencies of the counted raw samples (from the boundary to
	// now), computed once: every long window needs them.
	rawLat    []float32
	rawLatSet bool
	// rawSum is what the raw samples from the boundary to now add to an
	// empty accum, computed once.
	rawSum    sums
	rawSumSet bool
}

// Data is the history loaded for computing figures at one moment.
type Data struct {
	opt Options
	now int64
	// Raw samples count from boundary on; earlier time comes from roll-ups
	// (hourly from hourlyFrom on, where loaded, daily before).
	boundary   int64
	hourlyFrom int64
	series     map[history.Key]*series
	checks     map[string][]*series
}

// Cache keeps what Load read for its next load of the same history:
// the raw points of the days whose files did not change
// (history.PointCache) and the roll-ups until they change (once a day).
// The zero value is ready to use. A Data loaded with a cache is valid
// until the next load with it.
type Cache struct {
	points history.PointCache
	mu     sync.Mutex
	key    rollupKey
	hourly map[history.Key][]bucket
	daily  map[history.Key][]bucket
}

// Reset drops what c keeps.
func (c *Cache) Reset() {
	c.points.Reset()
	c.mu.Lock()
	c.key, c.hourly, c.daily = rollupKey{}, nil, nil
	c.mu.Unlock()
}

// rollupKey is what the roll-up buckets were read for.
type rollupKey struct {
	dir              string
	stamp            [sha256.Size]byte
	hourlyFrom, till int64
}

// Load reads what the figures at opt.Now need: every raw sample, the
// hourly roll-ups of the last 31 days (for the 30-day chart and windows
// that start mid-day) and every daily roll-up.
// With opt.Cache, it reads only what changed since its last load.
func Load(s *history.Store, opt Options) (*Data, error) {
	opt.defaults()
	d := &Data{opt: opt, now: opt.Now.Unix(), boundary: math.MinInt64, series: map[history.Key]*series{}, checks: map[string][]*series{}}
	c := opt.Cache
	rolled, ok, err := s.RolledThrough()
	if err != nil {
		return nil, err
	}
	if ok {
		d.boundary = rolled.AddDate(0, 0, 1).Unix()
	}
	var pts map[history.Key][]history.Point
	if c != nil {
		pts, err = s.CachedPoints(&c.points)
	} else {
		pts, err = s.Points(time.Time{}, time.Time{})
	}
	if err != nil {
		return nil, err
	}
	for k, p := range pts {
		d.get(k).pts = p
	}
	d.hourlyFrom = d.boundary
	if ok {
		// Hourly roll-ups of whole days from 30 days back (the 30-day
		// chart and windows that start mid-day), where they exist.
		since := opt.Now.AddDate(0, 0, -31)
		d.hourlyFrom = time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1).Unix()
		days, err := s.HourlyDays()
		if err != nil {
			return nil, err
		}
		if len(days) == 0 {
			d.hourlyFrom = d.boundary
		} else {
			d.hourlyFrom = max(d.hourlyFrom, days[0].Unix())
		}
		if err := d.loadRollups(s, rolled.AddDate(0, 0, 1), c); err != nil {
			return nil, err
		}
	}
	for _, ss := range d.checks {
		sort.Slice(ss, func(i, j int) bool { return ss[i].key.Region < ss[j].key.Region })
	}
	return d, nil
}

// loadRollups reads the hourly roll-ups from d.hourlyFrom and the daily
// ones, up to till, into buckets; with c, only when they changed.
func (d *Data) loadRollups(s *history.Store, till time.Time, c *Cache) error {
	var key rollupKey
	if c != nil {
		stamp, err := s.RollupStamp()
		if err != nil {
			return err
		}
		key = rollupKey{dir: s.Dir(), stamp: stamp, hourlyFrom: d.hourlyFrom, till: till.Unix()}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.key == key && c.hourly != nil {
			for k, b := range c.hourly {
				d.get(k).hourly = b
			}
			for k, b := range c.daily {
				d.get(k).daily = b
			}
			return nil
		}
		c.key, c.hourly, c.daily = rollupKey{}, nil, nil
	}
	// Each series' buckets are sized from its first one to the end of
	// the roll-ups (files come oldest first): append's doubling would
	// leave up to half of them unused.
	end := till.Unix()
	read := func(each func(from, to time.Time, fn func(*history.Rollup) error) error, from time.Time, span int64) (map[history.Key][]bucket, error) {
		out := map[history.Key][]bucket{}
		err := each(from, till, func(r *history.Rollup) error {
			k := r.Key()
			b := out[k]
			if b == nil {
				b = make([]bucket, 0, max(1, (end-r.Start.Unix())/span))
			}
			out[k] = append(b, toBucket(r))
			return nil
		})
		return out, err
	}
	// Hourly and daily files are read side by side: one reader alone
	// kept a core idle once the raw days were in.
	var hourly map[history.Key][]bucket
	var hourlyErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		hourly, hourlyErr = read(s.EachHourly, time.Unix(d.hourlyFrom, 0).UTC(), 3600)
	}()
	daily, err := read(s.EachDaily, time.Time{}, 86400)
	<-done
	if err == nil {
		err = hourlyErr
	}
	if err != nil {
		return err
	}
	for k, b := range hourly {
		d.get(k).hourly = b
	}
	for k, b := range daily {
		d.get(k).daily = b
	}
	for _, sr := range d.series {
		sortBuckets(sr.hourly)
		sortBuckets(sr.daily)
	}
	if c != nil {
		// The series share these slices, sorted in place above.
		c.key, c.hourly, c.daily = key, hourly, daily
	}
	return nil
}

func (d *Data) get(k history.Key) *series {
	sr := d.series[k]
	if sr == nil {
		sr = &series{key: k, capSec: int64(d.opt.Cap(k.Check) / time.Second)}
		d.series[k] = sr
		d.checks[k.Check] = append(d.checks[k.Check], sr)
	}
	return sr
}

func toBucket(r *history.Rollup) bucket {
	sec := func(d time.Duration) int32 { return int32(d / time.Second) }
	return bucket{start: uint32(r.Start.Unix()),
		covered: sec(r.Covered), down: sec(r.DownTime), degraded: sec(r.DegradedTime),
		samples: int32(r.Samples), failures: int32(r.Down), degSamples: int32(r.Degraded),
		p50: toTenths(r.P50), p95: toTenths(r.P95), max: toTenths(r.Max)}
}

func sortBuckets(b []bucket) {
	if !slices.IsSortedFunc(b, func(x, y bucket) int { return cmp.Compare(x.start, y.start) }) {
		slices.SortStableFunc(b, func(x, y bucket) int { return cmp.Compare(x.start, y.start) })
	}
}

// Checks lists the checks with history, sorted.
func (d *Data) Checks() []string {
	out := make([]string, 0, len(d.checks))
	for c := range d.checks {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Regions lists the regions of a check with history, sorted.
func (d *Data) Regions(check string) []string {
	var out []string
	for _, sr := range d.checks[check] {
		out = append(out, sr.key.Region)
	}
	return out
}

// Range computes the figures of check in region over [from, to); region ""
// means all regions of the check together.
func (d *Data) Range(check, region string, from, to time.Time) Stats {
	var a accum
	f, t := from.Unix(), to.Unix()
	n := 0
	for _, sr := range d.checks[check] {
		if region == "" || sr.key.Region == region {
			d.accumulate(sr, f, t, &a)
			n++
		}
	}
	return a.stats(from, to, time.Duration(n)*to.Sub(from))
}

// sums are an accum's figures that add up.
type sums struct {
	covered, down, degraded       float64
	samples, failures, degSamples float64
	max                           float64
}

// accum gathers one period of one or more series.
type accum struct {
	sums
	lat []float32
	// sorted holds already sorted latency lists (see series.rawLat);
	// borrowed: lat is one of them.
	sorted   [][]float32
	borrowed bool
	rolled   []weighted
	order    []uint64 // pick's scratch: rolled sorted by a percentile
}

func (a *accum) empty() bool { return a.sums == sums{} }

// reset empties a for the next period, keeping its buffers (but never one
// borrowed from series.rawLat).
func (a *accum) reset() {
	lat, borrowed := a.lat, a.borrowed
	*a = accum{sorted: a.sorted[:0], rolled: a.rolled[:0], order: a.order[:0]}
	if !borrowed {
		a.lat = lat[:0]
	}
}

// weighted is a roll-up's percentile pair and how many samples it stands for.
type weighted struct {
	p50, p95 tenths
	w        float64
}

// accumulate adds what series sr says about [from, to).
func (d *Data) accumulate(sr *series, from, to int64, a *accum) {
	to = min(to, d.now)
	if from >= to {
		return
	}
	if rf := max(from, d.boundary); rf < to {
		if rf == d.boundary && to == d.now && a.empty() {
			// Every long window starts with all the raw samples: their
			// sums are made once per series. Only into an empty accum, so
			// that the float sums are the ones addRaw makes.
			if !sr.rawSumSet {
				var t accum
				d.addRaw(sr, rf, to, &t)
				sr.rawSum, sr.rawSumSet = t.sums, true
			}
			a.sums = sr.rawSum
			a.sorted = append(a.sorted, d.rawLat(sr))
		} else {
			d.addRaw(sr, rf, to, a)
		}
	}
	if from >= d.boundary {
		return
	}
	// Roll-up part, day by day: whole days from the daily roll-up, days cut
	// by the period from hourly roll-ups (or pro rata from the daily one).
	rt := min(to, d.boundary)
	for day := from - mod(from, 86400); day < rt; day += 86400 {
		s, e := max(from, day), min(rt, day+86400)
		if s == day && e == day+86400 || day < d.hourlyFrom {
			addBuckets(sr.daily, 86400, s, e, a)
		} else {
			addBuckets(sr.hourly, 3600, s, e, a)
		}
	}
}

// addRaw adds what the raw samples of sr say about [rf, to), rf at or
// after the boundary.
func (d *Data) addRaw(sr *series, rf, to int64, a *accum) {
	history.Cover(sr.pts, sr.capSec, rf, to, func(s, e int64, p *history.Point) {
		a.covered += float64(e - s)
		switch p.Level() {
		case history.LevelDown:
			a.down += float64(e - s)
		case history.LevelDegraded:
			a.degraded += float64(e - s)
		}
	})
	i := sort.Search(len(sr.pts), func(i int) bool { return sr.pts[i].Unix() >= rf })
	// Every counted sample up to now: take the sorted list.
	whole := to == d.now && (i == 0 || sr.pts[i-1].Unix() < d.boundary)
	if whole {
		a.sorted = append(a.sorted, d.rawLat(sr))
	}
	for ; i < len(sr.pts) && sr.pts[i].Unix() < to; i++ {
		p := &sr.pts[i]
		a.samples++
		switch p.Level() {
		case history.LevelDown:
			a.failures++
			continue
		case history.LevelDegraded:
			a.degSamples++
		}
		if !whole {
			a.lat = append(a.lat, p.Latency())
		}
		if l := float64(p.Latency()); l > a.max { // never NaN: down points have none
			a.max = l
		}
	}
}

// rawLat returns the sorted latencies of the series' samples that count
// (not down, from the boundary to now).
func (d *Data) rawLat(sr *series) []float32 {
	if !sr.rawLatSet {
		for _, p := range sr.pts {
			if p.Unix() >= d.boundary && p.Unix() < d.now && p.Level() != history.LevelDown {
				sr.rawLat = append(sr.rawLat, p.Latency())
			}
		}
		sortLatencies(sr.rawLat)
		sr.rawLatSet = true
	}
	return sr.rawLat
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// addBuckets adds the buckets (each span seconds long) overlapping
// [from, to), pro rata for those that overlap only in part.
func addBuckets(bs []bucket, span, from, to int64, a *accum) {
	i := sort.Search(len(bs), func(i int) bool { return int64(bs[i].start)+span > from })
	for ; i < len(bs) && int64(bs[i].start) < to; i++ {
		b := &bs[i]
		start := int64(b.start)
		o := min(to, start+span) - max(from, start)
		if o <= 0 {
			continue
		}
		f := float64(o) / float64(span)
		a.covered += f * float64(b.covered)
		a.down += f * float64(b.down)
		a.degraded += f * float64(b.degraded)
		a.samples += f * float64(b.samples)
		a.failures += f * float64(b.failures)
		a.degSamples += f * float64(b.degSamples)
		if n := f * float64(b.samples-b.failures); n > 0 {
			a.rolled = append(a.rolled, weighted{b.p50, b.p95, n})
			a.max = max(a.max, b.max.ms())
		}
	}
}

func (a *accum) stats(from, to time.Time, possible time.Duration) Stats {
	s := a.figures(from, to, possible)
	s.P50, s.P95, s.LatencyApprox = a.percentiles()
	return s
}

// figures are a's stats but for the percentiles.
func (a *accum) figures(from, to time.Time, possible time.Duration) Stats {
	sec := func(f float64) time.Duration { return time.Duration(math.Round(f)) * time.Second }
	return Stats{From: from, To: to, Possible: possible, Covered: sec(a.covered), Down: sec(a.down), Degraded: sec(a.degraded),
		Samples: int(math.Round(a.samples)), Failures: int(math.Round(a.failures)), DegradedSamples: int(math.Round(a.degSamples)), Max: a.max}
}

// percentiles are exact over raw samples; with roll-ups they are the
// sample-weighted percentiles of raw latencies and roll-up percentiles.
func (a *accum) percentiles() (p50, p95 float64, approx bool) {
	if len(a.sorted) == 1 && len(a.lat) == 0 {
		a.lat, a.borrowed = a.sorted[0], true // read-only from here on
		if len(a.rolled) == 0 {
			return history.Percentile(a.lat, 0.5), history.Percentile(a.lat, 0.95), false
		}
	} else {
		for _, s := range a.sorted {
			a.lat = append(a.lat, s...)
		}
		if len(a.rolled) == 0 {
			if len(a.lat) == 0 {
				return 0, 0, false
			}
			// Raw samples only: select, no need to sort.
			p50, p95 = exactPercentiles(a.lat)
			return p50, p95, false
		}
		slices.Sort(a.lat)
	}
	if len(a.rolled) == 1 && len(a.lat) == 0 {
		// One whole roll-up (a day or an hour): its own percentiles.
		return a.rolled[0].p50.ms(), a.rolled[0].p95.ms(), false
	}
	total := float64(len(a.lat))
	for _, r := range a.rolled {
		total += r.w
	}
	// Walk the sorted raw latencies (weight 1 each) and the roll-ups sorted
	// by the percentile in question together until the weight reaches q.
	// The roll-ups are sorted as integers, percentile above index (ties
	// in the order they came): a year's window holds hundreds of them.
	pick := func(q float64, of func(weighted) tenths) float64 {
		a.order = a.order[:0]
		for j, r := range a.rolled {
			a.order = append(a.order, uint64(of(r))<<32|uint64(j))
		}
		slices.Sort(a.order)
		target, cum := q*total-1e-9, 0.0
		i := 0
		for _, o := range a.order {
			r := &a.rolled[uint32(o)]
			v := of(*r).ms()
			for ; i < len(a.lat) && float64(a.lat[i]) <= v; i++ {
				if cum++; cum >= target {
					return float64(a.lat[i])
				}
			}
			if cum += r.w; cum >= target {
				return v
			}
		}
		for ; i < len(a.lat); i++ {
			if cum++; cum >= target {
				return float64(a.lat[i])
			}
		}
		return 0
	}
	return pick(0.5, func(w weighted) tenths { return w.p50 }), pick(0.95, func(w weighted) tenths { return w.p95 }), true
}

// first is the earliest time a series has data for.
func (sr *series) first() int64 {
	f := int64(math.MaxInt64)
	if len(sr.daily) > 0 {
		f = int64(sr.daily[0].start)
	}
	if len(sr.hourly) > 0 {
		f = min(f, int64(sr.hourly[0].start))
	}
	if len(sr.pts) > 0 {
		f = min(f, sr.pts[0].Unix())
	}
	return f
}

// Report computes every figure for every check and region.
func (d *Data) Report() *Report {
	r := &Report{Now: d.opt.Now, Checks: map[string]*CheckReport{}}
	d.each(false, func(cr *CheckReport) { r.Checks[cr.Check] = cr })
	return r
}

// Each reads the history and hands the figures of every check to fn, one
// check at a time as each is done (in no set order; calls do not overlap).
// A check's samples are dropped once its figures are made, so that a
// caller that keeps only what it needs of each report never holds the
// history and every report at once (a build's peak memory). The report is
// fn's only until it returns: its summaries then serve the next check's,
// so fn copies what it keeps.
func Each(s *history.Store, opt Options, fn func(*CheckReport)) error {
	d, err := Load(s, opt)
	if err != nil {
		return err
	}
	d.each(true, func(cr *CheckReport) {
		fn(cr)
		recycle(cr)
	})
	return nil
}

// summaries holds the summaries Each is done with, for the next ones: a
// build makes one per check and region, most of them latency points (36
// kB a check), a sixth of what it allocated.
var summaries sync.Pool

func newSummary() *Summary {
	s, _ := summaries.Get().(*Summary)
	if s == nil {
		return &Summary{Windows: make([]Stats, 0, len(windows)), Latency: make([]LatencySeries, 0, len(latencySeries))}
	}
	return s
}

// recycle gives the summaries of cr to newSummary (All may be one of the
// regions' too).
func recycle(cr *CheckReport) {
	put := func(s *Summary) {
		s.Windows, s.Days, s.Latency = s.Windows[:0], s.Days[:0], s.Latency[:0]
		summaries.Put(s)
	}
	all := cr.All
	for _, s := range cr.Regions {
		if s == all {
			all = nil
		}
		put(s)
	}
	if all != nil {
		put(all)
	}
	*cr = CheckReport{}
}

// each computes the checks' reports on one worker per core (checks are
// independent: each series belongs to one) and passes them to fn in turn;
// release drops each check's samples once its figures are done, leaving
// d unusable.
func (d *Data) each(release bool, fn func(*CheckReport)) {
	checks := d.Checks()
	next := make(chan string)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				cr := d.checkReport(c, release)
				mu.Lock()
				fn(cr)
				mu.Unlock()
			}
		}()
	}
	for _, c := range checks {
		next <- c
	}
	close(next)
	wg.Wait()
}

func (d *Data) checkReport(c string, release bool) *CheckReport {
	cr := &CheckReport{Check: c, Regions: map[string]*Summary{}}
	ss := d.checks[c]
	for _, sr := range ss {
		cr.Regions[sr.key.Region] = d.summary([]*series{sr})
	}
	if len(ss) == 1 {
		cr.All = cr.Regions[ss[0].key.Region] // the same figures
	} else {
		cr.All = d.summary(ss)
	}
	if release {
		for _, sr := range ss {
			*sr = series{key: sr.key}
		}
	}
	return cr
}

func (d *Data) summary(ss []*series) *Summary {
	now := d.opt.Now
	sum := newSummary()
	if sum.Days == nil {
		sum.Days = make([]Stats, 0, d.opt.Days)
	}
	var a accum     // scratch, reused for every period
	var x *rawIndex // periods in the raw samples; nil without any
	if slices.ContainsFunc(ss, func(sr *series) bool { return len(sr.pts) > 0 }) {
		x = d.newRawIndex(ss)
		defer x.release()
		if len(ss) == 1 && !ss[0].rawLatSet {
			ss[0].rawLat, ss[0].rawLatSet = x.lat, true // the same list
		}
	}
	stats := func(from, to time.Time) Stats {
		a.reset()
		possible := time.Duration(len(ss)) * to.Sub(from)
		if f, t := from.Unix(), min(to.Unix(), d.now); x != nil && f >= d.boundary && f < t {
			p50, p95 := x.add(f, t, &a)
			s := a.figures(from, to, possible)
			s.P50, s.P95 = p50, p95
			return s
		}
		for _, sr := range ss {
			d.accumulate(sr, from.Unix(), to.Unix(), &a)
		}
		return a.stats(from, to, possible)
	}
	first := int64(math.MaxInt64)
	for _, sr := range ss {
		first = min(first, sr.first())
	}
	for _, w := range windows {
		from := now.Add(-w.Span)
		if w.Span == 0 {
			from = now
			if first < now.Unix() {
				from = time.Unix(first, 0).UTC()
			}
		}
		st := stats(from, now)
		st.Name = w.Name
		sum.Windows = append(sum.Windows, st)
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for i := d.opt.Days - 1; i >= 0; i-- {
		day := today.AddDate(0, 0, -i)
		sum.Days = append(sum.Days, stats(day, minTime(day.AddDate(0, 0, 1), now)))
	}
	for si, spec := range latencySeries {
		n := int(spec.Span / spec.Bucket)
		ls := LatencySeries{Name: spec.Name, Bucket: spec.Bucket}
		if si < cap(sum.Latency) {
			ls.Points = sum.Latency[:si+1][si].Points[:0] // a recycled summary's
		}
		ls.Points = slices.Grow(ls.Points, n)
		end := now.Truncate(spec.Bucket).Add(spec.Bucket) // end of the current bucket
		for i := n - 1; i >= 0; i-- {
			start := end.Add(-time.Duration(i+1) * spec.Bucket)
			stop := minTime(start.Add(spec.Bucket), now)
			var st Stats
			// A daily chart's recent buckets are the days computed above.
			if k := len(sum.Days) - 1 - i; k >= 0 && sum.Days[k].From.Equal(start) && sum.Days[k].To.Equal(stop) {
				st = sum.Days[k]
			} else {
				st = stats(start, stop)
			}
			ls.Points = append(ls.Points, LatencyPoint{Start: start, P50: st.P50, P95: st.P95, Samples: st.Samples - st.Failures})
		}
		sum.Latency = append(sum.Latency, ls)
	}
	return sum
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
