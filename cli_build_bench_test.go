package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

// siteBenchNow ends the generated history; the build takes its time from
// the data, so figures do not depend on when the benchmark runs.
var siteBenchNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// genSiteHistory writes a history directory for n http checks over days
// (see genHistory). Mostly up, a few outages and degraded rounds.
func genSiteHistory(b *testing.B, dir string, n, days, fineDays int) (samples int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	base := make([]float64, n)
	for i := range base {
		base[i] = 30 + rng.Float64()*300
	}
	return genHistory(b, dir, n, days, fineDays, func(i, height int, t time.Time) history.Sample {
		st, lat := prober.Up, base[i]*math.Exp(rng.NormFloat64()*0.3)
		switch x := rng.IntN(1000); {
		case x < 3:
			st, lat = prober.Down, 10000
		case x < 10:
			st = prober.Degraded
		}
		return history.Sample{Time: t, Check: fmt.Sprintf("check-%04d", i), Region: "global",
			Status: st, Latency: time.Duration(lat * float64(time.Millisecond)), Code: 200,
			Values: prober.Values{"height": fmt.Sprint(height), "peers": "12"}}
	})
}

// genHistory writes a history directory of n checks over days, each
// sample made by sample (check i, the round's block height, its time):
// 5-minute rounds for the last fineDays, hourly samples before that (only
// to keep generation short: those days are rolled up into the same hourly
// and daily files either way). It then rolls up with the default retention
// and writes the state file.
func genHistory(b *testing.B, dir string, n, days, fineDays int, sample func(i, height int, t time.Time) history.Sample) (samples int) {
	b.Helper()
	start := siteBenchNow.AddDate(0, 0, -days)
	for d := 0; d < days; d++ {
		step, perDay := time.Hour, 24
		if d >= days-fineDays {
			step, perDay = 5*time.Minute, 288
		}
		rounds := make([][]history.Sample, 0, perDay)
		for r := 0; r < perDay; r++ {
			t := start.AddDate(0, 0, d).Add(time.Duration(r) * step)
			round := make([]history.Sample, n)
			for i := range round {
				round[i] = sample(i, 1_000_000+d*perDay+r, t)
			}
			samples += n
			rounds = append(rounds, round)
		}
		if err := history.AppendRounds(dir, rounds); err != nil {
			b.Fatal(err)
		}
	}
	ret := history.Retention{Raw: history.DefaultRawRetention, Hourly: history.DefaultHourlyRetention}
	if err := history.Maintain(dir, siteBenchNow, ret, nil); err != nil {
		b.Fatal(err)
	}
	st := history.State{Updated: siteBenchNow, Checks: map[string]map[string]*history.RegionState{}}
	for i := 0; i < n; i++ {
		st.Checks[fmt.Sprintf("check-%04d", i)] = map[string]*history.RegionState{
			"global": {Status: prober.Up, Since: siteBenchNow.AddDate(0, 0, -3), ConsecutiveSuccesses: 10, Last: siteBenchNow},
		}
	}
	data, err := json.Marshal(st)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, history.StateFile), data, 0o644); err != nil {
		b.Fatal(err)
	}
	return samples
}

// benchBuildFromHistory runs the real `upchain build` on generated history
// and reports its wall time and peak RSS (the child's own).
func benchBuildFromHistory(b *testing.B, n, days, fineDays int) {
	bin := upchainBinary(b)
	root, samples, gen := siteBenchRoot(b, n, days, fineDays)
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		out := filepath.Join(root, fmt.Sprintf("public-%d", it))
		cmd := exec.Command(bin, append([]string{"build", "--config", filepath.Join(root, "upchain.yml"), "--out", out}, profileArgs(it)...)...)
		resetPeakRSS()
		start := time.Now()
		o, err := cmd.CombinedOutput()
		wall := time.Since(start)
		if err != nil {
			b.Fatalf("upchain build: %v\n%s", err, o)
		}
		rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		b.ReportMetric(wall.Seconds(), "build_s")
		b.ReportMetric(cpu.Seconds(), "cpu_s")
		b.ReportMetric(rss, "peak_rss_MB")
		fmt.Printf("site from history: %d checks x %d days (%d samples generated in %s; raw kept 14d, older rolled up): upchain build %.2fs wall, %.2fs CPU, peak RSS %.0f MB; %s\n",
			n, days, samples, gen.Round(time.Second), wall.Seconds(), cpu.Seconds(), rss, strings.TrimSpace(string(o)))
	}
}

// siteBenchRoot writes a config of n http checks and generated history
// (see genSiteHistory) into a temporary directory. With
// UPCHAIN_BENCH_HISTORY set, the history is generated once into that
// directory and reused.
func siteBenchRoot(b *testing.B, n, days, fineDays int) (root string, samples int, gen time.Duration) {
	b.Helper()
	root = b.TempDir()
	var checks strings.Builder
	checks.WriteString("group: Bench\nchecks:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&checks, "  - name: check-%04d\n    kind: http\n    url: http://127.0.0.1:9/%d\n", i, i)
	}
	if err := os.MkdirAll(filepath.Join(root, "checks"), 0o755); err != nil {
		b.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "upchain.yml"), []byte("site: {title: Bench}\n"), 0o644)
	os.WriteFile(filepath.Join(root, "checks", "bench.yml"), []byte(checks.String()), 0o644)
	genStart := time.Now()
	histDir := filepath.Join(root, ".upchain", "history")
	if keep := os.Getenv("UPCHAIN_BENCH_HISTORY"); keep != "" {
		// Reuse a history generated before (generation takes minutes).
		keep = filepath.Join(keep, fmt.Sprintf("%dx%dd", n, days))
		if _, err := os.Stat(keep); err != nil {
			samples = genSiteHistory(b, keep, n, days, fineDays)
		}
		os.MkdirAll(filepath.Dir(histDir), 0o755)
		if err := os.Symlink(keep, histDir); err != nil {
			b.Fatal(err)
		}
	} else {
		samples = genSiteHistory(b, histDir, n, days, fineDays)
	}
	return root, samples, time.Since(genStart)
}

// BenchmarkBuildFromHistory200Checks90Days: issue target under 2 s and
// 300 MB, history loading and uptime figures included.
func BenchmarkBuildFromHistory200Checks90Days(b *testing.B) {
	benchBuildFromHistory(b, 200, 90, 90)
}

// BenchmarkBuildFromHistory1000Checks1Year: target under 10 s.
func BenchmarkBuildFromHistory1000Checks1Year(b *testing.B) {
	benchBuildFromHistory(b, 1000, 365, 14)
}

// profileArgs passes --cpuprofile and --memprofile into the directory
// UPCHAIN_BENCH_PROFILE names, if set.
func profileArgs(it int) []string {
	dir := os.Getenv("UPCHAIN_BENCH_PROFILE")
	if dir == "" {
		return nil
	}
	return []string{"--cpuprofile", filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", it)), "--memprofile", filepath.Join(dir, fmt.Sprintf("mem-%d.pprof", it))}
}

// resetPeakRSS lowers this process's peak RSS to what it uses now, before
// starting a child whose peak RSS a benchmark reports. Linux starts a
// child's peak from the parent's at exec, so a benchmark that generated
// a large history in memory would otherwise report its own peak for the
// child's.
func resetPeakRSS() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
