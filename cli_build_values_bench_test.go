package main

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

// genValueHistory is genSiteHistory for cometbft validators: every sample
// records height and the charted and validator values (peers, missed
// share, active set, signed and missed), so that the build draws two value
// charts a check and the validator bar.
func genValueHistory(b *testing.B, dir string, n, days, fineDays int) (samples int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(7, 13))
	return genHistory(b, dir, n, days, fineDays, func(i, height int, t time.Time) history.Sample {
		missed := rng.IntN(4)
		return history.Sample{Time: t, Check: fmt.Sprintf("check-%04d", i), Region: "global",
			Status: prober.Up, Latency: time.Duration(30+rng.IntN(300)) * time.Millisecond, Code: 200,
			Values: prober.Values{
				"height": strconv.Itoa(height), "peers": strconv.Itoa(8 + rng.IntN(40)),
				"missed": strconv.Itoa(missed), "signed": strconv.Itoa(200 - missed), "missed_percent": strconv.FormatFloat(float64(missed)/2, 'f', 1, 64),
				"in_active_set": strconv.FormatBool(rng.IntN(500) != 0),
			}}
	})
}

// dirBytes sums the sizes of the files under dir/sub.
func dirBytes(dir string, subs ...string) (n int64) {
	for _, sub := range subs {
		filepath.WalkDir(filepath.Join(dir, sub), func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if fi, err := d.Info(); err == nil {
					n += fi.Size()
				}
			}
			return nil
		})
	}
	return n
}

// benchBuildValues runs the real `upchain build` over validator history
// with value charts and reports its wall time, peak RSS and what the
// value roll-ups add to the history (bytes per sample).
func benchBuildValues(b *testing.B, n, days, fineDays int) {
	bin := upchainBinary(b)
	root := b.TempDir()
	// UPCHAIN_BENCH_ROOT keeps the generated config and history for another
	// run (profiling): generated there once, reused after.
	reuse := false
	if keep := os.Getenv("UPCHAIN_BENCH_ROOT"); keep != "" {
		root = filepath.Join(keep, fmt.Sprintf("values-%dx%d", n, days))
		_, err := os.Stat(filepath.Join(root, "upchain.yml"))
		reuse = err == nil
	}
	var checks strings.Builder
	checks.WriteString("group: Bench\nchecks:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&checks, "  - name: check-%04d\n    kind: cometbft\n    url: http://127.0.0.1:9/%d\n", i, i)
	}
	if err := os.MkdirAll(filepath.Join(root, "checks"), 0o755); err != nil {
		b.Fatal(err)
	}
	hist := filepath.Join(root, ".upchain", "history")
	genStart := time.Now()
	samples := n * ((days-fineDays)*24 + fineDays*288)
	if !reuse {
		samples = genValueHistory(b, hist, n, days, fineDays)
		os.WriteFile(filepath.Join(root, "checks", "bench.yml"), []byte(checks.String()), 0o644)
		os.WriteFile(filepath.Join(root, "upchain.yml"), []byte("site: {title: Bench}\n"), 0o644)
	}
	gen := time.Since(genStart)
	total := dirBytes(hist, history.RawDir, history.HourlyDir, history.DailyDir, history.ValuesHourlyDir, history.ValuesDailyDir, history.StateFile)
	values := dirBytes(hist, history.ValuesHourlyDir, history.ValuesDailyDir)
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		if base := os.Getenv("UPCHAIN_BENCH_BASELINE"); base != "" {
			// An upchain built before value charts, on the same history in the
			// same conditions (it draws no value charts).
			cmd := exec.Command(base, "build", "--config", filepath.Join(root, "upchain.yml"), "--out", filepath.Join(root, fmt.Sprintf("baseline-%d", it)))
			start := time.Now()
			if o, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("baseline build: %v\n%s", err, o)
			}
			wall, cpu := time.Since(start), cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime()
			b.ReportMetric(wall.Seconds(), "baseline_build_s")
			b.ReportMetric(cpu.Seconds(), "baseline_cpu_s")
			fmt.Printf("baseline (%s): upchain build %.2fs wall, %.2fs CPU\n", base, wall.Seconds(), cpu.Seconds())
		}
		out := filepath.Join(root, fmt.Sprintf("public-%d", it))
		cmd := exec.Command(bin, "build", "--config", filepath.Join(root, "upchain.yml"), "--out", out)
		resetPeakRSS()
		start := time.Now()
		o, err := cmd.CombinedOutput()
		wall := time.Since(start)
		if err != nil {
			b.Fatalf("upchain build: %v\n%s", err, o)
		}
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		b.ReportMetric(cpu.Seconds(), "build_cpu_s")
		page, _ := os.ReadFile(filepath.Join(out, "checks", "check-0000.html"))
		if c := strings.Count(string(page), `aria-label="Peers, last`); c != 4 {
			b.Fatalf("check page has %d peers charts, want 4", c)
		}
		rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
		b.ReportMetric(wall.Seconds(), "build_s")
		b.ReportMetric(rss, "peak_rss_MB")
		b.ReportMetric(float64(values)/float64(samples), "value_rollup_bytes/sample")
		fmt.Printf("site with value charts: %d cometbft checks x %d days (%d samples generated in %s): upchain build %.2fs wall, %.2fs CPU, peak RSS %.0f MB; history %d bytes unpacked, of which value roll-ups %d (%.2f bytes/sample); %s\n",
			n, days, samples, gen.Round(time.Second), wall.Seconds(), cpu.Seconds(), rss, total, values, float64(values)/float64(samples), strings.TrimSpace(string(o)))
	}
}

// BenchmarkBuildFromHistory200Checks90DaysValues: the 200 x 90 days target
// (2 s) with two value charts a check and the validator history.
func BenchmarkBuildFromHistory200Checks90DaysValues(b *testing.B) {
	benchBuildValues(b, 200, 90, 90)
}

// BenchmarkBuildFromHistory1000Checks1YearValues: the 10 s target.
func BenchmarkBuildFromHistory1000Checks1YearValues(b *testing.B) {
	benchBuildValues(b, 1000, 365, 14)
}

// BenchmarkBuildValuesInProcess200Checks90Days is the 200 x 90 days value
// build in this process (runBuild), for -cpuprofile; the figure to quote
// is BenchmarkBuildFromHistory200Checks90DaysValues's.
func BenchmarkBuildValuesInProcess200Checks90Days(b *testing.B) {
	root := b.TempDir()
	if r := os.Getenv("UPCHAIN_BENCH_INPROCESS_ROOT"); r != "" {
		root = r // a root kept by UPCHAIN_BENCH_ROOT (any size)
	} else {
		genValuesRoot(b, root)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		var out strings.Builder
		t0 := time.Now()
		if rc := runBuild(context.Background(), []string{"--config", filepath.Join(root, "upchain.yml"), "--out", filepath.Join(root, fmt.Sprintf("inproc-%d", it))}, &out, &out); rc != 0 {
			b.Fatalf("build: %d\n%s", rc, out.String())
		}
		b.ReportMetric(time.Since(t0).Seconds(), "build_s")
	}
}

func genValuesRoot(b *testing.B, root string) {
	var checks strings.Builder
	checks.WriteString("group: Bench\nchecks:\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&checks, "  - name: check-%04d\n    kind: cometbft\n    url: http://127.0.0.1:9/%d\n", i, i)
	}
	os.MkdirAll(filepath.Join(root, "checks"), 0o755)
	os.WriteFile(filepath.Join(root, "upchain.yml"), []byte("site: {title: Bench}\n"), 0o644)
	os.WriteFile(filepath.Join(root, "checks", "bench.yml"), []byte(checks.String()), 0o644)
	genValueHistory(b, filepath.Join(root, ".upchain", "history"), 200, 90, 90)
}
