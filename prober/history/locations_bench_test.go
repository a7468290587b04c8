package history

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/config"
)

// BenchmarkLocations records rounds of 1,000 checks from 1 and from 3
// locations into one local history branch (the real recorder, git CLI)
// and prints the packed growth per sample, the time per recorded round
// (append, quorum decision, state, commit) and the time to read the
// points back (the decided timeline that uptime and `upchain build` use).
// Quorum 2 for the 3-location case. Rounds: UPCHAIN_BENCH_ROUNDS, default
// 6 per location.
func BenchmarkLocations(b *testing.B) {
	os.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	os.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	rounds := 6
	if n := benchRounds(); os.Getenv("UPCHAIN_BENCH_ROUNDS") != "" {
		rounds = n
	}
	const checks = 1000
	for _, locs := range []int{1, 3} {
		b.Run(fmt.Sprintf("locations=%d", locs), func(b *testing.B) {
			for it := 0; it < b.N; it++ {
				ctx := context.Background()
				cfg := testConfig(b.TempDir(), config.History{})
				s := newSim(checks, 1)
				rec, err := OpenRecorder(ctx, cfg, nil)
				if err != nil {
					b.Fatal(err)
				}
				if locs > 1 {
					rec.quorumOf = func(string) Quorum { return Quorum{N: 2, Window: 450 * time.Second} }
				}
				gitDir := filepath.Join(rec.Dir(), ".git")
				gitCmd(b, rec.Dir(), nil, "repack", "-adf", "-q")
				base := packSize(b, gitDir)
				samples, recorded := 0, 0
				var spent time.Duration
				for i := 0; i < rounds; i++ {
					for l := 0; l < locs; l++ {
						rec.location = fmt.Sprintf("loc%d", l)
						if locs == 1 {
							rec.location = DefaultLocation
						}
						rs := s.round(benchStart.Add(time.Duration(i)*5*time.Minute + time.Duration(l)*time.Second))
						samples += len(rs)
						start := time.Now()
						if _, err := rec.Record(ctx, rs); err != nil {
							b.Fatal(err)
						}
						spent += time.Since(start)
						recorded++
					}
				}
				gitCmd(b, rec.Dir(), nil, "repack", "-adf", "-q")
				per := float64(packSize(b, gitDir)-base) / float64(samples)
				start := time.Now()
				pts, err := (&Store{dir: rec.Dir()}).Points(time.Time{}, time.Time{})
				if err != nil || len(pts) == 0 {
					b.Fatal(err, len(pts))
				}
				read := time.Since(start)
				rec.Close()
				b.ReportMetric(per, "bytes/sample")
				b.ReportMetric(float64(spent.Milliseconds())/float64(recorded), "ms/round")
				b.ReportMetric(float64(read.Microseconds())/float64(samples), "µs-read/sample")
				fmt.Printf("locations=%d: %d rounds of %d checks (%d samples): %.1f bytes/sample packed, %.0f ms per recorded round, points read %s (%.2f µs/sample)\n",
					locs, recorded, checks, samples, per, float64(spent.Milliseconds())/float64(recorded), read.Round(time.Millisecond), float64(read.Microseconds())/float64(samples))
			}
		})
	}
}
