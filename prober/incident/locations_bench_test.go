package incident

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/upchain-dev/upchain/prober/history"
)

// BenchmarkApplyLocations is BenchmarkApply with the results of 1 and of
// 3 locations decided through history.State.Decide (quorum 2 for 3), as
// the recorder hands them to the incident stage: the time per location's
// round of 1,000 checks x 3 regions with 100 failing everywhere.
func BenchmarkApplyLocations(b *testing.B) {
	for _, locs := range []int{1, 3} {
		b.Run(fmt.Sprintf("locations=%d", locs), func(b *testing.B) {
			l := benchConfig(1000)
			m, err := New(l, Options{Env: func(string) (string, bool) { return "", false }})
			if err != nil {
				b.Fatal(err)
			}
			q := func(string) history.Quorum { return history.Quorum{N: 1} }
			if locs > 1 {
				q = func(string) history.Quorum { return history.Quorum{N: 2, Window: 450 * time.Second} }
			}
			dir := b.TempDir()
			st := &history.State{}
			now := epoch
			ctx := context.Background()
			round := func() {
				now = now.Add(5 * time.Minute)
				for j := 0; j < locs; j++ {
					loc := history.DefaultLocation
					if locs > 1 {
						loc = fmt.Sprintf("loc%d", j)
					}
					at := now.Add(time.Duration(j) * time.Second)
					rs := st.Decide(loc, benchResults(l, at, 100), q)
					st.Apply(rs)
					if _, err := m.Apply(ctx, dir, st, rs, at); err != nil {
						b.Fatal(err)
					}
				}
			}
			for i := 0; i < 3; i++ {
				round()
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				round()
			}
			per := time.Since(start) / time.Duration(b.N*locs)
			b.ReportMetric(float64(per.Microseconds())/1000, "ms/location-round")
			b.Logf("incident stage, %d location(s), 1000 checks x 3 regions, 100 open incidents: %s per location's round", locs, per.Round(time.Microsecond))
		})
	}
}
