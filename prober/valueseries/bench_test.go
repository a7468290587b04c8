package valueseries

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

// BenchmarkCompute200Checks90Days reads the value series of 200 validator
// checks over 90 days (5-minute rounds, 14 days raw, the rest rolled up)
// with two charted values and three validator values each: the part of
// `upchain build` that value charts add.
func BenchmarkCompute200Checks90Days(b *testing.B) {
	const checks, days = 200, 90
	dir := b.TempDir()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	start := now.AddDate(0, 0, -days)
	rng := rand.New(rand.NewPCG(1, 2))
	samples := 0
	for d := 0; d < days; d++ {
		var rounds [][]history.Sample
		for r := 0; r < 288; r++ {
			t := start.AddDate(0, 0, d).Add(time.Duration(r) * 5 * time.Minute)
			round := make([]history.Sample, checks)
			for i := range round {
				missed := rng.IntN(4)
				round[i] = history.Sample{Time: t, Check: fmt.Sprintf("check-%04d", i), Region: "global", Status: prober.Up, Latency: time.Millisecond,
					Values: prober.Values{"height": strconv.Itoa(d*288 + r), "peers": strconv.Itoa(8 + rng.IntN(40)), "missed": strconv.Itoa(missed),
						"signed": strconv.Itoa(200 - missed), "missed_percent": strconv.FormatFloat(float64(missed)/2, 'f', 1, 64), "in_active_set": "true"}}
			}
			samples += checks
			rounds = append(rounds, round)
		}
		if err := history.AppendRounds(dir, rounds); err != nil {
			b.Fatal(err)
		}
	}
	m0 := time.Now()
	if err := history.Maintain(dir, now, history.Retention{Raw: history.DefaultRawRetention, Hourly: history.DefaultHourlyRetention}, nil); err != nil {
		b.Fatal(err)
	}
	// 76 days rolled up at once: uptime and value roll-ups.
	maintainPerDay := time.Since(m0).Seconds() / float64(days-14)
	s, err := history.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	values := prober.Builtin().Values()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		t0, c0 := time.Now(), cpuTime()
		rep, err := Compute(s, Options{Now: now, Values: values})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Get("check-0000", "global", "peers") == nil {
			b.Fatal("no peers series")
		}
		b.ReportMetric(time.Since(t0).Seconds(), "compute_s")
		// CPU time says more than wall time on a machine shared with others.
		b.ReportMetric((cpuTime() - c0).Seconds(), "compute_cpu_s")
	}
	b.ReportMetric(float64(samples), "samples")
	b.ReportMetric(maintainPerDay, "maintain_s/day")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
