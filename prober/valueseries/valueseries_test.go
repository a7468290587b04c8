package valueseries

import (
	"strconv"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

func sample(t time.Time, vals prober.Values) history.Sample {
	return history.Sample{Time: t, Check: "v", Region: "global", Status: prober.Up, Latency: time.Millisecond, Values: vals}
}

// TestCompute builds 20 days of history (rolled up but for the last
// two), with peers every 5 minutes except a 2-hour gap today, and checks
// the buckets of every window: gaps, min, max and last, and that rolled
// and raw days are counted once.
func TestCompute(t *testing.T) {
	dir := t.TempDir()
	day0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	now := day0.AddDate(0, 0, 19).Add(12 * time.Hour) // day 19, 12:00
	var rounds [][]history.Sample
	for ts := day0; !ts.After(now); ts = ts.Add(5 * time.Minute) {
		if ts.After(now.Add(-4*time.Hour)) && ts.Before(now.Add(-2*time.Hour)) {
			continue // the gap: 08:00 to 10:00 today
		}
		d := int(ts.Sub(day0) / (24 * time.Hour))
		// peers: the day number, plus 100 at 06:00 of every day (the max).
		peers := d
		if ts.Hour() == 6 && ts.Minute() == 0 {
			peers += 100
		}
		rounds = append(rounds, []history.Sample{sample(ts, prober.Values{"peers": strconv.Itoa(peers), "in_active_set": strconv.FormatBool(d%2 == 0), "height": "1"})})
	}
	if err := history.AppendRounds(dir, rounds); err != nil {
		t.Fatal(err)
	}
	if err := history.Maintain(dir, now, history.Retention{Raw: 36 * time.Hour, Hourly: 90 * 24 * time.Hour}, nil); err != nil {
		t.Fatal(err)
	}
	s, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok, _ := s.RolledThrough(); !ok || !d.Equal(day0.AddDate(0, 0, 17)) {
		t.Fatalf("rolled through %v %v, want day 17 (days 18 and 19 raw)", d, ok)
	}
	rep, err := Compute(s, Options{Now: now, Values: prober.Builtin().Values()})
	if err != nil {
		t.Fatal(err)
	}
	if other, err := Compute(s, Options{Now: now, Values: prober.Builtin().Values(), Kinds: []string{"http"}}); err != nil || other.Get("v", "global", "peers") != nil {
		t.Errorf("series for kinds that declare no such value: %v", err)
	}
	if rep.Get("v", "global", "height") != nil {
		t.Error("height is not charted, yet has a series")
	}
	sr := rep.Get("v", "global", "peers")
	if sr == nil {
		t.Fatal("no peers series")
	}
	if sr.Last != "19" || !sr.LastTime.Equal(now) {
		t.Errorf("last %q at %v, want 19 at %v", sr.Last, sr.LastTime, now)
	}
	bucketAt := func(w *Window, at time.Time) Bucket {
		i := int(at.Sub(w.Start) / w.Step)
		return w.Buckets[i]
	}
	day := func(d int, h int) time.Time { return day0.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name   string
		window string
		at     time.Time
		want   Bucket
	}{
		{"24h: a 15-minute bucket today", "24h", day(19, 1), Bucket{Samples: 3, Min: 19, Max: 19, Last: 19}},
		{"24h: the gap", "24h", day(19, 9), Bucket{}},
		{"24h: yesterday afternoon", "24h", day(18, 13), Bucket{Samples: 3, Min: 18, Max: 18, Last: 18}},
		{"7d: the rolled day whose raw file is kept is counted once", "7d", day(17, 6), Bucket{Samples: 12, Min: 17, Max: 117, Last: 17}},
		{"7d: an hour from the hourly roll-ups", "7d", day(15, 6), Bucket{Samples: 12, Min: 15, Max: 115, Last: 15}},
		{"7d: an hour from raw samples", "7d", day(18, 6), Bucket{Samples: 12, Min: 18, Max: 118, Last: 18}},
		{"30d: six hours from the hourly roll-ups", "30d", day(10, 6), Bucket{Samples: 72, Min: 10, Max: 110, Last: 10}},
		{"30d: before the history began", "30d", day(-3, 0), Bucket{}},
		{"1y: a rolled day", "1y", day(3, 0), Bucket{Samples: 288, Min: 3, Max: 103, Last: 3}},
		{"1y: a raw day, counted once", "1y", day(18, 0), Bucket{Samples: 288, Min: 18, Max: 118, Last: 18}},
		{"1y: today so far, without the gap", "1y", day(19, 0), Bucket{Samples: 145 - 23, Min: 19, Max: 119, Last: 19}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := sr.Window(tt.window)
			if w == nil || len(w.Buckets) == 0 {
				t.Fatalf("no window %s", tt.window)
			}
			got := bucketAt(w, tt.at)
			got.lastT = 0
			if got != tt.want {
				t.Errorf("bucket at %v: got %+v, want %+v", tt.at, got, tt.want)
			}
		})
	}
	if w := sr.Window("24h"); len(w.Buckets) != 96 || w.Step != 15*time.Minute {
		t.Errorf("24h window: %d buckets of %v", len(w.Buckets), w.Step)
	}
	dates, days := rep.Get("v", "global", "in_active_set").Days(90)
	if len(days) != 90 || !dates[89].Equal(day(19, 0)) {
		t.Fatalf("days: %d ending %v", len(days), dates[len(dates)-1])
	}
	if b := days[89-3]; b.Min != 1 || b.Max != 1 || b.Samples != 288 { // day 16: even, active all day
		t.Errorf("day 16 active: %+v", b)
	}
	if b := days[89-2]; b.Min != 0 || b.Max != 0 { // day 17: odd, never active
		t.Errorf("day 17 active: %+v", b)
	}
	if b := days[0]; b.Samples != 0 { // before the history began: a gap
		t.Errorf("day -70: %+v", b)
	}
}

// TestNumberBytes: the fast reader agrees with ValueSpec.Number.
func TestNumberBytes(t *testing.T) {
	count := prober.ValueSpec{Unit: prober.UnitCount}
	for _, tt := range []struct {
		spec prober.ValueSpec
		in   string
	}{
		{count, "12"}, {count, "-3"}, {count, "0.5"}, {count, "1.25"}, {count, "123456789012345678901234567890"},
		{count, "1e3"}, {count, ""}, {count, "-"}, {count, "abc"}, {count, "1.2.3"},
		{prober.ValueSpec{Unit: prober.UnitBool}, "true"}, {prober.ValueSpec{Unit: prober.UnitBool}, "false"}, {prober.ValueSpec{Unit: prober.UnitBool}, "yes"},
		{prober.ValueSpec{Unit: prober.UnitText}, "12"},
	} {
		wantF, wantOK := tt.spec.Number(tt.in)
		gotF, gotOK := numberBytes(&tt.spec, []byte(tt.in))
		if gotOK != wantOK || (wantOK && gotF != wantF) {
			t.Errorf("%s %q: got %v %v, want %v %v", tt.spec.Unit, tt.in, gotF, gotOK, wantF, wantOK)
		}
	}
}
