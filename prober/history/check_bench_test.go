package history

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// BenchmarkHistoryCheck checks 14 days (the default raw retention) of raw
// samples of 200 checks with one damaged line, as `upchain history check`
// does, and prints how long it takes.
func BenchmarkHistoryCheck(b *testing.B) {
	dir := b.TempDir()
	s := newSim(200, 5)
	for d := 0; d < 14; d++ {
		var rounds [][]Sample
		for r := 0; r < 288; r++ {
			rs := s.round(benchStart.Add(time.Duration(d*288+r) * 5 * time.Minute))
			smp := make([]Sample, len(rs))
			for i := range rs {
				smp[i] = FromResult(rs[i], "")
			}
			rounds = append(rounds, smp)
		}
		if err := AppendRounds(dir, rounds); err != nil {
			b.Fatal(err)
		}
	}
	days, _ := listDays(dir, RawDir)
	f, err := os.OpenFile(days[3].path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	f.WriteString("<<<<<<< HEAD\n")
	f.Close()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		start := time.Now()
		rep, err := Check(dir, CheckOptions{Now: benchStart.Add(14 * 24 * time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Counts[Damaged] != 1 {
			b.Fatalf("found %v, want the one damaged line", rep.Counts)
		}
		el := time.Since(start)
		b.ReportMetric(el.Seconds(), "s/check")
		fmt.Printf("history check: %d samples in %d files (200 checks, 14 days) in %s\n", rep.Samples, rep.Files, el.Round(time.Millisecond))
	}
}
