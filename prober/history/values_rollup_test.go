package history

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
)

// big is above 2^64 (18446744073709551616): a balance in wei.
const (
	bigLow  = "18446744073709551617"
	bigHigh = "123456789012345678901234567890"
)

func valueRound(t time.Time, vals prober.Values) []Sample {
	return []Sample{{Time: t, Check: "val", Region: "global", Status: prober.Up, Latency: 5 * time.Millisecond, Values: vals}}
}

// TestValueRollupRoundTrip writes three days of raw samples with charted
// values (amounts above 2^64, a bool, an uncharted value), rolls them up
// with Maintain and reads the value roll-ups back.
func TestValueRollupRoundTrip(t *testing.T) {
	dir := t.TempDir()
	day0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rounds := [][]Sample{
		valueRound(day0.Add(10*time.Minute), prober.Values{"evm_balance_lowest": bigHigh, "in_active_set": "true", "peers": "9", "height": "100"}),
		valueRound(day0.Add(20*time.Minute), prober.Values{"evm_balance_lowest": bigLow, "in_active_set": "false", "peers": "12", "height": "101"}),
		valueRound(day0.Add(2*time.Hour), prober.Values{"evm_balance_lowest": "5", "in_active_set": "true", "peers": "10"}),
		valueRound(day0.Add(26*time.Hour), prober.Values{"peers": "3"}),
		valueRound(day0.Add(50*time.Hour), prober.Values{"peers": "4"}),
	}
	if err := AppendRounds(dir, rounds); err != nil {
		t.Fatal(err)
	}
	// Raw retention of an hour: days 0 and 1 are rolled up, day 2 stays raw.
	now := day0.Add(50 * time.Hour)
	if err := Maintain(dir, now, Retention{Raw: time.Hour, Hourly: 90 * 24 * time.Hour}, nil); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var hourly []ValueRollup
	if err := s.EachValueHourly(time.Time{}, time.Time{}, nil, func(r *ValueRollup) error { hourly = append(hourly, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	h := func(d, hour int, name string, n int, lo, hi, last string) ValueRollup {
		return ValueRollup{Check: "val", Region: "global", Name: name, Start: day0.Add(time.Duration(d*24+hour) * time.Hour), Span: time.Hour, Samples: n, Min: lo, Max: hi, Last: last}
	}
	want := []ValueRollup{
		// in_active_set is validator history only: daily roll-ups only.
		h(0, 0, "evm_balance_lowest", 2, bigLow, bigHigh, bigLow),
		h(0, 0, "peers", 2, "9", "12", "12"),
		h(0, 2, "evm_balance_lowest", 1, "5", "5", "5"),
		h(0, 2, "peers", 1, "10", "10", "10"),
		h(1, 2, "peers", 1, "3", "3", "3"),
	}
	if !reflect.DeepEqual(hourly, want) {
		t.Fatalf("hourly:\n got %+v\nwant %+v", hourly, want)
	}
	var daily []ValueRollup
	if err := s.EachValueDaily(time.Time{}, time.Time{}, nil, func(r *ValueRollup) error { daily = append(daily, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	d := func(day int, name string, n int, lo, hi, last string) ValueRollup {
		return ValueRollup{Check: "val", Region: "global", Name: name, Start: day0.AddDate(0, 0, day), Span: 24 * time.Hour, Samples: n, Min: lo, Max: hi, Last: last}
	}
	wantDaily := []ValueRollup{
		d(0, "evm_balance_lowest", 3, "5", bigHigh, "5"),
		d(0, "in_active_set", 3, "false", "true", "true"),
		d(0, "peers", 3, "9", "12", "10"),
		d(1, "peers", 1, "3", "3", "3"),
	}
	if !reflect.DeepEqual(daily, wantDaily) {
		t.Fatalf("daily:\n got %+v\nwant %+v", daily, wantDaily)
	}
	// The raw day not yet rolled up still gives its values, only those asked.
	var raw []ValueSample
	if err := s.EachValueSample(day0.AddDate(0, 0, 2), time.Time{}, map[string]bool{"peers": true}, func(v *ValueSample) {
		c := *v
		c.Value = append([]byte(nil), v.Value...)
		raw = append(raw, c)
	}); err != nil {
		t.Fatal(err)
	}
	if wantRaw := []ValueSample{{Check: "val", Region: "global", Name: "peers", Unix: day0.Add(50 * time.Hour).Unix(), Value: []byte("4")}}; !reflect.DeepEqual(raw, wantRaw) {
		t.Fatalf("raw values: got %+v, want %+v", raw, wantRaw)
	}
	// Maintain again changes nothing (idempotent).
	before, _ := os.ReadFile(filepath.Join(dir, ValuesDailyDir, "2026.txt"))
	if err := Maintain(dir, now, Retention{Raw: time.Hour, Hourly: 90 * 24 * time.Hour}, nil); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, ValuesDailyDir, "2026.txt"))
	if string(before) != string(after) || !strings.HasPrefix(string(after), "# upchain values-daily v3\n") {
		t.Fatalf("daily values file changed or lacks its header:\n%s\n---\n%s", before, after)
	}
	// Hourly value roll-ups expire with the hourly retention.
	if err := Maintain(dir, now.AddDate(0, 0, 5), Retention{Raw: 24 * time.Hour, Hourly: 24 * time.Hour}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ValuesHourlyDir, "2026-03-01.txt")); !os.IsNotExist(err) {
		t.Fatalf("old values-hourly file kept: %v", err)
	}
}

// TestVersion2HistoryReadsTheSame: a history written by format version 2
// (no value roll-ups) gives the same samples and roll-ups, and no values.
func TestVersion2HistoryReadsTheSame(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	files := map[string]string{
		"raw/2026-03-01.txt":    "# upchain raw v2\n# day 2026-03-01 UTC\n# round aa 00:10:00 default\n00:10:00 val global up 200 - 5 peers=9\n",
		"hourly/2026-02-28.txt": "# upchain hourly v2\n# day 2026-02-28 UTC\n00 val global 12 0 0 3600 0 0 100.000 5 5 5\n",
		"daily/2026.txt":        "# upchain daily v2\n# year 2026 UTC\n2026-02-28 val global 12 0 0 3600 0 0 100.000 5 5 5\n",
	}
	for p, c := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := Open(dir)
	var got []Sample
	if err := s.Samples(time.Time{}, time.Time{}, func(x Sample) error { got = append(got, x); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []Sample{{Time: day.Add(10 * time.Minute), Check: "val", Region: "global", Status: prober.Up, Code: 200, Latency: 5 * time.Millisecond, Values: prober.Values{"peers": "9"}, Location: DefaultLocation}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("samples: got %+v, want %+v", got, want)
	}
	hr, err := s.Hourly(time.Time{}, time.Time{})
	if err != nil || len(hr) != 1 || hr[0].Samples != 12 || hr[0].P95 != 5 {
		t.Fatalf("hourly v2: %+v, %v", hr, err)
	}
	dr, err := s.Daily(time.Time{}, time.Time{})
	if err != nil || len(dr) != 1 || dr[0].Covered != time.Hour {
		t.Fatalf("daily v2: %+v, %v", dr, err)
	}
	n := 0
	if err := s.EachValueDaily(time.Time{}, time.Time{}, nil, func(*ValueRollup) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("value roll-ups of a v2 history: %d, %v", n, err)
	}
}

// TestValueRollupNewerVersionRefused: a values file of a newer format is
// an error, not misread.
func TestValueRollupNewerVersionRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ValuesDailyDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ValuesDailyDir, "2026.txt"), []byte("# upchain values-daily v99\n2026-03-01 val global peers 1 1 1 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := Open(dir)
	err := s.EachValueDaily(time.Time{}, time.Time{}, nil, func(*ValueRollup) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("want a newer-version error, got %v", err)
	}
}

func TestCompareNumbers(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"9", "12", -1}, {bigLow, bigHigh, -1}, {bigHigh, "5", 1}, {"18446744073709551616", "18446744073709551616", 0},
		{"1.5", "1.25", 1}, {"-3", "2", -1}, {"false", "true", -1}, {"true", "true", 0},
		{"-" + bigHigh, "-" + bigLow, -1}, {"-5", "-12", 1}, {"007", "7", 0}, {"-0", "0", 0}, {"1e3", "999", 1}, {"12", "1.5", 1},
	} {
		if got := prober.CompareNumbers(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareNumbers(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
