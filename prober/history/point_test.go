package history

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"
)

func TestPointRoundTrip(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	tests := []struct {
		name    string
		unix    int64
		lat     float32
		lv      Level
		wantLat float32
	}{
		{"up", 1_700_000_000, 12.5, LevelUp, 12.5},
		{"up at zero latency", 0, 0, LevelUp, 0},
		{"degraded keeps its latency", 1_700_000_000, 812, LevelDegraded, 812},
		{"degraded at zero latency", 5, 0, LevelDegraded, 0},
		{"degraded, infinite latency", 5, inf, LevelDegraded, inf},
		{"down drops its latency", 1_700_000_000, 10000, LevelDown, 0},
		{"negative latency reads as 0", 7, -3, LevelUp, 0},
		{"NaN latency reads as 0", 7, nan, LevelDegraded, 0},
		{"last second that fits", math.MaxUint32, 1, LevelUp, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPoint(tt.unix, tt.lat, tt.lv)
			if p.Unix() != tt.unix || p.Level() != tt.lv || p.Latency() != tt.wantLat {
				t.Fatalf("got (%d, %v, %v), want (%d, %v, %v)", p.Unix(), p.Latency(), p.Level(), tt.unix, tt.wantLat, tt.lv)
			}
		})
	}
	if n := unsafe.Sizeof(Point{}); n != 8 {
		t.Errorf("a Point takes %d bytes, want 8", n)
	}
}

func TestPointTimeOK(t *testing.T) {
	for unix, want := range map[int64]bool{-1: false, 0: true, math.MaxUint32: true, math.MaxUint32 + 1: false} {
		if got := PointTimeOK(unix); got != want {
			t.Errorf("PointTimeOK(%d) = %v, want %v", unix, got, want)
		}
	}
}

// TestSampleBefore1970IsDamaged: a raw day outside what a Point holds is
// skipped as damaged by readers and reported by Check, not wrapped into
// another date.
func TestSampleBefore1970IsDamaged(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, RawDir), 0o755)
	old := time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)
	for day, body := range map[time.Time]string{old: "00:01:00 alpha global up 200 - 12\n", day0: "00:02:00 alpha global up 200 - 12\n"} {
		if err := os.WriteFile(rawPath(dir, day), []byte(rawHeader(day)+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := Open(dir)
	pts, err := s.Points(time.Time{}, time.Time{})
	if got := pts[Key{"alpha", "global"}]; err != nil || len(got) != 1 || got[0].Unix() != day0.Unix()+120 {
		t.Fatalf("points %v, %v: want the one sample of %s", got, err, day0.Format(time.DateOnly))
	}
	rep, err := Check(dir, CheckOptions{Now: day0})
	if err != nil || rep.Counts[Damaged] != 1 {
		t.Fatalf("check: %+v, %v: want one damaged line", rep, err)
	}
}
