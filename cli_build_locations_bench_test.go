package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober"
	"github.com/upchain-dev/upchain/prober/history"
)

// BenchmarkBuildLocations runs the real `upchain build` on one day of
// 5-minute rounds of 1,000 checks recorded from 1 and from 3 locations
// (quorum 2, one location seeing 0.3% of its samples down on its own), and
// reports wall time and peak RSS: uptime runs on the decided timeline.
func BenchmarkBuildLocations(b *testing.B) {
	const n = 1000
	bin := upchainBinary(b)
	for _, locs := range []int{1, 3} {
		b.Run(fmt.Sprintf("locations=%d", locs), func(b *testing.B) {
			root := b.TempDir()
			var checks strings.Builder
			checks.WriteString("group: Bench\nchecks:\n")
			for i := 0; i < n; i++ {
				fmt.Fprintf(&checks, "  - name: check-%04d\n    kind: http\n    url: http://127.0.0.1:9/%d\n", i, i)
			}
			os.MkdirAll(filepath.Join(root, "checks"), 0o755)
			os.WriteFile(filepath.Join(root, "upchain.yml"), []byte("site: {title: Bench}\ndefaults: {quorum: 2}\n"), 0o644)
			os.WriteFile(filepath.Join(root, "checks", "bench.yml"), []byte(checks.String()), 0o644)
			dir := filepath.Join(root, ".upchain", "history")
			start := siteBenchNow.AddDate(0, 0, -1)
			var rounds [][]history.Sample
			for r := 0; r < 288; r++ {
				for l := 0; l < locs; l++ {
					loc := history.DefaultLocation
					if locs > 1 {
						loc = fmt.Sprintf("loc%d", l)
					}
					t := start.Add(time.Duration(r)*5*time.Minute + time.Duration(l)*time.Second)
					round := make([]history.Sample, n)
					for i := range round {
						st := prober.Up
						if (i*7+r*13+l)%1000 < 3 {
							st = prober.Down
						}
						round[i] = history.Sample{Time: t, Check: fmt.Sprintf("check-%04d", i), Region: "global", Location: loc,
							Status: st, Latency: 100 * time.Millisecond, Code: 200, Values: prober.Values{"height": fmt.Sprint(r)}}
					}
					rounds = append(rounds, round)
				}
			}
			if err := history.AppendRounds(dir, rounds); err != nil {
				b.Fatal(err)
			}
			st := history.State{Updated: siteBenchNow, Checks: map[string]map[string]*history.RegionState{}}
			for i := 0; i < n; i++ {
				st.Checks[fmt.Sprintf("check-%04d", i)] = map[string]*history.RegionState{
					"global": {Status: prober.Up, Since: start, ConsecutiveSuccesses: 10, Last: siteBenchNow, Quorum: min(locs, 2), WindowS: 450},
				}
			}
			data, _ := json.Marshal(st)
			os.WriteFile(filepath.Join(dir, history.StateFile), data, 0o644)
			b.ResetTimer()
			for it := 0; it < b.N; it++ {
				cmd := exec.Command(bin, append([]string{"build", "--config", filepath.Join(root, "upchain.yml"), "--out", filepath.Join(root, fmt.Sprint("public-", it))}, profileArgs(locs*100+it)...)...)
				resetPeakRSS()
				t0 := time.Now()
				if o, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("upchain build: %v\n%s", err, o)
				}
				wall := time.Since(t0)
				rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
				b.ReportMetric(wall.Seconds(), "build_s")
				b.ReportMetric(rss, "peak_rss_MB")
				fmt.Printf("build, %d location(s) x %d checks x 1 day (%d samples): %.2fs wall, peak RSS %.0f MB\n", locs, n, 288*n*locs, wall.Seconds(), rss)
			}
		})
	}
}
