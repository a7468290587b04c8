// Package valueseries computes the charts of recorded chain values (peers,
// lag, balances, points) and the daily figures of the validator history
// from history: the same windows and buckets as the latency charts
// (uptime.Series), from raw samples, hourly and daily value roll-ups.
//
// Every source is read once and each item lands in its bucket by index:
// no bucket rescans anything.
package valueseries

import (
	"sort"
	"strconv"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
	"github.com/upchain-dev/upchain/prober/uptime"
)

// Bucket is one period of a value. Samples 0 is a gap (no data).
type Bucket struct {
	Samples        int
	Min, Max, Last float64
	lastT          int64
}

func (b *Bucket) add(n int, lo, hi, last float64, t int64) {
	if b.Samples == 0 || lo < b.Min {
		b.Min = lo
	}
	if b.Samples == 0 || hi > b.Max {
		b.Max = hi
	}
	if b.Samples == 0 || t >= b.lastT {
		b.Last, b.lastT = last, t
	}
	b.Samples += n
}

// Window is one chart: Buckets of Step from Start, oldest first (dense:
// bucket i starts at Start + i*Step).
type Window struct {
	Name    string
	Step    time.Duration
	Start   time.Time
	Buckets []Bucket
}

// Series is everything one value of one check and region needs.
type Series struct {
	Check, Region, Name string
	Windows             []Window
	// Last is the newest recorded text (exact) and LastTime its time.
	Last     string
	LastTime time.Time
	lastT    int64
	lastB    []byte // Last while reading: raw values are not copied each
	// hours gathers the raw samples after the last rolled-up day by hour,
	// folded into the hourly and longer windows at the end: one bucket
	// update a sample instead of one a window.
	hours []Bucket
}

// Window returns the named window, or nil.
func (s *Series) Window(name string) *Window {
	for i := range s.Windows {
		if s.Windows[i].Name == name {
			return &s.Windows[i]
		}
	}
	return nil
}

// Days returns the last n daily buckets (ending with the day of Now) with
// their dates, oldest first.
func (s *Series) Days(n int) ([]time.Time, []Bucket) {
	w := s.Window(DailyWindow)
	if w == nil {
		return nil, nil
	}
	from := max(0, len(w.Buckets)-n)
	dates := make([]time.Time, 0, len(w.Buckets)-from)
	for i := from; i < len(w.Buckets); i++ {
		dates = append(dates, w.Start.Add(time.Duration(i)*w.Step))
	}
	return dates, w.Buckets[from:]
}

// DailyWindow is the window of one-day buckets; the validator history
// reads its last HistoryDays days.
const DailyWindow = "1y"

// HistoryDays is how many days of values that are not charted (only in
// the validator history) are read.
const HistoryDays = 90

// Options configure Compute.
type Options struct {
	// Now ends the windows (the newest round's time).
	Now time.Time
	// Values says which values are rolled (ValueSpec.Rolled) and how to
	// read them as numbers.
	Values *prober.ValueCatalog
	// Kinds, when set, limits the series to values these kinds declare
	// (the configured checks' kinds): a site without validators reads no
	// values at all.
	Kinds []string
}

// Report holds the series of every check, region and value.
type Report struct {
	series map[history.Key]map[string]*Series
}

// Get returns the series of one value, or nil.
func (r *Report) Get(check, region, name string) *Series {
	if r == nil {
		return nil
	}
	return r.series[history.Key{Check: check, Region: region}][name]
}

// Of returns the series of a check in a region, sorted by value name.
func (r *Report) Of(check, region string) []*Series {
	if r == nil {
		return nil
	}
	m := r.series[history.Key{Check: check, Region: region}]
	out := make([]*Series, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

type windowPlan struct {
	name      string
	step      int64
	start     int64
	n         int
	fromHours bool
	fromDays  bool
}

// Compute reads the values' series from s: raw samples after the last
// rolled-up day (and the last 24 hours), hourly value roll-ups for the
// hourly windows and daily value roll-ups for the 1-year one.
func Compute(s *history.Store, opt Options) (*Report, error) {
	rep := &Report{series: map[history.Key]map[string]*Series{}}
	// names are every value read; charted ones get every window, the
	// others (validator history only) the daily one.
	names, charted := map[string]bool{}, map[string]bool{}
	for _, n := range opt.Values.Rolled() {
		if opt.Kinds == nil {
			names[n] = true
		}
		for _, k := range opt.Kinds {
			if opt.Values.Declared(k, n) {
				names[n] = true
			}
		}
		if names[n] && opt.Values.Spec(n).Chart {
			charted[n] = true
		}
	}
	if opt.Now.IsZero() || len(names) == 0 {
		return rep, nil
	}
	now := opt.Now.Unix()
	var plans []windowPlan
	var oldest int64 = now
	for _, sp := range uptime.Series() {
		step := int64(sp.Bucket / time.Second)
		end := opt.Now.Truncate(sp.Bucket).Add(sp.Bucket).Unix()
		n := int(sp.Span / sp.Bucket)
		p := windowPlan{name: sp.Name, step: step, start: end - int64(n)*step, n: n}
		switch {
		case sp.Bucket < time.Hour:
		case sp.Bucket < 24*time.Hour:
			p.fromHours = true
		default:
			p.fromDays = true
		}
		plans = append(plans, p)
		oldest = min(oldest, p.start)
	}
	rolled, hasRolled, err := s.RolledThrough()
	if err != nil {
		return nil, err
	}
	var rawFrom int64 = oldest // raw samples after this feed every window
	if hasRolled {
		rawFrom = max(rawFrom, rolled.AddDate(0, 0, 1).Unix())
	}
	// The values of one raw line are consecutive: keep the line's map.
	var lastKey history.Key
	var lastMap map[string]*Series
	get := func(check, region, name string) *Series {
		k := history.Key{Check: check, Region: region}
		m := lastMap
		if lastMap == nil || k != lastKey {
			m = rep.series[k]
			if m == nil {
				m = map[string]*Series{}
				rep.series[k] = m
			}
			lastKey, lastMap = k, m
		}
		sr := m[name]
		if sr == nil {
			sr = &Series{Check: check, Region: region, Name: name, Windows: make([]Window, len(plans))}
			for i, p := range plans {
				sr.Windows[i] = Window{Name: p.name, Step: time.Duration(p.step) * time.Second, Start: time.Unix(p.start, 0).UTC()}
			}
			m[name] = sr
		}
		return sr
	}
	put := func(sr *Series, pi int, t int64, n int, lo, hi, last float64, lastT int64) {
		p := &plans[pi]
		i := (t - p.start) / p.step
		if t < p.start || i >= int64(p.n) {
			return
		}
		w := &sr.Windows[pi]
		if w.Buckets == nil {
			w.Buckets = make([]Bucket, p.n)
		}
		w.Buckets[i].add(n, lo, hi, last, lastT)
	}
	seeLast := func(sr *Series, text []byte, t int64) {
		if len(sr.lastB) == 0 || t >= sr.lastT {
			sr.lastB, sr.lastT = append(sr.lastB[:0], text...), t
		}
	}
	type nameInfo struct {
		spec    prober.ValueSpec
		charted bool
	}
	infos := map[string]*nameInfo{}
	for n := range names {
		infos[n] = &nameInfo{spec: opt.Values.Spec(n), charted: charted[n]}
	}
	number := func(name, text string) (float64, bool) { return infos[name].spec.Number(text) }
	// The raw hours run from the first day not rolled up to the end of now's hour.
	hoursFrom := rawFrom - rawFrom%3600
	nHours := int((now - now%3600 + 3600 - hoursFrom) / 3600)
	fine, daily := -1, -1 // the sub-hourly (24 h) window, fed directly; the daily one
	for pi, p := range plans {
		if p.step < 3600 {
			fine = pi
		}
		if p.fromDays {
			daily = pi
		}
	}

	// Raw samples: the last 24 hours for every window that wants raw, and
	// older ones only after the last rolled-up day (roll-ups cover before).
	recent := now - 86400
	err = s.EachValueSample(time.Unix(min(rawFrom, recent), 0), time.Unix(now+1, 0), names, func(v *history.ValueSample) {
		info := infos[v.Name]
		f, ok := numberBytes(&info.spec, v.Value)
		if !ok {
			return
		}
		sr := get(v.Check, v.Region, v.Name)
		seeLast(sr, v.Value, v.Unix)
		if !info.charted {
			if v.Unix >= rawFrom {
				put(sr, daily, v.Unix, 1, f, f, f, v.Unix)
			}
			return
		}
		if fine >= 0 && v.Unix >= recent {
			put(sr, fine, v.Unix, 1, f, f, f, v.Unix)
		}
		if h := (v.Unix - hoursFrom) / 3600; v.Unix >= rawFrom && h < int64(nHours) {
			if sr.hours == nil {
				sr.hours = make([]Bucket, nHours)
			}
			sr.hours[h].add(1, f, f, f, v.Unix)
		}
	})
	if err != nil {
		return nil, err
	}
	// Values only in the validator history are needed for its days.
	historyFrom := opt.Now.Truncate(24*time.Hour).AddDate(0, 0, -HistoryDays).Unix()
	rollup := func(fromHours bool) func(r *history.ValueRollup) error {
		return func(r *history.ValueRollup) error {
			if !names[r.Name] {
				return nil
			}
			lo, ok1 := number(r.Name, r.Min)
			hi, ok2 := number(r.Name, r.Max)
			last, ok3 := number(r.Name, r.Last)
			t := r.Start.Unix()
			if !ok1 || !ok2 || !ok3 || (hasRolled && t >= rawFrom) || (!infos[r.Name].charted && t < historyFrom) {
				return nil
			}
			sr := get(r.Check, r.Region, r.Name)
			lastT := t + int64(r.Span/time.Second) - 1
			for pi := range plans {
				if (fromHours && plans[pi].fromHours) || (!fromHours && plans[pi].fromDays) {
					put(sr, pi, t, r.Samples, lo, hi, last, lastT)
				}
			}
			seeLast(sr, []byte(r.Last), lastT)
			return nil
		}
	}
	var hourFrom int64 = now
	for _, p := range plans {
		if p.fromHours {
			hourFrom = min(hourFrom, p.start)
		}
	}
	if err := s.EachValueHourly(time.Unix(hourFrom, 0), time.Unix(rawFrom, 0), charted, rollup(true)); err != nil {
		return nil, err
	}
	// Charted values for the year; the others only for the history's days.
	if err := s.EachValueDaily(time.Unix(oldest, 0), time.Unix(rawFrom, 0), charted, rollup(false)); err != nil {
		return nil, err
	}
	historyOnly := map[string]bool{}
	for n := range names {
		if !charted[n] {
			historyOnly[n] = true
		}
	}
	if len(historyOnly) > 0 {
		if err := s.EachValueDaily(time.Unix(historyFrom, 0), time.Unix(rawFrom, 0), historyOnly, rollup(false)); err != nil {
			return nil, err
		}
	}
	for _, m := range rep.series {
		for _, sr := range m {
			for h := range sr.hours {
				if b := &sr.hours[h]; b.Samples > 0 {
					for pi := range plans {
						if pi != fine {
							put(sr, pi, hoursFrom+int64(h)*3600, b.Samples, b.Min, b.Max, b.Last, b.lastT)
						}
					}
				}
			}
			sr.hours = nil
			if len(sr.lastB) > 0 {
				sr.Last, sr.LastTime, sr.lastB = string(sr.lastB), time.Unix(sr.lastT, 0).UTC(), nil
			}
		}
	}
	return rep, nil
}

// numberBytes is spec.Number for raw bytes without copying them: plain
// decimals (the common case) are read here, anything else by strconv.
func numberBytes(spec *prober.ValueSpec, b []byte) (float64, bool) {
	switch spec.Unit {
	case prober.UnitText, prober.UnitTime:
		return 0, false
	case prober.UnitBool:
		switch string(b) {
		case "true":
			return 1, true
		case "false":
			return 0, true
		}
		return 0, false
	}
	neg, i := false, 0
	if len(b) > 0 && b[0] == '-' {
		neg, i = true, 1
	}
	var whole, frac, scale float64 = 0, 0, 1
	digits, dot := 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9' && digits < 15:
			digits++
			if dot {
				scale *= 10
				frac = frac*10 + float64(c-'0')
			} else {
				whole = whole*10 + float64(c-'0')
			}
		case c == '.' && !dot:
			dot = true
		default: // exponents, long numbers (amounts): strconv, exactly rounded
			f, err := strconv.ParseFloat(string(b), 64)
			return f, err == nil
		}
	}
	if digits == 0 {
		return 0, false
	}
	f := whole + frac/scale
	if neg {
		f = -f
	}
	return f, true
}
