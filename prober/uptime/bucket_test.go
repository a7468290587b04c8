package uptime

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/history"
)

// TestTenthsGiveBackParsedLatencies: every latency as upchain writes it
// (whole milliseconds from 10 ms, tenths below) survives a bucket exactly:
// the figures from buckets equal those from the parsed roll-ups.
func TestTenthsGiveBackParsedLatencies(t *testing.T) {
	var written []string
	for i := 0; i < 100; i++ { // 0 to 9.9 ms
		written = append(written, strconv.FormatFloat(float64(i)/10, 'f', -1, 64))
	}
	for ms := 10; ms <= 120_000; ms += 7 {
		written = append(written, strconv.Itoa(ms))
	}
	written = append(written, "3600000", "86400000")
	var file strings.Builder
	file.WriteString("# upchain daily v3\n# year 2026 UTC\n# columns: day check region samples down degraded covered_s down_s degraded_s uptime_pct p50_ms p95_ms max_ms\n")
	for i := 0; i < len(written); i += 3 {
		lat := func(j int) string { return written[min(i+j, len(written)-1)] }
		fmt.Fprintf(&file, "2026-01-01 c%d global 10 0 0 86400 0 0 100.000 %s %s %s\n", i, lat(0), lat(1), lat(2))
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, history.DailyDir), 0o755)
	if err := os.WriteFile(filepath.Join(dir, history.DailyDir, "2026.txt"), []byte(file.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := history.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = s.EachDaily(time.Time{}, time.Time{}, func(r *history.Rollup) error {
		for _, ms := range []float64{r.P50, r.P95, r.Max} {
			n++
			if got := toTenths(ms).ms(); got != ms {
				t.Errorf("%s: %v ms comes back as %v", r.Check, ms, got)
			}
		}
		return nil
	})
	if err != nil || n < len(written) {
		t.Fatalf("read %d latencies of %d: %v", n, len(written), err)
	}
}

func TestToTenths(t *testing.T) {
	for ms, want := range map[float64]tenths{0: 0, -1: 0, 0.04: 0, 0.05: 1, 5.33: 53, 12: 120, math.Inf(1): math.MaxUint32} {
		if got := toTenths(ms); got != want {
			t.Errorf("toTenths(%v) = %d, want %d", ms, got, want)
		}
	}
}
