package history

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

type span struct {
	start, end int64
	lv         Level
}

func TestCover(t *testing.T) {
	// Times are offsets from o (points hold no time before 1970).
	const o = 1000
	pts := []Point{NewPoint(o-500, 0, LevelDown), NewPoint(o, 0, LevelUp), NewPoint(o+300, 0, LevelDown), NewPoint(o+600, 0, LevelUp), NewPoint(o+1800, 0, LevelDegraded)}
	tests := []struct {
		name     string
		from, to int64
		want     []span
	}{
		{"whole range: cap makes a gap after 600, the last sample runs to its cap", o - 1000, o + 5000, []span{{o - 500, o, LevelDown}, {o, o + 300, LevelUp}, {o + 300, o + 600, LevelDown}, {o + 600, o + 1200, LevelUp}, {o + 1800, o + 2400, LevelDegraded}}},
		{"clipped on both sides", o + 100, o + 2000, []span{{o + 100, o + 300, LevelUp}, {o + 300, o + 600, LevelDown}, {o + 600, o + 1200, LevelUp}, {o + 1800, o + 2000, LevelDegraded}}},
		{"carry-in from a sample before the range", o - 100, o + 50, []span{{o - 100, o, LevelDown}, {o, o + 50, LevelUp}}},
		{"inside a gap", o + 1300, o + 1700, nil},
		{"empty range", o + 10, o + 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []span
			Cover(pts, 600, tt.from, tt.to, func(s, e int64, p *Point) { got = append(got, span{s, e, p.Level()}) })
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	s := []float32{10, 20, 30, 40, 50}
	for _, tt := range []struct {
		q    float64
		want float64
	}{{0.5, 30}, {0.95, 50}, {0.2, 10}, {0.21, 20}, {1, 50}} {
		if got := Percentile(s, tt.q); got != tt.want {
			t.Errorf("p%v = %v, want %v", tt.q*100, got, tt.want)
		}
	}
	if Percentile(nil, 0.5) != 0 {
		t.Error("empty")
	}
}

// TestRollDay checks hourly and daily roll-ups against figures computed by
// hand, including the sample carried in from the previous day, a gap, and
// the last sample of the day cut at midnight.
func TestRollDay(t *testing.T) {
	d := day0.Unix()
	k := Key{"c", "global"}
	pts := map[Key][]Point{
		k: {
			NewPoint(d-180, 9000, LevelDown), // 23:57 the day before
			NewPoint(d+120, 10, LevelUp),     // 00:02
			NewPoint(d+420, 20, LevelDegraded),
			NewPoint(d+720, 30, LevelUp),      // 00:12, then no data until 01:10
			NewPoint(d+4200, 5000, LevelDown), // 01:10
			NewPoint(d+4500, 40, LevelUp),     // 01:15, covers to 01:25
			NewPoint(d+86340, 50, LevelUp),    // 23:59
			NewPoint(d+86640, 60, LevelUp),    // 00:04 the day after
		},
		{"other", "eu"}: {NewPoint(d+7200, 5, LevelUp)},
	}
	hourly, daily := rollDay(day0, pts, func(string) time.Duration { return 10 * time.Minute })
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	wantHourly := []Rollup{
		// [0,120) down (carried in), [120,420) up, [420,720) degraded, [720,1320) up.
		{Check: "c", Region: "global", Start: day0, Span: time.Hour, Samples: 3, Degraded: 1, Covered: sec(1320), DownTime: sec(120), DegradedTime: sec(300), P50: 20, P95: 30, Max: 30},
		// [4200,4500) down, [4500,5100) up.
		{Check: "c", Region: "global", Start: day0.Add(time.Hour), Span: time.Hour, Samples: 2, Down: 1, Covered: sec(900), DownTime: sec(300), P50: 40, P95: 40, Max: 40},
		{Check: "other", Region: "eu", Start: day0.Add(2 * time.Hour), Span: time.Hour, Samples: 1, Covered: sec(600), P50: 5, P95: 5, Max: 5},
		// [86340,86400): the rest belongs to the next day.
		{Check: "c", Region: "global", Start: day0.Add(23 * time.Hour), Span: time.Hour, Samples: 1, Covered: sec(60), P50: 50, P95: 50, Max: 50},
	}
	if !reflect.DeepEqual(hourly, wantHourly) {
		t.Errorf("hourly:\n got %+v\nwant %+v", hourly, wantHourly)
	}
	wantDaily := []Rollup{
		{Check: "c", Region: "global", Start: day0, Span: 24 * time.Hour, Samples: 6, Down: 1, Degraded: 1, Covered: sec(2280), DownTime: sec(420), DegradedTime: sec(300), P50: 30, P95: 50, Max: 50},
		{Check: "other", Region: "eu", Start: day0, Span: 24 * time.Hour, Samples: 1, Covered: sec(600), P50: 5, P95: 5, Max: 5},
	}
	if !reflect.DeepEqual(daily, wantDaily) {
		t.Errorf("daily:\n got %+v\nwant %+v", daily, wantDaily)
	}
}

// sampleAt builds a result for tests.
func result(check, region string, t time.Time, st prober.Status, latency time.Duration, values prober.Values) prober.Result {
	return prober.Result{Check: check, Name: check, Group: "g", Region: region, Time: t, Status: st, Latency: latency, Values: values}
}

func samplesOf(rs ...prober.Result) []Sample {
	out := make([]Sample, len(rs))
	for i, r := range rs {
		out[i] = FromResult(r, "")
	}
	return out
}

// TestMaintainRetention writes 20 days of 5-minute samples through the
// writer and checks which files retention keeps, and that the roll-ups
// count every sample once.
func TestMaintainRetention(t *testing.T) {
	dir := t.TempDir()
	const days = 20
	total := 0
	for i := 0; i < days*288; i++ {
		tm := day0.Add(time.Duration(i) * 5 * time.Minute)
		st := prober.Up
		if i%100 == 7 {
			st = prober.Down
		}
		if _, err := appendRound(dir, newRoundID(), samplesOf(result("c", "global", tm, st, 50*time.Millisecond, prober.Values{"height": "1"}))); err != nil {
			t.Fatal(err)
		}
		total++
	}
	now := day0.Add(days*24*time.Hour - time.Minute) // 2024-06-20 23:59
	ret := Retention{Raw: 14 * 24 * time.Hour, Hourly: 16 * 24 * time.Hour}
	if err := maintain(dir, now, ret, DefaultCap); err != nil {
		t.Fatal(err)
	}
	// Cutoff: days before 06-06 are rolled up (06-01..06-05); raw keeps
	// 06-05 (to weight 06-06's first sample) through 06-20.
	s, _ := Open(dir)
	rawDays, _ := s.RawDays()
	if got := fmtDays(rawDays); got != "2024-06-05..2024-06-20 (16)" {
		t.Errorf("raw days %s", got)
	}
	rolled, ok, _ := s.RolledThrough()
	if !ok || !rolled.Equal(day0.AddDate(0, 0, 4)) {
		t.Errorf("rolled through %v %v, want 2024-06-05", rolled, ok)
	}
	// Hourly retention 16 days from 06-20: keep 06-04 on; 06-01..03 pruned.
	hours, _ := listDays(dir, HourlyDir)
	var hd []time.Time
	for _, h := range hours {
		hd = append(hd, h.day)
	}
	if got := fmtDays(hd); got != "2024-06-04..2024-06-05 (2)" {
		t.Errorf("hourly days %s", got)
	}
	dailies, err := s.Daily(time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(dailies) != 5 {
		t.Fatalf("%d daily roll-ups, want 5", len(dailies))
	}
	counted := 0
	for _, d := range dailies {
		counted += d.Samples
		// 288 samples a day, no gaps: every second of the day covered.
		if d.Covered != 24*time.Hour {
			t.Errorf("%s covered %s", d.Start.Format(dayLayout), d.Covered)
		}
	}
	pts, err := s.Points(day0.AddDate(0, 0, 5), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	counted += len(pts[Key{"c", "global"}])
	if counted != total {
		t.Errorf("roll-ups + raw after the boundary count %d samples, want %d", counted, total)
	}
	// Running it again changes nothing.
	before := snapshot(t, dir)
	if err := maintain(dir, now, ret, DefaultCap); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, dir); !reflect.DeepEqual(before, after) {
		t.Error("second maintain changed files")
	}
}

func fmtDays(ds []time.Time) string {
	if len(ds) == 0 {
		return "none"
	}
	return ds[0].Format(dayLayout) + ".." + ds[len(ds)-1].Format(dayLayout) + " (" + strconv.Itoa(len(ds)) + ")"
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.Contains(p, string(filepath.Separator)+".git"+string(filepath.Separator)) {
			return err
		}
		b, err := os.ReadFile(p)
		out[strings.TrimPrefix(p, dir)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
