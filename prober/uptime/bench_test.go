package uptime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

const childEnv = "UPCHAIN_UPTIME_BENCH_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(computeChild(dir))
	}
	os.Exit(m.Run())
}

var benchNow = time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)

// computeChild computes every figure of the history in dir and prints the
// time it took; the parent reads the child's peak RSS from the kernel.
func computeChild(dir string) int {
	start := time.Now()
	s, err := history.Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r, err := Compute(s, Options{Now: benchNow})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	el := time.Since(start)
	w, _ := r.Checks["check-000"].All.Window("90d")
	fmt.Printf("elapsed %d checks %d samples90d %d\n", el.Microseconds(), len(r.Checks), w.Samples)
	return 0
}

// genHistory writes days of 5-minute rounds of n checks ending at
// benchNow: mostly up, a few outages, latency around a per-check base.
func genHistory(b *testing.B, dir string, n, days int) int {
	rng := rand.New(rand.NewPCG(1, 2))
	base := make([]float64, n)
	for i := range base {
		base[i] = 30 + rng.Float64()*300
	}
	total := 0
	start := benchNow.AddDate(0, 0, -days)
	for d := 0; d < days; d++ {
		rounds := make([][]history.Sample, 0, 288)
		for r := 0; r < 288; r++ {
			t := start.Add(time.Duration(d*288+r) * 5 * time.Minute)
			round := make([]history.Sample, n)
			for i := range round {
				st, lat := prober.Up, base[i]*math.Exp(rng.NormFloat64()*0.3)
				switch x := rng.IntN(1000); {
				case x < 3:
					st, lat = prober.Down, 10000
				case x < 10:
					st = prober.Degraded
				}
				round[i] = history.Sample{Time: t.Add(time.Duration(rng.IntN(3)) * time.Second), Check: fmt.Sprintf("check-%03d", i), Region: "global",
					Status: st, Latency: time.Duration(lat * float64(time.Millisecond)), Code: 200}
			}
			total += n
			rounds = append(rounds, round)
		}
		if err := history.AppendRounds(dir, rounds); err != nil {
			b.Fatal(err)
		}
	}
	return total
}

func runChild(b *testing.B, dir string) (elapsed time.Duration, rssMB float64, out string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	resetPeakRSS()
	o, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, o)
	}
	out = strings.TrimSpace(string(o))
	f := strings.Fields(out)
	us, _ := strconv.ParseInt(f[1], 10, 64)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return time.Duration(us) * time.Microsecond, float64(ru.Maxrss) / 1024, out
}

// BenchmarkComputeAll computes every window, the last 90 days and the
// latency charts of 200 checks with 90 days of 5-minute history, in a
// fresh process so that its peak RSS is the computation's own: once with
// the default retention (14 days raw, the rest from roll-ups) and once
// with all 90 days raw.
func BenchmarkComputeAll(b *testing.B) {
	root := b.TempDir()
	raw := filepath.Join(root, "raw")
	samples := genHistory(b, raw, 200, 90)
	rolled := filepath.Join(root, "rolled")
	if out, err := exec.Command("cp", "-r", raw, rolled).CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	if err := history.Maintain(rolled, benchNow, history.Retention{Raw: history.DefaultRawRetention, Hourly: history.DefaultHourlyRetention}, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for _, c := range []struct{ name, dir string }{{"default retention (14d raw + roll-ups)", rolled}, {"90 days raw", raw}} {
			el, rss, out := runChild(b, c.dir)
			b.ReportMetric(el.Seconds(), "s-"+strings.Fields(c.name)[0])
			b.ReportMetric(rss, "MB-rss-"+strings.Fields(c.name)[0])
			fmt.Printf("uptime: all windows, 90 days and latency charts for 200 checks, 90 days of history (%d samples), %s: %s, peak RSS %.0f MB (%s)\n",
				samples, c.name, el.Round(time.Millisecond), rss, out)
		}
	}
}

// resetPeakRSS lowers this process's peak RSS to what it uses now, before
// starting a child whose peak RSS the benchmark reports: Linux starts a
// child's peak from the parent's at exec.
func resetPeakRSS() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
