package uptime

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// kind of a sample in a generated history.
type kind int

const (
	up kind = iota
	degraded
	down
	missing // the round did not happen
)

// gen writes a sample every 5 minutes in [from, to) for check/region,
// classified by fn, one round per sample time.
func gen(t *testing.T, dir, check, region string, from, to time.Time, fn func(time.Time) kind) {
	t.Helper()
	var batch []history.Sample
	for tm := from; tm.Before(to); tm = tm.Add(5 * time.Minute) {
		k := fn(tm)
		if k == missing {
			continue
		}
		st, lat := prober.Up, 100*time.Millisecond
		switch k {
		case degraded:
			st, lat = prober.Degraded, 300*time.Millisecond
		case down:
			st, lat = prober.Down, 10*time.Second
		}
		batch = append(batch, history.Sample{Time: tm, Check: check, Region: region, Status: st, Latency: lat})
	}
	if err := history.AppendSamples(dir, batch); err != nil {
		t.Fatal(err)
	}
}

func between(tm time.Time, from, to string) bool {
	return !tm.Before(at(from)) && tm.Before(at(to))
}

func mins(n float64) time.Duration { return time.Duration(n * float64(time.Minute)) }

func load(t *testing.T, dir string, now time.Time) *Data {
	t.Helper()
	s, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Load(s, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type want struct {
	covered, down, degraded, possible time.Duration
	samples, failures, degSamples     int
}

func checkStats(t *testing.T, name string, got Stats, w want) {
	t.Helper()
	if got.Covered != w.covered || got.Down != w.down || got.Degraded != w.degraded || got.Possible != w.possible ||
		got.Samples != w.samples || got.Failures != w.failures || got.DegradedSamples != w.degSamples {
		t.Errorf("%s:\n got covered %s down %s degraded %s possible %s samples %d failures %d degraded %d\nwant covered %s down %s degraded %s possible %s samples %d failures %d degraded %d",
			name, got.Covered, got.Down, got.Degraded, got.Possible, got.Samples, got.Failures, got.DegradedSamples,
			w.covered, w.down, w.degraded, w.possible, w.samples, w.failures, w.degSamples)
	}
}

// scenarioA: one day of 5-minute samples ending now (12:00), down from
// 00:00 to 01:00, no rounds from 06:00 to 07:00, degraded at 10:00 and 10:05.
func scenarioA(t *testing.T) (string, time.Time) {
	dir := t.TempDir()
	gen(t, dir, "c", "global", at("2024-06-09 12:00"), at("2024-06-10 12:00"), func(tm time.Time) kind {
		switch {
		case between(tm, "2024-06-10 00:00", "2024-06-10 01:00"):
			return down
		case between(tm, "2024-06-10 06:00", "2024-06-10 07:00"):
			return missing
		case between(tm, "2024-06-10 10:00", "2024-06-10 10:10"):
			return degraded
		}
		return up
	})
	return dir, at("2024-06-10 12:00")
}

func TestWindowsWithGaps(t *testing.T) {
	dir, now := scenarioA(t)
	r := load(t, dir, now).Report()
	g := r.Checks["c"].Regions["global"]
	// 24h: every minute covered except the gap: the 05:55 sample stands
	// until 06:05 (twice the interval), then nothing until 07:00.
	w24, _ := g.Window("24h")
	checkStats(t, "24h", w24, want{covered: mins(24*60 - 55), down: mins(60), degraded: mins(10), possible: 24 * time.Hour, samples: 276, failures: 12, degSamples: 2})
	u, ok := w24.Uptime()
	if !ok || math.Abs(u-(1-60.0/1385)) > 1e-12 {
		t.Errorf("24h uptime %v", u)
	}
	// 262 samples at 100 ms, 2 degraded at 300 ms.
	if w24.P50 != 100 || w24.P95 != 100 || w24.Max != 300 || w24.LatencyApprox {
		t.Errorf("24h latency p50 %v p95 %v max %v approx %v", w24.P50, w24.P95, w24.Max, w24.LatencyApprox)
	}
	// Longer windows hold the same data, the possible time grows.
	w7, _ := g.Window("7d")
	checkStats(t, "7d", w7, want{covered: mins(24*60 - 55), down: mins(60), degraded: mins(10), possible: 7 * 24 * time.Hour, samples: 276, failures: 12, degSamples: 2})
	if c := w7.Coverage(); math.Abs(c-1385.0/(7*24*60)) > 1e-12 {
		t.Errorf("7d coverage %v", c)
	}
	all, _ := g.Window("all")
	checkStats(t, "all", all, want{covered: mins(24*60 - 55), down: mins(60), degraded: mins(10), possible: 24 * time.Hour, samples: 276, failures: 12, degSamples: 2})

	// Days: today so far (00:00-12:00) and yesterday's second half.
	if len(g.Days) != 90 {
		t.Fatalf("%d days", len(g.Days))
	}
	today, yesterday, before := g.Days[89], g.Days[88], g.Days[87]
	if !today.From.Equal(at("2024-06-10 00:00")) || !today.To.Equal(now) {
		t.Errorf("today is %s..%s", today.From, today.To)
	}
	checkStats(t, "today", today, want{covered: mins(12*60 - 55), down: mins(60), degraded: mins(10), possible: 12 * time.Hour, samples: 132, failures: 12, degSamples: 2})
	checkStats(t, "yesterday", yesterday, want{covered: 12 * time.Hour, possible: 24 * time.Hour, samples: 144})
	if _, ok := before.Uptime(); ok || before.Covered != 0 {
		t.Errorf("a day without data has an uptime: %+v", before)
	}

	// Latency chart: the 15-minute buckets of the outage and of the gap
	// have no latency; a normal one has three samples at 100 ms.
	s24 := g.Series("24h")
	if len(s24) != 96 {
		t.Fatalf("%d points in the 24h chart", len(s24))
	}
	byStart := map[string]LatencyPoint{}
	for _, p := range s24 {
		byStart[p.Start.Format("15:04")] = p
	}
	if p := byStart["00:15"]; p.Samples != 0 {
		t.Errorf("outage bucket %+v", p)
	}
	if p := byStart["06:15"]; p.Samples != 0 {
		t.Errorf("gap bucket %+v", p)
	}
	if p := byStart["10:00"]; p.Samples != 3 || p.P50 != 300 || p.P95 != 300 {
		t.Errorf("degraded bucket %+v", p)
	}
	if p := byStart["11:45"]; p.Samples != 3 || p.P50 != 100 || !p.Start.Equal(at("2024-06-10 11:45")) {
		t.Errorf("last bucket %+v", p)
	}
}

// TestUTCDayEdges: a sample stands for time across midnight, and that time
// is split at 00:00 UTC whatever the time zone of Now.
func TestUTCDayEdges(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []struct {
		at string
		k  kind
	}{{"2024-06-09 23:50", up}, {"2024-06-09 23:58", down}, {"2024-06-10 00:03", up}, {"2024-06-10 00:08", up}} {
		gen(t, dir, "c", "global", at(s.at), at(s.at).Add(time.Minute), func(time.Time) kind { return s.k })
	}
	now := at("2024-06-10 00:10").In(time.FixedZone("UTC+2", 2*3600))
	check := func(label string) {
		g := load(t, dir, now).Report().Checks["c"].Regions["global"]
		day1, day2 := g.Days[88], g.Days[89]
		if !day2.From.Equal(at("2024-06-10 00:00")) {
			t.Fatalf("%s: today starts %s, want 00:00 UTC", label, day2.From)
		}
		checkStats(t, label+" 06-09", day1, want{covered: mins(10), down: mins(2), possible: 24 * time.Hour, samples: 2, failures: 1})
		checkStats(t, label+" 06-10", day2, want{covered: mins(10), down: mins(3), possible: mins(10), samples: 2})
	}
	check("raw")
	// Rolled up (raw retention 1 day): 06-09 now comes from its daily
	// roll-up, 06-10 from raw samples weighted with 06-09's last one.
	if err := history.Maintain(dir, at("2024-06-11 00:10"), history.Retention{Raw: 24 * time.Hour, Hourly: 90 * 24 * time.Hour}, nil); err != nil {
		t.Fatal(err)
	}
	s, _ := history.Open(dir)
	if d, ok, _ := s.RolledThrough(); !ok || !d.Equal(at("2024-06-09 00:00")) {
		t.Fatalf("rolled through %v %v", d, ok)
	}
	check("rolled")
}

// scenarioB writes 20 days (06-01..06-20) of 5-minute samples; on day i
// (0-based) the first i rounds are down. Then it rolls up with raw
// retention 14d as of now.
func scenarioB(t *testing.T, now time.Time, hourly time.Duration) string {
	dir := t.TempDir()
	start := at("2024-06-01 00:00")
	gen(t, dir, "c", "global", start, at("2024-06-21 00:00"), func(tm time.Time) kind {
		day := int(tm.Sub(start) / (24 * time.Hour))
		if tm.Sub(start.AddDate(0, 0, day)) < time.Duration(day)*5*time.Minute {
			return down
		}
		return up
	})
	if err := history.Maintain(dir, now, history.Retention{Raw: 14 * 24 * time.Hour, Hourly: hourly}, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRetentionBoundaries: figures are the same whether a day comes from
// raw samples, hourly or daily roll-ups.
func TestRetentionBoundaries(t *testing.T) {
	now := at("2024-06-21 00:00")
	dir := scenarioB(t, now, 90*24*time.Hour)
	s, _ := history.Open(dir)
	if d, _, _ := s.RolledThrough(); !d.Equal(at("2024-06-06 00:00")) {
		t.Fatalf("rolled through %s, want 2024-06-06 (days before 06-07 = now - 14d)", d)
	}
	d := load(t, dir, now)
	g := d.Report().Checks["c"].Regions["global"]
	for i := 0; i < 20; i++ {
		day := g.Days[89-20+i]
		checkStats(t, day.From.Format("01-02"), day, want{covered: 24 * time.Hour, down: mins(float64(5 * i)), possible: 24 * time.Hour, samples: 288, failures: i})
		// Rolled-up days give exact per-day percentiles too.
		if day.P50 != 100 || day.LatencyApprox {
			t.Errorf("%s: p50 %v approx %v", day.From.Format("01-02"), day.P50, day.LatencyApprox)
		}
	}
	// 30d: all 20 days (down 0+1+...+19 rounds of 5 minutes).
	w30, _ := g.Window("30d")
	checkStats(t, "30d", w30, want{covered: 20 * 24 * time.Hour, down: mins(5 * 190), possible: 30 * 24 * time.Hour, samples: 20 * 288, failures: 190})
	if !w30.LatencyApprox || w30.P50 != 100 {
		t.Errorf("30d latency p50 %v approx %v", w30.P50, w30.LatencyApprox)
	}
	w7, _ := g.Window("7d")
	checkStats(t, "7d", w7, want{covered: 7 * 24 * time.Hour, down: mins(5 * (13 + 14 + 15 + 16 + 17 + 18 + 19)), possible: 7 * 24 * time.Hour, samples: 7 * 288, failures: 13 + 14 + 15 + 16 + 17 + 18 + 19})
	if w7.LatencyApprox {
		t.Error("7d is all raw: latency must be exact")
	}

	// A range cut at 06:00 inside a rolled-up day: with hourly roll-ups the
	// cut is exact (06-03's down rounds at 00:00-00:10 fall before it).
	cut := d.Range("c", "global", at("2024-06-03 06:00"), at("2024-06-05 00:00"))
	checkStats(t, "cut with hourly", cut, want{covered: 42 * time.Hour, down: mins(15), possible: 42 * time.Hour, samples: 216 + 288, failures: 3})
	// Once the hourly roll-ups are pruned, the daily one counts pro rata.
	dir2 := scenarioB(t, now, 16*24*time.Hour)
	cut2 := load(t, dir2, now).Range("c", "global", at("2024-06-03 06:00"), at("2024-06-05 00:00"))
	checkStats(t, "cut from daily", cut2, want{covered: 42 * time.Hour, down: mins(15 + 10*18.0/24), possible: 42 * time.Hour, samples: 216 + 288, failures: 3 + 2})

	// Rolling up changes no figure of whole days (same numbers as raw).
	raw := t.TempDir()
	start := at("2024-06-01 00:00")
	gen(t, raw, "c", "global", start, at("2024-06-21 00:00"), func(tm time.Time) kind {
		day := int(tm.Sub(start) / (24 * time.Hour))
		if tm.Sub(start.AddDate(0, 0, day)) < time.Duration(day)*5*time.Minute {
			return down
		}
		return up
	})
	gr := load(t, raw, now).Report().Checks["c"].Regions["global"]
	for i := range gr.Windows {
		a, b := gr.Windows[i], g.Windows[i]
		if a.Covered != b.Covered || a.Down != b.Down || a.Samples != b.Samples || a.Failures != b.Failures {
			t.Errorf("window %s: raw %+v rolled %+v", a.Name, a, b)
		}
	}
}

func TestRegionsCombined(t *testing.T) {
	dir := t.TempDir()
	gen(t, dir, "c", "global", at("2024-06-10 00:00"), at("2024-06-11 00:00"), func(time.Time) kind { return up })
	gen(t, dir, "c", "eu", at("2024-06-10 00:00"), at("2024-06-11 00:00"), func(tm time.Time) kind {
		if between(tm, "2024-06-10 12:00", "2024-06-10 13:00") {
			return down
		}
		return up
	})
	r := load(t, dir, at("2024-06-11 00:00")).Report()
	all, _ := r.Checks["c"].All.Window("24h")
	checkStats(t, "all regions", all, want{covered: 48 * time.Hour, down: time.Hour, possible: 48 * time.Hour, samples: 576, failures: 12})
	if u, _ := all.Uptime(); math.Abs(u-(1-1.0/48)) > 1e-12 {
		t.Errorf("uptime %v", u)
	}
	eu, _ := r.Checks["c"].Regions["eu"].Window("24h")
	if u, _ := eu.Uptime(); math.Abs(u-(1-1.0/24)) > 1e-12 {
		t.Errorf("eu uptime %v", u)
	}
}

func TestNoHistory(t *testing.T) {
	r := load(t, t.TempDir(), at("2024-06-10 00:00")).Report()
	if len(r.Checks) != 0 {
		t.Errorf("checks %v", r.Checks)
	}
}

// TestEachMatchesReport: streaming the checks gives every check exactly
// once, with the figures Report computes over the loaded history, each
// report whole while fn has it; the second pass reuses the first one's
// summaries (Each's contract) and gives the same figures again.
func TestEachMatchesReport(t *testing.T) {
	dir := t.TempDir()
	from, now := at("2024-06-09 00:00"), at("2024-06-10 12:00")
	for i, c := range []string{"a", "b", "c", "d", "e"} {
		for _, region := range []string{"eu", "us"}[:1+i%2] {
			gen(t, dir, c, region, from, now, func(tm time.Time) kind { return kind(tm.Minute()/5+i) % 3 })
		}
	}
	s, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := load(t, dir, now).Report()
	if len(want.Checks) != 5 {
		t.Fatalf("Report gave %d checks, want 5", len(want.Checks))
	}
	for pass := range 2 {
		seen := map[string]bool{}
		if err := Each(s, Options{Now: now}, func(cr *CheckReport) {
			if seen[cr.Check] {
				t.Errorf("pass %d: check %s handed twice", pass, cr.Check)
			}
			seen[cr.Check] = true
			if !reflect.DeepEqual(cr, want.Checks[cr.Check]) {
				t.Errorf("pass %d: check %s: Each and Report differ", pass, cr.Check)
			}
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 5 {
			t.Fatalf("pass %d: Each gave %d checks, want 5", pass, len(seen))
		}
	}
}
